// Flux postBuild substitution as the check reads it: where `${VAR}`s are in text and YAML, what Flux makes of them.
import { type Document, isScalar, type LineCounter, type Node, type Scalar, visit } from 'yaml';
import { fluxVarRefs, replaceFluxVars } from '../core/flux-vars';

/** A `${VAR}` reference in a file. */
export interface VarRef {
  name: string;
  /** `${VAR:=x}` / `${VAR:-x}`: never missing. */
  hasDefault: boolean;
  file: string;
  line: number;
}

/**
 * Text as Flux's postBuild substitutes it with these values: `$${VAR}` stays `${VAR}`, a variable without a value
 * takes its `:=`/`:-` default, or stays as written (the check reports it separately).
 */
export function subst(text: string, values: Record<string, string>): string {
  return replaceFluxVars(text, (r, all) =>
    r.escaped ? all.slice(1) : r.name in values ? values[r.name] : (r.fallback ?? all),
  );
}

/**
 * `${VAR}`s of a text that reaches an object as a string value (a block scalar, a generator's file). Flux substitutes
 * all of it, but a line that starts with `#` is left out here: in what people put in ConfigMaps (shell, YAML, INI,
 * Python) it is a comment, where a substituted or emptied variable changes nothing.
 */
export function scanText(text: string, file: string, firstLine = 1): VarRef[] {
  const out: VarRef[] = [];
  text.split('\n').forEach((l, i) => {
    if (/^\s*#/.test(l)) return;
    for (const r of fluxVarRefs(l)) {
      if (r.escaped) continue; // $${VAR} is an escape
      out.push({ name: r.name, hasDefault: r.fallback !== undefined, file, line: firstLine + i });
    }
  });
  return out;
}

/**
 * A YAML line without its comment: from a `#` at the start or after a blank, outside quotes, to the end. Used where
 * YAML sits inside a string (an inline patch) and is not parsed here; kustomize parses it and drops the comments.
 */
export function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = '';
    } else if (quote === "'") {
      if (c === "'") quote = '';
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(line[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** `${VAR}`s of YAML text read line by line, comments left out (Flux substitutes the re-serialised YAML, which has none). */
export function scanVars(text: string, file: string, firstLine = 1): VarRef[] {
  return scanText(text.split('\n').map(stripComment).join('\n'), file, firstLine);
}

/**
 * `${VAR}`s of a parsed YAML document as Flux substitutes it: in its keys and values only. kustomize re-serialises
 * every object before Flux substitutes it, so no comment, whole-line or trailing, is ever substituted; a `#` inside a
 * string (a script in a ConfigMap) is part of the value and is. `yamlInside(path)` marks strings that are YAML
 * themselves (inline patches of a kustomization): their comments are left out too. `skip(path)` leaves a subtree out.
 */
export function docVars(
  doc: Document | Node,
  lc: LineCounter,
  text: string,
  file: string,
  opts: { skip?: (keys: unknown[]) => boolean; yamlInside?: (keys: unknown[]) => boolean } = {},
): VarRef[] {
  const out: VarRef[] = [];
  const keysOf = (path: readonly unknown[]): unknown[] =>
    path.filter((n) => isScalar((n as { key?: unknown })?.key)).map((n) => (n as { key: Scalar }).key.value);
  visit(doc, {
    Pair(_, pair, path) {
      if (opts.skip && isScalar(pair.key) && opts.skip([...keysOf(path), pair.key.value])) return visit.SKIP;
      return undefined;
    },
    Scalar(_, node, path) {
      const r = node.range;
      if (!r || typeof node.value !== 'string' || !node.value.includes('${')) return;
      let src = text.slice(r[0], r[1]);
      // A block scalar's range starts at its `|`/`>` header, whose line may end in a comment.
      if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')
        src = src.replace(/^[^\n]*/, (h) => stripComment(h));
      const first = lc.linePos(r[0]).line;
      const keys = keysOf(path);
      out.push(...(opts.yamlInside?.(keys) ? scanVars(src, file, first) : scanText(src, file, first)));
    },
  });
  return out;
}

/** Flux's opt-out: an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` is applied as built. */
export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
const optedOut = (m: { labels?: unknown; annotations?: unknown } | undefined): boolean =>
  [m?.labels, m?.annotations].some(
    (x) => x !== null && typeof x === 'object' && (x as Record<string, unknown>)[SUBSTITUTE_KEY] === 'disabled',
  );
/** Whether Flux skips postBuild substitution for this object (its own label or annotation). */
export const substitutionDisabled = (raw: Record<string, any> | undefined): boolean => optedOut(raw?.metadata);
