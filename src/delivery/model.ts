import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CATALOG_DIR } from '../model/components';
import type { PlanSettings, PlatformSpec } from '../model/schema';
import type { Catalog, StoryDef } from '../model/stories';

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const PlanFileSchema = z.strictObject({
  defaults: z.strictObject({
    start: DATE,
    sprintWeeks: z.number().int().min(1),
    freezes: z.array(z.strictObject({ from: DATE, to: DATE, name: z.string() })),
    notes: z.array(z.strictObject({ date: DATE, text: z.string() })),
  }),
  sprints: z.array(
    z.strictObject({
      sprint: z.number().int().min(1),
      title: z.string(),
      parallel: z.array(z.string()),
      gate: z.array(z.string()).min(1),
      /** Flux Kustomizations / HelmReleases (component ids) the gate checks live. */
      live: z.array(z.string()),
    }),
  ),
  concurrency: z.array(z.strictObject({ scenario: z.string(), details: z.string() })),
});
export type PlanFile = z.infer<typeof PlanFileSchema>;

let cached: PlanFile | undefined;
/** catalog/plan.yaml, validated. */
export function loadPlanFile(): PlanFile {
  if (!cached) cached = PlanFileSchema.parse(parse(fs.readFileSync(path.join(CATALOG_DIR, 'plan.yaml'), 'utf8')));
  return cached;
}

/** A calendar day (UTC midnight) as YYYY-MM-DD and back; all plan arithmetic is in whole days. */
export const day = (s: string) => new Date(`${s}T00:00:00Z`);
export const iso = (d: Date) => d.toISOString().slice(0, 10);
export const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

export interface Freeze {
  from: string;
  to: string;
  name: string;
}

export interface SprintPlan {
  sprint: number;
  title: string;
  /** First and last working day (Monday .. Friday of the last week). */
  start: string;
  end: string;
  /** Stories of the sprint, in plan order (seq). */
  stories: StoryDef[];
  parallel: string[];
  gate: string[];
  live: string[];
  /** Notes on days inside the sprint. */
  notes: { date: string; text: string }[];
  /** The freeze this sprint was pushed past, if any. */
  pushedBy?: string;
  /** The start was fixed in platform.yaml (plan.sprintStarts): freezes do not move it. */
  pinned?: boolean;
}

export interface DeliveryPlan {
  start: string;
  sprintWeeks: number;
  freezes: Freeze[];
  sprints: SprintPlan[];
  concurrency: { scenario: string; details: string }[];
  /** story id -> sprint */
  sprintOf: Map<string, number | undefined>;
}

const overlapsRange = (a1: Date, a2: Date, b1: Date, b2: Date) => a1 <= b2 && b1 <= a2;

/** The same month and day `years` later (Feb 29 becomes Feb 28 in a year without it). */
function shiftYears(s: string, years: number): string {
  const [y, m, d] = s.split('-').map(Number);
  const last = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  return iso(new Date(Date.UTC(y + years, m - 1, Math.min(d, last))));
}

/** The same weekday of the same week of the month `years` later (the 4th Thursday of November stays one). */
function shiftYearsByWeekday(s: string, years: number): string {
  const d = day(s);
  const nth = Math.floor((d.getUTCDate() - 1) / 7);
  const y = d.getUTCFullYear() + years;
  const month = d.getUTCMonth();
  let first = new Date(Date.UTC(y, month, 1));
  while (first.getUTCDay() !== d.getUTCDay()) first = addDays(first, 1);
  let out = addDays(first, nth * 7);
  if (out.getUTCMonth() !== month) out = addDays(out, -7); // a 5th weekday the month does not have: its last one
  return iso(out);
}

/** Whole years from `from`'s year to `to`'s year, one before and one after, for the catalog's yearly dates. */
function yearOffsets(base: string, from: string, to: string): number[] {
  const b = Number(base.slice(0, 4));
  const out: number[] = [];
  for (let y = Number(from.slice(0, 4)) - 1; y <= Number(to.slice(0, 4)) + 1; y++) out.push(y - b);
  return out;
}

export interface BuildPlanOptions {
  /** Monday of sprint 1, overriding platform.yaml's plan.start and the catalog's (`plan --start`). */
  start?: string;
}

/**
 * The delivery plan: sprints of `sprintWeeks` from `start`; a sprint that would overlap a freeze starts on the
 * first Monday after it, and the following sprints move with it.
 *
 * The start is `opts.start`, else platform.yaml's `plan.start`, else the catalog's. The catalog's freezes and notes
 * are yearly (the holiday break, Thanksgiving): unless platform.yaml sets its own, they recur in every year the plan
 * spans — a freeze on the same dates, a note on the same weekday of the month — so a plan started in another year
 * keeps its holiday freeze; only those that fall inside the plan are kept.
 */
export function buildPlan(
  cat: Catalog,
  spec?: Pick<PlatformSpec, 'plan' | 'stories'>,
  opts: BuildPlanOptions = {},
): DeliveryPlan {
  const file = loadPlanFile();
  const settings: PlanSettings = spec?.plan ?? {};
  const start = opts.start ?? settings.start ?? file.defaults.start;
  const weeks = settings.sprintWeeks ?? file.defaults.sprintWeeks;
  const sprintOf = new Map<string, number | undefined>();
  for (const s of cat.stories) sprintOf.set(s.id, settings.sprints?.[s.id] ?? (s.custom ? undefined : s.sprint));
  const count = Math.max(file.sprints.length, ...[...sprintOf.values()].map((n) => n ?? 0));

  // The window the plan may span: its sprints back to back plus a year of freezes and pinned starts.
  const pins = Object.values(settings.sprintStarts ?? {});
  const until = [iso(addDays(day(start), count * weeks * 7 + 366)), ...pins].sort().at(-1)!;
  const since = [start, ...pins].sort()[0];
  const base = file.defaults.start;
  const yearly = yearOffsets(base, since, until);
  const freezes =
    settings.freezes ??
    yearly.flatMap((k) =>
      file.defaults.freezes.map((f) => ({ from: shiftYears(f.from, k), to: shiftYears(f.to, k), name: f.name })),
    );
  const notes =
    settings.notes ??
    yearly.flatMap((k) => file.defaults.notes.map((n) => ({ date: shiftYearsByWeekday(n.date, k), text: n.text })));

  const sprints: SprintPlan[] = [];
  let cursor = day(start);
  for (let n = 1; n <= count; n++) {
    const pinned = settings.sprintStarts?.[String(n)];
    let s = pinned ? day(pinned) : cursor;
    let e = addDays(s, weeks * 7 - 3);
    let pushedBy: string | undefined;
    for (const f of pinned ? [] : [...freezes].sort((a, b) => (a.from < b.from ? -1 : 1))) {
      if (overlapsRange(s, e, day(f.from), day(f.to))) {
        s = addDays(day(f.to), 1);
        while (s.getUTCDay() !== 1) s = addDays(s, 1);
        e = addDays(s, weeks * 7 - 3);
        pushedBy = f.name;
      }
    }
    const meta = file.sprints.find((x) => x.sprint === n);
    sprints.push({
      sprint: n,
      title: meta?.title ?? `Sprint ${n}`,
      start: iso(s),
      end: iso(e),
      stories: cat.stories.filter((st) => sprintOf.get(st.id) === n),
      parallel: meta?.parallel ?? [],
      gate: meta?.gate ?? [],
      live: meta?.live ?? [],
      notes: notes.filter((x) => x.date >= iso(s) && x.date <= iso(e)),
      pushedBy,
      pinned: pinned ? true : undefined,
    });
    cursor = addDays(s, weeks * 7);
  }
  // The catalog's yearly freezes: those between the plan's first and last day (platform.yaml's own: all of them).
  const first = sprints.map((x) => x.start).sort()[0] ?? start;
  const last =
    sprints
      .map((x) => x.end)
      .sort()
      .at(-1) ?? start;
  const shown = settings.freezes ? freezes : freezes.filter((f) => f.from <= last && f.to >= first);
  return { start, sprintWeeks: weeks, freezes: shown, sprints, concurrency: file.concurrency, sprintOf };
}

/** The plan's first and last working day. */
export function planRange(plan: DeliveryPlan): { first: string; last: string } {
  return {
    first: plan.sprints.map((x) => x.start).sort()[0] ?? plan.start,
    last:
      plan.sprints
        .map((x) => x.end)
        .sort()
        .at(-1) ?? plan.start,
  };
}
