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
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;
const PLATFORM_KIT = path.join(ROOT, 'lib/cli/platform-kit.js');
const CREATE = path.join(ROOT, 'lib/cli/create-platform-cluster.js');
const TIME_BIN = '/usr/bin/time';

// ---------------------------------------------------------------- arguments

function usage(code) {
  (code ? process.stderr : process.stdout).write(
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
    ].join('\n'),
  );
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { runs: 15, memRuns: 3, warmup: 2, json: undefined };
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`${name} wants an integer >= ${min}, got ${JSON.stringify(v)}\n`);
      usage(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s);
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (flag) {
      case '--runs': opts.runs = int(flag, next(), 1); break;
      case '--mem-runs': opts.memRuns = int(flag, next(), 0); break;
      case '--warmup': opts.warmup = int(flag, next(), 0); break;
      case '--json': opts.json = next(); if (!opts.json) usage(2); break;
      case '-h': case '--help': usage(0); break;
      default: process.stderr.write(`unknown argument: ${argv[i]}\n`); usage(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

for (const f of [PLATFORM_KIT, CREATE]) {
  if (!fs.existsSync(f)) {
    process.stderr.write(`missing ${path.relative(ROOT, f)}: compile first with \`npx tsc -p tsconfig.json\` (or use \`npm run bench\`)\n`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------- temp dirs

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-'));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try { fs.rmSync(TMP, { recursive: true, force: true }); } catch { /* best effort */ }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanup(); process.exit(130); });
}

let dirCounter = 0;
/** A new, empty directory under TMP (made before timing starts). */
function freshDir(tag) {
  const d = path.join(TMP, `${tag}-${++dirCounter}`);
  fs.mkdirSync(d);
  return d;
}

// ---------------------------------------------------------------- running

const ENV = { ...process.env, CI: 'true', NO_COLOR: '1' };
delete ENV.NODE_OPTIONS; // a stray --require or --inspect would skew one side only
delete ENV.PLATFORM_DEBUG;

function fail(what, r) {
  process.stderr.write(
    `\n${what} failed (status ${r.status}, signal ${r.signal}${r.error ? ', ' + r.error.message : ''})\n` +
      (r.stderr ? String(r.stderr).slice(-4000) : '') + '\n',
  );
  cleanup();
  process.exit(1);
}

/** Run argv once, return wall milliseconds (spawn to exit, as the user would see it). */
function timeOnce(argv, what) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  const t1 = process.hrtime.bigint();
  if (r.status !== 0 || r.error) fail(what, r);
  return Number(t1 - t0) / 1e6;
}

/** Run argv under /usr/bin/time -f %M, return max RSS in KB. */
function rssOnce(argv, what) {
  const r = spawnSync(TIME_BIN, ['-f', '%M', ...argv], { cwd: ROOT, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0 || r.error) fail(what + ' (under /usr/bin/time)', r);
  const lines = String(r.stderr).trim().split('\n');
  const kb = Number(lines[lines.length - 1].trim());
  if (!Number.isFinite(kb) || kb <= 0) fail(`${what}: could not read max RSS from /usr/bin/time`, r);
  return kb;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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
      res[key].push(timeOnce(run.argv, `${c.id} ${s.label}`));
      run.after();
    }
    if (process.stderr.isTTY) process.stderr.write(`\r${c.id}: ${i + 1}/${opts.runs}   `);
  }
  process.stderr.write(process.stderr.isTTY ? '\n' : `${c.id}: ${opts.runs} runs each side\n`);
}

// Peak memory as separate runs, so /usr/bin/time does not disturb the timing.
const haveTime = process.platform === 'linux' && fs.existsSync(TIME_BIN);
if (haveTime && opts.memRuns > 0) {
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

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model?.trim() ?? 'unknown',
  cores: cpus.length,
  totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  date: new Date().toISOString(),
};

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const out = [];
out.push(`## create-platform-cluster bench`);
out.push('');
out.push(`- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.totalMemGB} GB RAM, ${machine.os}`);
out.push(`- node: ${machine.node}`);
out.push(`- date: ${machine.date}`);
out.push(`- runs: ${opts.runs} timed per side, interleaved (after ${opts.warmup} warm-up), median; bench took ${f1(elapsedS)} s`);
out.push('');
out.push('| measurement | subject median (ms) | floor median (ms) | ratio | goal | met? |');
out.push('|---|---:|---:|---:|---|---|');
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
  return `${c.id} subject ${f1(Math.min(...r.subject))}–${f1(Math.max(...r.subject))}, floor ${f1(Math.min(...r.floor))}–${f1(Math.max(...r.floor))}`;
}).join('; '));
out.push('');
out.push('| peak RSS | subject (MB) | floor (MB) | ratio |');
out.push('|---|---:|---:|---:|');
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
out.push(haveTime
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
  const file = path.resolve(process.cwd(), opts.json);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  process.stderr.write(`wrote ${file}\n`);
}

cleanup();
