import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultCluster, newPlatform, renderPlatform, setCluster, TemplateRenderer, validatePlatform } from '../../src';
import { tmpDir } from '../helpers/fs';

// Whatever a value is, a template renders it through {{q}} into YAML that parses back to exactly that value.
describe('property: values cannot break the YAML they are rendered into', () => {
  const root = tmpDir('tpl-');
  fs.writeFileSync(
    path.join(root, 't.yaml.hbs'),
    '---\n# {{q note}}\nkind: Thing\nname: {{q a}}\nspec:\n  list:\n    - {{q b}}\n  nested: {{q c}}\n',
  );
  const r = new TemplateRenderer([root]);
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom(
      ': x',
      '#',
      '{{x}}',
      '&a',
      '*a',
      '- a',
      '"',
      "'",
      '\n- injected: true',
      '${VAR}',
      '---',
      '...',
      'yes',
      'null',
      '~',
      '0x1F',
      '1e3',
      '\u2028',
      '\t',
    ),
  );

  it('a value with control characters, a newline and trailing spaces under an indented key (found by this property) round-trips', () => {
    const c = '\u0000\n\u0000\u0000\u0000\u0000      ';
    expect(parse(r.render('t.yaml', { a: ': x', b: ': x', c, note: 'n' }))).toEqual({
      kind: 'Thing',
      name: ': x',
      spec: { list: [': x'], nested: c },
    });
  });

  it('any strings (unicode, newlines, ": ", "#", "{{", anchors, very long) round-trip', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, fc.string({ maxLength: 5000 }), (a, b, c, long) => {
        const out = parse(r.render('t.yaml', { a, b, c: c + long, note: 'n' }));
        expect(out).toEqual({ kind: 'Thing', name: a, spec: { list: [b], nested: c + long } });
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: a settings value is either refused by validation or lands verbatim in cluster-settings', () => {
  it('never renders YAML that reads back differently', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom('a: b', 'x # y', '{{z}}', '${CLUSTER_ID}', '"q"', 'multi\nline', '  padded  ', 'true', '42'),
    );
    fc.assert(
      fc.property(value, (v) => {
        let pf = newPlatform();
        const c = defaultCluster(pf.spec, 'infra');
        pf = setCluster(pf, 'infra', { ...c, settings: { MY_VALUE: v } });
        if (validatePlatform(pf.spec).length) return; // refused: the CLI says so and writes nothing
        const out = renderPlatform(pf.spec, new TemplateRenderer());
        const cm = parse(out.tree.read('kubernetes/clusters/infra/cluster-settings.yaml')!);
        expect(cm.data.MY_VALUE).toBe(v);
      }),
      { numRuns: 40 },
    );
  });
});
