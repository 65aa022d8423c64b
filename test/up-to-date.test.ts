import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStories, createClusters, regenerate } from '../src';
import { upToDatePlan } from '../src/commands/up-to-date';
import { summarize } from '../src/core/plan';
import { snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/**
 * regenerate's fast path: "nothing to do" found by reading and hashing files. It must be taken only when a full
 * render would change nothing, and give the same answer as the full path.
 */
describe('regenerate fast path (nothing to do, without rendering)', () => {
  let base: string;
  beforeAll(() => {
    base = path.join(tmpDir(), 'platform');
    createClusters({ dir: base, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({
      dir: base,
      ids: [
        'STORY-BOOT-TALOS',
        'STORY-BOOT-CRDS',
        'STORY-BOOT-CORE',
        'STORY-GITOPS-SELF-MGMT-FLUX',
        'STORY-OPS-RELOADER-ALL-CLUSTERS',
      ],
      approve: true,
    });
  });
  const copy = () => {
    const dir = path.join(tmpDir(), 'p');
    fs.cpSync(base, dir, { recursive: true });
    return dir;
  };

  it('is taken on an untouched repository and says exactly what the full path says', () => {
    const dir = copy();
    const fast = upToDatePlan(dir);
    expect(fast).toBeDefined();
    const full = regenerate({ dir, fast: false });
    expect(full.changed).toBe(false);
    expect(summarize(fast!)).toEqual(summarize(full.plan));
    expect(fast!.changes.filter((c) => !c.internal).map((c) => c.path)).toEqual(
      full.plan.changes.filter((c) => !c.internal).map((c) => c.path),
    );
  });

  const rel = 'kubernetes/infrastructure/operations/reloader/app/helm-values.yaml';
  it.each([
    ['a generated file edited', (d: string) => fs.appendFileSync(path.join(d, rel), '# mine\n')],
    ['a generated file deleted', (d: string) => fs.rmSync(path.join(d, rel))],
    ['a merge base edited', (d: string) => fs.appendFileSync(path.join(d, '.platform/base', rel), '# x\n')],
    ['a merge base deleted', (d: string) => fs.rmSync(path.join(d, '.platform/base', rel))],
    [
      'a setting changed in platform.yaml',
      (d: string) => {
        const f = path.join(d, 'platform.yaml');
        fs.writeFileSync(
          f,
          fs.readFileSync(f, 'utf8').replace('domain: infra.example.com', 'domain: infra.example.org'),
        );
      },
    ],
    ['a comment added to platform.yaml', (d: string) => fs.appendFileSync(path.join(d, 'platform.yaml'), '# note\n')],
    [
      'a template override added',
      (d: string) => {
        fs.mkdirSync(path.join(d, '.platform/templates/components/operations/reloader'), { recursive: true });
        fs.writeFileSync(
          path.join(d, '.platform/templates/components/operations/reloader/helm-values.yaml'),
          'reloader:\n  watchGlobally: false\n',
        );
      },
    ],
    [
      'a manifest recorded by another generator build',
      (d: string) => {
        const f = path.join(d, '.platform/manifest.json');
        fs.writeFileSync(
          f,
          fs.readFileSync(f, 'utf8').replace(/"inputs": "[0-9a-f]{64}"/, `"inputs": "${'0'.repeat(64)}"`),
        );
      },
    ],
    [
      'a generated folder replaced by a symbolic link to a copy',
      (d: string) => {
        const folder = path.join(d, 'kubernetes/infrastructure/operations/reloader');
        const elsewhere = path.join(tmpDir('outside-'), 'reloader');
        fs.cpSync(folder, elsewhere, { recursive: true });
        fs.rmSync(folder, { recursive: true });
        fs.symlinkSync(elsewhere, folder);
      },
    ],
  ])('is not taken after %s (the full path decides)', (_n, change) => {
    const dir = copy();
    change(dir);
    expect(upToDatePlan(dir)).toBeUndefined();
  });

  it('a settings change is still found by regenerate --check (exit 1) and written by regenerate', async () => {
    const dir = copy();
    const f = path.join(dir, 'platform.yaml');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('domain: infra.example.com', 'domain: infra.example.org'));
    const c = await runInProcess('platform-kit', ['regenerate', '--verbose', '--check', '--dir', dir]);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/^UPDATE +kubernetes\/clusters\/infra\/cluster-settings\.yaml/m);
    const before = snapshot(dir);
    expect((await runInProcess('platform-kit', ['regenerate', '--dir', dir])).status).toBe(0);
    expect(snapshot(dir)).not.toEqual(before);
    // The manifest written by the CLI carries the CLI's fingerprint: the next check takes the fast path.
    const again = await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir]);
    expect(again.status, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/check: up to date/);
  });
});

describe('after a change of the generator that changed no output', () => {
  it('--check passes on the full path and writes nothing (the stale fingerprint only costs the fast path)', async () => {
    const dir = path.join(tmpDir(), 'p');
    expect((await runInProcess('create-platform-cluster', ['infra', '--yes', '--dir', dir])).status).toBe(0);
    const f = path.join(dir, '.platform/manifest.json');
    const stale = fs.readFileSync(f, 'utf8').replace(/"inputs": "[0-9a-f]{64}"/, `"inputs": "${'1'.repeat(64)}"`);
    fs.writeFileSync(f, stale);
    expect(upToDatePlan(dir)).toBeUndefined();
    const before = snapshot(dir);
    for (const args of [['--check'], []]) {
      const c = await runInProcess('platform-kit', ['regenerate', ...args, '--dir', dir]);
      expect(c.status, c.stdout).toBe(0);
      expect(c.stdout).toMatch(/check: up to date|nothing to do/);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
