#!/usr/bin/env node
// The benchmark of create-platform-cluster (issue 8). Plain Node (ESM), built-ins only.
//
//   npx projen compile && npx projen post-compile && node bench/run.mjs [options]   (npm run bench builds, then runs)
//
// Every row is a subject against a floor measured in the same run: the median of interleaved runs of each,
// and their ratio, so a noisy or slow machine moves both sides. Rows:
//   help       platform-kit --help                      vs node -e 0
//   scaffold   create-platform-cluster infra apps --yes --stories all --approve   vs a bare writer of the same bytes
//   regen      platform-kit regenerate --check (20×200, nothing to do)   vs reading + sha256 of the same files;
//              and its growth from 10 to 20 clusters
//   check-ref  platform-kit check / check --build on examples/reference-platform   vs kubectl kustomize per Flux Kustomization
//   check-big  the same on the synthetic 20×200 repository (baseline sampled and extrapolated)
//   corpus     the same on every real repository of a corpus folder (--corpus DIR or $CPC_CORPUS; skipped without one)
//   package    npm pack (files, KB), the tarball installed in an empty folder (MB, packages; npm may use the network
//              for the dependencies), and the installed bin's --help   vs node -e 0
// plus the peak RSS of every subject and floor. See bench/README.md; --markdown FILE writes BENCHMARKS.md.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  binFile,
  cleanup,
  ENV,
  f2,
  fail,
  haveTime,
  machineFacts,
  makeTempDir,
  median,
  NODE,
  PLATFORM_KIT,
  parseFlags,
  printUsage,
  ROOT,
  requireCompiled,
  rssOnce,
  runAsync,
  TIME_BIN,
  tableHead,
  timeOnce,
  timeRssOnce,
  writeJson,
} from './lib.mjs';

const CREATE = path.join(ROOT, binFile('create-platform-cluster'));
/** How the report shows the two bins. */
const CREATE_SHOWN = `node ${binFile('create-platform-cluster')}`;
const KIT_SHOWN = `node ${binFile('platform-kit')}`;
const LIB_INDEX = path.join(ROOT, 'lib/index.js');
const REFERENCE = path.join(ROOT, 'examples/reference-platform');
const KUBECTL = 'kubectl';
const GROUPS = ['help', 'scaffold', 'regen', 'check-ref', 'check-big', 'corpus', 'package'];

// ---------------------------------------------------------------- arguments

const DEFAULTS = {
  helpRuns: 15,
  packageHelpRuns: 15,
  scaffoldRuns: 7,
  regenRuns: 7,
  refRuns: 5,
  refBaseRuns: 2,
  bigRuns: 3,
  bigBaseRuns: 1,
  corpusRuns: 3,
  corpusBaseRuns: 1,
  memRuns: 1,
  warmup: 1,
  sample: 'auto',
  kubectlBudget: 20,
  clusters: 20,
  smallClusters: 10,
  components: 200,
};

const usage = (code) =>
  printUsage(
    [
      'usage: node bench/run.mjs [options]',
      '',
      'Runs per side (each row interleaves its sides and reports medians):',
      `  --runs N             set every count below to N`,
      `  --help-runs N        platform-kit --help and node -e 0 (default ${DEFAULTS.helpRuns})`,
      `  --package-help-runs N  the installed create-platform-cluster --help and node -e 0 (default ${DEFAULTS.packageHelpRuns})`,
      `  --scaffold-runs N    the scaffold and its bare writer (default ${DEFAULTS.scaffoldRuns})`,
      `  --regen-runs N       regenerate --check on both synthetic repos and their hashing floors (default ${DEFAULTS.regenRuns})`,
      `  --ref-runs N         check and check --build on the reference platform (default ${DEFAULTS.refRuns})`,
      `  --ref-base-runs N    the kubectl loop on the reference platform (default ${DEFAULTS.refBaseRuns})`,
      `  --big-runs N         check and check --build on the synthetic repository (default ${DEFAULTS.bigRuns})`,
      `  --big-base-runs N    the kubectl loop on the synthetic repository (default ${DEFAULTS.bigBaseRuns}; one run sums hundreds of kubectl runs)`,
      `  --corpus-runs N      check and check --build on each corpus repository (default ${DEFAULTS.corpusRuns})`,
      `  --corpus-base-runs N the kubectl loop on each corpus repository (default ${DEFAULTS.corpusBaseRuns})`,
      `  --warmup W           untimed runs of each side of help and scaffold first (default ${DEFAULTS.warmup}; regen and`,
      "                       check are warmed up by the preparation's runs of the same commands)",
      `  --mem-runs M         separate runs under ${TIME_BIN} -f %M for peak RSS of help, scaffold and regen`,
      `                       (default ${DEFAULTS.memRuns}, 0 skips; the check rows take it from their timed runs)`,
      '',
      'kubectl baseline of the check rows:',
      `  --kubectl-budget S   a baseline loop estimated over S s (default ${DEFAULTS.kubectlBudget}) runs kubectl on 1 in K Flux`,
      '                       Kustomizations (stratified) and extrapolates; within S s it runs in full',
      '  --sample K|auto      that K, at most the cluster count (default auto: the smallest K that fits S,',
      '                       at most the cluster count); --sample 1 always runs the full loop',
      '',
      'Synthetic repositories (built with the tool before timing, not timed):',
      `  --clusters N         clusters of the big one (default ${DEFAULTS.clusters}, at most 99)`,
      `  --small-clusters N   clusters of the one the growth row compares with (default ${DEFAULTS.smallClusters})`,
      `  --components N       components on every cluster, 10 per custom story (default ${DEFAULTS.components})`,
      '',
      'Corpus of real repositories (rows corpus-<repo> and corpus-<repo>-build, one pair per folder of DIR):',
      '  --corpus DIR         the corpus folder (default: $CPC_CORPUS; without either the corpus rows are skipped)',
      '  --corpus-cluster-path REPO=PATTERN',
      '                       check the folder REPO with --cluster-path PATTERN (repeat; for a check that does not find its entry)',
      '',
      `  --only LIST          comma-separated subset of ${GROUPS.join(',')}`,
      '  --json FILE          also write every sample and the machine to FILE',
      '  --markdown FILE      also write the report (table, machine, options, floors, how to reproduce) to FILE',
      '',
      'Build first: npx projen compile && npx projen post-compile (the bins are bundles; npm run bench does both). ' +
        'The check rows need kubectl on PATH.',
      '',
    ],
    code,
  );

function parseArgs(argv) {
  const opts = {
    ...DEFAULTS,
    only: [...GROUPS],
    json: undefined,
    markdown: undefined,
    corpus: process.env.CPC_CORPUS || undefined,
    corpusClusterPaths: {},
  };
  const runKeys = [
    'helpRuns',
    'packageHelpRuns',
    'scaffoldRuns',
    'regenRuns',
    'refRuns',
    'refBaseRuns',
    'bigRuns',
    'bigBaseRuns',
    'corpusRuns',
    'corpusBaseRuns',
  ];
  const set = (key, min) => (next, int) => {
    opts[key] = int(next(), min);
  };
  parseFlags(
    argv,
    {
      '--runs': (next, int) => {
        const n = int(next(), 1);
        for (const k of runKeys) opts[k] = n;
      },
      '--help-runs': set('helpRuns', 1),
      '--package-help-runs': set('packageHelpRuns', 1),
      '--scaffold-runs': set('scaffoldRuns', 1),
      '--regen-runs': set('regenRuns', 1),
      '--ref-runs': set('refRuns', 1),
      '--big-runs': set('bigRuns', 1),
      '--ref-base-runs': set('refBaseRuns', 1),
      '--big-base-runs': set('bigBaseRuns', 1),
      '--corpus-runs': set('corpusRuns', 1),
      '--corpus-base-runs': set('corpusBaseRuns', 1),
      '--corpus': (next) => {
        opts.corpus = next();
        if (!opts.corpus) usage(2);
      },
      '--corpus-cluster-path': (next) => {
        const v = String(next() ?? '');
        const eq = v.indexOf('=');
        if (eq <= 0 || eq === v.length - 1) {
          process.stderr.write(`--corpus-cluster-path wants REPO=PATTERN, got ${JSON.stringify(v)}\n`);
          usage(2);
        }
        (opts.corpusClusterPaths[v.slice(0, eq)] ??= []).push(v.slice(eq + 1));
      },
      '--warmup': set('warmup', 0),
      '--mem-runs': set('memRuns', 0),
      '--sample': (next, int) => {
        const v = next();
        opts.sample = v === 'auto' ? 'auto' : int(v, 1);
      },
      '--kubectl-budget': set('kubectlBudget', 1),
      '--clusters': set('clusters', 1),
      '--small-clusters': set('smallClusters', 1),
      '--components': set('components', 1),
      '--only': (next) => {
        opts.only = String(next() ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!opts.only.length || opts.only.some((g) => !GROUPS.includes(g))) usage(2);
      },
      '--json': (next) => {
        opts.json = next();
        if (!opts.json) usage(2);
      },
      '--markdown': (next) => {
        opts.markdown = next();
        if (!opts.markdown) usage(2);
      },
    },
    usage,
  );
  if (opts.clusters > 99 || opts.smallClusters > 99 || opts.components > 990 || opts.clusters === opts.smallClusters) {
    process.stderr.write('--clusters and --small-clusters go up to 99 and differ, --components goes up to 990\n');
    usage(2);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const want = (g) => opts.only.includes(g);
const argvShown = process.argv.slice(2).join(' ');

requireCompiled([PLATFORM_KIT, CREATE, LIB_INDEX], ' (or use `npm run bench`)');

const log = (s) => process.stderr.write(s + '\n');
const started = Date.now();
const since = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// kubectl: the baseline of the check rows (and what check --build runs).
let kubectlVersion;
let kustomizeVersion;
{
  const kv = spawnSync(KUBECTL, ['version', '--client'], { env: ENV, encoding: 'utf8' });
  if (kv.error || kv.status !== 0) {
    if (want('check-ref') || want('check-big') || want('corpus'))
      log(`note: kubectl not found (${kv.error?.message ?? kv.stderr}); the check and corpus rows are skipped`);
    opts.only = opts.only.filter((g) => !g.startsWith('check-') && g !== 'corpus');
  } else {
    kubectlVersion = /Client Version:\s*(\S+)/.exec(kv.stdout)?.[1] ?? kv.stdout.trim();
    kustomizeVersion = /Kustomize Version:\s*(\S+)/.exec(kv.stdout)?.[1] ?? 'unknown';
  }
}

// ---------------------------------------------------------------- temp dirs

const TMP = makeTempDir('pcc-bench-');

let dirCounter = 0;
/** A new, empty directory under TMP (made before timing starts). */
function freshDir(tag) {
  const d = path.join(TMP, `${tag}-${++dirCounter}`);
  fs.mkdirSync(d);
  return d;
}

/** Regular files below dir (recursive), as paths relative to dir with / separators. */
function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) out.push(path.relative(dir, abs).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A stamp of what the tool runs and renders from (lib/, templates/, catalog/, package.json: path, size, mtime).
 * Others may recompile while the bench runs; a changed stamp means the figures may mix versions of the tool,
 * and (since regenerate's fast path fingerprints the generator) that the synthetic repositories must be re-rendered.
 */
function codeStamp() {
  const parts = [];
  for (const top of ['lib', 'precompiled', 'templates', 'catalog']) {
    const dir = path.join(ROOT, top);
    if (!fs.existsSync(dir)) continue;
    for (const rel of listFiles(dir)) {
      const st = fs.statSync(path.join(dir, rel));
      parts.push(`${top}/${rel}:${st.size}:${st.mtimeMs}`);
    }
  }
  const pkg = fs.statSync(path.join(ROOT, 'package.json'));
  parts.push(`package.json:${pkg.size}:${pkg.mtimeMs}`);
  return parts.join('\n');
}
let lastStamp = codeStamp();
const codeChanges = []; // where in the run the stamp was found changed
/** Note `where` in codeChanges when the stamp differs from the last one taken. */
function stampCheck(where) {
  const now = codeStamp();
  if (now === lastStamp) return;
  codeChanges.push(where);
  lastStamp = now;
}

// ---------------------------------------------------------------- preparation: scaffold floor

const scaffoldArgv = (dir) => [NODE, CREATE, 'infra', 'apps', '--yes', '--stories', 'all', '--approve', '--dir', dir];
const SCAFFOLD_SHOWN = `${CREATE_SHOWN} infra apps --yes --stories all --approve --dir <fresh empty dir>`;

/** Scaffold once, read every file into a manifest the floor script replays, and check the replay. */
function prepareScaffoldFloor() {
  const ref = freshDir('scaffold-ref');
  const argv = scaffoldArgv(ref);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || r.error) fail('reference scaffold', r);

  const files = [];
  let bytes = 0;
  for (const rel of listFiles(ref)) {
    const buf = fs.readFileSync(path.join(ref, rel));
    bytes += buf.length;
    // Stored as text when it round-trips exactly, else base64: the same bytes either way.
    const text = buf.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(buf)) files.push([rel, 'utf8', text]);
    else files.push([rel, 'base64', buf.toString('base64')]);
  }

  const manifest = path.join(TMP, 'floor-manifest.json');
  fs.writeFileSync(manifest, JSON.stringify(files));
  const script = path.join(TMP, 'floor-write.mjs');
  fs.writeFileSync(
    script,
    `import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const [manifest, out] = process.argv.slice(2);
for (const [rel, enc, data] of JSON.parse(readFileSync(manifest, 'utf8'))) {
  const p = join(out, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, enc === 'utf8' ? data : Buffer.from(data, 'base64'));
}
`,
  );

  // The floor must write the same bytes to the same paths, and nothing else.
  const check = freshDir('scaffold-check');
  const c = spawnSync(NODE, [script, manifest, check], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  if (c.status !== 0 || c.error) fail('floor script self-check', c);
  const written = listFiles(check);
  if (written.length !== files.length) {
    log(`scaffold floor self-check: it wrote ${written.length} files, the CLI ${files.length}`);
    process.exit(1);
  }
  for (const [rel] of files) {
    if (!fs.readFileSync(path.join(check, rel)).equals(fs.readFileSync(path.join(ref, rel)))) {
      log(`scaffold floor self-check: ${rel} differs`);
      process.exit(1);
    }
  }
  fs.rmSync(check, { recursive: true, force: true });
  fs.rmSync(ref, { recursive: true, force: true });
  return { script, manifest, files: files.length, bytes };
}

// ---------------------------------------------------------------- preparation: synthetic repositories

const pad = (n, w = 2) => String(n).padStart(w, '0');
const clusterName = (i) => `c${pad(i)}`;
const COMPONENTS_PER_STORY = 10;

/** The answers file of create-platform-cluster --answers: clusters c01..cNN, ids 1..N, disjoint networks. */
function answersYaml(n) {
  let y = '# Synthetic bench repository: every cluster with its own id and networks.\nclusters:\n';
  for (let i = 1; i <= n; i++) {
    y +=
      `  - name: ${clusterName(i)}\n    role: apps\n    clusterId: ${i}\n` +
      `    nodeCidr: 192.168.${i}.0/24\n    podCidr: 10.${2 * i}.0.0/16\n    serviceCidr: 10.${2 * i + 1}.0.0/16\n`;
  }
  return y;
}

/**
 * The stories: and plan: blocks of platform.yaml: the components in custom stories of 10 (STORY-SYN-01 …),
 * each approved on every cluster, in sprint 6. Component k > 1 of a story waits for its first component,
 * every 5th one is a Helm chart (OCIRepository + HelmRelease), the others plain manifests; stories after
 * the first depend on STORY-SYN-01.
 */
function storiesYaml(clusters, components) {
  const nStories = Math.ceil(components / COMPONENTS_PER_STORY);
  const sid = (s) => `STORY-SYN-${pad(s)}`;
  let y = 'stories:\n';
  let plan = 'plan:\n  sprints:\n';
  let left = components;
  for (let s = 1; s <= nStories; s++) {
    const ns = `syn-s${pad(s)}`;
    y += `  ${sid(s)}:\n    clusters:\n`;
    for (let i = 1; i <= clusters; i++) y += `      ${clusterName(i)}: approved\n`;
    y +=
      `    custom:\n      title: Synthetic story ${s} of the bench\n      lane: apps\n` +
      `      dependsOn: [${s > 1 ? sid(1) : ''}]\n      components:\n`;
    const count = Math.min(COMPONENTS_PER_STORY, left);
    left -= count;
    for (let k = 1; k <= count; k++) {
      y +=
        `        - id: s${pad(s)}-c${pad(k)}\n          area: apps\n          lane: workloads\n          namespace: ${ns}\n` +
        `          description: Synthetic component ${k} of story ${s}\n          dependsOn: [${k > 1 ? `s${pad(s)}-c01` : ''}]\n`;
      if (k % 5 === 0) {
        y +=
          '          chart:\n            name: podinfo\n            url: oci://ghcr.io/stefanprodan/charts/podinfo\n            version: 6.7.1\n';
      }
    }
    plan += `    ${sid(s)}: 6\n`;
  }
  return { stories: y, plan, nStories };
}

/**
 * Build a synthetic repository with the tool: create-platform-cluster --answers (clusters), the custom stories
 * written into platform.yaml, platform-kit regenerate to render them; then regenerate --check must have nothing to do.
 */
async function buildSynthetic(tag, clusters, components) {
  const t0 = Date.now();
  const dir = path.join(TMP, tag);
  fs.rmSync(dir, { recursive: true, force: true });
  const answers = path.join(TMP, `${tag}.answers.yaml`);
  fs.writeFileSync(answers, answersYaml(clusters));
  await runAsync(
    [NODE, CREATE, '--answers', answers, '--yes', '--dir', dir],
    `${tag}: create-platform-cluster --answers`,
  );

  const pf = path.join(dir, 'platform.yaml');
  const text = fs.readFileSync(pf, 'utf8');
  const { stories, plan, nStories } = storiesYaml(clusters, components);
  if (!/^stories: \{\}\n/m.test(text) || /^plan:/m.test(text)) {
    log(
      `${tag}: platform.yaml after create-platform-cluster has no empty "stories: {}" line (or has a plan:); the bench cannot add its stories`,
    );
    process.exit(1);
  }
  fs.writeFileSync(pf, text.replace(/^stories: \{\}\n/m, stories) + plan);

  await runAsync([NODE, PLATFORM_KIT, 'regenerate', '--dir', dir], `${tag}: platform-kit regenerate`);
  const r = await runAsync([NODE, PLATFORM_KIT, 'regenerate', '--check', '--dir', dir], `${tag}: regenerate --check`, {
    okCodes: [0, 1],
  });
  if (r.status !== 0) {
    log(`${tag}: regenerate --check right after regenerate says there is something to do:\n${r.stderr.slice(-2000)}`);
    process.exit(1);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, '.platform/manifest.json'), 'utf8'));
  const baseDir = path.join(dir, '.platform/base');
  const managed = Object.keys(manifest.files).length;
  const bases = fs.existsSync(baseDir) ? listFiles(baseDir).length : 0;
  // What the hashing floor reads: the manifest, platform.yaml (listed in it, or read besides), the managed files, the bases.
  const hashed = 1 + managed + ('platform.yaml' in manifest.files ? 0 : 1) + bases;
  return {
    tag,
    dir,
    clusters,
    components,
    stories: nStories,
    ms: Date.now() - t0,
    files: listFiles(dir).length,
    managed,
    bases,
    hashed,
  };
}

/** The floor of regenerate --check: read and sha256 every file the tool manages, compare with the manifest. */
function writeHashFloor() {
  const script = path.join(TMP, 'floor-hash.mjs');
  fs.writeFileSync(
    script,
    `import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const sha = (buf) => createHash('sha256').update(buf).digest('hex');
let n = 0;
let differ = 0;
const text = readFileSync(join(dir, '.platform/manifest.json')); sha(text); n++;
const files = JSON.parse(text).files;
if (!('platform.yaml' in files)) { sha(readFileSync(join(dir, 'platform.yaml'))); n++; }
for (const [rel, want] of Object.entries(files)) {
  n++;
  if (sha(readFileSync(join(dir, rel))) !== want) differ++;
}
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) { sha(readFileSync(p)); n++; }
  }
};
if (existsSync(join(dir, '.platform/base'))) walk(join(dir, '.platform/base'));
process.stderr.write('hashed ' + n + ' files, ' + differ + ' differ from the manifest\\n');
process.exit(differ ? 1 : 0);
`,
  );
  return script;
}

// ---------------------------------------------------------------- measuring

/**
 * Interleaved runs of sides [{ key, runs, warmup, make() -> { argv, after?, okCodes?, cwd?, factor? }, rss }]:
 * round i runs every side that still has runs left, rotating which goes first, so drift hits every side.
 * rss 'timed': each timed run is under /usr/bin/time (its RSS recorded); otherwise plain timing.
 * Returns { [key]: { ms: [...], kb: [...], statuses: [...], stderr } }.
 */
function measure(tag, sides) {
  const res = Object.fromEntries(sides.map((s) => [s.key, { ms: [], kb: [], statuses: [], stderr: '' }]));
  const once = (s, record) => {
    const run = s.make();
    const o = { okCodes: run.okCodes ?? [0], cwd: run.cwd ?? ROOT, maxBuffer: 64 << 20 };
    const r =
      s.rss === 'timed' ? timeRssOnce(run.argv, `${tag} ${s.key}`, o) : timeOnce(run.argv, `${tag} ${s.key}`, o);
    run.after?.();
    if (record) {
      const out = res[s.key];
      out.ms.push(r.ms * (run.factor ?? 1));
      if (r.kb !== undefined) out.kb.push(r.kb);
      out.statuses.push(r.status);
      out.stderr = r.stderr;
      out.rawMs = [...(out.rawMs ?? []), r.ms];
    }
  };
  const maxWarm = Math.max(0, ...sides.map((s) => s.warmup ?? 0));
  for (let i = 0; i < maxWarm; i++) for (const s of sides) if ((s.warmup ?? 0) > i) once(s, false);
  const rounds = Math.max(...sides.map((s) => s.runs));
  for (let i = 0; i < rounds; i++) {
    const active = sides.filter((s) => s.runs > i);
    const k = i % active.length;
    for (const s of [...active.slice(k), ...active.slice(0, k)]) once(s, true);
    log(`${tag}: round ${i + 1}/${rounds} (${since()})`);
  }
  return res;
}

/** Separate runs under /usr/bin/time for peak RSS (KB) of each side. */
function measureRss(tag, sides, runs) {
  const out = {};
  if (!haveTime() || runs <= 0) return out;
  for (const s of sides) {
    out[s.key] = [];
    for (let i = 0; i < runs; i++) {
      const run = s.make();
      out[s.key].push(
        rssOnce(run.argv, `${tag} ${s.key}`, {
          okCodes: run.okCodes ?? [0],
          cwd: run.cwd ?? ROOT,
          maxBuffer: 64 << 20,
        }),
      );
      run.after?.();
    }
  }
  return out;
}

const withDir = (tag, make) => () => {
  const dir = freshDir(tag);
  return { argv: make(dir), after: () => fs.rmSync(dir, { recursive: true, force: true }) };
};
const fixed =
  (argv, extra = {}) =>
  () => ({ argv, ...extra });

/** Rows of the table: { id, group, name, subject, floor, goal, ... }, filled in as the groups run. */
const ROWS = [];
const facts = {}; // what the preparation found, for the notes

// ---------------------------------------------------------------- preparation

log(`preparing (${since()})...`);
const prepStarted = Date.now();
let scaffoldFloor;
if (want('scaffold')) {
  const t0 = Date.now();
  scaffoldFloor = prepareScaffoldFloor();
  facts.scaffold = { ...scaffoldFloor, ms: Date.now() - t0 };
  log(`scaffold: ${scaffoldFloor.files} files, ${scaffoldFloor.bytes} bytes; floor checked (${Date.now() - t0} ms)`);
}

let big;
let small;
let synthStamp;
if (want('regen') || want('check-big')) {
  const t0 = Date.now();
  const jobs = [buildSynthetic(`synthetic-${opts.clusters}x${opts.components}`, opts.clusters, opts.components)];
  if (want('regen'))
    jobs.push(
      buildSynthetic(`synthetic-${opts.smallClusters}x${opts.components}`, opts.smallClusters, opts.components),
    );
  synthStamp = codeStamp();
  [big, small] = await Promise.all(jobs); // two builds side by side: this is not timed
  facts.synthetic = { wallMs: Date.now() - t0, big, small };
  for (const s of [big, small].filter(Boolean)) {
    log(
      `${s.tag}: ${s.clusters} clusters × ${s.components} components (${s.stories} custom stories), ${s.files} files ` +
        `(${s.managed} managed, ${s.bases} merge bases), built with the tool in ${(s.ms / 1000).toFixed(1)} s`,
    );
  }
  log(`synthetic repositories ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (not timed)`);
}
const HASH_FLOOR = want('regen') ? writeHashFloor() : undefined;
if (HASH_FLOOR) {
  for (const s of [big, small]) {
    const r = spawnSync(NODE, [HASH_FLOOR, s.dir], { env: ENV, encoding: 'utf8' });
    if (r.status !== 0 || !r.stderr.includes(`hashed ${s.hashed} files, 0 differ`))
      fail(`${s.tag}: hash floor self-check (wanted ${s.hashed} files, 0 differ)`, r);
  }
}
facts.prepareMs = Date.now() - prepStarted;
stampCheck('during the preparation');

// ---------------------------------------------------------------- regenerate --check

/**
 * Build the synthetic repositories again (untimed) when the tool changed since they were built: regenerate's
 * fast path compares a fingerprint of the generator recorded in the manifest, and a regenerate with nothing to
 * write does not refresh it, so only a new build makes `regenerate --check` take the fast path again.
 */
async function rebuildIfCodeChanged() {
  stampCheck('before the regen row');
  if (codeStamp() === synthStamp) return;
  log(
    `note: lib/, precompiled/, templates/, catalog/ or package.json changed since the synthetic repositories were built; building them again (not timed)`,
  );
  const t0 = Date.now();
  synthStamp = codeStamp();
  [big, small] = await Promise.all([big, small].map((s) => buildSynthetic(s.tag, s.clusters, s.components)));
  Object.assign(facts.synthetic, { big, small, rebuiltMs: Date.now() - t0 });
  log(`rebuilt in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (want('regen')) {
  await rebuildIfCodeChanged();
  const regen = (s) => fixed([NODE, PLATFORM_KIT, 'regenerate', '--check', '--dir', s.dir]);
  const hash = (s) => fixed([NODE, HASH_FLOOR, s.dir]);
  const sides = [
    { key: 'big', runs: opts.regenRuns, make: regen(big) },
    { key: 'bigFloor', runs: opts.regenRuns, make: hash(big) },
    { key: 'small', runs: opts.regenRuns, make: regen(small) },
    { key: 'smallFloor', runs: opts.regenRuns, make: hash(small) },
  ];
  const t = measure('regen', sides);
  const m = measureRss('regen', sides, opts.memRuns);
  stampCheck('during the regen row (some regenerate --check runs may have missed the fast path)');
  const shown = (s) => `${KIT_SHOWN} regenerate --check --dir <tmp>/${s.tag}`;
  ROWS.push({
    id: 'regen',
    group: 'regen',
    name: `\`regenerate --check\`, nothing to do, ${big.clusters}×${big.components} (${big.hashed} files) vs read + sha256`,
    subject: { label: shown(big), ms: t.big.ms, kb: m.big ?? [] },
    floor: {
      label: `node <tmp>/floor-hash.mjs <tmp>/${big.tag}`,
      note: `reads and sha256-hashes the ${big.hashed} files the tool manages`,
      ms: t.bigFloor.ms,
      kb: m.bigFloor ?? [],
    },
    goal: { ratio: 2 },
  });
  ROWS.push({
    id: 'regen-growth',
    group: 'regen',
    name: `\`regenerate --check\` growth: ${big.clusters} vs ${small.clusters} clusters (×${big.components})`,
    subject: { label: shown(big), ms: t.big.ms, kb: m.big ?? [] },
    floor: {
      label: shown(small),
      note: `the same subject on ${small.clusters} clusters (${small.hashed} files)`,
      ms: t.small.ms,
      kb: m.small ?? [],
    },
    goal: { ratio: 2.2 },
    extra: {
      floorGrowth: median(t.bigFloor.ms) / median(t.smallFloor.ms),
      smallFloorMs: t.smallFloor.ms,
      filesGrowth: big.hashed / small.hashed,
    },
  });
}

// ---------------------------------------------------------------- help

if (want('help')) {
  const sides = [
    { key: 'subject', runs: opts.helpRuns, warmup: opts.warmup, make: fixed([NODE, PLATFORM_KIT, '--help']) },
    { key: 'floor', runs: opts.helpRuns, warmup: opts.warmup, make: fixed([NODE, '-e', '0']) },
  ];
  const t = measure('help', sides);
  const m = measureRss('help', sides, opts.memRuns);
  stampCheck('during the help row');
  ROWS.push({
    id: 'help',
    group: 'help',
    name: '`platform-kit --help` vs `node -e 0`',
    subject: { label: `${KIT_SHOWN} --help`, ms: t.subject.ms, kb: m.subject ?? [] },
    floor: { label: 'node -e 0', ms: t.floor.ms, kb: m.floor ?? [] },
    goal: { ratio: 1.5 },
  });
}

// ---------------------------------------------------------------- scaffold

if (want('scaffold')) {
  const sides = [
    { key: 'subject', runs: opts.scaffoldRuns, warmup: opts.warmup, make: withDir('subject', scaffoldArgv) },
    {
      key: 'floor',
      runs: opts.scaffoldRuns,
      warmup: opts.warmup,
      make: withDir('floor', (d) => [NODE, scaffoldFloor.script, scaffoldFloor.manifest, d]),
    },
  ];
  const t = measure('scaffold', sides);
  const m = measureRss('scaffold', sides, opts.memRuns);
  stampCheck('during the scaffold row');
  ROWS.push({
    id: 'scaffold',
    group: 'scaffold',
    name: `scaffold reference platform (infra + apps, all stories approved; ${scaffoldFloor.files} files) vs bare writer`,
    subject: { label: SCAFFOLD_SHOWN, ms: t.subject.ms, kb: m.subject ?? [] },
    floor: {
      label: 'node <tmp>/floor-write.mjs <tmp>/floor-manifest.json <fresh empty dir>',
      note: `mkdir -p + writeFileSync of the same ${scaffoldFloor.files} files (${scaffoldFloor.bytes} bytes)`,
      ms: t.floor.ms,
      kb: m.floor ?? [],
    },
    goal: { ratio: 3, absMs: 1000 },
  });
}

// ---------------------------------------------------------------- package: npm pack, install, installed --help

/** Sum of the sizes of the files under dir, and the number of installed packages (folders with a package.json name). */
function footprint(dir) {
  let bytes = 0;
  let packages = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) {
        bytes += fs.statSync(abs).size;
        if (
          e.name === 'package.json' &&
          path.basename(path.dirname(d)) !== '.bin' &&
          /node_modules[\\/](@[^\\/]+[\\/])?[^\\/]+$/.test(d)
        ) {
          try {
            if (JSON.parse(fs.readFileSync(abs, 'utf8')).name) packages++;
          } catch {
            /* not a package manifest */
          }
        }
      }
    }
  };
  walk(dir);
  return { bytes, packages };
}

const packageFacts = [];
if (want('package')) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packDir = freshDir('pack');
  const packed = spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], {
    cwd: ROOT,
    env: ENV,
    encoding: 'utf8',
  });
  if (packed.status !== 0) fail('npm pack', packed);
  const pack = JSON.parse(packed.stdout)[0];
  const tgz = path.join(packDir, pack.filename);
  const inst = freshDir('install');
  fs.writeFileSync(path.join(inst, 'package.json'), '{ "private": true }\n');
  const t0 = Date.now();
  const installed = spawnSync(npm, ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], {
    cwd: inst,
    env: ENV,
    encoding: 'utf8',
  });
  const installMs = Date.now() - t0;
  if (installed.status !== 0) {
    packageFacts.push(
      `npm install of the tarball failed (exit ${installed.status}; network?): the install and installed --help rows are skipped`,
    );
    log(`package: npm install failed:\n${installed.stderr.slice(-2000)}`);
  }
  const du = spawnSync('du', ['-sk', path.join(inst, 'node_modules')], { encoding: 'utf8' });
  const fp = installed.status === 0 ? footprint(path.join(inst, 'node_modules')) : undefined;
  facts.package = {
    files: pack.entryCount,
    packKB: pack.size / 1024,
    unpackedKB: pack.unpackedSize / 1024,
    installedMB: fp ? fp.bytes / 1024 / 1024 : undefined,
    installedDuMB: du.status === 0 ? Number(du.stdout.split(/\s/)[0]) / 1024 : undefined,
    packages: fp ? fp.packages - 0 : undefined,
    ebadengine: (`${installed.stdout}\n${installed.stderr}`.match(/EBADENGINE/g) ?? []).length,
    installMs,
  };
  log(
    `package: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KB packed; installed ` +
      `${facts.package.installedMB?.toFixed(1) ?? 'n/a'} MB (${since()})`,
  );
  if (installed.status === 0) {
    const bin = path.join(inst, 'node_modules', '.bin', 'create-platform-cluster');
    const sides = [
      { key: 'subject', runs: opts.packageHelpRuns, warmup: opts.warmup, make: fixed([bin, '--help'], { cwd: inst }) },
      { key: 'floor', runs: opts.packageHelpRuns, warmup: opts.warmup, make: fixed([NODE, '-e', '0'], { cwd: inst }) },
    ];
    const t = measure('package-help', sides);
    const m = measureRss('package-help', sides, opts.memRuns);
    ROWS.push({
      id: 'package-help',
      group: 'package',
      name: 'installed `create-platform-cluster --help` (npm install of the tarball) vs `node -e 0`',
      subject: {
        label: '<empty dir>/node_modules/.bin/create-platform-cluster --help',
        ms: t.subject.ms,
        kb: m.subject ?? [],
      },
      floor: { label: 'node -e 0', ms: t.floor.ms, kb: m.floor ?? [] },
      goal: { ratio: 1.5 },
    });
  }
}

// ---------------------------------------------------------------- check vs kubectl kustomize

const BASELINE_SH = path.join(TMP, 'baseline.sh');
fs.writeFileSync(
  BASELINE_SH,
  `#!/bin/sh
# The naive CI loop: one kubectl kustomize per Flux Kustomization, one after another.
fails=0
while IFS= read -r p; do
  kubectl kustomize "$p" >/dev/null 2>&1 </dev/null || fails=$((fails + 1))
done < "$1"
echo "failed $fails" >&2
`,
);

let lib;
const checkRepos = [];
if (want('check-ref')) {
  checkRepos.push({
    id: 'ref',
    name: 'reference platform',
    shownDir: 'examples/reference-platform',
    dir: REFERENCE,
    okCodes: [0, 1],
    runs: opts.refRuns,
    baseRuns: opts.refBaseRuns,
  });
}
if (want('check-big')) {
  checkRepos.push({
    id: 'big',
    name: `synthetic ${big.clusters}×${big.components}`,
    shownDir: `<tmp>/${big.tag}`,
    dir: big.dir,
    okCodes: [0],
    runs: opts.bigRuns,
    baseRuns: opts.bigBaseRuns,
  });
}
// The corpus: every folder of --corpus DIR / $CPC_CORPUS is a real repository (a clone, not ours), checked as it is;
// errors are accepted there (they are what the corpus run triages), so exit 1 is a normal outcome.
const corpusNotes = [];
if (want('corpus')) {
  const dir = opts.corpus ? path.resolve(opts.corpus) : undefined;
  if (!dir) corpusNotes.push('no corpus folder (--corpus DIR or CPC_CORPUS): the corpus rows are skipped');
  else if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    corpusNotes.push(`corpus folder ${dir} does not exist: the corpus rows are skipped`);
  else {
    // Folders, or symbolic links to folders (a corpus put together from clones kept elsewhere).
    const names = fs
      .readdirSync(dir)
      .filter((n) => !n.startsWith('.') && fs.statSync(path.join(dir, n), { throwIfNoEntry: false })?.isDirectory())
      .sort();
    if (!names.length) corpusNotes.push(`corpus folder ${dir} has no repository folder: the corpus rows are skipped`);
    for (const name of names) {
      const clusterPaths = opts.corpusClusterPaths[name];
      const commit = spawnSync('git', ['-C', path.join(dir, name), 'rev-parse', '--short', 'HEAD'], {
        encoding: 'utf8',
      });
      checkRepos.push({
        id: `corpus-${name}`,
        corpus: true,
        name: `corpus ${name}${commit.status === 0 ? ` @${commit.stdout.trim()}` : ''}`,
        shownDir: `$CPC_CORPUS/${name}${(clusterPaths ?? []).map((p) => ` --cluster-path '${p}'`).join('')}`,
        dir: path.join(dir, name),
        clusterPaths,
        okCodes: [0, 1],
        runs: opts.corpusRuns,
        baseRuns: opts.corpusBaseRuns,
      });
    }
  }
  for (const n of corpusNotes) log(`note: ${n}`);
}

/**
 * The stride K: 1 when a full baseline run is estimated within --kubectl-budget; else --sample K (capped at the
 * cluster count), or with --sample auto the smallest K that fits the budget, preferring divisors of the cluster
 * count (then every position is sampled on exactly clusters/K clusters), at most the cluster count.
 */
function chooseStride(estimateMs, clusters) {
  const budgetMs = opts.kubectlBudget * 1000;
  if (estimateMs <= budgetMs) return 1;
  if (opts.sample !== 'auto') return Math.min(opts.sample, clusters);
  const divisors = Array.from({ length: clusters }, (_, i) => i + 1).filter((k) => clusters % k === 0);
  return divisors.find((k) => estimateMs / k <= budgetMs) ?? clusters;
}

for (const repo of checkRepos) {
  lib ??= createRequire(import.meta.url)(LIB_INDEX);
  const flags = (repo.clusterPaths ?? []).flatMap((p) => ['--cluster-path', p]);
  const checkArgv = (build) => [
    NODE,
    PLATFORM_KIT,
    'check',
    '--dir',
    repo.dir,
    ...flags,
    ...(build ? ['--build'] : []),
  ];
  const shown = (build) => `${KIT_SHOWN} check --dir ${repo.shownDir}${build ? ' --build' : ''}`;

  // The graph: every Flux Kustomization of every cluster, from the library (in this process, not timed).
  let g;
  try {
    g = await lib.check({ dir: repo.dir, clusterPaths: repo.clusterPaths });
  } catch (e) {
    if (!repo.corpus) throw e;
    // A corpus repository the check cannot start on (no entry found: exit 2) has no rows; the notes say why.
    corpusNotes.push(`${repo.id}: skipped, check stops: ${String(e?.message ?? e).split('\n')[0]}`);
    log(`${repo.id}: skipped (${String(e?.message ?? e).split('\n')[0]})`);
    continue;
  }
  const nodes = []; // { ci, j, path }
  let external = 0;
  g.clusters.forEach((cluster, ci) => {
    let j = 0;
    for (const n of g.graphs[cluster].nodes) {
      if (n.external) {
        external++;
        continue;
      }
      nodes.push({ ci, j: j++, path: n.path || '.' });
    }
  });
  const distinct = new Set(nodes.map((n) => n.path)).size;

  // Its errors (the graph run above is also the warm-up of check); the timed runs accept only repo.okCodes.
  const errors = g.findings
    .filter((f) => f.severity === 'error')
    .map((f) => (repo.corpus ? f.code : `${f.code} ${f.file ?? ''}`));
  if (repo.okCodes.length === 1 && errors.length) {
    log(
      `${repo.name}: check reports ${errors.length} error(s); it must report none:\n  ${errors.slice(0, 20).join('\n  ')}`,
    );
    process.exit(1);
  }
  // Exit 1 is accepted only when the repository has errors: a clean repository must check clean every time
  // (a failing run is fast and would pull the median down).
  if (!errors.length) repo.okCodes = [0];

  // Probe (also the warm-up of kubectl): up to 12 evenly spread Flux Kustomizations.
  const probeN = Math.min(12, nodes.length);
  const probe = [...new Set(Array.from({ length: probeN }, (_, i) => Math.floor((i * nodes.length) / probeN)))].map(
    (i) => nodes[i],
  );
  const probeFile = path.join(TMP, `${repo.id}-probe.txt`);
  fs.writeFileSync(probeFile, probe.map((n) => n.path).join('\n') + '\n');
  const p = timeOnce(['/bin/sh', BASELINE_SH, probeFile], `${repo.id} kubectl probe`, { cwd: repo.dir });
  const perRunMs = p.ms / probe.length;
  const estimateMs = perRunMs * nodes.length;
  const stride = chooseStride(estimateMs, g.clusters.length);
  // Stratified: position j of cluster ci is in the sample when (j + ci) % stride == 0, so every position
  // (entry, lane, component k) is sampled on the same share of clusters.
  const sample = nodes.filter((n) => (n.j + n.ci) % stride === 0);
  const factor = nodes.length / sample.length;
  const listFile = path.join(TMP, `${repo.id}-paths.txt`);
  fs.writeFileSync(listFile, sample.map((n) => n.path).join('\n') + '\n');
  log(
    `${repo.id}: ${nodes.length} Flux Kustomizations on ${distinct} paths; kubectl ~${Math.round(perRunMs)} ` +
      `ms a run, a full loop ~${(estimateMs / 1000).toFixed(0)} s` +
      (stride > 1 ? `; measuring 1 in ${stride} (${sample.length}) ×${factor.toFixed(2)}` : '') +
      ` (${since()})`,
  );

  const sides = [
    { key: 'check', runs: repo.runs, rss: 'timed', make: fixed(checkArgv(false), { okCodes: repo.okCodes }) },
    { key: 'build', runs: repo.runs, rss: 'timed', make: fixed(checkArgv(true), { okCodes: repo.okCodes }) },
    {
      key: 'base',
      runs: repo.baseRuns,
      rss: 'timed',
      make: fixed(['/bin/sh', BASELINE_SH, listFile], { cwd: repo.dir, factor }),
    },
  ];
  const t = measure(`check-${repo.id}`, sides);
  stampCheck(`during the check-${repo.id} rows`);
  const baseFailed = Number(/failed (\d+)/.exec(t.base.stderr)?.[1] ?? NaN);
  const info = {
    repo: repo.name,
    clusters: g.clusters.length,
    walked: nodes.length,
    external,
    distinct,
    errors,
    stride,
    sampled: sample.length,
    factor,
    estimateMs,
    perRunMs,
    baseFailed,
    baseRawMs: t.base.rawMs,
    buildStatuses: t.build.statuses,
    checkStatuses: t.check.statuses,
  };
  facts[`check-${repo.id}`] = info;
  info.shownDir = repo.shownDir;
  const floor = {
    label: `kubectl kustomize <path> per Flux Kustomization, ${nodes.length} runs in a /bin/sh loop`,
    ms: t.base.ms,
    kb: t.base.kb,
    extrapolated: stride > 1,
  };
  const goals = repo.corpus ? [0.15, 0.3] : [0.2, 0.6];
  for (const [key, build, goal] of [
    ['check', false, goals[0]],
    ['build', true, goals[1]],
  ]) {
    ROWS.push({
      id: `${repo.corpus ? '' : 'check-'}${repo.id}${build ? '-build' : ''}`,
      group: repo.corpus ? 'corpus' : `check-${repo.id}`,
      name: `\`check${build ? ' --build' : ''}\` ${repo.name} (${nodes.length} Flux Ks, ${distinct} paths) vs kubectl loop`,
      subject: { label: shown(build), ms: t[key].ms, kb: t[key].kb },
      floor,
      goal: { ratio: goal },
      info,
    });
  }
}

const elapsedS = (Date.now() - started) / 1000;
log(`done in ${elapsedS.toFixed(0)} s`);

// ---------------------------------------------------------------- report

const machine = machineFacts({ kubectl: kubectlVersion ?? 'not found', kustomize: kustomizeVersion ?? 'not found' });
/** The measured tree: commit, and whether the tool's sources had uncommitted changes. */
const tree = (() => {
  const git = (...args) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git(
    'status',
    '--porcelain',
    '--',
    'src',
    'catalog',
    'templates',
    'precompiled',
    'package.json',
  ).stdout.trim();
  // Without the build's lib/built/ (a bare tsc) every template is compiled and the catalog validated at run time.
  const built = fs.existsSync(path.join(ROOT, 'lib', 'built', 'templates.cjs'))
    ? ''
    : ' (no lib/built/: run npx projen post-compile)';
  return `commit ${head.stdout.trim()}${dirty ? ' plus uncommitted changes to the tool' : ''}${built}`;
})();
const fms = (x) => (x < 100 ? x.toFixed(1) : x.toFixed(0));
const fr = (x) => (x < 0.1 ? x.toPrecision(2) : x.toFixed(2));
const mb = (kbs) => (kbs?.length ? (median(kbs) / 1024).toFixed(0) : 'n/a');
const spreadMs = (xs) => `${fms(Math.min(...xs))}–${fms(Math.max(...xs))}`;

ROWS.sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group)); // regen runs first, closest to its build; shown third
const summary = {};
const table = tableHead(
  ['row', 'subject median (ms)', 'floor median (ms)', 'ratio', 'goal', 'met?', 'peak RSS subject / floor (MB)'],
  'lrrrllr',
);
for (const r of ROWS) {
  const sm = median(r.subject.ms);
  const fm = median(r.floor.ms);
  const ratio = sm / fm;
  let met = ratio <= r.goal.ratio;
  let goal = `≤ ${r.goal.ratio}×`;
  if (r.goal.absMs !== undefined) {
    goal += ` and < ${r.goal.absMs / 1000} s`;
    met = met && sm < r.goal.absMs;
  }
  const star = r.floor.extrapolated ? '*' : '';
  summary[r.id] = {
    subjectMedianMs: sm,
    floorMedianMs: fm,
    ratio,
    goal,
    met,
    floorExtrapolated: !!r.floor.extrapolated,
    subjectRssMB: r.subject.kb.length ? median(r.subject.kb) / 1024 : undefined,
    floorRssMB: r.floor.kb.length ? median(r.floor.kb) / 1024 : undefined,
  };
  table.push(
    `| ${r.name} | ${fms(sm)} | ${fms(fm)}${star} | ${fr(ratio)}×${star} | ${goal} | ${met ? 'yes' : '**no**'} | ${mb(r.subject.kb)} / ${mb(r.floor.kb)} |`,
  );
}

/** The package rows: sizes, not times (no floor; the goals of issue 16). */
const packageTable = [];
if (facts.package) {
  const p = facts.package;
  const mb1 = (x) => (x === undefined ? 'n/a' : x.toFixed(1));
  packageTable.push(
    ...tableHead(['package row', 'value', 'goal', 'met?'], 'lrll'),
    `| \`npm pack\`: files, tarball KB (unpacked KB) | ${p.files} files, ${p.packKB.toFixed(0)} KB ` +
      `(${p.unpackedKB.toFixed(0)} KB) | run-time files only (test/package-files) | — |`,
    `| installed: MB (file sizes; \`du -sk\` in parentheses), packages | ${mb1(p.installedMB)} MB ` +
      `(${mb1(p.installedDuMB)} MB), ${p.packages ?? 'n/a'} packages | ≤ 25 MB | ` +
      `${p.installedMB === undefined ? 'n/a' : p.installedMB <= 25 ? 'yes' : '**no**'} |`,
    `| EBADENGINE lines of the install on ${process.version} | ${p.ebadengine} | 0 | ${p.ebadengine === 0 ? 'yes' : '**no**'} |`,
  );
  summary.package = p;
}

const runsLine =
  `runs per side: help ${opts.helpRuns}, scaffold ${opts.scaffoldRuns} (after ${opts.warmup} warm-up each), regen ${opts.regenRuns}; ` +
  `check and check --build ${opts.refRuns} (reference) / ${opts.bigRuns} (synthetic) / ${opts.corpusRuns} (corpus), ` +
  `kubectl loop ${opts.refBaseRuns} / ${opts.bigBaseRuns} / ${opts.corpusBaseRuns}; ` +
  `peak RSS: ${opts.memRuns} separate run(s) (help, scaffold, regen), the timed runs (check rows)`;

const notes = [];
if (codeChanges.length) {
  notes.push(
    `- **Warning**: lib/, precompiled/, templates/, catalog/ or package.json changed while the bench ran (${codeChanges.join(', ')}): ` +
      'someone recompiled or edited the tool, so rows may have measured different versions of it. Rerun on a quiet tree.',
  );
}
if (facts.synthetic) {
  const parts = [big, small]
    .filter(Boolean)
    .map(
      (s) =>
        `${s.tag} (${s.clusters} clusters × ${s.components} components in ${s.stories} custom stories, ` +
        `${s.files} files: ${s.managed} managed (platform.yaml included) + ${s.bases} merge bases + the manifest)`,
    );
  notes.push(
    `- Synthetic repositories, built with the tool before timing in ${(facts.synthetic.wallMs / 1000).toFixed(1)} s (not timed, side by side)` +
      (facts.synthetic.rebuiltMs
        ? `, and again before the regen row in ${(facts.synthetic.rebuiltMs / 1000).toFixed(1)} s because the tool had changed`
        : '') +
      `: ${parts.join('; ')}.`,
  );
}
for (const r of ROWS) {
  const extra =
    r.id === 'regen-growth'
      ? ` The files to read grow ×${f2(r.extra.filesGrowth)} and the hashing floor ` +
        `×${f2(r.extra.floorGrowth)} (${fms(median(r.extra.smallFloorMs))} ms on ${small.clusters} clusters) over the same step.`
      : '';
  notes.push(
    `- ${r.id}: spread (min–max ms) subject ${spreadMs(r.subject.ms)}, floor ${spreadMs(r.floor.ms)}.${extra}`,
  );
}
/** Corpus errors as `CODE n` (their files are in the corpus run, scripts/corpus.mjs); others as the distinct `CODE file`. */
const errorList = (repo, errors) =>
  (repo.corpus
    ? [...errors.reduce((m, c) => m.set(c, (m.get(c) ?? 0) + 1), new Map())].map(([c, n]) => `${c} ${n}`)
    : [...new Set(errors)]
  ).join('; ');
for (const repo of checkRepos) {
  const i = facts[`check-${repo.id}`];
  if (!i) continue; // a corpus repository the check could not start on (in corpusNotes)
  notes.push(
    `- check ${repo.id}: ${i.clusters} clusters, ${i.walked} Flux Kustomizations (${i.external} external skipped) on ${i.distinct} distinct paths; ` +
      `kubectl ≈ ${fms((median(i.baseRawMs) * i.factor) / i.walked)} ms a run; ${i.baseFailed} of the measured kubectl runs failed; ` +
      `check reports ${i.errors.length} error(s)${i.errors.length ? ` (${errorList(repo, i.errors)})` : ''}` +
      `${i.buildStatuses.some((s) => s !== 0) ? `; check --build exited ${[...new Set(i.buildStatuses)].join('/')}` : ''}.`,
  );
  if (i.stride > 1) {
    notes.push(
      `  (*) extrapolated: kubectl ran on 1 in ${i.stride} Flux Kustomizations (${i.sampled}, stratified: position j of cluster i when ` +
        `(i + j) mod ${i.stride} = 0, so every entry, lane and component is sampled on the same share of clusters), ` +
        `median ${fms(median(i.baseRawMs))} ms × ${f2(i.factor)}; a full loop was estimated at ${(i.estimateMs / 1000).toFixed(0)} s.`,
    );
  }
}
for (const n of corpusNotes) notes.push(`- corpus: ${n}`);
for (const n of packageFacts) notes.push(`- package: ${n}`);
if (facts.package) {
  notes.push(
    `- package: \`npm pack\` of this tree, then \`npm install <tgz> --prefer-offline\` in an empty folder (${(facts.package.installMs / 1000).toFixed(1)} s, ` +
      'network allowed for the dependencies); installed MB = the sum of the file sizes under node_modules, `du -sk` (file-system blocks) in parentheses.',
  );
}
notes.push(
  haveTime()
    ? `- Peak RSS: max resident set size from \`${TIME_BIN} -f %M\`, median over runs; the largest single process of the tree ` +
        '(node, or one kubectl), not a sum. help, scaffold and regen: separate runs after the timing; check rows: the timed runs ' +
        `themselves (every side under ${TIME_BIN}; ~1 ms on runs of seconds), so the heavy runs are not repeated.`
    : `- Peak RSS: n/a (needs Linux and ${TIME_BIN}).`,
);

const commands = [];
for (const r of ROWS) {
  if (r.id === 'regen-growth') continue; // the same commands as regen, on the small repository
  commands.push(`- ${r.id}: \`${r.subject.label}\``);
  if (r.group === 'help' || r.group === 'scaffold' || r.group === 'regen' || r.group === 'package') {
    commands.push(`  floor: \`${r.floor.label}\`${r.floor.note ? ` — ${r.floor.note}` : ''}`);
  }
}
if (ROWS.some((r) => r.id === 'regen-growth')) commands.push(`- regen-growth: the same on <tmp>/${small.tag}`);
if (checkRepos.length) {
  commands.push(
    '- check floors: `/bin/sh <tmp>/baseline.sh <list>`: `kubectl kustomize <path> >/dev/null` for each path of the list, one after another.',
  );
}

const machineLines = [
  `- CPU: ${machine.cpu}, ${machine.cores} cores`,
  `- RAM: ${machine.totalMemGB} GB`,
  `- OS: ${machine.os}`,
  `- Node: ${machine.node}`,
  `- kubectl: ${machine.kubectl}, kustomize: ${machine.kustomize}`,
];

const report = [
  '## create-platform-cluster bench',
  '',
  ...machineLines,
  `- date: ${machine.date}`,
  `- tree: ${tree}`,
  `- ${runsLine}`,
  `- options: ${argvShown || '(defaults)'}; total ${elapsedS.toFixed(0)} s (preparation ${(facts.prepareMs / 1000).toFixed(0)} s)`,
  '',
  ...table,
  '',
  ...(packageTable.length ? [...packageTable, ''] : []),
  ...notes,
  '',
  'Commands:',
  ...commands,
];
process.stdout.write(report.join('\n') + '\n');

if (opts.markdown) {
  const md = [
    '# Benchmarks',
    '',
    `The figures below are from **one run** of \`${['node bench/run.mjs', argvShown.replace(/--markdown(=|\s+)\S+/, '').trim()].filter(Boolean).join(' ')}\` ` +
      `on ${machine.date.slice(0, 10)}, on the machine described under it, written by \`--markdown\`. ` +
      'They are a snapshot, not a promise: every figure is a ratio against a floor measured in the same run, ' +
      'on a small shared machine, so rerun the bench (below) before reading small differences.',
    '',
    '## Results',
    '',
    ...table,
    '',
    ...(packageTable.length ? [...packageTable, ''] : []),
    (ROWS.some((r) => r.floor.extrapolated)
      ? '(*) floor extrapolated from a sample of the kubectl runs (see the notes). '
      : '') +
      'Goal: the goal of issue 8; "met?" compares the medians of this run with it. Peak RSS: the largest single process (MB).',
    '',
    '## Machine',
    '',
    ...machineLines,
    `- measured: ${machine.date}`,
    '',
    '## Options of this run',
    '',
    `- command: \`node bench/run.mjs ${argvShown}\``.replace(/ `$/, '`'),
    `- tree: ${tree}`,
    `- ${runsLine}`,
    `- kubectl sampling: loops estimated over ${opts.kubectlBudget} s sampled, K ${opts.sample === 'auto' ? 'auto' : opts.sample}; ` +
      `synthetic repositories: ${opts.clusters} and ${opts.smallClusters} clusters × ${opts.components} components`,
    `- total time: ${elapsedS.toFixed(0)} s, of which ${(facts.prepareMs / 1000).toFixed(0)} s preparation (scaffold floor, synthetic repositories)`,
    '',
    '## Notes',
    '',
    ...notes,
    '',
    '## Commands',
    '',
    ...commands,
    '',
    '## What each floor is',
    '',
    "A floor is the smallest honest program that does the unavoidable part of the subject's job, run the same way " +
      "(a fresh `node` or `/bin/sh` process, timed from spawn to exit), interleaved with the subject so the machine's " +
      'noise hits both. The ratio is what the tool adds on top.',
    '',
    '- **`--help`**: `node -e 0`, Node starting and exiting. The ratio is the cost of loading the CLI before it can print anything.',
    '- **scaffold**: a bare Node script that reads a JSON list of (path, bytes) captured from one scaffold before timing and ' +
      '`mkdir -p`s and `writeFileSync`s exactly those bytes to the same paths in a fresh empty directory (checked byte for ' +
      "byte against the CLI's output). The ratio is what planning, validation, template rendering and module loading add " +
      'to writing the result. The absolute < 1 s goal is a user-facing ceiling.',
    '- **regenerate --check**: a bare Node script that reads every file the tool manages in the repository — `platform.yaml`, ' +
      "`.platform/manifest.json`, every path listed in the manifest's `files`, and every file under `.platform/base/` (the merge " +
      'bases) — sha256-hashes each, and compares the managed ones with the manifest. That is the I/O and hashing any ' +
      'up-to-date check must do; the ratio is what the tool adds on top (loading, fingerprinting its inputs, and ' +
      'rendering everything from `platform.yaml` and the templates whenever its "nothing to do" fast path does not apply). ' +
      'The growth row has no floor of its own: it divides the subject on the big repository by the same subject on the ' +
      'small one (same components, half the clusters); linear in clusters would be ≤ 2×.',
    '- **check / check --build**: the naive CI loop, `kubectl kustomize <path>` once per Flux Kustomization of every cluster, ' +
      "one after another (a `/bin/sh` loop, output discarded). The Flux Kustomizations come from the checker's own graph " +
      '(external ones skipped), so a component folder wired on 20 clusters is built 20 times. On the synthetic repository ' +
      'the loop is sampled (stratified 1 in K, marked *) and scaled up to keep the bench within five minutes. The corpus ' +
      'rows use the same loop on each real repository of the corpus folder (`--corpus DIR` or `CPC_CORPUS`), over the ' +
      'Kustomizations the check walked there: a check that walks less also has a cheaper floor, so read the ratio with the ' +
      '"Flux Ks" count of the row (and the corpus run, `scripts/corpus.mjs`).',
    '',
    '## How to reproduce',
    '',
    '```sh',
    'npm ci',
    "npx projen compile && npx projen post-compile    # tsc, then lib/built/ and the bins' bundles (lib/bundle/)",
    `node bench/run.mjs                               # prints the table (this run: ${elapsedS.toFixed(0)} s); needs kubectl on PATH`,
    'node bench/run.mjs --markdown BENCHMARKS.md      # and rewrites this file',
    'node bench/run.mjs --runs 7 --sample 10          # more runs, a denser kubectl sample (slower)',
    'node bench/run.mjs --only help,scaffold          # a subset of the rows',
    '```',
    '',
    '`npm run bench` compiles and runs it (arguments after `--` are passed on). See `bench/README.md` for every flag.',
    '',
  ];
  const abs = path.resolve(process.cwd(), opts.markdown);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, md.join('\n'));
  log(`wrote ${abs}`);
}

if (opts.json) {
  writeJson(opts.json, {
    machine,
    tree,
    options: opts,
    elapsedSeconds: elapsedS,
    facts,
    summary,
    rows: ROWS.map((r) => ({ id: r.id, name: r.name, goal: r.goal, subject: r.subject, floor: r.floor })),
  });
}

cleanup();
