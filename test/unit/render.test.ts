import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TemplateRenderer } from '../../src/core/render';
import { quoteScalar } from '../../src/core/yaml';
import { findVariables, substitute } from '../../src/model/variables';

const NASTY = [
  'plain',
  'a: b',
  '# not a comment',
  'line\nbreak',
  '{{ handlebars }}',
  '*anchor',
  '&anchor x',
  '- item',
  "it's",
  '"double"',
  'back\\slash',
  'yes',
  'null',
  '0x1F',
  '1e3',
  '  padded  ',
  '',
  '@at',
  '`tick`',
  '%percent',
  'tab\there',
  'ünïcødé ✓ 😀',
  '\u2028sep',
  '---',
  '...',
  'x'.repeat(5000),
];

describe('values cannot break the YAML', () => {
  it.each(NASTY.map((s) => [JSON.stringify(s).slice(0, 40), s]))('q helper round-trips %s', (_n, value) => {
    expect(parse(`key: ${quoteScalar(value)}\nnext: 1\n`)).toEqual({ key: value, next: 1 });
  });

  it('templates render with noEscape and strict data; missing data is an error, not an empty string', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    fs.writeFileSync(path.join(dir, 't.yaml.hbs'), 'name: {{q name}}\nhtml: {{q html}}\n');
    const r = new TemplateRenderer([dir]);
    expect(parse(r.render('t.yaml', { name: 'a: b\n# c', html: '<b>&amp;</b>' }))).toEqual({
      name: 'a: b\n# c',
      html: '<b>&amp;</b>',
    });
    expect(() => r.render('t.yaml', { name: 'x' })).toThrow(
      /template t.yaml.hbs: a value passed to q is missing \(line 2\)/,
    );
    fs.writeFileSync(path.join(dir, 'u.yaml.hbs'), 'name: {{name.first}}\n');
    expect(() => r.render('u.yaml', { name: {} })).toThrow(/"first" not defined/);
  });

  it('a template that renders broken YAML is rejected before it reaches the tree', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    fs.writeFileSync(path.join(dir, 'bad.yaml.hbs'), 'name: {{name}}\n');
    expect(() => new TemplateRenderer([dir]).render('bad.yaml', { name: 'a: b: c' })).toThrow(/does not parse/);
  });

  it('finds and substitutes Flux variables like postBuild does ($${X} is an escape, ${X:=d} has a default)', () => {
    const text = 'a: ${A}\nb: "${B:=dflt}"\nc: $${C}\nd: ${D:-x}\n';
    const v = findVariables(text);
    expect([...v.required]).toEqual(['A']);
    expect([...v.optional].sort()).toEqual(['B', 'D']);
    expect(substitute(text, { A: '1' }, 't')).toBe('a: 1\nb: "dflt"\nc: $${C}\nd: x\n');
    expect(() => substitute('x: ${NOPE}', {}, 'file.yaml')).toThrow(/file\.yaml: \$\{NOPE\} has no value/);
  });
});
