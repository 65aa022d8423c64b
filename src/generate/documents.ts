import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { builtFile, readJson } from '../core/built';
import { type FluxVarRef, fluxVarRefs } from '../core/flux-vars';
import { walkTree } from '../core/paths';
import { TEMPLATE_SUFFIX } from '../core/precompiled';
import { substitutedValue } from '../model/variables';

/**
 * The YAML documents of a rendered file that can be of kind `kind`, parsed to plain data. The design docs read a few
 * kinds (ExternalSecret, HTTPRoute) out of files that hold many other documents; parsing every document of every file
 * once per cluster was a fifth of a scaffold's time, so a document is parsed only when its text leaves that possible
 * (see mayBeOfKind). The caller still checks each result's kind. `parsed` shares the parses of identical pieces
 * (the same document on several clusters).
 *
 * A line that starts with `---` (then a space or the end of the line) begins a document wherever it stands: YAML
 * forbids it inside any scalar, so cutting the text there gives the documents a parse of the whole text would give.
 * Directives (`%YAML`, `%TAG`) belong to the document after them, across the cut: a text with one is parsed whole.
 */
export function documentsOfKind(text: string, kind: string, parsed = new Map<string, unknown[]>()): unknown[] {
  if (!text.includes(kind)) return [];
  const chunks = /^%/m.test(text) ? [text] : splitDocuments(text).filter((c) => mayBeOfKind(c, kind));
  return chunks.flatMap((c) => {
    let docs = parsed.get(c);
    if (!docs) parsed.set(c, (docs = parseAllDocuments(c).map((d) => d.toJS() as unknown)));
    return docs;
  });
}

/** The text cut before each document-start marker (`---` at the start of a line); the pieces join back to the text. */
export function splitDocuments(text: string): string[] {
  const starts = [0];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) if (m.index > 0) starts.push(m.index);
  return starts.map((s, i) => text.slice(s, starts[i + 1]));
}

/** A `kind:` key (plain or quoted) at the start of a line, its value up to a comment. */
const KIND_LINE = /^(?:kind|"kind"|'kind')[ \t]*:(?:[ \t]+([^\r\n]*?))?[ \t]*(?:[ \t]#[^\r\n]*)?\r?$/;
const PLAIN_WORD = /^["']?([A-Za-z0-9]+)["']?$/;
/** A plain mapping key at the start of a line (not `-`, `?`, `{`, `[`, a quote, a tag, an anchor or an alias). */
const BLOCK_KEY = /^[A-Za-z0-9_][^:#\r\n]*:(?:[ \t]|\r?$)/;
/** Lines that say nothing about the root: blank, a comment, or indented (inside a value). */
const INNER = /^(?:[ \t]|#|\r?$)/;

/**
 * False only when the piece is surely not a document of `kind`: it does not mention the word, or it is a block
 * mapping written from the first column (every line there a plain key, a `kind` key or a `- ` entry of a key's list)
 * whose one `kind` key names another kind, or that has no `kind` key (each key of such a mapping is at the first
 * column). Anything else (flow style, an indented root, a tag or an anchor on a key, two `kind` keys, a value that is
 * not a plain word, content on the marker line) is parsed.
 */
export function mayBeOfKind(piece: string, kind: string): boolean {
  if (!piece.includes(kind)) return false;
  const lines = piece.split('\n');
  if (/^---/.test(lines[0]) && !/^---[ \t]*(#.*)?\r?$/.test(lines[0])) return true;
  let kindValue: string | undefined;
  let kinds = 0;
  let keys = 0;
  for (let i = /^---/.test(lines[0]) ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (INNER.test(line)) continue;
    const k = KIND_LINE.exec(line);
    if (k) {
      kinds++;
      kindValue = k[1] ?? '';
    } else if (BLOCK_KEY.test(line)) keys++;
    else if (!(keys + kinds > 0 && /^-(?:[ \t]|\r?$)/.test(line))) return true; // a list entry only under a key
  }
  if (kinds === 0) return keys === 0; // no root mapping at all (only comments): parse, it costs nothing
  if (kinds > 1) return true;
  const value = PLAIN_WORD.exec(kindValue!);
  return !value || value[1] === kind;
}

/**
 * A substituted value that cannot change the shape of the YAML it lands in: no indicator, quote, escape, space or
 * line break, and not starting with `-` (which could make a `---` line or a list entry).
 */
const INERT_VALUE = /^(?:[A-Za-z0-9._/][A-Za-z0-9._/-]*)?$/;
/**
 * A plain scalar YAML reads as something other than a string (the core schema's null, booleans and numbers, and
 * anything else starting with a sign, a digit or a dot): after a substitution such a value is not the string the
 * unsubstituted parse holds. Wider than the schema on purpose: a false alarm only costs a parse.
 */
const NOT_A_STRING = /^(?:|~|null|true|false|[-+.0-9].*)$/i;
/** A `kind:` line whose value holds a variable: after substitution it may name any kind. */
const VARIABLE_KIND = /^[ \t]*(?:-[ \t]+)?["']?kind["']?[ \t]*:[^\n]*\$\{/m;

/**
 * The documents of rendered files as Flux applies them on a cluster (postBuild substitution of the cluster's settings,
 * then parse), for the design docs. Substitution changes the text per cluster, and parsing every cluster's text of
 * the same file was most of the design docs' cost; so a piece is parsed once as rendered, and each cluster's
 * documents are that parse with the variables substituted in its strings. That gives what a parse of the substituted
 * text gives whenever every value substituted there is inert (INERT_VALUE), no key holds a variable, and no string
 * it lands in turns into another type (NOT_A_STRING); any other piece is substituted as text and parsed, as Flux does.
 */
export class SubstitutedDocuments {
  /** Parses of pieces as rendered (shared by every cluster). */
  private readonly rendered = new Map<string, unknown[]>();
  /** Parses of substituted pieces (the pieces the shortcut does not cover). */
  private readonly substituted = new Map<string, unknown[]>();

  /** @param prebuilt parses of the built-in copied templates' pieces, made by the build (PREBUILT_DOCUMENTS) */
  constructor(private readonly prebuilt: Readonly<Record<string, unknown[]>> = prebuiltDocuments()) {}

  /**
   * The documents of `text` that can be of `kind` (the caller checks each one's kind) once `substitute` replaced its
   * variables with `settings` as Flux's postBuild does. A text with a variable that has no value, or with a directive,
   * is substituted and parsed whole: what `substitute` does then is the caller's (keep the text, or throw).
   */
  ofKind(
    text: string,
    kind: string | undefined,
    settings: Record<string, string>,
    substitute: (text: string) => string,
    keys?: readonly string[],
  ): unknown[] {
    const whole = () => this.slow(substitute(text), kind).map((d) => only(d, keys));
    if (/^%/m.test(text)) return whole();
    const pieces = splitDocuments(text).map((piece) => ({ piece, refs: fluxVarRefs(piece) }));
    // A `${` that is not a whole reference inside its piece (one running over a document marker, a malformed one)
    // is left to the substitution of the whole text, as Flux reads it.
    if (pieces.some(({ piece, refs }) => piece.split('${').length - 1 !== refs.length)) return whole();
    const values = pieces.map(({ refs }) => refs.map((r) => (r.escaped ? null : substitutedValue(r, settings))));
    if (values.some((v) => v.includes(undefined))) return whole();
    // Every variable has a value: the substitution of each piece is that piece of the substituted text.
    return pieces.flatMap(({ piece, refs }, i) => {
      const docs = this.shortcut(piece, kind, refs, values[i] as (string | null)[], substitute, keys);
      return docs === 'slow' ? this.slow(substitute(piece), kind).map((d) => only(d, keys)) : docs;
    });
  }

  /**
   * Every document of `text` (a file read whole, such as a chart's values), substituted as ofKind does. With `keys`,
   * each document (a mapping) holds only those top-level keys: a variable that makes a number or a boolean elsewhere
   * then leaves the shortcut usable (its values are inert: they change no key and no structure, only types).
   */
  all(
    text: string,
    settings: Record<string, string>,
    substitute: (text: string) => string,
    keys?: readonly string[],
  ): unknown[] {
    return this.ofKind(text, undefined, settings, substitute, keys);
  }

  /** The documents of a substituted text, parsed (each distinct piece once). */
  private slow(text: string, kind: string | undefined): unknown[] {
    if (kind !== undefined) return documentsOfKind(text, kind, this.substituted);
    let docs = this.substituted.get(text);
    if (!docs) this.substituted.set(text, (docs = parseDocuments(text)));
    return docs;
  }

  /** @param values the value of each reference of the piece (null: escaped, left as written by the substitution too) */
  private shortcut(
    piece: string,
    kind: string | undefined,
    refs: FluxVarRef[],
    values: (string | null)[],
    substitute: (text: string) => string,
    keys?: readonly string[],
  ): unknown[] | 'slow' {
    if (values.some((v) => v !== null && (!INERT_VALUE.test(v) || (kind !== undefined && v.includes(kind)))))
      return 'slow';
    if (kind !== undefined && !mayBeOfKind(piece, kind)) return [];
    if (kind !== undefined && refs.length && VARIABLE_KIND.test(piece)) return 'slow';
    let docs = this.rendered.get(piece);
    if (!docs) {
      docs = Object.hasOwn(this.prebuilt, piece) ? this.prebuilt[piece] : parseDocuments(piece);
      this.rendered.set(piece, docs);
    }
    if (!refs.length) return docs.map((d) => only(d, keys));
    let ok = true;
    // typed: whether a string turning into another type matters here (outside the keys asked for, it does not); a
    // variable in a key anywhere may make or replace any key, so it always sends the piece to the slow path.
    const walk = (v: unknown, typed: boolean): unknown => {
      if (!ok) return v;
      if (typeof v === 'string') {
        if (!typed || !v.includes('${')) return v; // not asked for: dropped, unsubstituted
        const s = substitute(v);
        if (NOT_A_STRING.test(s)) ok = false;
        return s;
      }
      if (Array.isArray(v)) return v.map((x) => walk(x, typed));
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          if (k.includes('${')) ok = false;
          o[k] = walk(x, typed);
        }
        return o;
      }
      return v;
    };
    const out = docs.map((d) => {
      if (!keys || !isRecord(d)) return walk(d, true);
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(d)) {
        if (k.includes('${')) ok = false;
        const picked = keys.includes(k);
        const v = walk(x, picked);
        if (picked) o[k] = v;
      }
      return o;
    });
    return ok ? out : 'slow';
  }
}

const isRecord = (d: unknown): d is Record<string, unknown> => typeof d === 'object' && d !== null && !Array.isArray(d);

/** A document with only the top-level `keys` (all of it without keys, or when it is not a mapping). */
function only(d: unknown, keys: readonly string[] | undefined): unknown {
  if (!keys || !isRecord(d)) return d;
  return Object.fromEntries(Object.entries(d).filter(([k]) => keys.includes(k)));
}

const parseDocuments = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);

/** The kinds the design docs read out of rendered files (generate/secrets-doc.ts, generate/networking.ts). */
export const DOC_KINDS = ['ExternalSecret', 'HTTPRoute'] as const;
/** Files the design docs read whole (networking.md: Cilium's chart values), by the name of the template. */
const DOC_FILES = /(^|\/)helm-values\.ya?ml$/;

/**
 * Parses of the pieces of the built-in templates that are copied as they are (no `.hbs`), by the piece's exact text:
 * the design docs read most of their ExternalSecrets and HTTPRoutes from such files, and parsing them at run time
 * was most of the docs' cost. The build writes it into lib/ (the post-compile step, scripts/build-assets.mjs); it is
 * never committed. Keyed by the text itself, it can only answer for a piece that is exactly what was parsed: a
 * template edited since the build, an override or a rendered `.hbs` is parsed at run time, as without the file.
 */
export const PREBUILT_DOCUMENTS = path.resolve(__dirname, '..', 'built', 'documents.json');

const prebuilt = builtFile(PREBUILT_DOCUMENTS, (file) => readJson<Record<string, unknown[]>>(file));

/** The build's parses, or none when there is no such file (development). Read once per process. */
export function prebuiltDocuments(file = PREBUILT_DOCUMENTS): Readonly<Record<string, unknown[]>> {
  return prebuilt(file) ?? {};
}

/**
 * The parses of every piece of the copied templates under root that may be of a kind the docs read, as the renderer
 * gives those files (ending in a line break); a piece whose data does not survive JSON as it is is left out.
 */
export function prebuiltDocumentsOf(root: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of walkTree(root).files) {
    if (f.endsWith(TEMPLATE_SUFFIX) || !/\.ya?ml$/.test(f)) continue;
    const raw = fs.readFileSync(path.join(root, f), 'utf8');
    const text = raw.endsWith('\n') ? raw : `${raw}\n`;
    const whole = DOC_FILES.test(f);
    for (const piece of splitDocuments(text)) {
      if (!whole && !DOC_KINDS.some((k) => mayBeOfKind(piece, k))) continue;
      const docs = parseDocuments(piece);
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(docs)), docs)) out[piece] = docs;
    }
  }
  return out;
}

/** Write the parses of root's copied templates to file (the build's post-compile step); returns the file and the count. */
export function writePrebuiltDocuments(root: string, file = PREBUILT_DOCUMENTS): { file: string; count: number } {
  const data = prebuiltDocumentsOf(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data));
  return { file, count: Object.keys(data).length };
}
