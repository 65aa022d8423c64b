import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';
import { overlaps, parseCidr } from '../core/net';
import { compareText } from '../core/text-order';
import { runBuilds } from './build';
import { contractFindings, externalSecretKeys, type Walks } from './contracts';
import { credentialFindings } from './credentials';
import { RepoReader } from './discover';
import { discoverEntries, type Entry, entriesForPaths, isOwnSource } from './entries';
import { addComponents, componentsOf, patchedChild, patchVars, substituted } from './fluxks';
import type { Ks } from './ks';
import type { Obj } from './objects';
import { applyPatches } from './patches';
import { pathKeys, validateObject } from './schema';
import type { CheckOptions, CheckResult, CheckRule, ClusterGraph, ClusterWalked, Finding } from './types';
import { subst as substituteWith, type VarRef } from './vars';

/** Our generated layout's entry folders (entries.ts falls back to them when no FluxInstance or gotk-sync names one). */
export const DEFAULT_CLUSTER_PATHS = ['kubernetes/clusters/*'];

const isFluxKs = (o: Obj) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/');

/** Cluster entry folders matching the patterns: name -> repo-relative folder. */
export function findClusters(reader: RepoReader, patterns: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of patterns) {
    const pat = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    if (!pat || pat.split('/').some((s) => s === '..') || path.isAbsolute(pat))
      throw new UsageError(`--cluster-path ${raw}: must be a folder inside the repository`);
    const parts = pat.split('/');
    const star = parts.indexOf('*');
    if (parts.filter((p) => p === '*').length > 1)
      throw new UsageError(`--cluster-path ${raw}: at most one * (the cluster name)`);
    if (star < 0) {
      if (!reader.isDir(pat)) throw new UsageError(`--cluster-path ${raw}: no such folder in ${reader.root}`);
      out.set(parts[parts.length - 1], pat);
      continue;
    }
    const base = parts.slice(0, star).join('/');
    const rest = parts.slice(star + 1).join('/');
    let names: string[] = [];
    try {
      names = fs
        .readdirSync(reader.abs(base || '.'), { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch {
      names = [];
    }
    for (const n of names) {
      const dir = [base, n, rest].filter(Boolean).join('/');
      if (reader.isDir(dir)) out.set(n, dir);
    }
  }
  if (out.size === 0)
    throw new UsageError(
      `no cluster entry folder matches ${patterns.join(', ')} in ${reader.root} (pass --cluster-path, e.g. clusters/*)`,
    );
  return out;
}

function walkCluster(reader: RepoReader, cluster: string, entry: Entry, findings: Finding[]): Map<string, Ks> {
  const all = new Map<string, Ks>();
  const queue: Ks[] = [
    {
      id: entry.id,
      name: entry.ksName,
      namespace: entry.ksNamespace,
      path: entry.path,
      obj: entry.obj,
      external: false,
      postBuild: entry.obj?.raw.spec?.postBuild,
    },
  ];
  // The entry's own sync Kustomization, met again inside the tree it applies (flux-system/gotk-sync.yaml, the
  // FluxInstance's sync under its name): the same object as the entry, whatever its name, not a second one.
  const isEntry = (k: Ks) =>
    k.parent !== undefined &&
    k.obj !== undefined &&
    ((entry.obj !== undefined && k.obj.file === entry.obj.file && k.obj.line === entry.obj.line) ||
      (k.id === entry.id && k.path === entry.path));
  while (queue.length) {
    const k = queue.shift()!;
    if (isEntry(k)) {
      const root = all.get(entry.id)!;
      root.obj = k.obj; // as built (a parent's namespace: applied), now with the file that declares it
      root.postBuild = k.postBuild;
      continue;
    }
    if (all.has(k.id)) {
      const o = k.obj!;
      const first = all.get(k.id)!;
      // The same declaration met again, in the build of the Kustomization it declares: its spec.path holds its own
      // file (truxnell/home-cluster's mariadb: ./…/mariadb/ with ks.yaml and app/, no kustomization.yaml there).
      const itself = first.obj?.file === o.file && first.obj?.line === o.line && k.parent === k.id;
      findings.push({
        code: 'DUPLICATE_KUSTOMIZATION',
        severity: 'error',
        cluster,
        file: o.file,
        line: o.line,
        message: itself
          ? `Flux Kustomization ${k.id} applies itself on ${cluster}: its spec.path ./${first.path} holds ${o.file}`
          : `Flux Kustomization ${k.id} is declared twice on ${cluster} (also in ${first.obj?.file ?? 'the entry'})`,
        hint: itself
          ? 'point spec.path at the folder of its manifests (…/app), or list them in a kustomization.yaml there'
          : 'rename one or remove the duplicate',
      });
      continue;
    }
    all.set(k.id, k);
    if (k.external) continue;
    const real = reader.resolve('', k.path);
    if (!real.ok || !real.dir) {
      const o = k.obj;
      const at = { cluster, file: o?.file, line: o?.lineOf(['spec', 'path']) };
      if (!real.ok && real.code !== 'RESOURCE_MISSING')
        findings.push({
          code: real.code,
          severity: 'error',
          ...at,
          message: `${k.id}: spec.path ${real.detail}`,
          hint:
            real.code === 'SYMLINK_LOOP'
              ? 'fix or remove the symlink'
              : 'point spec.path at a folder inside the repository',
        });
      else
        findings.push({
          code: 'PATH_MISSING',
          severity: 'error',
          ...at,
          message: `${k.id}: spec.path ./${k.path} does not exist`,
          hint: 'point spec.path at an existing folder (relative to the repository root)',
        });
      continue;
    }
    k.build = reader.build(real.rel);
    if (k.components?.length) addComponents(reader, k, k.build);
    for (const f of k.build.findings) findings.push({ ...f, cluster });
    const seen = new Map<string, Obj>();
    let parentValues: Record<string, string> | undefined; // computed once per build, on its first child
    for (const o of k.build.objects) {
      if (o.kind === '(patch)') continue;
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      const key = `${group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
      const prev = seen.get(key);
      if (prev)
        findings.push({
          code: 'DUPLICATE_OBJECT',
          severity: 'error',
          cluster,
          file: o.file,
          line: o.line,
          message:
            `${o.kind} ${o.namespace ? o.namespace + '/' : ''}${o.name} is emitted twice by ${k.id} ` +
            `(first in ${prev.file}:${prev.line}); kustomize fails on it`,
          hint: 'keep one of them',
        });
      else seen.set(key, o);
      if (!isFluxKs(o)) continue;
      // The parent's spec.patches apply to the objects it builds, this child included (home-ops repositories give
      // every child its postBuild, decryption or patches this way): read the child as Flux creates it.
      const child = patchedChild(k, o, cluster, findings);
      if (!child) continue; // a `$patch: delete` removed it
      const spec = child.raw.spec ?? {};
      const ref = spec.sourceRef ?? {};
      // The parent's postBuild substitutes this object too (a child's spec.path may use a variable).
      parentValues ??= k.postBuild
        ? valueMap(
            k,
            [...all.values()].flatMap((x) => x.build?.objects ?? []),
          )
        : {};
      const values = parentValues;
      const subst = (text: string) => (k.postBuild ? substituteWith(text, values) : text);
      // Its name too: a component shipping `name: ${APP}-db` gives each including Kustomization its own child.
      const ns = subst(o.namespace ?? 'flux-system');
      const name = subst(o.name);
      const own = isOwnSource(entry.source, ref);
      const written = path.posix.normalize(subst(String(spec.path ?? '.')).replace(/^\.\//, '')).replace(/^\.$/, '');
      // The cluster's own source may hold a folder of the repository, not its root (entry.root): paths are in it.
      const childPath = own && entry.root ? path.posix.join(entry.root, written).replace(/\/$/, '') : written;
      queue.push({
        id: `${ns}/${name}`,
        name,
        namespace: ns,
        path: childPath,
        obj: withSubstitutedDeps(child, k.postBuild ? subst : undefined),
        parent: k.id,
        // Only the repository itself (the entry's source, whatever its name) is followed; another GitRepository,
        // an OCIRepository or a Bucket is upstream.
        external: !own,
        postBuild: substituted(spec.postBuild, subst),
        components: componentsOf(childPath, spec, subst),
      });
    }
  }
  return all;
}

/**
 * A child Flux Kustomization as its parent's postBuild leaves it: Flux substitutes the whole object, so a dependsOn
 * on `0-${CLUSTER_NAME}-config` (JJGadgets/Biohazard) names the cluster's own Kustomization, not a literal one.
 */
function withSubstitutedDeps(child: Obj, subst: ((text: string) => string) | undefined): Obj {
  const deps = child.raw.spec?.dependsOn;
  if (!subst || !Array.isArray(deps) || !JSON.stringify(deps).includes('${')) return child;
  const dependsOn = deps.map((d: any) =>
    d && typeof d === 'object'
      ? {
          ...d,
          ...(typeof d.name === 'string' ? { name: subst(d.name) } : {}),
          ...(typeof d.namespace === 'string' ? { namespace: subst(d.namespace) } : {}),
        }
      : d,
  );
  return { ...child, raw: { ...child.raw, spec: { ...child.raw.spec, dependsOn } } };
}

function subtree(all: Map<string, Ks>, id: string): Set<string> {
  const out = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const n = stack.pop()!;
    for (const k of all.values())
      if (k.parent === n && !out.has(k.id)) {
        out.add(k.id);
        stack.push(k.id);
      }
  }
  return out;
}

function depsOf(k: Ks): { id: string; index: number }[] {
  const list = Array.isArray(k.obj?.raw.spec?.dependsOn) ? k.obj!.raw.spec.dependsOn : [];
  return list.map((d: any, index: number) => ({ id: `${d?.namespace ?? k.namespace}/${d?.name}`, index }));
}

function checkDependencies(cluster: string, all: Map<string, Ks>, findings: Finding[]): void {
  for (const k of all.values()) {
    if (!k.obj) continue;
    const mine = subtree(all, k.id);
    for (const d of depsOf(k)) {
      const at = { cluster, file: k.obj.file, line: k.obj.lineOf(['spec', 'dependsOn', d.index]) };
      if (!all.has(d.id))
        findings.push({
          code: 'DEPENDS_ON_MISSING',
          severity: 'error',
          ...at,
          message: `${k.id} dependsOn ${d.id}, which no Flux Kustomization on ${cluster} defines`,
          hint: 'fix the name, or wire the missing Kustomization on this cluster',
        });
      else if (mine.has(d.id))
        findings.push({
          code: 'WAITS_ON_OWN_SUBTREE',
          severity: 'error',
          ...at,
          message: `${k.id} waits for ${d.id}, which only its own build creates: it never becomes ready on a fresh cluster`,
          hint: "drop the dependsOn, or move the dependency out of this Kustomization's path",
        });
    }
  }
  // Cycles over dependsOn.
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const k = all.get(cycle[0])!;
        const entry = depsOf(k).find((d) => d.id === cycle[1]);
        findings.push({
          code: 'DEPENDENCY_CYCLE',
          severity: 'error',
          cluster,
          file: k.obj?.file,
          line: k.obj?.lineOf(['spec', 'dependsOn', ...(entry ? [entry.index] : [])]),
          message: `dependency cycle: ${cycle.join(' -> ')}`,
          hint: 'remove one dependsOn of the cycle',
        });
      }
      return;
    }
    state.set(id, 1);
    stack.push(id);
    const k = all.get(id);
    if (k) for (const d of depsOf(k)) if (all.has(d.id)) visit(d.id);
    stack.pop();
    state.set(id, 2);
  };
  for (const id of all.keys()) visit(id);
}

/** A SOPS ciphertext (`ENC[AES256_GCM,data:…]`): a value Flux decrypts and the check cannot read. */
const SOPS_VALUE = /^ENC\[[A-Z0-9_]+,data:[\s\S]*\]$/;

/**
 * The values a Kustomization's postBuild substitutes (from the objects found so far), as Flux reads them: a Secret's
 * `data` decoded from base64; a value still encrypted with SOPS is left out (unknown: the reference stays as written,
 * so nothing downstream reads the ciphertext as a hostname, CIDR or URL, as Diaoul/home-ops' grafana route was).
 */
export function valueMap(k: Ks, objects: Obj[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of valuesFor(k, objects).sources) {
    const secret = src.kind === 'Secret';
    for (const [key, v] of Object.entries<unknown>(src.raw.data ?? {}))
      out[key] =
        secret && typeof v === 'string' && !SOPS_VALUE.test(v) ? Buffer.from(v, 'base64').toString('utf8') : String(v);
    for (const [key, v] of Object.entries<unknown>(src.raw.stringData ?? {})) out[key] = String(v);
  }
  for (const [key, v] of Object.entries(out)) if (SOPS_VALUE.test(v)) delete out[key];
  return { ...out, ...(k.postBuild?.substitute ?? {}) };
}

/** The ExternalSecret among `objects` that makes Secret `name` in `namespace`, if any. */
function externalSecretOf(objects: Obj[], name: string, namespace: string): Obj | undefined {
  return objects.find(
    (o) =>
      o.kind === 'ExternalSecret' &&
      o.apiVersion.startsWith('external-secrets.io/') &&
      (o.raw.spec?.target?.name ?? o.name) === name &&
      (o.namespace ?? namespace) === namespace,
  );
}

/** Values a Kustomization's postBuild gives, and whether some source could not be read from the repository. */
function valuesFor(k: Ks, objects: Obj[]): { values: Set<string>; unverified: string[]; sources: Obj[] } {
  const values = new Set(Object.keys(k.postBuild?.substitute ?? {}));
  const unverified: string[] = [];
  const sources: Obj[] = [];
  for (const s of k.postBuild?.substituteFrom ?? []) {
    const hit = objects.find(
      (o) => o.kind === s.kind && o.name === s.name && (o.namespace ?? k.namespace) === k.namespace,
    );
    if (!hit) {
      // A Secret an ExternalSecret of the cluster makes (budimanjojo's cluster-vars in every namespace): its keys are
      // known when the ExternalSecret names them all (a template, or data without dataFrom), as a Secret's are.
      // Its own build's first (the ExternalSecret a component adds to every app), then the cluster's.
      const es =
        s.kind === 'Secret'
          ? (externalSecretOf(k.build?.objects ?? [], s.name, k.namespace) ??
            externalSecretOf(objects, s.name, k.namespace))
          : undefined;
      const keys = es ? externalSecretKeys(es.raw.spec ?? {}) : undefined;
      if (keys) for (const key of keys) values.add(key);
      else if (s.kind === 'Secret' || !s.optional) unverified.push(`${s.kind} ${k.namespace}/${s.name}`);
      continue;
    }
    sources.push(hit);
    for (const key of Object.keys(hit.raw.data ?? {})) values.add(key);
    for (const key of Object.keys(hit.raw.stringData ?? {})) values.add(key);
  }
  return { values, unverified, sources };
}

/** An object's references, less those in a Flux Kustomization's spec.patches (handed to that child in `deferred`). */
function ownVars(o: Obj, deferred: Map<string, VarRef[]>): VarRef[] {
  const inPatches = isFluxKs(o) ? patchVars(o) : undefined;
  if (!inPatches) return o.vars;
  const child = `${o.namespace ?? 'flux-system'}/${o.name}`;
  const out: VarRef[] = [];
  for (const v of o.vars) {
    if (v.line >= inPatches.from && inPatches.names.has(v.name)) {
      if (!deferred.has(child)) deferred.set(child, []);
      deferred.get(child)!.push(v);
    } else out.push(v);
  }
  return out;
}

function checkVariables(cluster: string, all: Map<string, Ks>, findings: Finding[]): void {
  const objects = [...all.values()].flatMap((k) => k.build?.objects ?? []);
  const used = new Map<Obj, Set<string>>();
  // Without postBuild, Flux applies `${…}` as written. That is often meant: shell scripts, Gatus/Grafana/Alertmanager
  // templates and Helm values the application expands itself. It is a mistake when the name is one this cluster's
  // substitution sources define (some Kustomization's postBuild substitutes it): the author meant that cluster value
  // and forgot postBuild, so the object gets the literal text. Only that is an error; any other name is one info
  // finding per Kustomization (the names it leaves literal), for whoever wonders why a value was not filled in.
  const clusterVars = new Map<string, string>(); // name -> where it is defined (for the message)
  for (const k of all.values()) {
    if (!k.postBuild) continue;
    for (const name of Object.keys(k.postBuild.substitute ?? {}))
      if (!clusterVars.has(name)) clusterVars.set(name, `postBuild.substitute of ${k.id}`);
    for (const src of valuesFor(k, objects).sources) {
      for (const name of [...Object.keys(src.raw.data ?? {}), ...Object.keys(src.raw.stringData ?? {})])
        if (!clusterVars.has(name)) clusterVars.set(name, `${src.kind} ${src.name}`);
    }
  }
  // `${…}` in a child Flux Kustomization's spec.patches, under a parent without postBuild, reaches the child as
  // written and lands in the objects the child's patches build: the child's postBuild substitutes it there (the
  // two-stage `CLUSTER: ${CLUSTER}` patch of joryirving/home-ops). Those references are the child's, not the parent's.
  const deferred = new Map<string, VarRef[]>(); // child id -> references it inherits
  for (const k of all.values()) {
    if (!k.build) continue;
    const mine = [
      ...k.build.objects.flatMap((o) => (k.postBuild ? o.vars : ownVars(o, deferred))),
      ...(deferred.get(k.id) ?? []),
    ];
    const refs = mine.filter((v) => !v.hasDefault);
    if (!k.postBuild) {
      const first = new Map<string, (typeof refs)[number]>();
      for (const r of refs) if (!first.has(r.name)) first.set(r.name, r);
      const literal: (typeof refs)[number][] = [];
      for (const r of first.values()) {
        const from = clusterVars.get(r.name);
        if (from === undefined) {
          literal.push(r);
          continue;
        }
        findings.push({
          code: 'VAR_WITHOUT_POSTBUILD',
          severity: 'error',
          cluster,
          file: r.file,
          line: r.line,
          message: `\${${r.name}} is defined for ${cluster} (${from}), but ${k.id} has no postBuild: Flux applies it literally`,
          hint: `add postBuild.substituteFrom to ${k.id}, or write $\${${r.name}} if the text is meant literally`,
        });
      }
      if (literal.length) {
        const names = literal.map((r) => `\${${r.name}}`);
        findings.push({
          code: 'VAR_WITHOUT_POSTBUILD',
          severity: 'info',
          cluster,
          file: literal[0].file,
          line: literal[0].line,
          message:
            `${k.id} has no postBuild, so Flux applies ` +
            `${names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ')} ` +
            `as written (no substitution source of ${cluster} defines ${literal.length > 1 ? 'them' : 'it'})`,
          hint: 'fine when the application expands them itself; otherwise add postBuild.substituteFrom',
        });
      }
      continue;
    }
    const { values, unverified, sources } = valuesFor(k, objects);
    for (const s of sources) {
      if (!used.has(s)) used.set(s, new Set());
      for (const r of mine) used.get(s)!.add(r.name); // ${X:=default} uses X too
    }
    const reported = new Set<string>();
    for (const r of refs) {
      if (values.has(r.name) || reported.has(r.name)) continue;
      reported.add(r.name);
      if (unverified.length) {
        findings.push({
          code: 'VAR_UNVERIFIED',
          severity: 'warning',
          cluster,
          file: r.file,
          line: r.line,
          message: `\${${r.name}} is not in the repository's substitution sources of ${k.id}; it may come from ${unverified.join(', ')}`,
          hint: 'make sure that source defines it, or give the variable a default (${VAR:=value})',
        });
      } else {
        findings.push({
          code: 'VAR_UNDEFINED',
          severity: 'error',
          cluster,
          file: r.file,
          line: r.line,
          message:
            `\${${r.name}} has no value on ${cluster}: ${k.id} substitutes only from ` +
            ([
              ...(k.postBuild.substituteFrom ?? []).map((s) => `${s.kind} ${s.name}`),
              ...(k.postBuild.substitute ? ['postBuild.substitute'] : []),
            ].join(', ') || 'nothing'),
          hint: `define ${r.name} in the cluster's settings, or give it a default (\${${r.name}:=value})`,
        });
      }
    }
  }
  for (const [src, names] of used) {
    for (const key of Object.keys(src.raw.data ?? {})) {
      if (names.has(key)) continue;
      findings.push({
        code: 'SETTING_UNUSED',
        severity: 'info',
        cluster,
        file: src.file,
        line: src.lineOf(['data', key]),
        message: `${src.kind} ${src.name}: ${key} is used by no manifest on ${cluster}`,
        hint: 'remove it, or keep it for a component that is not wired yet',
      });
    }
  }
}

function settingsOf(all: Map<string, Ks>): Record<string, string> {
  const out: Record<string, string> = {};
  const objects = [...all.values()].flatMap((k) => k.build?.objects ?? []);
  for (const k of all.values()) {
    for (const s of valuesFor(k, objects).sources) Object.assign(out, s.raw.data ?? {});
  }
  return out;
}

function checkAcrossClusters(walks: Map<string, Map<string, Ks>>, findings: Finding[]): void {
  const info = [...walks].map(([c, all]) => {
    const s = settingsOf(all);
    const mesh = s.CLUSTERMESH_ENABLED === 'true' || [...all.values()].some((k) => k.name === 'cilium-clustermesh');
    return {
      c,
      s,
      mesh,
      where: [...all.values()]
        .flatMap((k) => k.build?.objects ?? [])
        .find((o) => o.kind === 'ConfigMap' && o.raw.data?.CLUSTER_ID !== undefined),
    };
  });
  for (let i = 0; i < info.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [info[i], info[j]];
      const at = a.where ? { file: a.where.file, line: a.where.lineOf(['data', 'CLUSTER_ID']) } : {};
      if (a.s.CLUSTER_ID !== undefined && a.s.CLUSTER_ID === b.s.CLUSTER_ID) {
        findings.push({
          code: 'CLUSTER_ID_REUSED',
          severity: 'error',
          cluster: a.c,
          ...at,
          message: `CLUSTER_ID ${a.s.CLUSTER_ID} is also the id of cluster ${b.c}; Cilium ClusterMesh needs unique ids`,
          hint: 'give each cluster its own id (1-255)',
        });
      }
      if (!(a.mesh && b.mesh)) continue;
      for (const ka of ['POD_CIDR', 'SERVICE_CIDR']) {
        for (const kb of ['POD_CIDR', 'SERVICE_CIDR']) {
          const x = a.s[ka] ? parseCidr(a.s[ka]) : undefined;
          const y = b.s[kb] ? parseCidr(b.s[kb]) : undefined;
          if (!x || !y || typeof x === 'string' || typeof y === 'string' || !overlaps(x, y)) continue;
          const w = a.where ? { file: a.where.file, line: a.where.lineOf(['data', ka]) } : {};
          findings.push({
            code: 'CIDR_OVERLAP',
            severity: 'error',
            cluster: a.c,
            ...w,
            message: `${ka} ${a.s[ka]} of ${a.c} overlaps ${kb} ${b.s[kb]} of ${b.c}; ClusterMesh routes pods and services across clusters`,
            hint: 'use disjoint pod and service CIDRs on meshed clusters',
          });
        }
      }
    }
  }
}

function checkReachability(
  reader: RepoReader,
  walks: Map<string, Map<string, Ks>>,
  exempt: Set<string>,
  findings: Finding[],
): void {
  const reached = new Set<string>();
  for (const all of walks.values()) for (const k of all.values()) for (const f of k.build?.files ?? []) reached.add(f);
  for (const f of reader.allYamlFiles()) {
    if (reached.has(f)) continue;
    for (const o of reader.objectsOf(f)) {
      if (!isFluxKs(o) || exempt.has(o.name)) continue;
      findings.push({
        code: 'UNREACHABLE_KUSTOMIZATION',
        severity: 'warning',
        file: f,
        line: o.line,
        message: `Flux Kustomization ${o.name} is reached from no cluster`,
        hint: "list its folder in a cluster's kustomization, or delete it",
      });
    }
  }
}

/** The rules from outside check/ (CheckOptions.rules), on a view of the walk; returns what they exempt from reachability. */
function runRules(
  reader: RepoReader,
  walks: Map<string, Map<string, Ks>>,
  rules: CheckRule[],
  findings: Finding[],
): Set<string> {
  const exempt = new Set<string>();
  if (rules.length === 0) return exempt;
  const wired = new Map<string, Map<string, { file?: string; line?: number }>>();
  for (const [cluster, all] of walks) {
    // By name, the last Kustomization of a name wins (as a lane lists each name once).
    wired.set(
      cluster,
      new Map(
        [...all.values()].map((k) => [
          k.name,
          { file: k.obj?.via?.file ?? k.obj?.file, line: k.obj?.via?.line ?? k.obj?.line },
        ]),
      ),
    );
  }
  for (const rule of rules) {
    const r = rule.run({ files: reader, wired });
    findings.push(...r.findings);
    for (const name of r.unreachableOk ?? []) exempt.add(name);
  }
  return exempt;
}

/**
 * An object as kustomize's build writes it: the values of its own metadata.annotations quoted as strings
 * (`k8up.io/backup: false` becomes "false"; bo0tzz/kube). Labels and nested annotations (a pod template's) are left
 * as written, as kustomize leaves them, so a boolean there is still reported.
 */
function asBuilt(raw: Record<string, any>): Record<string, any> {
  const a = raw.metadata?.annotations;
  if (!a || typeof a !== 'object' || Array.isArray(a)) return raw;
  const annotations = Object.fromEntries(
    Object.entries<unknown>(a).map(([k, v]) => [k, typeof v === 'boolean' || typeof v === 'number' ? String(v) : v]),
  );
  return { ...raw, metadata: { ...raw.metadata, annotations } };
}

function checkSchemas(walks: Map<string, Map<string, Ks>>, findings: Finding[]): void {
  const validate = validateObject;
  const done = new Set<string>();
  for (const [cluster, all] of walks) {
    // A child Flux Kustomization is applied as its parent's spec.patches leave it (xunholy/k8s-gitops gives every
    // child its interval and prune that way): that object is what the API server validates.
    const applied = new Map<string, Obj>();
    for (const k of all.values()) if (k.obj) applied.set(`${k.obj.file}:${k.obj.line}`, k.obj);
    for (const k of all.values()) {
      for (const o of k.build?.objects ?? []) {
        const key = `${o.file}:${o.line}`;
        if (done.has(key) || o.raw.generated) continue;
        done.add(key);
        // Flux decrypts SOPS files and drops their `sops` block before applying them. Any other object is applied
        // as the Kustomization's own spec.patches leave it (JJGadgets/Biohazard gives every HelmRelease its interval
        // that way, through a patch its cluster Kustomization adds to every child).
        const patches = k.obj?.raw.spec?.patches;
        const own = isFluxKs(o) ? applied.get(key)?.raw : undefined;
        const patched =
          own ?? (Array.isArray(patches) && patches.length ? (applyPatches(o.raw, patches).raw ?? o.raw) : o.raw);
        const { sops: _sops, ...raw } = patched;
        for (const p of validate(asBuilt(raw))) {
          const keys = pathKeys(p.path);
          findings.push({
            code: 'SCHEMA_INVALID',
            severity: 'error',
            cluster,
            file: o.file,
            line: o.lineOf(keys),
            message: `${o.kind} ${o.name}: ${p.message.startsWith(p.path) ? p.message : `${p.path}: ${p.message}`}`,
            hint: `see the ${o.apiVersion} ${o.kind} API reference`,
          });
        }
      }
    }
  }
}

/** The walks as the contract rules read them: each Kustomization with the values its postBuild substitutes. */
function contractView(walks: Map<string, Map<string, Ks>>): Walks {
  const out: Walks = new Map();
  for (const [cluster, all] of walks) {
    const objects = [...all.values()].flatMap((k) => k.build?.objects ?? []);
    // Where a Kustomization's objects land: spec.kubeConfig sends them to another cluster (the hub-spoke pattern),
    // and the Flux Kustomizations it applies there reconcile there too.
    const targets = new Map<string, string>();
    const targetOf = (k: Ks): string => {
      const known = targets.get(k.id);
      if (known !== undefined) return known;
      const ref = k.obj?.raw.spec?.kubeConfig;
      const secret = ref?.secretRef?.name ?? ref?.configMapRef?.name;
      targets.set(k.id, '');
      const parent = k.parent ? all.get(k.parent) : undefined;
      const t = secret ? `kubeConfig ${k.namespace}/${secret}` : parent ? targetOf(parent) : '';
      targets.set(k.id, t);
      return t;
    };
    out.set(
      cluster,
      [...all.values()].map((k) => ({
        target: targetOf(k),
        id: k.id,
        name: k.name,
        namespace: k.namespace,
        path: k.path,
        obj: k.obj,
        build: k.build,
        external: k.external,
        values: k.postBuild ? valueMap(k, objects) : {},
        sources: k.postBuild ? valuesFor(k, objects).sources : [],
      })),
    );
  }
  return out;
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

/** What a walk of a repository found: its clusters (name -> entry folder) and every Flux Kustomization each reaches. */
export interface RepoWalk {
  root: string;
  reader: RepoReader;
  clusters: Map<string, string>;
  /** Each cluster's entry: its folder, Kustomization, source and how it was found. */
  entries: Map<string, Entry>;
  walks: Map<string, Map<string, Ks>>;
  /** Findings of the walk itself (paths missing, duplicates, static build problems). */
  findings: Finding[];
}

/** Find the clusters of a repository and walk every Flux Kustomization each reaches, statically (no kubectl). */
export function walkRepo(opts: Pick<CheckOptions, 'dir' | 'clusterPaths'>): RepoWalk {
  const root = path.resolve(opts.dir);
  if (!fs.existsSync(root)) throw new UsageError(`--dir ${opts.dir}: no such directory (${root})`);
  if (!fs.statSync(root).isDirectory()) throw new UsageError(`--dir ${opts.dir}: ${root} is a file, not a directory`);
  const reader = new RepoReader(root);
  // --cluster-path overrides discovery (entries.ts: FluxInstance, gotk-sync, our layout, root Kustomizations).
  const list = opts.clusterPaths?.length
    ? entriesForPaths(reader, findClusters(reader, opts.clusterPaths))
    : discoverEntries(reader);
  const entries = new Map(list.map((e) => [e.name, e]));
  const clusters = new Map(list.map((e) => [e.name, e.path]));
  const findings: Finding[] = [];
  const walks = new Map<string, Map<string, Ks>>();
  for (const e of list) walks.set(e.name, walkCluster(reader, e.name, e, findings));
  return { root, reader, clusters, entries, walks, findings };
}

/** What the check walked on one cluster (CheckResult.walked). */
function walkedOf(e: Entry, all: Map<string, Ks>): ClusterWalked {
  const walked = [...all.values()].filter((k) => !k.external);
  return {
    entry: e.path,
    found: e.found,
    source: { kind: e.source.kind, name: e.source.name },
    kustomizations: walked.length,
    helmReleases: walked
      .flatMap((k) => k.build?.objects ?? [])
      .filter((o) => o.kind === 'HelmRelease' && o.apiVersion.startsWith('helm.toolkit.fluxcd.io/')).length,
  };
}

/**
 * The checks of any Flux repository: wiring, substitution, dependency, schema and (with build) kustomize checks, from
 * the files alone, plus the caller's rules (opts.rules). `platform-kit check` is commands/check.ts.
 */
export async function checkFlux(opts: CheckOptions): Promise<CheckResult> {
  const { root, reader, clusters, entries, walks, findings } = walkRepo(opts);
  // kubectl builds in child processes while the static checks below run here (both take about as long).
  const builds = opts.build ? runBuilds(root, reader, walks, opts.progress) : undefined;
  builds?.catch(() => undefined); // awaited below; not an unhandled rejection if a static check throws first
  for (const [name, all] of walks) {
    checkDependencies(name, all, findings);
    checkVariables(name, all, findings);
  }
  checkAcrossClusters(walks, findings);
  findings.push(...contractFindings(reader, contractView(walks)));
  const exempt = runRules(reader, walks, opts.rules ?? [], findings);
  checkReachability(reader, walks, exempt, findings);
  // An entry Kustomization outside the tree it applies (kubernetes/flux/cluster/ks.yaml applying kubernetes/apps) is
  // reached by its cluster's bootstrap, not by a build.
  const entryAt = new Set([...entries.values()].flatMap((e) => (e.obj ? [`${e.obj.file}:${e.obj.line}`] : [])));
  findings.splice(
    0,
    findings.length,
    ...findings.filter((f) => !(f.code === 'UNREACHABLE_KUSTOMIZATION' && entryAt.has(`${f.file}:${f.line}`))),
  );
  checkSchemas(walks, findings);
  const buildFiles = [...walks.values()].flatMap((all) =>
    [...all.values()].flatMap((k) => [...(k.build?.files ?? [])]),
  );
  findings.push(...credentialFindings(reader, buildFiles, new Set((opts.rules ?? []).flatMap((r) => r.owns ?? []))));
  if (builds) findings.push(...(await builds));
  findings.push(...reader.findings);
  // One finding per place: the same file line reported from several clusters is kept once per cluster.
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.code}|${f.cluster}|${f.file}|${f.line}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      compareText(a.cluster ?? '', b.cluster ?? '') ||
      compareText(a.file ?? '', b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0),
  );
  const graphs: Record<string, ClusterGraph> = {};
  for (const [name, all] of walks) {
    graphs[name] = {
      nodes: [...all.values()].map((k) => ({
        id: k.id,
        name: k.name,
        namespace: k.namespace,
        path: k.path,
        parent: k.parent,
        external: k.external || undefined,
      })),
      dependsOn: [...all.values()].flatMap((k) => depsOf(k).map((d) => ({ from: k.id, to: d.id }))),
    };
  }
  const walked: Record<string, ClusterWalked> = {};
  for (const [name, all] of walks) walked[name] = walkedOf(entries.get(name)!, all);
  return { clusters: [...clusters.keys()], walked, findings: unique, graphs };
}
