import { parseAllDocuments, stringify } from 'yaml';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** A value as a YAML flow scalar that reads back as exactly that value (strings are always double-quoted). */
export function quoteScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Printable ASCII: JSON's double-quoted string is the same YAML double-quoted scalar, ~30× cheaper to make.
  if (typeof value === 'string' && PRINTABLE_ASCII.test(value)) return JSON.stringify(value);
  return stringify(String(value), { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 0 }).trimEnd();
}

/** Serialize a value as block YAML (used for whole documents built from data). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
}

/** Join several documents into one multi-document YAML stream. */
export function toYamlStream(values: unknown[]): string {
  return values.map((v) => '---\n' + toYaml(v)).join('');
}

/** Parse every document in a YAML stream and fail loudly, naming `where`, on any syntax error. */
export function parseYamlStream(text: string, where: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new Error(`${where}: generated YAML does not parse: ${doc.errors[0].message}`);
    }
    const v = doc.toJS({ maxAliasCount: 0 });
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}
