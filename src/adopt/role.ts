// A cluster's role (infra or apps) from what it runs, not from its name. Two kinds of signs, each with its evidence:
//   - workloads: a Kustomization the cluster reaches is declared in, or points into, a workloads folder (apps,
//     workloads, applications: the layout's lane words);
//   - infrastructure only: a catalog component matched on the cluster that the catalog puts on infra clusters only
//     (harbor, keycloak, cloudnative-pg, victoria-metrics-global, ...).
// Neither an infrastructure folder nor Cilium, cert-manager or external-secrets is an infrastructure-only sign: the
// tool gives clusters of both roles an infrastructure lane and puts those components on both.
// Workloads and no infrastructure-only sign: apps. Infrastructure-only signs and no workloads: infra. Both, or
// neither: not proven (the person says, by --role or at the prompt; the default stays the one from the name).
// The cluster's own entry folder is not a sign (kubernetes/clusters/apps would name the role after the cluster).
import * as path from 'node:path';
import type { Role } from '../model/schema';
import type { Catalog } from '../model/stories';
import { storyComponentsFor } from '../model/wiring';
import { LANE_WORDS } from './layout';
import type { ComponentMatch } from './match';
import type { Claim, ClusterView, Why } from './view';

export interface RoleInference {
  /** The role the signs prove; absent when they say both or nothing. */
  claim?: Claim<Role>;
  /** The signs seen, for the evidence of a claim or of the question. */
  workloads: Why[];
  infrastructure: Why[];
}

/** Components the catalog puts only on clusters of one role: the role. */
export function componentRoles(cat: Catalog): Map<string, Set<Role>> {
  const roles = new Map<string, Set<Role>>();
  for (const s of cat.stories)
    for (const role of s.clusters)
      for (const c of storyComponentsFor(cat, s, role)) roles.set(c.id, (roles.get(c.id) ?? new Set()).add(role));
  return roles;
}

/** The workloads lane word among a path's folders below the cluster's entry folder, if one is there. */
function workloadsWord(p: string, entry: string): string | undefined {
  const rest = entry && (p === entry || p.startsWith(`${entry}/`)) ? p.slice(entry.length) : p;
  return rest.split('/').find((seg) => Object.hasOwn(LANE_WORDS, seg) && LANE_WORDS[seg] === 'workloads');
}

/** The role of one cluster from its Kustomizations' folders and the components matched there (see the header). */
export function inferRole(c: ClusterView, matches: ComponentMatch[], cat: Catalog): RoleInference {
  const workloads: Why[] = [];
  const infrastructure: Why[] = [];
  for (const k of c.kustomizations) {
    if (k.entry || !k.ks.obj) continue;
    // Where it is declared, else where it points: a lane file in the entry folder points into the lane's folder.
    const declared = workloadsWord(path.posix.dirname(k.ks.obj.file), c.entry.path);
    // An external source's spec.path is a folder of that source, not of this repository: only where it is declared.
    const word = declared ?? (k.external ? undefined : workloadsWord(k.ks.path, c.entry.path));
    if (!word) continue;
    const where = declared ? 'is declared in' : 'points into';
    workloads.push({
      file: k.ks.obj.file,
      line: k.ks.obj.line,
      fact: `Kustomization ${k.ks.id} ${where} a workloads folder (${word}/)`,
    });
  }
  const roles = componentRoles(cat);
  for (const m of matches) {
    const r = roles.get(m.component);
    if (r?.size === 1 && r.has('infra'))
      infrastructure.push({ ...m.why, fact: `${m.component} (on infra clusters only in the catalog) by ${m.ks}` });
  }
  const none = (what: string) => ({ fact: `no ${what} sign in the Kustomizations this cluster reaches` });
  if (workloads.length && !infrastructure.length)
    return { claim: { value: 'apps', why: [workloads[0], none('infrastructure-only')] }, workloads, infrastructure };
  if (infrastructure.length && !workloads.length)
    return { claim: { value: 'infra', why: [infrastructure[0], none('workloads')] }, workloads, infrastructure };
  return { workloads, infrastructure };
}
