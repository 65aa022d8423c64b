// Issue 17, item 4: only files ending in .hbs are rendered, every other template file is copied as it is; a template
// is named by its output name, and an override of either kind shadows the built-in file of either kind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/core/errors';
import { walkTree } from '../src/core/paths';
import { BUILTIN_TEMPLATES, outputName, TemplateRenderer } from '../src/core/render';
import { tmpDir } from './helpers/fs';

/** A template root with the given files (relative path -> text). */
function root(files: Record<string, string>, dir = tmpDir('tpl-')): string {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A repository's override folder, .platform/templates/, holding the given files. */
const overrides = (files: Record<string, string>) => root(files, path.join(tmpDir('repo-'), '.platform', 'templates'));

describe('templates: .hbs is rendered, the rest is copied', () => {
  it('templates-copy-verbatim: a file without .hbs is copied byte for byte, "{{" included; a .hbs file is rendered', () => {
    const dir = root({ 'static.yaml': 'note: "{{kept}}"\n', 'rendered.yaml.hbs': 'name: {{name}}\n' });
    const r = new TemplateRenderer([dir]);
    expect(r.render('static.yaml', {})).toBe('note: "{{kept}}"\n');
    expect(r.render('rendered.yaml', { name: 'a' })).toBe('name: a\n');
  });

  it('templates-output-names: files(), walk() and exists() name templates by their output, without .hbs', () => {
    const dir = root({ 'c/app/a.yaml.hbs': 'a: {{x}}\n', 'c/app/b.yaml': 'b: 1\n', 'c/components/k/c.yaml.hbs': 'c: 1\n' });
    const r = new TemplateRenderer([dir]);
    expect(r.files('c/app')).toEqual(['a.yaml', 'b.yaml']);
    expect(r.walk('c')).toEqual(['app/a.yaml', 'app/b.yaml', 'components/k/c.yaml']);
    expect(r.exists('c/app/a.yaml')).toBe(true);
    expect(r.exists('c/app/b.yaml')).toBe(true);
    expect(r.exists('c/app/z.yaml')).toBe(false);
    expect(r.source('c/app/a.yaml')).toBe('a: {{x}}\n');
    expect(outputName('x.md.hbs')).toBe('x.md');
    expect(outputName('x.md')).toBe('x.md');
  });

  it('templates-override-kinds: an override copied as it is shadows a built-in .hbs template, and a .hbs override a copied file', () => {
    const base = root({ 'a.yaml.hbs': 'a: {{x}}\n', 'b.yaml': 'b: 1\n' });
    const over = overrides({ 'a.yaml': 'a: "{{mine}}"\n', 'b.yaml.hbs': 'b: {{x}}\n' });
    const r = new TemplateRenderer([over, base]);
    expect(r.render('a.yaml', { x: 1 })).toBe('a: "{{mine}}"\n');
    expect(r.render('b.yaml', { x: 2 })).toBe('b: 2\n');
    expect(r.files('')).toEqual(['a.yaml', 'b.yaml']);
  });

  it('templates-both-kinds-refused: a folder holding both <name> and <name>.hbs is bad input naming the override', () => {
    const over = overrides({ 'repo/justfile': 'x\n', 'repo/justfile.hbs': 'y\n' });
    const r = new TemplateRenderer([over, BUILTIN_TEMPLATES]);
    expect(() => r.render('repo/justfile', {})).toThrow(UsageError);
    expect(() => r.render('repo/justfile', {})).toThrow(/template \.platform\/templates\/repo\/justfile: both justfile \(copied\) and justfile\.hbs \(rendered\) exist/);
  });

  it('templates-copied-override-checked: an override copied as it is must still be YAML without aliases', () => {
    const over = overrides({ 'x.yaml': 'a: &x 1\nb: *x\n' });
    expect(() => new TemplateRenderer([over]).render('x.yaml', {})).toThrow(/template \.platform\/templates\/x\.yaml: the YAML it renders uses an alias/);
  });

  it('templates-suffix-convention: every built-in template holding "{{" ends in .hbs, and every .hbs holds "{{"', () => {
    const files = walkTree(BUILTIN_TEMPLATES).files;
    const text = (f: string) => fs.readFileSync(path.join(BUILTIN_TEMPLATES, f), 'utf8');
    // components/README.md documents the templates (it is never rendered) and shows a literal "{{".
    const unrendered = files.filter((f) => !f.endsWith('.hbs') && f !== 'components/README.md' && text(f).includes('{{'));
    const needless = files.filter((f) => f.endsWith('.hbs') && !text(f).includes('{{'));
    expect(unrendered).toEqual([]);
    expect(needless).toEqual([]);
    expect(files.filter((f) => f.endsWith('.hbs')).length).toBeGreaterThan(40);
    // No output is both copied and rendered.
    const names = files.map(outputName);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
