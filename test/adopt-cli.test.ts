// `platform-kit adopt` as people run it (issue 18): the bin on fixture repositories of the three layouts. The
// fixtures build with the real `kubectl kustomize` (check --build), adopt changes no byte of them, and check --build
// reports the same findings after adopt as before. The bin is spawned once (its smoke: the plan fixture's dry run);
// elsewhere the very same commander program runs in process, where the message, exit code and files are the subject.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_FIELDS } from '../src/model/cluster-fields';
import { cli, ROOT, snapshot, tmpDir } from './helpers/fs';
import { kitInProcess } from './helpers/in-process';
import { drive, KEY, KIT_BIN, seen } from './helpers/prompts-pty';

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

describe('platform-kit adopt: the fields no file proves, by flag or prompt', () => {
  it('--help lists the cluster-field flags of create-platform-cluster; a bare per-cluster value with several clusters is exit 2', async () => {
    const help = (await kitInProcess(['adopt', '--help'])).stdout;
    for (const f of CLUSTER_FIELDS) expect(help, f.flag).toContain(`${f.flag} <[cluster=]`);
    const dir = copyOf('classic');
    const before = snapshot(dir);
    const r = await kitInProcess(['adopt', '--dir', dir, '--dry-run', '--domain', 'example.org']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/say which one, e\.g\. --domain \w+=<domain>/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--dry-run names the flag of each unproven field; given those flags, a run without --yes adopts', async () => {
    const dir = copyOf('home-ops');
    const dry = JSON.parse((await kitInProcess(['adopt', '--dir', dir, '--dry-run', '--json'])).stdout);
    const unproven: { field: string; value: string; flag: string }[] = dry.clusters[0].unproven;
    expect(unproven.length).toBeGreaterThan(0);
    const text = (await kitInProcess(['adopt', '--dir', dir, '--dry-run'])).stdout;
    for (const u of unproven) expect(text).toContain(u.flag);
    // One cluster: a bare value is its own. Each flag of the list, with the default shown (nodes one --node each).
    const args = unproven.flatMap((u) => {
      const flag = u.flag.split(' ')[0];
      if (u.field !== 'nodes') return [flag, u.value];
      return (JSON.parse(u.value) as any[]).flatMap((n) => [
        flag,
        `name=${n.name},ip=${n.ip},controlPlane=${n.controlPlane},disk=${n.installDisk}`,
      ]);
    });
    const r = await kitInProcess(['adopt', '--dir', dir, ...args]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'platform.yaml'))).toBe(true);
    expect(r.stdout).toContain('<- given (flag or prompt)');
  });

  it('on a terminal without --yes, asks for each field no file proves, checks it where typed, and adopts with the answers', () => {
    const dir = copyOf('home-ops');
    const r = drive(
      KIT_BIN,
      [
        ['Cluster id', `300${KEY.ENTER}`],
        ['an integer from 1 to 255', KEY.CTRL_U],
        ['Cluster id', `7${KEY.ENTER}`],
        ['Node network CIDR', KEY.ENTER],
        ['Node network gateway', KEY.ENTER],
        ['Load-balancer range', KEY.ENTER],
        ['External gateway IP', KEY.ENTER],
        ['Internal gateway IP', KEY.ENTER],
        ['Kubernetes API endpoint', KEY.ENTER],
        ['Nodes \\(', KEY.ENTER],
        ['External Secrets provider', KEY.ENTER],
      ],
      ['adopt', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output, seen(r)).toContain('wrote platform.yaml');
    const yaml = fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8');
    expect(yaml).toMatch(/\n {4}clusterId: 7\n/);
  });
});
