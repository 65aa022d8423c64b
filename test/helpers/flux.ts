import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, any>;
  data?: Record<string, string>;
}

let kubectlChecked = false;

/** kubectl must be on the machine: these tests fail (never skip) without it. */
export function requireKubectl(): void {
  if (kubectlChecked) return;
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('kubectl is not installed or not on PATH: the build tests need the real `kubectl kustomize`. Install kubectl (see README) and run again.');
  }
  kubectlChecked = true;
}

/** `kubectl kustomize DIR` with the real kustomize; returns the objects and the raw text. */
export function kustomize(dir: string): { text: string; objects: K8sObject[] } {
  requireKubectl();
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject)
    .filter((o) => o && typeof o === 'object');
  return { text: r.stdout, objects };
}

export interface FluxKs {
  name: string;
  path: string;
  dependsOn: string[];
  postBuild: boolean;
  /** Kustomization that created this one (undefined for the FluxInstance sync root). */
  parent?: string;
  text: string;
  objects: K8sObject[];
}

export const isFluxKs = (o: K8sObject) => o.kind === 'Kustomization' && o.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/');

/**
 * Walk a cluster as Flux does: the FluxInstance's sync Kustomization (flux-system) builds
 * kubernetes/clusters/<c>; every Flux Kustomization in a build output is then built at its spec.path.
 */
export function walkCluster(repo: string, cluster: string): Map<string, FluxKs> {
  const out = new Map<string, FluxKs>();
  const queue: { name: string; path: string; dependsOn: string[]; postBuild: boolean; parent?: string }[] = [
    { name: 'flux-system', path: `./kubernetes/clusters/${cluster}`, dependsOn: [], postBuild: false },
  ];
  while (queue.length) {
    const k = queue.shift()!;
    if (out.has(k.name)) throw new Error(`cluster ${cluster}: Flux Kustomization ${k.name} is declared twice`);
    const dir = path.join(repo, k.path);
    if (!fs.existsSync(dir)) throw new Error(`cluster ${cluster}: ${k.name}.spec.path ${k.path} does not exist`);
    const built = kustomize(dir);
    out.set(k.name, { ...k, ...built });
    for (const o of built.objects.filter(isFluxKs)) {
      queue.push({
        name: o.metadata.name,
        path: o.spec!.path,
        dependsOn: (o.spec!.dependsOn ?? []).map((d: { name: string }) => d.name),
        postBuild: Boolean(o.spec!.postBuild),
        parent: k.name,
      });
    }
  }
  return out;
}

/** Names of Kustomizations created (transitively) by k's own build. */
export function subtree(all: Map<string, FluxKs>, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const n = stack.pop()!;
    for (const k of all.values()) if (k.parent === n && !out.has(k.name)) (out.add(k.name), stack.push(k.name));
  }
  return out;
}

export function findCycle(all: Map<string, FluxKs>): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 2) return undefined;
    if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of all.get(n)?.dependsOn ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of all.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

const VAR = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=][^}]*)?\}/g;

/** `${VAR}`s without a default in a build output. */
export function requiredVars(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(VAR)) if (!m[2]) out.add(m[1]);
  return out;
}
