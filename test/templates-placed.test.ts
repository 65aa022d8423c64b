// Issue 17, item 4: path segments like __cluster__ place outputs. templates/cluster/ mirrors what each cluster gets,
// so a file added there is written for every cluster with no code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES, TemplateRenderer } from '../src/core/render';
import { Tree } from '../src/core/tree';
import { renderPlaced } from '../src/generate/placed';
import { renderPlatform } from '../src/generate/platform';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform, setCluster } from '../src/model/platform-file';
import { recordStories } from '../src/model/story-rules';
import { catalogFor } from '../src/model/wiring';
import { tmpDir } from './helpers/fs';

function root(files: Record<string, string>): string {
  const dir = tmpDir('tpl-');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('templates: placeholder path segments', () => {
  it('templates-placed-segments: __cluster__ takes the value given, a repeated __lane__ writes one file per lane with its data', () => {
    const dir = root({
      'c/talos/__cluster__/talconfig.yaml.hbs': 'cluster: {{name}}\n',
      'c/talos/__cluster__/static.yaml': 'kind: Static\n',
      'c/k/__cluster__/__lane__.yaml.hbs': 'lane: {{lane}} of {{name}}\n',
    });
    const tree = new Tree();
    const lanes = ['infrastructure', 'workloads'].map((lane) => ({ value: lane, data: { lane } }));
    const written = renderPlaced(
      tree,
      new TemplateRenderer([dir]),
      'c',
      { cluster: 'infra' },
      { name: 'infra' },
      { lane: lanes },
    );
    expect(written.sort()).toEqual([
      'k/infra/infrastructure.yaml',
      'k/infra/workloads.yaml',
      'talos/infra/static.yaml',
      'talos/infra/talconfig.yaml',
    ]);
    expect(tree.read('talos/infra/talconfig.yaml')).toBe('cluster: infra\n');
    expect(tree.read('k/infra/workloads.yaml')).toBe('lane: workloads of infra\n');
  });

  it('templates-placed-unknown: a segment the code has no value for is an error naming the template', () => {
    const dir = root({ 'c/__node__/x.yaml': 'a: 1\n' });
    const render = () => renderPlaced(new Tree(), new TemplateRenderer([dir]), 'c', { cluster: 'infra' }, {});
    expect(render).toThrow(/template c\/__node__\/x\.yaml: no value for the path segment __node__/);
  });

  it('templates-placed-new-file: a file added under cluster/ (here an override) is written for every cluster, no code', () => {
    const over = root({
      'cluster/talos/__cluster__/patches/extra.yaml.hbs': '# {{cluster.name}} at {{apiHost}}\nmachine: {}\n',
    });
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    recordStories(pf, catalogFor(pf.spec), [], { approve: true });
    const tree = renderPlatform(pf.spec, new TemplateRenderer([over, BUILTIN_TEMPLATES], false)).tree;
    for (const name of ['infra', 'apps']) {
      expect(tree.read(`talos/${name}/patches/extra.yaml`)).toMatch(
        new RegExp(`^# ${name} at \\S+\\nmachine: \\{\\}\\n$`),
      );
      expect(tree.exists(`kubernetes/clusters/${name}/infrastructure.yaml`)).toBe(true);
    }
    expect(tree.paths().filter((p) => p.includes('__'))).toEqual([]);
  });
});
