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
    throw new Error(
      'kubectl is not installed or not on PATH: the build tests need the real `kubectl kustomize`. Install kubectl (see README) and run again.',
    );
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
  /** sourceRef other than the repository itself (manifests that live upstream; not built here). */
  external?: { kind: string; name: string };
  text: string;
  objects: K8sObject[];
  /** Variables left unresolved after postBuild substitution (walkCluster with substitute). */
  unresolved: string[];
}

export const isFluxKs = (o: K8sObject) =>
  o.kind === 'Kustomization' && o.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/');

const SUBST = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=]([^}]*))?\}/g;

/** Flux postBuild substitution: ${VAR} from settings, ${VAR:=default} falls back; returns unresolved names. */
export function substituteText(text: string, settings: Record<string, string>): { text: string; unresolved: string[] } {
  const unresolved = new Set<string>();
  const out = text.replace(SUBST, (all, name: string, dflt: string | undefined, value: string | undefined) => {
    if (name in settings) return settings[name];
    if (dflt !== undefined) return value ?? '';
    unresolved.add(name);
    return all;
  });
  return { text: out, unresolved: [...unresolved] };
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter((o) => o && typeof o === 'object');
}

/** A Flux Kustomization of a walk before it is built: what its parent's build says of it. */
export type WalkItem = Omit<FluxKs, 'text' | 'objects' | 'unresolved'> & { substitute?: Record<string, string> };

/** The walk's first Kustomization: the FluxInstance's sync of kubernetes/clusters/<c>. */
export const walkRoot = (cluster: string): WalkItem => ({
  name: 'flux-system',
  path: `./kubernetes/clusters/${cluster}`,
  dependsOn: [],
  postBuild: false,
});

/** The cluster-settings ConfigMap's data in a build (the entry point's); none when the build has no such ConfigMap. */
export const settingsIn = (built: { objects: K8sObject[] }): Record<string, string> =>
  built.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cluster-settings')?.data ?? {};

/**
 * One step of a walk, shared by walkCluster and the batched walk: the Kustomization as Flux applies its build
 * (postBuild substitution with `substitute`), and the Flux Kustomizations that build declares, to walk next.
 */
export function walkStep(
  k: WalkItem,
  built: { text: string; objects: K8sObject[] },
  settings: Record<string, string>,
  opts: { substitute?: boolean },
): { ks: FluxKs; children: WalkItem[] } {
  let unresolved: string[] = [];
  if (opts.substitute && k.postBuild) {
    // postBuild.substitute takes precedence over substituteFrom (Flux).
    const sub = substituteText(built.text, { ...settings, ...(k.substitute ?? {}) });
    unresolved = sub.unresolved;
    built = { text: sub.text, objects: parseObjects(sub.text) };
  }
  const children = built.objects.filter(isFluxKs).map((o) => {
    const ref = o.spec!.sourceRef ?? {};
    return {
      name: o.metadata.name,
      path: o.spec!.path,
      dependsOn: (o.spec!.dependsOn ?? []).map((d: { name: string }) => d.name),
      postBuild: Boolean(o.spec!.postBuild),
      substitute: o.spec!.postBuild?.substitute,
      parent: k.name,
      external: ref.name && ref.name !== 'flux-system' ? { kind: ref.kind, name: ref.name } : undefined,
    };
  });
  return { ks: { ...k, ...built, unresolved }, children };
}

/**
 * Walk a cluster as Flux does: the FluxInstance's sync Kustomization (flux-system) builds
 * kubernetes/clusters/<c>; every Flux Kustomization in a build output is then built at its spec.path.
 * With `substitute`, each build of a Kustomization with postBuild is substituted from the cluster-settings
 * ConfigMap the entry point applies (so a child's spec.path may use variables, as in Flux).
 */
export function walkCluster(repo: string, cluster: string, opts: { substitute?: boolean } = {}): Map<string, FluxKs> {
  const out = new Map<string, FluxKs>();
  const queue: WalkItem[] = [walkRoot(cluster)];
  let settings: Record<string, string> | undefined;
  while (queue.length) {
    const k = queue.shift()!;
    if (out.has(k.name)) throw new Error(`cluster ${cluster}: Flux Kustomization ${k.name} is declared twice`);
    if (k.external) {
      out.set(k.name, { ...k, text: '', objects: [], unresolved: [] });
      continue;
    }
    const dir = path.join(repo, k.path);
    if (!fs.existsSync(dir)) throw new Error(`cluster ${cluster}: ${k.name}.spec.path ${k.path} does not exist`);
    const built = kustomize(dir);
    settings ??= settingsIn(built);
    const { ks, children } = walkStep(k, built, settings, opts);
    out.set(k.name, ks);
    queue.push(...children);
  }
  return out;
}

/** Names of Kustomizations created (transitively) by k's own build. */
export function subtree(all: Map<string, FluxKs>, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const n = stack.pop()!;
    for (const k of all.values())
      if (k.parent === n && !out.has(k.name)) {
        out.add(k.name);
        stack.push(k.name);
      }
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
