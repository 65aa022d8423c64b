// Issue 17, item 4: only files ending in .hbs are rendered, every other template file is copied as it is; a template
// is named by its output name, and an override of either kind shadows the built-in file of either kind. A story
// component's catalog entry is the component.yaml in its template folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { declaredMode } from '../src/core/disk';
import { UsageError } from '../src/core/errors';
import { walkTree } from '../src/core/paths';
import { BUILTIN_TEMPLATES, outputName, TemplateRenderer } from '../src/core/render';
import { renderPlatform } from '../src/generate/platform';
import { CATALOG_DIR, COMPONENT_FILE, componentEntriesFromYaml, componentTemplateDir } from '../src/model/components';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform, setCluster } from '../src/model/platform-file';
import { buildCatalog, loadStoriesFromYaml } from '../src/model/stories';
import { recordStories } from '../src/model/story-rules';
import { variantVariables } from '../src/model/variant-settings';
import { catalogFor } from '../src/model/wiring';
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
    const dir = root({
      'c/app/a.yaml.hbs': 'a: {{x}}\n',
      'c/app/b.yaml': 'b: 1\n',
      'c/components/k/c.yaml.hbs': 'c: 1\n',
    });
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
    const both =
      /template \.platform\/templates\/repo\/justfile: both justfile \(copied\) and justfile\.hbs \(rendered\) exist/;
    expect(() => r.render('repo/justfile', {})).toThrow(both);
  });

  it('templates-copied-override-checked: an override copied as it is must still be YAML without aliases', () => {
    const over = overrides({ 'x.yaml': 'a: &x 1\nb: *x\n' });
    expect(() => new TemplateRenderer([over]).render('x.yaml', {})).toThrow(
      /template \.platform\/templates\/x\.yaml: the YAML it renders uses an alias/,
    );
  });

  it('templates-file-mode: a template declares its output executable by its first line (#!), rendered or copied', () => {
    const dir = root({
      'run.sh.hbs': '#!/bin/sh\necho {{x}}\n',
      'copy.sh': '#!/bin/sh\necho y\n',
      'data.yaml': 'a: 1\n',
    });
    const r = new TemplateRenderer([dir]);
    expect(declaredMode(r.render('run.sh', { x: 1 }))).toBe(0o755);
    expect(declaredMode(r.render('copy.sh', {}))).toBe(0o755);
    expect(declaredMode(r.render('data.yaml', {}))).toBe(0o644);
    // Every built-in script declares itself so: its first line is an interpreter line.
    const scripts = walkTree(BUILTIN_TEMPLATES).files.filter((f) =>
      /\.sh(\.hbs)?$|^repo\/githooks\/commit-msg/.test(f),
    );
    expect(scripts.length).toBeGreaterThan(3);
    for (const f of scripts)
      expect(fs.readFileSync(path.join(BUILTIN_TEMPLATES, f), 'utf8').startsWith('#!'), f).toBe(true);
  });

  it('templates-suffix-convention: every built-in template holding "{{" ends in .hbs, and every .hbs holds "{{"', () => {
    const files = walkTree(BUILTIN_TEMPLATES).files;
    const text = (f: string) => fs.readFileSync(path.join(BUILTIN_TEMPLATES, f), 'utf8');
    // components/README.md documents the templates (it is never rendered) and shows a literal "{{".
    const unrendered = files.filter(
      (f) => !f.endsWith('.hbs') && f !== 'components/README.md' && text(f).includes('{{'),
    );
    const needless = files.filter((f) => f.endsWith('.hbs') && !text(f).includes('{{'));
    expect(unrendered).toEqual([]);
    expect(needless).toEqual([]);
    expect(files.filter((f) => f.endsWith('.hbs')).length).toBeGreaterThan(40);
    // No output is both copied and rendered.
    const names = files.map(outputName);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describe('templates: the catalog entry of a component sits next to its files', () => {
  it('templates-component-yaml: every story component is read from templates/components/<area>/<id>/component.yaml', () => {
    const entries = componentEntriesFromYaml();
    const cat = buildCatalog(loadStoriesFromYaml());
    const storyComponents = cat.stories.flatMap((s) => s.components.map((c) => c.id));
    expect(storyComponents.length).toBeGreaterThan(40);
    expect([...entries.keys()].sort()).toEqual([...storyComponents].sort());
    for (const id of storyComponents) {
      const c = cat.components.get(id)!.component;
      expect(fs.existsSync(path.join(BUILTIN_TEMPLATES, componentTemplateDir(c), COMPONENT_FILE)), id).toBe(true);
    }
    // catalog/stories.yaml keeps the story-level data and names components by id only.
    const raw = parse(fs.readFileSync(path.join(CATALOG_DIR, 'stories.yaml'), 'utf8')) as {
      stories: { components: unknown[] }[];
    };
    expect(raw.stories.flatMap((s) => s.components).every((c) => typeof c === 'string')).toBe(true);
  });

  it('templates-component-yaml-folder: a component.yaml whose area and id do not name its folder is refused', () => {
    const dir = root({ 'components/storage/wrong-folder/component.yaml': 'id: openebs\narea: storage\n' });
    expect(() => componentEntriesFromYaml(dir)).toThrow(
      /templates\/components\/storage\/wrong-folder\/component\.yaml: its area and id must name its folder/,
    );
    const ok = root({ 'components/storage/x/component.yaml': 'id: x\narea: storage\n' });
    expect([...componentEntriesFromYaml(ok).keys()]).toEqual(['x']);
  });

  it('templates-component-yaml-not-rendered: component.yaml is data, never written into the repository', () => {
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    const cat = catalogFor(pf.spec);
    recordStories(pf, cat, cat.stories, { approve: true });
    const paths = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], false)).tree.paths();
    expect(paths.length).toBeGreaterThan(200);
    expect(paths.filter((p) => p.endsWith(COMPONENT_FILE))).toEqual([]);
    // Nor read as one of its files: the ${VAR}s its notes name are not variables its manifests use.
    const uses = variantVariables(cat).get('SECRET_STORE_ENDPOINT');
    expect(uses?.map((u) => u.component)).toEqual(['cluster-secret-store']);
    const entry = fs.readFileSync(
      path.join(BUILTIN_TEMPLATES, 'components/security/cluster-secret-store', COMPONENT_FILE),
      'utf8',
    );
    expect(entry).toContain('${SECRET_STORE_ENDPOINT}');
  });
});
