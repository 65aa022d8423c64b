// Structural edits of a file a person owns: one entry of a kustomization.yaml's resources, one Flux Kustomization
// document of a multi-document file. Line-based, so every other byte (comments, order, indentation, CRLF, BOM) stays
// as it is. A minimal local version: helper "wiring-edit" (src/generate/wiring-edit.ts) owns the full one; the lead
// swaps these names for its functions when merging.
import { isMap, isSeq, parseAllDocuments, parseDocument } from 'yaml';

/** A resources entry as kustomize resolves it: ./a/ and a name the same folder. */
export const sameEntry = (a: string, b: string): boolean => norm(a) === norm(b);
const norm = (e: string) => e.replace(/^\.\//, '').replace(/\/+$/, '');

interface Lines {
  bom: string;
  eol: string;
  lines: string[];
  /** The text ended with a line break. */
  final: boolean;
}

function split(text: string): Lines {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const final = body === '' || body.endsWith('\n');
  const lines = body.split(/\r?\n/);
  if (final) lines.pop();
  return { bom, eol, lines, final };
}

const join = (l: Lines): string => l.bom + l.lines.join(l.eol) + (l.final || l.lines.length ? l.eol : '');

/** The resources entries of a kustomization.yaml with the line each is on (0-based), or undefined when none. */
function resourceLines(text: string): { entry: string; line: number; indent: string }[] | undefined {
  const body = text.replace(/^\uFEFF/, '');
  const doc = parseDocument(body);
  if (!isMap(doc.contents)) return undefined;
  const seq = doc.contents.get('resources', true);
  if (!isSeq(seq)) return undefined;
  const lineOf = (offset: number) => body.slice(0, offset).split('\n').length - 1;
  const lines = body.split(/\r?\n/);
  return seq.items.map((item) => {
    const at = lineOf((item as { range?: [number] }).range?.[0] ?? 0);
    return {
      entry: String((item as { value?: unknown }).value),
      line: at,
      indent: /^(\s*)-/.exec(lines[at])?.[1] ?? '  ',
    };
  });
}

/** kustomization.yaml text with `entry` in its resources (unchanged when it is there already). */
export function addResource(text: string | undefined, entry: string): string {
  if (text === undefined || text.trim() === '')
    return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${entry}\n`;
  const items = resourceLines(text);
  const l = split(text);
  if (items?.some((i) => sameEntry(i.entry, entry))) return text;
  if (items?.length) {
    const last = items[items.length - 1];
    l.lines.splice(last.line + 1, 0, `${last.indent}- ${entry}`);
    return join(l);
  }
  // No list (or an empty one written `resources: []`): a block list of one.
  const at = l.lines.findIndex((x) => /^resources:/.test(x));
  if (at >= 0) l.lines.splice(at, 1, 'resources:', `  - ${entry}`);
  else l.lines.push('resources:', `  - ${entry}`);
  return join(l);
}

/** kustomization.yaml text without `entry` in its resources (unchanged when it is not there). */
export function removeResource(text: string, entry: string): string {
  const hit = resourceLines(text)?.find((i) => sameEntry(i.entry, entry));
  if (!hit) return text;
  const l = split(text);
  l.lines.splice(hit.line, 1);
  return join(l);
}

/** The documents of a multi-document file as line ranges: [start, end) with the `---` line that opens each. */
function chunks(l: Lines): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = 0;
  l.lines.forEach((x, i) => {
    if (/^---(\s|$)/.test(x) && i > start) {
      out.push({ start, end: i });
      start = i;
    }
  });
  if (start < l.lines.length) out.push({ start, end: l.lines.length });
  return out;
}

/** Whether a chunk's text is the Flux Kustomization `name`. */
function isKs(text: string, name: string): boolean {
  const [doc] = parseAllDocuments(text);
  const js = doc && !('errors' in doc && doc.errors.length) ? (doc.toJS() as Record<string, any> | null) : undefined;
  return (
    js?.kind === 'Kustomization' &&
    js?.apiVersion?.startsWith('kustomize.toolkit.fluxcd.io/') &&
    js?.metadata?.name === name
  );
}

function findKs(l: Lines, name: string): { start: number; end: number } | undefined {
  return chunks(l).find((c) => isKs(l.lines.slice(c.start, c.end).join('\n'), name));
}

/**
 * A multi-document file with the Flux Kustomization `name` as `doc` (a rendered document starting with `---`):
 * replaced where it is, else appended. Unchanged when it is there as `doc` already.
 */
export function upsertDocument(text: string | undefined, name: string, doc: string): string {
  if (text === undefined || text.trim() === '') return doc;
  const l = split(text);
  const docLines = doc.replace(/\n$/, '').split('\n');
  const at = findKs(l, name);
  if (at) {
    // Keep the document's own `---` line when the tool's render starts with one (it always does).
    l.lines.splice(at.start, at.end - at.start, ...docLines);
    // A document that did not open the file needs its separator: the render has one.
  } else {
    l.lines.push(...docLines);
  }
  l.final = true;
  return join(l);
}

/** A multi-document file without the Flux Kustomization `name` (unchanged when it is not there). */
export function removeDocument(text: string, name: string): string {
  const l = split(text);
  const at = findKs(l, name);
  if (!at) return text;
  l.lines.splice(at.start, at.end - at.start);
  return join(l);
}

/** Whether the file holds the Flux Kustomization `name` (as a document). */
export function hasDocument(text: string | undefined, name: string): boolean {
  return text !== undefined && findKs(split(text), name) !== undefined;
}
