#!/usr/bin/env node
// The corpus run of issue 15: `platform-kit check --json` on every repository folder of a corpus folder, one table.
// Plain Node (ESM), built-ins only; it runs the compiled CLI (lib/cli/platform-kit.js), so compile first.
//
//   npx tsc -p tsconfig.json && node scripts/corpus.mjs [CORPUS_DIR] [options]
//
// A repository is every folder directly under CORPUS_DIR (default: $CPC_CORPUS, else /work/corpus), in name order.
// Per repository: its commit (git rev-parse --short HEAD), the check's exit code, the entries found, the Flux
// Kustomizations walked, the findings by code (errors, warnings) and the wall time of the check. A check that exits 2
// (no entry found, bad flags) or crashes is a row too, with the first line of its message.
//
// `walked` in the JSON (per cluster: entry, found, source, kustomizations, helmReleases) is read when the check gives
// it; an older check without it is asked for its graph (`platform-kit graph --format dot`): entries = its clusters,
// walked = its Flux Kustomizations not drawn dashed (dashed = another source, not walked).
//
// --adopt (issue 18) also runs `platform-kit adopt --dry-run --json` on each repository and prints a second table:
// per repository the clusters adopt finds, the cluster-story pairs it records approved and partial, the catalog
// components it matched, the Kustomizations it adopts (no catalog component), the layout it detects (where
// components live, how they are wired, how many component Kustomizations the layout places exactly) and how many
// cluster fields no file proves. An adopt that exits 2 or crashes is a row with its message. Opt-in: the check
// table stays as it was for the runs that compare with earlier ones, and a second table keeps both readable.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'lib/cli/platform-kit.js');

const USAGE = `usage: node scripts/corpus.mjs [CORPUS_DIR] [options]

  CORPUS_DIR                   folder holding one folder per repository (default: $CPC_CORPUS, else /work/corpus)
  --build                      run check --build (also kubectl kustomize on every Flux Kustomization path)
  --adopt                      also run adopt --dry-run --json and print a second table (clusters, stories, layout)
  --cluster-path REPO=PATTERN  pass --cluster-path PATTERN when checking the folder REPO (repeat; several per REPO)
  --only REPO[,REPO...]        only these folders
  --timeout S                  give up on one check after S seconds (default 600)
  --markdown FILE              also write the table, the entries and the commands to FILE
  --json FILE                  also write every row (counts by code, walked, exit, message, time) to FILE
  --before FILE                a --json FILE of an earlier run: also print, per repository, errors and warnings
                               before and after and the codes whose count changed

Compile first: npx tsc -p tsconfig.json.
`;

function usage(code, msg) {
  if (msg) process.stderr.write(`${msg}\n`);
  (code ? process.stderr : process.stdout).write(USAGE);
  process.exit(code);
}

function parseArgs(argv) {
  const o = {
    dir: undefined,
    build: false,
    adopt: false,
    clusterPaths: {},
    only: undefined,
    timeout: 600,
    markdown: undefined,
    json: undefined,
    before: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined || v === '') usage(2, `${flag} needs a value`);
      return v;
    };
    if (flag === '-h' || flag === '--help') usage(0);
    else if (flag === '--build') o.build = true;
    else if (flag === '--adopt') o.adopt = true;
    else if (flag === '--cluster-path') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0 || eq === v.length - 1) usage(2, `--cluster-path wants REPO=PATTERN, got ${JSON.stringify(v)}`);
      (o.clusterPaths[v.slice(0, eq)] ??= []).push(v.slice(eq + 1));
    } else if (flag === '--only')
      o.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--timeout') {
      o.timeout = Number(value());
      if (!(o.timeout > 0)) usage(2, '--timeout wants a number of seconds > 0');
    } else if (flag === '--markdown') o.markdown = value();
    else if (flag === '--json') o.json = value();
    else if (flag === '--before') o.before = value();
    else if (flag.startsWith('-')) usage(2, `unknown argument: ${argv[i]}`);
    else if (o.dir === undefined) o.dir = argv[i];
    else usage(2, `one corpus folder only (got ${o.dir} and ${argv[i]})`);
  }
  o.dir = path.resolve(o.dir ?? process.env.CPC_CORPUS ?? '/work/corpus');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(CLI)) {
  process.stderr.write(`missing ${path.relative(ROOT, CLI)}: compile first with \`npx tsc -p tsconfig.json\`\n`);
  process.exit(2);
}
let before;
if (opts.before) {
  try {
    before = JSON.parse(fs.readFileSync(path.resolve(opts.before), 'utf8'));
    if (!Array.isArray(before.rows)) throw new Error('no rows');
  } catch (e) {
    process.stderr.write(`--before ${opts.before}: not a --json file of this script (${e.message})\n`);
    process.exit(2);
  }
}
if (!fs.existsSync(opts.dir) || !fs.statSync(opts.dir).isDirectory()) {
  process.stderr.write(`no corpus folder ${opts.dir} (pass one, or set CPC_CORPUS)\n`);
  process.exit(2);
}

// Folders, or symbolic links to folders (a corpus put together from clones kept elsewhere).
const repos = fs
  .readdirSync(opts.dir)
  .filter((n) => !n.startsWith('.') && fs.statSync(path.join(opts.dir, n), { throwIfNoEntry: false })?.isDirectory())
  .filter((n) => !opts.only || opts.only.includes(n))
  .sort();
for (const r of Object.keys(opts.clusterPaths)) {
  if (!repos.includes(r)) process.stderr.write(`note: --cluster-path ${r}=…: no folder ${r} in ${opts.dir}\n`);
}
if (!repos.length) {
  process.stderr.write(`no repository folder in ${opts.dir}\n`);
  process.exit(2);
}

// A clean environment: no colour, no stray --require/--inspect, the CI path of the CLI.
const ENV = { ...process.env, CI: 'true', NO_COLOR: '1' };
delete ENV.NODE_OPTIONS;
delete ENV.PLATFORM_DEBUG;

function run(argv, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd,
    env: ENV,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: opts.timeout * 1000,
  });
  return { ...r, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

function commitOf(dir) {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '-';
}

/** The first meaningful line of a failed run's output (its `error: …` line when it has one). */
function messageOf(r) {
  if (r.error?.code === 'ETIMEDOUT') return `timed out after ${opts.timeout} s`;
  if (r.error) return r.error.message;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^error\b/i.test(l)) ?? lines[0] ?? `exit ${r.status ?? r.signal}`;
}

/** Clusters and walked Kustomizations from `platform-kit graph --format dot` (for a check whose JSON has no `walked`). */
function fromGraph(dir, flags) {
  const g = run([process.execPath, CLI, 'graph', '--dir', dir, '--format', 'dot', ...flags], ROOT);
  if (g.status !== 0) return undefined;
  const out = {};
  let cluster;
  for (const line of g.stdout.split('\n')) {
    const head = /^digraph "(.*)" \{$/.exec(line);
    if (head) {
      cluster = head[1];
      out[cluster] = { kustomizations: 0, external: 0 };
      continue;
    }
    const node = /^ {2}"([^"]+)" \[label="(.*)"(, style=dashed)?\];$/.exec(line);
    if (node && cluster !== undefined) out[cluster][node[3] ? 'external' : 'kustomizations']++;
  }
  return out;
}

const byCode = (findings, severity) => {
  const m = new Map();
  for (const f of findings) if (f.severity === severity) m.set(f.code, (m.get(f.code) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
};

/**
 * `platform-kit adopt --dry-run --json` on one repository, summed up: clusters, cluster-story pairs approved and
 * partial, catalog components matched, Kustomizations adopted, the layout, the fields no file proves.
 */
function adoptOf(dir) {
  const r = run([process.execPath, CLI, 'adopt', '--dry-run', '--json', '--dir', dir], ROOT);
  const out = { exit: r.status ?? (r.signal ? `signal ${r.signal}` : 'n/a'), seconds: +(r.ms / 1000).toFixed(2) };
  // The message without this machine's path to the corpus: the table is for the note, the repository is its row.
  if (r.status !== 0) return { ...out, message: messageOf(r).split(dir).join('.') };
  let j;
  try {
    j = JSON.parse(r.stdout);
  } catch {
    return { ...out, message: `output is not JSON: ${messageOf(r)}` };
  }
  const clusters = Array.isArray(j.clusters) ? j.clusters : [];
  const storiesWith = (status) =>
    Object.fromEntries(
      clusters.map((c) => [c.name, (c.stories ?? []).filter((s) => s.status === status).map((s) => s.id)]),
    );
  const approved = storiesWith('approved');
  const partial = storiesWith('partial');
  const count = (m) => Object.values(m).reduce((n, l) => n + l.length, 0);
  const w = j.layout?.wiring ?? {};
  return {
    ...out,
    clusters: clusters.map((c) => c.name),
    approved,
    partial,
    approvedCount: count(approved),
    partialCount: count(partial),
    matched: clusters.reduce((n, c) => n + (c.components ?? []).length, 0),
    adopted: clusters.reduce((n, c) => n + (c.adopted ?? []).length, 0),
    unproven: clusters.reduce((n, c) => n + (c.unproven ?? []).length, 0),
    layout: {
      components: j.layout?.components,
      wiring: { mode: w.mode, file: w.file, entry: w.entry, perCluster: w.perCluster },
      fit: j.layout?.fit ? { fits: j.layout.fit.fits, of: j.layout.fit.of } : undefined,
    },
    refused: Array.isArray(j.refused) ? j.refused : [],
  };
}

const rows = [];
for (const name of repos) {
  const dir = path.join(opts.dir, name);
  const flags = (opts.clusterPaths[name] ?? []).flatMap((p) => ['--cluster-path', p]);
  const argv = [process.execPath, CLI, 'check', '--json', '--dir', dir, ...(opts.build ? ['--build'] : []), ...flags];
  process.stderr.write(
    `${name}: check${opts.build ? ' --build' : ''}${flags.length ? ' ' + flags.join(' ') : ''} ... `,
  );
  const r = run(argv, ROOT);
  const row = {
    repo: name,
    commit: commitOf(dir),
    flags,
    exit: r.status ?? (r.signal ? `signal ${r.signal}` : 'n/a'),
    seconds: +(r.ms / 1000).toFixed(2),
  };
  let result;
  if (r.status === 0 || r.status === 1) {
    try {
      result = JSON.parse(r.stdout);
    } catch {
      row.message = `output is not JSON: ${messageOf(r)}`;
    }
  } else row.message = messageOf(r);
  if (result) {
    const findings = Array.isArray(result.findings) ? result.findings : [];
    row.clusters = result.clusters ?? [];
    row.errors = byCode(findings, 'error');
    row.warnings = byCode(findings, 'warning');
    row.errorCount = findings.filter((f) => f.severity === 'error').length;
    row.warningCount = findings.filter((f) => f.severity === 'warning').length;
    if (result.walked && typeof result.walked === 'object') {
      row.walkedFrom = 'check --json';
      row.walked = result.walked;
      const list = Object.values(result.walked);
      row.kustomizations = list.reduce((s, w) => s + (Number(w?.kustomizations) || 0), 0);
      row.helmReleases = list.reduce((s, w) => s + (Number(w?.helmReleases) || 0), 0);
    } else {
      const g = fromGraph(dir, flags);
      row.walkedFrom = 'graph';
      if (g) {
        row.walked = g;
        row.kustomizations = Object.values(g).reduce((s, w) => s + w.kustomizations, 0);
        row.external = Object.values(g).reduce((s, w) => s + w.external, 0);
      }
    }
  }
  process.stderr.write(`exit ${row.exit} in ${row.seconds.toFixed(1)} s\n`);
  if (opts.adopt) {
    process.stderr.write(`${name}: adopt --dry-run ... `);
    row.adopt = adoptOf(dir);
    process.stderr.write(`exit ${row.adopt.exit} in ${row.adopt.seconds.toFixed(1)} s\n`);
  }
  rows.push(row);
}

// ---------------------------------------------------------------- report

const codes = (m) =>
  Object.entries(m ?? {})
    .map(([c, n]) => `${c} ${n}`)
    .join(', ') || '-';
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
// The flags column only when some repository was given --cluster-path.
const withFlags = rows.some((r) => r.flags.length);
const flagCell = (r) => (withFlags ? ` ${cell(r.flags.filter((_, i) => i % 2).join(', ') || '-')} |` : '');
const table = [
  `| repository | commit |${withFlags ? ' --cluster-path |' : ''} exit | entries | Flux Ks walked | ` +
    `HelmReleases | errors | warnings | errors by code | warnings by code | time (s) |`,
  `|---|---|${withFlags ? '---|' : ''}---:|---|---:|---:|---:|---:|---|---|---:|`,
];
for (const r of rows) {
  if (r.clusters === undefined) {
    table.push(
      `| ${r.repo} | ${r.commit} |${flagCell(r)} ${r.exit} | - | - | - | - | - | ${cell(r.message ?? '')} | - | ${r.seconds.toFixed(1)} |`,
    );
    continue;
  }
  const entries =
    r.walkedFrom === 'check --json'
      ? Object.entries(r.walked)
          .map(([c, w]) => `${c}: ${w?.entry === '' ? '.' : w?.entry}`)
          .join('; ')
      : `${r.clusters.length} (${r.clusters.join(', ')})`;
  const ks =
    r.kustomizations === undefined ? '?' : `${r.kustomizations}${r.external ? ` (+${r.external} other source)` : ''}`;
  const hr = r.helmReleases === undefined ? '-' : r.helmReleases;
  table.push(
    `| ${r.repo} | ${r.commit} |${flagCell(r)} ${r.exit} | ${cell(entries)} | ${ks} | ${hr} | ${r.errorCount} ` +
      `| ${r.warningCount} | ${codes(r.errors)} | ${codes(r.warnings)} | ${r.seconds.toFixed(1)} |`,
  );
}

// adopt --dry-run: one row per repository (only with --adopt).
const adoptTable = [];
if (opts.adopt) {
  adoptTable.push(
    '| repository | commit | exit | clusters | stories approved / partial | components matched | adopted | ' +
      'components at | wiring | fit | unproven fields | note | time (s) |',
    '|---|---|---:|---|---|---:|---:|---|---|---|---:|---|---:|',
  );
  for (const r of rows) {
    const a = r.adopt;
    if (a.clusters === undefined) {
      adoptTable.push(
        `| ${r.repo} | ${r.commit} | ${a.exit} | - | - | - | - | - | - | - | - | ${cell(a.message ?? '')} | ${a.seconds.toFixed(1)} |`,
      );
      continue;
    }
    const w = a.layout.wiring;
    const wiring =
      w.mode === 'list' ? `list in \`${w.file}\`` : w.mode === 'document' ? `documents of \`${w.file}\`` : '-';
    const shared = w.mode ? (w.perCluster ? ' (per cluster)' : ' (shared)') : '';
    const fit = a.layout.fit ? `${a.layout.fit.fits}/${a.layout.fit.of}` : '-';
    // The reason (the rule's message after the generic first line), as a real adopt would refuse it.
    const note = a.refused.length ? `refused: ${a.refused.slice(1).join('; ') || a.refused[0]}` : '-';
    adoptTable.push(
      `| ${r.repo} | ${r.commit} | ${a.exit} | ${cell(a.clusters.join(', '))} | ${a.approvedCount} / ${a.partialCount} | ` +
        `${a.matched} | ${a.adopted} | \`${cell(a.layout.components ?? '-')}\` | ${cell(wiring + shared)} | ${fit} | ` +
        `${a.unproven} | ${cell(note)} | ${a.seconds.toFixed(1)} |`,
    );
  }
}

// Before and after: per repository of this run, the earlier run's counts (matched by folder name).
const compare = [];
if (before) {
  compare.push(
    `Against ${opts.before} (${before.command ?? 'an earlier run'}, tool commit ${before.toolCommit ?? '?'}):`,
    '',
  );
  compare.push(
    '| repository | commit before → now | exit before → now | errors before → now | warnings before → now | error codes changed (before → now) |',
  );
  compare.push('|---|---|---|---|---|---|');
  const n = (x) => (x === undefined ? '-' : x);
  for (const r of rows) {
    const b = before.rows.find((x) => x.repo === r.repo);
    const changed =
      !b || b.errors === undefined || r.errors === undefined
        ? 'n/a (a run without a result)'
        : [...new Set([...Object.keys(b?.errors ?? {}), ...Object.keys(r.errors ?? {})])]
            .sort()
            .filter((c) => (b?.errors?.[c] ?? 0) !== (r.errors?.[c] ?? 0))
            .map((c) => `${c} ${b?.errors?.[c] ?? 0} → ${r.errors?.[c] ?? 0}`)
            .join(', ') || '-';
    compare.push(
      `| ${r.repo} | ${n(b?.commit)} → ${r.commit} | ${n(b?.exit)} → ${r.exit} | ${n(b?.errorCount)} → ${n(r.errorCount)} | ` +
        `${n(b?.warningCount)} → ${n(r.warningCount)} | ${cell(changed)} |`,
    );
  }
}

const toolCommit = commitOf(ROOT);
const command =
  `node scripts/corpus.mjs ${opts.dir}${opts.build ? ' --build' : ''}${opts.adopt ? ' --adopt' : ''}` +
  Object.entries(opts.clusterPaths)
    .flatMap(([r, ps]) => ps.map((p) => ` --cluster-path '${r}=${p}'`))
    .join('');
process.stdout.write(
  table.join('\n') +
    '\n' +
    (adoptTable.length ? '\nadopt --dry-run:\n\n' + adoptTable.join('\n') + '\n' : '') +
    (compare.length ? '\n' + compare.join('\n') + '\n' : ''),
);

if (opts.markdown) {
  const details = [];
  for (const r of rows) {
    if (r.walkedFrom !== 'check --json') continue;
    for (const [c, w] of Object.entries(r.walked)) {
      details.push(
        `- ${r.repo} / ${c}: entry \`${w?.entry === '' ? '.' : w?.entry}\` (${w?.found}), source ${w?.source?.kind}/${w?.source?.name}, ` +
          `${w?.kustomizations} Flux Kustomizations, ${w?.helmReleases} HelmReleases`,
      );
    }
  }
  const md = [
    `Run of \`${command}\` on ${new Date().toISOString()}, tool commit ${toolCommit}` +
      ` (walked Kustomizations from ${[...new Set(rows.map((r) => r.walkedFrom).filter(Boolean))].join(' / ') || 'n/a'}).`,
    '',
    ...table,
    '',
    ...(details.length ? ['Entries:', '', ...details, ''] : []),
    ...(adoptTable.length ? ['`platform-kit adopt --dry-run --json` per repository:', '', ...adoptTable, ''] : []),
    ...(compare.length ? [...compare, ''] : []),
  ];
  fs.mkdirSync(path.dirname(path.resolve(opts.markdown)), { recursive: true });
  fs.writeFileSync(path.resolve(opts.markdown), md.join('\n'));
  process.stderr.write(`wrote ${path.resolve(opts.markdown)}\n`);
}
if (opts.json) {
  fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
  fs.writeFileSync(
    path.resolve(opts.json),
    JSON.stringify(
      {
        command,
        toolCommit,
        date: new Date().toISOString(),
        corpus: opts.dir,
        build: opts.build,
        adopt: opts.adopt,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  process.stderr.write(`wrote ${path.resolve(opts.json)}\n`);
}
