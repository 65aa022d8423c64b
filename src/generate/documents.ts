import { parseAllDocuments } from 'yaml';

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
