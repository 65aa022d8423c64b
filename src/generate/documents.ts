import { parseAllDocuments } from 'yaml';

/**
 * The YAML documents of a rendered file that mention `word`, parsed to plain data. The design docs read a few kinds
 * (ExternalSecret, HTTPRoute) out of files that hold many other documents; parsing every document of every file was
 * a fifth of a scaffold's time, so only the documents whose text contains the word are parsed.
 *
 * A line that starts with `---` (then a space or the end of the line) begins a document wherever it stands: YAML
 * forbids it inside any scalar, so cutting the text there gives the documents a parse of the whole text would give.
 * Directives (`%YAML`, `%TAG`) belong to the document after them, across the cut: a text with one is parsed whole.
 */
export function documentsMentioning(text: string, word: string): unknown[] {
  if (!text.includes(word)) return [];
  const chunks = /^%/m.test(text) ? [text] : splitDocuments(text).filter((c) => c.includes(word));
  return chunks.flatMap((c) => parseAllDocuments(c).map((d) => d.toJS() as unknown));
}

/** The text cut before each document-start marker (`---` at the start of a line); the pieces join back to the text. */
export function splitDocuments(text: string): string[] {
  const starts = [0];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) if (m.index > 0) starts.push(m.index);
  return starts.map((s, i) => text.slice(s, starts[i + 1]));
}
