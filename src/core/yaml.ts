import {
  type Document,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  parseDocument,
  stringify,
  visit,
} from 'yaml';

/** Characters YAML does not allow unescaped in a scalar (or that YAML 1.1 reads as line breaks), JSON leaves as-is. */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * A value as a YAML flow scalar that reads back as exactly that value, always on one line (strings are always
 * double-quoted). YAML 1.2 is a superset of JSON, so a JSON string is a YAML double-quoted scalar; the few
 * characters JSON leaves unescaped that YAML does not allow raw are escaped as \uXXXX too. (The yaml library's
 * own double-quoted style folds long or multi-line strings onto several lines, which breaks inside an indented
 * template line: found by the property test.)
 */
export function quoteScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(String(value)).replace(
    YAML_UNSAFE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Serialize a value as block YAML (used for whole documents built from data). A render writes many equal small
 * documents (a namespace, a kustomization.yaml per component on each cluster: 157 distinct of 276 in the reference
 * scaffold), so the text of plain data is remembered by the data's JSON, which determines it.
 */
export function toYaml(value: unknown): string {
  const key = plainJson(value);
  const hit = key === undefined ? undefined : yamlOfJson.get(key);
  if (hit !== undefined) return hit;
  const text = stringify(value, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
  if (key !== undefined) {
    // A long-lived library user's process stays bounded: in documents, and in characters kept (keys and texts).
    const size = key.length + text.length;
    if (yamlOfJson.size >= 4096 || yamlKeptChars + size > YAML_MEMO_CHARS) {
      yamlOfJson.clear();
      yamlKeptChars = 0;
    }
    if (size <= YAML_MEMO_CHARS) {
      yamlOfJson.set(key, text);
      yamlKeptChars += size;
    }
  }
  return text;
}

const yamlOfJson = new Map<string, string>();
let yamlKeptChars = 0;
/** At most this many characters (JSON keys and YAML texts) are kept by toYaml's memo. */
export const YAML_MEMO_CHARS = 16 * 1024 * 1024;

/** How much toYaml's memo keeps now (for its tests). */
export function yamlMemoSize(): { docs: number; chars: number } {
  return { docs: yamlOfJson.size, chars: yamlKeptChars };
}

/**
 * The JSON of a value made only of what JSON writes out exactly, and so stands for its YAML: strings, finite numbers
 * (not -0), booleans, null, dense arrays and plain objects without undefined values. Undefined for anything else.
 */
export function plainJson(value: unknown): string | undefined {
  let plain = true;
  // One walk: JSON.stringify's own, each value checked as it is met (before any toJSON turned it into another).
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    const ok =
      raw === null ||
      typeof raw === 'string' ||
      typeof raw === 'boolean' ||
      (typeof raw === 'number' && Number.isFinite(raw) && !Object.is(raw, -0)) ||
      (Array.isArray(raw) && Object.keys(raw).length === raw.length) ||
      (typeof raw === 'object' &&
        !Array.isArray(raw) &&
        [Object.prototype, null].includes(Object.getPrototypeOf(raw)) &&
        Object.getOwnPropertySymbols(raw).length === 0);
    if (!ok) plain = false;
    return ok ? v : null; // null: stringify goes on (a bigint would throw), and the result is thrown away
  });
  return plain ? text : undefined;
}

/** Join several documents into one multi-document YAML stream. */
export function toYamlStream(values: unknown[]): string {
  return values.map((v) => '---\n' + toYaml(v)).join('');
}

/** Comment lines above a document (`# …`; an empty line is a bare `#`), ending in a newline. */
export function commentLines(lines: string[]): string {
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

/** One problem of a YAML text: its line (1-based) and the first line of the parser's message. */
export interface YamlIssue {
  line: number;
  message: string;
}

/** An alias of a document: the anchor it names, its line and where it sits (map keys and sequence indexes, from the root). */
export interface YamlAlias {
  source: string;
  line: number;
  path: (string | number)[];
}

/** The first alias of a document (`*name`), where the tool refuses one: it writes every value out, and an alias could expand into a YAML bomb. */
function firstAlias(doc: Document.Parsed, lc: LineCounter): YamlAlias | undefined {
  let alias: YamlAlias | undefined;
  visit(doc, {
    Alias(_key, node, ancestors) {
      alias = { source: node.source, line: lc.linePos(node.range?.[0] ?? 0).line, path: pathTo(node, ancestors) };
      return visit.BREAK;
    },
  });
  return alias;
}

/** The path of a node from its ancestors (as visit() gives them, the document first): a map value by its key, a sequence item by its index. */
function pathTo(node: unknown, ancestors: readonly unknown[]): (string | number)[] {
  const path: (string | number)[] = [];
  let child = node;
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i];
    if (isPair(a) && isScalar(a.key) && a.value === child) path.unshift(String(a.key.value));
    else if (isSeq(a)) path.unshift(a.items.indexOf(child as never));
    child = a;
  }
  return path;
}

/** A YAML document read strictly: its syntax errors and duplicate keys, and its first alias, each with its line. */
export interface StrictYaml {
  doc: Document.Parsed;
  /** the document's line counter, for the lines of what a later check (a schema's) finds in it */
  lc: LineCounter;
  errors: YamlIssue[];
  alias?: YamlAlias;
}

/**
 * Read one YAML document the way the tool reads what people hand it (an answers file, platform.yaml): duplicate
 * keys are errors, and the first alias is reported. The value is `doc.toJS({ maxAliasCount: 0 })` once both are empty.
 */
export function readStrictYaml(text: string): StrictYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const errors = doc.errors.map((e) => ({ line: lc.linePos(e.pos[0]).line, message: e.message.split('\n')[0] }));
  const alias = errors.length ? undefined : firstAlias(doc, lc);
  return { doc, lc, errors, ...(alias ? { alias } : {}) };
}

/**
 * The first reason a YAML stream (one or more documents) cannot be written: a syntax error or a duplicate key, or,
 * unless `aliases` are allowed, an alias. `prettyErrors` keeps the parser's " at line L, column C" in the message.
 */
export function yamlProblem(
  text: string,
  opts: { aliases?: boolean; prettyErrors?: boolean } = {},
): (YamlIssue & { alias?: string }) | undefined {
  const lc = new LineCounter();
  for (const doc of parseAllDocuments(text, {
    uniqueKeys: true,
    lineCounter: lc,
    prettyErrors: opts.prettyErrors ?? false,
  })) {
    if (doc.errors.length)
      return { line: lc.linePos(doc.errors[0].pos[0]).line, message: doc.errors[0].message.split('\n')[0] };
    const alias = opts.aliases ? undefined : firstAlias(doc, lc);
    if (alias) return { line: alias.line, message: `alias *${alias.source}`, alias: alias.source };
  }
  return undefined;
}
