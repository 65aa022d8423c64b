import { type Component, foundationComponents, SYSTEM_NAMESPACES } from './components';
import { ROLES } from './roles';
import type { Catalog } from './stories';
import { storyComponentsFor } from './wiring';

/**
 * Where a component's Namespace object is declared.
 * - `app`: in its own ./app (applied by its Flux Kustomization; every other component of that namespace depends on
 *   it, so the namespace exists before they start);
 * - `lane`: next to its ks.yaml, so the lane Kustomization applies it together with the Flux Kustomizations of
 *   independent peers that are always wired with it (none of them may start before the namespace exists);
 * - `none`: another component that is always wired on the same cluster declares it.
 *
 * Why one declaration per cluster: every Flux Kustomization stamps what it applies with its own labels
 * (kustomize.toolkit.fluxcd.io/name, commonMetadata app.kubernetes.io/name). Two Kustomizations applying one
 * Namespace rewrite each other's labels on every reconcile, forever.
 */
export type NamespacePlacement = 'app' | 'lane' | 'none';

export function namespacePlacements(cat: Catalog): Map<string, NamespacePlacement> {
  const foundation = foundationComponents();
  const all = new Map<string, Component>();
  for (const f of foundation) all.set(f.id, f);
  for (const s of cat.stories) for (const c of s.components) if (!all.has(c.id)) all.set(c.id, c);
  const order = [...all.keys()];

  // Which components come with C wherever C is wired: its Flux dependsOn (transitively; a dependsOn must be wired
  // on the same cluster), the foundation, and the components every (story, role) that wires C also wires.
  const deps = new Map<string, Set<string>>();
  const depsOf = (id: string): Set<string> => {
    const hit = deps.get(id);
    if (hit) return hit;
    const out = new Set<string>();
    deps.set(id, out);
    for (const d of all.get(id)?.dependsOn ?? []) {
      out.add(d);
      for (const x of depsOf(d)) out.add(x);
    }
    return out;
  };
  const wiredWith = new Map<string, Set<string> | undefined>();
  for (const s of cat.stories) {
    for (const role of ROLES) {
      if (!s.clusters.includes(role)) continue;
      const set = new Set(storyComponentsFor(cat, s, role).map((c) => c.id));
      for (const id of set) {
        const prev = wiredWith.get(id);
        wiredWith.set(id, prev ? new Set([...prev].filter((x) => set.has(x))) : set);
      }
    }
  }
  const foundationIds = new Set(foundation.map((f) => f.id));
  const alwaysWith = (c: string, d: string): boolean =>
    foundationIds.has(d) || depsOf(c).has(d) || (!foundationIds.has(c) && (wiredWith.get(c)?.has(d) ?? false));

  const before = (id: string, p: string): boolean =>
    alwaysWith(id, p) &&
    (depsOf(id).has(p) || (!depsOf(p).has(id) && (!alwaysWith(p, id) || order.indexOf(p) < order.indexOf(id))));
  const out = new Map<string, NamespacePlacement>();
  for (const [id, c] of all) {
    if (SYSTEM_NAMESPACES.has(c.namespace)) continue;
    const peers = order.filter((p) => p !== id && all.get(p)!.namespace === c.namespace);
    // C leaves the declaration to a peer that is always wired with it and comes "before" it: one C depends on, or,
    // for peers always wired together, the first in catalog order.
    if (peers.some((p) => before(id, p))) {
      out.set(id, 'none');
      continue;
    }
    // Peers that leave it to C without depending on C start in parallel with C: the lane must create the namespace.
    out.set(id, peers.some((p) => before(p, id) && !depsOf(p).has(id)) ? 'lane' : 'app');
  }
  return out;
}
