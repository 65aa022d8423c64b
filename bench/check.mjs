#!/usr/bin/env node
// Benchmark for `platform-kit check`. Plain Node (ESM), built-ins only.
//
//   npx tsc -p tsconfig.json && node bench/check.mjs [--runs N] [--ref-runs N] [--big-runs N]
//        [--mem-runs M] [--sample K|auto] [--budget S] [--clusters N] [--components N]
//        [--only ref|big] [--json FILE]
//
// Two subjects, `platform-kit check` (A) and `platform-kit check --build` (B),
// against one baseline measured in the same run: `kubectl kustomize <path>` once
// per Flux Kustomization of every cluster, one after another (a naive CI loop).
// Figures are ratios of medians of interleaved runs. See bench/README.md.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  ENV, NODE, PLATFORM_KIT, ROOT, TIME_BIN, cleanup, f0, f2, fail, haveTime, machineFacts, makeTempDir,
  median, parseFlags, printUsage, reportHead, requireCompiled, rssOnce, spread, tableHead, timeOnce, writeJson,
} from './lib.mjs';

const LIB_INDEX = path.join(ROOT, 'lib/index.js');
const REFERENCE = path.join(ROOT, 'examples/reference-platform');
const KUBECTL = 'kubectl';

// ---------------------------------------------------------------- arguments

const usage = (code) => printUsage(
  [
    'usage: node bench/check.mjs [options]',
    '',
    '  --runs N        timed runs per side on both repositories (sets --ref-runs and --big-runs)',
    '  --ref-runs N    timed runs per side on the reference platform (default 5)',
    '  --big-runs N    timed runs per side on the synthetic repository (default 3)',
    '  --mem-runs M    separate runs per subject for peak RSS via /usr/bin/time (default 1, 0 to skip)',
    '  --sample K      baseline runs kubectl on 1 of every K Flux Kustomizations and extrapolates;',
    '                  auto (default): K=1 if the full loop is estimated under --budget, else K>=10',
    '  --budget S      seconds one full baseline run may take before auto sampling kicks in (default 600)',
    '  --clusters N    clusters of the synthetic repository (default 20)',
    '  --components N  components of the synthetic repository (default 200)',
    '  --only WHICH    ref or big: measure only that repository',
    '  --json FILE     also write every sample and the machine to FILE',
    '',
    'Compile first: npx tsc -p tsconfig.json. Needs kubectl on PATH.',
    '',
  ],
  code,
);

function parseArgs(argv) {
  const opts = { refRuns: 5, bigRuns: 3, memRuns: 1, sample: 'auto', budget: 600, clusters: 20, components: 200, only: undefined, json: undefined };
  parseFlags(argv, {
    '--runs': (next, int) => { opts.refRuns = opts.bigRuns = int(next(), 1); },
    '--ref-runs': (next, int) => { opts.refRuns = int(next(), 1); },
    '--big-runs': (next, int) => { opts.bigRuns = int(next(), 1); },
    '--mem-runs': (next, int) => { opts.memRuns = int(next(), 0); },
    '--sample': (next, int) => { const v = next(); opts.sample = v === 'auto' ? 'auto' : int(v, 1); },
    '--budget': (next, int) => { opts.budget = int(next(), 1); },
    '--clusters': (next, int) => { opts.clusters = int(next(), 1); if (opts.clusters > 99) usage(2); },
    '--components': (next, int) => { opts.components = int(next(), 1); if (opts.components > 999) usage(2); },
    '--only': (next) => { opts.only = next(); if (!['ref', 'big'].includes(opts.only)) usage(2); },
    '--json': (next) => { opts.json = next(); if (!opts.json) usage(2); },
  }, usage);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

requireCompiled([PLATFORM_KIT, LIB_INDEX]);

// ---------------------------------------------------------------- temp dirs

const TMP = makeTempDir('pcc-bench-check-');

// ---------------------------------------------------------------- running

// Options of one measured run here: accepted exit codes, cwd (default ROOT), up to 64 MiB of stderr.
const measureOpts = (okCodes, cwd) => ({ okCodes, cwd, maxBuffer: 64 << 20 });

const kv = spawnSync(KUBECTL, ['version', '--client'], { env: ENV, encoding: 'utf8' });
if (kv.error || kv.status !== 0) {
  process.stderr.write(`kubectl is needed (the baseline and check --build run it): ${kv.error?.message ?? kv.stderr}\n`);
  process.exit(2);
}
const kubectlVersion = kv.stdout.trim().split('\n').join(', ');

// ---------------------------------------------------------------- synthetic repository

const pad = (n, w) => String(n).padStart(w, '0');

/** clusters × components: one lane `apps` per cluster listing every shared component folder. */
function generateSynthetic(dir, clusters, components) {
  const files = new Map();
  const put = (rel, text) => files.set(rel, text.replace(/^\n/, ''));
  const app = (i) => `app-${pad(i, 3)}`;
  const K = 'kubernetes';
  for (let c = 1; c <= clusters; c++) {
    const name = `c${pad(c, 2)}`;
    put(`${K}/clusters/${name}/kustomization.yaml`, `
# Entry point of cluster ${name} (synthetic bench repository).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./cluster-settings.yaml
  - ./apps.yaml
`);
    put(`${K}/clusters/${name}/cluster-settings.yaml`, `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-settings
  namespace: flux-system
data:
  CLUSTER_NAME: "${name}"
  REPLICAS: "${(c % 3) + 1}"
`);
    put(`${K}/clusters/${name}/apps.yaml`, `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  path: ./${K}/clusters/${name}/apps
  sourceRef:
    kind: GitRepository
    name: flux-system
  interval: 30m
  prune: true
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
`);
    const list = Array.from({ length: components }, (_, i) => `  - ../../../apps/${app(i + 1)}\n`).join('');
    put(`${K}/clusters/${name}/apps/kustomization.yaml`, `
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${list}`);
  }
  for (let i = 1; i <= components; i++) {
    const a = app(i);
    const deps = i % 10 === 0 && i > 1 ? `  dependsOn:\n    - name: ${app(i - 1)}\n` : '';
    put(`${K}/apps/${a}/kustomization.yaml`, `
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./ks.yaml
`);
    put(`${K}/apps/${a}/ks.yaml`, `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${a}
  namespace: flux-system
spec:
  path: ./${K}/apps/${a}/app
  sourceRef:
    kind: GitRepository
    name: flux-system
  interval: 1h
  prune: true
  targetNamespace: default
${deps}  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-settings
`);
    put(`${K}/apps/${a}/app/kustomization.yaml`, `
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./deployment.yaml
  - ./service.yaml
`);
    put(`${K}/apps/${a}/app/deployment.yaml`, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${a}
  namespace: default
  labels:
    app.kubernetes.io/name: ${a}
    example.com/cluster: \${CLUSTER_NAME}
spec:
  replicas: \${REPLICAS}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${a}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${a}
    spec:
      containers:
        - name: app
          image: registry.k8s.io/pause:3.10
          ports:
            - containerPort: 8080
          env:
            - name: CLUSTER_NAME
              value: \${CLUSTER_NAME}
`);
    put(`${K}/apps/${a}/app/service.yaml`, `
apiVersion: v1
kind: Service
metadata:
  name: ${a}
  namespace: default
  annotations:
    example.com/cluster: \${CLUSTER_NAME}
spec:
  selector:
    app.kubernetes.io/name: ${a}
  ports:
    - port: 80
      targetPort: 8080
`);
  }
  for (const [rel, text] of files) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  return files.size;
}

// ---------------------------------------------------------------- repositories

const require = createRequire(import.meta.url);
const lib = require(LIB_INDEX);

const REPOS = [];
if (opts.only !== 'big') {
  REPOS.push({ id: 'ref', name: 'reference platform', dir: REFERENCE, clusterPaths: [], runs: opts.refRuns, okCodes: [0, 1] });
}
if (opts.only !== 'ref') {
  const dir = path.join(TMP, 'synthetic');
  const t0 = Date.now();
  const nFiles = generateSynthetic(dir, opts.clusters, opts.components);
  process.stderr.write(`synthetic: ${opts.clusters} clusters × ${opts.components} components, ${nFiles} files in ${Date.now() - t0} ms\n`);
  REPOS.push({
    id: 'big',
    name: `synthetic ${opts.clusters}×${opts.components}`,
    dir,
    clusterPaths: ['kubernetes/clusters/*'],
    runs: opts.bigRuns,
    okCodes: [0], // must be clean: any error is a bug in the generator or in check
    expect: { walked: opts.clusters * (opts.components + 2), distinct: 2 * opts.clusters + opts.components },
  });
}

const checkArgv = (repo, build) => [
  NODE, PLATFORM_KIT, 'check', '--dir', repo.dir,
  ...repo.clusterPaths.flatMap((p) => ['--cluster-path', p]),
  ...(build ? ['--build'] : []),
];
const shownArgv = (repo, build) =>
  `node lib/cli/platform-kit.js check --dir ${repo.id === 'ref' ? 'examples/reference-platform' : '<tmp>/synthetic'}` +
  repo.clusterPaths.map((p) => ` --cluster-path '${p}'`).join('') + (build ? ' --build' : '');

/** One run with --json, outside timing: its summary, and the first errors when it has any. */
function verify(repo, build) {
  const argv = [...checkArgv(repo, build), '--json'];
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error || ![0, 1].includes(r.status)) fail(`${repo.id}: ${shownArgv(repo, build)} --json`, r);
  const out = JSON.parse(r.stdout);
  const errors = out.findings.filter((f) => f.severity === 'error');
  if (!repo.okCodes.includes(r.status) || (repo.id === 'big' && errors.length)) {
    process.stderr.write(`\n${repo.name}: ${shownArgv(repo, build)} reports ${errors.length} error(s); it must report none:\n`);
    for (const f of errors.slice(0, 20)) process.stderr.write(`  ${f.code} ${f.cluster ?? ''} ${f.file ?? ''}:${f.line ?? ''} ${f.message}\n`);
    cleanup();
    process.exit(1);
  }
  return { summary: out.summary, errors: errors.map((f) => `${f.code} ${f.file ?? ''}`) };
}

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

const started = Date.now();
const results = {};

for (const repo of REPOS) {
  const res = (results[repo.id] = { A: [], B: [], base: [], rssA: [], rssB: [] });

  // The graph: every Flux Kustomization of every cluster, from the library.
  const g = await lib.check({ dir: repo.dir, clusterPaths: repo.clusterPaths.length ? repo.clusterPaths : undefined });
  const nodes = []; // { cluster, ci, j, path }
  let external = 0;
  g.clusters.forEach((cluster, ci) => {
    let j = 0;
    for (const n of g.graphs[cluster].nodes) {
      if (n.external) { external++; continue; }
      nodes.push({ cluster, ci, j: j++, path: n.path || '.' });
    }
  });
  const distinct = new Set(nodes.map((n) => n.path)).size;
  Object.assign(res, { clusters: g.clusters.length, walked: nodes.length, external, distinct });
  if (repo.expect && (repo.expect.walked !== nodes.length || repo.expect.distinct !== distinct)) {
    process.stderr.write(`${repo.name}: expected ${repo.expect.walked} Flux Kustomizations on ${repo.expect.distinct} paths, the graph has ${nodes.length} on ${distinct}\n`);
    process.exit(1);
  }

  // Verification runs (also the warm-up of A and B): A must be clean on the synthetic repo, and so must B.
  process.stderr.write(`${repo.id}: verifying (check, check --build)...\n`);
  res.verifyA = verify(repo, false);
  res.verifyB = verify(repo, true);

  // Probe (also the warm-up of the baseline): kubectl on up to 12 evenly spread nodes.
  const probe = Array.from(new Set(Array.from({ length: Math.min(12, nodes.length) }, (_, i) => Math.floor((i * nodes.length) / Math.min(12, nodes.length)))));
  const probeFile = path.join(TMP, `${repo.id}-probe.txt`);
  fs.writeFileSync(probeFile, probe.map((i) => nodes[i].path).join('\n') + '\n');
  const p = timeOnce(['/bin/sh', BASELINE_SH, probeFile], `${repo.id} baseline probe`, measureOpts([0], repo.dir));
  const perRunMs = p.ms / probe.length;
  const estimateMs = perRunMs * nodes.length;
  let stride = opts.sample === 'auto' ? (estimateMs <= opts.budget * 1000 ? 1 : Math.max(10, Math.ceil(estimateMs / (opts.budget * 1000)))) : opts.sample;
  stride = Math.min(stride, nodes.length);
  // Stratified: position j of cluster ci is in the sample when (j + ci) % stride == 0, so each
  // position (entry, lane, component k) is sampled on the same share of clusters.
  const sample = nodes.filter((n) => (n.j + n.ci) % stride === 0);
  const factor = nodes.length / sample.length;
  const listFile = path.join(TMP, `${repo.id}-paths.txt`);
  fs.writeFileSync(listFile, sample.map((n) => n.path).join('\n') + '\n');
  Object.assign(res, { probe: { runs: probe.length, ms: p.ms, perRunMs, estimateMs }, stride, sampled: sample.length, factor });
  process.stderr.write(
    `${repo.id}: ${nodes.length} kubectl runs for the baseline, ~${Math.round(perRunMs)} ms each (estimate ${(estimateMs / 1000).toFixed(0)} s)` +
      (stride > 1 ? `; measuring 1 in ${stride} (${sample.length}) and extrapolating ×${factor.toFixed(3)}\n` : '\n'),
  );

  const sides = [
    ['A', () => timeOnce(checkArgv(repo, false), `${repo.id} ${shownArgv(repo, false)}`, measureOpts(repo.okCodes)).ms],
    ['B', () => timeOnce(checkArgv(repo, true), `${repo.id} ${shownArgv(repo, true)}`, measureOpts(repo.okCodes)).ms],
    ['base', () => {
      const r = timeOnce(['/bin/sh', BASELINE_SH, listFile], `${repo.id} baseline`, measureOpts([0], repo.dir));
      res.baseFailed = Number(/failed (\d+)/.exec(r.stderr)?.[1] ?? NaN);
      res.baseRaw = [...(res.baseRaw ?? []), r.ms];
      return r.ms * factor;
    }],
  ];
  // Interleave, rotating which side goes first, so drift hits every side.
  for (let i = 0; i < repo.runs; i++) {
    const k = i % sides.length;
    for (const [key, measure] of [...sides.slice(k), ...sides.slice(0, k)]) res[key].push(measure());
    process.stderr.write(`${repo.id}: ${i + 1}/${repo.runs} rounds\n`);
  }

  if (opts.memRuns > 0 && haveTime()) {
    for (let i = 0; i < opts.memRuns; i++) {
      res.rssA.push(rssOnce(checkArgv(repo, false), `${repo.id} check`, measureOpts(repo.okCodes)));
      res.rssB.push(rssOnce(checkArgv(repo, true), `${repo.id} check --build`, measureOpts(repo.okCodes)));
    }
    process.stderr.write(`${repo.id}: memory, ${opts.memRuns} run(s) each\n`);
  }
}

const elapsedS = (Date.now() - started) / 1000;

// ---------------------------------------------------------------- report

const machine = machineFacts({ kubectl: kubectlVersion });

const fr = (x) => (x < 0.1 ? x.toPrecision(2) : x.toFixed(2)); // ratios: two significant digits when small
const mb = (kbs) => (kbs.length ? (median(kbs) / 1024).toFixed(1) : 'n/a');
const out = reportHead('platform-kit check bench', machine, `${machine.node}; kubectl: ${machine.kubectl}`,
  `- runs per side: ${REPOS.map((r) => `${r.id} ${r.runs}`).join(', ')}; interleaved, median; bench took ${f0(elapsedS)} s`);
out.push(...tableHead(
  ['repo', 'Flux Kustomizations walked', 'distinct paths', 'subject', 'subject median (ms)', 'baseline median (ms)', 'ratio', 'peak RSS (MB)'],
  'lrrlrrrr',
));
const summary = {};
for (const repo of REPOS) {
  const r = results[repo.id];
  const bm = median(r.base);
  const mark = r.stride > 1 ? '*' : '';
  summary[repo.id] = { walked: r.walked, distinct: r.distinct, baselineMedianMs: bm, baselineStride: r.stride };
  for (const [key, label, rss] of [['A', 'check', r.rssA], ['B', 'check --build', r.rssB]]) {
    const sm = median(r[key]);
    summary[repo.id][key] = { medianMs: sm, ratio: sm / bm, rssMB: rss.length ? median(rss) / 1024 : undefined };
    out.push(`| ${repo.name} | ${r.walked} | ${r.distinct} | \`${label}\` | ${f0(sm)} | ${f0(bm)}${mark} | ${fr(sm / bm)}× | ${mb(rss)} |`);
  }
}
out.push('');
out.push('Baseline: `kubectl kustomize <path>` once per non-external Flux Kustomization of every cluster, in sequence (`/bin/sh` loop, output discarded).');
for (const repo of REPOS) {
  const r = results[repo.id];
  out.push(`- ${repo.name}: ${r.clusters} clusters, ${r.walked} kubectl runs (${r.external} external Kustomization(s) skipped), ` +
    `${r.baseFailed} of the measured kubectl runs failed; ` +
    `check reports ${r.verifyA.summary.error} error(s), check --build ${r.verifyB.summary.error}` +
    (r.verifyB.errors.length ? ` (${[...new Set(r.verifyB.errors)].join('; ')})` : '') + '.');
  if (r.stride > 1) {
    out.push(`  (*) extrapolated: measured 1 in ${r.stride} (${r.sampled} kubectl runs, stratified by position so every entry/lane/component ` +
      `is sampled on the same share of clusters), median ${f0(median(r.baseRaw))} ms × ${f2(r.factor)}; a full loop was estimated at ${f0(r.probe.estimateMs / 1000)} s.`);
  }
  out.push(`  spread (min–max ms): check ${spread(r.A, f0)}, check --build ${spread(r.B, f0)}, baseline ${spread(r.base, f0)}; ` +
    `baseline per kubectl run ≈ ${f0(median(r.base) / r.walked)} ms.`);
}
out.push('');
out.push(opts.memRuns > 0 && fs.existsSync(TIME_BIN)
  ? `Peak RSS: median of ${opts.memRuns} separate run(s) under \`${TIME_BIN} -f %M\` (the largest single process of the tree: node, or one kubectl).`
  : 'Peak RSS: n/a (skipped, or needs Linux and /usr/bin/time).');
out.push('');
out.push('Subjects:');
for (const repo of REPOS) for (const b of [false, true]) out.push(`- \`${shownArgv(repo, b)}\``);
process.stdout.write(out.join('\n') + '\n');

if (opts.json) {
  const data = { machine, options: opts, elapsedSeconds: elapsedS, summary, samples: results };
  writeJson(opts.json, data);
}

cleanup();
