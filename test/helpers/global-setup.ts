import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** What lib/ is built from: tsc's input and config, and what the post-compile step reads. */
const INPUTS = [
  'src',
  'templates',
  'catalog',
  'scripts/build-assets.mjs',
  'scripts/bundle-bins.mjs',
  'tsconfig.json',
  'package.json',
];
/** What the e2e tests run: a bin and the post-compile step's output (a bare tsc writes neither lib/built/ nor lib/bundle/). */
const OUTPUTS = [
  'lib/cli/create-platform-cluster.js',
  'lib/cli/platform-kit.js',
  'lib/cli/add-story.js',
  'lib/bundle/create-platform-cluster.js',
  'lib/bundle/platform-kit.js',
  'lib/bundle/add-story.js',
  'lib/built/templates.cjs',
  'lib/built/catalog.json',
  'lib/built/documents.json',
  'lib/built/templates.json',
  'lib/bundle/code-cache.js',
];
/** Outside lib/, which the package ships (test/package-files.test.ts), and outside git's view (node_modules/). */
const STAMP = path.join(ROOT, 'node_modules', '.cache', 'cpc-e2e-build.sha256');

/** sha256 over the path and bytes of every input file, in a stable order. */
function inputsHash(): string {
  const hash = createHash('sha256');
  const add = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) add(path.join(rel, name));
    } else hash.update(rel).update('\0').update(fs.readFileSync(abs)).update('\0');
  };
  for (const rel of INPUTS) add(rel);
  return hash.digest('hex');
}

/** Every file of lib/ with its size and mtime: another build (projen compile, a bare tsc) changes it. */
function libState(): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const e of fs
      .readdirSync(path.join(ROOT, rel), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else {
        const st = fs.statSync(path.join(ROOT, r));
        hash.update(`${r}\0${st.size}\0${st.mtimeMs}\0`);
      }
    }
  };
  if (fs.existsSync(path.join(ROOT, 'lib'))) walk('lib');
  return hash.digest('hex');
}

/**
 * The CLI tests run the real bins from lib/: compile once before the suite, with the build's post-compile step.
 * Skipped when lib/ is as this setup left it after building it from the very same inputs (their content hash: a
 * checkout changes mtimes, not code; lib/'s mtimes: a build from other sources since): tsc and the asset build take
 * ~20 s of every e2e run.
 */
export default function setup(): void {
  const inputs = inputsHash();
  const built = OUTPUTS.every((f) => fs.existsSync(path.join(ROOT, f)));
  const fresh = built && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === `${inputs}\n${libState()}\n`;
  if (fresh) return;
  if (fs.existsSync(STAMP)) fs.rmSync(STAMP); // a build cut short must not leave the old stamp standing
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // lib/built/: the precompiled templates and the validated catalog the package ships (not committed).
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-assets.mjs')], { cwd: ROOT, stdio: 'ignore' });
  // lib/bundle/: the bins as the package runs them (package.json "bin"), one bundle each.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-bins.mjs')], { cwd: ROOT, stdio: 'ignore' });
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `${inputs}\n${libState()}\n`);
}
