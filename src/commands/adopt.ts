// `platform-kit adopt`: bring an existing Flux repository under the tool. It reads the repository once (adopt/),
// turns what it inferred into platform.yaml, and writes only platform.yaml, .platform/adopt.json (the inference
// with its evidence) and an empty .platform/manifest.json: every other file stays byte for byte as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Adoption, type ClusterAdoption, infer } from '../adopt/infer';
import { UsageError } from '../core/errors';
import { emptyManifest, MANIFEST_FILE, manifestToString } from '../core/manifest';
import { defaultCluster, roleForName } from '../model/defaults';
import {
  newPlatform,
  PLATFORM_FILE,
  parsePlatform,
  platformToString,
  setCluster,
  setStoryState,
} from '../model/platform-file';
import type { AdoptedComponent, ClusterSpec, PlatformSpec } from '../model/schema';
import { clusterNameProblem, validateClusters } from '../model/validate';
import { validateStories } from '../model/wiring';
import { GENERATOR_VERSION } from '../version';

export const ADOPT_RECORD = '.platform/adopt.json';

export interface AdoptOptions {
  dir: string;
  dryRun?: boolean;
  /** Take the defaults for the cluster facts no file proves (as create-platform-cluster --yes does). */
  yes?: boolean;
}

/** A cluster field adopt could not prove, and the default it takes with --yes. */
export interface Unproven {
  cluster: string;
  field: string;
  value: string;
}

export interface AdoptResult {
  adoption: Adoption;
  /** platform.yaml as adopt writes it (or would, on a dry run). */
  platform: string;
  spec: PlatformSpec;
  unproven: Unproven[];
  /** Settings not carried into platform.yaml, with why (they stay in the repository's own files). */
  skipped: { cluster: string; key: string; reason: string }[];
  /** Why the platform.yaml inferred would be refused (a dry run shows it; a real run exits 2). */
  refused: string[];
  written: boolean;
  root: string;
}

const FACT_FIELDS = [
  'role',
  'domain',
  'clusterId',
  'apiEndpoint',
  'network.nodeCidr',
  'network.podCidr',
  'network.serviceCidr',
  'nodes',
  'git.url',
  'git.branch',
  'secretStore.provider',
];

/** The /24 holding an address: the node network adopt derives from proven node addresses. */
function slash24(ip: string): string {
  return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
}

/** One cluster's spec: every proven fact, the defaults for the rest (listed in `unproven`). */
function clusterSpec(p: PlatformSpec, c: ClusterAdoption, unproven: Unproven[]): ClusterSpec {
  const f = c.facts;
  const nodeCidr = f.nodeCidr?.value ?? (f.nodes ? slash24(f.nodes.value[0].ip) : undefined);
  const base = defaultCluster(p, c.name, roleForName(c.name), nodeCidr);
  const spec: ClusterSpec = {
    ...base,
    domain: f.domain?.value ?? base.domain,
    clusterId: f.clusterId?.value ?? base.clusterId,
    apiEndpoint: f.apiEndpoint?.value ?? base.apiEndpoint,
    network: {
      ...base.network,
      podCidr: f.podCidr?.value ?? base.network.podCidr,
      serviceCidr: f.serviceCidr?.value ?? base.network.serviceCidr,
    },
    nodes: f.nodes?.value ?? base.nodes,
    git: { url: f.gitUrl?.value ?? base.git.url, branch: f.gitBranch?.value ?? base.git.branch },
    secretStore: { provider: f.secretStore?.value ?? base.secretStore.provider },
  };
  const proven: Record<string, unknown> = {
    domain: f.domain,
    clusterId: f.clusterId,
    apiEndpoint: f.apiEndpoint,
    'network.nodeCidr': f.nodeCidr ?? f.nodes,
    'network.podCidr': f.podCidr,
    'network.serviceCidr': f.serviceCidr,
    nodes: f.nodes,
    'git.url': f.gitUrl,
    'git.branch': f.gitBranch,
    'secretStore.provider': f.secretStore,
  };
  for (const field of FACT_FIELDS) {
    if (proven[field]) continue;
    const value = field.split('.').reduce<any>((x, k) => x?.[k], spec);
    unproven.push({ cluster: c.name, field, value: typeof value === 'object' ? JSON.stringify(value) : String(value) });
  }
  return spec;
}

/** Adopted components of a cluster: what no story delivers, and every Kustomization delivering a catalog component. */
function adoptedOf(c: ClusterAdoption): AdoptedComponent[] {
  const byKs = new Map<string, string[]>();
  for (const m of c.match.matches) byKs.set(m.ks, [...(byKs.get(m.ks) ?? []), m.component]);
  const out: AdoptedComponent[] = [];
  for (const a of c.match.adopted) {
    out.push({
      name: a.name,
      namespace: a.id.split('/')[0],
      file: a.file,
      path: a.path,
      targetNamespace: a.namespace,
      dependsOn: a.dependsOn,
    });
  }
  // Every Kustomization that delivers a catalog component is recorded with it (`component:`), whatever its story's
  // status: the tool renders a component on a cluster only where no adopted Kustomization delivers it, so a file
  // its people wrote is never rendered over (and check reads it as wiring the component).
  for (const m of c.match.matches) {
    if (out.some((o) => `${o.namespace}/${o.name}` === m.ks && o.component === m.component)) continue;
    const k = c.match.kustomizations.get(m.ks);
    if (!k) continue;
    out.push({
      name: k.name,
      namespace: k.id.split('/')[0],
      file: k.file,
      path: k.path,
      targetNamespace: k.namespace,
      dependsOn: k.dependsOn,
      component: m.component,
    });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

/** A copy sharing no object: the yaml library writes an object met twice as an alias, which platform.yaml refuses. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** platform.yaml of an adopted repository, from what adopt inferred. */
export function platformOf(adoption: Adoption): {
  spec: PlatformSpec;
  text: string;
  unproven: Unproven[];
  skipped: AdoptResult['skipped'];
  refused: string[];
} {
  for (const c of adoption.clusters) {
    const bad = clusterNameProblem(c.name);
    if (bad)
      throw new UsageError(
        `cluster ${c.name} (entry ./${c.entry.value}): ${bad}; platform.yaml names clusters by DNS labels`,
      );
  }
  const unproven: Unproven[] = [];
  const skipped: AdoptResult['skipped'] = [];
  const p: PlatformSpec = { ...newPlatform().spec, clusters: {} };
  // Clusters whose id a file proves first: a default id is then the lowest one no cluster takes.
  const order = [...adoption.clusters].sort(
    (a, b) => Number(b.facts.clusterId !== undefined) - Number(a.facts.clusterId !== undefined),
  );
  for (const c of order) p.clusters[c.name] = { ...clusterSpec(p, c, unproven), settings: { ...c.settings.values } };
  unproven.sort((a, b) => a.cluster.localeCompare(b.cluster));
  // Settings platform.yaml cannot hold (a derived variable, a credential-like name, a value Flux would misread) stay
  // in the repository's own files only; the validator says which (the same rules as for any platform.yaml).
  for (let round = 0; round < 2; round++) {
    for (const prob of validateClusters(p)) {
      const m = /^clusters\.([^.]+)\.settings\.(.+)$/.exec(prob.path);
      if (!m || p.clusters[m[1]]?.settings[m[2]] === undefined) continue;
      delete p.clusters[m[1]].settings[m[2]];
      skipped.push({ cluster: m[1], key: m[2], reason: prob.message });
    }
  }
  // A story is recorded approved only where the components it stands on are wired too (platform.yaml's story rule,
  // validateStories): one whose dependency is missing stays partial, with the reason, until none is left.
  for (let round = 0; round < 100; round++) {
    const stories: PlatformSpec['stories'] = {};
    for (const c of adoption.clusters) {
      for (const s of c.match.stories)
        if (s.status === 'approved') (stories[s.id] ??= { clusters: {} }).clusters[c.name] = 'approved';
    }
    const problems = validateStories({ ...p, stories });
    const demote = problems
      .map((x) => ({ x, m: /^stories\.([^.]+)\.clusters\.([^.]+)$/.exec(x.path) }))
      .filter((d) => d.m);
    if (!demote.length) break;
    for (const { x, m } of demote) {
      const s = adoption.clusters.find((c) => c.name === m![2])?.match.stories.find((y) => y.id === m![1]);
      if (s && s.status === 'approved') Object.assign(s, { status: 'partial', note: x.message });
    }
  }
  const pf = newPlatform();
  for (const c of adoption.clusters) {
    const adopted = adoptedOf(c);
    setCluster(pf, c.name, plain({ ...p.clusters[c.name], ...(adopted.length ? { adopted } : {}) }));
  }
  const stories = new Map<string, Record<string, 'approved'>>();
  for (const c of adoption.clusters)
    for (const s of c.match.stories)
      if (s.status === 'approved') stories.set(s.id, { ...(stories.get(s.id) ?? {}), [c.name]: 'approved' });
  for (const [id, states] of stories) setStoryState(pf, id, states);
  pf.edit((doc) => doc.set('layout', doc.createNode(plain(adoption.layout.value))));
  const text = platformToString(pf);
  // The same reading every command does: schema, cluster rules, stories. A proven fact the tool's rules refuse (two
  // clusters with one Cilium cluster id, unmeshed) is not changed behind the person's back: it is reported.
  try {
    return { spec: parsePlatform(text).spec, text, unproven, skipped, refused: [] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { spec: pf.spec, text, unproven, skipped, refused: [e.message, ...e.details] };
  }
}

/** `platform-kit adopt` (see the header). */
export function adopt(opts: AdoptOptions): AdoptResult {
  const root = path.resolve(opts.dir);
  if (fs.existsSync(path.join(root, PLATFORM_FILE))) {
    const file = path.join(root, PLATFORM_FILE);
    throw new UsageError(
      `${file} exists: this repository is already under the tool (adopt is for a Flux repository without ${PLATFORM_FILE})`,
    );
  }
  const adoption = infer(root);
  const { spec, text, unproven, skipped, refused } = platformOf(adoption);
  if (!opts.dryRun && refused.length) {
    throw new UsageError(
      `adopt: the platform.yaml these files prove is refused by the tool's rules (nothing written):\n${refused.join('\n')}`,
    );
  }
  if (!opts.dryRun && unproven.length && !opts.yes) {
    const lines = unproven.map(
      (u) => `  clusters.${u.cluster}.${u.field}: not proven by any file (default ${u.value})`,
    );
    const n = `${unproven.length} cluster field${unproven.length > 1 ? 's' : ''}`;
    const hint = 'pass --yes to take the defaults shown, or see them with --dry-run (nothing written)';
    throw new UsageError(`adopt: ${n} no file proves; ${hint}:\n${lines.join('\n')}`);
  }
  if (!opts.dryRun) {
    fs.mkdirSync(path.join(root, '.platform'), { recursive: true });
    fs.writeFileSync(
      path.join(root, ADOPT_RECORD),
      JSON.stringify(adoptionJson(adoption, unproven, skipped), null, 2) + '\n',
    );
    // An empty manifest (the tool generated nothing here yet): regenerate --check is up to date from the start.
    if (!fs.existsSync(path.join(root, MANIFEST_FILE)))
      fs.writeFileSync(path.join(root, MANIFEST_FILE), manifestToString(emptyManifest(GENERATOR_VERSION)));
    // Last, and only if it still does not exist: a platform.yaml saved meanwhile is never overwritten.
    fs.writeFileSync(path.join(root, PLATFORM_FILE), text, { flag: 'wx' });
  }
  return { adoption, platform: text, spec, unproven, skipped, refused, written: !opts.dryRun, root };
}

/** What adopt inferred and why, as data (--json, .platform/adopt.json): paths repo-relative, no absolute root. */
export function adoptionJson(a: Adoption, unproven: Unproven[], skipped: AdoptResult['skipped']): unknown {
  return {
    layout: { ...a.layout.value, fit: a.layout.fit, why: a.layout.why },
    clusters: a.clusters.map((c) => ({
      name: c.name,
      entry: c.entry,
      facts: c.facts,
      unproven: unproven.filter((u) => u.cluster === c.name).map(({ field, value }) => ({ field, value })),
      settings: {
        sources: c.settings.sources,
        missing: c.settings.missing,
        values: Object.fromEntries(
          Object.entries(c.settings.values).map(([k, v]) => [k, { value: v, why: c.settings.why[k] }]),
        ),
        skipped: skipped.filter((s) => s.cluster === c.name).map(({ key, reason }) => ({ key, reason })),
      },
      components: c.match.matches,
      stories: c.match.stories.filter((s) => s.status !== 'absent'),
      adopted: c.match.adopted,
    })),
  };
}
