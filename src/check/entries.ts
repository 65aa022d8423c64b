// Where Flux starts on each cluster of a repository, found the way Flux itself is told (no flags needed).
//
// Sources of entries, first match wins (an entry found earlier keeps its folder):
//   1. flux-operator: a FluxInstance (fluxcd.controlplane.io) with spec.sync.path, the same settings given to the
//      flux-instance Helm chart (a HelmRelease's spec.values.instance.sync, or a values file holding
//      instance.sync.path). The operator creates a source and a Kustomization, both named after spec.sync.name or
//      else the FluxInstance's namespace (flux-system), that apply sync.path. A ${VAR} in the path (our generator
//      writes kubernetes/clusters/${CLUSTER_NAME}) stands for one folder name: every matching folder is a cluster.
//   2. classic `flux bootstrap`: a source (GitRepository/OCIRepository) and a Flux Kustomization whose sourceRef
//      names it, in one file (gotk-sync.yaml, or any file the Kustomization's own build reaches); else a
//      <X>/flux-system/gotk-sync.yaml placeholder marks <X>, synced under the bootstrap names (flux-system).
//   3. our generated layout without its flux-instance component: every folder kubernetes/clusters/<name>.
//   4. otherwise, the folders holding Flux Kustomizations that no other Kustomization of the repository creates
//      (their file is in no other one's build): what a bootstrap must apply. Folders whose root Kustomizations
//      create Kustomizations, or that hold several, win over a lone leaf (an application nobody wired).
// `--cluster-path` replaces all of this (entriesForPaths).
//
// Cluster names come from the entry folder: the folder after `clusters/` (kubernetes/clusters/<name>,
// clusters/<name>/...), else the deepest folder that is not a generic word (kubernetes/<name>/flux/config), else
// the last folder. A one-cluster home-ops layout (sync.path kubernetes/flux/cluster) is therefore named `cluster`,
// as `--cluster-path kubernetes/flux/cluster` names it: stable across commits, whatever the repository is called.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';
import { compareText } from '../core/text-order';
import type { RepoReader } from './discover';
import type { Obj } from './objects';

/** The source a cluster's Flux syncs the repository from; Kustomizations naming another source are upstream. */
export interface EntrySource {
  kind: string;
  name: string;
  namespace: string;
}

/** One cluster's entry: the Flux Kustomization that applies the first folder. */
export interface Entry {
  /** Cluster name. */
  name: string;
  /** Repo-relative POSIX folder the entry Kustomization applies ('' is the repository root). */
  path: string;
  /** How the entry was found, for people. */
  found: string;
  /** The entry Kustomization: namespace/name, name and namespace. */
  id: string;
  ksName: string;
  ksNamespace: string;
  /** Its manifest when the repository holds it (bootstrap, plain Kustomization); a FluxInstance's is generated. */
  obj?: Obj;
  source: EntrySource;
  /**
   * The folder of the repository the cluster's source holds, when it is not the repository root: an OCIRepository
   * CI pushes from a folder (`flux push artifact --path=./kubernetes`, xunholy/k8s-gitops), so every spec.path of the
   * cluster's own source is relative to it. Absent: the root.
   */
  root?: string;
}

export const isFluxKustomization = (o: Obj) =>
  o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');
const isFluxSource = (o: Obj) =>
  ['GitRepository', 'OCIRepository', 'Bucket'].includes(o.kind) && o.apiVersion.startsWith('source.toolkit.fluxcd.io/');
const SYNC_KINDS = new Set(['GitRepository', 'OCIRepository']);

/** A Flux spec.path as a repo-relative POSIX folder ('' for the root). */
export function normalizePath(p: unknown): string {
  return path.posix
    .normalize(String(p ?? '.').replace(/^\.\//, ''))
    .replace(/^\.$/, '')
    .replace(/\/+$/, '');
}

/** Whether a Kustomization's sourceRef names the cluster's own source (a missing kind or name is read leniently). */
export function isOwnSource(
  source: EntrySource,
  ref: { kind?: string; name?: string; namespace?: string } | undefined,
): boolean {
  const r = ref ?? {};
  if (r.kind !== undefined && r.kind !== source.kind) return false;
  if (r.name !== undefined && r.name !== source.name) return false;
  return r.namespace === undefined || r.namespace === source.namespace;
}

const GENERIC = new Set([
  'kubernetes',
  'k8s',
  'kube',
  'flux',
  'flux-system',
  'fluxcd',
  'cluster',
  'clusters',
  'config',
  'configs',
  'bootstrap',
  'base',
  'gitops',
  'deploy',
  'manifests',
  'sync',
  'entry',
  'setup',
]);

/** The cluster name of an entry folder (see the header). */
export function clusterName(dir: string): string {
  const segs = dir.split('/').filter(Boolean);
  const i = segs.lastIndexOf('clusters');
  if (i >= 0 && i + 1 < segs.length) return segs[i + 1];
  for (let j = segs.length - 1; j >= 0; j--) if (!GENERIC.has(segs[j])) return segs[j];
  return segs[segs.length - 1] ?? 'cluster';
}

interface Candidate extends Omit<Entry, 'name'> {
  /** Set when the folder name is the cluster name by construction (a ${VAR} segment). */
  name?: string;
}

/** Sub-folders of a repo folder (not hidden), sorted. */
function listDirs(reader: RepoReader, base: string): string[] {
  try {
    return fs
      .readdirSync(reader.abs(base || '.'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

const where = (o: Obj, keys: (string | number)[]) => `${o.file}:${o.lineOf(keys)}`;

/** Folders matching a sync path whose ${VAR}s stand for folder names: [folder, the name of the one variable segment]. */
function expandSyncPath(reader: RepoReader, raw: string): [string, string | undefined][] {
  const p = normalizePath(raw);
  if (!p.includes('${')) return reader.isDir(p) || p === '' ? [[p, undefined]] : [];
  const segs = p.split('/');
  const vars = segs.map((s, i) => (s.includes('${') ? i : -1)).filter((i) => i >= 0);
  if (vars.length !== 1 || segs.some((s) => s === '..')) return []; // more than one unknown: no guess
  const at = vars[0];
  const base = segs.slice(0, at).join('/');
  const rest = segs.slice(at + 1).join('/');
  const re = new RegExp(
    `^${segs[at]
      .split(/\$\{[^}]*\}/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );
  const out: [string, string][] = [];
  for (const n of listDirs(reader, base)) {
    if (!re.test(n)) continue;
    const dir = [base, n, rest].filter(Boolean).join('/');
    if (reader.isDir(dir)) out.push([dir, n]);
  }
  return out;
}

/** Folders of the first two levels under which `p` (no ${VAR}) is a folder: where an artifact may have been pushed from. */
function artifactRoots(reader: RepoReader, p: string): string[] {
  if (p === '' || p.includes('${') || p.startsWith('..')) return [];
  const out: string[] = [];
  for (const a of listDirs(reader, '')) {
    if (reader.isDir(`${a}/${p}`)) out.push(a);
    for (const b of listDirs(reader, a)) if (reader.isDir(`${a}/${b}/${p}`)) out.push(`${a}/${b}`);
  }
  return out;
}

/** 1. flux-operator: FluxInstances, flux-instance HelmRelease values and flux-instance values files. */
function fluxInstances(reader: RepoReader, files: string[]): Candidate[] {
  const out: Candidate[] = [];
  const add = (sync: any, namespace: string | undefined, found: string) => {
    if (!sync || typeof sync !== 'object' || typeof sync.path !== 'string') return;
    const kind = typeof sync.kind === 'string' ? sync.kind : 'GitRepository';
    if (!SYNC_KINDS.has(kind)) return;
    const ns = namespace ?? 'flux-system';
    const name = typeof sync.name === 'string' && sync.name ? sync.name : ns;
    let root: string | undefined;
    let dirs = expandSyncPath(reader, sync.path);
    if (!dirs.length && kind === 'OCIRepository') {
      // An artifact pushed from a folder of the repository: sync.path is relative to that folder, the one folder
      // (of the first two levels) under which it exists.
      const roots = artifactRoots(reader, normalizePath(sync.path));
      if (roots.length === 1) {
        root = roots[0];
        dirs = expandSyncPath(reader, `${root}/${normalizePath(sync.path)}`);
      }
    }
    for (const [dir, varName] of dirs) {
      out.push({
        name: varName,
        path: dir,
        found: root === undefined ? found : `${found} (the artifact holds ${root}/)`,
        id: `${ns}/${name}`,
        ksName: name,
        ksNamespace: ns,
        source: { kind, name, namespace: ns },
        ...(root === undefined ? {} : { root }),
      });
    }
  };
  for (const f of files) {
    const text = reader.parse(f)?.text ?? '';
    if (!/\bsync\s*:/.test(text)) continue; // cheap filter: every form below has a `sync:` key
    for (const o of reader.objectsOf(f)) {
      if (o.kind === 'FluxInstance' && o.apiVersion.startsWith('fluxcd.controlplane.io/')) {
        add(o.raw.spec?.sync, o.namespace, `FluxInstance spec.sync.path in ${where(o, ['spec', 'sync', 'path'])}`);
      } else if (o.kind === 'HelmRelease' && o.apiVersion.startsWith('helm.toolkit.fluxcd.io/')) {
        const ns = o.raw.spec?.targetNamespace ?? o.namespace;
        add(
          o.raw.spec?.values?.instance?.sync,
          ns,
          `flux-instance HelmRelease values instance.sync.path in ${where(o, ['spec', 'values', 'instance', 'sync', 'path'])}`,
        );
      }
    }
    // A Helm values file of the flux-instance chart (no kind): instance.sync.path at its top.
    const p = reader.parse(f);
    for (const doc of p?.docs ?? []) {
      const v = p ? (reader.toJS(f, doc, p.lc) as any) : undefined;
      if (!v || typeof v !== 'object' || Array.isArray(v) || v.kind !== undefined) continue;
      const sync = v.instance?.sync;
      if (typeof sync?.path !== 'string') continue;
      const node = doc.getIn(['instance', 'sync', 'path'], true) as { range?: [number, number, number] } | undefined;
      const line = node?.range && p ? p.lc.linePos(node.range[0]).line : 1;
      add(sync, undefined, `flux-instance values instance.sync.path in ${f}:${line}`);
    }
  }
  return out;
}

/** Whether Kustomization k's sourceRef names source s (a sourceRef without namespace means k's own). */
const names = (k: Obj, s: Obj) => {
  const ref = k.raw.spec?.sourceRef ?? {};
  return (
    ref.kind === s.kind &&
    ref.name === s.name &&
    (ref.namespace ?? k.namespace ?? 'flux-system') === (s.namespace ?? 'flux-system')
  );
};

/** 2. classic bootstrap: a source and a Kustomization of it in one file, the Kustomization applying its own folder. */
function bootstrapPairs(reader: RepoReader, files: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const f of files) {
    const objs = reader.objectsOf(f);
    const sources = objs.filter((o) => isFluxSource(o) && SYNC_KINDS.has(o.kind));
    if (!sources.length) continue;
    const selfApplied = (k: Obj) => {
      const dir = normalizePath(k.raw.spec?.path);
      return dir !== '' && !dir.includes('${') && reader.isDir(dir) && reader.build(dir).files.has(f);
    };
    const paired = objs.filter(isFluxKustomization).filter((k) => sources.some((x) => names(k, x)));
    // A gotk-sync.yaml holding several Kustomizations of its source (samip5/k8s-cluster: flux-deploy, cluster-config,
    // apps, shared) is one cluster's: the one whose folder applies the file is the entry, the others its children.
    const gotkEntries = paired.filter(selfApplied);
    for (const k of paired) {
      const s = sources.find((x) => names(k, x))!;
      const dir = normalizePath(k.raw.spec?.path);
      if (dir.includes('${') || (dir !== '' && !reader.isDir(dir))) continue;
      // A sync pair for another repository (an upstream source next to its Kustomization, a tenant's repository)
      // does not apply the folder it lives in; the bootstrap one does (flux bootstrap writes gotk-sync.yaml inside
      // the path it syncs). The repository root holds every file, so it proves nothing.
      if (path.posix.basename(f) === 'gotk-sync.yaml') {
        if (gotkEntries.length && !gotkEntries.includes(k)) continue;
      } else if (!selfApplied(k)) continue;
      const ns = k.namespace ?? 'flux-system';
      out.push({
        path: dir,
        found: `gotk-sync ${f}:${k.line}`,
        id: `${ns}/${k.name}`,
        ksName: k.name,
        ksNamespace: ns,
        obj: k,
        source: { kind: s.kind, name: s.name, namespace: s.namespace ?? 'flux-system' },
      });
    }
  }
  return out;
}

/**
 * 2b. `flux bootstrap --path=<X>` writes <X>/flux-system/gotk-sync.yaml; repositories that keep only a placeholder
 * there (the flux2 example repositories) still mark <X> as the entry, synced under the bootstrap names.
 */
function bootstrapMarkers(reader: RepoReader, files: string[]): Candidate[] {
  return files
    .filter((f) => /(^|\/)flux-system\/gotk-sync\.ya?ml$/.test(f))
    .map((f) => ({ f, dir: path.posix.dirname(path.posix.dirname(f)).replace(/^\.$/, '') }))
    .map(({ f, dir }) => ({ ...adopt(reader, dir), found: `gotk-sync ${f}` }));
}

/** 3. our generated layout: every folder kubernetes/clusters/<name>. */
function generatedLayout(reader: RepoReader): Candidate[] {
  return listDirs(reader, 'kubernetes/clusters')
    .map((n) => `kubernetes/clusters/${n}`)
    .filter((d) => reader.isDir(d))
    .map((d) => ({ ...adopt(reader, d), found: 'folder kubernetes/clusters/*' }));
}

/**
 * 4. Flux Kustomizations of the repository that no other one creates: the folder holding them is what a bootstrap
 * applies (`flux bootstrap --path`, a FluxInstance's sync.path the check could not read). Folders whose root
 * Kustomizations create Kustomizations, or that hold several, come first: one lone leaf is an application nobody
 * wired, not a cluster.
 */
function rootKustomizations(reader: RepoReader, files: string[]): Candidate[] {
  const cands = files
    .flatMap((f) => reader.objectsOf(f))
    .filter(isFluxKustomization)
    .map((o) => ({ o, dir: normalizePath(o.raw.spec?.path), ref: o.raw.spec?.sourceRef ?? {} }))
    .filter(
      (c) =>
        SYNC_KINDS.has(c.ref.kind ?? 'GitRepository') &&
        typeof c.ref.name === 'string' &&
        !c.dir.includes('${') &&
        (c.dir === '' || reader.isDir(c.dir)),
    );
  const builds = cands.map((c) => reader.build(c.dir));
  const created = (i: number) => cands.some((_, j) => j !== i && builds[j].files.has(cands[i].o.file));
  const folders = new Map<string, { roots: typeof cands; parent: boolean }>();
  cands.forEach((c, i) => {
    if (created(i)) return;
    const dir = path.posix.dirname(c.o.file).replace(/^\.$/, '');
    const g = folders.get(dir) ?? { roots: [], parent: false };
    g.roots.push(c);
    g.parent ||= builds[i].objects.some(isFluxKustomization);
    folders.set(dir, g);
  });
  let chosen = [...folders].filter(([, g]) => g.parent || g.roots.length > 1);
  if (!chosen.length) chosen = [...folders];
  return chosen.map(([dir, g]) => {
    const first = g.roots[0];
    const ns = first.o.namespace ?? 'flux-system';
    const source = {
      kind: first.ref.kind ?? 'GitRepository',
      name: String(first.ref.name),
      namespace: first.ref.namespace ?? ns,
    };
    const names = g.roots.map((r) => `${r.o.name} (${path.posix.basename(r.o.file)}:${r.o.line})`).join(', ');
    return {
      path: dir,
      found: `Kustomization${g.roots.length > 1 ? 's' : ''} ${names} in ./${dir}, created by no other`,
      id: 'flux-system/flux-system',
      ksName: 'flux-system',
      ksNamespace: 'flux-system',
      source,
    };
  });
}

/**
 * An entry folder given by hand (or by the generated-layout fallback): its Kustomization and source are the
 * bootstrap Kustomization in its build that applies this very folder, if there is one (gotk-sync.yaml), else the
 * `flux bootstrap` names (GitRepository flux-system in flux-system).
 */
function adopt(reader: RepoReader, dir: string): Omit<Candidate, 'found'> {
  const b = reader.build(dir);
  for (const k of b.objects.filter(isFluxKustomization)) {
    const ref = k.raw.spec?.sourceRef ?? {};
    if (
      normalizePath(k.raw.spec?.path) !== dir ||
      !SYNC_KINDS.has(ref.kind ?? 'GitRepository') ||
      typeof ref.name !== 'string'
    )
      continue;
    const ns = k.namespace ?? 'flux-system';
    return {
      path: dir,
      id: `${ns}/${k.name}`,
      ksName: k.name,
      ksNamespace: ns,
      obj: k,
      source: { kind: ref.kind ?? 'GitRepository', name: ref.name, namespace: ref.namespace ?? ns },
    };
  }
  return {
    path: dir,
    id: 'flux-system/flux-system',
    ksName: 'flux-system',
    ksNamespace: 'flux-system',
    source: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' },
  };
}

/** Names for the entries: given ones kept, the rest from their folders; a name two entries share gets the folder. */
function named(cands: Candidate[]): Entry[] {
  const out = cands.map((c) => ({ ...c, name: c.name ?? clusterName(c.path) }));
  const count = new Map<string, number>();
  for (const e of out) count.set(e.name, (count.get(e.name) ?? 0) + 1);
  for (const e of out) if (count.get(e.name)! > 1) e.name = e.path.replace(/\//g, '-') || 'root';
  return out.sort((a, b) => compareText(a.name, b.name));
}

/** The clusters of a repository, found as Flux is told about them (the header). Throws UsageError when there is none. */
export function discoverEntries(reader: RepoReader): Entry[] {
  const files = reader.allYamlFiles();
  const byPath = new Map<string, Candidate>();
  for (const c of [
    ...fluxInstances(reader, files),
    ...bootstrapPairs(reader, files),
    ...bootstrapMarkers(reader, files),
  ])
    if (!byPath.has(c.path)) byPath.set(c.path, c);
  if (!byPath.size) for (const c of generatedLayout(reader)) byPath.set(c.path, c);
  if (!byPath.size) for (const c of rootKustomizations(reader, files)) if (!byPath.has(c.path)) byPath.set(c.path, c);
  if (!byPath.size) {
    throw new UsageError(
      `no cluster entry found in ${reader.root}: no FluxInstance sync.path, no gotk-sync GitRepository + ` +
        `Kustomization, no kubernetes/clusters/* and no Flux Kustomization of the repository (pass --cluster-path, e.g. clusters/*)`,
    );
  }
  return named([...byPath.values()]);
}

/** Entries for folders given with --cluster-path (name -> folder, as findClusters returns them). */
export function entriesForPaths(reader: RepoReader, clusters: Map<string, string>): Entry[] {
  return [...clusters].map(([name, dir]) => ({ ...adopt(reader, dir), name, found: '--cluster-path' }));
}
