// Structural edits of the wiring files a person owns (issue 18): an entry in a kustomize kustomization.yaml's
// `resources`, or a document of a multi-document YAML file (a Flux lane file). The files are not the tool's: an
// edit changes the lines it must and leaves every other byte as it was (comments, order, blank lines, CRLF, BOM,
// a missing final newline). Pure functions over text; the yaml library parses (to find the nodes and their
// offsets) and renders what is new, so no value is ever spliced in as a string.
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseAllDocuments,
  parseDocument,
  type Scalar,
  stringify,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { type Eol, eolOf } from '../core/eol';
import { quoteScalar } from '../core/yaml';

/** Why a file was refused: what the caller may tell the person (all of them are bad input, exit 2). */
export type WiringEditReason =
  | 'not-yaml' // the text does not parse, or has a duplicate key
  | 'not-kustomization' // not a kustomize Kustomization (or Component)
  | 'not-a-list' // `resources` (or one of its items) is not a list of paths
  | 'duplicate' // the entry or document is there more than once
  | 'alias' // an anchor, alias or merge key where the edit would go
  | 'unsupported' // valid YAML the edit does not take on (several documents, `...`, directives, flow mapping)
  | 'bad-entry' // the entry asked for is not a path
  | 'bad-document'; // the document asked for has no kind or name, or not the ones its key names

export class WiringEditError extends Error {
  constructor(
    readonly file: string,
    readonly reason: WiringEditReason,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'WiringEditError';
  }
}

export interface EditOptions {
  /** The file's repo-relative path: it names the file in errors (default "kustomization.yaml" / "the YAML file"). */
  file?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Text as lines, each with its own terminator: an edit replaces whole lines and leaves the others' bytes alone.

interface Src {
  bom: string;
  /** the text without its BOM: what is parsed, so parser offsets index it */
  body: string;
  lines: string[];
  /** offset of each line's first character in body */
  starts: number[];
  /** the terminator new lines get: the file's own (CRLF when most of its lines end so) */
  nl: string;
}

function source(text: string): Src {
  const bom = text.startsWith('\ufeff') ? '\ufeff' : '';
  const body = text.slice(bom.length);
  const lines = body.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length;
  }
  return { bom, body, lines, starts, nl: eolOf(body) === 'crlf' ? '\r\n' : '\n' };
}

/** The index of the line holding offset `off` of the body. */
function lineAt(src: Src, off: number): number {
  let lo = 0;
  let hi = src.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (src.starts[mid] <= off) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const hasNl = (l: string) => l.endsWith('\n');
const stripNl = (l: string) => l.replace(/\r?\n$/, '');
const isBlank = (l: string) => /^[ \t]*\r?\n?$/.test(l);
const isComment = (l: string) => /^[ \t]*#/.test(l);

interface LineEdit {
  from: number;
  to: number;
  /** lines without terminators (they get the file's) */
  add: string[];
}

/**
 * The text with each edit's lines [from, to) replaced by its `add` (edits must not overlap). The file keeps its
 * final newline, or its lack of one: so adding then removing the same lines gives back the same bytes.
 */
function splice(src: Src, ...edits: LineEdit[]): string {
  const out = [...src.lines];
  for (const e of [...edits].sort((a, b) => b.from - a.from))
    out.splice(e.from, e.to - e.from, ...e.add.map((l) => l + src.nl));
  const finalNl = src.lines.length === 0 || hasNl(src.lines[src.lines.length - 1]);
  for (let i = 0; i < out.length - 1; i++) if (!hasNl(out[i])) out[i] += src.nl;
  const last = out.length - 1;
  if (last >= 0) out[last] = finalNl ? (hasNl(out[last]) ? out[last] : out[last] + src.nl) : stripNl(out[last]);
  return src.bom + out.join('');
}

/** The text with body offsets [from, to) replaced by `insert` (an edit inside one flow collection). */
function spliceChars(src: Src, from: number, to: number, insert: string): string {
  return src.bom + src.body.slice(0, from) + insert + src.body.slice(to);
}

// ---------------------------------------------------------------------------------------------------------------
// Entries: compared normalised, written in the list's own spelling, rendered by the yaml rules.

const REMOTE = /^([a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i;

/**
 * The form entries are compared in: `./x/ks.yaml`, `x/ks.yaml` and `x//ks.yaml` are one entry, `x/` and `x` too.
 * A remote resource (URL, git@) is compared as written.
 */
export function normaliseEntry(entry: string): string {
  if (REMOTE.test(entry)) return entry;
  const n = path.posix.normalize(entry);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

function checkEntry(entry: string, file: string): void {
  if (typeof entry !== 'string' || !entry.trim() || /[\u0000-\u001f\u007f]/.test(entry))
    throw new WiringEditError(
      file,
      'bad-entry',
      `a resources entry must be a path on one line, not ${JSON.stringify(entry)}`,
    );
}

/** Strings a YAML 1.1 reader (go-yaml v2, under some kustomize builds) reads as a bool, null or number. */
const YAML11_RISKY = /^((y|n|yes|no|on|off|true|false|null|~)|[-+]?(\.[0-9]+|[0-9][0-9_,:.]*)([eE][-+]?[0-9]+)?)$/i;

/** A scalar as YAML text: plain when that reads back as the same string in YAML 1.1 and 1.2, else double-quoted. */
function renderScalar(value: string, quote: 'double' | 'single' | 'plain'): string {
  const plainSafe =
    /^[A-Za-z0-9_./~][A-Za-z0-9_./~@+=%:-]*$/.test(value) && !/:$/.test(value) && !YAML11_RISKY.test(value);
  const readsBack = plainSafe && parseDocument(`v: ${value}`).get('v') === value;
  if (quote === 'single' && !value.includes("'")) return `'${value}'`;
  if (quote === 'plain' && readsBack) return value;
  return quoteScalar(value);
}

interface Item {
  node: Scalar;
  raw: string;
  key: string;
}

/** The spelling of a new entry in a list's style: `./x` or `x`, as most of the list's local entries are written. */
function spell(entry: string, items: Item[]): string {
  const key = normaliseEntry(entry);
  if (REMOTE.test(entry) || key.startsWith('../') || key === '..' || key.startsWith('/')) return entry;
  const local = items.filter((i) => !REMOTE.test(i.raw) && !i.key.startsWith('..') && !i.key.startsWith('/'));
  if (!local.length) return entry;
  const dotted = local.filter((i) => i.raw.startsWith('./')).length;
  const slash = entry.endsWith('/') ? '/' : '';
  if (dotted * 2 === local.length) return entry;
  return (dotted * 2 > local.length ? './' : '') + key + slash;
}

function quoteOf(items: Item[]): 'double' | 'single' | 'plain' {
  if (items.length && items.every((i) => i.node.type === 'QUOTE_DOUBLE')) return 'double';
  if (items.length && items.every((i) => i.node.type === 'QUOTE_SINGLE')) return 'single';
  return 'plain';
}

/**
 * Entries of one shape with the new one: the same leading `../`, then a folder (`x`, `x/`), a file beside the
 * kustomization (`namespace.yaml`) or a file of that name in a folder (`x/ks.yaml`). `namespace.yaml` above a sorted
 * run of `./app/ks.yaml` is another shape, so it does not make the run unsorted.
 */
function shapeOf(key: string): string {
  if (REMOTE.test(key)) return 'remote';
  const ups = key.match(/^(\.\.\/)*/)?.[0] ?? '';
  const rest = key.slice(ups.length);
  const last = rest.slice(rest.lastIndexOf('/') + 1);
  if (!last.includes('.')) return `${ups}|folder`;
  return rest.includes('/') ? `${ups}|*/${last}` : `${ups}|file`;
}

const bySegments = (a: string, b: string): number => {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return x.length - y.length;
};
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Where a new entry goes, as the index of the item it goes before (items.length: after the last). A list whose
 * entries of the new one's shape are in order (by path segments, or as plain strings) keeps its order; any other
 * list gets the entry at its end.
 */
function insertIndex(items: Item[], key: string): number {
  const shape = shapeOf(key);
  const group = items.map((it, i) => ({ key: it.key, i })).filter((g) => shapeOf(g.key) === shape);
  if (!group.length) return items.length;
  for (const cmp of [bySegments, byString]) {
    if (!group.every((g, j) => j === 0 || cmp(group[j - 1].key, g.key) <= 0)) continue;
    const next = group.find((g) => cmp(key, g.key) < 0);
    return next ? next.i : group[group.length - 1].i + 1;
  }
  return items.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading a kustomization.yaml.

interface Kustomization {
  src: Src;
  file: string;
  root: YAMLMap;
  /** the `resources` pair's key node, when the file has one */
  keyNode?: Scalar;
  /** its value: a sequence, or null (`resources:` with nothing) */
  seq?: YAMLSeq | null;
  items: Item[];
}

function yamlError(file: string, src: Src, doc: Document.Parsed): WiringEditError {
  const e = doc.errors[0];
  const line = lineAt(src, e.pos[0]) + 1;
  return new WiringEditError(file, 'not-yaml', `not valid YAML (line ${line}: ${e.message.split('\n')[0]})`);
}

/** The one document of a text with content; refuses a text that does not parse or holds several documents. */
function singleDocument(src: Src, file: string): Document.Parsed {
  const docs = parseAllDocuments(src.body, { uniqueKeys: true, prettyErrors: false });
  for (const d of docs) if (d.errors.length) throw yamlError(file, src, d);
  const full = docs.filter((d) => d.contents !== null);
  if (full.length > 1)
    throw new WiringEditError(file, 'unsupported', `holds ${full.length} YAML documents; a kustomization has one`);
  if (!full.length) throw new WiringEditError(file, 'not-kustomization', 'is empty: not a kustomization');
  return full[0];
}

/** The value of a scalar at a path of keys, or undefined (an alias or a collection is not a scalar). */
function scalarAt(map: YAMLMap, keys: string[]): unknown {
  const n = map.getIn(keys, true);
  return isScalar(n) ? n.value : undefined;
}

function readKustomization(text: string, file: string): Kustomization {
  const src = source(text);
  const doc = singleDocument(src, file);
  const root = doc.contents;
  if (!isMap(root)) throw new WiringEditError(file, 'not-kustomization', 'its top level is not a mapping');
  if (root.flow) throw new WiringEditError(file, 'unsupported', 'a flow-style mapping ({...}) is not edited');
  const apiVersion = scalarAt(root, ['apiVersion']);
  const kind = scalarAt(root, ['kind']);
  const kustomize = apiVersion === undefined || String(apiVersion).startsWith('kustomize.config.k8s.io/');
  if (!kustomize || (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component'))
    throw new WiringEditError(
      file,
      'not-kustomization',
      `is a ${String(kind ?? '?')} of ${String(apiVersion ?? '?')}, not a kustomize Kustomization`,
    );
  if (root.items.some((p) => isAlias(p.key) || (isScalar(p.key) && p.key.value === '<<')))
    throw new WiringEditError(
      file,
      'alias',
      'its top level has a merge key (<<): its resources may come from elsewhere',
    );
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'resources');
  if (!pair) return { src, file, root, items: [] };
  const value = pair.value as Node | null;
  if (isAlias(value) || (value && 'anchor' in value && value.anchor))
    throw new WiringEditError(
      file,
      'alias',
      'its resources is an anchor or alias: editing it would change other places',
    );
  const empty = value === null || (isScalar(value) && value.value === null && value.source === '');
  if (!empty && !isSeq(value)) throw new WiringEditError(file, 'not-a-list', 'its resources is not a list');
  const seq = empty ? null : (value as YAMLSeq);
  return { src, file, root, keyNode: pair.key as Scalar, seq, items: seq ? listItems(seq, file) : [] };
}

function listItems(seq: YAMLSeq, file: string): Item[] {
  return seq.items.map((n, i) => {
    if (isAlias(n) || (n && (n as Node).anchor))
      throw new WiringEditError(file, 'alias', `resources item ${i + 1} is an anchor or alias`);
    if (!isScalar(n) || typeof n.value !== 'string')
      throw new WiringEditError(file, 'not-a-list', `resources item ${i + 1} is not a path`);
    return { node: n, raw: n.value, key: normaliseEntry(n.value) };
  });
}

/** The items that are `entry` (any spelling); more than one is refused: which one would the edit mean? */
function sameEntry(k: Kustomization, entry: string): Item[] {
  const key = normaliseEntry(entry);
  const same = k.items.filter((i) => i.key === key);
  if (same.length > 1)
    throw new WiringEditError(
      k.file,
      'duplicate',
      `lists ${key} ${same.length} times (${same.map((i) => JSON.stringify(i.raw)).join(', ')}): keep one, then retry`,
    );
  return same;
}

/** The entries of a kustomization's resources, as written (an empty list when it has none). */
export function listResources(text: string, opts: EditOptions = {}): string[] {
  return readKustomization(text, opts.file ?? 'kustomization.yaml').items.map((i) => i.raw);
}

// ---------------------------------------------------------------------------------------------------------------
// Adding and removing a resources entry.

/** The lines an item spans (a scalar's own line, or several for a folded one), first and last. */
function span(k: Kustomization, item: Item): { first: number; last: number } {
  const [start, end] = item.node.range ?? [0, 0];
  return { first: lineAt(k.src, start), last: lineAt(k.src, Math.max(start, end - 1)) };
}

/** How the file writes a block list's items (`  - ` or `- `): its resources', else its other lists', else `  - `. */
function dashPrefix(k: Kustomization): string {
  const seqs = [k.seq, ...k.root.items.map((p) => p.value)].filter(
    (v): v is YAMLSeq => isSeq(v) && !v.flow && v.items.length > 0,
  );
  for (const s of seqs) {
    const first = s.items[0] as Node;
    const m = /^([ \t]*-[ \t]+)/.exec(k.src.lines[lineAt(k.src, first.range?.[0] ?? 0)]);
    if (m) return m[1];
  }
  return '  - ';
}

/** True when the file sets its top-level keys apart with blank lines (a blank line above any key but the first). */
function blankBetweenKeys(k: Kustomization): boolean {
  return k.root.items.slice(1).some((p) => {
    const line = lineAt(k.src, (p.key as Node).range?.[0] ?? 0);
    return line > 0 && isBlank(k.src.lines[line - 1]);
  });
}

/** Each item of a block list on its dash's line (`- x`), the only shape whose lines this module edits. */
function checkDashLines(k: Kustomization): void {
  for (const item of k.items)
    if (!/^[ \t]*-[ \t]/.test(k.src.lines[span(k, item).first]))
      throw new WiringEditError(
        k.file,
        'unsupported',
        `its resources item ${JSON.stringify(item.raw)} is not on its dash's line`,
      );
}

function addBlock(k: Kustomization, entry: string): string {
  checkDashLines(k);
  const item = dashPrefix(k) + renderScalar(spell(entry, k.items), quoteOf(k.items));
  if (k.keyNode === undefined) {
    // No resources yet: a new key after the last line of the mapping, indented as its first key.
    const at = lineAt(k.src, Math.max(0, (k.root.range?.[1] ?? 1) - 1)) + 1;
    const first = k.root.items[0]?.key as Node | undefined;
    const indent = first ? (/^[ \t]*/.exec(k.src.lines[lineAt(k.src, first.range?.[0] ?? 0)])?.[0] ?? '') : '';
    const add = [...(blankBetweenKeys(k) ? [''] : []), `${indent}resources:`, indent + item];
    return splice(k.src, { from: at, to: at, add });
  }
  if (!k.items.length) {
    const at = lineAt(k.src, k.keyNode.range?.[0] ?? 0) + 1;
    return splice(k.src, { from: at, to: at, add: [item] });
  }
  const idx = insertIndex(k.items, normaliseEntry(entry));
  let at: number;
  if (idx > 0) at = span(k, k.items[idx - 1]).last + 1;
  else {
    // Before the first item: above the comment lines that head it, which speak of the list or of that item.
    at = span(k, k.items[0]).first;
    const keyLine = lineAt(k.src, k.keyNode.range?.[0] ?? 0);
    while (at - 1 > keyLine && isComment(k.src.lines[at - 1])) at--;
  }
  return splice(k.src, { from: at, to: at, add: [item] });
}

function addFlow(k: Kustomization, seq: YAMLSeq, entry: string): string {
  const text = renderScalar(spell(entry, k.items), quoteOf(k.items));
  const body = k.src.body;
  if (!k.items.length) {
    const open = body.indexOf('[', seq.range?.[0] ?? 0) + 1;
    return spliceChars(k.src, open, open, text);
  }
  const range = (i: number) => k.items[i].node.range ?? [0, 0, 0];
  const between = k.items.length > 1 ? body.slice(range(0)[1], range(1)[0]) : ', ';
  const sep = between.includes('#') ? ', ' : between;
  const idx = insertIndex(k.items, normaliseEntry(entry));
  if (idx < k.items.length) return spliceChars(k.src, range(idx)[0], range(idx)[0], text + sep);
  const end = range(k.items.length - 1)[1];
  return spliceChars(k.src, end, end, sep + text);
}

/**
 * `text` (a kustomization.yaml) with `entry` in its resources: unchanged when an entry equal to it (normalised:
 * `./x/ks.yaml` is `x/ks.yaml`) is there; else added in the list's style (indent, `./` or not, quoting), at its
 * place when the list is sorted and at its end when not; `resources:` is created when missing. Every other line is
 * kept byte for byte.
 */
export function addResource(text: string, entry: string, opts: EditOptions = {}): string {
  const file = opts.file ?? 'kustomization.yaml';
  checkEntry(entry, file);
  const k = readKustomization(text, file);
  if (sameEntry(k, entry).length) return text;
  const out = k.seq?.flow ? addFlow(k, k.seq, entry) : addBlock(k, entry);
  return verified(out, file, [...k.items.map((i) => i.key), normaliseEntry(entry)]);
}

function removeBlock(k: Kustomization, item: Item): string {
  checkDashLines(k);
  const { first, last } = span(k, item);
  const edits: LineEdit[] = [{ from: first, to: last + 1, add: [] }];
  const keyLine = lineAt(k.src, k.keyNode?.range?.[0] ?? 0);
  // The last entry gone: a bare `resources:` line goes too (with the blank line that set it apart, when nothing
  // follows it); one with a comment, or the file's only key, stays, as an empty list. Comment lines in between stay:
  // they are the person's.
  const bare = /^[ \t]*resources:[ \t]*\r?\n?$/.test(k.src.lines[keyLine]);
  if (k.items.length === 1 && bare && k.root.items.length > 1) {
    const below = last + 1 === k.src.lines.length || isBlank(k.src.lines[last + 1]);
    const blankAbove = keyLine > 0 && isBlank(k.src.lines[keyLine - 1]) && below;
    edits.push({ from: blankAbove ? keyLine - 1 : keyLine, to: keyLine + 1, add: [] });
  }
  return splice(k.src, ...edits);
}

function removeFlow(k: Kustomization, index: number): string {
  const range = (i: number) => k.items[i].node.range ?? [0, 0, 0];
  if (k.items.length === 1) return spliceChars(k.src, range(0)[0], range(0)[1], '');
  if (index < k.items.length - 1) return spliceChars(k.src, range(index)[0], range(index + 1)[0], '');
  return spliceChars(k.src, range(index - 1)[1], range(index)[1], '');
}

/**
 * `text` without `entry` in its resources (compared normalised), or unchanged when it is not there. The lines of
 * the entry go; comments stay. Removing an entry this module added gives back the file's bytes.
 */
export function removeResource(text: string, entry: string, opts: EditOptions = {}): string {
  const file = opts.file ?? 'kustomization.yaml';
  checkEntry(entry, file);
  const k = readKustomization(text, file);
  const [item] = sameEntry(k, entry);
  if (!item) return text;
  const out = k.seq?.flow ? removeFlow(k, k.items.indexOf(item)) : removeBlock(k, item);
  return verified(
    out,
    file,
    k.items.filter((i) => i !== item).map((i) => i.key),
  );
}

/** The edited text read back: its resources must be exactly the ones meant (a guard against an edit gone wrong). */
function verified(out: string, file: string, keys: string[]): string {
  let got: string[];
  try {
    got = readKustomization(out, file).items.map((i) => i.key);
  } catch (e) {
    throw new Error(`${file}: the edited resources do not read back (a bug): ${(e as Error).message}`);
  }
  if (got.length !== keys.length || got.some((g) => !keys.includes(g)))
    throw new Error(`${file}: editing resources gave [${got.join(', ')}], not [${keys.join(', ')}] (a bug)`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering new YAML: by the yaml library, in the file's style.

/** A value as block YAML lines (without terminators); strings another YAML version would read otherwise are quoted. */
function yamlLines(value: unknown, indentSeq: boolean): string[] {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && YAML11_RISKY.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq }).replace(/\n$/, '').split('\n');
}

/** How a YAML file is written, for a new file to look like its neighbours. */
export interface FileStyle {
  bom: boolean;
  eol: Eol;
  /** starts with `---` */
  docStart: boolean;
  /** its `# yaml-language-server: ...` modeline(s) at the top */
  header: string[];
  /** block lists indented under their key (`key:\n  - x`) rather than level with it (`key:\n- x`) */
  indentSeq: boolean;
}

function indentSeqOf(lines: string[]): boolean {
  for (let i = 1; i < lines.length; i++) {
    const dash = /^([ \t]*)- /.exec(lines[i]);
    if (!dash) continue;
    let j = i - 1;
    while (j > 0 && (isBlank(lines[j]) || isComment(lines[j]))) j--;
    const key = /^([ \t]*)[^\s#-][^#]*:[ \t]*(#.*)?\r?\n?$/.exec(lines[j]);
    if (key) return dash[1].length > key[1].length;
  }
  return true;
}

/** The style of an existing YAML file (defaults: LF, `---`, no modeline, indented lists, for an empty text). */
export function styleOf(text: string): FileStyle {
  const src = source(text);
  const lines = src.lines.map(stripNl);
  const first = lines.findIndex((l) => !isBlank(l));
  const docStart = first < 0 || /^---([ \t]|$)/.test(lines[first]);
  const header: string[] = [];
  for (let i = docStart ? first + 1 : Math.max(first, 0); i < lines.length && isComment(lines[i]); i++)
    if (/^#\s*yaml-language-server:/.test(lines[i])) header.push(lines[i]);
  return {
    bom: src.bom !== '',
    eol: src.nl === '\r\n' ? 'crlf' : 'lf',
    docStart,
    header,
    indentSeq: indentSeqOf(src.lines),
  };
}

/**
 * A new kustomization.yaml listing `entries`, with `extra` fields (namespace, components, ...) between its kind and
 * its resources, written in `style` (a neighbour's, from styleOf).
 */
export function newKustomization(
  entries: string[],
  extra: Record<string, unknown> = {},
  style: Partial<FileStyle> = {},
  opts: EditOptions = {},
): string {
  const file = opts.file ?? 'kustomization.yaml';
  for (const e of entries) checkEntry(e, file);
  const seen = new Map<string, string>();
  for (const e of entries) {
    const before = seen.get(normaliseEntry(e));
    if (before !== undefined)
      throw new WiringEditError(
        file,
        'duplicate',
        `lists ${normaliseEntry(e)} twice (${JSON.stringify(before)}, ${JSON.stringify(e)})`,
      );
    seen.set(normaliseEntry(e), e);
  }
  if ('resources' in extra) throw new WiringEditError(file, 'bad-entry', 'extra fields may not hold resources');
  const value = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...extra, resources: entries };
  const lines = [
    ...((style.docStart ?? true) ? ['---'] : []),
    ...(style.header ?? []),
    ...yamlLines(value, style.indentSeq ?? true),
  ];
  const nl = style.eol === 'crlf' ? '\r\n' : '\n';
  return (style.bom ? '\ufeff' : '') + lines.map((l) => l + nl).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Documents of a multi-document file.

/** Which document: kind and metadata.name, metadata.namespace (absent and empty are one), and the API group if given. */
export interface DocumentKey {
  kind: string;
  name: string;
  namespace?: string;
  /** when given, only a document of the same API group matches (`kustomize.toolkit.fluxcd.io/v1` = `.../v1beta2`) */
  apiVersion?: string;
}

interface Segment {
  /** first line: the blank lines above its `---`, then the `---` */
  from: number;
  sep?: number;
  /** first line of content (after the comment lines that head it) */
  head: number;
  /** end (exclusive): where the next segment starts */
  to: number;
  doc?: Document.Parsed;
  id?: DocumentKey & { aliased: boolean };
}

const SEPARATOR = /^---([ \t]+#.*)?[ \t]*\r?\n?$/;
const group = (apiVersion: string | undefined) => (apiVersion?.includes('/') ? apiVersion.split('/')[0] : '');

function identity(doc: Document.Parsed): Segment['id'] {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const nodes = [['kind'], ['metadata', 'name'], ['metadata', 'namespace'], ['apiVersion']].map((k) =>
    root.getIn(k, true),
  );
  const [kind, name, namespace, apiVersion] = nodes.map((n) => (isScalar(n) ? String(n.value ?? '') : undefined));
  if (kind === undefined && name === undefined && !nodes.some(isAlias)) return undefined;
  return { kind: kind ?? '', name: name ?? '', namespace, apiVersion, aliased: nodes.some(isAlias) };
}

const matches = (key: DocumentKey, id: DocumentKey): boolean =>
  key.kind === id.kind &&
  key.name === id.name &&
  (key.namespace ?? '') === (id.namespace ?? '') &&
  (key.apiVersion === undefined || group(key.apiVersion) === group(id.apiVersion));

/** The documents of a stream as line ranges, cut at its `---` lines (checked against the parser's own count). */
function segments(src: Src, file: string): Segment[] {
  const all = parseAllDocuments(src.body, { uniqueKeys: true, prettyErrors: false });
  for (const d of all) if (d.errors.length) throw yamlError(file, src, d);
  const seps: number[] = [];
  src.lines.forEach((l, i) => {
    if (/^(\.\.\.|%)/.test(l) || (/^---/.test(l) && !SEPARATOR.test(l)))
      throw new WiringEditError(
        file,
        'unsupported',
        `line ${i + 1} (${stripNl(l)}): only bare --- separators are handled`,
      );
    if (SEPARATOR.test(l)) seps.push(i);
  });
  const starts = seps.map((s, j) => {
    let from = s;
    while (from - 1 > (j ? seps[j - 1] : -1) && isBlank(src.lines[from - 1])) from--;
    return from;
  });
  // A first `---` at the top (after blank lines at most) starts the first segment rather than a second one.
  const bounds = [0, ...starts].filter((b, i) => i === 0 || b > 0);
  const segs = bounds.map((from, i): Segment => {
    const to = i + 1 < bounds.length ? bounds[i + 1] : src.lines.length;
    const sep = seps.find((s) => s >= from && s < to);
    let head = sep === undefined ? from : sep + 1;
    while (head < to && (isBlank(src.lines[head]) || isComment(src.lines[head]))) head++;
    const doc = parseDocument(src.lines.slice(sep === undefined ? from : sep + 1, to).join(''), { uniqueKeys: true });
    return { from, sep, head, to, ...(doc.contents !== null ? { doc, id: identity(doc) } : {}) };
  });
  const docs = segs.filter((s) => s.doc);
  if (docs.length !== all.filter((d) => d.contents !== null).length || docs.some((s) => s.doc?.errors.length))
    throw new WiringEditError(file, 'unsupported', 'its documents could not be told apart at its --- lines');
  return segs;
}

/** The one segment holding the document `key` names, or undefined; refuses when it cannot tell. */
function findSegment(segs: Segment[], key: DocumentKey, file: string): Segment | undefined {
  const aliased = segs.find((s) => s.id?.aliased);
  if (aliased)
    throw new WiringEditError(
      file,
      'alias',
      `a document's kind, name or namespace is an alias (line ${aliased.head + 1})`,
    );
  const hits = segs.filter((s) => s.id && matches(key, s.id));
  if (hits.length > 1)
    throw new WiringEditError(
      file,
      'duplicate',
      `holds ${hits.length} documents ${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name} (lines ${hits.map((h) => h.head + 1).join(', ')})`,
    );
  return hits[0];
}

function keyOf(doc: unknown, file: string): DocumentKey {
  const d = doc as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (
    typeof d !== 'object' ||
    d === null ||
    Array.isArray(d) ||
    typeof d.kind !== 'string' ||
    typeof d.metadata?.name !== 'string'
  )
    throw new WiringEditError(file, 'bad-document', 'the document to write has no kind or metadata.name');
  const ns = d.metadata.namespace;
  return {
    kind: d.kind,
    name: d.metadata.name,
    ...(typeof ns === 'string' ? { namespace: ns } : {}),
    ...(typeof d.apiVersion === 'string' ? { apiVersion: d.apiVersion } : {}),
  };
}

/** A value as the yaml library reads it back from its own rendering (undefined fields gone): what is compared. */
const canonical = (value: unknown): unknown => parseDocument(stringify(value, { aliasDuplicateObjects: false })).toJS();

/** The end of lines [from, to) without the blank lines that end them. */
function endOfContent(src: Src, from: number, to: number): number {
  let end = to;
  while (end > from && isBlank(src.lines[end - 1])) end--;
  return end;
}

/** The lines a new document gets: a blank line and `---` as the file separates its documents, and its modeline. */
function appendLines(src: Src, segs: Segment[], at: number, key: DocumentKey, body: string[]): string[] {
  const blankStyle = segs.some((s) => s.sep !== undefined && s.sep > s.from);
  const lastLine = src.lines[at - 1];
  const blank = blankStyle && lastLine !== undefined && !isBlank(lastLine) ? [''] : [];
  const kin = segs.filter((s) => s.id && s.id.kind === key.kind && group(s.id.apiVersion) === group(key.apiVersion));
  const modelines = kin.map((s) =>
    src.lines
      .slice(s.sep === undefined ? s.from : s.sep + 1, s.head)
      .map(stripNl)
      .find((l) => /^#\s*yaml-language-server:/.test(l)),
  );
  const same = modelines.length > 0 && modelines.every((m) => m !== undefined && m === modelines[0]);
  return [...blank, '---', ...(same ? [modelines[0] as string] : []), ...body];
}

/**
 * `text` (one or more YAML documents) with `doc` in it: the document with the same kind, name and namespace (`key`,
 * by default the document's own) replaced where it stands (keeping the `---` and comment lines that head it), or
 * appended after a `---`. Unchanged when that document already holds the same value. Other documents, and the
 * file's separators, blank lines, CRLF, BOM and final newline, are kept byte for byte.
 */
export function upsertDocument(text: string, doc: unknown, key?: DocumentKey, opts: EditOptions = {}): string {
  const file = opts.file ?? 'the YAML file';
  const own = keyOf(doc, file);
  if (key && !matches(key, own))
    throw new WiringEditError(
      file,
      'bad-document',
      `the document is ${own.kind} ${own.name}, not the ${key.kind} ${key.name} asked for`,
    );
  const k = key ?? own;
  const src = source(text);
  const segs = segments(src, file);
  const hit = findSegment(segs, k, file);
  const want = canonical(doc);
  const body = yamlLines(doc, indentSeqOf(src.lines));
  let out: string;
  if (hit?.doc) {
    if (isDeepStrictEqual(canonical(hit.doc.toJS({ maxAliasCount: 100 })), want)) return text;
    out = splice(src, { from: hit.head, to: endOfContent(src, hit.head, hit.to), add: body });
  } else {
    // After the last document, above the blank lines that end the file (they stay last, and removing it gives
    // them back).
    const at = endOfContent(src, 0, src.lines.length);
    out = splice(src, { from: at, to: at, add: appendLines(src, segs, at, k, body) });
  }
  const back = findSegment(segments(source(out), file), k, file);
  if (!back?.doc || !isDeepStrictEqual(canonical(back.doc.toJS()), want))
    throw new Error(`${file}: writing ${k.kind} ${k.name} did not read back as written (a bug)`);
  return out;
}

/** `text` without the document `key` names (its `---`, the blank lines above it and its heading comments go with it). */
export function removeDocument(text: string, key: DocumentKey, opts: EditOptions = {}): string {
  const file = opts.file ?? 'the YAML file';
  const src = source(text);
  const hit = findSegment(segments(src, file), key, file);
  if (!hit) return text;
  // The first document gone, the blank lines that set the next one apart go too: the file does not start blank.
  // The last one gone, the blank lines that end the file stay (as upsertDocument appends above them).
  let to = hit.to === src.lines.length ? endOfContent(src, hit.head, hit.to) : hit.to;
  if (hit.from === 0) while (to < src.lines.length && isBlank(src.lines[to])) to++;
  const out = splice(src, { from: hit.from, to, add: [] });
  if (findSegment(segments(source(out), file), key, file))
    throw new Error(`${file}: removing ${key.kind} ${key.name} left it in place (a bug)`);
  return out;
}

/** The documents of a multi-document text, by kind, name, namespace and apiVersion (a document without both is left out). */
export function listDocuments(text: string, opts: EditOptions = {}): DocumentKey[] {
  return segments(source(text), opts.file ?? 'the YAML file').flatMap((s) =>
    s.id && !s.id.aliased
      ? [
          {
            kind: s.id.kind,
            name: s.id.name,
            ...(s.id.namespace !== undefined ? { namespace: s.id.namespace } : {}),
            ...(s.id.apiVersion !== undefined ? { apiVersion: s.id.apiVersion } : {}),
          },
        ]
      : [],
  );
}
