// The approve rule for shared wiring (issue 18). In a repository whose layout wires components in a file several
// clusters apply (`wiring.perCluster: false`: home-ops' kubernetes/apps/<namespace>/kustomization.yaml, or a lane
// folder every cluster syncs), adding a component's entry for one cluster adds it for all of them. So approving (or
// unapproving) a story on some of those clusters only would leave platform.yaml saying one thing and the clusters
// doing another: the command must be given all of them. Pure: platform.yaml, its layout and the catalog in, a
// verdict out; the commands print it.
import type { Component } from './components';
import { DEFAULT_LAYOUT, fill, type Layout, type LayoutVars, type Placement, place } from './layout';
import type { PlatformSpec } from './schema';
import type { Catalog } from './stories';
import { lanesOfRole, storyComponentsFor } from './wiring';

/** What the placement of a component reads. */
export type WiredComponent = Pick<Component, 'id' | 'lane' | 'area' | 'namespace'>;

export interface SharingOptions {
  /**
   * The file that wires `component` on `cluster` (place's Placement, when it has one); by default the layout's
   * templates filled as docs/adopt-design.md says ({lane} through layout.lanes, {component} from layout.components).
   */
  wiringFile?: (component: WiredComponent, cluster: string) => string;
  /**
   * Whether `cluster` applies `file` (a caller that walked the repository knows); by default a cluster that has the
   * component's lane (an infra cluster has no workloads lane) and adopted Kustomizations in the file's tree, when
   * any cluster has some there (clustersApplying, wiringTree).
   */
  applies?: (cluster: string, file: string, component: WiredComponent) => boolean;
}

/** The layout platform.yaml records, or the tool's own. */
export const layoutOf = (spec: Pick<PlatformSpec, 'layout'>): Layout => spec.layout ?? DEFAULT_LAYOUT;

/**
 * Where a component the tool renders is on a cluster: its folder, its Flux Kustomization's file, name and namespace,
 * and its wiring file, by the repository's layout (flux-system/<id> under kubernetes/<lane>/<area>/<id> in a
 * repository the tool generated; kube-system/spegel in home-ops, monitoring-spegel in a `monitoring-{id}` one). What
 * check, graph and gate look for: never the tool's own names on a repository that names things otherwise.
 */
export function placedOn(spec: Pick<PlatformSpec, 'layout'>, comp: WiredComponent, cluster: string): Placement {
  const { lane, area, namespace, id } = comp;
  return place(layoutOf(spec), { cluster, lane, area, namespace, id });
}

/** The wiring file of a component on a cluster, by the layout's templates. */
export function wiringFileFor(layout: Layout, component: WiredComponent, cluster: string): string {
  const vars: LayoutVars = {
    cluster,
    lane: layout.lanes?.[component.lane] ?? component.lane,
    area: component.area,
    namespace: component.namespace,
    id: component.id,
  };
  return fill(layout.wiring.file, { ...vars, component: fill(layout.components, vars) });
}

/**
 * The folder a wiring file's template spans for a component on a cluster: its path up to the first placeholder that
 * varies between components ({area}, {namespace}, {id}), with {cluster} and {lane} filled. home-ops'
 * kubernetes/apps/{namespace}/kustomization.yaml spans kubernetes/apps; kubernetes/{lane}/{area}/kustomization.yaml
 * spans kubernetes/infrastructure or kubernetes/workloads. Empty: the whole repository.
 */
export function wiringTree(layout: Layout, component: WiredComponent, cluster: string): string {
  const t = layout.wiring.file.replace('{component}', layout.components);
  const free = /\{(area|namespace|id|component)\}/.exec(t);
  const head = free ? t.slice(0, free.index) : t;
  const dir = head.slice(0, head.lastIndexOf('/') + 1);
  return fill(dir, { cluster, lane: layout.lanes?.[component.lane] ?? component.lane }).replace(/\/$/, '');
}

/**
 * The clusters that apply the wiring files of a tree, as far as platform.yaml can tell: those with adopted
 * Kustomizations in it (a cluster that builds one namespace folder of kubernetes/apps builds them all). Every
 * cluster when none has any there (a repository the tool generated records no adopted ones).
 */
export function clustersApplying(spec: Pick<PlatformSpec, 'clusters'>, tree: string): string[] {
  const names = Object.keys(spec.clusters);
  const under = (file: string) => tree === '' || file.startsWith(`${tree}/`);
  const hit = names.filter((n) => (spec.clusters[n].adopted ?? []).some((a) => under(a.file)));
  return hit.length ? hit : names;
}

/**
 * The clusters whose wiring of `component` is the same file as `cluster`'s: `cluster` itself first, then the
 * others in platform.yaml's order. The filled paths decide, not the perCluster flag: a template without {cluster}
 * (or one whose other placeholders make it the same) is shared.
 */
export function clustersSharingWiring(
  spec: Pick<PlatformSpec, 'clusters' | 'layout'>,
  component: WiredComponent,
  cluster: string,
  opts: SharingOptions = {},
): { file: string; clusters: string[] } {
  const layout = layoutOf(spec);
  const fileOf = opts.wiringFile ?? ((c: WiredComponent, name: string) => wiringFileFor(layout, c, name));
  const file = fileOf(component, cluster);
  const applying = opts.applies ? [] : clustersApplying(spec, wiringTree(layout, component, cluster));
  const applies =
    opts.applies ??
    ((name: string, _file: string, c: WiredComponent) => {
      const role = spec.clusters[name]?.role;
      return role !== undefined && lanesOfRole(role).includes(c.lane) && applying.includes(name);
    });
  const others = Object.keys(spec.clusters).filter(
    (name) => name !== cluster && fileOf(component, name) === file && applies(name, file, component),
  );
  return { file, clusters: [cluster, ...others] };
}

export type WiringAction = 'approve' | 'unapprove';

export interface SharedWiringRefusal {
  /** The clusters the command must be given too. */
  others: string[];
  /** The shared files that make it so, in the story's component order. */
  files: string[];
  message: string;
}

/** Whether an approved story other than through this request already wires component `id` on `cluster`. */
function wiredOn(spec: Pick<PlatformSpec, 'clusters' | 'stories'>, cat: Catalog, cluster: string, id: string): boolean {
  const role = spec.clusters[cluster]?.role;
  if (role === undefined) return false;
  return Object.entries(spec.stories).some(([sid, st]) => {
    const def = st.clusters[cluster] === 'approved' ? cat.byId.get(sid) : undefined;
    return def !== undefined && storyComponentsFor(cat, def, role).some((c) => c.id === id);
  });
}

/** "a", "a and b", "a, b and c". */
const names = (xs: string[]): string =>
  xs.length < 2 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/**
 * Why `approve`/`unapprove` of `story` on `clusters` must be refused, or undefined when it may go ahead: a component
 * of the story is wired on one of them by a file another cluster applies too, and that other cluster is not in the
 * request and would change: approve, where neither the story nor another approved story wires the component yet;
 * unapprove, where the story is approved. The message names every such cluster and file.
 */
export function sharedWiringRefusal(
  spec: Pick<PlatformSpec, 'clusters' | 'layout' | 'stories'>,
  cat: Catalog,
  req: { story: string; clusters: string[]; action: WiringAction },
  opts: SharingOptions = {},
): SharedWiringRefusal | undefined {
  const story = cat.byId.get(req.story);
  if (!story) return undefined;
  const states = spec.stories[req.story]?.clusters ?? {};
  // Approve: a cluster that has the story approved, or the component wired by another approved story, gains nothing.
  // Unapprove: only a cluster with the story approved loses something.
  const unaffected = (c: string, comp: WiredComponent) =>
    req.action === 'approve' ? states[c] === 'approved' || wiredOn(spec, cat, c, comp.id) : states[c] !== 'approved';
  const others: string[] = [];
  const files: string[] = [];
  for (const cluster of req.clusters) {
    const role = spec.clusters[cluster]?.role;
    if (role === undefined) continue;
    for (const comp of storyComponentsFor(cat, story, role)) {
      const shared = clustersSharingWiring(spec, comp, cluster, opts);
      const missing = shared.clusters.filter((c) => !req.clusters.includes(c) && !unaffected(c, comp));
      if (!missing.length) continue;
      for (const c of missing) if (!others.includes(c)) others.push(c);
      if (!files.includes(shared.file)) files.push(shared.file);
    }
  }
  if (!others.length) return undefined;
  const order = Object.keys(spec.clusters);
  others.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const all = [...req.clusters, ...others];
  const verb = req.action === 'approve' ? 'wires' : 'unwires';
  const message =
    `${req.action === 'approve' ? 'approving' : 'unapproving'} ${req.story} on ${names(req.clusters)} also ${verb} ` +
    `it on ${names(others)} (they share ${names(files)}): ${req.action} it on ${names(all)} together`;
  return { others, files, message };
}
