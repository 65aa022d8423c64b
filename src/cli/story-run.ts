import { addedSettingValues } from '../commands/outcome';
import type { StoryResult } from '../commands/stories';
import { UsageError } from '../core/errors';
import { conflictReport } from '../core/plan-facts';
import { handoverBlock } from '../model/handover';
import type { DependencyAdded } from '../model/story-rules';
import type { Io } from './common';
import { formatConflicts, formatPlanReport, formatSettings, stderrPaint, stdoutPaint, wroteLine } from './output';

export interface CustomFlags {
  title?: string;
  lane?: string;
  component?: string;
  area?: string;
  namespace?: string;
  chartUrl?: string;
  chartName?: string;
  chartVersion?: string;
  dependsOn?: string[];
  needs?: string[];
}

/** Print what a story command did (or would do): the summary (every file with --verbose), settings added, the outcome. */
export function report(
  io: Io,
  r: Pick<StoryResult, 'plan' | 'settingsAdded' | 'root' | 'clusters' | 'written' | 'handover'>,
  dryRun: boolean | undefined,
  verb: string,
  what: string,
  verbose?: boolean,
): number {
  const paint = stdoutPaint();
  io.out(formatPlanReport(r.plan, { dryRun, verbose, paint }));
  const settings = formatSettings(addedSettingValues(r.plan, r.settingsAdded), paint);
  if (settings.length) io.out(settings.join('\n'));
  if (dryRun) io.out('dry run: nothing was written');
  else if (r.written) io.out(`${verb} ${what} on ${r.clusters.join(', ')}: ${wroteLine(r.plan)} in ${r.root}`);
  else io.out(`nothing to do: ${what} already ${verb} on ${r.clusters.join(', ')}`);
  const byHand = handoverBlock(r.handover ?? []);
  if (byHand.length) io.out(byHand.join('\n'));
  return reportUnresolved(io, r.plan, dryRun);
}

/** The dependencies --with-deps brought along, in plan order, one per line. */
export function reportDependencies(io: Io, deps: DependencyAdded[], verb: string, dryRun: boolean | undefined): void {
  if (!deps.length) return;
  io.out(
    `${dryRun ? 'would bring' : 'brought'} along ${deps.length} ` +
      `${deps.length === 1 ? 'dependency' : 'dependencies'} (${verb}, in plan order):\n${deps.map((d) => `  ${d.id} on ${d.clusters.join(', ')}`).join('\n')}`,
  );
}

/**
 * Files a merge left for a person: on stderr, saying whether markers were written by this run or are left from an
 * earlier one; exit 1.
 */
export function reportUnresolved(io: Io, plan: StoryResult['plan'], dryRun?: boolean): number {
  const lines = formatConflicts(conflictReport(plan), dryRun ? 'dry-run' : 'written', stderrPaint());
  if (!lines.length) return 0;
  io.err(lines.join('\n'));
  return 1;
}

/** The custom story definition from flags (prompting for what is missing when a person runs it). */
export async function customFromFlags(
  id: string,
  f: CustomFlags,
  interactive: boolean,
  roles: string[] = ['apps', 'infra'],
): Promise<unknown> {
  const need: [keyof CustomFlags, string][] = [
    ['title', '--title'],
    ['lane', '--lane (infra, apps or cross-platform)'],
    ['component', '--component'],
    ['namespace', '--namespace'],
  ];
  const missing = need.filter(([k]) => !f[k]);
  if (missing.length && interactive) {
    const { input, select } = await import('@inquirer/prompts');
    if (!f.title) f.title = await input({ message: `Title of ${id}`, required: true });
    if (!f.lane) {
      // A lane runs on the clusters of its role: one whose role no cluster has is shown, but cannot be picked.
      const choices = ['apps', 'infra', 'cross-platform'].map((v) => ({
        value: v,
        disabled: (v === 'cross-platform' ? roles.length > 0 : roles.includes(v))
          ? false
          : `(no ${v === 'cross-platform' ? '' : `${v} `}cluster in this repository)`,
      }));
      f.lane = await select({ message: 'Lane', choices, default: choices.find((c) => !c.disabled)?.value });
    }
    const slug = id
      .replace(/^STORY-/, '')
      .toLowerCase()
      .split('-')
      .slice(-1)[0];
    if (!f.component)
      f.component = await input({ message: 'Component name (also the Flux Kustomization name)', default: slug });
    if (!f.namespace) f.namespace = await input({ message: 'Namespace', default: f.component });
    if (!f.chartUrl)
      f.chartUrl = await input({
        message: 'Chart repository (oci://… or https://…; empty for plain manifests)',
        default: '',
      });
    if (f.chartUrl && !f.chartName) f.chartName = await input({ message: 'Chart name', default: f.component });
    if (f.chartUrl && !f.chartVersion)
      f.chartVersion = await input({ message: 'Chart version (pinned)', required: true });
  } else if (missing.length) {
    const lanes = roles.length
      ? `; this repository has ${roles.map((r) => `${r} clusters (--lane ${r})`).join(' and ')}`
      : '';
    throw new UsageError(
      `--custom ${id}: missing ${missing.map(([, flag]) => flag).join(', ')} (no terminal to ask)${f.lane ? '' : lanes}; nothing was written`,
    );
  }
  const lane = f.lane === 'apps' ? 'workloads' : 'infrastructure';
  let chart: Record<string, string> | undefined;
  if (f.chartUrl) {
    if (!f.chartVersion)
      throw new UsageError(
        `--custom ${id}: --chart-url needs --chart-version (charts are pinned); nothing was written`,
      );
    const oci = f.chartUrl.startsWith('oci://');
    const name = f.chartName ?? (oci ? f.chartUrl.replace(/\/+$/, '').split('/').pop()! : f.component!);
    chart = { name, url: f.chartUrl, version: f.chartVersion, repoType: oci ? 'oci' : 'helm' };
  } else if (f.chartName || f.chartVersion) {
    throw new UsageError(`--custom ${id}: --chart-name/--chart-version need --chart-url; nothing was written`);
  }
  return {
    title: f.title,
    lane: f.lane,
    dependsOn: f.dependsOn ?? [],
    components: [
      {
        id: f.component,
        area: f.area ?? (lane === 'workloads' ? 'apps' : 'platform'),
        lane,
        namespace: f.namespace,
        description: f.title,
        ...(chart ? { chart } : {}),
        dependsOn: f.needs ?? [],
      },
    ],
  };
}

/** add-story with no id on a terminal: type to filter the stories (id or title), Enter picks one. */
export async function pickStory(dir: string): Promise<string> {
  const { storyPicks } = await import('../commands/stories');
  const { search } = await import('@inquirer/prompts');
  const picks = storyPicks(dir);
  const status = (p: (typeof picks)[number]) =>
    Object.entries(p.status)
      .map(([c, st]) => `${c}: ${st}`)
      .join(', ') || 'no cluster of its role';
  return search({
    message: 'Story to add (type to filter by id or title)',
    pageSize: 12,
    source: (term) => {
      const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      return picks
        .filter((p) => words.every((w) => `${p.id} ${p.title}`.toLowerCase().includes(w)))
        .map((p) => ({
          value: p.id,
          name: `${p.id}  ${p.title}  [${status(p)}]`,
          description: `sprint ${p.sprint} · ${status(p)}`,
        }));
    },
  });
}
