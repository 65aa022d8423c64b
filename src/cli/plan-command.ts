import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { GateStatus, StatusInfo } from '../delivery/render';
import type { PlatformSpec } from '../model/schema';
import type { Catalog } from '../model/stories';
import { type Io, runAction } from './common';

interface PlanFlags {
  dir: string;
  format: string;
  status?: boolean;
  start?: string;
}

export interface PlanCommandOptions {
  /** Today, for the "plan lies in the past" warning and the today line of the pictures (tests fix it). */
  now?: () => Date;
}

/** The states, and the partial stories' details only when there are some (StatusInfo of a generated repository is as before). */
const withPartial = (s: Required<Pick<StatusInfo, 'stories' | 'partial'>>): StatusInfo =>
  Object.keys(s.partial).length ? s : { stories: s.stories };

type GateStatic = (spec: PlatformSpec, cat: Catalog, sprint: number, dir: string) => GateStatus | Promise<GateStatus>;

/** The static gate logic (src/delivery/gate), loaded only when the plan shows gates. */
async function loadGateStatic(): Promise<GateStatic | undefined> {
  // A literal import: the bins' bundler (scripts/bundle-bins.mjs) follows it into a chunk of the bundle.
  const mod = (await import('../delivery/gate')) as { gateStatic?: unknown };
  return typeof mod.gateStatic === 'function' ? (mod.gateStatic as GateStatic) : undefined;
}

/**
 * `plan`: the delivery plan of a repository (or the catalog's default plan) as Markdown, JSON, Mermaid, an SVG Gantt
 * or a self-contained HTML page; a warning on stderr when it lies in the past (before `opts.now`). Commander's
 * own usage errors exit as the program's exitOverride (set before this is called) says; see exitTwoOnUsageError.
 */
export function definePlan(program: Command, io: Io, opts: PlanCommandOptions = {}): void {
  const now = opts.now ?? (() => new Date());
  program
    .command('plan')
    .description('the delivery plan: sprints with dates, stories, parallel options, freezes and go/no-go gates')
    .option('--dir <dir>', "the GitOps repository (without platform.yaml: the catalog's default plan)", '.')
    .option(
      '--format <format>',
      'md, json, mermaid (Gantt chart + story dependency graph), svg (a Gantt picture) or html (a self-contained page: Gantt, dependency graph, stories)',
      'md',
    )
    .option(
      '--start <YYYY-MM-DD>',
      "Monday of sprint 1 (default: plan.start in platform.yaml, else the catalog's 2025-10-27)",
    )
    .option('--status', "add each story's state per cluster and each sprint's gate readiness (needs platform.yaml)")
    .action(async (flags: PlanFlags) => {
      process.exitCode = await runAction(io, async () => {
        const { UsageError } = await import('../core/errors');
        const { PLAN_FORMATS, isPictureFormat, renderPlan, statusWithPartial } = await import('../delivery/render');
        const format = flags.format as (typeof PLAN_FORMATS)[number];
        if (!PLAN_FORMATS.includes(format))
          throw new UsageError(`--format ${flags.format}: use ${PLAN_FORMATS.join(', ')}`);
        const { checkPlanStart, pastPlanWarning, today } = await import('../delivery/dates');
        const start = flags.start === undefined ? undefined : checkPlanStart(flags.start);
        const { checkRepoDir } = await import('../commands/repo-dir');
        const root = checkRepoDir(flags.dir);
        if (!fs.existsSync(root)) throw new UsageError(`--dir ${flags.dir}: no such directory`);
        const { loadPlatform } = await import('../model/platform-file');
        const { catalogFor } = await import('../model/wiring');
        const { catalogWith } = await import('../model/stories');
        const { buildPlan } = await import('../delivery/model');
        const spec = loadPlatform(root)?.spec;
        if (flags.status && !spec)
          throw new UsageError(`--status: no platform.yaml in ${flags.dir} (story states come from it)`);
        const cat = spec ? catalogFor(spec) : catalogWith({});
        const plan = buildPlan(cat, spec, { start });

        let status: StatusInfo | undefined;
        if (flags.status && spec) {
          // "wired" is what the repository's lanes really reach (the check's walk), not what a render would write.
          const { checkFlux } = await import('../check/check');
          let onDisk: Record<string, Set<string>> | undefined;
          try {
            const walked = await checkFlux({ dir: root });
            onDisk = Object.fromEntries(
              Object.entries(walked.graphs).map(([c, g]) => [c, new Set(g.nodes.map((n) => n.name))]),
            );
          } catch {
            onDisk = undefined; // no cluster folders (only platform.yaml): what the render would wire
          }
          status = { ...withPartial(statusWithPartial(spec, cat, onDisk)), clusters: Object.keys(spec.clusters) };
          const gateStatic = await loadGateStatic();
          if (gateStatic) {
            const gates: Record<number, GateStatus> = {};
            for (const s of plan.sprints) gates[s.sprint] = await gateStatic(spec, cat, s.sprint, root);
            status.gates = gates;
          }
        }

        if (spec) {
          const { planFindings } = await import('../delivery/checks');
          // The findings of the plan shown: --start replaces plan.start.
          const shown = start ? { ...spec, plan: { ...(spec.plan ?? {}), start } } : spec;
          for (const f of planFindings(shown, cat)) io.err(`${f.severity}: ${f.code}: ${f.message}`);
        }
        const past = pastPlanWarning(plan, now());
        if (past) io.err(past);
        if (isPictureFormat(format)) {
          // The picture colours stories by their state in platform.yaml, also without --status.
          const pictured =
            status ??
            (spec ? { ...withPartial(statusWithPartial(spec, cat)), clusters: Object.keys(spec.clusters) } : undefined);
          const { ganttData, renderGanttSvg } = await import('../delivery/svg');
          const { renderPlanHtml } = await import('../delivery/html');
          const day = today(now());
          const subtitle = spec
            ? `Story states from platform.yaml of ${path.basename(path.resolve(root))} (clusters: ${Object.keys(spec.clusters).join(', ') || 'none'}).`
            : "The catalog's plan (no platform.yaml read: story states are not shown).";
          io.out(
            format === 'svg'
              ? renderGanttSvg(ganttData(plan, pictured, day))
              : renderPlanHtml(plan, {
                  status: pictured,
                  today: day,
                  subtitle,
                  warning: past?.replace(/^warning: /, ''),
                }),
          );
          return;
        }
        io.out(renderPlan(plan, { format, status }));
      });
    });
}
