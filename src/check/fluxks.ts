/**
 * How kustomize-controller turns a Flux Kustomization into a build, beyond spec.path: the parent's spec.patches
 * applied to the child object, and spec.components added to the kustomization at spec.path.
 */
import * as path from 'node:path';
import { isClusterScoped, type RepoReader } from './discover';
import type { Ks } from './ks';
import type { Build, Obj } from './objects';
import { applyPatches } from './patches';
import type { Finding } from './types';
import { scanVars } from './vars';

/** `inner` is `outer` or below it (repo-relative POSIX paths, '' = the root). */
const within = (inner: string, outer: string) => outer === '' || inner === outer || inner.startsWith(outer + '/');

/**
 * A Flux Kustomization object `o` that `parent` builds, after the parent's spec.patches (undefined when a patch
 * deletes it). Patches kustomize refuses are reported on the parent: Flux fails the parent's whole build on them.
 */
export function patchedChild(parent: Ks, o: Obj, cluster: string, findings: Finding[]): Obj | undefined {
  const patches = parent.obj?.raw.spec?.patches;
  if (!Array.isArray(patches) || patches.length === 0) return o;
  // Targets see the namespace the kustomizations below gave the object (home-ops apps/<ns>/kustomization.yaml sets
  // `namespace:`); the path's own `namespace:` runs after the patches in kustomize, a nuance not modelled here.
  const raw =
    o.namespace !== undefined && o.raw.metadata?.namespace !== o.namespace
      ? { ...o.raw, metadata: { ...(o.raw.metadata ?? {}), namespace: o.namespace } }
      : o.raw;
  const r = applyPatches(raw, patches);
  for (const e of r.errors) {
    findings.push({
      code: 'PATCH_FAILED',
      severity: 'error',
      cluster,
      file: parent.obj?.file,
      line: parent.obj?.lineOf(['spec', 'patches', e.index]),
      message: `${parent.id}: spec.patches[${e.index}] cannot apply to ${o.kind} ${o.name}: ${e.message}`,
      hint: 'fix the patch or its target; kustomize-controller fails the whole build on it',
    });
  }
  if (r.raw === undefined) return undefined;
  return r.applied.length ? { ...o, raw: r.raw } : o;
}

/** spec.components as repo-relative folders: each entry is relative to spec.path (after the parent's substitution). */
export function componentsOf(
  specPath: string,
  spec: Record<string, any>,
  subst: (s: string) => string,
): string[] | undefined {
  if (!Array.isArray(spec.components)) return undefined;
  return spec.components.map((c: unknown) =>
    path.posix.normalize(path.posix.join(specPath, subst(String(c)))).replace(/\/$/, ''),
  );
}

/**
 * Add a Kustomization's spec.components to its static build as Flux does: it appends them to the `components:`
 * of the kustomization at spec.path (its own, or the one it generates), so their objects, generators and files are
 * part of the build and that kustomization's `namespace:` applies to them. A component that is missing, a file, or
 * outside the repository is reported at its spec.components entry (kustomize-controller fails the build on it).
 */
export function addComponents(reader: RepoReader, k: Ks, build: Build): void {
  const kfile = reader.kustomizationFile(k.path);
  let namespace: unknown;
  if (kfile) {
    const p = reader.parse(kfile);
    const doc = p?.docs[0];
    const js = doc && p ? (reader.toJS(kfile, doc, p.lc) as Record<string, any> | null | undefined) : undefined;
    namespace = js && typeof js === 'object' ? js.namespace : undefined;
  }
  (k.components ?? []).forEach((comp, i) => {
    const at = { file: k.obj?.file, line: k.obj?.lineOf(['spec', 'components', i]) };
    const written = String(k.obj?.raw.spec?.components?.[i] ?? comp);
    const r = reader.resolve('', comp);
    if (!r.ok) {
      build.findings.push({
        code: r.code,
        severity: 'error',
        ...at,
        message: `${k.id}: spec.components entry ${written} (./${comp}): ${r.detail}`,
        hint:
          r.code === 'RESOURCE_MISSING'
            ? `create the component folder, or remove the entry (components are relative to spec.path ./${k.path})`
            : r.code === 'SYMLINK_LOOP'
              ? 'fix or remove the symlink'
              : 'keep every component inside the repository',
      });
      return;
    }
    if (!r.dir) {
      build.findings.push({
        code: 'RESOURCE_MISSING',
        severity: 'error',
        ...at,
        message: `${k.id}: spec.components entry ${written} (./${comp}) is a file; a component is a folder with a kustomization.yaml (kind: Component)`,
        hint: 'point the entry at the component folder',
      });
      return;
    }
    if (within(k.path, r.rel)) {
      build.findings.push({
        code: 'KUSTOMIZE_CYCLE',
        severity: 'error',
        ...at,
        message:
          `${k.id}: spec.components entry ${written} (./${r.rel}) contains spec.path ./${k.path} ` +
          `(kustomize: cycle detected: candidate root contains visited root)`,
        hint: 'point the entry at a component folder that is not above spec.path',
      });
      return;
    }
    const b = reader.build(r.rel);
    build.findings.push(...b.findings);
    for (const f of b.files) build.files.add(f);
    for (const o of b.objects) {
      const obj: Obj = at.file && at.line ? { ...o, via: { file: at.file, line: at.line } } : o;
      if (typeof namespace === 'string') {
        if (!isClusterScoped(obj.kind)) obj.namespace = namespace;
        if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') obj.name = namespace;
      }
      build.objects.push(obj);
    }
  });
}

/** The `${VAR}` names written in a Flux Kustomization object's spec.patches texts, and the line spec.patches starts on. */
export function patchVars(o: Obj): { from: number; names: Set<string> } | undefined {
  const patches = o.raw.spec?.patches;
  if (!Array.isArray(patches)) return undefined;
  const names = new Set<string>();
  for (const p of patches)
    if (typeof p?.patch === 'string') for (const v of scanVars(p.patch, o.file)) names.add(v.name);
  return names.size ? { from: o.lineOf(['spec', 'patches']), names } : undefined;
}

/** A value of the child object with every string substituted as the parent's postBuild does (a `CLUSTER: ${CLUSTER}` a patch gave it). */
export function substituted<T>(value: T, subst: (s: string) => string): T {
  if (typeof value === 'string') return subst(value) as T;
  if (Array.isArray(value)) return value.map((v) => substituted(v, subst)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituted(v, subst)])) as T;
  return value;
}
