// Issue 17, item 5: the precompiled templates and the catalog cache are built into lib/ by the post-compile step, not
// committed; without them (running from src/) the tool compiles and validates at run time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkTree } from '../src/core/paths';
import {
  PRECOMPILED_FILE,
  precompiledTemplates,
  templatePackOf,
  writePrecompiledTemplates,
} from '../src/core/precompiled';
import { BUILTIN_TEMPLATES, TemplateRenderer } from '../src/core/render';
import { renderPlatform } from '../src/generate/platform';
import { CATALOG_CACHE, readCatalogCache } from '../src/model/catalog-cache';
import { foundationComponentsFromYaml } from '../src/model/components';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform, setCluster } from '../src/model/platform-file';
import { loadStoriesFromYaml, writeCatalogCache } from '../src/model/stories';
import { recordStories } from '../src/model/story-rules';
import { catalogFor } from '../src/model/wiring';
import { ROOT, tmpDir } from './helpers/fs';

describe('built, not committed', () => {
  it('templates-precompiled-same-output: the precompiled module renders the reference platform byte for byte like run-time compiling', () => {
    const file = path.join(tmpDir('pre-'), 'templates.cjs');
    const { count } = writePrecompiledTemplates(BUILTIN_TEMPLATES, file);
    const pre = precompiledTemplates(file)!;
    expect(count).toBe(walkTree(BUILTIN_TEMPLATES).files.filter((f) => f.endsWith('.hbs')).length);
    expect(Object.keys(pre)).toHaveLength(count);
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    const cat = catalogFor(pf.spec);
    recordStories(pf, cat, cat.stories, { approve: true });
    const a = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], pre)).tree;
    const b = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], false)).tree;
    expect(a.paths().length).toBeGreaterThan(400);
    expect(b.paths()).toEqual(a.paths());
    for (const p of a.paths()) expect(a.read(p), p).toBe(b.read(p));
  });

  it('templates-precompiled-used: a built-in .hbs template is taken from the precompiled module, not compiled again', () => {
    const fake = root({ 'repo/justfile.hbs': 'precompiled {{version}}\n' });
    const file = path.join(tmpDir('pre-'), 'templates.cjs');
    writePrecompiledTemplates(fake, file);
    const r = new TemplateRenderer([BUILTIN_TEMPLATES], precompiledTemplates(file));
    expect(r.render('repo/justfile', { version: '9' })).toBe('precompiled 9\n');
  });

  it('templates-pack-same-output: the packed template folder renders the reference platform byte for byte like the folder', () => {
    const pack = templatePackOf(BUILTIN_TEMPLATES);
    expect(Object.keys(pack.copied).length).toBe(
      walkTree(BUILTIN_TEMPLATES).files.filter((f) => !f.endsWith('.hbs')).length,
    );
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    const cat = catalogFor(pf.spec);
    recordStories(pf, cat, cat.stories, { approve: true });
    const a = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], false, pack)).tree;
    const b = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], false, false)).tree;
    expect(a.paths().length).toBeGreaterThan(400);
    expect(b.paths()).toEqual(a.paths());
    for (const p of a.paths()) expect(a.read(p), p).toBe(b.read(p));
  });

  it('templates-pack-used: a built-in folder is listed and a copied file read from the pack, not from the disk', () => {
    const pack = templatePackOf(BUILTIN_TEMPLATES);
    pack.copied['repo/gitignore'] = 'from the pack\n';
    const r = new TemplateRenderer([BUILTIN_TEMPLATES], false, pack);
    expect(r.render('repo/gitignore', {})).toBe('from the pack\n');
    pack.dirs.repo = pack.dirs.repo.filter(([name]) => name !== 'justfile.hbs');
    expect(new TemplateRenderer([BUILTIN_TEMPLATES], false, pack).files('repo')).not.toContain('justfile');
    expect(new TemplateRenderer([BUILTIN_TEMPLATES], false, false).files('repo')).toContain('justfile');
    // a folder the pack does not know is absent, as a folder the disk does not have
    expect(new TemplateRenderer([BUILTIN_TEMPLATES], false, pack).files('no-such-folder')).toEqual([]);
  });

  it('templates-pack-links: a symbolic link in the built-in folder stops the build', () => {
    const fake = root({ 'repo/a.yaml': 'a: 1\n' });
    fs.symlinkSync(path.join(fake, 'repo', 'a.yaml'), path.join(fake, 'repo', 'b.yaml'));
    expect(() => templatePackOf(fake)).toThrow(/not a link/);
  });

  it('templates-catalog-cache: the built catalog holds exactly what parsing and validating catalog/*.yaml gives', () => {
    const file = writeCatalogCache(path.join(tmpDir('cat-'), 'catalog.json'));
    const hit = readCatalogCache(file)!;
    const components = foundationComponentsFromYaml();
    expect(hit.components).toEqual(JSON.parse(JSON.stringify(components)));
    expect(hit.stories).toEqual(JSON.parse(JSON.stringify(loadStoriesFromYaml(components))));
    expect(hit.stories).toHaveLength(41);
  });

  it('templates-dev-fallback: running from src/ there is no built module or cache, and nothing of them is committed', () => {
    expect(PRECOMPILED_FILE).toBe(path.join(ROOT, 'src', 'built', 'templates.cjs'));
    expect(CATALOG_CACHE).toBe(path.join(ROOT, 'src', 'built', 'catalog.json'));
    expect(precompiledTemplates()).toBeUndefined();
    expect(readCatalogCache()).toBeUndefined();
    expect(fs.existsSync(path.join(ROOT, 'precompiled', 'templates.cjs'))).toBe(false);
    expect(fs.existsSync(path.join(ROOT, 'catalog', 'catalog.cache.json'))).toBe(false);
  });

  it('templates-post-compile: the build writes lib/built/ after tsc, then the bundles, and the package ships both', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')) as {
      tasks: Record<string, { steps?: { exec?: string }[] }>;
    };
    // The bundles are built last: they take in lib/built/ and the stamp of what the build wrote (issue 17).
    expect(tasks.tasks['post-compile'].steps?.map((s) => s.exec)).toEqual([
      'node scripts/build-assets.mjs',
      'node scripts/bundle-bins.mjs',
    ]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('lib/built/');
    expect(pkg.files.some((f) => f.startsWith('lib/bundle'))).toBe(true);
  });
});

describe("V8's code cache of the bundles (src/cli/code-cache.ts)", () => {
  const BUNDLE = path.join(ROOT, 'lib', 'bundle');
  /** In a fresh node: the bundle folder's loader enabled, then `chunks` required; what the loader did, as JSON. */
  const load = (bundle: string, chunks: string[]) => {
    const script = [
      `const cc = require(${JSON.stringify(path.join(bundle, 'code-cache.js'))});`,
      'const mode = cc.enableCodeCache();',
      `for (const c of ${JSON.stringify(chunks)}) if (!Object.keys(require(c)).length) throw new Error(c + ' exports nothing');`,
      'console.log(JSON.stringify({ mode, ...cc.codeCacheStats }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, CPC_TRAIN_CODE_CACHE: '', NODE_OPTIONS: '' },
    });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { mode: string; used: number; rejected: number; stale: number };
  };
  /** lib/bundle/ copied into a package folder of its own (its chunks read ../../package.json when loaded). */
  const copyOfBundle = () => {
    const pkg = tmpDir('cc-');
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(BUNDLE, path.join(pkg, 'lib', 'bundle'), { recursive: true });
    return path.join(pkg, 'lib', 'bundle');
  };
  const cacheDir = (bundle: string) => path.join(bundle, 'code-cache', `${process.versions.v8}-${process.arch}`);
  const chunk = (bundle: string, prefix: string) =>
    path.join(bundle, fs.readdirSync(bundle).find((f) => f.startsWith(prefix) && f.endsWith('.js'))!);

  it('code-cache-built: the build trains it on the scaffold, for every chunk that run loads, from the chunks as they are', () => {
    const index = JSON.parse(fs.readFileSync(path.join(cacheDir(BUNDLE), 'index.json'), 'utf8')) as Record<
      string,
      { sha1: string; file: string }
    >;
    // the scaffold's chunks: the generator, the session, the YAML library; and the precompiled templates (lib/built/)
    expect(Object.keys(index)).toContain('../built/templates.cjs');
    expect(index['../built/templates.cjs'].file).toBe('built--templates.cjs.bin');
    for (const prefix of ['create-run-', 'session-', 'dist-'])
      expect(
        Object.keys(index).some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true);
    for (const [name, e] of Object.entries(index)) {
      const text = fs.readFileSync(path.join(BUNDLE, name), 'utf8');
      expect(createHash('sha1').update(text).digest('hex'), name).toBe(e.sha1);
      expect(fs.statSync(path.join(cacheDir(BUNDLE), e.file)).size, name).toBeGreaterThan(0);
    }
  });

  it('code-cache-used: a bin compiles its chunks from it, and V8 takes every one', () => {
    const got = load(BUNDLE, [chunk(BUNDLE, 'create-run-'), chunk(BUNDLE, 'session-')]);
    expect(got.mode).toBe('on');
    expect(got.used).toBeGreaterThan(5);
    expect(got.rejected).toBe(0);
    // the precompiled templates, from lib/built/ next to the bundle folder
    const templates = load(BUNDLE, [path.join(ROOT, 'lib', 'built', 'templates.cjs')]);
    expect(templates).toMatchObject({ mode: 'on', used: 1, rejected: 0, stale: 0 });
    expect(got.rejected).toBe(0);
    expect(got.stale).toBe(0);
  });

  it('code-cache-stale: a chunk changed since the cache was made is compiled from its text, and works', () => {
    const copy = copyOfBundle();
    const changed = chunk(copy, 'session-');
    fs.appendFileSync(changed, '\n// changed after the build\n');
    const got = load(copy, [changed]);
    expect(got.stale).toBe(1);
    expect(got.used).toBeGreaterThan(0); // the others still from the cache
    expect(got.rejected).toBe(0);
  });

  it('code-cache-import: a chunk with an import() is left to Node, and its import() works', () => {
    const copy = copyOfBundle();
    const dyn = path.join(copy, 'dyn-chunk.js');
    fs.writeFileSync(dyn, "exports.load = () => import('node:os').then((m) => typeof m.cpus);\n");
    const script = [
      `const cc = require(${JSON.stringify(path.join(copy, 'code-cache.js'))});`,
      'cc.enableCodeCache();',
      `require(${JSON.stringify(dyn)}).load().then((t) => console.log(t, JSON.stringify(cc.codeCacheStats)));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function {"used":0,"rejected":0,"stale":0}');
  });

  it('code-cache-off: without a cache for this V8 nothing is hooked', () => {
    const copy = copyOfBundle();
    fs.rmSync(path.join(copy, 'code-cache'), { recursive: true });
    expect(load(copy, [chunk(copy, 'session-')])).toEqual({ mode: 'off', used: 0, rejected: 0, stale: 0 });
  });
});

/** A template root with the given files (relative path -> text). */
function root(files: Record<string, string>): string {
  const dir = tmpDir('tpl-');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
