#!/usr/bin/env node
// The build's last post-compile step: bundles each bin of package.json into lib/bundle/<bin>.js with rolldown (a
// development dependency), so a run loads a few files instead of ~270 modules. Run after tsc and build-assets.mjs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const OUT = path.join(ROOT, 'lib', 'bundle');
const BINS = ['create-platform-cluster', 'add-story', 'platform-kit'];
const require = createRequire(import.meta.url);

/**
 * The code finds the package's files from its own folder (`path.resolve(__dirname, '..', '..', 'templates')`). In a
 * bundle every module's __dirname is lib/bundle/, so each module of src/ gets the folder its compiled file has in lib/.
 */
function ownFolder() {
  return {
    name: 'own-folder',
    transform(code, id) {
      if (!id.startsWith(SRC + path.sep) || !code.includes('__dirname')) return null;
      const rel = path
        .relative(OUT, path.join(ROOT, 'lib', path.relative(SRC, path.dirname(id))))
        .split(path.sep)
        .join('/');
      return code.replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${JSON.stringify(rel)})`);
    },
  };
}

const t0 = Date.now();
const build = await rolldown({
  input: Object.fromEntries(BINS.map((b) => [b, path.join(SRC, 'cli', `${b}.ts`)])),
  platform: 'node',
  treeshake: true,
  logLevel: 'warn',
  tsconfig: path.join(ROOT, 'tsconfig.json'),
  // src/core/fingerprint.ts: a bundle reads the generator's fingerprint from the stamp written below.
  transform: { define: { __CPC_BUNDLED__: 'true' } },
  // Dependencies the code requires inside a function, for some runs only, stay in node_modules (the package depends on
  // them) rather than in a chunk every run parses: the full Handlebars compiler (a repository's own template overrides)
  // and diff (the diffs of --dry-run and the conflict reports, ~65 KB).
  external: (id) => id === 'handlebars' || id === 'diff',
  plugins: [ownFolder()],
});
fs.rmSync(OUT, { recursive: true, force: true });
const { output } = await build.write({
  dir: OUT,
  format: 'cjs',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  sourcemap: false,
  // The module headings rolldown writes (`// src/...`, `// node_modules/...`) and licence comments stay; JSDoc goes
  // (a third of the text: the package ships the commented code in lib/ besides).
  comments: { legal: true, annotation: false, jsdoc: false },
});
await build.close();

// V8's code cache (src/cli/code-cache.ts): its loader, as tsc compiled it (node built-ins only), sits next to the chunks,
// and each bin requires it before any chunk, so that every chunk is compiled through the cache.
fs.copyFileSync(path.join(ROOT, 'lib', 'cli', 'code-cache.js'), path.join(OUT, 'code-cache.js'));
for (const bin of BINS) {
  const file = path.join(OUT, `${bin}.js`);
  const [shebang, ...rest] = fs.readFileSync(file, 'utf8').split('\n');
  if (!shebang.startsWith('#!')) throw new Error(`${file} does not start with its #! line`);
  fs.writeFileSync(file, [shebang, 'require("./code-cache.js").enableCodeCache();', ...rest].join('\n'));
}

// The stamp, last: the generator's fingerprint over lib/ (the bundles just written included), the templates, the
// catalog and package.json, computed by the compiled code itself, so it equals what lib/cli/*.js hash at run time.
const { GENERATOR_STAMP, generatorFingerprintOf } = require(path.join(ROOT, 'lib', 'core', 'fingerprint.js'));
if (path.dirname(GENERATOR_STAMP) !== OUT) throw new Error(`the stamp ${GENERATOR_STAMP} is not in ${OUT}`);
fs.writeFileSync(GENERATOR_STAMP, `${generatorFingerprintOf()}\n`);
console.log(`lib/bundle/: ${output.length} files and the generator's stamp, ${Date.now() - t0} ms`);

// The code cache itself, last (the bins it serves are final, the stamp included): the main job run once, training.
const { CODE_CACHE_DIR, TRAIN_ENV } = require(path.join(OUT, 'code-cache.js'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-code-cache-'));
try {
  const argv = [
    path.join(OUT, 'create-platform-cluster.js'),
    'infra',
    'apps',
    '--yes',
    '--stories',
    'all',
    '--approve',
  ];
  const run = spawnSync(process.execPath, [...argv, '--dir', path.join(scratch, 'platform')], {
    // V8 takes a cache only under the flags it was made with: none from the environment (a test runner's NODE_OPTIONS)
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS')), [TRAIN_ENV]: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`the code cache's training run exited with ${run.status ?? run.signal}`);
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
const cached = fs.readdirSync(CODE_CACHE_DIR).filter((f) => f.endsWith('.bin'));
console.log(
  `${path.relative(ROOT, CODE_CACHE_DIR)}/: V8's code of ${cached.length} chunks, as the scaffold compiled them`,
);
