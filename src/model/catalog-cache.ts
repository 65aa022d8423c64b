import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256 } from '../core/manifest';

/** Folder of the built-in catalog data (same relative place from src/ and lib/). */
export const CATALOG_DIR = path.resolve(__dirname, '..', '..', 'catalog');

/**
 * The validated catalog as JSON, next to its YAML sources. Parsing and validating ~100 KB of YAML is a large
 * share of a command's start-up; JSON.parse of the same data is ~50× faster. The cache is used only while the
 * sha256 of every source equals the one recorded in it, so a stale or hand-edited cache is never read: the
 * loaders fall back to parsing and validating the YAML. `npx projen precompile` rewrites it; a unit test
 * fails when it is stale.
 */
export const CATALOG_CACHE = path.join(CATALOG_DIR, 'catalog.cache.json');
export const CATALOG_SOURCES = ['components.yaml', 'stories.yaml'] as const;

export interface CatalogCacheData {
  sources: Record<string, string>;
  components: unknown[];
  stories: unknown[];
}


/** The sha256 of each catalog source file as it is on disk now. */
export function catalogSourceHashes(dir = CATALOG_DIR): Record<string, string> {
  return Object.fromEntries(CATALOG_SOURCES.map((f) => [f, sha256(fs.readFileSync(path.join(dir, f), 'utf8'))]));
}

let memo: CatalogCacheData | null | undefined;

/** The cached catalog when it matches the sources, else undefined. Read at most once per process. */
export function readCatalogCache(file = CATALOG_CACHE, dir = CATALOG_DIR): CatalogCacheData | undefined {
  if (file === CATALOG_CACHE && dir === CATALOG_DIR && memo !== undefined) return memo ?? undefined;
  let data: CatalogCacheData | undefined;
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as CatalogCacheData;
    const now = catalogSourceHashes(dir);
    const fresh = raw && typeof raw.sources === 'object' && CATALOG_SOURCES.every((f) => raw.sources[f] === now[f]) && Array.isArray(raw.components) && Array.isArray(raw.stories);
    data = fresh ? raw : undefined;
  } catch {
    data = undefined;
  }
  if (file === CATALOG_CACHE && dir === CATALOG_DIR) memo = data ?? null;
  return data;
}

/** The cache file's text for validated data (the caller validated it from the sources whose hashes are recorded). */
export function catalogCacheText(components: unknown[], stories: unknown[], dir = CATALOG_DIR): string {
  return JSON.stringify({ sources: catalogSourceHashes(dir), components, stories } satisfies CatalogCacheData) + '\n';
}
