import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultCluster, newPlatform, platformToString, setCluster } from '../src';
import { definePlan } from '../src/cli/plan-command';
import type { PlanJson } from '../src/delivery/render';
import type { PlatformSpec } from '../src/model/schema';
import { ROOT, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/** The catalog's calendar defaults, read from the file the tool reads. */
const DEFAULTS = (
  parse(fs.readFileSync(path.join(ROOT, 'catalog', 'plan.yaml'), 'utf8')) as {
    defaults: { start: string; sprintWeeks: number; freezes: { from: string; to: string; name: string }[] };
    sprints: unknown[];
  }
).defaults;
const SPRINTS = (parse(fs.readFileSync(path.join(ROOT, 'catalog', 'plan.yaml'), 'utf8')) as { sprints: unknown[] })
  .sprints.length;

const addDays = (s: string, n: number) =>
  new Date(Date.parse(`${s}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const yearLater = (s: string, n: number) => `${Number(s.slice(0, 4)) + n}${s.slice(4)}`;

/** Back-to-back sprints from `start` with no freeze in the way: what the plan must say. */
const backToBack = (start: string, count = SPRINTS, weeks = DEFAULTS.sprintWeeks) =>
  Array.from({ length: count }, (_, i) => [
    addDays(start, i * weeks * 7),
    addDays(start, i * weeks * 7 + weeks * 7 - 3),
  ]);

async function runPlan(args: string[], now: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('platform-kit').exitOverride();
  definePlan(
    program,
    { out: (t) => out.push(t), err: (t) => err.push(t) },
    { now: () => new Date(`${now}T12:00:00Z`) },
  );
  const before = process.exitCode;
  try {
    await program.parseAsync(['plan', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.exitCode = before;
  }
}

function repo(plan?: PlatformSpec['plan']): string {
  const dir = tmpDir('cpc-conv-start-');
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  const doc = parse(platformToString(pf)) as Record<string, unknown>;
  if (plan) doc.plan = plan;
  fs.writeFileSync(path.join(dir, 'platform.yaml'), stringify(doc));
  return dir;
}

const sprintDates = (out: string) => (JSON.parse(out) as PlanJson).sprints.map((s) => [s.start, s.end]);

describe('plan --start and plan.start (issue 16 item 5)', () => {
  it('--start moves every sprint from the given Monday (no freeze in the way)', async () => {
    const start = '2026-03-02';
    const r = await runPlan(['--dir', tmpDir('cpc-conv-start-'), '--start', start, '--format', 'json'], '2026-02-01');
    expect(r.code, r.err).toBe(0);
    expect(sprintDates(r.out)).toEqual(backToBack(start));
    expect((JSON.parse(r.out) as PlanJson).start).toBe(start);
  });

  it('plan.start in platform.yaml moves the plan; --start overrides it', async () => {
    const dir = repo({ start: '2026-03-02' });
    const fromFile = await runPlan(['--dir', dir, '--format', 'json'], '2026-02-01');
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(sprintDates(fromFile.out)).toEqual(backToBack('2026-03-02'));
    const flag = await runPlan(['--dir', dir, '--format', 'json', '--start', '2026-04-06'], '2026-02-01');
    expect(sprintDates(flag.out)).toEqual(backToBack('2026-04-06'));
  });

  it("the catalog's holiday freeze recurs in the year the plan reaches, and pushes the sprint it would hit", async () => {
    const start = '2026-10-05';
    const r = await runPlan(['--start', start, '--format', 'json', '--dir', tmpDir('cpc-conv-start-')], '2026-09-01');
    const plan = JSON.parse(r.out) as PlanJson;
    const f = DEFAULTS.freezes[0];
    const years = Number(start.slice(0, 4)) - Number(f.from.slice(0, 4));
    const freeze = { from: yearLater(f.from, years), to: yearLater(f.to, years), name: f.name };
    expect(plan.freezes).toEqual([freeze]);
    // Sprints back to back until one would overlap the freeze; from then on they start the first Monday after it.
    const plain = backToBack(start);
    const hit = plain.findIndex(([s, e]) => s <= freeze.to && freeze.from <= e);
    expect(hit).toBeGreaterThan(0);
    let monday = addDays(freeze.to, 1);
    while (new Date(`${monday}T00:00:00Z`).getUTCDay() !== 1) monday = addDays(monday, 1);
    const expected = [...plain.slice(0, hit), ...backToBack(monday, SPRINTS - hit)];
    expect(plan.sprints.map((s) => [s.start, s.end])).toEqual(expected);
    expect(plan.sprints[hit].pushedBy).toBe(f.name);
    for (const s of plan.sprints) expect(s.start <= freeze.to && freeze.from <= s.end).toBe(false);
  });

  it('the gate of a sprint moves with the start (platform-kit gate reads the same plan)', async () => {
    const dir = repo({ start: '2026-03-02' });
    const r = await runInProcess('platform-kit', ['gate', '2', '--dir', dir]);
    const [s, e] = backToBack('2026-03-02')[1];
    expect(r.stdout).toContain(`(${s} .. ${e})`);
  });

  it.each([
    ['2026-02-30', /--start "2026-02-30": not a calendar date/],
    ['2026-1-5', /--start "2026-1-5": a date is YYYY-MM-DD/],
    ['next monday', /--start "next monday": a date is YYYY-MM-DD/],
    ['2026-01-07', /--start 2026-01-07: a Wednesday; sprint 1 starts on a Monday \(2026-01-05 or 2026-01-12\)/],
  ])('--start %s: exit 2 with a message naming the flag and the rule, nothing printed', async (value, message) => {
    const r = await runPlan(['--start', value, '--dir', tmpDir('cpc-conv-start-')], '2026-01-01');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('the bin: --start with a bad date exits 2', async () => {
    const r = await runInProcess('platform-kit', ['plan', '--start', '2026-13-01', '--dir', tmpDir('cpc-conv-start-')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--start "2026-13-01": not a calendar date');
  });

  it('plan.start on another weekday is a PLAN_START_NOT_MONDAY warning', async () => {
    const r = await runPlan(['--dir', repo({ start: '2026-03-04' })], '2026-01-01');
    expect(r.code).toBe(0);
    expect(r.err).toContain('warning: PLAN_START_NOT_MONDAY: plan.start 2026-03-04 is not a Monday');
    // --start replaces it: the findings are those of the plan shown.
    const moved = await runPlan(['--dir', repo({ start: '2026-03-04' }), '--start', '2026-03-02'], '2026-01-01');
    expect(moved.err).toBe('');
  });
});

describe('a warning when the plan lies in the past (issue 16 item 5)', () => {
  // The default plan's last day, as the plan itself computes it (the freeze pushes the later sprints).
  let last = '';
  it('the default plan ends after its start', async () => {
    const plan = JSON.parse(
      (await runPlan(['--dir', tmpDir('cpc-conv-start-'), '--format', 'json'], '2000-01-03')).out,
    ) as PlanJson;
    last = plan.sprints
      .map((x) => x.end)
      .sort()
      .at(-1)!;
    expect(last > DEFAULTS.start).toBe(true);
  });

  it("the catalog's default plan, today after its last day: a warning on stderr naming the dates and --start", async () => {
    const today = addDays(last, 1);
    const r = await runPlan(['--dir', tmpDir('cpc-conv-start-'), '--format', 'json'], today);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `warning: this plan lies in the past (${DEFAULTS.start} – ${last}; today is ${today}): move it with --start YYYY-MM-DD or plan.start in platform.yaml`,
    );
    expect(() => JSON.parse(r.out)).not.toThrow();
  });

  it('no warning while the plan runs (on its last day) or before it starts, nor for a start moved ahead', async () => {
    expect((await runPlan(['--dir', tmpDir('cpc-conv-start-')], last)).err).toBe('');
    expect((await runPlan(['--dir', tmpDir('cpc-conv-start-')], addDays(DEFAULTS.start, -30))).err).toBe('');
    const today = addDays(last, 200);
    const monday = (() => {
      let d = today;
      while (new Date(`${d}T00:00:00Z`).getUTCDay() !== 1) d = addDays(d, 1);
      return d;
    })();
    expect((await runPlan(['--dir', tmpDir('cpc-conv-start-'), '--start', monday], today)).err).toBe('');
  });
});
