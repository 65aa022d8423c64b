import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG_DIR, CATALOG_SOURCES, catalogCacheText, readCatalogCache } from '../../src/model/catalog-cache';
import { foundationComponentsFromYaml } from '../../src/model/components';
import { loadStoriesFromYaml } from '../../src/model/stories';
import { recordStories } from '../../src/commands/stories';
import { PRECOMPILED_FILE, precompiledModuleText, precompiledTemplates } from '../../src/core/precompiled';
import { BUILTIN_TEMPLATES, TemplateRenderer } from '../../src/core/render';
import { renderPlatform } from '../../src/generate/platform';
import { defaultCluster } from '../../src/model/defaults';
import { newPlatform, setCluster } from '../../src/model/platform-file';
import { catalogFor } from '../../src/model/wiring';

describe('catalog cache (catalog/catalog.cache.json)', () => {
  it('is up to date with catalog/*.yaml and holds exactly what parsing and validating them gives (else: npx projen precompile)', () => {
    const hit = readCatalogCache();
    expect(hit, 'catalog/catalog.cache.json is stale or missing: run npx projen precompile').toBeDefined();
    const components = foundationComponentsFromYaml();
    const stories = loadStoriesFromYaml(components);
    expect(hit!.components).toEqual(JSON.parse(JSON.stringify(components)));
    expect(hit!.stories).toEqual(JSON.parse(JSON.stringify(stories)));
    expect(hit!.stories).toHaveLength(41);
  });

  it('is not read once a source changes (the loaders fall back to the YAML)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-cat-'));
    for (const f of CATALOG_SOURCES) fs.copyFileSync(path.join(CATALOG_DIR, f), path.join(dir, f));
    const file = path.join(dir, 'catalog.cache.json');
    fs.writeFileSync(file, catalogCacheText([{ id: 'x' }], [{ id: 'STORY-X' }], dir));
    expect(readCatalogCache(file, dir)?.stories).toEqual([{ id: 'STORY-X' }]);
    fs.appendFileSync(path.join(dir, 'stories.yaml'), '# a comment is a change too\n');
    expect(readCatalogCache(file, dir)).toBeUndefined();
    fs.writeFileSync(file, '{not json');
    expect(readCatalogCache(file, dir)).toBeUndefined();
  });
});

describe('precompiled templates (precompiled/templates.cjs)', () => {
  it('has an up-to-date entry for every built-in template (else: npx projen precompile)', () => {
    const pre = precompiledTemplates();
    expect(pre, 'precompiled/templates.cjs is missing').toBeDefined();
    const { text, count } = precompiledModuleText(BUILTIN_TEMPLATES);
    expect(count).toBeGreaterThan(150);
    expect(fs.readFileSync(PRECOMPILED_FILE, 'utf8'), 'precompiled/templates.cjs is stale: run npx projen precompile').toBe(text);
  });

  it('renders the reference platform byte for byte like templates compiled at run time', () => {
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    const cat = catalogFor(pf.spec);
    recordStories(pf, cat, cat.stories, { approve: true });
    const a = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], true)).tree;
    const b = renderPlatform(pf.spec, new TemplateRenderer([BUILTIN_TEMPLATES], false)).tree;
    const paths = a.paths();
    expect(paths.length).toBeGreaterThan(400);
    expect(b.paths()).toEqual(paths);
    for (const p of paths) expect(a.read(p), p).toBe(b.read(p));
  });
});
