import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG_DIR, CATALOG_SOURCES, catalogCacheText, readCatalogCache } from '../../src/model/catalog-cache';
import { foundationComponentsFromYaml } from '../../src/model/components';
import { loadStoriesFromYaml } from '../../src/model/stories';

describe('catalog cache (catalog/catalog.cache.json)', () => {
  it('is up to date with catalog/*.yaml and holds exactly what parsing and validating them gives (else: npx projen catalog:cache)', () => {
    const hit = readCatalogCache();
    expect(hit, 'catalog/catalog.cache.json is stale or missing: run npx projen catalog:cache').toBeDefined();
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
