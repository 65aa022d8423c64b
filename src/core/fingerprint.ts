import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OVERRIDES_DIR, walkTree } from './paths';

/**
 * Fingerprints of everything a render depends on, so `regenerate` can tell "nothing to do" by reading and hashing
 * files instead of rendering the whole platform again. A render is a pure function of: platform.yaml, the
 * generator (its code, built-in templates, catalog data, and the versions of the libraries that shape its output)
 * and the repository's template overrides. Light on purpose: only node built-ins, so the fast path loads nothing
 * else.
 */

/** The package root (same relative place from src/core and lib/core). */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
/** The compiled (lib/) or source (src/) code this module runs from. */
const CODE_DIR = path.resolve(__dirname, '..');
/** Libraries whose output ends up in generated files. */
const OUTPUT_LIBRARIES = ['yaml', 'handlebars'];

const sha = () => createHash('sha256');

/** Hash every file under dir (sorted relative paths, each name and content) into h; keep selects files. */
function hashTree(h: ReturnType<typeof sha>, dir: string, tag: string, keep: (rel: string) => boolean): void {
  const files = walkTree(dir).files.filter(keep);
  h.update(`${tag}\0${files.length}\0`);
  for (const f of files) {
    h.update(f + '\0');
    h.update(fs.readFileSync(path.join(dir, f)));
    h.update('\0');
  }
}

let generator: string | undefined;

/** The generator's fingerprint: code, templates, catalog, output libraries' versions. Once per process. */
export function generatorFingerprint(): string {
  if (generator) return generator;
  const h = sha();
  hashTree(h, CODE_DIR, 'code', (r) => /\.(js|ts)$/.test(r) && !r.endsWith('.d.ts'));
  hashTree(h, path.join(PACKAGE_ROOT, 'templates'), 'templates', () => true);
  hashTree(h, path.join(PACKAGE_ROOT, 'catalog'), 'catalog', (r) => r.endsWith('.yaml'));
  for (const lib of OUTPUT_LIBRARIES) {
    try {
      h.update(
        `${lib}@${(JSON.parse(fs.readFileSync(require.resolve(`${lib}/package.json`), 'utf8')) as { version: string }).version}\0`,
      );
    } catch {
      h.update(`${lib}@?\0`);
    }
  }
  h.update(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json')));
  generator = h.digest('hex');
  return generator;
}

/**
 * The fingerprint of one render of a repository: the generator, the repository's template overrides
 * (`.platform/templates/`) and the exact text of platform.yaml the render wrote.
 */
export function inputsFingerprint(root: string, platformText: string): string {
  const h = sha();
  h.update(generatorFingerprint() + '\0');
  hashTree(h, path.join(root, OVERRIDES_DIR), 'overrides', () => true);
  h.update('platform.yaml\0');
  h.update(platformText);
  return h.digest('hex');
}
