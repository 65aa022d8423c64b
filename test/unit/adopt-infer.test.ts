// adopt's inference (issue 18): clusters, settings, facts, component matches and story statuses, each claim with
// the file and fact behind it. Expectations come from the files themselves (the fixtures' ConfigMaps and Talos
// configuration, and for a repository the tool generated, its own platform.yaml), never from adopt's output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  ciliumFacts,
  clusterFacts,
  gitFacts,
  machineConfigFacts,
  secretStoreFacts,
  settingsFacts,
  talosFacts,
} from '../../src/adopt/facts';
import { type Adoption, infer } from '../../src/adopt/infer';
import { clusterSettings } from '../../src/adopt/settings';
import { type Claim, readRepo, whyText } from '../../src/adopt/view';
import { createClusters } from '../../src/commands/create-cluster';
import type { Role } from '../../src/model/schema';
import { loadCatalog, type StoryDef } from '../../src/model/stories';
import { storyComponentsFor } from '../../src/model/wiring';
import { ROOT, tmpDir, writeTree } from '../helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');
const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');
const docsOf = (dir: string, rel: string) => parseAllDocuments(read(dir, rel)).map((d) => d.toJS());

/** Every claim's evidence points at a line of a real file that states the value (or the key it was read from). */
function expectEvidence(dir: string, name: string, claim: Claim<unknown>): void {
  expect(claim.why.length, name).toBeGreaterThan(0);
  for (const w of claim.why) {
    if (!w.file) continue;
    const lines = read(dir, w.file).split('\n');
    expect(w.line, whyText(w)).toBeGreaterThan(0);
    const at = lines[w.line! - 1];
    const shown = typeof claim.value === 'object' ? '' : String(claim.value);
    // The cited line holds the value (a URL's host, a CIDR, an id), or the key whose value it is.
    const key =
      /data\.([A-Z0-9_]+)/.exec(w.fact)?.[1] ?? /(\w+)(?:\[0\])? /.exec(w.fact.replace(/^talhelper /, ''))?.[1];
    expect(at.includes(shown) || (key !== undefined && at.includes(key)), `${whyText(w)}: line "${at}"`).toBe(true);
  }
}

describe('adopt: facts and settings, from the files that state them', () => {
  let plan: Adoption;
  beforeAll(() => {
    plan = infer(path.join(FIXTURES, 'plan'));
  });

  it('finds the clusters as check does, named from their folders', () => {
    const dirs = fs.readdirSync(path.join(FIXTURES, 'plan', 'kubernetes', 'clusters')).sort();
    expect(plan.clusters.map((c) => c.name)).toEqual(dirs);
    for (const c of plan.clusters) expect(c.entry.value).toBe(`kubernetes/clusters/${c.name}`);
  });

  it("reads each cluster's ConfigMap settings with the line of each key, and facts from Talos before settings", () => {
    const dir = path.join(FIXTURES, 'plan');
    for (const c of plan.clusters) {
      const cm = docsOf(dir, `kubernetes/clusters/${c.name}/cluster-settings.yaml`)[0];
      expect(c.settings.values).toEqual(Object.fromEntries(Object.entries(cm.data).map(([k, v]) => [k, String(v)])));
      for (const [key, w] of Object.entries(c.settings.why))
        expect(read(dir, w.file!).split('\n')[w.line! - 1]).toContain(`${key}:`);
      expect(c.facts.clusterId?.value).toBe(Number(cm.data.CLUSTER_ID));
      expect(c.facts.domain?.value).toBe(cm.data.SECRET_DOMAIN);
      expect(c.facts.gitUrl?.value).toBe(
        docsOf(dir, `kubernetes/clusters/${c.name}/flux-system/gotk-sync.yaml`)[0].spec.url,
      );
      for (const [name, claim] of Object.entries(c.facts)) expectEvidence(dir, `${c.name}.${name}`, claim);
    }
    // infra has a talconfig: its networks, endpoint and nodes win over the settings; apps has none.
    const tal = parse(read(dir, 'talos/infra/talconfig.yaml'));
    const infra = plan.clusters.find((c) => c.name === 'infra')!;
    expect(infra.facts.podCidr?.value).toBe(tal.clusterPodNets[0]);
    expect(infra.facts.podCidr?.why[0].file).toBe('talos/infra/talconfig.yaml');
    expect(infra.facts.apiEndpoint?.value).toBe(tal.endpoint);
    expect(infra.facts.nodes?.value.map((n) => [n.name, n.ip, n.controlPlane])).toEqual(
      tal.nodes.map((n: any) => [n.hostname, n.ipAddress, n.controlPlane]),
    );
    const apps = plan.clusters.find((c) => c.name === 'apps')!;
    expect(apps.facts.nodes).toBeUndefined();
    expect(apps.facts.podCidr?.value).toBe(apps.settings.values.POD_CIDR_STRING);
    const svc = docsOf(dir, 'kubernetes/clusters/apps/cluster-settings.yaml')[0].data.SERVICE_CIDR;
    expect(JSON.parse(svc)).toContain(apps.facts.serviceCidr?.value);
  });

  it('home-ops: the git source from the FluxInstance, facts from the home-ops setting names', () => {
    const dir = path.join(FIXTURES, 'home-ops');
    const a = infer(dir);
    expect(a.clusters).toHaveLength(1);
    const c = a.clusters[0];
    const fi = docsOf(dir, 'kubernetes/apps/flux-system/flux-instance/app/fluxinstance.yaml')[0];
    expect(c.entry.value).toBe(fi.spec.sync.path);
    expect(c.facts.gitUrl?.value).toBe(fi.spec.sync.url);
    expect(`refs/heads/${c.facts.gitBranch?.value}`).toBe(fi.spec.sync.ref);
    const cm = docsOf(dir, 'kubernetes/flux/cluster/cluster-settings.yaml')[0].data;
    expect(c.facts.podCidr?.value).toBe(cm.CLUSTER_POD_CIDR);
    expect(c.facts.serviceCidr?.value).toBe(cm.CLUSTER_SERVICE_CIDR);
    // Cilium's k8sServiceHost is KubePrism's 127.0.0.1: a node-local endpoint, not the cluster's API endpoint.
    expect(c.facts.apiEndpoint).toBeUndefined();
    for (const [name, claim] of Object.entries(c.facts)) expectEvidence(dir, name, claim);
  });

  it('one function per source: each claims only from its own files, and clusterFacts takes the first source`s claim', () => {
    for (const f of ['plan', 'home-ops', 'classic']) {
      const view = readRepo(path.join(FIXTURES, f));
      for (const c of view.clusters) {
        const settings = clusterSettings(c);
        const parts = {
          talos: talosFacts(view, c.name),
          machine: machineConfigFacts(view, c.name),
          settings: settingsFacts(settings),
          cilium: ciliumFacts(c),
          git: gitFacts(view, c),
          store: secretStoreFacts(c),
        };
        const files = (part: object) =>
          Object.values(part).flatMap((claim: Claim<unknown>) => claim.why.map((w) => w.file ?? ''));
        for (const file of files(parts.talos)) expect(file).toMatch(/talconfig\.ya?ml$/);
        const settingsFiles = new Set(settings.sources.map((x) => x.file));
        for (const file of files(parts.settings)) expect(settingsFiles.has(file), file).toBe(true);
        for (const [name, claim] of Object.entries(parts.cilium))
          expect(claim.why[0].fact, name).toMatch(/^HelmRelease \S+ values\./);
        for (const claim of Object.values(parts.git))
          expect(claim.why[0].fact).toMatch(/GitRepository|FluxInstance|HelmRelease/);
        for (const claim of Object.values(parts.store)) expect(claim.why[0].fact).toMatch(/^ClusterSecretStore /);
        // The merge: each fact from the first source that states it, in the order of trust.
        const all = clusterFacts(view, c, settings);
        const order = [parts.talos, parts.machine, parts.settings, parts.cilium, parts.git, parts.store] as Record<
          string,
          unknown
        >[];
        for (const [fact, claim] of Object.entries(all))
          expect(claim, `${f}/${c.name} ${fact}`).toEqual(order.find((x) => x[fact])![fact]);
        expect(Object.keys(all).sort()).toEqual([...new Set(order.flatMap((x) => Object.keys(x)))].sort());
      }
    }
  });

  it('Talos machine configuration (talosctl, or a template of it like onedr0p/home-ops): networks and endpoint', () => {
    const dir = path.join(tmpDir('adopt-machine-'), 'repo');
    fs.cpSync(path.join(FIXTURES, 'home-ops'), dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'talos'));
    // A template: one document with template syntax (not YAML: states nothing), the machine document, and Talos
    // 1.12's KubeNetworkConfig. Only the values without template syntax are facts.
    const cluster = [
      '---',
      '{% for n in nodes %}',
      'machine: {{ n }}',
      '{% endfor %}',
      '---',
      'version: v1alpha1',
      'cluster:',
      '  clusterName: main',
      '  controlPlane:',
      '    endpoint: https://k8s.internal:6443',
      '  network:',
      '    podSubnets: ["{{ POD_CIDR }}"]',
      '---',
      'apiVersion: v1alpha1',
      'kind: KubeNetworkConfig',
      'podSubnets:',
      '  - 10.42.0.0/16',
      'serviceSubnets:',
      '  - 10.43.0.0/16',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'talos', 'cluster.yaml.j2'), cluster);
    const view = readRepo(dir);
    const facts = machineConfigFacts(view, view.clusters[0].name);
    expect(Object.fromEntries(Object.entries(facts).map(([k, c]) => [k, c.value]))).toEqual({
      podCidr: '10.42.0.0/16',
      serviceCidr: '10.43.0.0/16',
      apiEndpoint: 'https://k8s.internal:6443',
    });
    for (const [name, claim] of Object.entries(facts)) expectEvidence(dir, name, claim);
    expect(facts.podCidr!.why[0]).toMatchObject({ file: 'talos/cluster.yaml.j2', line: 17 });
    // They win over the settings and Cilium (what the nodes are built from), after talhelper's talconfig.yaml.
    const all = clusterFacts(view, view.clusters[0], clusterSettings(view.clusters[0]));
    expect(all.podCidr!.why[0].file).toBe('talos/cluster.yaml.j2');
    // A second file that says otherwise: no claim (which of the two the nodes run is not for adopt to guess).
    fs.writeFileSync(path.join(dir, 'talos', 'old.yaml'), cluster.replace('10.42.0.0/16', '10.50.0.0/16'));
    expect(machineConfigFacts(readRepo(dir), view.clusters[0].name).podCidr).toBeUndefined();
  });

  it('git facts come from a git source only: a FluxInstance syncing an OCIRepository proves no git URL (d2-fleet)', () => {
    const facts = (kind: string, url: string) => {
      const dir = writeTree(
        {
          'clusters/c1/flux-instance.yaml': [
            'apiVersion: fluxcd.controlplane.io/v1',
            'kind: FluxInstance',
            'metadata: { name: flux, namespace: flux-system }',
            'spec:',
            '  distribution: { version: "2.x", registry: ghcr.io/fluxcd }',
            `  sync: { kind: ${kind}, url: "${url}", ref: refs/heads/main, path: ./clusters/c1 }`,
            '',
          ].join('\n'),
          'clusters/c1/settings.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: flux-system }\ndata: { A: "1" }\n',
        },
        'adopt-sync-kind-',
      );
      const view = readRepo(dir);
      return gitFacts(view, view.clusters[0]);
    };
    expect(facts('GitRepository', 'https://github.com/example/fleet').gitUrl?.value).toBe(
      'https://github.com/example/fleet',
    );
    expect(facts('OCIRepository', 'oci://ghcr.io/example/fleet')).toEqual({});
  });

  it('a Secret among the settings sources gives its keys, never its values', () => {
    const dir = path.join(tmpDir('adopt-secret-'), 'repo');
    fs.cpSync(path.join(FIXTURES, 'classic'), dir, { recursive: true });
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  API_TOKEN: do-not-copy-me\n';
    fs.writeFileSync(path.join(dir, 'clusters/staging/cluster-secrets.yaml'), secret);
    const ks = read(dir, 'clusters/staging/infrastructure.yaml').replace(
      /name: cluster-vars/g,
      'name: cluster-vars\n      - kind: Secret\n        name: cluster-secrets',
    );
    fs.writeFileSync(path.join(dir, 'clusters/staging/infrastructure.yaml'), ks);
    const staging = infer(dir).clusters.find((c) => c.name === 'staging')!;
    const src = staging.settings.sources.find((s) => s.kind === 'Secret')!;
    expect(src).toMatchObject({
      name: 'cluster-secrets',
      keys: ['API_TOKEN'],
      file: 'clusters/staging/cluster-secrets.yaml',
    });
    expect(JSON.stringify(staging)).not.toContain('do-not-copy-me');
  });
});

/**
 * The components a story's status is read from: those it puts on the role; for a manifests story that puts none, the
 * foundation components it uses (STORY-NET-CILIUM-CORE-GITOPS: cilium under Flux). Bootstrap and design stories: none.
 */
function readFrom(story: StoryDef, role: Role): string[] {
  const cat = loadCatalog();
  const ids = storyComponentsFor(cat, story, role).map((x) => x.id);
  if (ids.length || story.kind !== 'manifests') return ids;
  return story.uses.filter((u) => cat.components.get(u) && !cat.components.get(u)!.story);
}

describe('adopt: component matching and story statuses', () => {
  it('a manifests story that only uses foundation components: approved where the repository delivers them all', () => {
    const cat = loadCatalog();
    const gitops = (f: string) =>
      infer(path.join(FIXTURES, f), cat).clusters.map((c) => [
        c.name,
        c.match.matches.some((m) => m.component === 'cilium'),
        c.match.stories.find((s) => s.id === 'STORY-NET-CILIUM-CORE-GITOPS')?.status,
      ]);
    // Cilium under Flux (a HelmRelease of the cilium chart): the story is done there; no cilium Kustomization: absent.
    const rows = ['plan', 'home-ops', 'classic'].flatMap(gitops);
    for (const [name, cilium, status] of rows) expect(status, String(name)).toBe(cilium ? 'approved' : 'absent');
    expect(rows.some(([, cilium]) => cilium)).toBe(true);
    // Bootstrap stories leave nothing Flux applies: never recorded, whatever is delivered.
    for (const f of ['plan', 'home-ops', 'classic'])
      for (const c of infer(path.join(FIXTURES, f), cat).clusters)
        expect(c.match.stories.filter((s) => cat.byId.get(s.id)!.kind === 'bootstrap')).toEqual([]);
  });

  it('fixtures: catalog charts are matched, the hand-written component is adopted, a story is approved only when all of it is there', () => {
    const cat = loadCatalog();
    for (const f of ['plan', 'home-ops', 'classic']) {
      const a = infer(path.join(FIXTURES, f), cat);
      for (const c of a.clusters) {
        // Derived from the walk: a Kustomization is adopted exactly when no catalog component matched it.
        const matched = new Set(c.match.matches.map((m) => m.ks));
        for (const k of c.match.kustomizations.values())
          expect(c.match.adopted.includes(k), `${f}/${c.name} ${k.id}`).toBe(!matched.has(k.id));
        // The hand-written component of each fixture (its Deployment says so) is adopted, with its path and dependsOn.
        const hand = c.match.adopted.filter(
          (k) =>
            !k.lane &&
            fs
              .readdirSync(path.join(FIXTURES, f, k.path))
              .some((x) => read(path.join(FIXTURES, f), `${k.path}/${x}`).includes('Hand-written')),
        );
        expect(hand, `${f}/${c.name}`).toHaveLength(1);
        const raw = docsOf(path.join(FIXTURES, f), hand[0].file).find((d) => d.metadata.name === hand[0].name);
        expect(hand[0].dependsOn).toEqual(
          (raw.spec.dependsOn ?? []).map((d: any) => `${d.namespace ?? hand[0].id.split('/')[0]}/${d.name}`),
        );
        // Story statuses follow the matches.
        const present = new Set(c.match.matches.map((m) => m.component));
        for (const s of c.match.stories) {
          const all = readFrom(cat.byId.get(s.id)!, c.role);
          expect(s.present).toEqual(all.filter((id) => present.has(id)));
          if (s.status === 'approved') expect(s.missing).toEqual([]);
          if (s.status === 'partial') expect(s.missing.length).toBeGreaterThan(0);
        }
        // cert-manager alone is not STORY-SEC-CERT-MANAGER-ISSUERS: partial, with the rest listed.
        const cm = c.match.stories.find((s) => s.id === 'STORY-SEC-CERT-MANAGER-ISSUERS')!;
        expect(cm.status).toBe('partial');
        expect(cm.present).toEqual(['cert-manager']);
      }
    }
  });

  it('a repository the tool generated: the stories adopt approves are exactly those its platform.yaml approves', () => {
    const dir = path.join(tmpDir('adopt-own-'), 'platform');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }], stories: { ids: 'all', approve: true } });
    const spec = parse(read(dir, 'platform.yaml'));
    fs.rmSync(path.join(dir, 'platform.yaml'));
    const cat = loadCatalog();
    const a = infer(dir, cat);
    expect(a.clusters.map((c) => c.name).sort()).toEqual(Object.keys(spec.clusters).sort());
    for (const c of a.clusters) {
      const role = spec.clusters[c.name].role;
      const want = Object.entries<any>(spec.stories)
        .filter(([id, s]) => s.clusters[c.name] === 'approved' && readFrom(cat.byId.get(id)!, role).length > 0)
        .map(([id]) => id)
        .sort();
      expect(want.length).toBeGreaterThan(10);
      expect(
        c.match.stories
          .filter((s) => s.status === 'approved')
          .map((s) => s.id)
          .sort(),
      ).toEqual(want);
      expect(c.match.stories.filter((s) => s.status === 'partial')).toEqual([]);
      // Facts read back as platform.yaml has them (the generated talconfig and cluster-settings state them).
      expect(c.facts.podCidr?.value).toBe(spec.clusters[c.name].network.podCidr);
      expect(c.facts.serviceCidr?.value).toBe(spec.clusters[c.name].network.serviceCidr);
      expect(c.facts.clusterId?.value).toBe(spec.clusters[c.name].clusterId);
      expect(c.facts.domain?.value).toBe(spec.clusters[c.name].domain);
      expect(c.facts.apiEndpoint?.value).toBe(spec.clusters[c.name].apiEndpoint);
      expect(c.facts.nodes?.value.map((n) => n.name)).toEqual(spec.clusters[c.name].nodes.map((n: any) => n.name));
      // The role from what the cluster runs (its workloads lane, or the infra-only components), not from its name.
      expect(c.roleSigns.claim?.value, c.name).toBe(role);
      expect(c.role).toBe(role);
      for (const w of c.roleSigns.claim!.why.filter((x) => x.file))
        expect(read(dir, w.file!).split('\n')[w.line! - 1], whyText(w)).toMatch(
          /kind: (Kustomization|HelmRelease|GitRepository)|^apiVersion:/,
        );
    }
  });
});

describe('adopt: the role from what a cluster runs', () => {
  /** The classic fixture, with an infra-only catalog component (harbor) on staging's infrastructure lane. */
  function withHarbor(): string {
    const dir = path.join(tmpDir('adopt-role-'), 'repo');
    fs.cpSync(path.join(FIXTURES, 'classic'), dir, { recursive: true });
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write(
      'infrastructure/harbor/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: harbor\nresources:\n  - release.yaml\n',
    );
    write(
      'infrastructure/harbor/release.yaml',
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: harbor\nspec:\n  interval: 30m\n  chart:\n    spec:\n' +
        '      chart: harbor\n      sourceRef:\n        kind: HelmRepository\n        name: harbor\n',
    );
    const lane = 'clusters/staging/infrastructure.yaml';
    fs.appendFileSync(
      path.join(dir, lane),
      '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: harbor\n  namespace: flux-system\n' +
        'spec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  path: ./infrastructure/harbor\n  prune: true\n',
    );
    return dir;
  }

  it('a workloads folder and no infra-only component: apps, with the Kustomization that says so', () => {
    const dir = path.join(FIXTURES, 'classic');
    for (const c of infer(dir).clusters) {
      // What the fixture holds: each cluster has a Kustomization pointing into apps/.
      const docs = read(dir, `clusters/${c.name}/apps.yaml`);
      expect(docs).toMatch(/path: \.\/apps\//);
      expect(c.roleSigns.claim?.value).toBe('apps');
      expect(c.roleSigns.claim?.why[0]).toMatchObject({ file: `clusters/${c.name}/apps.yaml` });
      expect(c.roleSigns.infrastructure).toEqual([]);
    }
  });

  it('workloads and an infra-only component: not proven (asked, or --role); the default stays the name`s', () => {
    const dir = withHarbor();
    const a = infer(dir);
    const staging = a.clusters.find((c) => c.name === 'staging')!;
    expect(staging.match.matches.map((m) => m.component)).toContain('harbor');
    expect(staging.roleSigns.claim).toBeUndefined();
    expect(staging.roleSigns.infrastructure.map((w) => w.file)).toEqual(['infrastructure/harbor/release.yaml']);
    expect(staging.role).toBe('apps'); // from the name, as create-platform-cluster defaults it
    // The other cluster is unchanged: apps.
    expect(a.clusters.find((c) => c.name === 'production')!.roleSigns.claim?.value).toBe('apps');
    // Without the workloads lane, harbor alone says infra.
    fs.rmSync(path.join(dir, 'clusters/staging/apps.yaml'));
    const only = infer(dir).clusters.find((c) => c.name === 'staging')!;
    expect(only.roleSigns.claim?.value).toBe('infra');
    expect(only.role).toBe('infra');
    // A role a person gives wins over the signs.
    expect(infer(dir, undefined, { staging: 'apps' }).clusters.find((c) => c.name === 'staging')!.role).toBe('apps');
  });

  it('no sign at all (the plan fixture: infrastructure lanes only): not proven, the role from the name', () => {
    for (const c of infer(path.join(FIXTURES, 'plan')).clusters) {
      expect(c.roleSigns.claim).toBeUndefined();
      expect(c.roleSigns).toMatchObject({ workloads: [], infrastructure: [] });
      expect(c.role).toBe(c.name === 'infra' ? 'infra' : 'apps');
    }
  });
});
