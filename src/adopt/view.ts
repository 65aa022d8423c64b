// What adopt reads of a repository: the check's own walk (check/check.ts walkRepo: entries, every Flux Kustomization
// each cluster reaches, their static builds), read once. Every inference of adopt/ is a pure function of this view.
import * as path from 'node:path';
import { type RepoWalk, walkRepo } from '../check/check';
import { type Entry, isFluxKustomization } from '../check/entries';
import type { Ks } from '../check/ks';
import type { Obj } from '../check/objects';
import { compareText } from '../core/text-order';

/** Why adopt claims something: the file (and line) it read, and the fact it saw there. */
export interface Why {
  file?: string;
  line?: number;
  fact: string;
}

/** A value adopt inferred, with its evidence. */
export interface Claim<T> {
  value: T;
  why: Why[];
}

/** `file:line fact` for people. */
export const whyText = (w: Why) => `${w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ` : ''}${w.fact}`;

/** A Flux Kustomization a cluster reaches, as adopt sees it. */
export interface KsView {
  ks: Ks;
  cluster: string;
  /** The cluster's entry (its sync Kustomization): not a component. */
  entry: boolean;
  /** It builds Flux Kustomizations itself (a lane: cluster-apps, infrastructure). */
  lane: boolean;
  /** The namespace its objects land in: spec.targetNamespace, else its build's namespace, else its own. */
  namespace: string;
  /** The objects its build holds (empty for a path that does not exist). */
  objects: Obj[];
  /**
   * Its source is not the cluster's own (an upstream GitRepository, an ExternalArtifact): the check does not build
   * it, so it is known by name and namespace only. Still a Kustomization of the cluster: adopt records it (its
   * people's), matches it by name, and leaves it out of the layout (its spec.path is not a folder of this repository).
   */
  external: boolean;
}

export interface ClusterView {
  name: string;
  entry: Entry;
  kustomizations: KsView[];
}

export interface RepoView {
  root: string;
  walk: RepoWalk;
  clusters: ClusterView[];
}

/** The namespace a Kustomization's objects land in (see KsView.namespace). */
function namespaceOf(k: Ks): string {
  const target = k.obj?.raw.spec?.targetNamespace;
  if (typeof target === 'string' && target) return target;
  // A lane's objects are the Kustomizations it creates, wherever they land: it belongs where it is declared.
  if ((k.build?.objects ?? []).some(isFluxKustomization)) return k.namespace;
  const counts = new Map<string, number>();
  for (const o of k.build?.objects ?? []) {
    if (o.kind === '(patch)' || o.kind === 'Namespace') continue;
    if (o.namespace) counts.set(o.namespace, (counts.get(o.namespace) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (best) return best[0];
  const ns = (k.build?.objects ?? []).find((o) => o.kind === 'Namespace' && o.apiVersion === 'v1');
  return ns?.name ?? k.namespace;
}

/** Walk a repository as `check` does and keep what adopt needs. Throws UsageError as walkRepo does (no cluster, no folder). */
export function readRepo(dir: string): RepoView {
  const walk = walkRepo({ dir });
  const clusters: ClusterView[] = [];
  for (const [name, all] of walk.walks) {
    const entry = walk.entries.get(name)!;
    const kustomizations = [...all.values()].map((k) => ({
      ks: k,
      cluster: name,
      entry: k.id === entry.id && k.parent === undefined,
      lane: (k.build?.objects ?? []).some(isFluxKustomization),
      namespace: namespaceOf(k),
      objects: (k.build?.objects ?? []).filter((o) => o.kind !== '(patch)'),
      external: Boolean(k.external),
    }));
    clusters.push({ name, entry, kustomizations });
  }
  return { root: walk.root, walk, clusters: clusters.sort((a, b) => compareText(a.name, b.name)) };
}

/** A component's folder: the Kustomization's own folder when spec.path is inside it (ks.yaml + app/), else spec.path. */
export function componentFolder(k: Ks): string | undefined {
  if (!k.obj) return undefined;
  const own = path.posix.dirname(k.obj.file).replace(/^\.$/, '');
  // spec.path ./kubernetes/apps/base/home-automation/mosquitto/ (joryirving) is the folder without its slash.
  const at = k.path.replace(/\/+$/, '');
  return at === own || at.startsWith(own + '/') ? own : at;
}
