#!/usr/bin/env node
// Benchmark for create-platform-cluster. Plain Node (ESM), built-ins only.
//
//   npx tsc -p tsconfig.json && node bench/run.mjs [--runs N] [--mem-runs M] [--warmup W] [--json FILE]
//
// Every figure is a ratio against a floor measured in the same run, from the
// median of interleaved runs, so a noisy or slow machine moves both sides.
// See bench/README.md.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ENV, NODE, PLATFORM_KIT, ROOT, TIME_BIN, cleanup, f1, f2, fail, haveTime, machineFacts, makeTempDir,
  median, parseFlags, printUsage, reportHead, requireCompiled, rssOnce, spread, tableHead, timeOnce, writeJson,
} from './lib.mjs';

const CREATE = path.join(ROOT, 'lib/cli/create-platform-cluster.js');

// ---------------------------------------------------------------- arguments

const usage = (code) => printUsage(
  [
    'usage: node bench/run.mjs [--runs N] [--mem-runs M] [--warmup W] [--json FILE]',
    '',
    '  --runs N      timed runs of each subject and each floor (default 15)',
    '  --mem-runs M  separate runs for peak RSS via /usr/bin/time (default 3, 0 to skip)',
    '  --warmup W    untimed runs of each command before timing (default 2)',
    '  --json FILE   also write every sample and the machine to FILE',
    '',
    'Compile first: npx tsc -p tsconfig.json (npm run bench does both).',
    '',
  ],
  code,
);

function parseArgs(argv) {
  const opts = { runs: 15, memRuns: 3, warmup: 2, json: undefined };
  parseFlags(argv, {
    '--runs': (next, int) => { opts.runs = int(next(), 1); },
    '--mem-runs': (next, int) => { opts.memRuns = int(next(), 0); },
    '--warmup': (next, int) => { opts.warmup = int(next(), 0); },
    '--json': (next) => { opts.json = next(); if (!opts.json) usage(2); },
  }, usage);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

requireCompiled([PLATFORM_KIT, CREATE], ' (or use `npm run bench`)');

// ---------------------------------------------------------------- temp dirs

const TMP = makeTempDir('pcc-bench-');

let dirCounter = 0;
/** A new, empty directory under TMP (made before timing starts). */
function freshDir(tag) {
  const d = path.join(TMP, `${tag}-${++dirCounter}`);
  fs.mkdirSync(d);
  return d;
}

// ---------------------------------------------------------------- the cases

// Each case: subject and floor are functions (mode) -> { argv, after } where
// `after` cleans up whatever the run wrote; dirs are made before timing starts.

function scaffoldArgv(dir) {
  return [NODE, CREATE, 'infra', 'apps', '--yes', '--dir', dir];
}

/** Scaffold once, read every file into a manifest the floor script replays. */
function prepareScaffoldFloor() {
  const ref = freshDir('ref');
  const argv = scaffoldArgv(ref);
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || r.error) fail('reference scaffold', r);

  const files = [];
  let bytes = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(ref, abs).split(path.sep).join('/');
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) {
        const buf = fs.readFileSync(abs);
        bytes += buf.length;
        // Store as text when it round-trips exactly, else base64: same bytes either way.
        const text = buf.toString('utf8');
        if (Buffer.from(text, 'utf8').equals(buf)) files.push([rel, 'utf8', text]);
        else files.push([rel, 'base64', buf.toString('base64')]);
      } else {
        process.stderr.write(`note: reference output has a non-file entry ${rel}; the floor skips it\n`);
      }
    }
  };
  walk(ref);
  files.sort((a, b) => (a[0] < b[0] ? -1 : 1));

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

  // Check the floor really writes the same bytes to the same paths.
  const check = freshDir('check');
  const c = spawnSync(NODE, [script, manifest, check], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  if (c.status !== 0 || c.error) fail('floor script self-check', c);
  for (const [rel] of files) {
    if (!fs.readFileSync(path.join(check, rel)).equals(fs.readFileSync(path.join(ref, rel)))) {
      process.stderr.write(`floor script self-check: ${rel} differs\n`);
      process.exit(1);
    }
  }
  fs.rmSync(check, { recursive: true, force: true });
  fs.rmSync(ref, { recursive: true, force: true });
  return { script, manifest, fileCount: files.length, bytes };
}

const floorInfo = prepareScaffoldFloor();

const withDir = (tag, make) => () => {
  const dir = freshDir(tag);
  return { argv: make(dir), after: () => fs.rmSync(dir, { recursive: true, force: true }) };
};
const noDir = (argv) => () => ({ argv, after: () => {} });

const CASES = [
  {
    id: 'help',
    name: '`platform-kit --help` vs `node -e 0`',
    goal: { ratio: 1.5 },
    subject: { label: 'node lib/cli/platform-kit.js --help', make: noDir([NODE, PLATFORM_KIT, '--help']) },
    floor: { label: 'node -e 0', make: noDir([NODE, '-e', '0']) },
  },
  {
    id: 'scaffold',
    name: `scaffold \`infra apps --yes\` (${floorInfo.fileCount} files) vs bare writer`,
    goal: { ratio: 3, absMs: 1000 },
    subject: {
      label: 'CI=true node lib/cli/create-platform-cluster.js infra apps --yes --dir <fresh>',
      make: withDir('subject', scaffoldArgv),
    },
    floor: {
      label: 'node <tmp>/floor-write.mjs <tmp>/floor-manifest.json <fresh>',
      note: `mkdir -p + writeFileSync of the same ${floorInfo.fileCount} files (${floorInfo.bytes} bytes) the CLI wrote`,
      make: withDir('floor', (dir) => [NODE, floorInfo.script, floorInfo.manifest, dir]),
    },
  },
];

// ---------------------------------------------------------------- measure

const started = Date.now();
const results = {};

for (const c of CASES) {
  const res = (results[c.id] = { subject: [], floor: [], subjectRssKb: [], floorRssKb: [] });
  const sides = [['subject', c.subject], ['floor', c.floor]];

  // Warm-up: page cache, V8 code cache, first-touch of the temp fs. Not recorded.
  for (let i = 0; i < opts.warmup; i++) {
    for (const [, s] of sides) {
      const run = s.make();
      timeOnce(run.argv, `${c.id} warm-up ${s.label}`);
      run.after();
    }
  }

  // Interleave, alternating which goes first, so drift and ordering hit both sides.
  for (let i = 0; i < opts.runs; i++) {
    const order = i % 2 === 0 ? sides : [sides[1], sides[0]];
    for (const [key, s] of order) {
      const run = s.make();
      res[key].push(timeOnce(run.argv, `${c.id} ${s.label}`).ms);
      run.after();
    }
    if (process.stderr.isTTY) process.stderr.write(`\r${c.id}: ${i + 1}/${opts.runs}   `);
  }
  process.stderr.write(process.stderr.isTTY ? '\n' : `${c.id}: ${opts.runs} runs each side\n`);
}

// Peak memory as separate runs, so /usr/bin/time does not disturb the timing.
const canMeasureRss = haveTime();
if (canMeasureRss && opts.memRuns > 0) {
  for (const c of CASES) {
    const res = results[c.id];
    for (let i = 0; i < opts.memRuns; i++) {
      for (const [key, s] of [['subjectRssKb', c.subject], ['floorRssKb', c.floor]]) {
        const run = s.make();
        res[key].push(rssOnce(run.argv, `${c.id} ${s.label}`));
        run.after();
      }
    }
  }
  process.stderr.write(`memory: ${opts.memRuns} run(s) each\n`);
}

const elapsedS = (Date.now() - started) / 1000;

// ---------------------------------------------------------------- report

const machine = machineFacts();

const out = reportHead('create-platform-cluster bench', machine, machine.node,
  `- runs: ${opts.runs} timed per side, interleaved (after ${opts.warmup} warm-up), median; bench took ${f1(elapsedS)} s`);
out.push(...tableHead(['measurement', 'subject median (ms)', 'floor median (ms)', 'ratio', 'goal', 'met?'], 'lrrrll'));
const summary = {};
for (const c of CASES) {
  const r = results[c.id];
  const sm = median(r.subject);
  const fm = median(r.floor);
  const ratio = sm / fm;
  let met = ratio <= c.goal.ratio;
  let goal = `≤ ${c.goal.ratio}×`;
  if (c.goal.absMs !== undefined) {
    goal += ` and < ${c.goal.absMs / 1000} s`;
    met = met && sm < c.goal.absMs;
  }
  summary[c.id] = { subjectMedianMs: sm, floorMedianMs: fm, ratio, goal, met };
  out.push(`| ${c.name} | ${f1(sm)} | ${f1(fm)} | ${f2(ratio)}× | ${goal} | ${met ? 'yes' : '**no**'} |`);
}
out.push('');
out.push('Spread (min–max ms): ' + CASES.map((c) => {
  const r = results[c.id];
  return `${c.id} subject ${spread(r.subject, f1)}, floor ${spread(r.floor, f1)}`;
}).join('; '));
out.push('');
out.push(...tableHead(['peak RSS', 'subject (MB)', 'floor (MB)', 'ratio'], 'lrrr'));
for (const c of CASES) {
  const r = results[c.id];
  if (r.subjectRssKb.length && r.floorRssKb.length) {
    const s = median(r.subjectRssKb) / 1024;
    const f = median(r.floorRssKb) / 1024;
    summary[c.id].subjectRssMB = s;
    summary[c.id].floorRssMB = f;
    out.push(`| ${c.name} | ${f1(s)} | ${f1(f)} | ${f2(s / f)}× |`);
  } else {
    out.push(`| ${c.name} | n/a | n/a | n/a |`);
  }
}
out.push('');
out.push(canMeasureRss
  ? `Peak RSS: median of ${opts.memRuns} separate run(s) under \`${TIME_BIN} -f %M\`.`
  : `Peak RSS: n/a (needs Linux and ${TIME_BIN}).`);
out.push('');
out.push('Commands:');
for (const c of CASES) {
  out.push(`- ${c.id} subject: \`${c.subject.label}\``);
  out.push(`- ${c.id} floor: \`${c.floor.label}\`${c.floor.note ? ' — ' + c.floor.note : ''}`);
}
process.stdout.write(out.join('\n') + '\n');

if (opts.json) {
  const data = {
    machine,
    options: opts,
    elapsedSeconds: elapsedS,
    cases: CASES.map((c) => ({
      id: c.id,
      name: c.name,
      subject: c.subject.label,
      floor: c.floor.label,
      goal: c.goal,
      summary: summary[c.id],
      samples: {
        subjectMs: results[c.id].subject,
        floorMs: results[c.id].floor,
        subjectRssKb: results[c.id].subjectRssKb,
        floorRssKb: results[c.id].floorRssKb,
      },
    })),
    scaffoldFloor: { files: floorInfo.fileCount, bytes: floorInfo.bytes },
  };
  writeJson(opts.json, data);
}

cleanup();
