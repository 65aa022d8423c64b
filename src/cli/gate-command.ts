import type { Command } from 'commander';
import type { KubectlRunner, LiveGate, StaticGate } from '../delivery/gate';
import type { SprintPlan } from '../delivery/model';
import { type Io, runAction } from './common';

export interface GateCommandOptions {
  /** kubectl runner for --live (default: kubectl from PATH). */
  runner?: KubectlRunner;
  /** Where the exit code goes (default: process.exitCode). */
  setExit?: (code: number) => void;
}

/**
 * `gate <sprint>`: the sprint's go/no-go gate. From the files: its stories approved and wired on their clusters and
 * `check` clean in their components; with --live also their Flux Kustomizations / HelmReleases Ready on the clusters.
 * Exit 0 ready, 1 not ready, 2 bad input (commander's own usage errors: as the program's exitOverride, set before
 * this is called, says; see exitTwoOnUsageError in ./common).
 */
export function defineGate(program: Command, io: Io, opts: GateCommandOptions = {}): void {
  const setExit = opts.setExit ?? ((code: number) => (process.exitCode = code));
  program
    .command('gate')
    .description(
      "a sprint's go/no-go gate: its stories approved and wired, check clean; --live: its Flux objects Ready on the clusters",
    )
    .argument('<sprint>', 'sprint number')
    .option('--dir <dir>', 'the GitOps repository', '.')
    .option(
      '--live',
      'also ask the clusters (kubectl --context <cluster>) whether the Flux Kustomizations and HelmReleases are Ready',
    )
    .option('--json', 'machine-readable output')
    .action(async (sprint: string, flags: { dir: string; live?: boolean; json?: boolean }) => {
      setExit(
        await runAction(io, async () => {
          const { UsageError } = await import('../core/errors');
          if (!/^\s*[0-9]+\s*$/.test(sprint))
            throw new UsageError(`sprint ${JSON.stringify(sprint)}: give the sprint number (e.g. 1)`);
          const { gateLive } = await import('../delivery/gate');
          const { gateStaticWithCheck } = await import('../commands/gate');
          const { loadPlatform } = await import('../model/platform-file');
          const { catalogFor } = await import('../model/wiring');
          const path = await import('node:path');
          const files = await gateStaticWithCheck(flags.dir, sprint);
          const sp = files.sprint;
          const spec = loadPlatform(path.resolve(flags.dir))!.spec;
          const live = flags.live ? await gateLive(spec, catalogFor(spec), sp, opts.runner) : undefined;
          const ready = files.ready && (live?.ready ?? true);
          io.out(flags.json ? gateJson(files, live, ready) : gateText(files, live, ready).join('\n'));
          return ready ? 0 : 1;
        }),
      );
    });
}

/** The gate of the files (gateStaticWithCheck): the static gate and its sprint. */
type FilesGate = StaticGate & { sprint: SprintPlan };

/** `gate --json`: the sprint, the verdict, every reason, the stories and (with --live) the live checks. */
function gateJson(files: FilesGate, live: LiveGate | undefined, ready: boolean): string {
  const sp = files.sprint;
  const reasons = [...files.reasons, ...(live?.reasons ?? [])];
  const out = {
    sprint: sp.sprint,
    title: sp.title,
    start: sp.start,
    end: sp.end,
    gate: sp.gate,
    ready,
    reasons,
    stories: files.stories,
  };
  return JSON.stringify({ ...out, ...(live ? { live: live.checks } : {}) }, null, 2);
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

/** The gate for a person: the sprint and its gate, what the files say, what the clusters say, the verdict. */
function gateText(files: FilesGate, live: LiveGate | undefined, ready: boolean): string[] {
  const sp = files.sprint;
  const lines: string[] = [`Sprint ${sp.sprint}: ${sp.title} (${sp.start} .. ${sp.end})`];
  if (sp.gate.length) lines.push('Gate:', ...sp.gate.map((g) => `  - ${g}`));
  lines.push('Files:', ...filesLines(files));
  if (live) lines.push('Live:', ...liveLines(live));
  lines.push(ready ? 'ready' : 'not ready');
  return lines;
}

/** Each story with its states and reasons, the reasons of no story, then check's errors in the sprint's folders. */
function filesLines(files: FilesGate): string[] {
  const lines: string[] = [];
  if (files.sprint.stories.length === 0) lines.push('  (no story in this sprint)');
  for (const s of files.stories) {
    const where =
      Object.entries(s.clusters)
        .map(([c, st]) => `${c}:${st}`)
        .join(' ') || 'no cluster';
    lines.push(`  ${mark(s.ok)} ${s.id} (${where})`);
    // states are on the story's line; other reasons (not wired, folder missing) below it
    for (const r of files.reasons) if (r.startsWith(`${s.id}:`)) lines.push(`      ${r}`);
  }
  const checkFindings = files.reasons.filter((r) => r.startsWith('check: '));
  const ids = files.stories.map((s) => s.id);
  const ofAStory = (r: string) => ids.some((id) => r.startsWith(`${id} `) || r.startsWith(`${id}:`));
  for (const r of files.reasons) if (!r.startsWith('check: ') && !ofAStory(r)) lines.push(`  ✗ ${r}`);
  const errors = checkFindings.length
    ? `${checkFindings.length} error${checkFindings.length > 1 ? 's' : ''}`
    : 'no error';
  lines.push(`  ${mark(checkFindings.length === 0)} check: ${errors} in the sprint's components and lanes`);
  for (const r of checkFindings) lines.push(`      ${r}`);
  return lines;
}

/** Each live check (Ready, not Ready with its message, missing) and the clusters kubectl could not ask. */
function liveLines(live: LiveGate): string[] {
  const lines: string[] = [];
  if (live.checks.length === 0 && live.reasons.length === 0)
    lines.push('  (no live component of this sprint is wired on any cluster)');
  for (const c of live.checks) {
    const state = c.ready === 'missing' ? 'missing' : c.ready ? 'Ready' : 'not Ready';
    lines.push(
      `  ${mark(c.ready === true)} ${c.cluster} ${c.kind} ${c.name} ${state}${c.message && c.ready !== true ? `: ${c.message}` : ''}`,
    );
  }
  for (const r of live.reasons.filter((x) => x.includes(': kubectl '))) lines.push(`  ✗ ${r}`);
  return lines;
}
