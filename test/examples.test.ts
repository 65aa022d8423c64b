import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const EXAMPLE = path.join(ROOT, 'examples/reference-platform');

describe('examples/reference-platform', () => {
  it('is what platform-kit regenerate --check accepts: nothing would change (run `npx projen examples` when this fails)', () => {
    const before = snapshot(EXAMPLE);
    const r = cli('platform-kit', ['regenerate', '--check', '--dir', EXAMPLE]);
    expect(r.stdout, r.stderr).toContain('check: up to date');
    expect(r.status, r.stdout).toBe(0);
    expect(snapshot(EXAMPLE)).toEqual(before);
  });

  it('is exactly what the answers file plus all 41 stories approved generate today', async () => {
    const fresh = path.join(tmpDir(), 'reference-platform');
    const answers = path.join(ROOT, 'examples/reference-platform.answers.yaml');
    const r = await runInProcess('create-platform-cluster', ['--answers', answers, '--yes', '--dir', fresh]);
    expect(r.status, r.stderr).toBe(0);
    const s = await runInProcess('add-story', ['--all', '--approve', '--dir', fresh]);
    expect(s.status, s.stderr).toBe(0);
    // The manifest's inputs fingerprint covers the generator's code too, so it changes with any code change even
    // when no output does (then regenerate just skips its fast path): compare the manifest without it.
    const manifest = (dir: string) => {
      const { inputs, ...rest } = JSON.parse(fs.readFileSync(path.join(dir, '.platform/manifest.json'), 'utf8'));
      expect(inputs).toMatch(/^[0-9a-f]{64}$/);
      return rest;
    };
    expect(manifest(fresh)).toEqual(manifest(EXAMPLE));
    const committed = snapshot(EXAMPLE);
    const now = snapshot(fresh);
    delete committed['.platform/manifest.json'];
    delete now['.platform/manifest.json'];
    const stale = [...new Set([...Object.keys(committed), ...Object.keys(now)])]
      .filter((k) => committed[k] !== now[k])
      .sort();
    expect(stale, 'examples/reference-platform is stale; run `npx projen examples`').toEqual([]);
    expect(fs.existsSync(path.join(EXAMPLE, 'platform.yaml'))).toBe(true);
  });
});
