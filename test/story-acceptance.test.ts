import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { addStories, createClusters, loadCatalog } from '../src';
import { componentDir } from '../src/model/components';
import { type FluxKs, isFluxKs, type K8sObject, kustomize, substituteText, subtree } from './helpers/flux';
import { kustomizeMany, walkClusterBatched } from './helpers/flux-batch';
import { snapshot, tmpDir } from './helpers/fs';

/*
 * Acceptance of every catalog story: the key resources named by its acceptance criteria (and its components'
 * resources[].notes), by kind, name and the fields that matter, on every cluster the story runs on.
 * Expected values come from the inputs: platform.yaml, the cluster's cluster-settings and the catalog. Literals are
 * used only where the acceptance criterion or note states one.
 *
 * Fixture: infra + apps with all 41 stories approved; apps then gets its own values for settings that differ per
 * cluster in practice (see APPS_OWN), so a value leaking from infra into apps is visible.
 */

const cat = loadCatalog();
const CLUSTERS = ['infra', 'apps'] as const;
type Cluster = (typeof CLUSTERS)[number];

/** Settings apps gets its own value for (infra keeps the catalog default). */
const APPS_OWN: Record<string, string> = {
  ROOK_CEPH_DEVICE_FILTER: '^sdb$',
  CEPH_DEVICE_CLASS: 'nvme',
  BGP_LOCAL_ASN: '64513',
  OPENEBS_LOCAL_SC: 'local-hostpath',
  OPENEBS_BASEPATH: '/var/mnt/local',
  BLOCK_STORAGE_CLASS: 'ceph-rbd',
};

let repo: string;
let platform: any;
const walks = new Map<Cluster, Map<string, FluxKs>>();

// ---------------------------------------------------------------------------------------------- lookups

const story = (id: string) => {
  const s = cat.byId.get(id);
  if (!s) throw new Error(`no story ${id} in the catalog`);
  return s;
};
const comp = (id: string) => {
  const e = cat.components.get(id);
  if (!e) throw new Error(`no component ${id} in the catalog`);
  return e.component;
};
const pcl = (c: Cluster) => platform.clusters[c];
const provider = (c: Cluster): string => pcl(c).secretStore.provider;

function walk(c: Cluster): Map<string, FluxKs> {
  const w = walks.get(c);
  if (!w) throw new Error(`cluster ${c} was not walked`);
  return w;
}

/** The build of Flux Kustomization `name` on cluster c (substituted with c's cluster-settings). */
function ks(c: Cluster, name: string): FluxKs {
  const k = walk(c).get(name);
  if (!k)
    throw new Error(`${c}: Flux Kustomization ${name} is not wired (wired: ${[...walk(c).keys()].sort().join(', ')})`);
  return k;
}

/** The Flux Kustomization object `name` itself, as its parent's build applies it. */
function fluxKs(c: Cluster, name: string): any {
  const k = ks(c, name);
  if (!k.parent) throw new Error(`${c}: ${name} is the sync root`);
  const o = ks(c, k.parent).objects.find((x) => isFluxKs(x) && x.metadata.name === name);
  if (!o) throw new Error(`${c}: ${k.parent} does not apply Flux Kustomization ${name}`);
  return o;
}

function obj(c: Cluster, ksName: string, kind: string, name: string): any {
  const objects = ks(c, ksName).objects;
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) {
    const have = objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ');
    throw new Error(`${c}: ${kind} ${name} is missing from Flux Kustomization ${ksName} (it has: ${have})`);
  }
  return o;
}

const allObjects = (c: Cluster): K8sObject[] => [...walk(c).values()].flatMap((k) => k.objects);

/** cluster-settings of c, as the entry point applies it. */
function settings(c: Cluster): Record<string, string> {
  return obj(c, 'flux-system', 'ConfigMap', 'cluster-settings').data;
}

/** Helm values of a chart component: the substituted values ConfigMap the HelmRelease reads. */
function values(c: Cluster, id: string): any {
  const hr = obj(c, id, 'HelmRelease', id);
  const ref = (hr.spec.valuesFrom ?? []).find((v: any) => v.kind === 'ConfigMap');
  if (!ref) throw new Error(`${c}: HelmRelease ${id} reads no values ConfigMap`);
  expect(ref.name, `${c}: ${id} values ConfigMap`).toMatch(new RegExp(`^${id}-values-[a-z0-9]+$`));
  return parse(obj(c, id, 'ConfigMap', ref.name).data['values.yaml']);
}

/** The component's chart is the catalog's: same source URL and pinned version. */
function expectCatalogChart(c: Cluster, id: string): void {
  const chart = comp(id).chart!;
  const hr = obj(c, id, 'HelmRelease', id);
  if (chart.repoType === 'oci') {
    expect(hr.spec.chartRef, `${c}/${id}`).toEqual({ kind: 'OCIRepository', name: id });
    const src = obj(c, id, 'OCIRepository', id);
    expect([src.spec.url, src.spec.ref.tag], `${c}/${id} chart`).toEqual([chart.url, chart.version]);
  } else {
    expect(hr.spec.chart.spec, `${c}/${id}`).toMatchObject({
      chart: chart.name,
      version: chart.version,
      sourceRef: { kind: 'HelmRepository', name: id },
    });
    expect(obj(c, id, 'HelmRepository', id).spec.url, `${c}/${id} chart`).toBe(chart.url);
  }
}

/** An ExternalSecret reading every field from store item `key` of the cluster's ClusterSecretStore. */
function expectExternalSecret(c: Cluster, ksName: string, name: string, key: string): any {
  const es = obj(c, ksName, 'ExternalSecret', name);
  expect(es.spec.secretStoreRef, `${c}: ExternalSecret ${name}`).toEqual({
    kind: 'ClusterSecretStore',
    name: provider(c),
  });
  const keys = [
    ...(es.spec.data ?? []).map((d: any) => d.remoteRef.key),
    ...(es.spec.dataFrom ?? []).map((d: any) => d.extract?.key),
  ];
  expect(keys.length, `${c}: ExternalSecret ${name} reads nothing`).toBeGreaterThan(0);
  expect([...new Set(keys)], `${c}: ExternalSecret ${name} store keys`).toEqual([key]);
  return es;
}

/** An HTTPRoute for `host` attached to the https listener of Gateway kube-system/<gateway>. */
function expectRoute(
  c: Cluster,
  ksName: string,
  name: string,
  host: string,
  gateway: 'external' | 'internal',
  backend?: { name: string; port?: number },
): any {
  const r = obj(c, ksName, 'HTTPRoute', name);
  expect(r.spec.hostnames, `${c}: HTTPRoute ${name} hostnames`).toEqual([host]);
  expect(r.spec.parentRefs, `${c}: HTTPRoute ${name} parent`).toHaveLength(1);
  expect(r.spec.parentRefs[0], `${c}: HTTPRoute ${name} parent`).toMatchObject({
    name: gateway,
    namespace: 'kube-system',
    sectionName: 'https',
  });
  if (backend)
    expect(
      r.spec.rules.flatMap((x: any) => x.backendRefs),
      `${c}: HTTPRoute ${name} backend`,
    ).toContainEqual(expect.objectContaining(backend));
  return r;
}

/** Every Flux dependsOn of the story's components names a Kustomization wired on the same cluster. */
function expectLocalDependsOn(c: Cluster, ids: string[]): void {
  for (const id of ids) {
    const deps: string[] = (fluxKs(c, id).spec.dependsOn ?? []).map((d: any) => d.name);
    expect(deps.sort(), `${c}/${id} dependsOn`).toEqual([...comp(id).dependsOn].sort());
    for (const d of deps) expect(walk(c).has(d), `${c}/${id} dependsOn ${d}, which is not wired on ${c}`).toBe(true);
  }
}

function expectHealthCheck(c: Cluster, id: string, kind: string, name: string): void {
  expect(fluxKs(c, id).spec.healthChecks ?? [], `${c}/${id} health checks`).toContainEqual(
    expect.objectContaining({ kind, name }),
  );
}

const nsLabels = (c: Cluster, ksName: string, ns: string): Record<string, string> =>
  obj(c, ksName, 'Namespace', ns).metadata.labels ?? {};

/** The component's namespace enforces Pod Security `level`. */
function expectPodSecurity(c: Cluster, ksName: string, ns: string, level: string): void {
  expect(nsLabels(c, ksName, ns)['pod-security.kubernetes.io/enforce'], `${c}: Namespace ${ns} Pod Security`).toBe(
    level,
  );
}

/** Values of infra that must never show up in apps' builds of per-cluster components. */
function infraOnlyValues(): string[] {
  const n = pcl('infra').network;
  const s = settings('infra');
  const own = Object.keys(APPS_OWN)
    .filter((k) => !['CEPH_DEVICE_CLASS', 'BLOCK_STORAGE_CLASS', 'BGP_LOCAL_ASN'].includes(k))
    .map((k) => s[k]);
  return [
    n.gatewayIps.external,
    n.gatewayIps.internal,
    n.podCidr,
    n.serviceCidr,
    s.LB_POOL_START,
    s.LB_POOL_END,
    s.COREDNS_CLUSTER_IP,
    'kubernetes/infra/',
    `*.${pcl('infra').domain}`,
    `clustermesh.${pcl('infra').domain}`,
    ...own,
  ];
}

function expectNoInfraValuesOnApps(ids: string[], opts: { domainAllowed?: boolean } = {}): void {
  const leaks = opts.domainAllowed ? infraOnlyValues() : [...infraOnlyValues(), pcl('infra').domain];
  for (const id of ids) {
    // comments of values files may name defaults; only data counts
    const text = ks('apps', id)
      .text.split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n');
    for (const v of leaks) expect(text.includes(v), `apps/${id} carries infra's ${v}`).toBe(false);
  }
}

// ---------------------------------------------------------------------------------------------- networks

const ipInt = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
const intIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
function cidr(c: string): [number, number] {
  const [ip, bits] = c.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipInt(ip) / size) * size;
  return [start, start + size - 1];
}
const overlap = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];
const rangeOf = (r: string): [number, number] => r.split('-').map(ipInt) as [number, number];

/** Memory quantity in bytes (Ki/Mi/Gi and k/M/G suffixes). */
function bytes(q: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const f: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? f[m[2]] : 1);
}

const read = (rel: string) => fs.readFileSync(path.join(repo, rel), 'utf8');
const readYaml = (rel: string) => parse(read(rel));

/** On which of infra/apps a component of a story is wired by default. */
function clustersOf(storyId: string, compId?: string): Cluster[] {
  const s = story(storyId);
  const narrowed = compId ? s.components.find((x) => x.id === compId)?.clusters : undefined;
  return CLUSTERS.filter((c) => s.clusters.includes(c) && (!narrowed || narrowed.includes(c)));
}

// ---------------------------------------------------------------------------------------------- per story

const checks: Record<string, () => void> = {};
const forClusters = (storyId: string, title: string, fn: (c: Cluster) => void, compId?: string) => {
  for (const c of clustersOf(storyId, compId)) it(`${c}: ${title}`, () => fn(c));
};

checks['STORY-BOOT-TALOS'] = () => {
  forClusters(
    'STORY-BOOT-TALOS',
    "talconfig lists every node of platform.yaml with its IP and install disk; endpoint and subnets are the cluster's",
    (c) => {
      const t = readYaml(`talos/${c}/talconfig.yaml`);
      const p = pcl(c);
      expect(t.clusterName).toBe(c);
      expect(t.endpoint).toBe(p.apiEndpoint);
      expect(t.clusterPodNets).toEqual([p.network.podCidr]);
      expect(t.clusterSvcNets).toEqual([p.network.serviceCidr]);
      expect(t.nodes.map((n: any) => [n.hostname, n.ipAddress, n.installDisk, n.controlPlane])).toEqual(
        p.nodes.map((n: any) => [n.name, n.ip, n.installDisk, n.controlPlane]),
      );
      expect(t.cniConfig).toEqual({ name: 'none' });
    },
  );
  forClusters(
    'STORY-BOOT-TALOS',
    'patches: CNI none, kube-proxy and Talos CoreDNS off, KubePrism 7445, OpenEBS base dir bind-mounted, unpacked layers kept',
    (c) => {
      const cl = readYaml(`talos/${c}/patches/cluster.yaml`).cluster;
      expect(cl.network.cni.name).toBe('none');
      expect(cl.proxy.disabled).toBe(true);
      expect(cl.coreDNS.disabled).toBe(true);
      const m = readYaml(`talos/${c}/patches/machine.yaml`).machine;
      expect(m.features.kubePrism).toEqual({ enabled: true, port: 7445 });
      expect(String(m.features.kubePrism.port)).toBe(settings(c).K8S_SERVICE_PORT);
      const base = pcl(c).settings.OPENEBS_BASEPATH;
      expect(m.kubelet.extraMounts).toContainEqual(
        expect.objectContaining({
          destination: base,
          source: base,
          type: 'bind',
          options: expect.arrayContaining(['rshared']),
        }),
      );
      expect(m.files.map((f: any) => f.content).join('\n')).toMatch(/discard_unpacked_layers\s*=\s*false/);
    },
  );
  it('Talos secrets and generated credentials are kept out of git', () => {
    const ignore = read('.gitignore').split('\n');
    for (const f of ['talsecret.yaml', 'talosconfig', 'kubeconfig']) expect(ignore, f).toContain(f);
    for (const c of CLUSTERS) {
      expect(fs.readdirSync(path.join(repo, 'talos', c)).sort()).toEqual(['patches', 'talconfig.yaml']);
      expect(read(`talos/${c}/talconfig.yaml`)).not.toMatch(/secretboxEncryptionSecret|bootstraptoken|-----BEGIN/i);
    }
  });
};

checks['STORY-BOOT-CRDS'] = () => {
  it('the CRD phase pins prometheus-operator-crds 24.0.1 and victoria-metrics-operator-crds 0.6.0 only', () => {
    const h = readYaml('bootstrap/crds/helmfile.yaml');
    expect(h.releases.map((r: any) => [r.name, r.chart, String(r.version)])).toEqual([
      ['prometheus-operator-crds', 'oci://ghcr.io/prometheus-community/charts/prometheus-operator-crds', '24.0.1'],
      [
        'victoria-metrics-operator-crds',
        'oci://ghcr.io/victoriametrics/helm-charts/victoria-metrics-operator-crds',
        '0.6.0',
      ],
    ]);
    // CRDs that component charts install themselves are not duplicated
    const text = h.releases.map((r: any) => r.chart).join(' ');
    for (const own of ['cert-manager', 'cloudnative-pg', 'rook', 'external-secrets'])
      expect(text, own).not.toContain(own);
  });
  it('Gateway API standard channel plus TLSRoute at v1.3.0, one copy for every cluster', () => {
    const k = readYaml('bootstrap/crds/kustomization.yaml');
    expect(k.resources).toHaveLength(2);
    expect(k.resources[0]).toBe(
      'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.3.0/standard-install.yaml',
    );
    expect(k.resources[1]).toMatch(
      /gateway-api\/v1\.3\.0\/config\/crd\/experimental\/gateway\.networking\.k8s\.io_tlsroutes\.yaml$/,
    );
    for (const c of CLUSTERS) expect(fs.existsSync(path.join(repo, 'bootstrap', c, 'crds')), c).toBe(false);
  });
};

checks['STORY-BOOT-CORE'] = () => {
  const order = ['cilium', 'coredns', 'external-secrets', 'flux-operator', 'flux-instance'];
  forClusters(
    'STORY-BOOT-CORE',
    'helmfile installs cilium -> coredns -> external-secrets -> flux-operator -> flux-instance with needs',
    (c) => {
      const h = readYaml(`bootstrap/${c}/helmfile.yaml`);
      expect(h.releases.map((r: any) => r.name)).toEqual(order);
      h.releases.forEach((r: any, i: number) => {
        if (i === 0) expect(r.needs ?? []).toEqual([]);
        else expect(r.needs, r.name).toEqual([`${h.releases[i - 1].namespace}/${h.releases[i - 1].name}`]);
      });
    },
  );
  forClusters(
    'STORY-BOOT-CORE',
    'release names, namespaces, chart versions and rendered values equal the Flux HelmReleases',
    (c) => {
      const h = readYaml(`bootstrap/${c}/helmfile.yaml`);
      for (const r of h.releases) {
        const cc = comp(r.name);
        expect([r.namespace, r.chart, String(r.version)], r.name).toEqual([
          cc.namespace,
          cc.chart!.url,
          cc.chart!.version,
        ]);
        expect(fluxKs(c, r.name).spec.targetNamespace, r.name).toBe(r.namespace);
        expect(obj(c, r.name, 'HelmRelease', r.name).spec.releaseName ?? r.name, r.name).toBe(r.name);
        expectCatalogChart(c, r.name);
        // the release's values are the Flux component's own values file; bootstrap.sh substitutes the settings
        expect(r.values, r.name).toEqual([`../../${componentDir(cc)}/app/helm-values.yaml`]);
        const out = path.join(tmpDir(), `render-${c}`);
        const rr = spawnSync('bash', ['bootstrap/bootstrap.sh', c, '--render-values', out], {
          cwd: repo,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(rr.status, rr.stderr).toBe(0);
        expect(
          parse(fs.readFileSync(path.resolve(out, 'bootstrap', c, r.values[0]), 'utf8')),
          `${c}: bootstrap values of ${r.name}`,
        ).toEqual(values(c, r.name));
      }
    },
  );
  it('the secret-store access token is never written to git', () => {
    for (const c of CLUSTERS) {
      for (const r of readYaml(`bootstrap/${c}/helmfile.yaml`).releases) {
        const f = path.join('bootstrap', c, r.values[0]);
        expect(read(f), f).not.toMatch(/kind:\s*Secret|connect-token:|token:\s*\S/);
      }
    }
    expect(read('bootstrap/README.md')).toMatch(/secret-store-credentials/);
  });
};

checks['STORY-GITOPS-SELF-MGMT-FLUX'] = () => {
  forClusters(
    'STORY-GITOPS-SELF-MGMT-FLUX',
    "FluxInstance flux syncs kubernetes/clusters/<cluster> from the cluster's git url and branch",
    (c) => {
      const s = settings(c);
      expect([s.GIT_URL, s.GIT_BRANCH]).toEqual([pcl(c).git.url, pcl(c).git.branch]);
      const sync = values(c, 'flux-instance').instance.sync;
      expect(sync).toMatchObject({
        kind: 'GitRepository',
        url: pcl(c).git.url,
        ref: `refs/heads/${pcl(c).git.branch}`,
        path: `kubernetes/clusters/${c}`,
      });
      expect(ks(c, 'flux-system').path.replace(/^\.\//, '')).toBe(sync.path);
      expectHealthCheck(c, 'flux-instance', 'FluxInstance', 'flux');
    },
  );
  forClusters(
    'STORY-GITOPS-SELF-MGMT-FLUX',
    'one owner of the sync objects; flux-operator and flux-instance run with prune off',
    (c) => {
      const objects = allObjects(c);
      expect(objects.filter((o) => o.kind === 'GitRepository' && o.metadata.name === 'flux-system')).toEqual([]);
      expect(
        objects.filter((o) => isFluxKs(o) && String(o.spec!.path).replace(/^\.\//, '') === `kubernetes/clusters/${c}`),
      ).toEqual([]);
      for (const id of ['flux-operator', 'flux-instance']) {
        expect(fluxKs(c, id).spec.prune, id).toBe(false);
        expectCatalogChart(c, id);
      }
    },
  );
  forClusters(
    'STORY-GITOPS-SELF-MGMT-FLUX',
    'every Flux Kustomization the entry point reaches depends only on names that exist',
    (c) => {
      for (const k of walk(c).values())
        for (const d of k.dependsOn) expect(walk(c).has(d), `${c}/${k.name} dependsOn ${d}`).toBe(true);
    },
  );
};

checks['STORY-SEC-EXTERNAL-SECRETS-BASE'] = () => {
  forClusters(
    'STORY-SEC-EXTERNAL-SECRETS-BASE',
    "ClusterSecretStore is named after secretStore.provider and talks to the cluster's endpoint and vault",
    (c) => {
      const p = provider(c);
      expect(ks(c, 'cluster-secret-store').path).toBe(
        `./kubernetes/infrastructure/security/cluster-secret-store/variants/${p}`,
      );
      const store = obj(c, 'cluster-secret-store', 'ClusterSecretStore', p);
      expect(Object.keys(store.spec.provider)).toEqual([p]);
      const s = settings(c);
      expect(store.spec.provider.onepassword.connectHost).toBe(s.SECRET_STORE_ENDPOINT);
      expect(Object.keys(store.spec.provider.onepassword.vaults)).toEqual([s.SECRET_STORE_VAULT]);
      // the credential is a bootstrap Secret in external-secrets, referenced, never inline
      expect(store.spec.provider.onepassword.auth.secretRef.connectTokenSecretRef).toMatchObject({
        name: 'secret-store-credentials',
        namespace: 'external-secrets',
      });
      expectHealthCheck(c, 'cluster-secret-store', 'ClusterSecretStore', p);
    },
  );
  it('every provider variant builds a ClusterSecretStore named after the variant', () => {
    const dir = path.join(repo, 'kubernetes/infrastructure/security/cluster-secret-store/variants');
    const variants = fs.readdirSync(dir);
    expect(variants.length).toBeGreaterThanOrEqual(6);
    const builds = kustomizeMany(
      repo,
      variants.map((v) => path.join(dir, v)),
    ); // one kubectl run for every variant
    for (const v of variants) {
      // infra's settings are its own provider's; another variant's variables get the story's defaults.
      const defaults = Object.fromEntries(
        cat.byId.get('STORY-SEC-EXTERNAL-SECRETS-BASE')!.variables.map((d) => [d.name, d.default]),
      );
      const sub = substituteText(builds.get(path.join(dir, v))!.text, {
        ...defaults,
        ...settings('infra'),
        EXTERNAL_SECRET_STORE: v,
      });
      expect(sub.unresolved, v).toEqual([]);
      const stores = parseAllObjects(sub.text).filter((o) => o.kind === 'ClusterSecretStore');
      expect(
        stores.map((o) => o.metadata.name),
        v,
      ).toEqual([v]);
    }
  });
  forClusters(
    'STORY-SEC-EXTERNAL-SECRETS-BASE',
    'ExternalSecret flux-system/cluster-secrets syncs from that store; PrometheusRule external-secrets alerts',
    (c) => {
      const es = expectExternalSecret(c, 'flux-system', 'cluster-secrets', `kubernetes/${c}/cluster-secrets`);
      expect(es.metadata.namespace).toBe('flux-system');
      const alerts = obj(c, 'cluster-secret-store', 'PrometheusRule', 'external-secrets').spec.groups.flatMap(
        (g: any) => g.rules,
      );
      expect(
        alerts.some((r: any) => /absent\(up\{job="external-secrets/.test(r.expr)),
        'operator down alert',
      ).toBe(true);
      expect(
        alerts.some((r: any) => /externalsecret_(status_condition|sync_calls_error)/.test(r.expr)),
        'sync error alert',
      ).toBe(true);
    },
  );
};

checks['STORY-OPS-RELOADER-ALL-CLUSTERS'] = () => {
  forClusters(
    'STORY-OPS-RELOADER-ALL-CLUSTERS',
    'reloader: 2 replicas with leader election, read-only root fs, PodMonitor, in kube-system, chart pinned',
    (c) => {
      const v = values(c, 'reloader');
      expect(v.fullnameOverride).toBe('reloader');
      expect(v.reloader.deployment.replicas).toBe(2);
      expect(v.reloader.enableHA).toBe(true);
      expect(v.reloader.readOnlyRootFileSystem).toBe(true);
      expect(v.reloader.podMonitor.enabled).toBe(true);
      expect(fluxKs(c, 'reloader').spec.targetNamespace).toBe('kube-system');
      expectHealthCheck(c, 'reloader', 'Deployment', 'reloader');
      expectCatalogChart(c, 'reloader');
    },
  );
  forClusters('STORY-OPS-RELOADER-ALL-CLUSTERS', 'PDB reloader keeps one replica (minAvailable 1)', (c) => {
    const pdb = obj(c, 'reloader', 'PodDisruptionBudget', 'reloader');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('reloader');
  });
};

checks['STORY-BOOT-AUTOMATION-ALIGN'] = () => {
  it('bootstrap.sh <cluster> --dry-run prints the talos -> crds -> core -> flux -> verify commands and changes nothing', () => {
    const before = snapshot(repo);
    const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'infra', '--dry-run'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BOOTSTRAP_KUBECONFIG: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    const steps = [
      '(cd talos/infra && talhelper genconfig)',
      'helmfile --file bootstrap/crds/helmfile.yaml template --include-crds',
      'helmfile --file bootstrap/infra/helmfile.yaml sync',
      'wait fluxinstance/flux --for condition=Ready --timeout',
      'wait kustomizations.kustomize.toolkit.fluxcd.io --all --for condition=Ready',
    ];
    let at = -1;
    for (const s of steps) {
      const i = out.indexOf(s, at + 1);
      expect(i, `dry run does not print: ${s}`).toBeGreaterThan(at);
      at = i;
    }
    for (const n of pcl('infra').nodes) expect(out).toContain(`talosctl apply-config --insecure --nodes ${n.ip}`);
    for (const line of out.trim().split('\n'))
      expect(line, 'every printed step is marked as dry run').toMatch(/^\[dry-run\] /);
    expect(r.stderr).toMatch(/phase talos[\s\S]*phase crds[\s\S]*phase core[\s\S]*phase flux[\s\S]*phase verify/);
    expect(snapshot(repo)).toEqual(before);
  });
  it('the automation names only files, targets and Flux objects that exist in the repository', () => {
    const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'apps', '--dry-run'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    for (const f of new Set(r.stdout.match(/bootstrap\/[\w./-]+\.yaml/g) ?? []))
      expect(fs.existsSync(path.join(repo, f)), f).toBe(true);
    // FluxInstance flux is the one flux-instance health-checks; the credential is the one the store reads
    expect(comp('flux-instance').healthChecks).toContainEqual(
      expect.objectContaining({ kind: 'FluxInstance', name: 'flux' }),
    );
    const ref = obj('apps', 'cluster-secret-store', 'ClusterSecretStore', provider('apps')).spec.provider.onepassword
      .auth.secretRef.connectTokenSecretRef;
    expect(r.stdout).toContain(`--namespace ${ref.namespace} get secret ${ref.name}`);
    const bad = spawnSync('bash', ['bootstrap/bootstrap.sh', 'nosuchcluster', '--dry-run'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('unknown cluster');
  });
  it('documented entry point and a CI job that dry-runs, renders the helmfiles and builds every Kustomization', () => {
    const readme = read('bootstrap/README.md');
    expect(readme).toContain('bootstrap/bootstrap.sh <cluster> --dry-run');
    for (const p of ['talos', 'crds', 'core', 'flux', 'verify']) expect(readme).toContain(`| \`${p}\` |`);
    const wf = readYaml('.github/workflows/bootstrap-dry-run.yaml');
    const run = Object.values(wf.jobs)
      .flatMap((j: any) => j.steps.map((s: any) => s.run ?? ''))
      .join('\n');
    expect(run).toContain('bash bootstrap/bootstrap.sh "$cluster" --dry-run');
    expect(run).toMatch(/helmfile --file "\$file" template/);
    expect(run).toMatch(/kubectl kustomize "\$dir"/);
  });
};

checks['STORY-NET-CILIUM-CORE-GITOPS'] = () => {
  forClusters(
    'STORY-NET-CILIUM-CORE-GITOPS',
    'HelmRelease cilium adopts the bootstrap release: same name, namespace and chart version',
    (c) => {
      const rel = readYaml(`bootstrap/${c}/helmfile.yaml`).releases.find((r: any) => r.name === 'cilium');
      expect(obj(c, 'cilium', 'HelmRelease', 'cilium').spec.releaseName).toBe(rel.name);
      expect(fluxKs(c, 'cilium').spec.targetNamespace).toBe(rel.namespace);
      expect(obj(c, 'cilium', 'OCIRepository', 'cilium').spec.ref.tag).toBe(String(rel.version));
      expectCatalogChart(c, 'cilium');
    },
  );
  forClusters(
    'STORY-NET-CILIUM-CORE-GITOPS',
    "values use the cluster's CLUSTER_NAME, CLUSTER_ID, POD_CIDR and KubePrism endpoint",
    (c) => {
      const v = values(c, 'cilium');
      const s = settings(c);
      expect(v.cluster).toEqual({ name: c, id: pcl(c).clusterId });
      expect([s.CLUSTER_NAME, s.CLUSTER_ID]).toEqual([c, String(pcl(c).clusterId)]);
      expect(v.ipv4NativeRoutingCIDR).toBe(pcl(c).network.podCidr);
      expect(v.k8sServiceHost).toBe(s.K8S_SERVICE_HOST);
      expect(v.k8sServicePort).toBe(Number(s.K8S_SERVICE_PORT));
      expect(v.kubeProxyReplacement).toBe(true);
    },
  );
  forClusters(
    'STORY-NET-CILIUM-CORE-GITOPS',
    'ks cilium health-checks DaemonSet cilium and Deployment cilium-operator, prune off; nothing waits on its own subtree',
    (c) => {
      const k = fluxKs(c, 'cilium');
      expect(k.spec.prune).toBe(false);
      expectHealthCheck(c, 'cilium', 'DaemonSet', 'cilium');
      expectHealthCheck(c, 'cilium', 'Deployment', 'cilium-operator');
      for (const x of walk(c).values())
        for (const d of x.dependsOn)
          expect(subtree(walk(c), x.name).has(d), `${c}/${x.name} waits on ${d}`).toBe(false);
    },
  );
};

checks['STORY-NET-CILIUM-IPAM'] = () => {
  forClusters(
    'STORY-NET-CILIUM-IPAM',
    "exactly one pool, one block from the cluster's own LB_POOL_START/LB_POOL_END, no serviceSelector",
    (c) => {
      const s = settings(c);
      const [start, end] = pcl(c).network.loadBalancerRange.split('-');
      expect([s.LB_POOL_START, s.LB_POOL_END]).toEqual([start, end]);
      const pools = allObjects(c).filter((o) => o.kind === 'CiliumLoadBalancerIPPool');
      expect(pools.map((o) => o.metadata.name)).toEqual(['lb-pool']);
      const pool = obj(c, 'cilium-lb-ipam', 'CiliumLoadBalancerIPPool', 'lb-pool');
      expect(pool.apiVersion).toBe('cilium.io/v2');
      expect(pool.spec.blocks).toEqual([{ start: s.LB_POOL_START, stop: s.LB_POOL_END }]);
      expect(pool.spec.serviceSelector).toBeUndefined();
    },
  );
  forClusters(
    'STORY-NET-CILIUM-IPAM',
    'L2 announcement of load-balancer IPs on LB_L2_INTERFACES; Cilium l2announcements on; ks dependsOn cilium',
    (c) => {
      const pol = obj(c, 'cilium-lb-ipam', 'CiliumL2AnnouncementPolicy', 'lb-pool');
      expect(pol.spec.loadBalancerIPs).toBe(true);
      expect(pol.spec.interfaces).toEqual([settings(c).LB_L2_INTERFACES]);
      expect(values(c, 'cilium').l2announcements.enabled).toBe(true);
      expect(fluxKs(c, 'cilium-lb-ipam').spec.dependsOn).toContainEqual({ name: 'cilium' });
    },
  );
  it("the clusters' pools do not overlap and apps carries none of infra's range", () => {
    expect(
      overlap(rangeOf(pcl('infra').network.loadBalancerRange), rangeOf(pcl('apps').network.loadBalancerRange)),
    ).toBe(false);
    expectNoInfraValuesOnApps(['cilium-lb-ipam']);
  });
};

checks['STORY-NET-CILIUM-GATEWAY'] = () => {
  forClusters(
    'STORY-NET-CILIUM-GATEWAY',
    'GatewayClass cilium; Gateways external (https for *.<PUBLIC_DNS_ZONE>) and internal (https for ' +
      "*.<domain>) on the cluster's gateway IPs with http 80 and https 443",
    (c) => {
      expect(obj(c, 'cilium-gateway', 'GatewayClass', 'cilium').spec.controllerName).toBe(
        'io.cilium/gateway-controller',
      );
      expect(values(c, 'cilium').gatewayAPI.enabled).toBe(true);
      const ips = pcl(c).network.gatewayIps;
      const s = settings(c);
      expect([s.GATEWAY_IP_EXTERNAL, s.GATEWAY_IP_INTERNAL]).toEqual([ips.external, ips.internal]);
      for (const [name, ip] of [
        ['external', ips.external],
        ['internal', ips.internal],
      ]) {
        const g = obj(c, 'cilium-gateway', 'Gateway', name);
        expect(g.spec.gatewayClassName).toBe('cilium');
        expect(g.spec.addresses, name).toEqual([{ type: 'IPAddress', value: ip }]);
        const http = g.spec.listeners.find((l: any) => l.name === 'http');
        const https = g.spec.listeners.find((l: any) => l.name === 'https');
        expect([http.protocol, http.port], name).toEqual(['HTTP', 80]);
        expect([https.protocol, https.port, https.hostname], name).toEqual([
          'HTTPS',
          443,
          `*.${name === 'external' ? s.PUBLIC_DNS_ZONE : pcl(c).domain}`,
        ]);
        expect(https.tls.certificateRefs, name).toEqual([
          expect.objectContaining({ kind: 'Secret', name: 'wildcard-tls' }),
        ]);
        expect(https.allowedRoutes.namespaces.from, name).toBe('All');
        expectHealthCheck(c, 'cilium-gateway', 'Gateway', name);
      }
      expect(
        obj(c, 'cilium-gateway', 'Gateway', 'internal').spec.infrastructure.annotations['lbipam.cilium.io/sharing-key'],
      ).toBe('internal');
    },
  );
  forClusters(
    'STORY-NET-CILIUM-GATEWAY',
    'HTTPRoute https-redirect on both http listeners redirects with 301 to https',
    (c) => {
      const r = obj(c, 'cilium-gateway', 'HTTPRoute', 'https-redirect');
      expect(r.spec.parentRefs.map((p: any) => [p.name, p.namespace, p.sectionName]).sort()).toEqual([
        ['external', 'kube-system', 'http'],
        ['internal', 'kube-system', 'http'],
      ]);
      expect(r.spec.rules.flatMap((x: any) => x.filters)).toEqual([
        { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } },
      ]);
    },
  );
  it("apps' Gateways carry none of infra's addresses or domain", () => expectNoInfraValuesOnApps(['cilium-gateway']));
};

checks['STORY-DNS-COREDNS-BASE'] = () => {
  forClusters(
    'STORY-DNS-COREDNS-BASE',
    "Service kube-dns on COREDNS_CLUSTER_IP, the 10th address of the cluster's service CIDR (kubelet clusterDNS)",
    (c) => {
      const v = values(c, 'coredns');
      const ip = settings(c).COREDNS_CLUSTER_IP;
      const [lo, hi] = cidr(pcl(c).network.serviceCidr);
      expect(ipInt(ip) >= lo && ipInt(ip) <= hi, `${ip} in ${pcl(c).network.serviceCidr}`).toBe(true);
      expect(ip).toBe(intIp(lo + 10));
      expect(v.service).toEqual({ name: 'kube-dns', clusterIP: ip });
      expect(v.k8sAppLabelOverride).toBe('kube-dns');
      expect(readYaml(`talos/${c}/talconfig.yaml`).clusterSvcNets).toEqual([pcl(c).network.serviceCidr]);
    },
  );
  forClusters(
    'STORY-DNS-COREDNS-BASE',
    '2 replicas on control-plane nodes; ks coredns health-checks Deployment coredns with prune off and substitutes fully',
    (c) => {
      const v = values(c, 'coredns');
      expect(v.replicaCount).toBe(2);
      expect(
        v.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions,
      ).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' });
      expect(v.tolerations).toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane' }));
      expect(fluxKs(c, 'coredns').spec.prune).toBe(false);
      expectHealthCheck(c, 'coredns', 'Deployment', 'coredns');
      expect(fluxKs(c, 'coredns').spec.postBuild.substituteFrom).toContainEqual({
        kind: 'ConfigMap',
        name: 'cluster-settings',
      });
      expect(ks(c, 'coredns').unresolved).toEqual([]);
      expectCatalogChart(c, 'coredns');
    },
  );
};

checks['STORY-SEC-CERT-MANAGER-ISSUERS'] = () => {
  forClusters(
    'STORY-SEC-CERT-MANAGER-ISSUERS',
    'cert-manager by Flux with CRDs, Gateway API, ServiceMonitor and public DNS-01 resolvers; three Deployments health-checked',
    (c) => {
      const v = values(c, 'cert-manager');
      expect(v.crds.enabled).toBe(true);
      expect(v.config.enableGatewayAPI).toBe(true);
      expect(v.prometheus.servicemonitor.enabled).toBe(true);
      expect(v.dns01RecursiveNameserversOnly).toBe(true);
      expect(v.dns01RecursiveNameservers).toMatch(/^\d+\.\d+\.\d+\.\d+:53(,\d+\.\d+\.\d+\.\d+:53)*$/);
      for (const d of ['cert-manager', 'cert-manager-webhook', 'cert-manager-cainjector'])
        expectHealthCheck(c, 'cert-manager', 'Deployment', d);
      expectCatalogChart(c, 'cert-manager');
    },
  );
  forClusters(
    'STORY-SEC-CERT-MANAGER-ISSUERS',
    'staging and production ClusterIssuers: ACME email, Cloudflare DNS-01 limited to the cluster domain and the public zone, token via ExternalSecret',
    (c) => {
      const s = settings(c);
      for (const [name, server] of [
        ['letsencrypt-staging', /acme-staging-v02\.api\.letsencrypt\.org/],
        ['letsencrypt-production', /^https:\/\/acme-v02\.api\.letsencrypt\.org\/directory$/],
      ] as const) {
        const acme = obj(c, 'cert-manager-issuers', 'ClusterIssuer', name).spec.acme;
        expect(acme.server, name).toMatch(server);
        expect(acme.email, name).toBe(s.CERT_MANAGER_ACME_EMAIL);
        expect(acme.solvers, name).toEqual([
          {
            dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-api-token', key: 'api-token' } } },
            selector: { dnsZones: [pcl(c).domain, s.PUBLIC_DNS_ZONE] },
          },
        ]);
      }
      const es = expectExternalSecret(c, 'cert-manager-issuers', 'cloudflare-api-token', `kubernetes/${c}/cloudflare`);
      expect(es.spec.data).toEqual([
        expect.objectContaining({
          secretKey: 'api-token',
          remoteRef: { key: `kubernetes/${c}/cloudflare`, property: 'api-token' },
        }),
      ]);
      expect(es.spec.target.name).toBe('cloudflare-api-token');
      const alerts = obj(c, 'cert-manager-issuers', 'PrometheusRule', 'cert-manager')
        .spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr))
        .join('\n');
      expect(alerts).toMatch(/absent\(up\{job="cert-manager"/);
      expect(alerts).toMatch(/< 14 \* 24 \* 3600/);
    },
  );
  forClusters(
    'STORY-SEC-CERT-MANAGER-ISSUERS',
    'Certificate kube-system/wildcard-tls for <domain>, *.<domain> and *.<PUBLIC_DNS_ZONE> from letsencrypt-production, served by both Gateways',
    (c) => {
      const cert = obj(c, 'wildcard-certificate', 'Certificate', 'wildcard-tls');
      expect(cert.spec.dnsNames).toEqual([pcl(c).domain, `*.${pcl(c).domain}`, `*.${settings(c).PUBLIC_DNS_ZONE}`]);
      expect(cert.spec.issuerRef).toMatchObject({ kind: 'ClusterIssuer', name: 'letsencrypt-production' });
      expect(cert.spec.secretName).toBe('wildcard-tls');
      expect(fluxKs(c, 'wildcard-certificate').spec.targetNamespace).toBe(
        fluxKs(c, 'cilium-gateway').spec.targetNamespace,
      );
      expect(fluxKs(c, 'wildcard-certificate').spec.targetNamespace).toBe('kube-system');
      for (const g of ['external', 'internal']) {
        const https = obj(c, 'cilium-gateway', 'Gateway', g).spec.listeners.find((l: any) => l.port === 443);
        expect(https.tls.certificateRefs[0].name, g).toBe(cert.spec.secretName);
      }
    },
  );
  it("apps' issuers and certificate carry none of infra's domain", () =>
    expectNoInfraValuesOnApps(['cert-manager-issuers', 'wildcard-certificate']));
};

checks['STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL'] = () => {
  forClusters(
    'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL',
    'external-dns-cloudflare: proxied records of Gateway kube-system/external in zone PUBLIC_DNS_ZONE to the tunnel, owner <cluster>-public',
    (c) => {
      const v = values(c, 'external-dns-cloudflare');
      const s = settings(c);
      expect(v.provider.name).toBe('cloudflare');
      expect(v.sources).toEqual(['gateway-httproute']);
      expect(v.gatewayNamespace).toBe('kube-system');
      expect(v.extraArgs).toEqual(
        expect.arrayContaining([
          '--gateway-name=external',
          '--cloudflare-proxied',
          `--default-targets=${s.CLOUDFLARE_TUNNEL_ID}.cfargotunnel.com`,
        ]),
      );
      expect(v.domainFilters).toEqual([s.PUBLIC_DNS_ZONE]);
      expect([v.txtOwnerId, v.txtPrefix]).toEqual([`${c}-public`, s.EXTERNAL_DNS_TXT_PREFIX]);
      expect(v.serviceMonitor.enabled).toBe(true);
      expect(v.env).toContainEqual({
        name: 'CF_API_TOKEN',
        valueFrom: { secretKeyRef: { name: 'external-dns-cloudflare', key: 'CF_API_TOKEN' } },
      });
      const es = expectExternalSecret(
        c,
        'external-dns-cloudflare',
        'external-dns-cloudflare',
        `kubernetes/${c}/cloudflare`,
      );
      expect(es.spec.data).toEqual([
        expect.objectContaining({
          secretKey: 'CF_API_TOKEN',
          remoteRef: expect.objectContaining({ property: 'api-token' }),
        }),
      ]);
      obj(c, 'external-dns-cloudflare', 'PrometheusRule', 'external-dns-cloudflare');
      expectCatalogChart(c, 'external-dns-cloudflare');
    },
  );
  forClusters(
    'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL',
    'external-dns-rfc2136: both Gateways of kube-system and DNSEndpoints to RFC2136_HOST, zone INTERNAL_DNS_ZONE, TSIG hmac-sha256, owner <cluster>-internal',
    (c) => {
      const v = values(c, 'external-dns-rfc2136');
      const s = settings(c);
      expect(v.provider.name).toBe('rfc2136');
      expect(v.sources).toEqual(['gateway-httproute', 'crd']);
      expect(v.gatewayNamespace).toBe('kube-system');
      expect(v.extraArgs).toEqual(
        expect.arrayContaining([
          `--rfc2136-host=${s.RFC2136_HOST}`,
          `--rfc2136-zone=${s.INTERNAL_DNS_ZONE}`,
          `--rfc2136-tsig-keyname=${s.RFC2136_TSIG_KEYNAME}`,
          '--rfc2136-tsig-secret-alg=hmac-sha256',
        ]),
      );
      expect(v.extraArgs.filter((a: string) => a.startsWith('--gateway-name'))).toEqual([]);
      expect(v.domainFilters).toEqual([s.INTERNAL_DNS_ZONE]);
      expect([v.txtOwnerId, v.txtPrefix]).toEqual([`${c}-internal`, s.EXTERNAL_DNS_TXT_PREFIX]);
      expect(v.serviceMonitor.enabled).toBe(true);
      expectExternalSecret(c, 'external-dns-rfc2136', 'external-dns-rfc2136', `kubernetes/${c}/rfc2136`);
      obj(c, 'external-dns-rfc2136', 'PrometheusRule', 'external-dns-rfc2136');
      expectCatalogChart(c, 'external-dns-rfc2136');
    },
  );
  it("TXT owners differ between the clusters, so they never delete each other's records", () => {
    const owners = CLUSTERS.flatMap((c) =>
      ['external-dns-cloudflare', 'external-dns-rfc2136'].map((id) => values(c, id).txtOwnerId),
    );
    expect(new Set(owners).size).toBe(owners.length);
    expectNoInfraValuesOnApps(['external-dns-cloudflare', 'external-dns-rfc2136', 'cloudflared']);
  });
  forClusters(
    'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL',
    'cloudflared: 2 replicas over QUIC forward *.<PUBLIC_DNS_ZONE> to cilium-gateway-external, /ready probe, reloader, ServiceMonitor, PDB',
    (c) => {
      const cfg = parse(obj(c, 'cloudflared', 'ConfigMap', 'cloudflared').data['config.yaml']);
      const d = settings(c).PUBLIC_DNS_ZONE;
      expect(cfg.originRequest).toEqual({ originServerName: d, matchSNItoHost: true });
      expect(cfg.ingress).toEqual([
        { hostname: `*.${d}`, service: 'https://cilium-gateway-external.kube-system.svc.cluster.local' },
        { service: 'http_status:404' },
      ]);
      const ctl = values(c, 'cloudflared').controllers.cloudflared;
      expect(ctl.replicas).toBe(2);
      expect(ctl.annotations['reloader.stakater.com/auto']).toBe('true');
      const app = ctl.containers.app;
      expect(app.image.repository).toMatch(/cloudflare\/cloudflared$/);
      expect(String(app.image.tag)).toMatch(/^\d{4}\.\d+\.\d+$/);
      expect(app.env.TUNNEL_TRANSPORT_PROTOCOL).toBe('quic');
      expect(app.probes.readiness.spec.httpGet).toEqual({ path: '/ready', port: 8080 });
      expect(app.envFrom).toEqual([{ secretRef: { name: 'cloudflared' } }]);
      expect(values(c, 'cloudflared').serviceMonitor.app.endpoints[0].path).toBe('/metrics');
      expect(obj(c, 'cloudflared', 'PodDisruptionBudget', 'cloudflared').spec.minAvailable).toBe(1);
      expectExternalSecret(c, 'cloudflared', 'cloudflared', `kubernetes/${c}/cloudflared`);
      obj(c, 'cloudflared', 'PrometheusRule', 'cloudflared');
      expectCatalogChart(c, 'cloudflared');
    },
  );
};

checks['STORY-STO-ROOK-CEPH-OPERATOR'] = () => {
  forClusters(
    'STORY-STO-ROOK-CEPH-OPERATOR',
    'rook-ceph-operator: privileged namespace rook-ceph, CRDs, CSI RBD and CephFS, monitoring, resources; chart pinned',
    (c) => {
      expectPodSecurity(c, 'rook-ceph-operator', 'rook-ceph', 'privileged');
      const v = values(c, 'rook-ceph-operator');
      expect(v.crds.enabled).toBe(true);
      expect([v.csi.enableRbdDriver, v.csi.enableCephfsDriver]).toEqual([true, true]);
      expect(v.monitoring.enabled).toBe(true);
      expect(v.resources.requests).toBeDefined();
      expect(v.resources.limits).toBeDefined();
      expect(fluxKs(c, 'rook-ceph-operator').spec.targetNamespace).toBe('rook-ceph');
      expectCatalogChart(c, 'rook-ceph-operator');
    },
  );
  forClusters(
    'STORY-STO-ROOK-CEPH-OPERATOR',
    'ks rook-ceph-operator dependsOn cilium, health-checks the operator; metrics scraped and alert rule loaded',
    (c) => {
      expect(fluxKs(c, 'rook-ceph-operator').spec.dependsOn).toEqual([{ name: 'cilium' }]);
      expectHealthCheck(c, 'rook-ceph-operator', 'Deployment', 'rook-ceph-operator');
      const alerts = obj(c, 'rook-ceph-operator', 'PrometheusRule', 'rook-ceph-operator').spec.groups.flatMap(
        (g: any) => g.rules.map((r: any) => r.alert),
      );
      expect(alerts).toEqual(expect.arrayContaining(['RookOperatorUnavailable']));
      expect(alerts.some((a: string) => /CSI/.test(a))).toBe(true);
      const sm = obj(c, 'rook-ceph-operator', 'ServiceMonitor', 'rook-ceph-operator');
      const svc = obj(c, 'rook-ceph-operator', 'Service', 'rook-ceph-operator-metrics');
      expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
      expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    },
  );
};

function cephClusterChecks(c: Cluster): void {
  const s = settings(c);
  const cc = obj(c, 'rook-ceph-cluster', 'CephCluster', 'rook-ceph').spec;
  expect(cc.cephVersion.image).toBe(s.CEPH_IMAGE);
  expect([cc.mon.count, cc.mgr.count, cc.dashboard.enabled, cc.dataDirHostPath]).toEqual([3, 2, true, '/var/lib/rook']);
  expect(cc.storage.useAllNodes).toBe(true);
  expect(cc.storage.deviceFilter).toBe(s.ROOK_CEPH_DEVICE_FILTER);
  expect(cc.storage.nodes, 'no node names hard-coded').toBeUndefined();
  expect(cc.monitoring.enabled).toBe(true);
  const pool = obj(c, 'rook-ceph-cluster', 'CephBlockPool', 'ceph-block').spec;
  expect([pool.replicated.size, pool.failureDomain, pool.deviceClass]).toEqual([3, 'host', s.CEPH_DEVICE_CLASS]);
  const sc = obj(c, 'rook-ceph-cluster', 'StorageClass', s.BLOCK_STORAGE_CLASS);
  expect([sc.provisioner, sc.parameters.pool, sc.volumeBindingMode, sc.reclaimPolicy, sc.allowVolumeExpansion]).toEqual(
    ['rook-ceph.rbd.csi.ceph.com', 'ceph-block', 'Immediate', 'Delete', true],
  );
  expect(obj(c, 'rook-ceph-cluster', 'Deployment', 'rook-ceph-tools').spec.template.spec.containers[0].image).toBe(
    s.CEPH_IMAGE,
  );
  obj(c, 'rook-ceph-cluster', 'PrometheusRule', 'rook-ceph-cluster');
  expectHealthCheck(c, 'rook-ceph-cluster', 'CephCluster', 'rook-ceph');
  expectHealthCheck(c, 'rook-ceph-cluster', 'CephBlockPool', 'ceph-block');
}

checks['STORY-STO-ROOK-CEPH-CLUSTER'] = () => {
  forClusters(
    'STORY-STO-ROOK-CEPH-CLUSTER',
    'CephCluster (CEPH_IMAGE, 3 mons, 2 mgrs, all nodes by device filter), 3x block pool, StorageClass BLOCK_STORAGE_CLASS, toolbox, alerts',
    cephClusterChecks,
  );
};

function openebsChecks(c: Cluster): void {
  const s = settings(c);
  expectPodSecurity(c, 'openebs', 'openebs-system', 'privileged');
  const v = values(c, 'openebs');
  expect(v.engines.replicated.mayastor.enabled).toBe(false);
  expect([v.engines.local.lvm.enabled, v.engines.local.zfs.enabled, v.loki.enabled, v.alloy.enabled]).toEqual([
    false,
    false,
    false,
    false,
  ]);
  expect(v['localpv-provisioner'].hostpathClass.enabled).toBe(false);
  expect(v['localpv-provisioner'].localpv.basePath).toBe(s.OPENEBS_BASEPATH);
  const sc = obj(c, 'openebs', 'StorageClass', s.OPENEBS_LOCAL_SC);
  expect([sc.provisioner, sc.volumeBindingMode, sc.reclaimPolicy]).toEqual([
    'openebs.io/local',
    'WaitForFirstConsumer',
    'Delete',
  ]);
  const cas = parse(sc.metadata.annotations['cas.openebs.io/config']);
  expect(cas).toEqual([
    { name: 'StorageType', value: 'hostpath' },
    { name: 'BasePath', value: s.OPENEBS_BASEPATH },
  ]);
  expect(obj(c, 'openebs', 'PodDisruptionBudget', 'openebs-localpv-provisioner').spec.maxUnavailable).toBe(1);
  obj(c, 'openebs', 'PrometheusRule', 'openebs');
  expectHealthCheck(c, 'openebs', 'Deployment', 'openebs-localpv-provisioner');
  expectCatalogChart(c, 'openebs');
}

checks['STORY-STO-OPENEBS-BASE'] = () => {
  forClusters(
    'STORY-STO-OPENEBS-BASE',
    'LocalPV hostpath only; StorageClass OPENEBS_LOCAL_SC under OPENEBS_BASEPATH; PDB, alert rule and health check',
    openebsChecks,
  );
};

function designChecks(id: string): void {
  it("design document with the decision sections and a review checklist of the story's acceptance criteria", () => {
    const s = story(id);
    const doc = read(`docs/design/${id}.md`);
    expect(doc.split('\n')[0]).toMatch(new RegExp(`^# Design: .*\\(${id}\\)$`));
    for (const h of [
      '## Context',
      '## Decision',
      '## Alternatives considered',
      '## What the implement story creates',
      '## Variables',
      '## Risks',
      '## Review checklist',
    ]) {
      expect(doc, h).toMatch(new RegExp(`^${h}$`, 'm'));
    }
    const checklist = doc.slice(doc.indexOf('## Review checklist'));
    for (const a of s.acceptance) expect(checklist).toContain(`- [ ] ${a}`);
  });
  it('names the components and variables of the story that implements it', () => {
    const impl = cat.stories.find((x) => x.implements === id);
    expect(impl, `no story implements ${id}`).toBeDefined();
    const doc = read(`docs/design/${id}.md`);
    const section = doc.slice(doc.indexOf('## What the implement story creates'));
    for (const cc of impl!.components) expect(section, cc.id).toContain(`\`${cc.id}\``);
    for (const v of impl!.variables) expect(doc, v.name).toContain(v.name);
  });
}

checks['STORY-OBS-VM-STACK'] = () => designChecks('STORY-OBS-VM-STACK');
checks['STORY-OBS-VICTORIA-LOGS'] = () => designChecks('STORY-OBS-VICTORIA-LOGS');
checks['STORY-OBS-FLUENT-BIT'] = () => designChecks('STORY-OBS-FLUENT-BIT');
checks['STORY-NET-CILIUM-BGP'] = () => designChecks('STORY-NET-CILIUM-BGP');

checks['STORY-OBS-VM-STACK-IMPLEMENT'] = () => {
  it('victoria-metrics-global only on infra, victoria-metrics-agent only on apps', () => {
    expect([walk('infra').has('victoria-metrics-global'), walk('infra').has('victoria-metrics-agent')]).toEqual([
      true,
      false,
    ]);
    expect([walk('apps').has('victoria-metrics-global'), walk('apps').has('victoria-metrics-agent')]).toEqual([
      false,
      true,
    ]);
    expectLocalDependsOn('infra', ['victoria-metrics-global']);
    expectLocalDependsOn('apps', ['victoria-metrics-agent']);
  });
  it(
    'infra: VMCluster global 3x storage/select/insert, retention, size and class from settings, ' +
      'replicationFactor 2; vmalert, Alertmanager, Grafana, agent',
    () => {
      const s = settings('infra');
      const v = values('infra', 'victoria-metrics-global');
      expect(v['victoria-metrics-operator'].enabled).toBe(true);
      expect(v['victoria-metrics-operator'].crds.enabled, 'CRDs come from bootstrap').toBe(false);
      const spec = v.vmcluster.spec;
      expect(v.vmcluster.enabled).toBe(true);
      expect([spec.retentionPeriod, spec.replicationFactor]).toEqual([s.VM_RETENTION_PERIOD, 2]);
      expect([spec.vmstorage.replicaCount, spec.vmselect.replicaCount, spec.vminsert.replicaCount]).toEqual([3, 3, 3]);
      const pvc = spec.vmstorage.storage.volumeClaimTemplate.spec;
      expect([pvc.resources.requests.storage, pvc.storageClassName]).toEqual([
        s.VM_STORAGE_SIZE,
        s.BLOCK_STORAGE_CLASS,
      ]);
      expect([v.vmalert.enabled, v.alertmanager.enabled, v.grafana.enabled, v.vmagent.enabled]).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(v.vmagent.spec.externalLabels).toEqual({ cluster: 'infra' });
      expect(v.grafana.admin).toMatchObject({
        existingSecret: 'grafana-admin',
        userKey: 'admin-user',
        passwordKey: 'admin-password',
      });
      expect([v['prometheus-node-exporter'].enabled, v['kube-state-metrics'].enabled]).toEqual([true, true]);
      expectHealthCheck('infra', 'victoria-metrics-global', 'VMCluster', 'global');
      expect(
        obj('infra', 'victoria-metrics-global', 'PodDisruptionBudget', 'vmstorage-global').spec.selector.matchLabels,
      ).toMatchObject({ 'app.kubernetes.io/name': 'vmstorage', 'app.kubernetes.io/instance': 'global' });
      expectCatalogChart('infra', 'victoria-metrics-global');
    },
  );
  it(
    'infra: VMUser remote-write routes only /insert/ to vminsert; routes metrics and grafana on the internal ' +
      'Gateway; credentials from ExternalSecrets',
    () => {
      const u = obj('infra', 'victoria-metrics-global', 'VMUser', 'remote-write').spec;
      expect(u.passwordRef).toEqual({ name: 'vm-remote-write', key: 'password' });
      expect(u.targetRefs).toHaveLength(1);
      expect(u.targetRefs[0].crd).toMatchObject({ kind: 'VMCluster/vminsert', name: 'global' });
      for (const p of u.targetRefs[0].paths) expect(p).toMatch(/^\/insert\//);
      const d = pcl('infra').domain;
      expectRoute('infra', 'victoria-metrics-global', 'metrics', `metrics.${d}`, 'internal', {
        name: 'vmauth-victoria-metrics-global',
      });
      expectRoute('infra', 'victoria-metrics-global', 'grafana', `grafana.${d}`, 'internal');
      expectExternalSecret('infra', 'victoria-metrics-global', 'vm-remote-write', 'kubernetes/shared/vm-remote-write');
      const g = expectExternalSecret(
        'infra',
        'victoria-metrics-global',
        'grafana-admin',
        'kubernetes/infra/grafana-admin',
      );
      expect(g.spec.data.map((x: any) => x.secretKey).sort()).toEqual(['admin-password', 'admin-user']);
    },
  );
  it(
    "apps: vmagent with cluster=apps remote-writes to VM_REMOTE_WRITE_URL (infra's metrics route) with basic " +
      'auth from vm-remote-write; no store of its own',
    () => {
      const s = settings('apps');
      const v = values('apps', 'victoria-metrics-agent');
      // vmalert is on: it evaluates apps' own rules against the global store (test/contracts-workloads.test.ts)
      expect([
        v.vmcluster.enabled,
        v.vmsingle.enabled,
        v.vmalert.enabled,
        v.alertmanager.enabled,
        v.grafana.enabled,
      ]).toEqual([false, false, true, false, false]);
      expect(v['victoria-metrics-operator'].enabled).toBe(true);
      expect(v.vmagent.spec.externalLabels).toEqual({ cluster: 'apps' });
      expect(v.vmagent.spec.remoteWrite).toEqual([
        {
          url: s.VM_REMOTE_WRITE_URL,
          basicAuth: {
            username: { name: 'vm-remote-write', key: 'username' },
            password: { name: 'vm-remote-write', key: 'password' },
          },
        },
      ]);
      const route = obj('infra', 'victoria-metrics-global', 'HTTPRoute', 'metrics');
      const url = new URL(s.VM_REMOTE_WRITE_URL);
      expect(route.spec.hostnames).toContain(url.hostname);
      expect(url.pathname.startsWith(route.spec.rules[0].matches[0].path.value)).toBe(true);
      expectExternalSecret('apps', 'victoria-metrics-agent', 'vm-remote-write', 'kubernetes/shared/vm-remote-write');
      expect([v['prometheus-node-exporter'].enabled, v['kube-state-metrics'].enabled]).toEqual([true, true]);
      expectCatalogChart('apps', 'victoria-metrics-agent');
      expectNoInfraValuesOnApps(['victoria-metrics-agent'], { domainAllowed: true });
    },
  );
};

checks['STORY-OBS-VICTORIA-LOGS-IMPLEMENT'] = () => {
  it('infra: VictoriaLogs server with retention, PVC size and class from settings; VMServiceScrape; Grafana datasource', () => {
    const s = settings('infra');
    const v = values('infra', 'victoria-logs').server;
    expect(v.retentionPeriod).toBe(s.LOGS_RETENTION_PERIOD);
    expect(v.persistentVolume).toMatchObject({
      enabled: true,
      size: s.LOGS_STORAGE_SIZE,
      storageClassName: s.BLOCK_STORAGE_CLASS,
    });
    expect(v.vmServiceScrape.enabled).toBe(true);
    const ds = allObjects('infra').find(
      (o: any) =>
        o.kind === 'ConfigMap' &&
        o.metadata.labels?.grafana_datasource === '1' &&
        JSON.stringify(o.data).includes('victoriametrics-logs-datasource'),
    );
    expect(ds, 'Grafana datasource ConfigMap for VictoriaLogs').toBeDefined();
    expect(values('infra', 'victoria-metrics-global').grafana.plugins).toContain('victoriametrics-logs-datasource');
    expectCatalogChart('infra', 'victoria-logs');
    expect(walk('apps').has('victoria-logs')).toBe(false);
  });
  it(
    'infra: vmauth logs fronts /insert/ for VMUser log-shipper (password from ExternalSecret logs-ingest) ' +
      'behind logs.<domain> on the internal Gateway',
    () => {
      const auth = obj('infra', 'victoria-logs', 'VMAuth', 'logs');
      const user = obj('infra', 'victoria-logs', 'VMUser', 'log-shipper');
      expect(user.metadata.labels).toMatchObject(auth.spec.userSelector.matchLabels);
      expect(user.spec.passwordRef).toEqual({ name: 'logs-ingest', key: 'password' });
      for (const p of user.spec.targetRefs.flatMap((t: any) => t.paths)) expect(p).toMatch(/^\/insert\//);
      expectExternalSecret('infra', 'victoria-logs', 'logs-ingest', 'kubernetes/shared/logs-ingest');
      expectRoute('infra', 'victoria-logs', 'logs', `logs.${pcl('infra').domain}`, 'internal', { name: 'vmauth-logs' });
      expectHealthCheck('infra', 'victoria-logs', 'VMAuth', 'logs');
    },
  );
  it('infra: NetworkPolicy victoria-logs admits only vmauth, Grafana and the metrics agent; ks dependsOn only infra components', () => {
    const np = obj('infra', 'victoria-logs', 'NetworkPolicy', 'victoria-logs').spec;
    expect(np.policyTypes).toEqual(['Ingress']);
    expect(np.ingress).toHaveLength(1);
    expect(np.ingress[0].from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']).sort()).toEqual([
      'grafana',
      'vmagent',
      'vmauth',
    ]);
    expectLocalDependsOn('infra', ['victoria-logs']);
  });
};

checks['STORY-OBS-FLUENT-BIT-IMPLEMENT'] = () => {
  forClusters(
    'STORY-OBS-FLUENT-BIT-IMPLEMENT',
    'DaemonSet tails container logs, adds cluster=<name>, ships to LOGS_INGEST_HOST:443 /insert/jsonline with TLS and basic auth, filesystem buffer',
    (c) => {
      const s = settings(c);
      expectPodSecurity(c, 'fluent-bit', 'fluent-bit', 'privileged');
      const v = values(c, 'fluent-bit');
      expect(v.kind).toBe('DaemonSet');
      expect(v.config.inputs).toMatch(/Path\s+\/var\/log\/containers\/\*\.log/);
      expect(v.config.inputs).toMatch(/DB\s+\/var\/lib\/fluent-bit\//);
      expect(v.config.inputs).toMatch(/storage\.type\s+filesystem/);
      expect(v.daemonSetVolumes).toContainEqual(
        expect.objectContaining({ hostPath: expect.objectContaining({ path: '/var/lib/fluent-bit' }) }),
      );
      expect(v.config.filters).toMatch(/Name\s+kubernetes/);
      expect(v.config.filters).toMatch(new RegExp(`Add\\s+cluster\\s+${s.CLUSTER_NAME}\\n`));
      const out = v.config.outputs;
      for (const re of [
        /Name\s+http/,
        new RegExp(`Host\\s+${s.LOGS_INGEST_HOST.replace(/\./g, '\\.')}\\n`),
        /Port\s+443\n/,
        /URI\s+\/insert\/jsonline/,
        /tls\s+On/,
        /HTTP_User\s/,
        /HTTP_Passwd\s/,
      ])
        expect(out).toMatch(re);
      expect(v.serviceMonitor.enabled).toBe(true);
      expectHealthCheck(c, 'fluent-bit', 'DaemonSet', 'fluent-bit');
      expectCatalogChart(c, 'fluent-bit');
    },
  );
  forClusters(
    'STORY-OBS-FLUENT-BIT-IMPLEMENT',
    'credentials from ExternalSecret logs-ingest; alerts on dropped or retried records',
    (c) => {
      expectExternalSecret(c, 'fluent-bit', 'logs-ingest', 'kubernetes/shared/logs-ingest');
      const env = values(c, 'fluent-bit').env.map((e: any) => e.valueFrom?.secretKeyRef?.name);
      expect(new Set(env)).toEqual(new Set(['logs-ingest']));
      const alerts = obj(c, 'fluent-bit', 'PrometheusRule', 'fluent-bit')
        .spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr))
        .join('\n');
      expect(alerts).toMatch(/fluentbit_output_dropped_records_total|fluentbit_output_retries_failed_total/);
      expect(alerts).toMatch(/kube_daemonset_status_number_ready/);
    },
  );
  it("LOGS_INGEST_HOST is infra's logs route on every cluster", () => {
    for (const c of CLUSTERS)
      expect(obj('infra', 'victoria-logs', 'HTTPRoute', 'logs').spec.hostnames, c).toEqual([
        settings(c).LOGS_INGEST_HOST,
      ]);
    expectNoInfraValuesOnApps(['fluent-bit'], { domainAllowed: true });
  });
};

checks['STORY-NET-CILIUM-BGP-CP-IMPLEMENT'] = () => {
  forClusters(
    'STORY-NET-CILIUM-BGP-CP-IMPLEMENT',
    'CiliumBGPClusterConfig bgp: own BGP_LOCAL_ASN, peer BGP_PEER_ADDRESS / BGP_PEER_ASN via bgp-peer, all nodes; Cilium bgpControlPlane on',
    (c) => {
      const s = settings(c);
      expect(s.BGP_LOCAL_ASN).toBe(pcl(c).settings.BGP_LOCAL_ASN);
      const cc = obj(c, 'cilium-bgp', 'CiliumBGPClusterConfig', 'bgp').spec;
      expect(cc.nodeSelector, 'all nodes').toBeUndefined();
      expect(cc.bgpInstances).toHaveLength(1);
      expect(cc.bgpInstances[0].localASN).toBe(Number(s.BGP_LOCAL_ASN));
      expect(cc.bgpInstances[0].peers).toEqual([
        expect.objectContaining({
          peerAddress: s.BGP_PEER_ADDRESS,
          peerASN: Number(s.BGP_PEER_ASN),
          peerConfigRef: { name: 'bgp-peer' },
        }),
      ]);
      expect(values(c, 'cilium').bgpControlPlane.enabled).toBe(true);
      expectHealthCheck(c, 'cilium-bgp', 'CiliumBGPClusterConfig', 'bgp');
    },
  );
  forClusters(
    'STORY-NET-CILIUM-BGP-CP-IMPLEMENT',
    'peer config keepalive 3s, hold 9s, graceful restart, ipv4 unicast of advertise=bgp; advertisement of LoadBalancerIPs only; no legacy peering policy',
    (c) => {
      const pc = obj(c, 'cilium-bgp', 'CiliumBGPPeerConfig', 'bgp-peer').spec;
      expect([pc.timers.keepAliveTimeSeconds, pc.timers.holdTimeSeconds, pc.gracefulRestart.enabled]).toEqual([
        3,
        9,
        true,
      ]);
      expect(pc.families).toEqual([
        { afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } },
      ]);
      const adv = obj(c, 'cilium-bgp', 'CiliumBGPAdvertisement', 'bgp-lb');
      expect(adv.metadata.labels).toEqual({ advertise: 'bgp' });
      expect(adv.spec.advertisements.map((a: any) => [a.advertisementType, a.service?.addresses])).toEqual([
        ['Service', ['LoadBalancerIP']],
      ]);
      expect(allObjects(c).filter((o) => o.kind === 'CiliumBGPPeeringPolicy')).toEqual([]);
    },
  );
  it("each cluster peers with its own ASN (apps keeps none of infra's)", () => {
    const asns = CLUSTERS.map(
      (c) => obj(c, 'cilium-bgp', 'CiliumBGPClusterConfig', 'bgp').spec.bgpInstances[0].localASN,
    );
    expect(asns).toEqual([Number(pcl('infra').settings.BGP_LOCAL_ASN), Number(pcl('apps').settings.BGP_LOCAL_ASN)]);
    expect(asns[0]).not.toBe(asns[1]);
  });
};

checks['STORY-NET-SPEGEL-REGISTRY-MIRROR'] = () => {
  forClusters(
    'STORY-NET-SPEGEL-REGISTRY-MIRROR',
    'spegel writes mirrors under /etc/cri/conf.d/hosts, hostPort 29999, mirrors docker.io, ghcr.io, quay.io, registry.k8s.io; metrics and dashboard',
    (c) => {
      const v = values(c, 'spegel');
      expect(v.spegel.containerdRegistryConfigPath).toBe('/etc/cri/conf.d/hosts');
      expect(v.service.registry.hostPort).toBe(29999);
      expect(v.spegel.mirroredRegistries.map((r: string) => r.replace(/^https:\/\//, ''))).toEqual([
        'docker.io',
        'ghcr.io',
        'quay.io',
        'registry.k8s.io',
      ]);
      expect([v.serviceMonitor.enabled, v.grafanaDashboard.enabled]).toEqual([true, true]);
      expectHealthCheck(c, 'spegel', 'DaemonSet', 'spegel');
      expectCatalogChart(c, 'spegel');
    },
  );
  forClusters(
    'STORY-NET-SPEGEL-REGISTRY-MIRROR',
    'Talos keeps unpacked layers (discard_unpacked_layers false) in the CRI config spegel writes next to',
    (c) => {
      const f = readYaml(`talos/${c}/patches/machine.yaml`).machine.files.find((x: any) =>
        x.path.startsWith('/etc/cri/conf.d/'),
      );
      expect(f.content).toMatch(/discard_unpacked_layers\s*=\s*false/);
    },
  );
};

checks['STORY-DB-CNPG-OPERATOR'] = () => {
  it('infra: cloudnative-pg runs 2 replicas, owns its CRDs (crds.create), PodMonitor on, requests/limits; chart pinned; PDB minAvailable 1', () => {
    const v = values('infra', 'cloudnative-pg');
    expect([v.fullnameOverride, v.replicaCount, v.crds.create, v.monitoring.podMonitorEnabled]).toEqual([
      'cloudnative-pg',
      2,
      true,
      true,
    ]);
    expect(v.resources.requests && v.resources.limits).toBeTruthy();
    expect(fluxKs('infra', 'cloudnative-pg').spec.targetNamespace).toBe('cnpg-system');
    expectHealthCheck('infra', 'cloudnative-pg', 'Deployment', 'cloudnative-pg');
    expect(obj('infra', 'cloudnative-pg', 'PodDisruptionBudget', 'cloudnative-pg').spec.minAvailable).toBe(1);
    expectCatalogChart('infra', 'cloudnative-pg');
  });
  it('the CRDs have one owner: bootstrap installs no CloudNativePG CRDs; alert rule loaded', () => {
    expect(read('bootstrap/crds/helmfile.yaml')).not.toMatch(/cloudnative-pg|cnpg/);
    const alerts = obj('infra', 'cloudnative-pg', 'PrometheusRule', 'cloudnative-pg-operator').spec.groups.flatMap(
      (g: any) => g.rules.map((r: any) => r.alert),
    );
    expect(alerts.length).toBeGreaterThan(0);
  });
  it('Namespace cnpg-system enforces Pod Security restricted, as the resource note says', () => {
    expectPodSecurity('infra', 'cloudnative-pg', 'cnpg-system', 'restricted');
  });
};

checks['STORY-DB-CNPG-SHARED-CLUSTER'] = () => {
  it(
    'infra: Cluster shared-postgres from settings (instances, image, data/WAL on OPENEBS_LOCAL_SC), ' +
      'synchronous any 1 preferred, managed roles, superuser Secret',
    () => {
      const s = settings('infra');
      const cl = obj('infra', 'cnpg-shared-cluster', 'Cluster', 'shared-postgres').spec;
      expect(cl.instances).toBe(Number(s.CNPG_INSTANCES));
      expect(cl.imageName).toBe(`ghcr.io/cloudnative-pg/postgresql:${s.CNPG_POSTGRES_VERSION}`);
      expect(cl.storage).toEqual({ size: s.CNPG_DATA_SIZE, storageClass: s.OPENEBS_LOCAL_SC });
      expect(cl.walStorage).toEqual({ size: s.CNPG_WAL_SIZE, storageClass: s.OPENEBS_LOCAL_SC });
      expect(cl.postgresql.synchronous).toEqual({ method: 'any', number: 1, dataDurability: 'preferred' });
      expect(cl.managed.roles.map((r: any) => [r.name, r.passwordSecret.name, r.login])).toEqual([
        ['keycloak', 'keycloak-db', true],
        ['harbor', 'harbor-db', true],
        ['gitlab', 'gitlab-db', true],
      ]);
      expect(cl.superuserSecret).toEqual({ name: 'cnpg-superuser' });
      expectHealthCheck('infra', 'cnpg-shared-cluster', 'Cluster', 'shared-postgres');
    },
  );
  it('infra: backups to s3://CNPG_BACKUP_BUCKET at S3_ENDPOINT with CNPG_BACKUP_RETENTION; daily six-field ScheduledBackup', () => {
    const s = settings('infra');
    // through the Barman Cloud plugin: the ObjectStore the Cluster's WAL archiver names
    const plugin = obj('infra', 'cnpg-shared-cluster', 'Cluster', 'shared-postgres').spec.plugins.find(
      (p: any) => p.isWALArchiver,
    );
    const b = obj('infra', 'cnpg-shared-cluster', 'ObjectStore', plugin.parameters.barmanObjectName).spec;
    expect(b.configuration.destinationPath.replace(/\/$/, '')).toBe(`s3://${s.CNPG_BACKUP_BUCKET}`);
    expect(b.configuration.endpointURL).toBe(s.S3_ENDPOINT);
    expect(b.configuration.s3Credentials.accessKeyId.name).toBe('cnpg-backup-s3');
    expect(b.retentionPolicy).toBe(s.CNPG_BACKUP_RETENTION);
    const sb = obj('infra', 'cnpg-shared-cluster', 'ScheduledBackup', 'shared-postgres-daily').spec;
    expect([sb.schedule, sb.cluster.name]).toEqual([s.CNPG_BACKUP_SCHEDULE, 'shared-postgres']);
    expect(sb.schedule.split(' ')).toHaveLength(6);
  });
  it(
    'infra: poolers keycloak/harbor/gitlab-pooler-rw (rw, 2 instances; keycloak transaction; gitlab global ' +
      'over ClusterMesh) and databases owned by their roles',
    () => {
      for (const app of ['keycloak', 'harbor', 'gitlab']) {
        const p = obj('infra', 'cnpg-shared-cluster', 'Pooler', `${app}-pooler-rw`).spec;
        expect([p.cluster.name, p.type, p.instances], app).toEqual(['shared-postgres', 'rw', 2]);
        const db = obj('infra', 'cnpg-shared-cluster', 'Database', app).spec;
        expect([db.name, db.owner, db.cluster.name], app).toEqual([app, app, 'shared-postgres']);
      }
      expect(obj('infra', 'cnpg-shared-cluster', 'Pooler', 'keycloak-pooler-rw').spec.pgbouncer.poolMode).toBe(
        'transaction',
      );
      expect(
        obj('infra', 'cnpg-shared-cluster', 'Pooler', 'gitlab-pooler-rw').spec.serviceTemplate.metadata.annotations[
          'service.cilium.io/global'
        ],
      ).toBe('true');
    },
  );
  it(
    'infra: credentials only from ExternalSecrets (own keys for superuser and backup, shared keys for role ' +
      'passwords); alerts; nothing blanked by substitution',
    () => {
      expectExternalSecret('infra', 'cnpg-shared-cluster', 'cnpg-superuser', 'kubernetes/infra/cnpg-superuser');
      expectExternalSecret('infra', 'cnpg-shared-cluster', 'cnpg-backup-s3', 'kubernetes/infra/cnpg-backup-s3');
      for (const app of ['keycloak', 'harbor', 'gitlab'])
        expectExternalSecret('infra', 'cnpg-shared-cluster', `${app}-db`, `kubernetes/shared/${app}-db`);
      const alerts = obj('infra', 'cnpg-shared-cluster', 'PrometheusRule', 'shared-postgres').spec.groups.flatMap(
        (g: any) => g.rules.map((r: any) => r.alert),
      );
      expect(alerts).toEqual(
        expect.arrayContaining([
          'SharedPostgresInstanceDown',
          'SharedPostgresReplicationLag',
          'SharedPostgresBackupTooOld',
          'SharedPostgresVolumeNearFull',
        ]),
      );
      expect(ks('infra', 'cnpg-shared-cluster').unresolved).toEqual([]);
      expect(ks('infra', 'cnpg-shared-cluster').text).not.toMatch(/(?<!\$)\$\{/);
      expectLocalDependsOn('infra', ['cnpg-shared-cluster']);
    },
  );
};

checks['STORY-DB-DRAGONFLY-OPERATOR-CLUSTER'] = () => {
  it('infra: dragonfly-operator (fullnameOverride, CRDs CreateReplace, ServiceMonitor) and the instance are wired into the infra lane', () => {
    const v = values('infra', 'dragonfly-operator');
    expect([v.fullnameOverride, v.crds.install, v.serviceMonitor.enabled]).toEqual(['dragonfly-operator', true, true]);
    // The CRD policy of every HelmRelease comes from the lane: a patch the lane gives each child Kustomization.
    const lane = fluxKs('infra', ks('infra', 'dragonfly-operator').parent!);
    const hrPatch = parse(parse(lane.spec.patches[0].patch).spec.patches[0].patch);
    expect([hrPatch.kind, hrPatch.spec.install.crds]).toEqual(['HelmRelease', 'CreateReplace']);
    expectHealthCheck('infra', 'dragonfly-operator', 'Deployment', 'dragonfly-operator');
    expectCatalogChart('infra', 'dragonfly-operator');
    for (const id of ['dragonfly-operator', 'dragonfly']) expect(ks('infra', id).parent, id).toBe('infrastructure');
    expectLocalDependsOn('infra', ['dragonfly-operator', 'dragonfly']);
  });
  it(
    'infra: Dragonfly dragonfly with DRAGONFLY_REPLICAS, password from dragonfly-auth, snapshots on ' +
      'OPENEBS_LOCAL_SC, maxmemory below the memory limit, no cache mode (queues)',
    () => {
      const s = settings('infra');
      const d = obj('infra', 'dragonfly', 'Dragonfly', 'dragonfly').spec;
      expect(d.replicas).toBe(Number(s.DRAGONFLY_REPLICAS));
      expect(d.authentication.passwordFromSecret).toEqual({ name: 'dragonfly-auth', key: 'password' });
      const pvc = d.snapshot.persistentVolumeClaimSpec;
      expect([pvc.storageClassName, pvc.resources.requests.storage]).toEqual([
        s.OPENEBS_LOCAL_SC,
        s.DRAGONFLY_DATA_SIZE,
      ]);
      expect(d.resources.limits.memory).toBe(s.DRAGONFLY_MEMORY_LIMIT);
      expect(d.args).toEqual(expect.arrayContaining([`--maxmemory=${s.DRAGONFLY_MAXMEMORY}`]));
      expect(d.args).not.toContain('--cache_mode=true');
      expect(bytes(s.DRAGONFLY_MAXMEMORY)).toBeLessThan(bytes(s.DRAGONFLY_MEMORY_LIMIT));
      expectExternalSecret('infra', 'dragonfly', 'dragonfly-auth', 'kubernetes/shared/dragonfly-auth');
    },
  );
  it('infra: Service dragonfly-global selects the master and is global over ClusterMesh; metrics scraped; alert rules loaded', () => {
    const svc = obj('infra', 'dragonfly', 'Service', 'dragonfly-global');
    expect(svc.metadata.annotations['service.cilium.io/global']).toBe('true');
    expect(svc.spec.selector.role).toBe('master');
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([6379]);
    expect(obj('infra', 'dragonfly', 'PodMonitor', 'dragonfly').spec.podMetricsEndpoints[0].path).toBe('/metrics');
    const alerts = obj('infra', 'dragonfly', 'PrometheusRule', 'dragonfly').spec.groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
    expect(alerts).toEqual(expect.arrayContaining(['DragonflyNoMaster', 'DragonflyMemoryNearLimit']));
  });
  it('Namespace dragonfly-operator-system enforces Pod Security restricted, as the resource note says', () => {
    expectPodSecurity('infra', 'dragonfly-operator', 'dragonfly-operator-system', 'restricted');
  });
};

checks['STORY-SEC-NP-BASELINE'] = () => {
  const SEL = { matchLabels: { 'io.cilium.k8s.namespace.labels.network-policy.platform/baseline': 'enabled' } };
  for (const c of CLUSTERS) {
    it(`${c}: three clusterwide policies select only opted-in namespaces and turn on default deny`, () => {
      const objects = ks(c, 'network-policy-baseline').objects;
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        ['baseline-dns', 'baseline-kube-api', 'baseline-monitoring'].map((n) => `CiliumClusterwideNetworkPolicy/${n}`),
      );
      for (const o of objects) {
        expect(o.spec!.endpointSelector, o.metadata.name).toEqual(SEL);
        expect(o.spec!.enableDefaultDeny, o.metadata.name).toEqual({ ingress: true, egress: true });
      }
    });
    it(`${c}: DNS to kube-dns on 53 UDP/TCP, egress to kube-apiserver, scrapes from observability (same-namespace: test/contracts-workloads.test.ts)`, () => {
      const dns = obj(c, 'network-policy-baseline', 'CiliumClusterwideNetworkPolicy', 'baseline-dns').spec;
      expect(dns.egress[0].toEndpoints).toEqual([
        { matchLabels: { 'io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } },
      ]);
      expect(dns.egress[0].toPorts[0].ports.map((p: any) => `${p.port}/${p.protocol}`).sort()).toEqual([
        '53/TCP',
        '53/UDP',
      ]);
      expect(
        obj(c, 'network-policy-baseline', 'CiliumClusterwideNetworkPolicy', 'baseline-kube-api').spec.egress,
      ).toEqual([{ toEntities: ['kube-apiserver'] }]);
      const mon = obj(c, 'network-policy-baseline', 'CiliumClusterwideNetworkPolicy', 'baseline-monitoring').spec;
      expect(mon.ingress[0].fromEndpoints).toEqual([
        { matchLabels: { 'io.kubernetes.pod.namespace': 'observability' } },
      ]);
      expectLocalDependsOn(c, ['network-policy-baseline']);
    });
  }
};

checks['STORY-SEC-SPIRE-CILIUM-AUTH'] = () => {
  forClusters(
    'STORY-SEC-SPIRE-CILIUM-AUTH',
    'Cilium mutual auth and SPIRE install follow CILIUM_MUTUAL_AUTH; SPIRE in privileged namespace cilium-spire with a PVC',
    (c) => {
      const on = settings(c).CILIUM_MUTUAL_AUTH === 'true';
      const spire = values(c, 'cilium').authentication.mutual.spire;
      expect([spire.enabled, spire.install.enabled]).toEqual([on, on]);
      expect(spire.install).toMatchObject({ namespace: 'cilium-spire', existingNamespace: true });
      expect(spire.install.server.dataStorage.enabled).toBe(true);
      expectPodSecurity(c, 'cilium-spire', 'cilium-spire', 'privileged');
    },
  );
  it('the flag stays false where ClusterMesh is approved, and the catalog warns about it', () => {
    for (const c of CLUSTERS) {
      expect(platform.stories['STORY-NET-CILIUM-CLUSTERMESH'].clusters[c], c).toBe('approved');
      expect(settings(c).CILIUM_MUTUAL_AUTH, c).toBe('false');
    }
    expect(cat.variables.get('CILIUM_MUTUAL_AUTH')!.description).toMatch(/does not work across ClusterMesh/);
  });
};

checks['STORY-IDP-KEYCLOAK-OPERATOR'] = () => {
  it('infra: keycloak-operator applies the CRDs and operator from keycloak-k8s-resources at the pinned tag into namespace keycloak', () => {
    const src = comp('keycloak-operator').source!;
    const gr = allObjects('infra').find(
      (o) => o.kind === 'GitRepository' && o.metadata.name === 'keycloak-operator',
    ) as any;
    expect(gr, 'GitRepository keycloak-operator').toBeDefined();
    expect([gr.spec.url, gr.spec.ref.tag]).toEqual([src.url, src.tag]);
    const k = fluxKs('infra', 'keycloak-operator');
    expect([k.spec.path, k.spec.sourceRef.name, k.spec.targetNamespace]).toEqual([
      src.path,
      'keycloak-operator',
      'keycloak',
    ]);
    expectHealthCheck('infra', 'keycloak-operator', 'Deployment', 'keycloak-operator');
    // nothing else installs the Keycloak CRDs
    expect(
      allObjects('infra').filter((o: any) => o.kind === 'CustomResourceDefinition' && /keycloak/.test(o.metadata.name)),
    ).toEqual([]);
    expect(read('bootstrap/crds/helmfile.yaml')).not.toMatch(/keycloak/);
  });
  it(
    'infra: Keycloak keycloak with KEYCLOAK_REPLICAS on database keycloak through keycloak-pooler-rw, ' +
      'hostname sso.<PUBLIC_DNS_ZONE>, admin sso.<domain>, HTTP behind the Gateways, metrics/health',
    () => {
      const k = obj('infra', 'keycloak', 'Keycloak', 'keycloak').spec;
      expect(k.instances).toBe(Number(settings('infra').KEYCLOAK_REPLICAS));
      expect(k.db).toMatchObject({
        vendor: 'postgres',
        host: 'keycloak-pooler-rw.cnpg-system.svc',
        port: 5432,
        database: 'keycloak',
        passwordSecret: { name: 'keycloak-db', key: 'password' },
      });
      expect(obj('infra', 'cnpg-shared-cluster', 'Pooler', 'keycloak-pooler-rw')).toBeDefined();
      expect(k.hostname.hostname).toBe(`https://sso.${settings('infra').PUBLIC_DNS_ZONE}`);
      expect(k.hostname.admin).toBe(`https://sso.${pcl('infra').domain}`);
      expect(k.http.httpEnabled).toBe(true);
      expect(k.proxy.headers).toBe('xforwarded');
      const opts = Object.fromEntries(k.additionalOptions.map((o: any) => [o.name, o.value]));
      expect([opts['metrics-enabled'], opts['health-enabled']]).toEqual(['true', 'true']);
      expect(k.bootstrapAdmin.user.secret).toBe('keycloak-admin');
      expectRoute('infra', 'keycloak', 'keycloak', `sso.${settings('infra').PUBLIC_DNS_ZONE}`, 'external');
      expectRoute('infra', 'keycloak', 'keycloak-admin', `sso.${pcl('infra').domain}`, 'internal', {
        name: 'keycloak-service',
      });
      expect(obj('infra', 'keycloak', 'PodDisruptionBudget', 'keycloak').spec.maxUnavailable).toBe(1);
      obj('infra', 'keycloak', 'ServiceMonitor', 'keycloak');
      obj('infra', 'keycloak', 'PrometheusRule', 'keycloak');
    },
  );
  it('infra: realm platform with clients gitlab, grafana and harbor whose secrets are placeholders; credentials only from ExternalSecrets', () => {
    const ri = obj('infra', 'keycloak', 'KeycloakRealmImport', 'platform').spec;
    expect(ri.keycloakCRName).toBe('keycloak');
    expect(ri.realm.realm).toBe('platform');
    expect(ri.realm.clients.map((x: any) => x.clientId).sort()).toEqual(['gitlab', 'grafana', 'harbor']);
    for (const cl of ri.realm.clients) expect(cl.secret, cl.clientId).toMatch(/^\$+\{[A-Z_]+_CLIENT_SECRET\}$/);
    for (const p of Object.values(ri.placeholders) as any[]) expect(p.secret.name).toBe('keycloak-realm-clients');
    const gitlab = ri.realm.clients.find((x: any) => x.clientId === 'gitlab');
    expect(gitlab.redirectUris).toEqual([
      `${settings('infra').GITLAB_EXTERNAL_URL}/users/auth/openid_connect/callback`,
    ]);
    expectExternalSecret('infra', 'keycloak', 'keycloak-db', 'kubernetes/shared/keycloak-db');
    expectExternalSecret('infra', 'keycloak', 'keycloak-admin', 'kubernetes/infra/keycloak-admin');
    obj('infra', 'keycloak', 'ExternalSecret', 'keycloak-realm-clients');
  });
  it('infra: every Flux dependsOn names an existing component', () => {
    expect(comp('keycloak').dependsOn).toEqual([
      'keycloak-operator',
      'cnpg-shared-cluster',
      'cilium-gateway',
      'wildcard-certificate',
      'cluster-secret-store',
    ]);
    expectLocalDependsOn('infra', ['keycloak-operator', 'keycloak']);
  });
};

checks['STORY-NET-CILIUM-CLUSTERMESH'] = () => {
  it('cluster names, ids and pod CIDRs are unique across the meshed clusters', () => {
    const v = CLUSTERS.map((c) => values(c, 'cilium').cluster);
    expect(new Set(v.map((x) => x.name)).size).toBe(2);
    expect(new Set(v.map((x) => x.id)).size).toBe(2);
    expect(overlap(cidr(pcl('infra').network.podCidr), cidr(pcl('apps').network.podCidr))).toBe(false);
  });
  forClusters(
    'STORY-NET-CILIUM-CLUSTERMESH',
    "shared CA and the cluster's own peer list from ExternalSecrets; ks depends only on local components",
    (c) => {
      const ca = expectExternalSecret(c, 'cilium-clustermesh', 'cilium-ca', 'kubernetes/shared/cilium-ca');
      expect(ca.spec.target.name).toBe('cilium-ca');
      expect(ca.spec.data.map((d: any) => d.secretKey).sort()).toEqual(['ca.crt', 'ca.key']);
      const peers = expectExternalSecret(
        c,
        'cilium-clustermesh',
        'cilium-clustermesh',
        `kubernetes/${c}/cilium-clustermesh`,
      );
      expect(peers.spec.target.name).toBe('cilium-clustermesh');
      expectHealthCheck(c, 'cilium-clustermesh', 'ExternalSecret', 'cilium-clustermesh');
      expectLocalDependsOn(c, ['cilium-clustermesh']);
    },
  );
  forClusters(
    'STORY-NET-CILIUM-CLUSTERMESH',
    'clustermesh-apiserver follows CLUSTERMESH_ENABLED and shares the internal Gateway IP; its certificate names clustermesh.<domain>',
    (c) => {
      const m = values(c, 'cilium').clustermesh;
      expect(m.useAPIServer).toBe(settings(c).CLUSTERMESH_ENABLED === 'true');
      expect(m.apiserver.service.annotations).toEqual({
        'lbipam.cilium.io/ips': pcl(c).network.gatewayIps.internal,
        'lbipam.cilium.io/sharing-key': 'internal',
      });
      expect(m.apiserver.tls.server.extraDnsNames).toEqual([`clustermesh.${pcl(c).domain}`]);
      expect(
        obj(c, 'cilium-gateway', 'Gateway', 'internal').spec.infrastructure.annotations['lbipam.cilium.io/sharing-key'],
      ).toBe('internal');
    },
  );
};

checks['STORY-NET-CLUSTERMESH-DNS'] = () => {
  forClusters(
    'STORY-NET-CLUSTERMESH-DNS',
    "DNSEndpoint clustermesh: A clustermesh.<domain> -> the cluster's internal gateway IP, TTL 300, published by external-dns-rfc2136 only",
    (c) => {
      const ep = obj(c, 'clustermesh-dns', 'DNSEndpoint', 'clustermesh').spec.endpoints;
      expect(ep).toEqual([
        {
          dnsName: `clustermesh.${pcl(c).domain}`,
          recordType: 'A',
          targets: [pcl(c).network.gatewayIps.internal],
          recordTTL: 300,
        },
      ]);
      expect(values(c, 'external-dns-rfc2136').sources).toContain('crd');
      expect(values(c, 'external-dns-cloudflare').sources).not.toContain('crd');
      expectLocalDependsOn(c, ['clustermesh-dns']);
    },
  );
  forClusters(
    'STORY-NET-CLUSTERMESH-DNS',
    'CoreDNS forwards INTERNAL_DNS_ZONE to RFC2136_HOST; the cluster domains lie in that zone',
    (c) => {
      const s = settings(c);
      const block = values(c, 'coredns').servers.find((b: any) =>
        b.zones.some((z: any) => z.zone === s.INTERNAL_DNS_ZONE),
      );
      expect(block, `CoreDNS server block for ${s.INTERNAL_DNS_ZONE}`).toBeDefined();
      expect(block.plugins).toContainEqual({ name: 'forward', parameters: `. ${s.RFC2136_HOST}` });
      for (const x of CLUSTERS) expect(pcl(x).domain.endsWith(`.${s.INTERNAL_DNS_ZONE}`), pcl(x).domain).toBe(true);
    },
  );
  it("apps publishes its own record, none of infra's", () => expectNoInfraValuesOnApps(['clustermesh-dns', 'coredns']));
};

/** Stories 34-36 wire infra's component on apps: same folder, apps' settings. */
function sameFolderOnApps(id: string): void {
  it(`apps wires the existing ${id} component from the same folder as infra; no copy of its manifests exists`, () => {
    expect(ks('apps', id).path).toBe(ks('infra', id).path);
    expect(ks('apps', id).path).toBe(`./kubernetes/${comp(id).lane}/${comp(id).area}/${id}/app`);
    expect(ks('apps', id).parent).toBe('infrastructure');
    const copies = Object.keys(snapshot(path.join(repo, 'kubernetes'))).filter((f) => f.endsWith(`/${id}/`));
    expect(copies).toEqual([`${comp(id).lane}/${comp(id).area}/${id}/`]);
    expectLocalDependsOn('apps', [id]);
  });
}

checks['STORY-STO-APPS-OPENEBS-BASE'] = () => {
  sameFolderOnApps('openebs');
  it("apps: StorageClass is apps' OPENEBS_LOCAL_SC under apps' OPENEBS_BASEPATH (also bind-mounted by apps' Talos patch); PDB and alert present", () => {
    openebsChecks('apps');
    expect(settings('apps').OPENEBS_LOCAL_SC).toBe(APPS_OWN.OPENEBS_LOCAL_SC);
    expect(readYaml('talos/apps/patches/machine.yaml').machine.kubelet.extraMounts[0].destination).toBe(
      settings('apps').OPENEBS_BASEPATH,
    );
    expectNoInfraValuesOnApps(['openebs']);
  });
};

checks['STORY-STO-APPS-ROOK-CEPH-OPERATOR'] = () => {
  sameFolderOnApps('rook-ceph-operator');
  it('apps: operator health-checked, CSI RBD and CephFS on, alerts loaded', () => {
    expectHealthCheck('apps', 'rook-ceph-operator', 'Deployment', 'rook-ceph-operator');
    const v = values('apps', 'rook-ceph-operator');
    expect([v.csi.enableRbdDriver, v.csi.enableCephfsDriver]).toEqual([true, true]);
    obj('apps', 'rook-ceph-operator', 'PrometheusRule', 'rook-ceph-operator');
    expectCatalogChart('apps', 'rook-ceph-operator');
  });
};

checks['STORY-STO-APPS-ROOK-CEPH-CLUSTER'] = () => {
  sameFolderOnApps('rook-ceph-cluster');
  it("apps: CephCluster uses apps' own ROOK_CEPH_DEVICE_FILTER, device class and StorageClass name; none of infra's", () => {
    cephClusterChecks('apps');
    expect(settings('apps').ROOK_CEPH_DEVICE_FILTER).toBe(APPS_OWN.ROOK_CEPH_DEVICE_FILTER);
    expect(settings('infra').ROOK_CEPH_DEVICE_FILTER).not.toBe(APPS_OWN.ROOK_CEPH_DEVICE_FILTER);
    expectNoInfraValuesOnApps(['rook-ceph-cluster']);
    expect(
      ks('apps', 'rook-ceph-cluster').objects.some(
        (o) => o.kind === 'StorageClass' && o.metadata.name === settings('infra').BLOCK_STORAGE_CLASS,
      ),
    ).toBe(false);
  });
};

checks['STORY-CICD-GITHUB-ARC'] = () => {
  it('both Kustomizations are in the apps workloads lane (not on infra) and depend only on components present on apps', () => {
    for (const id of ['arc-controller', 'arc-runners']) {
      expect(ks('apps', id).parent, id).toBe('workloads');
      expect(walk('infra').has(id), id).toBe(false);
    }
    expectLocalDependsOn('apps', ['arc-controller', 'arc-runners']);
  });
  it('apps: arc-controller (fullnameOverride, 1 replica, metrics) scraped through Service arc-controller-metrics; alert rule arc', () => {
    const v = values('apps', 'arc-controller');
    expect([v.fullnameOverride, v.replicaCount]).toEqual(['arc-controller', 1]);
    expect(v.metrics.controllerManagerAddr).toBe(':8080');
    expectPodSecurity('apps', 'arc-controller', 'arc-system', 'restricted');
    const sm = obj('apps', 'arc-controller', 'ServiceMonitor', 'arc-controller').spec;
    const svc = obj('apps', 'arc-controller', 'Service', 'arc-controller-metrics');
    expect(svc.metadata.labels).toMatchObject(sm.selector.matchLabels);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.endpoints[0].port);
    expect(svc.spec.selector['app.kubernetes.io/instance']).toBe('arc-controller');
    obj('apps', 'arc-controller', 'PrometheusRule', 'arc');
    expectHealthCheck('apps', 'arc-controller', 'Deployment', 'arc-controller');
    expectCatalogChart('apps', 'arc-controller');
  });
  it(
    'apps: arc-runners scale set GITHUB_ARC_RUNNER_SET_NAME for GITHUB_ARC_CONFIG_URL, ' +
      '0..GITHUB_ARC_MAX_RUNNERS, rootless dind, work volume on OPENEBS_LOCAL_SC',
    () => {
      const s = settings('apps');
      const v = values('apps', 'arc-runners');
      expect([v.runnerScaleSetName, v.githubConfigUrl, v.githubConfigSecret, v.minRunners, v.maxRunners]).toEqual([
        s.GITHUB_ARC_RUNNER_SET_NAME,
        s.GITHUB_ARC_CONFIG_URL,
        'arc-github-app',
        0,
        Number(s.GITHUB_ARC_MAX_RUNNERS),
      ]);
      expect(v.controllerServiceAccount).toEqual({
        namespace: fluxKs('apps', 'arc-controller').spec.targetNamespace,
        name: values('apps', 'arc-controller').fullnameOverride,
      });
      const dind = v.template.spec.initContainers.find((x: any) => x.name === 'dind');
      expect(dind.image).toMatch(/dind-rootless$/);
      const work = v.template.spec.volumes.find((x: any) => x.name === 'work');
      expect(work.ephemeral.volumeClaimTemplate.spec.storageClassName).toBe(s.OPENEBS_LOCAL_SC);
      expectHealthCheck('apps', 'arc-runners', 'AutoscalingRunnerSet', s.GITHUB_ARC_RUNNER_SET_NAME);
      expectCatalogChart('apps', 'arc-runners');
    },
  );
  it('apps: GitHub App credentials only from ExternalSecret arc-github-app; egress limited to DNS and the internet on 443', () => {
    const es = expectExternalSecret('apps', 'arc-runners', 'arc-github-app', 'kubernetes/apps/github-arc');
    expect(es.spec.data.map((d: any) => d.secretKey).sort()).toEqual([
      'github_app_id',
      'github_app_installation_id',
      'github_app_private_key',
    ]);
    const np = obj('apps', 'arc-runners', 'CiliumNetworkPolicy', 'arc-runners-egress').spec;
    expect(np.endpointSelector).toEqual({});
    expect(np.ingress).toBeUndefined();
    expect(np.egress).toHaveLength(2);
    expect(np.egress[0].toEndpoints).toEqual([
      { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } },
    ]);
    expect(np.egress[1]).toEqual({ toEntities: ['world'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
  });
  it('Namespace arc-runners is labelled network-policy.platform/baseline=enabled, as the resource note says', () => {
    expect(nsLabels('apps', 'arc-runners', 'arc-runners')['network-policy.platform/baseline']).toBe('enabled');
  });
};

checks['STORY-CICD-GITLAB-APPS'] = () => {
  it("apps: selector-less global Services reach infra's gitlab-pooler-rw and dragonfly-global over ClusterMesh, same names and namespaces", () => {
    for (const [id, name, port, infraKs] of [
      ['gitlab-mesh-postgres', 'gitlab-pooler-rw', 5432, 'cnpg-shared-cluster'],
      ['gitlab-mesh-redis', 'dragonfly-global', 6379, 'dragonfly'],
    ] as const) {
      const svc = obj('apps', id, 'Service', name);
      expect(svc.spec.selector, name).toBeUndefined();
      expect(
        svc.spec.ports.map((p: any) => p.port),
        name,
      ).toEqual([port]);
      expect(svc.metadata.annotations, name).toEqual({
        'service.cilium.io/global': 'true',
        'service.cilium.io/shared': 'false',
      });
      expect(fluxKs('apps', id).spec.targetNamespace, name).toBe(fluxKs('infra', infraKs).spec.targetNamespace);
      expect(walk('infra').has(id), id).toBe(false);
    }
    const pooler = obj('infra', 'cnpg-shared-cluster', 'Pooler', 'gitlab-pooler-rw');
    expect(pooler.spec.serviceTemplate.metadata.annotations['service.cilium.io/global']).toBe('true');
    expect(
      obj('infra', 'dragonfly', 'Service', 'dragonfly-global').metadata.annotations['service.cilium.io/global'],
    ).toBe('true');
  });
  it(
    'apps: GitLab on gitlab.<PUBLIC_DNS_ZONE> (registry on registry.<domain>) with external PostgreSQL and ' +
      'Redis through those Services; no bundled database, Redis, MinIO, cert-manager or nginx',
    () => {
      const s = settings('apps');
      const v = values('apps', 'gitlab');
      const d = pcl('apps').domain;
      expect(v.global.hosts).toMatchObject({
        domain: d,
        gitlab: { name: `gitlab.${s.PUBLIC_DNS_ZONE}` },
        registry: { name: `registry.${d}` },
      });
      expect(v.global.psql).toMatchObject({
        host: 'gitlab-pooler-rw.cnpg-system.svc',
        port: 5432,
        database: 'gitlab',
        password: { secret: 'gitlab-db' },
      });
      expect(v.global.redis).toMatchObject({
        host: 'dragonfly-global.dragonfly-system.svc',
        port: 6379,
        auth: { secret: 'gitlab-redis' },
      });
      expect([
        v.postgresql.install,
        v.redis.install,
        v.global.minio.enabled,
        v.installCertmanager,
        v['nginx-ingress'].enabled,
      ]).toEqual([false, false, false, false, false]);
      expect(v.gitlab.gitaly.persistence.storageClass).toBe(s.BLOCK_STORAGE_CLASS);
      expectHealthCheck('apps', 'gitlab', 'Deployment', 'gitlab-webservice-default');
      expectCatalogChart('apps', 'gitlab');
    },
  );
  it('apps: artifacts, LFS, uploads, packages and registry land in GITLAB_S3_BUCKET_PREFIX-* buckets at S3_ENDPOINT', () => {
    const s = settings('apps');
    const v = values('apps', 'gitlab');
    const p = s.GITLAB_S3_BUCKET_PREFIX;
    const ac = v.global.appConfig;
    expect([
      ac.artifacts.bucket,
      ac.lfs.bucket,
      ac.uploads.bucket,
      ac.packages.bucket,
      v.global.registry.bucket,
    ]).toEqual(['artifacts', 'lfs', 'uploads', 'packages', 'registry'].map((b) => `${p}-${b}`));
    expect(ac.object_store.connection.secret).toBe('gitlab-object-storage');
    const es = expectExternalSecret('apps', 'gitlab', 'gitlab-object-storage', 'kubernetes/apps/gitlab-s3');
    expect(parse(es.spec.target.template.data.connection).endpoint).toBe(s.S3_ENDPOINT);
    expect(parse(es.spec.target.template.data.registry).s3).toMatchObject({
      bucket: `${p}-registry`,
      regionendpoint: s.S3_ENDPOINT,
    });
  });
  it(
    'apps: login through Keycloak realm platform on infra; every credential from an ExternalSecret; GitLab ' +
      'on the external Gateway, its registry on the internal one',
    () => {
      const s = settings('apps');
      const infraKc = obj('infra', 'keycloak', 'Keycloak', 'keycloak').spec.hostname.hostname;
      expect(s.OIDC_ISSUER_URL).toBe(
        `${infraKc}/realms/${obj('infra', 'keycloak', 'KeycloakRealmImport', 'platform').spec.realm.realm}`,
      );
      const oidc = expectExternalSecret('apps', 'gitlab', 'gitlab-oidc', 'kubernetes/shared/gitlab-oidc');
      const provider = parse(oidc.spec.target.template.data.provider);
      expect(provider.args.issuer).toBe(s.OIDC_ISSUER_URL);
      expect(provider.args.client_options.redirect_uri).toBe(
        `https://gitlab.${s.PUBLIC_DNS_ZONE}/users/auth/openid_connect/callback`,
      );
      expect(settings('infra').GITLAB_EXTERNAL_URL).toBe(`https://gitlab.${s.PUBLIC_DNS_ZONE}`);
      expect(values('apps', 'gitlab').global.appConfig.omniauth.providers).toEqual([
        { secret: 'gitlab-oidc', key: 'provider' },
      ]);
      expectExternalSecret('apps', 'gitlab', 'gitlab-db', 'kubernetes/shared/gitlab-db');
      expectExternalSecret('apps', 'gitlab', 'gitlab-redis', 'kubernetes/shared/dragonfly-auth');
      expectExternalSecret('apps', 'gitlab', 'gitlab-root', 'kubernetes/apps/gitlab-root');
      const d = pcl('apps').domain;
      expectRoute('apps', 'gitlab', 'gitlab', `gitlab.${s.PUBLIC_DNS_ZONE}`, 'external', {
        name: 'gitlab-webservice-default',
      });
      expectRoute('apps', 'gitlab', 'gitlab-registry', `registry.${d}`, 'internal', {
        name: 'gitlab-registry',
        port: 5000,
      });
      obj('apps', 'gitlab', 'PrometheusRule', 'gitlab');
    },
  );
  it(
    'apps: gitlab-runner registers at https://gitlab.<PUBLIC_DNS_ZONE>, runs jobs unprivileged in its ' +
      'namespace with namespaced RBAC; dependsOn present on apps',
    () => {
      const v = values('apps', 'gitlab-runner');
      expect(v.gitlabUrl).toBe(`https://gitlab.${settings('apps').PUBLIC_DNS_ZONE}`);
      expect(v.rbac.clusterWideAccess).toBe(false);
      expect(v.runners.config).toMatch(/namespace = "gitlab-runner"/);
      expect(v.runners.config).toMatch(/privileged = false/);
      expect(v.runners.secret).toBe('gitlab-runner-token');
      expect(fluxKs('apps', 'gitlab-runner').spec.targetNamespace).toBe('gitlab-runner');
      expectPodSecurity('apps', 'gitlab-runner', 'gitlab-runner', 'baseline');
      expectExternalSecret('apps', 'gitlab-runner', 'gitlab-runner-token', 'kubernetes/apps/gitlab-runner');
      expectCatalogChart('apps', 'gitlab-runner');
      expectLocalDependsOn('apps', ['gitlab-mesh-postgres', 'gitlab-mesh-redis', 'gitlab', 'gitlab-runner']);
    },
  );
};

checks['STORY-APP-HARBOR'] = () => {
  it(
    'infra: Harbor at https://harbor.<domain>, clusterIP without TLS behind the internal Gateway (never ' +
      'through the tunnel), Trivy, metrics and ServiceMonitor',
    () => {
      const v = values('infra', 'harbor');
      const d = pcl('infra').domain;
      expect(v.externalURL).toBe(`https://harbor.${d}`);
      expect([v.expose.type, v.expose.tls.enabled]).toEqual(['clusterIP', false]);
      expect([v.trivy.enabled, v.metrics.enabled, v.metrics.serviceMonitor.enabled]).toEqual([true, true, true]);
      expectRoute('infra', 'harbor', 'harbor', `harbor.${d}`, 'internal', { name: v.expose.clusterIP.name });
      for (const dep of ['harbor-core', 'harbor-registry', 'harbor-portal'])
        expectHealthCheck('infra', 'harbor', 'Deployment', dep);
      obj('infra', 'harbor', 'PrometheusRule', 'harbor');
      expectCatalogChart('infra', 'harbor');
      expect(walk('apps').has('harbor')).toBe(false);
    },
  );
  it('infra: database harbor on shared-postgres via harbor-pooler-rw and Dragonfly; image blobs in HARBOR_S3_BUCKET at S3_ENDPOINT', () => {
    const s = settings('infra');
    const v = values('infra', 'harbor');
    expect(v.database.type).toBe('external');
    expect(v.database.external).toMatchObject({
      host: 'harbor-pooler-rw.cnpg-system.svc',
      coreDatabase: 'harbor',
      username: 'harbor',
      existingSecret: 'harbor-db',
    });
    expect(obj('infra', 'cnpg-shared-cluster', 'Database', 'harbor').spec.owner).toBe(v.database.external.username);
    expect(v.redis.type).toBe('external');
    expect(v.redis.external.addr).toBe('dragonfly-global.dragonfly-system.svc:6379');
    expect(v.persistence.imageChartStorage.type).toBe('s3');
    expect(v.persistence.imageChartStorage.s3).toMatchObject({
      bucket: s.HARBOR_S3_BUCKET,
      regionendpoint: s.S3_ENDPOINT,
      existingSecret: 'harbor-s3',
    });
  });
  it('infra: every credential via ExternalSecret and existingSecret references; every dependsOn exists on infra', () => {
    expectExternalSecret('infra', 'harbor', 'harbor-db', 'kubernetes/shared/harbor-db');
    expectExternalSecret('infra', 'harbor', 'harbor-redis', 'kubernetes/shared/dragonfly-auth');
    expectExternalSecret('infra', 'harbor', 'harbor-s3', 'kubernetes/infra/harbor-s3');
    expectExternalSecret('infra', 'harbor', 'harbor-admin', 'kubernetes/infra/harbor-admin');
    const v = values('infra', 'harbor');
    expect([
      v.existingSecretAdminPassword,
      v.core.existingSecret,
      v.jobservice.existingSecret,
      v.registry.existingSecret,
    ]).toEqual(['harbor-admin', 'harbor-admin', 'harbor-admin', 'harbor-admin']);
    expect(v.harborAdminPassword).toBeUndefined();
    expectLocalDependsOn('infra', ['harbor']);
  });
};

checks['STORY-TENANCY-BASELINE'] = () => {
  forClusters(
    'STORY-TENANCY-BASELINE',
    'tenant-demo: Namespace (restricted), RoleBindings edit/view/cicd in the namespace only, quota and limit defaults',
    (c) => {
      expectPodSecurity(c, 'tenant-baseline', 'tenant-demo', 'restricted');
      expect(fluxKs(c, 'tenant-baseline').spec.targetNamespace).toBe('tenant-demo');
      const rb = (n: string) => obj(c, 'tenant-baseline', 'RoleBinding', n);
      expect([rb('tenant-developers').roleRef.name, rb('tenant-developers').subjects]).toEqual([
        'edit',
        [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'tenant-demo-developers' }],
      ]);
      expect([rb('tenant-viewers').roleRef.name, rb('tenant-viewers').subjects]).toEqual([
        'view',
        [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'tenant-demo-viewers' }],
      ]);
      expect([rb('tenant-cicd').roleRef.name, rb('tenant-cicd').subjects]).toEqual([
        'edit',
        [{ kind: 'ServiceAccount', name: 'tenant-cicd', namespace: 'tenant-demo' }],
      ]);
      obj(c, 'tenant-baseline', 'ServiceAccount', 'tenant-cicd');
      expect(ks(c, 'tenant-baseline').objects.filter((o) => /^Cluster(Role|RoleBinding)$/.test(o.kind))).toEqual([]);
      expect(obj(c, 'tenant-baseline', 'ResourceQuota', 'tenant-quota').spec.hard).toEqual({
        'requests.cpu': '4',
        'requests.memory': '8Gi',
        'limits.cpu': '8',
        'limits.memory': '16Gi',
        pods: '20',
        services: '10',
        persistentvolumeclaims: '5',
      });
      const lr = obj(c, 'tenant-baseline', 'LimitRange', 'tenant-limits').spec.limits[0];
      expect(lr.type).toBe('Container');
      expect(lr.default && lr.defaultRequest).toBeTruthy();
      expectHealthCheck(c, 'tenant-baseline', 'Namespace', 'tenant-demo');
    },
  );
  forClusters(
    'STORY-TENANCY-BASELINE',
    'the baseline network policy is wired on the cluster before the tenant',
    (c) => {
      expect(walk(c).has('network-policy-baseline')).toBe(true);
      expectLocalDependsOn(c, ['tenant-baseline']);
    },
  );
  it('Namespace tenant-demo carries network-policy.platform/baseline=enabled and toolkit.fluxcd.io/tenant=demo', () => {
    for (const c of CLUSTERS) {
      expect(nsLabels(c, 'tenant-baseline', 'tenant-demo')).toMatchObject({
        'network-policy.platform/baseline': 'enabled',
        'toolkit.fluxcd.io/tenant': 'demo',
      });
    }
  });
};

checks['STORY-BACKUP-VOLSYNC-APPS'] = () => {
  it(
    'apps: snapshot-controller (2 replicas, webhook) and VolSync (manageCRDs, metrics) Ready; ' +
      'VolumeSnapshotClass ceph-block-snapshot on the RBD driver',
    () => {
      const sc = values('apps', 'snapshot-controller');
      expect([sc.controller.replicaCount, sc.webhook.enabled]).toEqual([2, true]);
      const v = values('apps', 'volsync');
      expect(v.manageCRDs).toBe(true);
      expect(v.metrics).toBeDefined();
      const vsc = obj('apps', 'volsync', 'VolumeSnapshotClass', 'ceph-block-snapshot');
      expect([vsc.driver, vsc.deletionPolicy]).toEqual([
        obj('apps', 'rook-ceph-cluster', 'StorageClass', settings('apps').BLOCK_STORAGE_CLASS).provisioner,
        'Delete',
      ]);
      expectHealthCheck('apps', 'snapshot-controller', 'Deployment', 'snapshot-controller');
      expectHealthCheck('apps', 'volsync', 'Deployment', 'volsync');
      for (const id of ['snapshot-controller', 'volsync']) {
        expectCatalogChart('apps', id);
        expect(walk('infra').has(id), id).toBe(false);
      }
      expectLocalDependsOn('apps', ['snapshot-controller', 'volsync']);
    },
  );
  it('apps: an app including volsync-restic gets hourly restic backups into VOLSYNC_BUCKET, a restore destination, and keys from ExternalSecret', () => {
    const s = settings('apps');
    const consumer = path.join(tmpDir(), 'demo-app');
    fs.mkdirSync(consumer);
    fs.writeFileSync(
      path.join(consumer, 'pvc.yaml'),
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: demo\nspec:\n  accessModes: ' +
        '[ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n',
    );
    const compDir = path.join(repo, 'kubernetes/infrastructure/storage/volsync/components/volsync-restic');
    fs.writeFileSync(
      path.join(consumer, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [./pvc.yaml]\ncomponents: [${path.relative(consumer, compDir)}]\n`,
    );
    const sub = substituteText(kustomize(consumer).text, { ...s, APP: 'demo' });
    expect(sub.unresolved).toEqual([]);
    const objects = parseAllObjects(sub.text);
    const find = (kind: string, name: string) => {
      const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
      if (!o) throw new Error(`volsync-restic: ${kind} ${name} missing`);
      return o as any;
    };
    const src = find('ReplicationSource', 'demo').spec;
    expect([src.sourcePVC, src.trigger.schedule, src.restic.repository]).toEqual(['demo', '0 * * * *', 'demo-volsync']);
    expect(src.restic.volumeSnapshotClassName).toBe('ceph-block-snapshot');
    expect(src.restic.cacheStorageClassName).toBe(s.OPENEBS_LOCAL_SC);
    const es = find('ExternalSecret', 'demo-volsync').spec;
    expect(es.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: provider('apps') });
    expect(es.target.template.data.RESTIC_REPOSITORY).toBe(`s3:${s.S3_ENDPOINT}/${s.VOLSYNC_BUCKET}/demo`);
    expect(es.data.map((d: any) => [d.secretKey, d.remoteRef.key])).toEqual(
      ['RESTIC_PASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((k) => [k, 'kubernetes/apps/volsync']),
    );
    expect(find('ReplicationDestination', 'demo-restore').spec.restic.repository).toBe('demo-volsync');
  });
  it('apps: a failing backup raises an alert', () => {
    const rules = obj('apps', 'volsync', 'PrometheusRule', 'volsync').spec.groups.flatMap((g: any) => g.rules);
    expect(rules.map((r: any) => r.alert)).toEqual(
      expect.arrayContaining(['VolSyncVolumeOutOfSync', 'VolSyncMoverFailed']),
    );
    expect(rules.map((r: any) => r.expr).join('\n')).toMatch(/volsync_volume_out_of_sync/);
  });
};

function parseAllObjects(text: string): K8sObject[] {
  return text
    .split(/^---$/m)
    .map((d) => parse(d))
    .filter((o) => o && typeof o === 'object');
}

// ---------------------------------------------------------------------------------------------- suite

describe('story acceptance: key resources of every catalog story on infra + apps', () => {
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({ dir: repo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    const ids = cat.stories.map((s) => s.id);
    addStories({ dir: repo, ids, approve: true });
    // apps gets its own values for settings that differ per cluster; regenerate
    const file = path.join(repo, 'platform.yaml');
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    for (const [k, v] of Object.entries(APPS_OWN)) doc.setIn(['clusters', 'apps', 'settings', k], v);
    fs.writeFileSync(file, doc.toString());
    addStories({ dir: repo, ids, approve: true });
    platform = parse(fs.readFileSync(file, 'utf8'));
    for (const c of CLUSTERS) walks.set(c, walkClusterBatched(repo, c, { substitute: true }));
    for (const [k, v] of Object.entries(APPS_OWN)) {
      if (settings('apps')[k] !== v) throw new Error(`fixture: apps setting ${k} did not reach cluster-settings`);
      if (settings('infra')[k] === v) throw new Error(`fixture: infra setting ${k} equals apps'`);
    }
  }, 240_000);

  it("has acceptance checks for every one of the catalog's stories", () => {
    expect(cat.stories).toHaveLength(41);
    expect(Object.keys(checks).sort()).toEqual(cat.stories.map((s) => s.id).sort());
  });

  for (const s of cat.stories) {
    describe(`${s.id}: ${s.title}`, () => {
      it('story document lists its acceptance criteria and clusters', () => {
        const doc = read(`docs/stories/${s.id}.md`);
        expect(doc).toContain(`# ${s.id}: ${s.title}`);
        for (const a of s.acceptance) expect(doc).toContain(`- [ ] ${a}`);
        for (const c of s.clusters) expect(doc).toContain(`- **${c}**: approved`);
        for (const c of clustersOf(s.id)) {
          for (const cc of s.components.filter((x) => !x.clusters || x.clusters.includes(c))) {
            expect(walk(c).get(cc.id)?.parent, `${c}: ${cc.id} is wired by its lane`).toBe(cc.lane);
          }
        }
      });
      const fn = checks[s.id];
      if (fn) fn();
    });
  }
});
