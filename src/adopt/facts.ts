// The cluster facts adopt can prove from the files: each with the file and the fact it read. A fact is taken from
// the first source that states it, in this order: the Talos configuration (talhelper's, then machine configuration
// as talosctl writes it: what the nodes are built from), the
// cluster's settings (what Flux substitutes), the Cilium HelmRelease's values (substituted with those settings),
// the cluster's Flux source (git) and its ClusterSecretStore. Nothing is guessed: a fact no file states is absent,
// and the caller asks for it or takes it from flags.
import * as path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { valueMap } from '../check/check';
import type { Obj } from '../check/objects';
import { subst } from '../check/vars';
import { parseCidr, parseIp } from '../core/net';
import type { NodeSpec, SecretProvider } from '../model/schema';
import type { ClusterSettings } from './settings';
import type { Claim, ClusterView, RepoView } from './view';

export interface ClusterFacts {
  clusterId?: Claim<number>;
  domain?: Claim<string>;
  podCidr?: Claim<string>;
  serviceCidr?: Claim<string>;
  nodeCidr?: Claim<string>;
  apiEndpoint?: Claim<string>;
  nodes?: Claim<NodeSpec[]>;
  gitUrl?: Claim<string>;
  gitBranch?: Claim<string>;
  secretStore?: Claim<SecretProvider>;
  /** The ClusterSecretStore the cluster's ExternalSecrets read (the tool's own components must read the same). */
  secretStoreName?: Claim<string>;
}

/** Settings keys that state a fact, by convention of the repositories we read (ours, home-ops, the plan's). */
const SETTING_KEYS: { fact: 'clusterId' | 'domain' | 'podCidr' | 'serviceCidr' | 'nodeCidr'; keys: string[] }[] = [
  { fact: 'clusterId', keys: ['CLUSTER_ID'] },
  { fact: 'domain', keys: ['CLUSTER_DOMAIN', 'DOMAIN', 'SECRET_DOMAIN', 'PUBLIC_DOMAIN'] },
  { fact: 'podCidr', keys: ['POD_CIDR', 'CLUSTER_POD_CIDR', 'POD_CIDR_STRING', 'POD_SUBNET', 'CLUSTER_CIDR'] },
  {
    fact: 'serviceCidr',
    keys: ['SERVICE_CIDR', 'CLUSTER_SERVICE_CIDR', 'SERVICE_CIDR_STRING', 'SERVICE_SUBNET', 'SVC_CIDR'],
  },
  { fact: 'nodeCidr', keys: ['NODE_CIDR', 'NODE_NETWORK', 'HOST_CIDR'] },
];

/** The first IPv4 network written canonically in a text (a bare CIDR, or a JSON list of them as the plan writes). */
export function firstCidr(text: string): string | undefined {
  for (const m of text.matchAll(/\b\d{1,3}(?:\.\d{1,3}){3}\/\d{1,2}\b/g))
    if (typeof parseCidr(m[0]) !== 'string') return m[0];
  return undefined;
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** A value a fact may take, or undefined (a placeholder, a ${VAR} left, a malformed network). */
function asFact(fact: string, raw: unknown): unknown {
  const v = String(raw ?? '').trim();
  if (!v || v.includes('${')) return undefined;
  switch (fact) {
    case 'clusterId': {
      const n = Number(v);
      return Number.isInteger(n) && n >= 1 && n <= 255 ? n : undefined;
    }
    case 'domain':
      return DOMAIN.test(v) ? v : undefined;
    default:
      return firstCidr(v);
  }
}

/** Talos configuration files of a cluster: talhelper's talconfig.yaml whose clusterName or folder names it. */
function talconfigOf(view: RepoView, cluster: string): { file: string; raw: Record<string, any> } | undefined {
  const reader = view.walk.reader;
  const files = reader.allYamlFiles().filter((f) => /(^|\/)talconfig\.ya?ml$/.test(f));
  const read = (f: string) => {
    const p = reader.parse(f);
    const js = p?.docs[0] ? reader.toJS(f, p.docs[0], p.lc) : undefined;
    return js && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, any>) : undefined;
  };
  const found = files
    .map((f) => ({ file: f, raw: read(f) }))
    .filter((x): x is { file: string; raw: Record<string, any> } => x.raw !== undefined);
  const named =
    found.find((x) => x.raw.clusterName === cluster) ??
    found.find((x) => path.posix.dirname(x.file).split('/').includes(cluster));
  // One cluster and one Talos configuration: they are the same cluster.
  return named ?? (view.clusters.length === 1 && found.length === 1 ? found[0] : undefined);
}

const lineIn = (view: RepoView, file: string, keys: (string | number)[]): number | undefined => {
  const p = view.walk.reader.parse(file);
  const node = p?.docs[0]?.getIn(keys, true) as { range?: [number, number, number] } | undefined;
  return node?.range && p ? p.lc.linePos(node.range[0]).line : undefined;
};

/** External Secrets provider keys -> the tool's secret store providers. */
const PROVIDERS: Record<string, SecretProvider> = {
  onepassword: 'onepassword',
  onepasswordSDK: 'onepassword',
  vault: 'vault',
  aws: 'aws-secrets-manager',
  gcpsm: 'gcp-secret-manager',
  azurekv: 'azure-key-vault',
  bitwardensecretsmanager: 'bitwarden',
};

/** Keep the first claim of a fact: a later one (another HelmRelease, the FluxInstance after the GitRepository) is ignored. */
function first<K extends keyof ClusterFacts>(out: ClusterFacts, k: K, claim: ClusterFacts[K] | undefined): void {
  if (out[k] === undefined && claim) out[k] = claim;
}

/** A Talos node list platform.yaml can hold, or undefined when one node of it cannot be read (all or nothing). */
function talosNodes(list: unknown): NodeSpec[] | undefined {
  if (!Array.isArray(list) || !list.length) return undefined;
  const nodes: NodeSpec[] = [];
  for (const n of list) {
    // A hostname with a template in it (k8s-0.${domainName}) or a FQDN is not a node name platform.yaml can hold.
    if (typeof n?.hostname !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n.hostname)) continue;
    if (typeof n?.ipAddress !== 'string' || typeof parseIp(n.ipAddress) === 'string') continue;
    nodes.push({
      name: n.hostname,
      ip: n.ipAddress,
      controlPlane: n.controlPlane === true,
      installDisk: typeof n.installDisk === 'string' ? n.installDisk : '/dev/sda',
    });
  }
  return nodes.length === list.length ? nodes : undefined;
}

/** 1. Talos (talhelper): networks, endpoint and nodes as the machines are configured. */
export function talosFacts(view: RepoView, cluster: string): ClusterFacts {
  const out: ClusterFacts = {};
  const tal = talconfigOf(view, cluster);
  if (!tal) return out;
  const t = tal.raw;
  const at = (keys: (string | number)[], fact: string) => ({
    file: tal.file,
    line: lineIn(view, tal.file, keys),
    fact,
  });
  const pod = asFact('podCidr', Array.isArray(t.clusterPodNets) ? t.clusterPodNets[0] : undefined) as
    | string
    | undefined;
  if (pod)
    first(out, 'podCidr', { value: pod, why: [at(['clusterPodNets', 0], `talhelper clusterPodNets[0] ${pod}`)] });
  const svc = asFact('serviceCidr', Array.isArray(t.clusterSvcNets) ? t.clusterSvcNets[0] : undefined) as
    | string
    | undefined;
  if (svc)
    first(out, 'serviceCidr', { value: svc, why: [at(['clusterSvcNets', 0], `talhelper clusterSvcNets[0] ${svc}`)] });
  if (typeof t.endpoint === 'string' && /^https:\/\/[^\s/]+:\d+$/.test(t.endpoint) && !t.endpoint.includes('${'))
    first(out, 'apiEndpoint', { value: t.endpoint, why: [at(['endpoint'], `talhelper endpoint ${t.endpoint}`)] });
  const nodes = talosNodes(t.nodes);
  if (nodes) {
    const list = nodes.map((n) => `${n.name} ${n.ip}${n.controlPlane ? ' (control plane)' : ''}`).join(', ');
    first(out, 'nodes', { value: nodes, why: [at(['nodes'], `talhelper nodes: ${list}`)] });
  }
  return out;
}

/** One Talos machine-configuration document that states cluster facts, with where each is in its file. */
interface MachineDoc {
  file: string;
  clusterName?: string;
  facts: { fact: 'podCidr' | 'serviceCidr' | 'apiEndpoint'; value: string; line: number; key: string }[];
}

/**
 * Talos machine configuration as talosctl writes it (controlplane.yaml), or a template of it that is YAML where the
 * facts are (onedr0p/home-ops: talos/cluster.yaml.j2): the `version: v1alpha1` document's cluster.network.podSubnets,
 * serviceSubnets and cluster.controlPlane.endpoint, and Talos 1.12's KubeNetworkConfig document. A document that does
 * not parse (template syntax in it) or a value with a template in it states nothing.
 */
function machineDocs(view: RepoView): MachineDoc[] {
  const reader = view.walk.reader;
  const out: MachineDoc[] = [];
  for (const file of reader.allYamlFiles(/\.ya?ml(\.j2)?$/)) {
    const text = reader.text(file);
    if (!/\bpodSubnets:|\bcontrolPlane:/.test(text) || /(^|\/)talconfig\.ya?ml$/.test(file)) continue;
    const lc = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: lc, logLevel: 'error' })) {
      if (doc.errors.length) continue;
      const raw = doc.toJS() as Record<string, any> | null;
      if (!raw || typeof raw !== 'object') continue;
      const machine = raw.version === 'v1alpha1' && raw.cluster && typeof raw.cluster === 'object';
      const network = raw.kind === 'KubeNetworkConfig';
      if (!machine && !network) continue;
      const base = machine ? ['cluster', 'network'] : [];
      const facts: MachineDoc['facts'] = [];
      const take = (fact: MachineDoc['facts'][number]['fact'], keys: (string | number)[], value: unknown) => {
        const v = fact === 'apiEndpoint' ? endpointUrl(value) : (asFact(fact, value) as string | undefined);
        const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
        const key = keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join('');
        const line = node?.range ? lc.linePos(node.range[0]).line : 1;
        if (v) facts.push({ fact, value: v, key: machine ? key : `KubeNetworkConfig ${key}`, line });
      };
      const net = machine ? raw.cluster.network : raw;
      if (Array.isArray(net?.podSubnets)) take('podCidr', [...base, 'podSubnets', 0], net.podSubnets[0]);
      if (Array.isArray(net?.serviceSubnets))
        take('serviceCidr', [...base, 'serviceSubnets', 0], net.serviceSubnets[0]);
      if (machine) take('apiEndpoint', ['cluster', 'controlPlane', 'endpoint'], raw.cluster.controlPlane?.endpoint);
      if (facts.length)
        out.push({
          file,
          facts,
          ...(machine && typeof raw.cluster.clusterName === 'string' ? { clusterName: raw.cluster.clusterName } : {}),
        });
    }
  }
  return out;
}

/** An https://host:port API endpoint as written, without template syntax. */
const endpointUrl = (v: unknown) =>
  typeof v === 'string' && /^https:\/\/[A-Za-z0-9.\-[\]:]+:\d+$/.test(v) ? v : undefined;

/**
 * 1b. Talos machine configuration (see machineDocs): the documents whose clusterName or folder names the cluster;
 * with one cluster, every document found, when they agree (a KubeNetworkConfig names no cluster).
 */
export function machineConfigFacts(view: RepoView, cluster: string): ClusterFacts {
  const docs = machineDocs(view);
  const named = docs.filter(
    (d) => d.clusterName === cluster || path.posix.dirname(d.file).split('/').includes(cluster),
  );
  const mine = named.length ? named : view.clusters.length === 1 ? docs : [];
  const out: ClusterFacts = {};
  for (const fact of ['podCidr', 'serviceCidr', 'apiEndpoint'] as const) {
    const all = mine.flatMap((d) => d.facts.filter((f) => f.fact === fact).map((f) => ({ ...f, file: d.file })));
    if (!all.length || new Set(all.map((f) => f.value)).size > 1) continue; // none, or files that disagree
    const f = all[0];
    first(out, fact, { value: f.value, why: [{ file: f.file, line: f.line, fact: `Talos ${f.key} ${f.value}` }] });
  }
  return out;
}

/** An API endpoint from a host and port, unless the host is the node-local one (KubePrism) or not resolved. */
function endpointOf(host: string | undefined, port: string | undefined): string | undefined {
  if (!host || !port || ['localhost', '127.0.0.1'].includes(host) || !/^\d+$/.test(port) || host.includes('${'))
    return undefined;
  return `https://${host}:${port}`;
}

/** 2. The settings Flux substitutes: the keys of SETTING_KEYS, the API endpoint from K8S_SERVICE_HOST and _PORT. */
export function settingsFacts(settings: ClusterSettings): ClusterFacts {
  const out: ClusterFacts = {};
  for (const { fact, keys } of SETTING_KEYS) {
    for (const key of keys) {
      const v = asFact(fact, settings.values[key]);
      if (v === undefined) continue;
      const w = settings.why[key];
      first(out, fact, { value: v as never, why: [{ ...w, fact: `${w.fact} = ${settings.values[key]}` }] });
      break;
    }
  }
  const endpoint = endpointOf(settings.values.K8S_SERVICE_HOST, settings.values.K8S_SERVICE_PORT);
  if (endpoint)
    first(out, 'apiEndpoint', { value: endpoint, why: [settings.why.K8S_SERVICE_HOST, settings.why.K8S_SERVICE_PORT] });
  return out;
}

/** 3. Cilium's HelmRelease values, substituted as its Kustomization's postBuild substitutes them. */
export function ciliumFacts(c: ClusterView): ClusterFacts {
  const out: ClusterFacts = {};
  const objects = c.kustomizations.flatMap((k) => k.objects);
  for (const k of c.kustomizations) {
    for (const hr of k.objects.filter((o) => o.kind === 'HelmRelease' && chartOf(o, k.objects) === 'cilium')) {
      const values = k.ks.postBuild ? valueMap(k.ks, objects) : {};
      const v = (keys: string[]) => {
        let x: any = hr.raw.spec?.values;
        for (const key of keys) x = x?.[key];
        if (x === undefined || x === null || typeof x === 'object')
          return Array.isArray(x) && x.length ? subst(String(x[0]), values) : undefined;
        return subst(String(x), values);
      };
      const at = (keys: string[], fact: string) => ({
        file: hr.file,
        line: hr.lineOf(['spec', 'values', ...keys]),
        fact: `HelmRelease ${hr.name} values.${keys.join('.')}: ${fact}`,
      });
      const id = asFact('clusterId', v(['cluster', 'id'])) as number | undefined;
      if (id) first(out, 'clusterId', { value: id, why: [at(['cluster', 'id'], String(id))] });
      const poolKeys = ['ipam', 'operator', 'clusterPoolIPv4PodCIDRList'];
      const pod = asFact('podCidr', v(poolKeys)) as string | undefined;
      if (pod) first(out, 'podCidr', { value: pod, why: [at(poolKeys, String(pod))] });
      const h = v(['k8sServiceHost']);
      const p = v(['k8sServicePort']);
      const endpoint = endpointOf(h, p);
      if (endpoint) first(out, 'apiEndpoint', { value: endpoint, why: [at(['k8sServiceHost'], `${h}:${p}`)] });
    }
  }
  return out;
}

/** 4a. The GitRepository the cluster's entry syncs: its URL and branch. */
function gitRepositoryFacts(view: RepoView, c: ClusterView, objects: Obj[]): ClusterFacts {
  const out: ClusterFacts = {};
  const src = c.entry.source;
  const git =
    objects.find(
      (o) => o.kind === 'GitRepository' && o.name === src.name && (o.namespace ?? 'flux-system') === src.namespace,
    ) ??
    view.walk.reader.objectsOf(c.entry.obj?.file ?? '').find((o) => o.kind === 'GitRepository' && o.name === src.name);
  if (!git || typeof git.raw.spec?.url !== 'string') return out;
  const why = (keys: string[], fact: string) => [{ file: git.file, line: git.lineOf(['spec', ...keys]), fact }];
  first(out, 'gitUrl', {
    value: git.raw.spec.url,
    why: why(['url'], `GitRepository ${src.namespace}/${src.name} spec.url`),
  });
  const branch = git.raw.spec?.ref?.branch;
  if (typeof branch === 'string')
    first(out, 'gitBranch', {
      value: branch,
      why: why(['ref', 'branch'], `GitRepository ${src.name} spec.ref.branch`),
    });
  return out;
}

/** 4b. A FluxInstance's spec.sync, or the same given to the flux-instance chart (HelmRelease values.instance.sync). */
function fluxInstanceFacts(c: ClusterView, objects: Obj[]): ClusterFacts {
  const out: ClusterFacts = {};
  const syncs = objects.flatMap((o) => {
    if (o.kind === 'FluxInstance') return [{ o, keys: ['spec', 'sync'], what: `FluxInstance ${o.name} spec.sync` }];
    if (o.kind === 'HelmRelease')
      return [{ o, keys: ['spec', 'values', 'instance', 'sync'], what: `HelmRelease ${o.name} values.instance.sync` }];
    return [];
  });
  for (const { o, keys, what } of syncs) {
    const sync = keys.reduce<any>((x, k) => x?.[k], o.raw);
    if (typeof sync?.path !== 'string' || sync.path.replace(/^\.\//, '').replace(/\/$/, '') !== c.entry.path) continue;
    // An OCIRepository or a Bucket is no git repository (controlplaneio-fluxcd/d2-fleet syncs oci://): its URL
    // proves nothing of the repository's; the git fields stay unproven (asked).
    if ((sync.kind ?? 'GitRepository') !== 'GitRepository') continue;
    if (typeof sync.url === 'string' && !sync.url.includes('${'))
      first(out, 'gitUrl', {
        value: sync.url,
        why: [{ file: o.file, line: o.lineOf([...keys, 'url']), fact: `${what}.url` }],
      });
    const ref = String(sync.ref ?? '');
    const m = /^refs\/heads\/(.+)$/.exec(ref);
    if (m)
      first(out, 'gitBranch', {
        value: m[1],
        why: [{ file: o.file, line: o.lineOf([...keys, 'ref']), fact: `${what}.ref ${ref}` }],
      });
  }
  return out;
}

/** 4. The git source the cluster syncs: its GitRepository, else the FluxInstance's sync. */
export function gitFacts(view: RepoView, c: ClusterView): ClusterFacts {
  const objects = c.kustomizations.flatMap((k) => k.objects);
  return merged([gitRepositoryFacts(view, c, objects), fluxInstanceFacts(c, objects)]);
}

/** 5. The secret backend: the provider of its ClusterSecretStore. */
export function secretStoreFacts(c: ClusterView): ClusterFacts {
  const out: ClusterFacts = {};
  const objects = c.kustomizations.flatMap((k) => k.objects);
  const stores = objects.filter(
    (x) =>
      x.kind === 'ClusterSecretStore' &&
      x.apiVersion.startsWith('external-secrets.io/') &&
      PROVIDERS[Object.keys(x.raw.spec?.provider ?? {})[0] ?? ''],
  );
  // The store the repository's ExternalSecrets read most: the one a component the tool adds must read too.
  const reads = new Map<string, number>();
  for (const o of objects) {
    const ref = o.kind === 'ExternalSecret' ? o.raw.spec?.secretStoreRef : undefined;
    if (ref?.kind === 'ClusterSecretStore' && typeof ref.name === 'string')
      reads.set(ref.name, (reads.get(ref.name) ?? 0) + 1);
  }
  const ranked = [...stores].sort((a, b) => (reads.get(b.name) ?? 0) - (reads.get(a.name) ?? 0));
  for (const o of ranked) {
    const key = Object.keys(o.raw.spec.provider)[0];
    const line = o.lineOf(['spec', 'provider', key]);
    first(out, 'secretStore', {
      value: PROVIDERS[key],
      why: [{ file: o.file, line, fact: `ClusterSecretStore ${o.name} spec.provider.${key}` }],
    });
    const n = reads.get(o.name) ?? 0;
    first(out, 'secretStoreName', {
      value: o.name,
      why: [{ file: o.file, line: o.line, fact: `ClusterSecretStore ${o.name}, read by ${n} ExternalSecret(s)` }],
    });
  }
  return out;
}

/** The facts of several sources, the first source's claim of a fact winning (keys in the order they were first claimed). */
function merged(parts: ClusterFacts[]): ClusterFacts {
  const out: ClusterFacts = {};
  for (const part of parts)
    for (const k of Object.keys(part) as (keyof ClusterFacts)[]) first(out, k, part[k] as never);
  return out;
}

/** What the files prove about one cluster (see the header): each source on its own, in the order of trust. */
export function clusterFacts(view: RepoView, c: ClusterView, settings: ClusterSettings): ClusterFacts {
  return merged([
    talosFacts(view, c.name),
    machineConfigFacts(view, c.name),
    settingsFacts(settings),
    ciliumFacts(c),
    gitFacts(view, c),
    secretStoreFacts(c),
  ]);
}

/** The chart a HelmRelease installs: spec.chart.spec.chart, or the last segment of its chartRef OCIRepository's URL. */
export function chartOf(hr: Obj, objects: Obj[]): string | undefined {
  const spec = hr.raw.spec ?? {};
  if (typeof spec.chart?.spec?.chart === 'string') return path.posix.basename(spec.chart.spec.chart);
  const ref = spec.chartRef;
  if (ref?.kind === 'OCIRepository' && typeof ref.name === 'string') {
    const repo = objects.find((o) => o.kind === 'OCIRepository' && o.name === ref.name);
    const url = repo?.raw.spec?.url;
    if (typeof url === 'string') return url.replace(/\/+$/, '').split('/').pop();
  }
  return undefined;
}

/** Where a HelmRelease's chart comes from (a repository or OCI URL), for the evidence. */
export function chartSourceOf(hr: Obj, objects: Obj[]): string | undefined {
  const spec = hr.raw.spec ?? {};
  const ref = spec.chartRef ?? spec.chart?.spec?.sourceRef;
  if (!ref || typeof ref.name !== 'string') return undefined;
  const repo = objects.find((o) => o.kind === ref.kind && o.name === ref.name);
  return typeof repo?.raw.spec?.url === 'string' ? repo.raw.spec.url : undefined;
}
