import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStories, catalogFor, createClusters, loadCatalog, loadPlatform, unapproveStory } from '../src';
import { defineGate } from '../src/cli/gate-command';
import { gateStaticWithCheck } from '../src/commands/gate';
import { gateLive, gateStatic, type KubectlRunner } from '../src/delivery/gate';
import { buildPlan } from '../src/delivery/model';
import { tmpDir } from './helpers/fs';

const FIXTURES = path.join(__dirname, 'fixtures', 'gate');
const SPRINT1 = buildPlan(loadCatalog()).sprints[0].stories.map((s) => s.id);

const KS_ARGS = (c: string) => [
  '--context',
  c,
  'get',
  'kustomizations.kustomize.toolkit.fluxcd.io',
  '-n',
  'flux-system',
  '-o',
  'json',
];
const HR_ARGS = (c: string) => ['--context', c, 'get', 'helmreleases.helm.toolkit.fluxcd.io', '-A', '-o', 'json'];

/** A copy of the repo, to change by hand. */
function copyOf(repo: string): string {
  const dir = path.join(tmpDir(), 'platform');
  fs.cpSync(repo, dir, { recursive: true });
  return dir;
}

/**
 * A kubectl that answers from the recorded outputs in test/fixtures/gate: <cluster>-<kustomizations|helmreleases>.json,
 * or the file named in `use` (by cluster and resource), or a failure.
 */
function recorded(
  use: Record<string, string | { status: number; stderr: string }> = {},
): KubectlRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = async (args: string[]) => {
    calls.push(args);
    const cluster = args[args.indexOf('--context') + 1];
    const what = args[args.indexOf('get') + 1].split('.')[0];
    const pick = use[`${cluster}-${what}`] ?? `${cluster}-${what}.json`;
    if (typeof pick !== 'string') return { status: pick.status, stdout: '', stderr: pick.stderr };
    return { status: 0, stdout: fs.readFileSync(path.join(FIXTURES, pick), 'utf8'), stderr: '' };
  };
  return Object.assign(fn, { calls });
}

function specOf(repo: string) {
  const spec = loadPlatform(repo)!.spec;
  return { spec, cat: catalogFor(spec) };
}

/** Run `gate` in-process; exit code and output. */
async function gateCli(args: string[], runner?: KubectlRunner): Promise<{ code: number; out: string; err: string }> {
  let code = -1;
  let out = '';
  let err = '';
  const program = new Command('platform-kit').exitOverride();
  defineGate(
    program,
    { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') },
    { runner, setExit: (c) => (code = c) },
  );
  await program.parseAsync(['gate', ...args], { from: 'user' });
  return { code, out, err };
}

describe('gate (from the files)', () => {
  let repo: string;

  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({ dir: repo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({ dir: repo, ids: SPRINT1, approve: true });
  }, 120_000);

  it('sprint 1 with every story approved on infra and apps is ready', async () => {
    const { spec, cat } = specOf(repo);
    const s = gateStatic(spec, cat, 1, repo);
    expect(s.reasons).toEqual([]);
    expect(s.ready).toBe(true);
    expect(s.stories.map((x) => x.id)).toEqual(SPRINT1);
    for (const st of s.stories) expect(st.clusters).toEqual({ infra: 'approved', apps: 'approved' });
    const g = await gateStaticWithCheck(repo, 1);
    expect(g.reasons).toEqual([]);
    expect(g.ready).toBe(true);
  });

  it('sprint 2, whose stories are not added, is not ready and says so per story and cluster', () => {
    const { spec, cat } = specOf(repo);
    const s = gateStatic(spec, cat, 2, repo);
    expect(s.ready).toBe(false);
    expect(s.reasons).toContain('STORY-NET-CILIUM-GATEWAY is not added on infra');
    expect(s.reasons).toContain('STORY-NET-CILIUM-GATEWAY is not added on apps');
  });

  it('one story back to draft on apps: not ready, with that reason only', async () => {
    const dir = copyOf(repo);
    unapproveStory({ dir, id: 'STORY-OPS-RELOADER-ALL-CLUSTERS', clusters: ['apps'] });
    const g = await gateStaticWithCheck(dir, 1);
    expect(g.ready).toBe(false);
    expect(g.reasons).toEqual(['STORY-OPS-RELOADER-ALL-CLUSTERS is draft on apps']);
    expect(g.stories.find((s) => s.id === 'STORY-OPS-RELOADER-ALL-CLUSTERS')).toMatchObject({
      ok: false,
      clusters: { infra: 'approved', apps: 'draft' },
    });
  });

  it('a wired component broken by hand (dependsOn typo): not ready, with the check finding and its line', async () => {
    const dir = copyOf(repo);
    const ks = path.join(dir, 'kubernetes/infrastructure/security/cluster-secret-store/ks.yaml');
    const text = fs.readFileSync(ks, 'utf8');
    expect(text.split('\n')[25]).toBe('    - name: external-secrets');
    fs.writeFileSync(ks, text.replace('    - name: external-secrets\n', '    - name: external-secret\n'));
    const g = await gateStaticWithCheck(dir, 1);
    expect(g.ready).toBe(false);
    expect(g.reasons).toEqual([
      'check: DEPENDS_ON_MISSING in kubernetes/infrastructure/security/cluster-secret-store/ks.yaml:26',
    ]);
    // gateStatic alone (platform.yaml only) does not read the manifests
    const { spec, cat } = specOf(dir);
    expect(gateStatic(spec, cat, 1, dir).ready).toBe(true);
  });

  it('a missing component folder is a reason', () => {
    const dir = copyOf(repo);
    fs.rmSync(path.join(dir, 'kubernetes/infrastructure/operations/reloader'), { recursive: true });
    const { spec, cat } = specOf(dir);
    expect(gateStatic(spec, cat, 1, dir).reasons).toEqual([
      'STORY-OPS-RELOADER-ALL-CLUSTERS: kubernetes/infrastructure/operations/reloader/ks.yaml is missing',
    ]);
  });

  it('bad input: a sprint out of range or no platform.yaml', async () => {
    await expect(gateStaticWithCheck(repo, 0)).rejects.toThrow(/not a sprint of the plan \(1\.\.7\)/);
    await expect(gateStaticWithCheck(repo, '99')).rejects.toThrow(/not a sprint of the plan/);
    await expect(gateStaticWithCheck(repo, 'one')).rejects.toThrow(/not a sprint of the plan/);
    await expect(gateStaticWithCheck(tmpDir(), 1)).rejects.toThrow(/no platform\.yaml/);
  });

  it('CLI: prints title, dates, gate criteria and checks; exit 0 ready, 1 not ready, 2 bad input', async () => {
    const ok = await gateCli(['1', '--dir', repo]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Sprint 1: Bootstrap & GitOps (2025-10-27 .. 2025-11-07)');
    expect(ok.out).toContain('  - Flux + External Secrets healthy');
    expect(ok.out).toContain('  - Bootstrap idempotent');
    expect(ok.out).toContain('✓ STORY-SEC-EXTERNAL-SECRETS-BASE (infra:approved apps:approved)');
    expect(ok.out).toContain("✓ check: no error in the sprint's components and lanes");
    expect(ok.out.trimEnd().split('\n').pop()).toBe('ready');

    const not = await gateCli(['2', '--dir', repo]);
    expect(not.code).toBe(1);
    expect(not.out).toContain('✗ STORY-NET-CILIUM-GATEWAY (infra:missing apps:missing)');
    expect(not.out.trimEnd().split('\n').pop()).toBe('not ready');

    const json = await gateCli(['1', '--dir', repo, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      sprint: 1,
      title: 'Bootstrap & GitOps',
      ready: true,
      reasons: [],
      gate: ['Flux + External Secrets healthy', 'Bootstrap idempotent'],
    });

    for (const bad of [['0'], ['8'], ['x']]) {
      const r = await gateCli([...bad, '--dir', repo]);
      expect(r.code, bad[0]).toBe(2);
      expect(r.err).toMatch(/^error: sprint/);
    }
    const none = await gateCli(['1', '--dir', tmpDir()]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no platform\.yaml/);
  });

  describe('--live, with recorded kubectl output', () => {
    const EXPECTED = (c: string) => [
      { cluster: c, kind: 'Kustomization', name: 'flux-system/flux-operator' },
      { cluster: c, kind: 'HelmRelease', name: 'flux-system/flux-operator' },
      { cluster: c, kind: 'Kustomization', name: 'flux-system/flux-instance' },
      { cluster: c, kind: 'HelmRelease', name: 'flux-system/flux-instance' },
      { cluster: c, kind: 'Kustomization', name: 'flux-system/external-secrets' },
      { cluster: c, kind: 'HelmRelease', name: 'external-secrets/external-secrets' },
      { cluster: c, kind: 'Kustomization', name: 'flux-system/cluster-secret-store' },
    ];

    it('all Ready: ready, and kubectl was asked per cluster with --context', async () => {
      const { spec, cat } = specOf(repo);
      const runner = recorded();
      const g = await gateLive(spec, cat, 1, runner);
      expect(g.reasons).toEqual([]);
      expect(g.ready).toBe(true);
      expect(g.checks.map(({ cluster, kind, name }) => ({ cluster, kind, name }))).toEqual([
        ...EXPECTED('infra'),
        ...EXPECTED('apps'),
      ]);
      expect(g.checks.every((c) => c.ready === true)).toBe(true);
      expect(runner.calls).toHaveLength(4);
      expect(runner.calls).toEqual(
        expect.arrayContaining([KS_ARGS('infra'), HR_ARGS('infra'), KS_ARGS('apps'), HR_ARGS('apps')]),
      );
    });

    it('a Kustomization Ready=False: not ready, with its reason and message', async () => {
      const { spec, cat } = specOf(repo);
      const g = await gateLive(spec, cat, 1, recorded({ 'apps-kustomizations': 'apps-kustomizations-not-ready.json' }));
      expect(g.ready).toBe(false);
      const msg =
        "HealthCheckFailed: health check failed after 9m30.0078s: timeout waiting for: [ClusterSecretStore/onepassword status: 'InProgress']";
      expect(g.checks.find((c) => c.cluster === 'apps' && c.name === 'flux-system/cluster-secret-store')).toEqual({
        cluster: 'apps',
        kind: 'Kustomization',
        name: 'flux-system/cluster-secret-store',
        ready: false,
        message: msg,
      });
      expect(g.reasons).toEqual([`apps: Kustomization flux-system/cluster-secret-store is not ready: ${msg}`]);
    });

    it('a HelmRelease Ready=False: not ready, with its message', async () => {
      const { spec, cat } = specOf(repo);
      const g = await gateLive(spec, cat, 1, recorded({ 'infra-helmreleases': 'infra-helmreleases-not-ready.json' }));
      expect(g.ready).toBe(false);
      expect(g.reasons).toEqual([
        'infra: HelmRelease external-secrets/external-secrets is not ready: InstallFailed: Helm install ' +
          'failed for release external-secrets/external-secrets with chart external-secrets@0.20.4: context deadline exceeded',
      ]);
    });

    it("a Kustomization that is not on the cluster: not ready, 'missing'", async () => {
      const { spec, cat } = specOf(repo);
      const g = await gateLive(spec, cat, 1, recorded({ 'infra-kustomizations': 'infra-kustomizations-missing.json' }));
      expect(g.ready).toBe(false);
      expect(g.checks.find((c) => c.cluster === 'infra' && c.name === 'flux-system/cluster-secret-store')).toEqual({
        cluster: 'infra',
        kind: 'Kustomization',
        name: 'flux-system/cluster-secret-store',
        ready: 'missing',
      });
      expect(g.reasons).toEqual(['infra: Kustomization flux-system/cluster-secret-store is missing']);
    });

    it('kubectl failing: not ready with its stderr, no crash; the other cluster is still checked', async () => {
      const { spec, cat } = specOf(repo);
      const fail = { status: 1, stderr: 'error: context not found\n' };
      const runner = recorded({ 'infra-kustomizations': fail, 'infra-helmreleases': fail });
      const g = await gateLive(spec, cat, 1, runner);
      expect(g.ready).toBe(false);
      expect(g.reasons).toEqual([
        'infra: kubectl get kustomizations failed: error: context not found',
        'infra: kubectl get helmreleases failed: error: context not found',
      ]);
      expect(g.checks.filter((c) => c.cluster === 'infra')).toEqual([]);
      expect(g.checks.filter((c) => c.cluster === 'apps').every((c) => c.ready === true)).toBe(true);
      expect(runner.calls).toEqual(expect.arrayContaining([KS_ARGS('infra'), HR_ARGS('infra')]));
    });

    it('a runner that throws is a reason too', async () => {
      const { spec, cat } = specOf(repo);
      const g = await gateLive(spec, cat, 1, async () => {
        throw new Error('spawn kubectl ENOENT');
      });
      expect(g.ready).toBe(false);
      expect(g.reasons).toContain('infra: kubectl get kustomizations failed: spawn kubectl ENOENT');
    });

    it('only clusters that wire a live component are asked', async () => {
      const { spec, cat } = specOf(repo);
      // sprint 3's live components (rook-ceph, openebs) are wired nowhere here
      const runner = recorded();
      const g = await gateLive(spec, cat, 3, runner);
      expect(g).toEqual({ ready: true, reasons: [], checks: [] });
      expect(runner.calls).toEqual([]);
    });

    it('CLI --live: each check with ✓/✗, exit 1 when one is not ready', async () => {
      const ok = await gateCli(['1', '--dir', repo, '--live'], recorded());
      expect(ok.code).toBe(0);
      expect(ok.out).toContain('✓ infra Kustomization flux-system/external-secrets Ready');
      expect(ok.out).toContain('✓ apps HelmRelease external-secrets/external-secrets Ready');
      const bad = await gateCli(
        ['1', '--dir', repo, '--live'],
        recorded({
          'infra-kustomizations': 'infra-kustomizations-missing.json',
          'apps-kustomizations': { status: 1, stderr: 'error: context not found' },
        }),
      );
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('✗ infra Kustomization flux-system/cluster-secret-store missing');
      expect(bad.out).toContain('✗ apps: kubectl get kustomizations failed: error: context not found');
      expect(bad.out.trimEnd().split('\n').pop()).toBe('not ready');
    });
  });
});

describe('every sprint gate, statically, on the reference platform', () => {
  const ref = path.join(__dirname, '..', 'examples', 'reference-platform');
  for (let n = 1; n <= 7; n++) {
    it(`sprint ${n}: ready with all 41 stories approved and wired; not ready when one of its stories is a draft`, async () => {
      const ok = await gateStaticWithCheck(ref, n);
      expect(ok.reasons).toEqual([]);
      expect(ok.ready).toBe(true);
      // The same platform with the sprint's last story set back to draft on its first cluster (in memory).
      const spec = loadPlatform(ref)!.spec;
      const story = ok.sprint.stories[ok.sprint.stories.length - 1];
      const cluster = story.clusters[0];
      spec.stories[story.id].clusters[cluster] = 'draft';
      const r = gateStatic(spec, catalogFor(spec), n, ref);
      expect(r.ready).toBe(false);
      expect(r.reasons).toContain(`${story.id} is draft on ${cluster}`);
    });
  }
});
