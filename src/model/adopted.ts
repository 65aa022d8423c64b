// What platform.yaml's `clusters.<c>.adopted` means to the commands that read it (check, graph, plan --status, gate,
// stories): the catalog components each cluster gets from Kustomizations its people wrote (adopt recorded them with
// `component:`), the Kustomizations that deliver none (hand-written), and each story's status on a cluster with
// those counted. Pure: platform.yaml's spec and the catalog in, plain data out; one function every command uses.

import { deliveredBy } from './delivered';
import type { AdoptedComponent, PlatformSpec, StoryState } from './schema';
import type { Catalog, StoryDef } from './stories';
import { unmetDependencies } from './story-rules';
import { storyComponentsFor } from './wiring';

/** The adopted Kustomizations of one cluster, split by what they deliver. */
export interface AdoptedOnCluster {
  /** catalog component id -> the adopted Kustomization that delivers it (the first recorded, when several do). */
  delivered: Map<string, AdoptedComponent>;
  /** Adopted Kustomizations that deliver no catalog component: written by hand, for no story. */
  handWritten: AdoptedComponent[];
}

/** A story's status on one cluster: platform.yaml's state, or `partial` when adopted Kustomizations deliver part of it. */
export type AdoptedStoryStatus =
  | { state: StoryState }
  | {
      state: 'partial';
      /** Components it puts on the cluster's role that are there (delivered by adopted Kustomizations or wired). */
      present: string[];
      /** Those that are not. */
      missing: string[];
      /**
       * The story's dependencies that are not there, in `approve`'s words (story-rules' unmetDependencies): approving
       * it waits on them, even when nothing of its own is missing. Empty when approve would take it.
       */
      waitsOn: string[];
    };

/** `clusters.<cluster>.adopted` split into delivered catalog components and hand-written Kustomizations. */
export function adoptedOn(spec: PlatformSpec, cluster: string): AdoptedOnCluster {
  const delivered = new Map<string, AdoptedComponent>();
  const handWritten: AdoptedComponent[] = [];
  for (const a of spec.clusters[cluster]?.adopted ?? []) {
    const ids = deliveredBy(a);
    if (!ids.length) handWritten.push(a);
    for (const id of ids) if (!delivered.has(id)) delivered.set(id, a);
  }
  return { delivered, handWritten };
}

/** Whether any cluster of platform.yaml has adopted Kustomizations (else every status is platform.yaml's own). */
export function hasAdopted(spec: PlatformSpec): boolean {
  return Object.values(spec.clusters).some((c) => (c.adopted ?? []).length > 0);
}

/** Component ids a cluster has from its approved stories (what the lanes wire for them; the foundation is not counted). */
function approvedComponents(spec: PlatformSpec, cat: Catalog, cluster: string): Set<string> {
  const role = spec.clusters[cluster].role;
  const out = new Set<string>();
  for (const s of cat.stories)
    if (spec.stories[s.id]?.clusters[cluster] === 'approved')
      for (const c of storyComponentsFor(cat, s, role)) out.add(c.id);
  return out;
}

/**
 * A story's status on a cluster: `approved` or `draft` as platform.yaml records it; `partial` when it is not approved
 * there, targets the cluster's role, and adopted Kustomizations deliver at least one of its own components for that
 * role (a component it only `uses` says nothing on its own, as adopt's rule 14); undefined when it is not there at all.
 */
export function storyStatusOn(
  spec: PlatformSpec,
  cat: Catalog,
  story: StoryDef,
  cluster: string,
  memo: StatusMemo = new Map(),
): AdoptedStoryStatus | undefined {
  const recorded = spec.stories[story.id]?.clusters[cluster];
  if (recorded === 'approved') return { state: 'approved' };
  const c = spec.clusters[cluster];
  const fallback = recorded ? { state: recorded } : undefined;
  if (!c || !story.clusters.includes(c.role)) return fallback;
  let facts = memo.get(cluster);
  if (!facts) {
    facts = { adopted: adoptedOn(spec, cluster), approved: approvedComponents(spec, cat, cluster) };
    memo.set(cluster, facts);
  }
  const { adopted, approved } = facts;
  const ids = storyComponentsFor(cat, story, c.role).map((x) => x.id);
  const own = new Set(story.components.map((x) => x.id));
  if (!ids.some((id) => own.has(id) && adopted.delivered.has(id))) return fallback;
  const there = (id: string) => adopted.delivered.has(id) || approved.has(id);
  const waitsOn = unmetDependencies(spec, cat, story, cluster);
  return { state: 'partial', present: ids.filter(there), missing: ids.filter((id) => !there(id)), waitsOn };
}

/** What storyStatusOn computes once per cluster (several stories ask about the same cluster). */
export type StatusMemo = Map<string, { adopted: AdoptedOnCluster; approved: Set<string> }>;

/** Every story's status on every cluster it is on (story id -> cluster -> status), in plan order and cluster order. */
export function storyStatuses(spec: PlatformSpec, cat: Catalog): Map<string, Record<string, AdoptedStoryStatus>> {
  const memo: StatusMemo = new Map();
  const out = new Map<string, Record<string, AdoptedStoryStatus>>();
  for (const s of cat.stories) {
    const per: Record<string, AdoptedStoryStatus> = {};
    // platform.yaml's clusters first (their order), then a recorded cluster platform.yaml lacks (validation refuses it).
    for (const cl of new Set([...Object.keys(spec.clusters), ...Object.keys(spec.stories[s.id]?.clusters ?? {})])) {
      const st = storyStatusOn(spec, cat, s, cl, memo);
      if (st) per[cl] = st;
    }
    if (Object.keys(per).length) out.set(s.id, per);
  }
  return out;
}
