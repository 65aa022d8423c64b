// Component matching: which catalog components each reached Flux Kustomization delivers, and from that each story's
// status per cluster. A Kustomization matches a component
//   - by chart: a HelmRelease of its build installs the component's chart (same chart name; the chart's source URL
//     is named in the evidence); for a chart named otherwise than the component (a generic chart: app-template),
//     the HelmRelease or the Kustomization must also be named like the component, or
//   - by source: a GitRepository of its build has the component's source URL, or
//   - for a component without chart or source: its build holds every object the component's health checks name, or
//     the Kustomization is named after the component and lands in its namespace, or
//   - by kind (not a lane): its build holds an object of a kind exactly one catalog component declares (its
//     `resources`), a component without chart or source, outside the generic API groups (see kindsOfOne): a
//     CiliumLoadBalancerIPPool in the cilium app delivers cilium-lb-ipam. Such a Kustomization can deliver several
//     components (cilium and cilium-lb-ipam): the tool must not add them a second time. A kind found in three or
//     more Kustomizations, or in one file several build, is a kind apps use (a ReplicationDestination each): none.
// Only stories that target the cluster's role count. A story is approved on a cluster when every component it puts
// on a cluster of that role is matched there, partial when some of its own are (listed), absent otherwise. Every
// Kustomization that matches no catalog component is an adopted component.
import type { Component } from '../model/components';
import type { Role } from '../model/schema';
import type { Catalog, StoryDef } from '../model/stories';
import { storyComponentsFor } from '../model/wiring';
import { chartOf, chartSourceOf } from './facts';
import type { ClusterView, KsView, Why } from './view';

export interface ComponentMatch {
  component: string;
  /** The story that delivers it; undefined for a foundation component (catalog/components.yaml). */
  story?: string;
  ks: string;
  why: Why;
  /** Found by a kind only this component creates (the Kustomization delivers it besides what it is named for). */
  byKind?: boolean;
}

export interface AdoptedKs {
  /** namespace/name of the Flux Kustomization. */
  id: string;
  name: string;
  file: string;
  line: number;
  path: string;
  namespace: string;
  dependsOn: string[];
  /** It creates other Kustomizations (a lane). */
  lane: boolean;
}

export type StoryStatus = 'approved' | 'partial' | 'absent';

export interface StoryMatch {
  id: string;
  status: StoryStatus;
  present: string[];
  missing: string[];
  /** Why a story whose components are all there is not recorded as approved (a dependency not wired). */
  note?: string;
}

export interface ClusterMatch {
  matches: ComponentMatch[];
  /** Every Kustomization the cluster reaches but its entry, by namespace/name. */
  kustomizations: Map<string, AdoptedKs>;
  /** Those that match no catalog component. */
  adopted: AdoptedKs[];
  stories: StoryMatch[];
}

/** Names that say the same component: equal, or one is the other with a -suffix or prefix- (rook-ceph, rook-ceph-operator). */
export function linked(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}-`) || b.startsWith(`${a}-`) || a.endsWith(`-${b}`) || b.endsWith(`-${a}`);
}

/** Why Kustomization k delivers component c, or undefined. */
export function matchOne(k: KsView, c: Component): Why | undefined {
  const o = k.ks.obj;
  if (k.external) {
    // Its objects are not in the repository (an ExternalArtifact, an upstream repository): its name and namespace
    // are all there is to go by, and they must both be the component's.
    if (k.ks.name !== c.id || k.namespace !== c.namespace) return undefined;
    const ref = o?.raw.spec?.sourceRef ?? {};
    return {
      file: o?.file,
      line: o?.line,
      fact:
        `Kustomization ${k.ks.name} is named after ${c.id} and lands in namespace ${c.namespace} ` +
        `(its source, ${ref.kind ?? '?'} ${ref.name ?? '?'}, is not in the repository)`,
    };
  }
  if (c.chart) {
    for (const hr of k.objects.filter(
      (x) => x.kind === 'HelmRelease' && x.apiVersion.startsWith('helm.toolkit.fluxcd.io/'),
    )) {
      if (chartOf(hr, k.objects) !== c.chart.name) continue;
      // A chart named otherwise than the component (app-template, external-dns, rook-ceph) installs many things: the
      // HelmRelease or its Kustomization must also be named like the component.
      if (c.chart.name !== c.id && !linked(hr.name, c.id) && !linked(k.ks.name, c.id)) continue;
      const from = chartSourceOf(hr, k.objects);
      return {
        file: hr.file,
        line: hr.line,
        fact: `HelmRelease ${hr.name} installs chart ${c.chart.name}${from ? ` from ${from}` : ''}`,
      };
    }
    return undefined;
  }
  if (c.source) {
    const src = c.source.url.replace(/(\.git)?\/?$/, '');
    const git = k.objects.find(
      (x) => x.kind === 'GitRepository' && String(x.raw.spec?.url ?? '').replace(/(\.git)?\/?$/, '') === src,
    );
    return git
      ? { file: git.file, line: git.line, fact: `GitRepository ${git.name} has the source ${c.source.url}` }
      : undefined;
  }
  if (
    c.healthChecks.length &&
    c.healthChecks.every((h) => k.objects.some((x) => x.kind === h.kind && x.name === h.name))
  ) {
    return {
      file: o?.file,
      line: o?.line,
      fact: `its build holds ${c.healthChecks.map((h) => `${h.kind} ${h.name}`).join(', ')}`,
    };
  }
  if (k.ks.name === c.id && k.namespace === c.namespace)
    return {
      file: o?.file,
      line: o?.line,
      fact: `Kustomization ${k.ks.name} is named after ${c.id} and lands in namespace ${c.namespace}`,
    };
  return undefined;
}

/** Components matched and Kustomizations adopted on one cluster: what its builds hold, whatever its role. */
export function matchComponents(c: ClusterView, cat: Catalog): Omit<ClusterMatch, 'stories'> {
  const matches: ComponentMatch[] = [];
  const adopted: AdoptedKs[] = [];
  const kustomizations = new Map<string, AdoptedKs>();
  const entries = [...cat.components.values()];
  const kinds = kindsOfOne(cat);
  const found: { seen: AdoptedKs; hits: ComponentMatch[]; byKind: ComponentMatch[] }[] = [];
  for (const k of c.kustomizations) {
    if (k.entry || !k.ks.obj) continue;
    let hits: ComponentMatch[] = entries.flatMap((e) => {
      const why = matchOne(k, e.component);
      return why ? [{ component: e.component.id, story: e.story?.id, ks: k.ks.id, why }] : [];
    });
    // Components that share a chart (external-dns twice, app-template): the one named like the Kustomization or its
    // HelmRelease is the one this Kustomization delivers; with none so named, every candidate stays.
    if (hits.length > 1) {
      const named = new Set([k.ks.name, ...k.objects.filter((o) => o.kind === 'HelmRelease').map((o) => o.name)]);
      const byName = hits.filter((h) => named.has(h.component));
      if (byName.length) hits = byName;
    }
    // By kind, after the choice by name: what the build creates besides the component it is named for. Not for a
    // lane: what it builds besides Kustomizations is shared by the apps it creates.
    const byKind: ComponentMatch[] = [];
    for (const o of k.lane ? [] : k.objects) {
      const id = kinds.get(kindKey(o.apiVersion, o.kind));
      if (!id || hits.some((h) => h.component === id) || byKind.some((h) => h.component === id)) continue;
      const why = { file: o.file, line: o.line, fact: `${o.kind} ${o.name} (a kind only ${id} creates)` };
      byKind.push({ component: id, story: cat.components.get(id)?.story?.id, ks: k.ks.id, why, byKind: true });
    }
    const deps = Array.isArray(k.ks.obj.raw.spec?.dependsOn) ? k.ks.obj.raw.spec.dependsOn : [];
    const seen: AdoptedKs = {
      id: k.ks.id,
      name: k.ks.name,
      file: k.ks.obj.file,
      line: k.ks.obj.line,
      path: k.ks.path,
      namespace: k.namespace,
      dependsOn: deps.map(
        (d: { name?: string; namespace?: string }) => `${d.namespace ?? k.ks.namespace}/${d.name ?? ''}`,
      ),
      lane: k.lane,
    };
    kustomizations.set(k.ks.id, seen);
    found.push({ seen, hits, byKind });
  }
  // A kind apps use is no component's: one found in the builds of three or more Kustomizations (a ReplicationDestination
  // per app volsync backs up), or in one file several Kustomizations build (a kustomize component the apps include).
  // Two stores or two pools in two apps of their own stay: a duplicate of those is what the rule is there to prevent.
  const places = new Map<string, { ks: Set<string>; files: Set<string> }>();
  for (const f of found)
    for (const h of f.byKind) {
      const p = places.get(h.component) ?? { ks: new Set<string>(), files: new Set<string>() };
      p.ks.add(h.ks);
      p.files.add(h.why.file ?? '');
      places.set(h.component, p);
    }
  const appsKind = (id: string) => {
    const p = places.get(id)!;
    return p.ks.size >= 3 || (p.ks.size >= 2 && p.files.size < p.ks.size);
  };
  for (const f of found) {
    const hits = [...f.hits, ...f.byKind.filter((h) => !appsKind(h.component))];
    matches.push(...hits);
    if (hits.length === 0) adopted.push(f.seen);
  }
  return { matches, kustomizations, adopted };
}

/** Each story's status on a cluster of this role, from the components matched there (see the header). */
export function storyStatuses(matches: ComponentMatch[], cat: Catalog, role: Role): StoryMatch[] {
  const present = new Set(matches.map((m) => m.component));
  return cat.stories
    .filter((s) => s.clusters.includes(role) && storyIds(cat, s, role).length > 0)
    .map((s) => {
      const ids = storyIds(cat, s, role);
      const have = ids.filter((id) => present.has(id));
      // Components it only `uses` (another story's folder) say nothing of this story on their own.
      const own = have.filter((id) => s.components.some((x) => x.id === id));
      const status: StoryStatus = have.length === ids.length ? 'approved' : own.length ? 'partial' : 'absent';
      return { id: s.id, status, present: have, missing: ids.filter((id) => !present.has(id)) };
    });
}

/**
 * The components a story's status on a cluster of this role is read from: those it puts there (its own and the
 * story components it uses). A manifests story with none, that only uses foundation components, is read from those:
 * STORY-NET-CILIUM-CORE-GITOPS is Cilium managed by Flux, done where a Kustomization of the repository delivers the
 * cilium chart (the tool's scaffold has them on every cluster, so its own stories never need this). Bootstrap stories
 * (Talos, helmfile) leave nothing Flux applies to match, and design stories are documents: none, so never recorded.
 */
function storyIds(cat: Catalog, s: StoryDef, role: Role): string[] {
  const ids = storyComponentsFor(cat, s, role).map((x) => x.id);
  if (ids.length || s.kind !== 'manifests') return ids;
  return s.uses.filter((u) => cat.components.has(u) && !cat.components.get(u)!.story);
}

/**
 * API groups whose kinds say nothing of a component, even one only a single catalog component declares: the core
 * groups every application uses, every Kubernetes project API (*.k8s.io: RBAC, storage, the Gateway API, volume
 * snapshots, external-dns's DNSEndpoint, served by many implementations), and the Prometheus Operator's, which any
 * application's monitoring uses (a PodMonitor is not the dragonfly component).
 */
const genericGroup = (group: string) =>
  ['', 'apps', 'batch', 'policy', 'monitoring.coreos.com'].includes(group) || /(^|\.)k8s\.io$/.test(group);

/** `group/Kind` of an object or a declared resource, whatever its version (cilium.io/v2 and v2alpha1 alike). */
const kindKey = (apiVersion: string, kind: string) =>
  `${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}/${kind}`;

const kindsMemo = new WeakMap<Catalog, Map<string, string>>();

/**
 * The kinds (`group/Kind`) exactly one catalog component declares in its resources, outside the generic groups, with
 * that component: computed from the catalog, so a kind a second component comes to declare stops matching by itself.
 * Only components without chart or source count: those are what their objects are, while a chart's component is
 * known by its chart and its other objects are accessories (arc-runners' CiliumNetworkPolicy is any app's).
 */
export function kindsOfOne(cat: Catalog): Map<string, string> {
  const known = kindsMemo.get(cat);
  if (known) return known;
  const owners = new Map<string, Set<string>>();
  for (const e of cat.components.values())
    for (const r of e.component.resources) {
      const key = kindKey(r.apiVersion, r.kind);
      owners.set(key, (owners.get(key) ?? new Set()).add(e.component.id));
    }
  const out = new Map<string, string>();
  for (const [key, ids] of owners) {
    const only = ids.size === 1 ? cat.components.get([...ids][0])?.component : undefined;
    if (only && !only.chart && !only.source && !genericGroup(key.slice(0, key.lastIndexOf('/')))) out.set(key, only.id);
  }
  kindsMemo.set(cat, out);
  return out;
}

/** Components matched, Kustomizations adopted and story statuses of one cluster (see the header). */
export function matchCluster(c: ClusterView, cat: Catalog, role: Role): ClusterMatch {
  const found = matchComponents(c, cat);
  return { ...found, stories: storyStatuses(found.matches, cat, role) };
}
