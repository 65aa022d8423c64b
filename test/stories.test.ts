import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addStories, addStory, approveStory, createClusters, loadCatalog, unapproveStory } from '../src';
import { storyComponentsFor } from '../src/model/wiring';
import { type FluxKs, findCycle, type K8sObject, kustomize, subtree, walkCluster } from './helpers/flux';
import { batchStats, walkClusterBatched } from './helpers/flux-batch';
import { cli, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const cat = loadCatalog();
const CLUSTERS = ['infra', 'apps'] as const;

function newRepo(): string {
  const dir = path.join(tmpDir(), 'platform');
  createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }] });
  return dir;
}

/** Flux Kustomizations of a cluster, with every build substituted from its cluster-settings (kubectl runs batched). */
function walk(repo: string, cluster: string): Map<string, FluxKs> {
  return walkClusterBatched(repo, cluster, { substitute: true });
}

describe('all 41 stories added and approved on infra + apps', () => {
  let repo: string;
  const walks = new Map<string, Map<string, FluxKs>>();

  beforeAll(() => {
    repo = newRepo();
    for (const s of cat.stories) addStory({ dir: repo, id: s.id, approve: true });
    for (const c of CLUSTERS) walks.set(c, walk(repo, c));
  }, 240_000);

  it('records every story as approved on each of its default clusters', () => {
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    expect(Object.keys(p.stories)).toHaveLength(41);
    for (const s of cat.stories) {
      const want = Object.fromEntries(s.clusters.map((r) => [r, 'approved']));
      expect(p.stories[s.id].clusters, s.id).toEqual(want);
    }
  });

  for (const c of CLUSTERS) {
    it(`${c}: every reachable Flux Kustomization builds, substitutes fully and waits only on names that exist`, () => {
      const all = walks.get(c)!;
      for (const k of all.values()) {
        expect(k.unresolved, `${c}/${k.name}: variables left after substitution`).toEqual([]);
        for (const d of k.dependsOn) {
          expect(all.has(d), `${c}/${k.name} dependsOn ${d}, which does not exist on ${c}`).toBe(true);
          expect(subtree(all, k.name).has(d), `${c}/${k.name} waits on ${d}, which only its own subtree creates`).toBe(
            false,
          );
        }
      }
      expect(findCycle(all), `${c}: dependency cycle`).toBeUndefined();
    });

    it(`${c}: upstream sources are pinned GitRepositories applied on the cluster`, () => {
      const all = walks.get(c)!;
      const objects = [...all.values()].flatMap((k) => k.objects);
      for (const k of [...all.values()].filter((x) => x.external)) {
        const src = objects.find((o) => o.kind === k.external!.kind && o.metadata.name === k.external!.name);
        expect(src, `${c}/${k.name}: source ${k.external!.kind}/${k.external!.name} is not applied`).toBeDefined();
        expect((src as K8sObject).spec!.ref.tag, `${c}/${k.name}: source is pinned to a tag`).toMatch(/^v?\d/);
      }
    });
  }

  it('wires exactly the components of the stories approved on each cluster, in the right lane', () => {
    for (const c of CLUSTERS) {
      const all = walks.get(c)!;
      const role = c;
      const expected = new Set<string>(['flux-system', 'infrastructure', ...(role === 'apps' ? ['workloads'] : [])]);
      for (const e of cat.components.values()) if (!e.story) expected.add(e.component.id);
      for (const s of cat.stories)
        if (s.clusters.includes(role)) for (const comp of storyComponentsFor(cat, s, role)) expected.add(comp.id);
      expect([...all.keys()].sort(), c).toEqual([...expected].sort());
      for (const comp of [...cat.components.values()].map((e) => e.component)) {
        const k = all.get(comp.id);
        if (k) expect(k.parent, `${c}/${comp.id} is applied by its lane`).toBe(comp.lane);
      }
    }
  });

  it("each story's key resources exist on every cluster it is on, by apiVersion, kind and name", () => {
    const missing: string[] = [];
    for (const s of cat.stories) {
      for (const c of CLUSTERS) {
        if (!s.clusters.includes(c)) continue;
        const all = walks.get(c)!;
        for (const comp of s.components.filter((x) => !x.clusters || x.clusters.includes(c))) {
          const k = all.get(comp.id);
          if (!k) {
            missing.push(`${c}: ${s.id}/${comp.id} is not wired`);
            continue;
          }
          if (k.external) continue;
          const settings = all.get('flux-system')!.objects.find((o) => o.metadata.name === 'cluster-settings')!.data!;
          for (const r of comp.resources) {
            if (r.kind === 'Component') {
              // a kustomize Component ships beside app/ for apps to include; it must build inside a consumer
              const compDir = path.join(repo, 'kubernetes', comp.lane, comp.area, comp.id, 'components', r.name);
              const consumer = path.join(tmpDir(), 'consumer');
              fs.mkdirSync(consumer);
              fs.writeFileSync(
                path.join(consumer, 'pvc.yaml'),
                'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: demo\nspec:\n  accessModes: ' +
                  '[ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n',
              );
              fs.writeFileSync(
                path.join(consumer, 'kustomization.yaml'),
                `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: ` +
                  `[./pvc.yaml]\ncomponents: [${path.relative(consumer, compDir)}]\n`,
              );
              const built = kustomize(consumer);
              if (!built.objects.some((o) => o.kind === 'ReplicationSource'))
                missing.push(`${c}: ${comp.id}: Component ${r.name} adds no ReplicationSource`);
              continue;
            }
            const name = r.name.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, v: string) => settings[v] ?? `<unset ${v}>`);
            const hit = k.objects.find(
              (o) => o.apiVersion === r.apiVersion && o.kind === r.kind && o.metadata.name === name,
            );
            if (!hit) missing.push(`${c}: ${s.id}/${comp.id}: ${r.apiVersion} ${r.kind} ${name}`);
            else if (!['Namespace'].includes(r.kind) && hit.metadata.namespace !== undefined) {
              // namespaced objects get the component namespace from targetNamespace (never a foreign one)
              if (hit.metadata.namespace !== comp.namespace)
                missing.push(`${c}: ${r.kind} ${name} sits in ${hit.metadata.namespace}, not ${comp.namespace}`);
            }
          }
          if (comp.chart) {
            const hr = k.objects.find((o) => o.kind === 'HelmRelease' && o.metadata.name === comp.id);
            if (!hr) missing.push(`${c}: ${comp.id}: HelmRelease ${comp.id}`);
            else if (comp.chart.repoType === 'oci') {
              const repo = k.objects.find((o) => o.kind === 'OCIRepository' && o.metadata.name === comp.id);
              expect(hr.spec!.chartRef, comp.id).toEqual({ kind: 'OCIRepository', name: comp.id });
              expect(repo?.spec?.ref.tag, comp.id).toBe(comp.chart.version);
              expect(repo?.spec?.url, comp.id).toBe(comp.chart.url);
            } else {
              expect(hr.spec!.chart.spec, comp.id).toMatchObject({
                chart: comp.chart.name,
                version: comp.chart.version,
                sourceRef: { kind: 'HelmRepository', name: comp.id },
              });
              const repo = k.objects.find((o) => o.kind === 'HelmRepository' && o.metadata.name === comp.id);
              expect(repo?.spec?.url, comp.id).toBe(comp.chart.url);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("credentials arrive only as ExternalSecrets from the cluster's store; no Secret carries data in git", () => {
    for (const c of CLUSTERS) {
      for (const k of walks.get(c)!.values()) {
        for (const o of k.objects) {
          if (o.kind === 'Secret')
            expect(
              o.data ?? (o as any).stringData,
              `${c}/${k.name}: Secret ${o.metadata.name} holds data`,
            ).toBeUndefined();
          if (o.kind === 'ExternalSecret') {
            const ref = o.spec!.secretStoreRef;
            expect(ref, `${c}/${o.metadata.name}`).toMatchObject({
              kind: 'ClusterSecretStore',
              name: parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8')).clusters[c].secretStore.provider,
            });
          }
        }
      }
    }
  });

  it("one shared component folder per component, never one cluster's values in it", () => {
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    const own = (c: string) => [
      p.clusters[c].domain,
      p.clusters[c].network.podCidr,
      p.clusters[c].network.gatewayIps.external,
      p.clusters[c].apiEndpoint,
    ];
    const files = Object.keys(snapshot(path.join(repo, 'kubernetes'))).filter(
      (f) => f.startsWith('infrastructure/') || f.startsWith('workloads/'),
    );
    for (const f of files.filter((x) => !x.endsWith('/'))) {
      const text = fs.readFileSync(path.join(repo, 'kubernetes', f), 'utf8');
      for (const c of CLUSTERS)
        for (const v of own(c)) expect(text.includes(v), `${f} hard-codes ${v} of ${c}`).toBe(false);
    }
  });

  it('writes a story document per story and the design documents of the design stories', () => {
    for (const s of cat.stories) {
      const doc = fs.readFileSync(path.join(repo, 'docs', 'stories', `${s.id}.md`), 'utf8');
      expect(doc).toContain(`# ${s.id}: ${s.title}`);
      expect(doc).toContain(`| Sprint | ${s.sprint} |`);
      for (const a of s.acceptance) expect(doc).toContain(`- [ ] ${a}`);
      for (const d of s.dependsOn) expect(doc).toContain(`[${d}](./${d}.md)`);
      for (const c of s.clusters) expect(doc).toContain(`- **${c}**: approved`);
      if (s.kind === 'design') expect(fs.existsSync(path.join(repo, 'docs', 'design', `${s.id}.md`)), s.id).toBe(true);
    }
  });

  it('a second run of every add-story changes nothing', () => {
    const before = snapshot(repo);
    for (const s of cat.stories) expect(addStory({ dir: repo, id: s.id, approve: true }).written, s.id).toBe(false);
    expect(snapshot(repo)).toEqual(before);
  }, 120_000);
});

describe('drafts are never wired', () => {
  let repo: string;
  beforeAll(() => {
    repo = newRepo();
    for (const s of cat.stories) addStory({ dir: repo, id: s.id });
  }, 240_000);

  it('the batched walk the other tests use is the one-by-one walk, with fewer kubectl runs', () => {
    // helpers/flux-batch.ts builds a level's folders in one kubectl run: same Kustomizations, same text, same objects.
    for (const c of CLUSTERS) {
      const before = { ...batchStats };
      const batched = walk(repo, c);
      expect(batchStats.batches).toBeGreaterThan(before.batches);
      expect(batchStats.fallbacks).toBe(before.fallbacks);
      expect(batched).toEqual(walkCluster(repo, c, { substitute: true }));
    }
  });

  it('every story folder exists, yet no cluster reaches a story component', () => {
    for (const c of CLUSTERS) {
      const all = walk(repo, c);
      const storyComps = [...cat.components.values()].filter((e) => e.story).map((e) => e.component);
      for (const comp of storyComps)
        expect(all.has(comp.id), `${c}: draft component ${comp.id} is reachable`).toBe(false);
      for (const k of all.values()) expect(k.unresolved, `${c}/${k.name}`).toEqual([]);
    }
    for (const e of [...cat.components.values()].filter((x) => x.story)) {
      const dir = path.join(repo, 'kubernetes', e.component.lane, e.component.area, e.component.id, 'ks.yaml');
      expect(fs.existsSync(dir), dir).toBe(true);
    }
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    for (const s of cat.stories) for (const r of s.clusters) expect(p.stories[s.id].clusters[r], s.id).toBe('draft');
  });
});

describe('approval rules', () => {
  it('--force approves anyway when the Kustomizations still resolve; unresolvable dependsOn never pass', async () => {
    const repo = newRepo();
    const forced = addStory({ dir: repo, id: 'STORY-OPS-RELOADER-ALL-CLUSTERS', approve: true, force: true });
    expect(forced.written).toBe(true);
    expect(walk(repo, 'infra').has('reloader')).toBe(true);
    // cilium-gateway waits on cilium-lb-ipam: forcing cannot wire a Kustomization whose dependsOn is missing.
    const before = snapshot(repo);
    const r = await runInProcess('add-story', ['STORY-NET-CILIUM-GATEWAY', '--approve', '--force', '--dir', repo]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/depends on cilium-lb-ipam, which is not wired on infra \(approve STORY-NET-CILIUM-IPAM/);
    expect(snapshot(repo)).toEqual(before);
  });

  it('unapprove takes a leaf story out of the lanes, and refuses while approved stories depend on it', async () => {
    const repo = newRepo();
    const chain = [
      'STORY-BOOT-TALOS',
      'STORY-BOOT-CRDS',
      'STORY-BOOT-CORE',
      'STORY-GITOPS-SELF-MGMT-FLUX',
      'STORY-NET-CILIUM-CORE-GITOPS',
      'STORY-NET-CILIUM-IPAM',
      'STORY-NET-CILIUM-GATEWAY',
    ];
    addStories({ dir: repo, ids: chain, approve: true });
    expect(walk(repo, 'apps').has('cilium-gateway')).toBe(true);
    const before = snapshot(repo);
    const r = await runInProcess('platform-kit', [
      'unapprove',
      'STORY-NET-CILIUM-IPAM',
      '--dir',
      repo,
      '--cluster',
      'apps',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('STORY-NET-CILIUM-GATEWAY is approved on apps');
    expect(snapshot(repo)).toEqual(before);
    unapproveStory({ dir: repo, id: 'STORY-NET-CILIUM-GATEWAY', clusters: ['apps'] });
    expect(walk(repo, 'apps').has('cilium-gateway')).toBe(false);
    expect(walk(repo, 'infra').has('cilium-gateway')).toBe(true);
    expect(fs.existsSync(path.join(repo, 'kubernetes/infrastructure/networking/cilium-gateway/ks.yaml'))).toBe(true);
    approveStory({ dir: repo, id: 'STORY-NET-CILIUM-GATEWAY', clusters: ['apps'] });
    expect(walk(repo, 'apps').has('cilium-gateway')).toBe(true);
  });
});

describe('secret backends', () => {
  it('a cluster on GCP Secret Manager gets its own store variant and flat item names; the other keeps paths', () => {
    const dir = path.join(tmpDir(), 'platform');
    createClusters({
      dir,
      clusters: [
        { name: 'infra', secretStore: 'gcp-secret-manager' },
        { name: 'apps', secretStore: 'onepassword' },
      ],
    });
    addStories({
      dir,
      ids: [
        'STORY-BOOT-TALOS',
        'STORY-BOOT-CRDS',
        'STORY-BOOT-CORE',
        'STORY-GITOPS-SELF-MGMT-FLUX',
        'STORY-SEC-EXTERNAL-SECRETS-BASE',
        'STORY-NET-CILIUM-CORE-GITOPS',
        'STORY-NET-CILIUM-IPAM',
        'STORY-NET-CILIUM-GATEWAY',
        'STORY-OPS-RELOADER-ALL-CLUSTERS',
        'STORY-SEC-CERT-MANAGER-ISSUERS',
      ],
      approve: true,
    });
    const walks = { infra: walk(dir, 'infra'), apps: walk(dir, 'apps') };
    const keyOf = (c: 'infra' | 'apps') =>
      walks[c].get('cert-manager-issuers')!.objects.find((o) => o.kind === 'ExternalSecret')!.spec!.data[0].remoteRef
        .key;
    expect(keyOf('infra')).toMatch(/^kubernetes-infra-[a-z0-9-]+$/);
    expect(keyOf('apps')).toMatch(/^kubernetes\/apps\/[a-z0-9-]+$/);
    const store = (c: 'infra' | 'apps') =>
      walks[c].get('cluster-secret-store')!.objects.find((o) => o.kind === 'ClusterSecretStore')!;
    expect(store('infra').metadata.name).toBe('gcp-secret-manager');
    expect(Object.keys(store('infra').spec!.provider)).toEqual(['gcpsm']);
    expect(Object.keys(store('apps').spec!.provider)).toEqual(['onepassword']);
    const secrets = parse(fs.readFileSync(path.join(dir, 'kubernetes/clusters/infra/cluster-secrets.yaml'), 'utf8'));
    expect(JSON.stringify(secrets.spec)).toContain('kubernetes-infra-cluster-secrets');
  });
});

describe('custom stories', () => {
  it('renders a generic component from the same templates, records it, and survives regeneration', async () => {
    const repo = newRepo();
    const r = cli('add-story', [
      'STORY-APP-PODINFO',
      '--custom',
      '--dir',
      repo,
      '--title',
      'Podinfo demo',
      '--lane',
      'apps',
      '--component',
      'podinfo',
      '--namespace',
      'podinfo',
      '--chart-url',
      'oci://ghcr.io/stefanprodan/charts/podinfo',
      '--chart-version',
      '6.9.2',
      '--approve',
      '--force',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const p = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    expect(p.stories['STORY-APP-PODINFO'].custom.components[0]).toMatchObject({
      id: 'podinfo',
      lane: 'workloads',
      chart: { url: 'oci://ghcr.io/stefanprodan/charts/podinfo', version: '6.9.2' },
    });
    const all = walk(repo, 'apps');
    expect(all.get('podinfo')?.parent).toBe('workloads');
    expect(all.get('podinfo')!.objects.find((o) => o.kind === 'HelmRelease')?.metadata.name).toBe('podinfo');
    expect(walk(repo, 'infra').has('podinfo')).toBe(false);
    const before = snapshot(repo);
    const again = await runInProcess('create-platform-cluster', ['infra', 'apps', '--yes', '--dir', repo]);
    expect(again.status, again.stderr).toBe(0);
    expect(snapshot(repo)).toEqual(before);
  });
});
