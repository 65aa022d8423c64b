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
/**
 * The build's stamp: the generator's fingerprint computed once by the build (scripts/bundle-bins.mjs, after it wrote
 * the bundles) and stored next to them, so a bin does not read and hash ~5 MB of code on every run.
 */
export const GENERATOR_STAMP = path.join(CODE_DIR, 'bundle', 'generator.sha256');

/**
 * True in the bins' bundles only: scripts/bundle-bins.mjs defines it. A bundle is built in the same step as the stamp,
 * so it may trust it; lib/cli/*.js and src/ are rebuilt by a bare tsc (or are the sources), so they hash at run time.
 */
declare const __CPC_BUNDLED__: boolean | undefined;
const BUNDLED = typeof __CPC_BUNDLED__ !== 'undefined' && __CPC_BUNDLED__;

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

/**
 * The generator's fingerprint as the files are now: its code (every .js/.ts under codeDir, the bundles included),
 * built-in templates, catalog data, the output libraries' versions and package.json. What the build stamps.
 */
export function generatorFingerprintOf(packageRoot = PACKAGE_ROOT, codeDir = CODE_DIR): string {
  const h = sha();
  hashTree(h, codeDir, 'code', (r) => /\.(js|ts)$/.test(r) && !r.endsWith('.d.ts'));
  hashTree(h, path.join(packageRoot, 'templates'), 'templates', () => true);
  hashTree(h, path.join(packageRoot, 'catalog'), 'catalog', (r) => r.endsWith('.yaml'));
  for (const lib of OUTPUT_LIBRARIES) {
    try {
      const manifest = require.resolve(`${lib}/package.json`);
      h.update(`${lib}@${(JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version}\0`);
    } catch {
      h.update(`${lib}@?\0`);
    }
  }
  h.update(fs.readFileSync(path.join(packageRoot, 'package.json')));
  return h.digest('hex');
}

/** The build's stamp when it holds a fingerprint, else undefined. */
function readStamp(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
}

let generator: string | undefined;

/** The generator's fingerprint, once per process: the build's stamp in a bundle, else hashed from the files. */
export function generatorFingerprint(): string {
  generator ??= (BUNDLED ? readStamp(GENERATOR_STAMP) : undefined) ?? generatorFingerprintOf();
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
