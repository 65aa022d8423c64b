/**
 * The `spec.patches` of a Flux Kustomization, as kustomize-controller applies them to the objects it builds.
 *
 * Flux writes each entry into the generated kustomization's `patches:` list, so kustomize's rules hold:
 * - `patch` is inline text: a YAML/JSON list of JSON6902 operations, or an object (a strategic-merge patch);
 * - `target` selects objects: group, version, kind, name and namespace are regular expressions anchored at both
 *   ends (an empty or absent field matches anything); labelSelector and annotationSelector are Kubernetes
 *   selectors over labels and annotations;
 * - a strategic-merge patch without a target applies to the object its own apiVersion/kind/name/namespace name;
 *   with a target, its own name, namespace and kind are ignored (the home-ops `name: _` placeholder);
 * - a strategic-merge patch needs kind and metadata.name; a JSON6902 patch needs a target.
 *
 * The check walks Flux Kustomization objects, custom resources with no OpenAPI patch strategy: kustomize merges
 * them as a JSON merge patch (maps merged key by key, lists replaced whole, null removes a key) plus the `$patch`
 * directives (`replace`, `delete`). That is what is modelled here; list merge keys of built-in kinds are not.
 */
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** One object's data (apiVersion, kind, metadata, spec ...). */
export type Raw = Record<string, any>;

/** The result of applying a Kustomization's patches to one object. */
export interface Patched {
  /** The object after its patches (a copy; the input is not changed); undefined when a patch deleted it. */
  raw?: Raw;
  /** Indexes of the patches that applied to this object. */
  applied: number[];
  /** Patches kustomize refuses (index into spec.patches, why). */
  errors: { index: number; message: string }[];
}

export const isMapLike = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** kustomize's selector regexes: each field anchored (^…$); an invalid one matches nothing. */
function matches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === '') return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

/** Split a selector on commas outside parentheses (`a in (x,y),b` is two requirements). */
function requirements(sel: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of sel) {
    if (c === '(') depth++;
    if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.filter(Boolean);
}

/**
 * A Kubernetes label selector string against a map (labels or annotations): `k`, `!k`, `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, comma-separated and all required. An empty selector matches everything.
 */
export function matchesSelector(selector: string | undefined, labels: Record<string, unknown> | undefined): boolean {
  if (!selector?.trim()) return true;
  const have = (k: string) => labels !== undefined && Object.hasOwn(labels, k);
  const val = (k: string) => String(labels?.[k]);
  for (const req of requirements(selector)) {
    let m: RegExpMatchArray | null;
    if ((m = req.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      const set = m[3]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const inSet = have(m[1]) && set.includes(val(m[1]));
      if (m[2] === 'in' ? !inSet : inSet) return false;
    } else if ((m = req.match(/^([^!=\s]+)\s*!=\s*(.*)$/))) {
      if (have(m[1]) && val(m[1]) === m[2].trim()) return false;
    } else if ((m = req.match(/^([^!=\s]+)\s*==?\s*(.*)$/))) {
      if (!have(m[1]) || val(m[1]) !== m[2].trim()) return false;
    } else if ((m = req.match(/^!\s*(\S+)$/))) {
      if (have(m[1])) return false;
    } else if (!have(req)) return false;
  }
  return true;
}

/** Whether a patch target selects an object (kustomize semantics, see the module comment). */
export function selects(target: Selector, raw: Raw): boolean {
  const apiVersion = String(raw.apiVersion ?? '');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  const meta = isMapLike(raw.metadata) ? raw.metadata : {};
  return (
    matches(target.group, group) &&
    matches(target.version, version) &&
    matches(target.kind, String(raw.kind ?? '')) &&
    matches(target.name, String(meta.name ?? '')) &&
    matches(target.namespace, String(meta.namespace ?? '')) &&
    matchesSelector(target.labelSelector, isMapLike(meta.labels) ? meta.labels : undefined) &&
    matchesSelector(target.annotationSelector, isMapLike(meta.annotations) ? meta.annotations : undefined)
  );
}

/**
 * A strategic merge of `patch` into `base` for a kind without patch strategy (JSON merge patch with the `$patch`
 * directives). Returns undefined when the patch deletes the whole value.
 */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isMapLike(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const rest = Object.fromEntries(
    Object.entries(patch).filter(([k]) => k !== '$patch' && !k.startsWith('$setElementOrder/') && k !== '$retainKeys'),
  );
  if (directive === 'replace' || !isMapLike(base)) return mergePatch({}, rest);
  const out: Record<string, any> = clone(base);
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = mergePatch(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

/** A JSON pointer (RFC 6901) as its tokens. */
function pointer(p: unknown): string[] | undefined {
  if (typeof p !== 'string' || (p !== '' && !p.startsWith('/'))) return undefined;
  return p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Apply JSON6902 operations to a copy of `doc`; throws with kustomize's kind of message when an op cannot apply. */
export function applyJson6902(doc: Raw, ops: unknown[]): Raw {
  let root: any = clone(doc);
  const parentOf = (tokens: string[], op: string): { parent: any; key: string } => {
    let at = root;
    for (const t of tokens.slice(0, -1)) {
      if (Array.isArray(at)) at = at[Number(t)];
      else if (isMapLike(at)) at = at[t];
      else at = undefined;
      if (at === undefined || at === null || typeof at !== 'object')
        throw new Error(`${op}: /${tokens.join('/')}: missing parent /${tokens.slice(0, -1).join('/')}`);
    }
    return { parent: at, key: tokens[tokens.length - 1] };
  };
  const get = (tokens: string[]): unknown => {
    let at: any = root;
    for (const t of tokens) {
      if (Array.isArray(at)) at = /^\d+$/.test(t) ? at[Number(t)] : undefined;
      else if (isMapLike(at)) at = Object.hasOwn(at, t) ? at[t] : undefined;
      else return undefined;
      if (at === undefined) return undefined;
    }
    return at;
  };
  const remove = (tokens: string[], op: string): unknown => {
    if (tokens.length === 0) throw new Error(`${op}: cannot remove the whole document`);
    const { parent, key } = parentOf(tokens, op);
    if (Array.isArray(parent)) {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i >= parent.length) throw new Error(`${op}: /${tokens.join('/')}: no such index`);
      return parent.splice(i, 1)[0];
    }
    if (!Object.hasOwn(parent, key)) throw new Error(`${op}: /${tokens.join('/')}: Unable to remove nonexistent key`);
    const v = parent[key];
    delete parent[key];
    return v;
  };
  const add = (tokens: string[], value: unknown, op: string) => {
    if (tokens.length === 0) {
      root = clone(value);
      return;
    }
    const { parent, key } = parentOf(tokens, op);
    if (Array.isArray(parent)) {
      if (key === '-') parent.push(clone(value));
      else {
        const i = Number(key);
        if (!/^\d+$/.test(key) || i > parent.length) throw new Error(`${op}: /${tokens.join('/')}: index out of range`);
        parent.splice(i, 0, clone(value));
      }
    } else parent[key] = clone(value);
  };
  for (const raw of ops) {
    const o = isMapLike(raw) ? raw : {};
    const op = String(o.op ?? '');
    const tokens = pointer(o.path);
    if (!tokens) throw new Error(`${op || 'operation'}: path ${JSON.stringify(o.path)} is not a JSON pointer`);
    switch (op) {
      case 'add':
        add(tokens, o.value, op);
        break;
      case 'remove':
        remove(tokens, op);
        break;
      case 'replace':
        if (get(tokens) === undefined)
          throw new Error(`replace: /${tokens.join('/')}: replace operation does not apply: doc is missing path`);
        if (tokens.length === 0) root = clone(o.value);
        else {
          const { parent, key } = parentOf(tokens, op);
          parent[Array.isArray(parent) ? Number(key) : key] = clone(o.value);
        }
        break;
      case 'move':
      case 'copy': {
        const from = pointer(o.from);
        if (!from) throw new Error(`${op}: from ${JSON.stringify(o.from)} is not a JSON pointer`);
        const v = get(from);
        if (v === undefined) throw new Error(`${op}: from /${from.join('/')}: doc is missing path`);
        if (op === 'move') remove(from, op);
        add(tokens, v, op);
        break;
      }
      case 'test':
        if (JSON.stringify(get(tokens)) !== JSON.stringify(o.value))
          throw new Error(`test: /${tokens.join('/')}: testing value failed`);
        break;
      default:
        throw new Error(`unknown operation ${JSON.stringify(op)}`);
    }
  }
  return root;
}

/** One spec.patches entry read: its kind and content, or why kustomize refuses it. */
type Parsed =
  | { kind: 'json6902'; ops: unknown[]; target: Selector }
  | { kind: 'smp'; patch: Raw; target?: Selector }
  | { kind: 'error'; message: string };

function parseEntry(entry: unknown): Parsed {
  if (!isMapLike(entry)) return { kind: 'error', message: 'not a map with patch/target' };
  const target = isMapLike(entry.target) ? (entry.target as Selector) : undefined;
  if (typeof entry.patch !== 'string' || !entry.patch.trim())
    return { kind: 'error', message: 'has no inline patch (Flux takes `patch:` text only)' };
  let doc: unknown;
  try {
    doc = parseYaml(entry.patch);
  } catch (e) {
    return { kind: 'error', message: `patch is not valid YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  if (Array.isArray(doc)) {
    if (!target) return { kind: 'error', message: 'a JSON6902 patch needs a target' };
    return { kind: 'json6902', ops: doc, target };
  }
  if (!isMapLike(doc))
    return { kind: 'error', message: 'patch is neither a list of JSON6902 operations nor an object' };
  // kustomize parses a strategic-merge patch as a resource: without kind and metadata.name it refuses it
  // ("unable to parse SM or JSON patch"), target or not; hence the home-ops `name: _` placeholder.
  if (
    typeof doc.kind !== 'string' ||
    !doc.kind ||
    !isMapLike(doc.metadata) ||
    doc.metadata.name === undefined ||
    doc.metadata.name === null ||
    doc.metadata.name === ''
  ) {
    return {
      kind: 'error',
      message:
        'unable to parse SM or JSON patch: a strategic-merge patch needs kind and metadata.name (any name, e.g. _, when it has a target)',
    };
  }
  return { kind: 'smp', patch: doc, target };
}

/** The selector a strategic-merge patch without a target stands for: its own group/version, kind, name, namespace (exact). */
function ownTarget(patch: Raw): Selector {
  const esc = (s: unknown) =>
    s === undefined || s === null || s === '' ? undefined : String(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const apiVersion = String(patch.apiVersion ?? '');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return {
    group: apiVersion ? (esc(group) ?? '') : undefined,
    version: esc(version),
    kind: esc(patch.kind),
    name: esc(patch.metadata?.name),
    namespace: esc(patch.metadata?.namespace),
  };
}

/**
 * Apply a Kustomization's `spec.patches` (as written in its spec) to one object it builds, in order. An entry
 * kustomize refuses is reported in `errors` (for every object, since kustomize fails the whole build).
 */
export function applyPatches(raw: Raw, patches: unknown): Patched {
  const out: Patched = { raw, applied: [], errors: [] };
  if (!Array.isArray(patches)) return out;
  let cur: Raw | undefined = raw;
  patches.forEach((entry, index) => {
    const p = parseEntry(entry);
    if (p.kind === 'error') {
      out.errors.push({ index, message: p.message });
      return;
    }
    if (cur === undefined) return;
    if (p.kind === 'json6902') {
      if (!selects(p.target, cur)) return;
      try {
        cur = applyJson6902(cur, p.ops);
        out.applied.push(index);
      } catch (e) {
        out.errors.push({ index, message: (e as Error).message });
      }
      return;
    }
    if (!selects(p.target ?? ownTarget(p.patch), cur)) return;
    // With a target (or matched by its own id), the patch's apiVersion, kind, name and namespace are the object's.
    const { apiVersion: _a, kind: _k, ...body } = p.patch;
    const meta = isMapLike(body.metadata)
      ? Object.fromEntries(Object.entries(body.metadata).filter(([k]) => k !== 'name' && k !== 'namespace'))
      : undefined;
    const patch =
      meta === undefined
        ? body
        : Object.keys(meta).length
          ? { ...body, metadata: meta }
          : Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'metadata'));
    if (p.patch.$patch === 'delete') {
      cur = undefined;
      out.applied.push(index);
      return;
    }
    cur = mergePatch(cur, patch) as Raw;
    out.applied.push(index);
  });
  out.raw = cur;
  return out;
}

/**
 * The patches a kustomization file lists, as `spec.patches`-style entries (inline text + target): `patches` (inline
 * or `path:`), `patchesStrategicMerge` (inline or files, one entry per document) and `patchesJson6902` (`path:` +
 * target). File entries are read relative to the kustomization's folder; one that cannot be read is left out (the
 * static build reports it already).
 */
export function kustomizationPatches(
  k: Record<string, any>,
  read: (entry: string) => string | undefined,
): { patch: string; target?: Selector }[] {
  const out: { patch: string; target?: Selector }[] = [];
  const docs = (text: string) =>
    parseAllDocuments(text, { logLevel: 'error' })
      .filter((d) => d.contents !== null)
      .map((d) => d.toString());
  const isJsonOps = (text: string) => /^\s*(\[|-\s)/.test(text.replace(/^(\s*#.*\n)*/, ''));
  for (const p of Array.isArray(k.patches) ? k.patches : []) {
    if (!isMapLike(p)) continue;
    const target = isMapLike(p.target) ? (p.target as Selector) : undefined;
    const text = typeof p.patch === 'string' ? p.patch : typeof p.path === 'string' ? read(p.path) : undefined;
    if (text === undefined) continue;
    if (isJsonOps(text)) out.push({ patch: text, target });
    else for (const d of docs(text)) out.push({ patch: d, target });
  }
  for (const p of Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : []) {
    if (typeof p !== 'string') continue;
    const text = p.includes('\n') ? p : read(p);
    if (text !== undefined) for (const d of docs(text)) out.push({ patch: d });
  }
  for (const p of Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : []) {
    if (!isMapLike(p) || !isMapLike(p.target)) continue;
    const text = typeof p.patch === 'string' ? p.patch : typeof p.path === 'string' ? read(p.path) : undefined;
    if (text !== undefined) out.push({ patch: text, target: p.target as Selector });
  }
  return out;
}

export const isFluxKustomization = (raw: Raw) =>
  raw.kind === 'Kustomization' && String(raw.apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/');
