// Shared helpers of the benchmark (bench/run.mjs). Plain Node (ESM), built-ins only.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder above bench/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The node binary running the bench, used for every subject and floor. */
export const NODE = process.execPath;
/** The bins as package.json names them (what an installed package runs: their bundles under lib/bundle/). */
const BINS = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin;
/** A bin's file, relative to the repository root, as the report shows it (`node <file> ...`). */
export const binFile = (name) => BINS[name];
/** The platform-kit bin (both benches run it). */
export const PLATFORM_KIT = path.join(ROOT, binFile('platform-kit'));
/** GNU time, for peak RSS (`-f %M`). */
export const TIME_BIN = '/usr/bin/time';

// ---------------------------------------------------------------- arguments

/** Write the usage text (lines) to stdout when code is 0, else to stderr, and exit with code. */
export function printUsage(lines, code) {
  (code ? process.stderr : process.stdout).write(lines.join('\n'));
  process.exit(code);
}

/** Parse `--flag value` / `--flag=value` with handlers[flag](next, int); -h/--help, unknown flags and bad integers go to usage(0|2). */
export function parseFlags(argv, handlers, usage) {
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`${name} wants an integer >= ${min}, got ${JSON.stringify(v)}\n`);
      usage(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = argv[i].split(/=(.*)/s);
    const next = () => (value !== undefined ? value : argv[++i]);
    if (flag === '-h' || flag === '--help') usage(0);
    else if (Object.hasOwn(handlers, flag)) handlers[flag](next, (v, min) => int(flag, v, min));
    else {
      process.stderr.write(`unknown argument: ${argv[i]}\n`);
      usage(2);
    }
  }
}

/** Exit 2 naming the first of files (compiled output) that is missing; hint is appended to the advice. */
export function requireCompiled(files, hint = '') {
  for (const f of files) {
    if (!fs.existsSync(f)) {
      process.stderr.write(
        `missing ${path.relative(ROOT, f)}: build first with \`npx projen compile && npx projen post-compile\`${hint}\n`,
      );
      process.exit(2);
    }
  }
}

// ---------------------------------------------------------------- temp dirs

let tmpDir;
let cleaned = false;

/** Make the bench's temp dir (os.tmpdir()/<prefix>XXXXXX), removed by cleanup() on exit and on SIGINT/SIGTERM/SIGHUP. */
export function makeTempDir(prefix) {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  return tmpDir;
}

/** Remove the temp dir of makeTempDir (once, best effort). */
export function cleanup() {
  if (cleaned || tmpDir === undefined) return;
  cleaned = true;
  try {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------- running

/** The environment of every spawned process: CI, no colour, no NODE_OPTIONS or PLATFORM_DEBUG. */
export const ENV = { ...process.env, CI: 'true', NO_COLOR: '1' };
delete ENV.NODE_OPTIONS; // a stray --require or --inspect would skew one side only
delete ENV.PLATFORM_DEBUG;

/** Report a failed spawn result r (status, signal, stderr tail), clean up and exit 1. */
export function fail(what, r) {
  process.stderr.write(
    `\n${what} failed (status ${r.status}, signal ${r.signal}${r.error ? ', ' + r.error.message : ''})\n` +
      (r.stderr ? String(r.stderr).slice(-4000) : '') +
      '\n',
  );
  cleanup();
  process.exit(1);
}

// spawnSync options of one measured run; maxBuffer only when given (else Node's default).
const spawnOpts = (cwd, maxBuffer) => ({
  cwd,
  env: ENV,
  stdio: ['ignore', 'ignore', 'pipe'],
  ...(maxBuffer !== undefined ? { maxBuffer } : {}),
});

/** Run argv once, return { ms, status, stderr }: wall milliseconds from spawn to exit; any status outside okCodes fails. */
export function timeOnce(argv, what, { okCodes = [0], cwd = ROOT, maxBuffer } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), spawnOpts(cwd, maxBuffer));
  const t1 = process.hrtime.bigint();
  if (r.error || !okCodes.includes(r.status)) fail(what, r);
  return { ms: Number(t1 - t0) / 1e6, status: r.status, stderr: String(r.stderr) };
}

// The max RSS (KB) /usr/bin/time -f %M printed as the last line of stderr r, with that line removed from it.
function splitRss(r, what) {
  const lines = String(r.stderr).trimEnd().split('\n');
  const kb = Number(lines.pop().trim());
  if (!Number.isFinite(kb) || kb <= 0) fail(`${what}: could not read max RSS from /usr/bin/time`, r);
  return { kb, stderr: lines.join('\n') };
}

/** Run argv under /usr/bin/time -f %M, return max RSS in KB (largest single process of the tree). */
export function rssOnce(argv, what, { okCodes = [0], cwd = ROOT, maxBuffer } = {}) {
  const r = spawnSync(TIME_BIN, ['-f', '%M', ...argv], spawnOpts(cwd, maxBuffer));
  if (r.error || !okCodes.includes(r.status)) fail(what + ' (under /usr/bin/time)', r);
  return splitRss(r, what).kb;
}

/**
 * timeOnce under /usr/bin/time -f %M (when haveTime()): { ms, kb, status, stderr }, kb the max RSS of the largest
 * single process of the tree (undefined without GNU time). For runs of seconds, where the wrapper's ~1 ms is noise.
 */
export function timeRssOnce(argv, what, { okCodes = [0], cwd = ROOT, maxBuffer } = {}) {
  if (!haveTime()) return { ...timeOnce(argv, what, { okCodes, cwd, maxBuffer }), kb: undefined };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME_BIN, ['-f', '%M', ...argv], spawnOpts(cwd, maxBuffer));
  const t1 = process.hrtime.bigint();
  if (r.error || !okCodes.includes(r.status)) fail(what + ' (under /usr/bin/time)', r);
  const { kb, stderr } = splitRss(r, what);
  return { ms: Number(t1 - t0) / 1e6, kb, status: r.status, stderr };
}

/** Run argv without timing it, asynchronously (stdout and stdin ignored): resolves to { status, stderr }; a status outside okCodes fails. */
export function runAsync(argv, what, { okCodes = [0], cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (error) => fail(what, { status: null, signal: null, error, stderr }));
    child.on('close', (status, signal) => {
      if (!okCodes.includes(status)) fail(what, { status, signal, stderr });
      resolve({ status, stderr });
    });
  });
}

/** True when peak RSS can be measured (Linux with /usr/bin/time). */
export const haveTime = () => process.platform === 'linux' && fs.existsSync(TIME_BIN);

// ---------------------------------------------------------------- report

/** Median of a list of numbers (mean of the middle two for an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Format with 2 decimals. */
export const f2 = (x) => x.toFixed(2);

/** Facts about this machine for the report and JSON: cpu, cores, RAM, node, then extra fields, os, date. */
export function machineFacts(extra = {}) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    ...extra,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** A Markdown table's header and separator rows; align has one letter a column, l (left) or r (right). */
export const tableHead = (cells, align) => [
  `| ${cells.join(' | ')} |`,
  `|${[...align].map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
];

/** Write data as indented JSON to file (relative to the cwd, folders made) and say so on stderr. */
export function writeJson(file, data) {
  const abs = path.resolve(process.cwd(), file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, JSON.stringify(data, null, 2) + '\n');
  process.stderr.write(`wrote ${abs}\n`);
}
