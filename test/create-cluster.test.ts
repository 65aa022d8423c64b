import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type FluxKs, findCycle, kustomize, requiredVars, substituteText, subtree } from './helpers/flux';
import { walkClusterBatched } from './helpers/flux-batch';
import { cli, snapshot, tmpDir } from './helpers/fs';
import { createInProcess, runInProcess } from './helpers/in-process';

function settingsOf(all: Map<string, FluxKs>): Record<string, string> {
  const cm = all
    .get('flux-system')!
    .objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cluster-settings');
  expect(cm, 'cluster-settings ConfigMap is applied by the cluster entry point').toBeDefined();
  return cm!.data!;
}

/** The checks every generated cluster must pass (the same ones issue #5 turns into `platform-kit check`). */
function assertClusterSound(
  repo: string,
  cluster: string,
  all = walkClusterBatched(repo, cluster),
): Map<string, FluxKs> {
  const settings = settingsOf(all);
  const used = new Set<string>();
  for (const k of all.values()) {
    const vars = requiredVars(k.text);
    if (!k.postBuild) expect([...vars], `${cluster}/${k.name} has no postBuild but uses variables`).toEqual([]);
    for (const v of vars) {
      expect(settings, `${cluster}/${k.name} uses \${${v}}, which cluster-settings does not define`).toHaveProperty(v);
      used.add(v);
    }
    for (const d of k.dependsOn) {
      expect(all.has(d), `${cluster}/${k.name} dependsOn ${d}, which no Kustomization on ${cluster} defines`).toBe(
        true,
      );
      expect(
        subtree(all, k.name).has(d),
        `${cluster}/${k.name} waits on ${d}, which only its own subtree creates`,
      ).toBe(false);
    }
  }
  expect(findCycle(all), `${cluster}: dependency cycle`).toBeUndefined();
  // Settings hold exactly what the manifests use (no stale keys).
  expect(Object.keys(settings).sort()).toEqual([...used].sort());
  return all;
}

describe('create-platform-cluster: infra, then apps, in a new repository', () => {
  let repo: string;
  let first: ReturnType<typeof cli>;
  let second: ReturnType<typeof cli>;
  let afterInfra: Record<string, string>;
  // The tests below only read the repository until "a second identical run": each cluster is walked once.
  const walks = new Map<string, Map<string, FluxKs>>();
  const walk = (c: string) => walks.get(c) ?? walks.set(c, walkClusterBatched(repo, c)).get(c)!;

  beforeAll(async () => {
    repo = path.join(tmpDir(), 'platform');
    // The spawned smoke of this file; the other runs are in process.
    first = cli('create-platform-cluster', ['infra', '--yes', '--dir', repo]);
    afterInfra = snapshot(repo);
    second = await createInProcess(['apps', '--yes', '--dir', repo]);
  });

  it('exits 0 both times and writes platform.yaml with both clusters', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(second.status, second.stderr).toBe(0);
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    expect(Object.keys(p.clusters)).toEqual(['infra', 'apps']);
    expect(p.clusters.infra.role).toBe('infra');
    expect(p.clusters.apps.role).toBe('apps');
    expect(p.clusters.infra.clusterId).not.toBe(p.clusters.apps.clusterId);
    expect(p.clusters.infra.network.podCidr).not.toBe(p.clusters.apps.network.podCidr);
  });

  it('adding apps does not change a byte of what infra had, except platform.yaml, the manifest and the platform-wide pages that list every cluster', () => {
    const now = snapshot(repo);
    const changed = Object.keys(afterInfra).filter((k) => now[k] !== afterInfra[k]);
    // justfile, docs/design/secrets.md and docs/design/networking.md describe every cluster (and their merge bases follow them)
    const indexes = ['justfile', 'docs/design/secrets.md', 'docs/design/networking.md'].flatMap((f) => [
      f,
      `.platform/base/${f}`,
    ]);
    expect(changed.sort()).toEqual(['.platform/manifest.json', 'platform.yaml', ...indexes].sort());
  });

  it.each(['infra', 'apps'])(
    'every Flux Kustomization reachable from kubernetes/clusters/%s builds, with variables defined and dependsOn resolved',
    (c) => {
      const all = assertClusterSound(repo, c, walk(c));
      const names = [...all.keys()].sort();
      const expected = [
        'cilium',
        'coredns',
        'external-secrets',
        'flux-instance',
        'flux-operator',
        'flux-system',
        'infrastructure',
      ];
      expect(names).toEqual(c === 'apps' ? [...expected, 'workloads'].sort() : expected);
      if (c === 'apps') expect(all.get('workloads')!.dependsOn).toEqual(['infrastructure']);
    },
  );

  it('uses the current GA Flux APIs and syncs kubernetes/clusters/<c> from the FluxInstance', () => {
    const all = walk('apps');
    const objects = [...all.values()].flatMap((k) => k.objects);
    const apis = new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`));
    expect(apis).toContain('kustomize.toolkit.fluxcd.io/v1 Kustomization');
    expect(apis).toContain('helm.toolkit.fluxcd.io/v2 HelmRelease');
    expect(apis).toContain('source.toolkit.fluxcd.io/v1 OCIRepository');
    for (const a of apis) expect(a).not.toMatch(/v1beta|v2beta/);
    const values = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('flux-instance-values'))!;
    const v = parse(values.data!['values.yaml']);
    expect(v.instance.sync).toMatchObject({ kind: 'GitRepository', path: 'kubernetes/clusters/${CLUSTER_NAME}' });
    const settings = settingsOf(all);
    expect(settings.CLUSTER_NAME).toBe('apps');
    // Lanes substitute from the cluster's settings; secrets only by ExternalSecret reference.
    for (const lane of ['infrastructure', 'workloads']) {
      const ks = all.get('flux-system')!.objects.find((o) => o.metadata.name === lane)!;
      expect(ks.spec!.postBuild.substituteFrom[0]).toEqual({ kind: 'ConfigMap', name: 'cluster-settings' });
    }
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(objects.find((o) => o.kind === 'ExternalSecret')!.spec!.secretStoreRef).toEqual({
      kind: 'ClusterSecretStore',
      name: 'onepassword',
    });
  });

  it('bootstrap reads the same charts and values as the Flux HelmReleases', () => {
    for (const c of ['infra', 'apps']) {
      const all = walk(c);
      const settings = settingsOf(all);
      // render-values.sh renders every Flux values file the helmfile names with the cluster's settings (no copy in git)
      const out = path.join(tmpDir(), `render-${c}`);
      const r = spawnSync('bash', ['bootstrap/render-values.sh', c, out], { cwd: repo, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const helmfile = parse(fs.readFileSync(path.join(repo, `bootstrap/${c}/helmfile.yaml`), 'utf8'));
      expect(helmfile.releases.map((r: { name: string }) => r.name)).toEqual([
        'cilium',
        'coredns',
        'external-secrets',
        'flux-operator',
        'flux-instance',
      ]);
      for (const rel of helmfile.releases) {
        const ks = all.get(rel.name)!;
        const oci = ks.objects.find((o) => o.kind === 'OCIRepository')!;
        expect(rel.chart).toBe(oci.spec!.url);
        expect(rel.version).toBe(oci.spec!.ref.tag);
        const cm = ks.objects.find((o) => o.kind === 'ConfigMap')!;
        // What Flux would hand helm after postBuild substitution with this cluster's settings:
        const flux = substituteText(cm.data!['values.yaml'], settings).text;
        const boot = fs.readFileSync(path.join(out, 'bootstrap', c, rel.values[0]), 'utf8');
        expect(parse(boot)).toEqual(parse(flux));
      }
    }
  });

  it('writes talhelper config with CNI none and kube-proxy off, nodes and subnets from platform.yaml', () => {
    const t = parse(fs.readFileSync(path.join(repo, 'talos/apps/talconfig.yaml'), 'utf8'));
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8')).clusters.apps;
    expect(t.clusterName).toBe('apps');
    expect(t.clusterPodNets).toEqual([p.network.podCidr]);
    expect(t.clusterSvcNets).toEqual([p.network.serviceCidr]);
    expect(t.endpoint).toBe(p.apiEndpoint);
    expect(t.nodes.map((n: { hostname: string }) => n.hostname)).toEqual(p.nodes.map((n: { name: string }) => n.name));
    expect(t.cniConfig).toEqual({ name: 'none' });
    const patch = parse(fs.readFileSync(path.join(repo, 'talos/apps/patches/cluster.yaml'), 'utf8'));
    expect(patch.cluster.proxy.disabled).toBe(true);
    expect(patch.cluster.network.cni.name).toBe('none');
  });

  it('a second identical run changes nothing', async () => {
    const before = snapshot(repo);
    const again = await createInProcess(['--verbose', 'infra', 'apps', '--yes', '--dir', repo]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 to create, 0 to update, 0 to delete');
    expect(snapshot(repo)).toEqual(before);
  });

  it('--dry-run prints the plan and diff and writes nothing', async () => {
    const before = snapshot(repo);
    const r = await createInProcess(['--verbose', 'stg', '--role', 'apps', '--yes', '--dry-run', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CREATE {4}kubernetes\/clusters\/stg\/cluster-settings\.yaml$/m);
    expect(r.stdout).toMatch(/^UPDATE {4}platform\.yaml$/m);
    expect(r.stdout).toContain('+  stg:');
    expect(r.stdout).toContain('dry run: nothing was written');
    expect(snapshot(repo)).toEqual(before);
  });

  it('platform-kit new-cluster is the same command', async () => {
    const a = path.join(tmpDir(), 'platform');
    const b = path.join(tmpDir(), 'platform');
    const r = await runInProcess('platform-kit', ['new-cluster', 'infra', '--yes', '--dir', a]);
    expect(r.status, r.stderr).toBe(0);
    expect((await createInProcess(['infra', '--yes', '--dir', b])).status).toBe(0);
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(snapshot(a)['kubernetes/clusters/infra/cluster-settings.yaml']).toBeDefined();
    expect(snapshot(a)['kubernetes/clusters/infra/workloads.yaml']).toBeUndefined();
  });
});

describe('platform.yaml stays a hand-editable file', () => {
  it('keeps comments and key order a person added when a cluster is added', async () => {
    const repo = path.join(tmpDir(), 'p');
    expect((await createInProcess(['infra', '--yes', '--dir', repo])).status).toBe(0);
    const file = path.join(repo, 'platform.yaml');
    const edited = fs
      .readFileSync(file, 'utf8')
      .replace('clusters:\n', '# our two clusters live in rack 4\nclusters:\n')
      .replace('    domain: infra.example.com\n', '    domain: infra.example.com # agreed with DNS team\n');
    fs.writeFileSync(file, edited);
    const r = await createInProcess(['apps', '--yes', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    const after = fs.readFileSync(file, 'utf8');
    expect(after).toContain('# our two clusters live in rack 4\nclusters:\n');
    expect(after).toContain('domain: infra.example.com # agreed with DNS team');
    expect(after.indexOf('infra:')).toBeLessThan(after.indexOf('apps:'));
  });

  it('--set KEY=VALUE lands in the cluster settings, which still build', async () => {
    const repo = path.join(tmpDir(), 'p');
    expect((await createInProcess(['apps', '--yes', '--set', 'EXTRA_FLAG=on', '--dir', repo])).status).toBe(0);
    const settings = parseAllDocuments(
      fs.readFileSync(path.join(repo, 'kubernetes/clusters/apps/cluster-settings.yaml'), 'utf8'),
    )[0].toJS();
    expect(settings.data.EXTRA_FLAG).toBe('on');
    expect(kustomize(path.join(repo, 'kubernetes/clusters/apps')).objects.length).toBeGreaterThan(0);
  });
});

describe('create-platform-cluster --stories: clusters and stories in one command, one commit', () => {
  it('--stories all --approve writes exactly what create followed by add-story --all --approve writes', async () => {
    const one = path.join(tmpDir(), 'one');
    const two = path.join(tmpDir(), 'two');
    const r = await createInProcess(['infra', 'apps', '--yes', '--stories', 'all', '--approve', '--dir', one]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^settings added to platform\.yaml with their defaults/m);
    expect(r.stdout).toMatch(/^ {2}apps:$/m);
    expect((await createInProcess(['infra', 'apps', '--yes', '--dir', two])).status).toBe(0);
    expect((await runInProcess('add-story', ['--all', '--approve', '--dir', two])).status).toBe(0);
    const a = snapshot(one);
    expect(Object.keys(a).length).toBeGreaterThan(900);
    expect(a).toEqual(snapshot(two));
  }, 60_000);

  it('puts each story only on the named clusters whose role it names', async () => {
    const dir = path.join(tmpDir(), 'p');
    expect((await createInProcess(['infra', 'apps', '--yes', '--dir', dir])).status).toBe(0);
    const r = await createInProcess([
      'stg',
      '--role',
      'apps',
      '--yes',
      '--stories',
      'STORY-BOOT-TALOS,STORY-CICD-GITHUB-ARC',
      '--dir',
      dir,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const pf = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
    expect(pf.stories['STORY-BOOT-TALOS'].clusters).toEqual({ stg: 'draft' });
    expect(pf.stories['STORY-CICD-GITHUB-ARC'].clusters).toEqual({ stg: 'draft' });
  });
});
