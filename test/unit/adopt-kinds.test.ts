// adopt's rule "by kind" (issue 18): a Kustomization whose build holds an object of a kind exactly one catalog
// component creates delivers that component too (cilium's app with its own CiliumLoadBalancerIPPool delivers
// cilium-lb-ipam), so adopt records it and generate() never adds that component a second time. The kinds are
// computed from the catalog; the fixture copy gets its objects written in, as a repository's people would.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { infer } from '../../src/adopt/infer';
import { kindsOfOne } from '../../src/adopt/match';
import { platformOf } from '../../src/commands/adopt';
import { generate } from '../../src/commands/generate';
import { emptyManifest, MANIFEST_FILE, manifestToString } from '../../src/core/manifest';
import { walkTree } from '../../src/core/paths';
import { writes } from '../../src/core/plan';
import { BUILTIN_TEMPLATES } from '../../src/core/render';
import { adoptedOn } from '../../src/model/adopted';
import { deliveredBy } from '../../src/model/delivered';
import { place } from '../../src/model/layout';
import { PLATFORM_FILE, parsePlatform, setStoryState } from '../../src/model/platform-file';
import { loadCatalog } from '../../src/model/stories';
import { GENERATOR_VERSION } from '../../src/version';
import { ROOT, tmpDir } from '../helpers/fs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'adopt', 'home-ops');
const CILIUM_APP = 'kubernetes/apps/kube-system/cilium/app';
const IPAM = 'STORY-NET-CILIUM-IPAM';
const POOL = {
  apiVersion: 'cilium.io/v2alpha1',
  kind: 'CiliumLoadBalancerIPPool',
  metadata: { name: 'pool' },
  spec: { blocks: [{ cidr: '192.168.69.0/24' }] },
};

/** A copy of the home-ops fixture, with `extra` objects written into a file of `app` that its kustomization lists. */
function fixtureWith(app: string, extra: object[]): string {
  const dir = path.join(tmpDir('adopt-kinds-'), 'repo');
  fs.cpSync(FIXTURE, dir, { recursive: true });
  if (!extra.length) return dir;
  fs.writeFileSync(path.join(dir, app, 'networking.yaml'), extra.map((o) => stringify(o)).join('---\n'));
  const k = path.join(dir, app, 'kustomization.yaml');
  fs.writeFileSync(k, fs.readFileSync(k, 'utf8').replace(/^resources:\n/m, 'resources:\n  - ./networking.yaml\n'));
  return dir;
}

/** generate() on the adopted copy (adopt's platform.yaml, an empty manifest) with `story` approved on every cluster. */
function approveOnAll(dir: string, story: string) {
  const { text } = platformOf(infer(dir));
  const files = new Map<string, string>();
  for (const f of walkTree(dir).files) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  files.set(PLATFORM_FILE, text);
  files.set(MANIFEST_FILE, manifestToString(emptyManifest(GENERATOR_VERSION)));
  const pf = parsePlatform(text);
  const clusters = Object.keys(pf.spec.clusters);
  setStoryState(pf, story, Object.fromEntries(clusters.map((c) => [c, 'approved' as const])));
  const g = generate(pf, { current: { read: (p: string) => files.get(p) }, templateRoots: [BUILTIN_TEMPLATES] });
  return { pf, clusters, g };
}

/** generate() on the adopted copy with IPAM approved on every cluster: the paths it writes (not platform.yaml, manifest). */
function approveIpam(dir: string): { written: string[]; ipamDirs: string[] } {
  const { pf, clusters, g } = approveOnAll(dir, IPAM);
  const comp = loadCatalog().components.get('cilium-lb-ipam')!.component;
  const ipamDirs = clusters.map((cluster) => place(pf.spec.layout!, { cluster, ...comp }).dir);
  const written = writes(g.plan)
    .filter((c) => !c.internal && c.path !== PLATFORM_FILE && c.path !== MANIFEST_FILE)
    .map((c) => c.path);
  return { written, ipamDirs };
}

describe('adopt: a component delivered inside another Kustomization, found by a kind only it creates', () => {
  it("cilium's app with a CiliumLoadBalancerIPPool delivers cilium and cilium-lb-ipam; IPAM is not absent", () => {
    const dir = fixtureWith(CILIUM_APP, [POOL]);
    const a = infer(dir);
    for (const c of a.clusters) {
      const ks = [...c.match.kustomizations.values()].find((k) => k.path === CILIUM_APP)!;
      const by = c.match.matches.filter((m) => m.ks === ks.id);
      expect(by.map((m) => m.component).sort(), c.name).toEqual(['cilium', 'cilium-lb-ipam']);
      // The evidence is the pool itself: its file and the line its document starts on.
      const why = by.find((m) => m.component === 'cilium-lb-ipam')!.why;
      expect(why.file).toBe(`${CILIUM_APP}/networking.yaml`);
      expect(fs.readFileSync(path.join(dir, why.file!), 'utf8').split('\n')[why.line! - 1]).toMatch(
        /^apiVersion: cilium/,
      );
      expect(why.fact).toContain('CiliumLoadBalancerIPPool pool');
      const ipam = c.match.stories.find((s) => s.id === IPAM);
      expect(ipam, c.name).toBeDefined();
      expect(ipam!.status).not.toBe('absent');
      expect(ipam!.present).toContain('cilium-lb-ipam');
    }
    // platform.yaml: one entry for the Kustomization, the other component in `also`, read back by every reader.
    const { spec } = platformOf(a);
    for (const [name, cl] of Object.entries(spec.clusters)) {
      const entries = (cl.adopted ?? []).filter((x) => x.path === CILIUM_APP);
      expect(
        entries.map((x) => [x.component, x.also]),
        name,
      ).toEqual([['cilium', ['cilium-lb-ipam']]]);
      expect(deliveredBy(entries[0])).toEqual(['cilium', 'cilium-lb-ipam']);
      expect(adoptedOn(spec, name).delivered.get('cilium-lb-ipam')).toBe(entries[0]);
    }
  });

  it('approving IPAM then renders no cilium-lb-ipam files (without the pool it does: the control)', () => {
    const withPool = approveIpam(fixtureWith(CILIUM_APP, [POOL]));
    const control = approveIpam(fixtureWith(CILIUM_APP, []));
    const inIpam = (w: string[], dirs: string[]) => w.filter((f) => dirs.some((d) => f.startsWith(`${d}/`)));
    expect(inIpam(control.written, control.ipamDirs).length).toBeGreaterThan(0);
    expect(inIpam(withPool.written, withPool.ipamDirs)).toEqual([]);
    expect(withPool.written.filter((f) => f.includes('cilium-lb-ipam'))).toEqual([]);
  });

  it('a kind apps use matches none: three Kustomizations, or one file two of them build; two of their own both match', () => {
    const echo = 'kubernetes/apps/default/echo/app';
    const certs = 'kubernetes/apps/cert-manager/cert-manager/app';
    /** Lists `file` (a path relative to the app folder) in the app's kustomization.yaml, writing `obj` there unless shared. */
    const listIn = (dir: string, app: string, file: string, obj?: object) => {
      if (obj) fs.writeFileSync(path.join(dir, app, file), stringify(obj));
      const k = path.join(dir, app, 'kustomization.yaml');
      fs.writeFileSync(k, fs.readFileSync(k, 'utf8').replace(/^resources:\n/m, `resources:\n  - ${file}\n`));
    };
    const ipamBy = (dir: string) =>
      infer(dir).clusters.map((c) => ({
        cluster: c.name,
        ks: c.match.matches.filter((m) => m.component === 'cilium-lb-ipam').map((m) => m.ks),
        handWritten: c.match.adopted.map((x) => x.path),
      }));
    // Three apps, a pool each (as every app volsync backs up has its ReplicationDestination): none delivers IPAM.
    const three = fixtureWith(CILIUM_APP, [POOL]);
    listIn(three, echo, './pool.yaml', { ...POOL, metadata: { name: 'echo-pool' } });
    listIn(three, certs, './pool.yaml', { ...POOL, metadata: { name: 'certs-pool' } });
    for (const c of ipamBy(three)) {
      expect(c.ks, c.cluster).toEqual([]);
      expect(c.handWritten, c.cluster).toContain(echo);
    }
    // One file that two apps build (a kustomize component they include): none.
    const shared = fixtureWith(CILIUM_APP, [POOL]);
    fs.copyFileSync(path.join(shared, CILIUM_APP, 'networking.yaml'), path.join(shared, 'kubernetes/pool.yaml'));
    fs.rmSync(path.join(shared, CILIUM_APP, 'networking.yaml'));
    const cil = path.join(shared, CILIUM_APP, 'kustomization.yaml');
    fs.writeFileSync(cil, fs.readFileSync(cil, 'utf8').replace('./networking.yaml', '../../../../pool.yaml'));
    listIn(shared, echo, '../../../../pool.yaml');
    for (const c of ipamBy(shared)) expect(c.ks, c.cluster).toEqual([]);
    // Two apps with a pool of their own each: both deliver it (the tool must add no third).
    const two = fixtureWith(CILIUM_APP, [POOL]);
    listIn(two, echo, './pool.yaml', { ...POOL, metadata: { name: 'echo-pool' } });
    for (const c of ipamBy(two)) expect(c.ks.length, c.cluster).toBe(2);
  });
});

describe('adopt: which kinds match by themselves', () => {
  const cat = loadCatalog();
  /** group/Kind -> the catalog components declaring it, from every component.yaml's resources. */
  const owners = new Map<string, Set<string>>();
  for (const e of cat.components.values())
    for (const r of e.component.resources) {
      const key = `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.kind}`;
      owners.set(key, (owners.get(key) ?? new Set()).add(e.component.id));
    }

  it('a Kustomization of theirs that delivers two dependencies is named once in dependsOn', () => {
    // cilium-gateway depends on cilium and cilium-lb-ipam; with the pool in cilium's app, both are its Kustomization.
    const { pf, clusters, g } = approveOnAll(fixtureWith(CILIUM_APP, [POOL]), 'STORY-NET-CILIUM-GATEWAY');
    const gw = loadCatalog().components.get('cilium-gateway')!.component;
    expect(gw.dependsOn).toEqual(expect.arrayContaining(['cilium', 'cilium-lb-ipam']));
    for (const cluster of clusters) {
      const ks = place(pf.spec.layout!, { cluster, ...gw }).ks;
      const written = writes(g.plan).find((c) => c.path === ks.file);
      expect(written, ks.file).toBeDefined();
      const doc = parseAllDocuments(written!.after!)
        .map((d) => d.toJS())
        .find((d) => d?.metadata?.name === ks.name);
      expect(doc.spec.dependsOn, cluster).toEqual([{ name: 'cilium' }]);
    }
  });

  it('a kind two catalog components declare never matches; one that does is declared by exactly its component', () => {
    const kinds = kindsOfOne(cat);
    const shared = [...owners].filter(([, ids]) => ids.size > 1).map(([k]) => k);
    expect(shared.length).toBeGreaterThan(3);
    for (const k of shared) expect(kinds.has(k), k).toBe(false);
    for (const [k, id] of kinds) {
      expect([...owners.get(k)!], k).toEqual([id]);
      // Not a core or Kubernetes project API, and a component known by its objects, not by a chart.
      expect(k, k).not.toMatch(/^(|apps|batch|policy|[^/]*k8s\.io)\//);
      expect(cat.components.get(id)!.component.chart, k).toBeUndefined();
    }
    expect(kinds.get('cilium.io/CiliumLoadBalancerIPPool')).toBe('cilium-lb-ipam');
    expect(kinds.get('cert-manager.io/ClusterIssuer')).toBe('cert-manager-issuers');
    expect(kinds.get('external-secrets.io/ClusterSecretStore')).toBe('cluster-secret-store');
  });

  it("an object of a shared kind, or one only a chart's component declares, adds no match", () => {
    const shared = [...owners].find(([k, ids]) => ids.size > 1 && k.startsWith('external-secrets.io/'))!;
    const chartOnly = [...owners].find(
      ([k, ids]) => ids.size === 1 && k.startsWith('cilium.io/') && cat.components.get([...ids][0])!.component.chart,
    )!;
    const obj = (key: string, name: string) => ({
      apiVersion: `${key.split('/')[0]}/v1`,
      kind: key.split('/')[1],
      metadata: { name },
      spec: {},
    });
    const a = infer(fixtureWith(CILIUM_APP, [obj(shared[0], 'one'), obj(chartOnly[0], 'two')]));
    for (const c of a.clusters) expect(c.match.matches.filter((m) => m.byKind)).toEqual([]);
  });
});
