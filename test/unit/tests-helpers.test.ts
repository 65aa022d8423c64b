/** The test pyramid's own helpers: the unit project's spawn guard, createTreeWithPlatform, createInProcess. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createInProcess } from '../helpers/in-process';
import { createTreeWithPlatform } from '../helpers/platform';

describe('unit project guard (test/helpers/unit-guard.ts)', () => {
  it('starting node, a bin or kubectl from a unit test throws and says where the test belongs', () => {
    expect(() => spawnSync(process.execPath, ['lib/cli/add-story.js'])).toThrow(/move the test to the e2e project/);
    expect(() => execFileSync('kubectl', ['kustomize', '.'])).toThrow(/a unit test started kubectl/);
    expect(() => spawnSync('python3', ['-c', 'pass'])).toThrow(/unit tests run in process/);
  });

  it('git stays allowed (the library asks git for the work tree status)', () => {
    expect(spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^git version/);
  });
});

describe('createTreeWithPlatform', () => {
  it('gives each caller its own copy of a repository holding the clusters asked for', () => {
    const a = createTreeWithPlatform(['infra', 'apps']);
    const b = createTreeWithPlatform(['infra', 'apps']);
    expect(a).not.toBe(b);
    const spec = parse(fs.readFileSync(path.join(a, 'platform.yaml'), 'utf8'));
    expect(Object.keys(spec.clusters)).toEqual(['infra', 'apps']);
    expect(fs.existsSync(path.join(a, 'kubernetes/clusters/apps/kustomization.yaml'))).toBe(true);
    fs.writeFileSync(path.join(a, 'platform.yaml'), 'broken: [\n');
    const fresh = fs.readFileSync(path.join(createTreeWithPlatform(['infra', 'apps']), 'platform.yaml'), 'utf8');
    expect(fs.readFileSync(path.join(b, 'platform.yaml'), 'utf8')).toBe(fresh);
    expect(
      Object.keys(
        parse(fs.readFileSync(path.join(createTreeWithPlatform(['apps']), 'platform.yaml'), 'utf8')).clusters,
      ),
    ).toEqual(['apps']);
  });
});

describe('createInProcess: the create command in process, ended as the bin ends', () => {
  it('--help exits 0 with the usage on stdout; a commander usage error exits 2 on stderr', async () => {
    const help = await createInProcess(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: create-platform-cluster/m);
    const bad = await createInProcess(['x', '--colour', 'red']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--colour'/);
  });

  it('a run that succeeds exits 0 and writes the repository', async () => {
    const dir = path.join(createTreeWithPlatform(['infra']), '..', 'new');
    const r = await createInProcess(['apps', '--yes', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'platform.yaml'))).toBe(true);
  });
});
