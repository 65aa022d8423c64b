#!/usr/bin/env node
// Bench row diff-ref (issue 15): platform-kit diff on the reference platform with one story changed, against the
// naive alternative, two full builds (one kubectl kustomize per Flux Kustomization of every cluster, at the base and
// in the work tree, one after another). Plain Node (ESM), built-ins only; compile first (npx tsc -p tsconfig.json).
//
//   node bench/diff-ref.mjs [runs]        (default 3; the sides are interleaved, medians reported)
//
// The change: the reference platform (infra + apps, every story approved) with STORY-APP-HARBOR a draft is the base
// commit; the work tree approves it (12 objects added, one Alert changed). Also timed: diff --full (every path built
// on both sides), to show what skipping unchanged builds saves.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PK = path.join(ROOT, 'lib/cli/platform-kit.js');
const runs = Number(process.argv[2] ?? 3);
if (!fs.existsSync(PK)) throw new Error('compile first: npx tsc -p tsconfig.json');
const lib = createRequire(import.meta.url)(path.join(ROOT, 'lib/index.js'));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
const sh = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-diff-'));
try {
  const dir = path.join(tmp, 'repo');
  lib.createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }], stories: { ids: 'all', approve: true } });
  lib.unapproveStory({ id: 'STORY-APP-HARBOR', dir });
  sh('git', ['init', '-q', '-b', 'main'], dir);
  sh('git', ['add', '-A'], dir);
  sh('git', ['commit', '-qm', 'base'], dir);
  const baseCopy = path.join(tmp, 'base'); // the naive loop's base side: a plain clone at the base commit
  sh('git', ['clone', '-q', dir, baseCopy], tmp);
  lib.approveStory({ id: 'STORY-APP-HARBOR', dir });

  const pathsOf = async (d) => {
    const g = await lib.check({ dir: d });
    return g.clusters.flatMap((c) => g.graphs[c].nodes.filter((n) => !n.external).map((n) => n.path || '.'));
  };
  const sides = [
    [baseCopy, await pathsOf(baseCopy)],
    [dir, await pathsOf(dir)],
  ];
  const loop = () => {
    for (const [d, paths] of sides)
      for (const p of paths) spawnSync('kubectl', ['kustomize', path.join(d, p)], { stdio: 'ignore' });
  };
  const diff = (full) => () => {
    const r = spawnSync(process.execPath, [PK, 'diff', '--base', 'HEAD', '--dir', dir, ...(full ? ['--full'] : [])], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim().split('\n').pop();
  };
  const time = (fn) => {
    const t = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  console.log(`change: ${diff(false)()}`);
  console.log(`two full builds: ${sides[0][1].length} + ${sides[1][1].length} kubectl kustomize runs`);
  const s = { diff: [], 'diff --full': [], 'two full builds': [] };
  for (let i = 0; i < runs; i++) {
    s.diff.push(time(diff(false)));
    s['two full builds'].push(time(loop));
    s['diff --full'].push(time(diff(true)));
  }
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const [k, v] of Object.entries(s))
    console.log(
      `${k.padEnd(16)} ${v.map((x) => (x / 1000).toFixed(1)).join(' ')} s; median ${(med(v) / 1000).toFixed(2)} s`,
    );
  const floor = med(s['two full builds']);
  console.log(
    `diff-ref: diff / two full builds = ${(med(s.diff) / floor).toFixed(3)}; diff --full / two full builds = ${(med(s['diff --full']) / floor).toFixed(3)}`,
  );
  console.log(
    `machine: ${os.availableParallelism()} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}, kubectl ${sh('kubectl', ['version', '--client'], tmp).split('\n')[0]}`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
