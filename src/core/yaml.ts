import { stringify } from 'yaml';

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
  return JSON.stringify(String(value)).replace(YAML_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Serialize a value as block YAML (used for whole documents built from data). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
}

/** Join several documents into one multi-document YAML stream. */
export function toYamlStream(values: unknown[]): string {
  return values.map((v) => '---\n' + toYaml(v)).join('');
}
