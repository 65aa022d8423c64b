import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncChartPins } from '../src/model/charts';
import { defaultCluster } from '../src/model/defaults';
import {
  addSettingDefaults,
  loadPlatform,
  newPlatform,
  parsePlatform,
  platformToString,
  setCluster,
  setGeneratorVersion,
  setStoryState,
} from '../src/model/platform-file';
import { recordStories } from '../src/model/story-rules';
import { catalogFor } from '../src/model/wiring';
import { GENERATOR_VERSION } from '../src/version';
import { tmpDir } from './helpers/fs';

/** PlatformFile: the YAML document is the only state; the model is derived from it after every edit. */
describe('PlatformFile edits the document only and derives the spec', () => {
  it('a change made through edit() is in the spec at once', () => {
    const pf = setCluster(newPlatform(), 'infra', defaultCluster(newPlatform().spec, 'infra'));
    pf.edit((doc) => doc.setIn(['clusters', 'infra', 'settings', 'LOG_LEVEL'], 'debug'));
    expect(pf.spec.clusters.infra.settings.LOG_LEVEL).toBe('debug');
    pf.edit((doc) => doc.deleteIn(['clusters', 'infra', 'settings', 'LOG_LEVEL']));
    expect(pf.spec.clusters.infra.settings.LOG_LEVEL).toBeUndefined();
  });

  it('after any sequence of edits the spec is what the written file reads back as', () => {
    const pf = newPlatform();
    setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
    setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
    setStoryState(pf, 'STORY-BOOT-TALOS', { infra: 'draft', apps: 'approved' });
    expect(
      addSettingDefaults(pf, 'apps', [{ name: 'MY_SETTING', default: 'one', description: 'a setting of mine' }]),
    ).toEqual(['MY_SETTING']);
    syncChartPins(pf, ['cilium']);
    setStoryState(pf, 'STORY-BOOT-TALOS', { infra: 'approved' });
    const text = platformToString(pf);
    expect(pf.spec).toEqual(parsePlatform(text).spec);
    expect(pf.spec.stories['STORY-BOOT-TALOS'].clusters).toEqual({ infra: 'approved', apps: 'approved' });
    expect(pf.spec.clusters.apps.settings.MY_SETTING).toBe('one');
    expect(Object.keys(pf.spec.charts ?? {})).toEqual(['cilium']);
    expect(text).toContain('# a setting of mine');
  });

  it('an edit of one cluster or story reads only that entry again; the rest of the model is kept as it was', () => {
    const pf = newPlatform();
    setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
    setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
    const infra = pf.spec.clusters.infra;
    addSettingDefaults(pf, 'apps', [{ name: 'MY_SETTING', default: 'one', description: 'mine' }]);
    setStoryState(pf, 'STORY-BOOT-TALOS', { apps: 'draft' });
    expect(pf.spec.clusters.infra).toBe(infra);
    expect(pf.spec.clusters.apps.settings.MY_SETTING).toBe('one');
    expect(pf.spec).toEqual(parsePlatform(platformToString(pf)).spec);
    // A whole-document edit reads everything again.
    pf.edit(() => undefined);
    expect(pf.spec.clusters.infra).not.toBe(infra);
    expect(pf.spec.clusters.infra).toEqual(infra);
  });

  it('settings added to a cluster are in the model as the schema reads them, in the order of the document', () => {
    const pf = newPlatform();
    setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
    const apps = pf.spec.clusters.infra;
    addSettingDefaults(pf, 'infra', [
      { name: 'ZZ_LAST', default: 'z', description: 'z' },
      { name: 'AA_FIRST', default: 'a', description: 'a' },
    ]);
    expect(pf.spec.clusters.infra).not.toBe(apps);
    expect(Object.keys(pf.spec.clusters.infra.settings).slice(-2)).toEqual(['ZZ_LAST', 'AA_FIRST']);
    expect(pf.spec).toEqual(parsePlatform(platformToString(pf)).spec);
    // every story of the catalog recorded on two clusters: ~70 additions, the model still the file's reading
    const big = newPlatform();
    for (const name of ['infra', 'apps']) setCluster(big, name, defaultCluster(big.spec, name));
    const cat = catalogFor(big.spec);
    recordStories(big, cat, cat.stories, { approve: true });
    expect(big.spec).toEqual(parsePlatform(platformToString(big)).spec);
  });

  it('an addition of settings that fails part of the way leaves the model as the document reads', () => {
    const pf = newPlatform();
    setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
    expect(pf.spec.clusters.infra.settings.ONE).toBeUndefined(); // the model is read: the edit updates it in place
    expect(() =>
      pf.editSettings('infra', { ONE: '1', TWO: '2' }, (doc) => {
        doc.setIn(['clusters', 'infra', 'settings', 'ONE'], '1');
        throw new Error('stopped half-way');
      }),
    ).toThrow(/half-way/);
    expect(pf.spec.clusters.infra.settings.ONE).toBe('1');
    expect(pf.spec.clusters.infra.settings.TWO).toBeUndefined();
    expect(pf.spec).toEqual(parsePlatform(platformToString(pf)).spec);
  });

  it('the spec cannot be assigned: a change that bypasses the document is refused', () => {
    const pf = newPlatform();
    // @ts-expect-error -- spec is derived, it has no setter
    expect(() => (pf.spec = { ...pf.spec, clusters: {} })).toThrow(TypeError);
  });

  it('setGeneratorVersion records this version in the document', () => {
    const pf = parsePlatform(platformToString(newPlatform()).replace(GENERATOR_VERSION, '0.0.1'));
    expect(pf.spec.generator.version).toBe('0.0.1');
    setGeneratorVersion(pf);
    expect(pf.spec.generator.version).toBe(GENERATOR_VERSION);
    expect(platformToString(pf)).toContain(`version: ${GENERATOR_VERSION}`);
  });

  it('a document the schema refuses still has a model, for validatePlatform to report on', () => {
    const pf = newPlatform();
    setCluster(pf, 'infra', { ...defaultCluster(pf.spec, 'infra'), domain: '' });
    expect(pf.spec.clusters.infra.domain).toBe('');
    expect(pf.spec.clusters.infra.settings).toEqual({});
  });

  it('loadPlatform keeps the exact text read (a CRLF file) as the source the commit compares with', () => {
    const dir = tmpDir();
    const crlf = platformToString(
      setCluster(newPlatform(), 'infra', defaultCluster(newPlatform().spec, 'infra')),
    ).replace(/\n/g, '\r\n');
    fs.writeFileSync(path.join(dir, 'platform.yaml'), crlf);
    const pf = loadPlatform(dir)!;
    expect(pf.source).toBe(crlf);
    expect(pf.spec.clusters.infra.role).toBe('infra');
    expect(loadPlatform(path.join(dir, 'none'))).toBeUndefined();
  });
});
