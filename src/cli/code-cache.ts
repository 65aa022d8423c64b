import type * as Crypto from 'node:crypto';
import * as fs from 'node:fs';
import type Module from 'node:module';
import * as path from 'node:path';
import type * as Vm from 'node:vm';

/**
 * V8's code cache for the bins' bundles, made by the build. A run of a bin spends a fifth of its time compiling:
 * the top level of every chunk it loads, then each function the first time it is called (the YAML library, the
 * templates, the generator). The build runs the main job once (scripts/bundle-bins.mjs: the scaffold of the reference
 * platform) and keeps, per chunk, V8's serialised code of every function that run compiled; a later run of any bin
 * starts from that code instead of the source. Node ≥ 22 has `module.enableCompileCache()`, which caches at compile
 * time only (the top levels, not the functions a run compiles later); Node 20 has nothing.
 *
 * Safe by construction: a chunk is taken from the cache only when its text is the one the cache was made from (sha1
 * in the index), under the same V8 version and architecture (the folder's name); V8 itself refuses data made with
 * other flags, and then compiles from source as without a cache. Without the folder (running from src/ or lib/cli/,
 * another Node) nothing is hooked. Nothing is written at run time: the package may be installed read-only.
 */

/** The bundles' folder (lib/bundle/) as seen from this module's compiled place (lib/cli/). */
const BUNDLE_DIR = path.join(__dirname, '..', 'bundle');
/** The build's other code the bins load: lib/built/templates.cjs (the precompiled templates, run by every render). */
const BUILT_DIR = path.join(BUNDLE_DIR, '..', 'built');
/** The cache of the running V8 on this architecture. */
export const CODE_CACHE_DIR = path.join(BUNDLE_DIR, 'code-cache', `${process.versions.v8}-${process.arch}`);
const INDEX = 'index.json';
/** Set by the build's training run: compile from source, then write each chunk's code at exit. */
export const TRAIN_ENV = 'CPC_TRAIN_CODE_CACHE';

interface Entry {
  sha1: string;
  file: string;
}

type Compile = (this: Module, content: string, filename: string) => unknown;

/** What the loader did in this process: chunks compiled from the cache, V8 refused the cache of, or changed since it was made. */
export const codeCacheStats = { used: 0, rejected: 0, stale: 0 };

// Loaded only when there is a cache to use or to make: a run without one (another Node) loads nothing more.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const crypto = () => require('node:crypto') as typeof Crypto;
const sha1 = (text: string) => crypto().createHash('sha1').update(text).digest('hex');

/**
 * Compile the files of the bundle folder through the cache (or, training, for it). Returns what it did: 'off' when
 * there is no cache for this V8 and no training run.
 */
export function enableCodeCache(): 'off' | 'on' | 'training' {
  const training = process.env[TRAIN_ENV] === '1';
  let index: Record<string, Entry> = {};
  if (!training) {
    try {
      index = JSON.parse(fs.readFileSync(path.join(CODE_CACHE_DIR, INDEX), 'utf8')) as Record<string, Entry>;
    } catch {
      return 'off';
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vm = require('node:vm') as typeof Vm;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as typeof import('node:module');
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  const made: { name: string; text: string; script: Vm.Script }[] = [];
  proto._compile = function (this: Module, content: string, filename: string) {
    // A chunk with an import() is left to Node: a vm.Script cannot load one without an experimental flag or warning.
    const dir = path.dirname(filename);
    if ((dir !== BUNDLE_DIR && dir !== BUILT_DIR) || content.includes('import('))
      return compile.call(this, content, filename);
    // A chunk by its name; the build's other files by their path from the bundle folder (../built/templates.cjs).
    const name =
      dir === BUNDLE_DIR ? path.basename(filename) : path.relative(BUNDLE_DIR, filename).split(path.sep).join('/');
    const entry = index[name];
    let cachedData: Buffer | undefined;
    if (entry && entry.sha1 === sha1(content)) {
      try {
        cachedData = fs.readFileSync(path.join(CODE_CACHE_DIR, entry.file));
      } catch {
        cachedData = undefined;
      }
    } else if (entry) codeCacheStats.stale++;
    // The function Node's own loader makes of a CommonJS file (a `#!` line is blanked, keeping the line numbers).
    const script = new vm.Script(Module.wrap(content.replace(/^#!.*/, '')), { filename, cachedData });
    if (cachedData) codeCacheStats[script.cachedDataRejected ? 'rejected' : 'used']++;
    if (training) made.push({ name, text: content, script });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, requireOf(this), this, filename, path.dirname(filename));
  };
  if (training) process.on('exit', () => writeCache(made));
  return training ? 'training' : 'on';
}

/** The `require` a module's code is given: resolved from that module, as Node's loader gives it. */
function requireOf(mod: Module): NodeJS.Require {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as typeof import('node:module');
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  req.resolve = ((request: string, options?: { paths?: string[] }) =>
    (
      Module as unknown as {
        _resolveFilename: (r: string, m: Module, main: boolean, o?: { paths?: string[] }) => string;
      }
    )._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  req.main = require.main;
  req.cache = require.cache;
  req.extensions = require.extensions;
  return req;
}

/** The training run's end: each chunk's code, compiled by everything the run called, and the index naming them. */
function writeCache(made: { name: string; text: string; script: Vm.Script }[]): void {
  fs.rmSync(CODE_CACHE_DIR, { recursive: true, force: true });
  fs.mkdirSync(CODE_CACHE_DIR, { recursive: true });
  const index: Record<string, Entry> = {};
  for (const { name, text, script } of made) {
    const file = `${name.replace(/^(\.\.\/)+/, '').replace(/\//g, '--')}.bin`;
    fs.writeFileSync(path.join(CODE_CACHE_DIR, file), script.createCachedData());
    index[name] = { sha1: sha1(text), file };
  }
  fs.writeFileSync(path.join(CODE_CACHE_DIR, INDEX), `${JSON.stringify(index, null, 1)}\n`);
}
