// core/yaml.ts toYaml remembers the text of plain data by its JSON: the same text as the yaml library writes, and
// never for a value whose JSON does not determine its YAML.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { plainJson, toYaml, YAML_MEMO_CHARS, yamlMemoSize } from '../../src/core/yaml';

/** [1, <empty>, 3] */
const sparse = () => {
  const a: number[] = [1];
  a[2] = 3;
  return a;
};
const direct = (v: unknown) => stringify(v, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });

describe('toYaml of plain data (core/yaml.ts)', () => {
  const PLAIN: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', labels: { x: 'y' } } },
    { resources: ['./a', './b'], n: 1.5, ok: true, none: null, empty: {}, list: [] },
    ['a', 1, false, null, { k: 'v' }],
    'a string: that needs quotes',
    { 'key with: colon': '#not a comment', multi: 'line\nbreak' },
  ];

  it.each(PLAIN.map((v) => [JSON.stringify(v), v]))(
    '%s: the text the yaml library writes, the second time too',
    (_s, v) => {
      expect(toYaml(v)).toBe(direct(v));
      expect(toYaml(structuredClone(v))).toBe(direct(v));
    },
  );

  const NOT_PLAIN: [string, unknown][] = [
    ['a Map', new Map([['a', 1]])],
    ['a Set', { s: new Set([1]) }],
    ['a Date', { d: new Date(0) }],
    ['-0', { n: -0 }],
    ['NaN', [Number.NaN]],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['an undefined value', { a: undefined, b: 1 }],
    ['a sparse array', sparse()],
    [
      'a class instance',
      {
        c: new (class Thing {
          x = 1;
        })(),
      },
    ],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
  ];
  it.each(NOT_PLAIN)('%s: not remembered (its JSON is not its YAML), and still the library text', (_name, v) => {
    expect(plainJson(v)).toBeUndefined();
    let want: string | undefined;
    try {
      want = direct(v);
    } catch {
      return; // the library itself refuses it (a bigint in some versions): nothing to compare
    }
    expect(toYaml(v)).toBe(want);
  });

  it('the JSON of plain data is its key, so equal data written twice gives the identical text', () => {
    const a = { kind: 'Kustomization', resources: ['./x'] };
    expect(plainJson(a)).toBe(JSON.stringify(a));
    expect(toYaml(a)).toBe(toYaml({ kind: 'Kustomization', resources: ['./x'] }));
  });

  it('keeps no more characters than its bound, however big the documents', () => {
    for (const c of 'abcdef') {
      const doc = { data: { blob: c.repeat(YAML_MEMO_CHARS / 8) } };
      expect(toYaml(doc)).toBe(stringify(doc, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false }));
      expect(yamlMemoSize().chars).toBeLessThanOrEqual(YAML_MEMO_CHARS);
    }
  });
});
