// `platform-kit adopt` as people run it (issue 18): the bin on fixture repositories of the three layouts. The
// fixtures build with the real `kubectl kustomize` (check --build), adopt changes no byte of them, and check --build
// reports the same findings after adopt as before. The bin is spawned once (its smoke: the plan fixture's dry run);
// elsewhere the very same commander program runs in process, where the message, exit code and files are the subject.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, snapshot, tmpDir } from './helpers/fs';
import { kitInProcess } from './helpers/in-process';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');

function copyOf(name: string): string {
  const dir = path.join(tmpDir(`adopt-cli-${name}-`), 'repo');
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const findings = (stdout: string) =>
  (JSON.parse(stdout).findings as { code: string; cluster?: string; file?: string; line?: number; message: string }[])
    .map((f) => `${f.code}|${f.cluster}|${f.file}|${f.line}|${f.message}`)
    .sort();

describe.each(['plan', 'home-ops', 'classic'])('platform-kit adopt on the %s fixture', (name) => {
  it('--dry-run prints each claim with the file it was read from, and writes nothing', async () => {
    const dir = copyOf(name);
    const before = snapshot(dir);
    const args = ['adopt', '--dir', dir, '--dry-run'];
    const r = name === 'plan' ? cli('platform-kit', args) : await kitInProcess(args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^layout \(\d+ of \d+ component Kustomizations fit it\):/);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('dry run: nothing was written');
    const cited = [...r.stdout.matchAll(/(?:because|<-) ([\w./-]+\.ya?ml):\d+/g)].map((m) => m[1]);
    expect(cited.length).toBeGreaterThan(0);
    for (const f of cited) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--json is the inference as data, with the platform.yaml it would write', async () => {
    const dir = copyOf(name);
    const r = await kitInProcess(['adopt', '--dir', dir, '--dry-run', '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.written).toBe(false);
    expect(j.layout.components).toEqual(expect.any(String));
    expect(j.clusters.length).toBeGreaterThan(0);
    expect(j.platform).toContain('kind: Platform');
  });

  it('without --yes and with unproven fields it exits 2 and writes nothing; with --yes check --build is unchanged', async () => {
    const dir = copyOf(name);
    const before = snapshot(dir);
    const checkBefore = await kitInProcess(['check', '--dir', dir, '--build', '--json']);
    // The fixtures build: kubectl kustomize succeeds on every Flux Kustomization path.
    expect(findings(checkBefore.stdout).filter((f) => f.startsWith('BUILD_FAILED'))).toEqual([]);
    const refused = await kitInProcess(['adopt', '--dir', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/no file proves/);
    expect(snapshot(dir)).toEqual(before);
    const done = await kitInProcess(['adopt', '--dir', dir, '--yes']);
    expect(done.status).toBe(0);
    const after = snapshot(dir);
    for (const [k, h] of Object.entries(before)) expect(after[k], k).toBe(h);
    expect(
      Object.keys(after)
        .filter((k) => !(k in before))
        .sort(),
    ).toEqual(['.platform/', '.platform/adopt.json', '.platform/manifest.json', 'platform.yaml']);
    const checkAfter = await kitInProcess(['check', '--dir', dir, '--build', '--json']);
    expect(checkAfter.status).toBe(checkBefore.status);
    expect(findings(checkAfter.stdout)).toEqual(findings(checkBefore.stdout));
  });
});
