import * as path from 'node:path';
import { builtFile, readJson } from '../core/built';

/** Folder of the built-in catalog data (same relative place from src/ and lib/). */
export const CATALOG_DIR = path.resolve(__dirname, '..', '..', 'catalog');

/**
 * The validated catalog as JSON. Parsing and validating ~100 KB of YAML is a large share of a command's start-up;
 * JSON.parse of the same data is ~50× faster. The build writes it into lib/ after compiling (the post-compile step,
 * scripts/build-assets.mjs), from the catalog it validated; it is never committed. Running from src/ (the tests)
 * or from a lib/ built by a bare `tsc`, there is none and the loaders parse and validate the YAML instead.
 */
export const CATALOG_CACHE = path.resolve(__dirname, '..', 'built', 'catalog.json');

export interface CatalogCacheData {
  components: unknown[];
  stories: unknown[];
}

/** The build's catalog, or undefined when there is none (development). Read at most once per process. */
export const readCatalogCache = builtFile(CATALOG_CACHE, (file) => readJson<CatalogCacheData>(file));

/** The cache file's text for validated data (the caller validated it from the YAML). */
export function catalogCacheText(components: unknown[], stories: unknown[]): string {
  return JSON.stringify({ components, stories } satisfies CatalogCacheData) + '\n';
}
