// kustomize's configMapGenerator / secretGenerator as the static build models them: the generated object with its
// data keys and, where the repository holds them, its values (literals, env files, files), so that a Flux
// Kustomization's postBuild.substituteFrom naming it sees them; and Flux's substitution opt-out, which
// generatorOptions / options labels or annotations put on the generated objects.
import * as path from 'node:path';
import type { Document, LineCounter, Node } from 'yaml';
import type { Obj } from './objects';
import { docVars, SUBSTITUTE_KEY, scanText, type VarRef } from './vars';

export interface GeneratorContext {
  /** The kustomization file (repo-relative) and its first document, as data and as parsed. */
  kfile: string;
  k: Record<string, any>;
  doc: Document;
  lc: LineCounter;
  text: string;
  /** Line of a field of the kustomization. */
  lineOf: (keys: (string | number)[]) => number;
  /** A local file entry resolved inside the repository, or undefined (the finding is reported). */
  fileAt: (entry: string, at: (string | number)[], what: string, hint: string) => string | undefined;
  /** A repository file's text (bounded by the reader's limits). */
  read: (rel: string) => string;
  /** Records a file the build reads. */
  uses: (rel: string) => void;
  /** The folder of the kustomization (for hints). */
  dir: string;
}

/** A URL kustomize fetches itself (its file loader takes http(s) URLs): not a file of the repository. */
export const isRemote = (entry: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(entry);

const strMap = (x: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (x && typeof x === 'object' && !Array.isArray(x)) for (const [k, v] of Object.entries(x)) out[k] = String(v);
  return out;
};
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** kustomize's literal source `KEY=value`: split at the first `=`, one pair of matching surrounding quotes removed. */
function literal(s: string): [string, string] | undefined {
  const eq = s.indexOf('=');
  if (eq <= 0) return undefined;
  const v = s.slice(eq + 1);
  return [
    s.slice(0, eq),
    v.length >= 2 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'") ? v.slice(1, -1) : v,
  ];
}

/**
 * kustomize's env file: one `KEY=value` a line (split at the first `=`, the value kept as written, quotes included),
 * leading blanks trimmed, blank lines and `#` lines skipped, a BOM on the first line dropped; a line without `=` is
 * the key with an empty value.
 */
export function envPairs(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const l = (i === 0 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '').trimStart();
    if (!l || l.startsWith('#')) return;
    const eq = l.indexOf('=');
    out.push({ key: eq < 0 ? l : l.slice(0, eq), value: eq < 0 ? '' : l.slice(eq + 1), line: i + 1 });
  });
  return out;
}

/**
 * The objects the kustomization's generators make, into `objects` (this folder's build so far): a new ConfigMap or
 * Secret, or with `behavior: merge`/`replace` the resource of that name it changes. Data keys come from literals,
 * env files and files; values where the repository holds them (a remote file's key has an empty value here). A
 * Secret's values are kept as stringData (plain text, which is what Flux substitutes from after decoding).
 */
export function applyGenerators(ctx: GeneratorContext, objects: Obj[]): void {
  const global = ctx.k.generatorOptions ?? {};
  for (const gen of ['configMapGenerator', 'secretGenerator'] as const) {
    list(ctx.k[gen]).forEach((g: any, gi) => {
      const kind = gen === 'configMapGenerator' ? 'ConfigMap' : 'Secret';
      const name = String(g?.name ?? '');
      const line = ctx.lineOf([gen, gi]);
      // kustomize merges generatorOptions into each generator's own options; the generator's keys win.
      const labels = { ...strMap(global.labels), ...strMap(g?.options?.labels) };
      const annotations = { ...strMap(global.annotations), ...strMap(g?.options?.annotations) };
      const data: Record<string, string> = {};
      const keyLine: Record<string, number> = {};
      const sourceFiles: Record<string, string> = {};
      const vars: VarRef[] = [];
      list(g?.literals).forEach((lit, li) => {
        const kv = literal(String(lit));
        if (!kv) return;
        data[kv[0]] = kv[1];
        keyLine[kv[0]] = ctx.lineOf([gen, gi, 'literals', li]);
      });
      const envs: [string, (string | number)[]][] = list(g?.envs).map((e, i) => [String(e), [gen, gi, 'envs', i]]);
      if (typeof g?.env === 'string') envs.push([g.env, [gen, gi, 'env']]);
      for (const [entry, at] of envs) {
        if (isRemote(entry)) continue;
        const rel = ctx.fileAt(
          entry,
          at,
          `${gen} env file`,
          `create ${path.posix.normalize(path.posix.join(ctx.dir, entry))} or remove it from ${gen}`,
        );
        if (rel === undefined) continue;
        ctx.uses(rel);
        for (const p of envPairs(ctx.read(rel))) {
          data[p.key] = p.value;
          keyLine[p.key] = ctx.lineOf(at);
          vars.push(...scanText(p.value, rel, p.line)); // only values reach the object; the file's comments do not
        }
      }
      list(g?.files).forEach((f, fi) => {
        const s = String(f);
        const eq = s.indexOf('=');
        const src = eq >= 0 ? s.slice(eq + 1) : s;
        const key = eq >= 0 ? s.slice(0, eq) : path.posix.basename(src.replace(/[?#].*$/, ''));
        keyLine[key] = ctx.lineOf([gen, gi, 'files', fi]);
        if (isRemote(src)) {
          data[key] = ''; // fetched by kustomize when it builds; the key exists, its value is not known offline
          return;
        }
        const rel = ctx.fileAt(
          src,
          [gen, gi, 'files', fi],
          `${gen} file`,
          `create ${path.posix.normalize(path.posix.join(ctx.dir, src))} or remove it from ${gen}`,
        );
        if (rel === undefined) return;
        ctx.uses(rel);
        sourceFiles[key] = rel;
        const text = ctx.read(rel);
        data[key] = text;
        vars.push(...scanText(text, rel)); // the whole text is the value
      });
      // The generator's own strings that reach the object (name, literals, options); its file lists are paths.
      const node = ctx.doc.getIn([gen, gi], true) as Node | undefined;
      if (node)
        vars.push(
          ...docVars(node, ctx.lc, ctx.text, ctx.kfile, {
            skip: (keys) => keys.length === 1 && ['files', 'envs', 'env'].includes(String(keys[0])),
          }),
        );

      const field = kind === 'ConfigMap' ? 'data' : 'stringData';
      const behavior = String(g?.behavior ?? 'create');
      const at =
        behavior === 'create'
          ? -1
          : objects.findIndex(
              (o) =>
                o.kind === kind &&
                o.apiVersion === 'v1' &&
                o.name === name &&
                (g?.namespace === undefined || o.namespace === g.namespace),
            );
      if (at >= 0) {
        // merge: the generator's keys over the resource's; replace: the generator's keys only. Its labels and
        // annotations are added to the resource's, so an opt-out on either side covers the result.
        const base = objects[at];
        const merge = behavior === 'merge';
        const meta = base.raw.metadata ?? {};
        const metadata = {
          ...meta,
          labels: { ...strMap(meta.labels), ...labels },
          annotations: { ...strMap(meta.annotations), ...annotations },
        };
        const raw: Record<string, any> = {
          ...base.raw,
          metadata,
          [field]: { ...(merge ? strMap(base.raw[field]) : {}), ...data },
        };
        if (!merge && kind === 'Secret') delete raw.data;
        const off = disabled(labels, annotations) || disabled(metadata.labels, metadata.annotations);
        objects[at] = {
          ...base,
          raw,
          vars: off ? [] : [...(merge ? base.vars : []), ...vars],
          sourceFiles: { ...(merge ? base.sourceFiles : {}), ...sourceFiles },
        };
        return;
      }
      const metadata: Record<string, unknown> = { name };
      if (typeof g?.namespace === 'string') metadata.namespace = g.namespace;
      if (Object.keys(labels).length) metadata.labels = labels;
      if (Object.keys(annotations).length) metadata.annotations = annotations;
      const raw: Record<string, any> = { apiVersion: 'v1', kind, metadata, [field]: data, generated: true };
      if (kind === 'Secret') raw.type = String(g?.type ?? 'Opaque');
      objects.push({
        apiVersion: 'v1',
        kind,
        name,
        namespace: g?.namespace,
        raw,
        file: ctx.kfile,
        line,
        lineOf: (keys) => (keys.length >= 2 && keys[0] === field && keyLine[String(keys[1])]) || line,
        vars: disabled(labels, annotations) ? [] : vars,
        sourceFiles,
      });
    });
  }
}

const disabled = (labels: Record<string, string>, annotations: Record<string, string>) =>
  labels[SUBSTITUTE_KEY] === 'disabled' || annotations[SUBSTITUTE_KEY] === 'disabled';

/**
 * Whether the kustomization's own transformers label or annotate everything it builds with Flux's opt-out:
 * commonAnnotations, commonLabels, or a `labels` entry's pairs (they reach generated objects too).
 */
export function buildOptedOut(k: Record<string, any>): boolean {
  if (disabled(strMap(k.commonLabels), strMap(k.commonAnnotations))) return true;
  return list(k.labels).some((l: any) => strMap(l?.pairs)[SUBSTITUTE_KEY] === 'disabled');
}
