import { adoptedOn, hasAdopted, type StatusMemo, storyStatusOn } from '../model/adopted';
import type { PlatformSpec } from '../model/schema';
import type { Catalog, StoryDef } from '../model/stories';
import { storyComponentsFor, wiredComponents } from '../model/wiring';
import { addDays, type DeliveryPlan, day, type Freeze, iso, type SprintPlan } from './model';

/**
 * A story's state on one cluster: recorded as draft, approved, or approved and wired by the render; or partial, not
 * approved while Kustomizations adopted from the repository deliver some of its components (model/adopted.ts).
 */
export type StoryStatus = 'draft' | 'approved' | 'approved+wired' | 'partial';

/** A partial story on one cluster: its components there and those missing. */
export interface PartialStatus {
  present: string[];
  missing: string[];
}

export interface GateStatus {
  ready: boolean;
  reasons: string[];
}

export interface StatusInfo {
  /** story id -> cluster -> state; a cluster the story is not added to is absent. */
  stories: Record<string, Record<string, StoryStatus>>;
  /** sprint number -> readiness of its go/no-go gate. */
  gates?: Record<number, GateStatus>;
  /** Clusters to show per story (default: every cluster named in `stories`). */
  clusters?: string[];
  /** story id -> cluster -> what a partial story has and lacks there (only stories partial somewhere). */
  partial?: Record<string, Record<string, PartialStatus>>;
}

export type PlanFormat = 'md' | 'json' | 'mermaid';
/** The text formats renderPlan writes, then the pictures (src/delivery/svg.ts, src/delivery/html.ts). */
export const PLAN_FORMATS: readonly (PlanFormat | PictureFormat)[] = ['md', 'json', 'mermaid', 'svg', 'html'];
export type PictureFormat = 'svg' | 'html';
export const isPictureFormat = (f: string): f is PictureFormat => f === 'svg' || f === 'html';

export interface RenderPlanOptions {
  format: PlanFormat;
  status?: StatusInfo;
}

/**
 * Each recorded story's state per cluster from platform.yaml: `approved+wired` when it is approved there and every
 * component the story puts on that cluster is wired. `onDisk` (cluster -> Flux Kustomization names the check walk
 * reached in the repository as it is) makes "wired" mean the files, not what the render would write.
 */
export function statusOf(
  spec: PlatformSpec,
  cat: Catalog,
  onDisk?: Record<string, Set<string>>,
): StatusInfo['stories'] {
  return statusWithPartial(spec, cat, onDisk).stories;
}

/**
 * statusOf, and what each partial story has and lacks. A component an adopted Kustomization delivers under another
 * name (adopt recorded it with `component:`) is wired too. A repository without `adopted` has no partial story, and
 * its states are exactly platform.yaml's (in its order).
 */
export function statusWithPartial(
  spec: PlatformSpec,
  cat: Catalog,
  onDisk?: Record<string, Set<string>>,
): Required<Pick<StatusInfo, 'stories' | 'partial'>> {
  const out: StatusInfo['stories'] = {};
  const partial: Record<string, Record<string, PartialStatus>> = {};
  const adopted = hasAdopted(spec);
  const wired = new Map<string, Set<string>>();
  const wiredOn = (cluster: string) => {
    let ids = wired.get(cluster);
    if (!ids) {
      ids = new Set(onDisk?.[cluster] ?? wiredComponents(spec, cat, cluster).map((c) => c.id));
      if (adopted) for (const id of adoptedOn(spec, cluster).delivered.keys()) ids.add(id);
      wired.set(cluster, ids);
    }
    return ids;
  };
  const memo: StatusMemo = new Map();
  for (const story of cat.stories) {
    const rec = spec.stories[story.id];
    const states: Record<string, StoryStatus> = {};
    for (const [cluster, state] of Object.entries(rec?.clusters ?? {})) {
      const c = spec.clusters[cluster];
      if (state !== 'approved') states[cluster] = 'draft';
      else if (c && storyComponentsFor(cat, story, c.role).every((comp) => wiredOn(cluster).has(comp.id)))
        states[cluster] = 'approved+wired';
      else states[cluster] = 'approved';
    }
    for (const cluster of adopted ? Object.keys(spec.clusters) : []) {
      const st = storyStatusOn(spec, cat, story, cluster, memo);
      if (st?.state !== 'partial') continue;
      states[cluster] = 'partial';
      (partial[story.id] ??= {})[cluster] = { present: st.present, missing: st.missing };
    }
    if (rec || Object.keys(states).length) out[story.id] = states;
  }
  return { stories: out, partial };
}

/** The plan as a Markdown schedule, a stable JSON document, or Mermaid (Gantt chart + dependency graph). */
export function renderPlan(plan: DeliveryPlan, opts: RenderPlanOptions): string {
  switch (opts.format) {
    case 'md':
      return renderMarkdown(plan, opts.status);
    case 'json':
      return JSON.stringify(planJson(plan, opts.status), null, 2) + '\n';
    case 'mermaid':
      return renderMermaid(plan, opts.status);
    default:
      throw new Error(`unknown plan format ${String(opts.format)}`);
  }
}

// ---------------------------------------------------------------------------------------------------- helpers

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const monthDay = (s: string) => {
  const d = day(s);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
};

/** `Oct 27 – Nov 7, 2025`, or `Dec 22, 2025 – Jan 2, 2026` across a year end. */
export function formatRange(from: string, to: string): string {
  const y1 = from.slice(0, 4);
  const y2 = to.slice(0, 4);
  return y1 === y2 ? `${monthDay(from)} – ${monthDay(to)}, ${y2}` : `${monthDay(from)}, ${y1} – ${monthDay(to)}, ${y2}`;
}

/** `Monday, October 27, 2025` */
function longDate(s: string): string {
  const d = day(s);
  return `${WEEKDAYS[d.getUTCDay()]}, ${MONTHS_LONG[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

const bySeq = (a: StoryDef, b: StoryDef) => a.seq - b.seq;
const overlaps = (s: SprintPlan, f: Freeze) => s.start <= f.to && f.from <= s.end;
const sortedFreezes = (plan: DeliveryPlan) =>
  [...plan.freezes].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));

/** Stories the plan has no sprint for (custom stories without `plan.sprints`), in seq order. */
function unscheduled(plan: DeliveryPlan): string[] {
  return [...plan.sprintOf.entries()].filter(([, n]) => n === undefined).map(([id]) => id);
}

/**
 * Sprints and freezes in calendar order: each freeze goes before the first sprint (by start) that starts on or
 * after the freeze's first day, i.e. between the sprints it separates; a freeze after every sprint goes last.
 */
type Block = { kind: 'sprint'; sprint: SprintPlan } | { kind: 'freeze'; freeze: Freeze };
function blocks(plan: DeliveryPlan): Block[] {
  const sprints = [...plan.sprints].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.sprint - b.sprint,
  );
  const freezes = sortedFreezes(plan);
  const out: Block[] = [];
  let i = 0;
  for (const s of sprints) {
    while (i < freezes.length && freezes[i].from <= s.start) out.push({ kind: 'freeze', freeze: freezes[i++] });
    out.push({ kind: 'sprint', sprint: s });
  }
  while (i < freezes.length) out.push({ kind: 'freeze', freeze: freezes[i++] });
  return out;
}

function clustersOf(status: StatusInfo): string[] {
  if (status.clusters) return status.clusters;
  const seen = new Set<string>();
  for (const states of Object.values(status.stories)) for (const c of Object.keys(states)) seen.add(c);
  return [...seen];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

// ---------------------------------------------------------------------------------------------------- markdown

function storyLine(s: StoryDef, status: StatusInfo | undefined, clusters: string[]): string {
  let line = `${s.seq}. \`${s.id}\` — ${s.title}`;
  if (status) {
    const states = status.stories[s.id] ?? {};
    const shown = clusters.length ? clusters : Object.keys(states);
    const state = (c: string) => {
      const missing = status.partial?.[s.id]?.[c]?.missing;
      return states[c] === 'partial' && missing?.length
        ? `partial (missing ${missing.join(', ')})`
        : (states[c] ?? '—');
    };
    line += ` · ${shown.length ? shown.map((c) => `${c}: ${state(c)}`).join(', ') : '—'}`;
  }
  return line;
}

/** The markdown plan: its sections in order, each a function of the plan (and the story states, with --status). */
function renderMarkdown(plan: DeliveryPlan, status: StatusInfo | undefined): string {
  const clusters = status ? clustersOf(status) : [];
  const freezes = sortedFreezes(plan);
  const schedule = blocks(plan).flatMap((b) =>
    b.kind === 'freeze' ? freezeSection(b.freeze) : sprintSection(b.sprint, freezes, status, clusters),
  );
  return [
    '# Platform Delivery Schedule',
    '',
    ...assumptionsSection(plan, freezes, status, clusters),
    '## Sprint Schedule',
    '',
    ...schedule,
    ...notScheduledSection(plan),
    ...concurrencySection(plan),
    ...gatesSection(plan, status),
  ].join('\n');
}

function assumptionsSection(
  plan: DeliveryPlan,
  freezes: Freeze[],
  status: StatusInfo | undefined,
  clusters: string[],
): string[] {
  const out = ['## Assumptions', '', '| Parameter | Value |', '|-----------|-------|'];
  out.push(`| **Sprint Length** | ${plan.sprintWeeks} week${plan.sprintWeeks === 1 ? '' : 's'} |`);
  out.push(`| **Sprint 1 Start** | ${longDate(plan.sprints[0]?.start ?? plan.start)} |`);
  for (const f of freezes) out.push(`| **Change Freeze** | ${formatRange(f.from, f.to)} (${cell(f.name)}) |`);
  if (status) out.push(`| **Clusters** | ${clusters.length ? clusters.map((c) => `\`${c}\``).join(', ') : '—'} |`);
  out.push('');
  if (status) out.push(anyPartial(status) ? STATE_LEGEND_PARTIAL : STATE_LEGEND, '');
  return out;
}

/** Whether some story is partial on some cluster (only an adopted repository has such a story). */
export const anyPartial = (status: StatusInfo | undefined): boolean =>
  Object.values(status?.stories ?? {}).some((states) => Object.values(states).includes('partial'));

const STATE_LEGEND =
  'Story state per cluster: `draft` (added, not wired), `approved` (approved, not every component wired), ' +
  '`approved+wired` (approved and wired by the render), `—` (not added).';
const STATE_LEGEND_PARTIAL =
  'Story state per cluster: `draft` (added, not wired), `approved` (approved, not every component wired), ' +
  '`approved+wired` (approved and wired), `partial` (not approved; Kustomizations adopted from the repository ' +
  'deliver some of its components, the missing ones listed), `—` (not added).';

function freezeSection(f: Freeze): string[] {
  return ['---', '', '### Change Freeze', `**${formatRange(f.from, f.to)}**`, '', `> ${f.name}`, '', '---', ''];
}

/** One sprint: its dates, critical path and other stories, parallel options, notes and (with --status) its gate. */
function sprintSection(s: SprintPlan, freezes: Freeze[], status: StatusInfo | undefined, clusters: string[]): string[] {
  const out: string[] = [];
  const weeks = Math.round((day(s.end).getTime() - day(s.start).getTime() + 3 * 86_400_000) / (7 * 86_400_000));
  out.push(`### Sprint ${s.sprint} — ${s.title}`);
  const extra: string[] = [];
  if (s.pushedBy) extra.push(`moved past: ${s.pushedBy}`);
  if (s.pinned) extra.push('start pinned in platform.yaml');
  for (const f of freezes) if (overlaps(s, f)) extra.push(`**overlaps ${formatRange(f.from, f.to)} (${f.name})**`);
  out.push(
    `**${formatRange(s.start, s.end)}** | ${weeks} week${weeks === 1 ? '' : 's'}${extra.length ? ` | ${extra.join('; ')}` : ''}`,
    '',
  );

  const stories = [...s.stories].sort(bySeq);
  const critical = stories.filter((x) => x.track === 'critical');
  const other = stories.filter((x) => x.track !== 'critical');
  out.push('#### Critical Path');
  out.push(...(critical.length ? critical.map((x) => storyLine(x, status, clusters)) : ['- (none)']));
  out.push('');
  if (other.length) {
    out.push('#### Other Stories');
    out.push(...other.map((x) => `${storyLine(x, status, clusters)} (${x.track})`));
    out.push('');
  }
  if (s.parallel.length) {
    out.push('#### Parallel Options (when ready)', ...s.parallel.map((p) => `- ${p}`), '');
  }
  for (const n of s.notes) out.push(`> **Note**: ${monthDay(n.date)} — ${n.text}`, '');
  const gate = status?.gates?.[s.sprint];
  if (gate) {
    out.push('#### Go/No-Go Gate', ...s.gate.map((g) => `- ${g}`), '');
    out.push(gate.ready ? '**Gate: ready**' : '**Gate: not ready**', ...gate.reasons.map((r) => `- ${r}`), '');
  }
  return out;
}

function notScheduledSection(plan: DeliveryPlan): string[] {
  const loose = unscheduled(plan);
  if (!loose.length) return [];
  return [
    '## Not Scheduled',
    '',
    'Stories without a sprint (set one with `plan.sprints` in platform.yaml):',
    '',
    ...loose.map((id) => `- \`${id}\``),
    '',
  ];
}

function concurrencySection(plan: DeliveryPlan): string[] {
  if (!plan.concurrency.length) return [];
  const rows = plan.concurrency.map((c) => `| **${cell(c.scenario)}** | ${cell(c.details)} |`);
  return ['## Concurrency Notes (Safe Parallels)', '', '| Scenario | Details |', '|----------|---------|', ...rows, ''];
}

/** The sprints' success criteria, with their readiness when the gates were computed (--status). */
function gatesSection(plan: DeliveryPlan, status: StatusInfo | undefined): string[] {
  const gated = plan.sprints.filter((s) => s.gate.length || status?.gates?.[s.sprint]);
  if (!gated.length) return [];
  const withReady = Boolean(status?.gates);
  const out = ['## Go/No-Go Gates', ''];
  out.push(withReady ? '| Sprint | Success Criteria | Readiness |' : '| Sprint | Success Criteria |');
  out.push(withReady ? '|--------|------------------|-----------|' : '|--------|------------------|');
  for (const s of gated) {
    const criteria = s.gate.map((g) => `✓ ${cell(g)}`).join('<br>') || '—';
    let row = `| **Sprint ${s.sprint}** | ${criteria} |`;
    if (withReady) {
      const g = status!.gates![s.sprint];
      row += ` ${g ? (g.ready ? 'ready' : ['not ready', ...g.reasons.map(cell)].join('<br>')) : '—'} |`;
    }
    out.push(row);
  }
  out.push('');
  return out;
}

// ---------------------------------------------------------------------------------------------------- json

export interface PlanJsonStory {
  id: string;
  seq: number;
  title: string;
  track: string;
  lane: string;
  dependsOn: string[];
  status?: Record<string, StoryStatus>;
  /** Only for a story partial somewhere: per such cluster, its components there and those missing. */
  partial?: Record<string, PartialStatus>;
}

export interface PlanJsonSprint {
  sprint: number;
  title: string;
  start: string;
  end: string;
  stories: PlanJsonStory[];
  parallel: string[];
  gate: string[];
  notes: { date: string; text: string }[];
  pushedBy?: string;
  pinned?: boolean;
  gateStatus?: GateStatus;
}

export interface PlanJson {
  start: string;
  sprintWeeks: number;
  freezes: Freeze[];
  sprints: PlanJsonSprint[];
  /** Story ids without a sprint (custom stories without `plan.sprints`). */
  unscheduled: string[];
  concurrency: { scenario: string; details: string }[];
}

/** The plan as plain data with a fixed key order (what `--format json` prints). */
export function planJson(plan: DeliveryPlan, status?: StatusInfo): PlanJson {
  return {
    start: plan.start,
    sprintWeeks: plan.sprintWeeks,
    freezes: plan.freezes.map((f) => ({ from: f.from, to: f.to, name: f.name })),
    sprints: plan.sprints.map((s) => {
      const out: PlanJsonSprint = {
        sprint: s.sprint,
        title: s.title,
        start: s.start,
        end: s.end,
        stories: [...s.stories].sort(bySeq).map((x) => {
          const st: PlanJsonStory = {
            id: x.id,
            seq: x.seq,
            title: x.title,
            track: x.track,
            lane: x.lane,
            dependsOn: [...x.dependsOn],
          };
          if (status) st.status = { ...(status.stories[x.id] ?? {}) };
          const partial = status?.partial?.[x.id];
          if (partial && Object.keys(partial).length) st.partial = structuredClone(partial);
          return st;
        }),
        parallel: [...s.parallel],
        gate: [...s.gate],
        notes: s.notes.map((n) => ({ date: n.date, text: n.text })),
      };
      if (s.pushedBy) out.pushedBy = s.pushedBy;
      if (s.pinned) out.pinned = true;
      const g = status?.gates?.[s.sprint];
      if (g) out.gateStatus = { ready: g.ready, reasons: [...g.reasons] };
      return out;
    }),
    unscheduled: unscheduled(plan),
    concurrency: plan.concurrency.map((c) => ({ scenario: c.scenario, details: c.details })),
  };
}

// ---------------------------------------------------------------------------------------------------- mermaid

/** Text Mermaid takes literally in a Gantt task or section name (no `:`, `#` or `;`). */
const ganttText = (s: string) => s.replace(/[:;#]/g, ' -').replace(/\s+/g, ' ').trim();
const nodeId = (s: StoryDef) => `S${String(s.seq).padStart(2, '0')}`;
/** Mermaid Gantt end dates are exclusive: the day after the last working day. */
const endExclusive = (s: string) => iso(addDays(day(s), 1));

function ganttTag(id: string, status: StatusInfo | undefined): string {
  if (!status) return '';
  const states = Object.values(status.stories[id] ?? {});
  if (states.length && states.every((x) => x === 'approved+wired')) return 'done, ';
  if (states.some((x) => x !== 'draft')) return 'active, ';
  return '';
}

function renderMermaid(plan: DeliveryPlan, status: StatusInfo | undefined): string {
  const out: string[] = ['gantt', '  title Platform delivery plan', '  dateFormat YYYY-MM-DD', '  axisFormat %b %d'];
  let freezeN = 0;
  for (const b of blocks(plan)) {
    if (b.kind === 'freeze') {
      const f = b.freeze;
      out.push(
        `  section Change freeze`,
        `  ${ganttText(f.name)} :crit, freeze${++freezeN}, ${f.from}, ${endExclusive(f.to)}`,
      );
      continue;
    }
    const s = b.sprint;
    out.push(`  section Sprint ${s.sprint} - ${ganttText(s.title)}`);
    for (const x of [...s.stories].sort(bySeq)) {
      out.push(
        `  ${x.seq}. ${x.id} :${ganttTag(x.id, status)}${nodeId(x).toLowerCase()}, ${s.start}, ${endExclusive(s.end)}`,
      );
    }
  }
  out.push('');
  out.push('%% Story dependencies: A --> B means story A depends on story B (B comes first).');
  out.push('graph LR');
  const stories = plan.sprints.flatMap((s) => [...s.stories].sort(bySeq));
  const scheduled = new Map(stories.map((s) => [s.id, s]));
  for (const s of plan.sprints) {
    if (!s.stories.length) continue;
    out.push(`  subgraph sprint${s.sprint}["Sprint ${s.sprint}"]`);
    for (const x of [...s.stories].sort(bySeq)) out.push(`    ${nodeId(x)}["${x.seq}. ${x.id}"]`);
    out.push('  end');
  }
  for (const x of stories) {
    for (const d of x.dependsOn) {
      const dep = scheduled.get(d);
      if (dep) out.push(`  ${nodeId(x)} --> ${nodeId(dep)}`);
    }
  }
  return out.join('\n') + '\n';
}
