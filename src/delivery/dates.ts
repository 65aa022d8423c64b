import { UsageError } from '../core/errors';
import { addDays, type DeliveryPlan, day, iso, planRange } from './model';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A real calendar day as YYYY-MM-DD, or why not. */
export function dateProblem(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'a date is YYYY-MM-DD (e.g. 2026-01-05)';
  const d = day(value);
  if (Number.isNaN(d.getTime()) || iso(d) !== value) return 'not a calendar date (YYYY-MM-DD)';
  return undefined;
}

/**
 * The `--start` of a plan: a calendar day that is a Monday (sprints run Monday to Friday), else a UsageError
 * (exit 2) naming the flag, the rule and the Mondays around it.
 */
export function checkPlanStart(value: string, flag = '--start'): string {
  const v = value.trim();
  const problem = dateProblem(v);
  if (problem) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${problem}`);
  const d = day(v);
  const wd = d.getUTCDay();
  if (wd !== 1) {
    const before = iso(addDays(d, -((wd + 6) % 7)));
    const after = iso(addDays(d, (8 - wd) % 7));
    throw new UsageError(`${flag} ${v}: a ${WEEKDAYS[wd]}; sprint 1 starts on a Monday (${before} or ${after})`);
  }
  return v;
}

/** Today as YYYY-MM-DD (UTC). */
export const today = (now: Date = new Date()) => iso(now);

/**
 * A warning when the whole plan lies before `now` (its last working day is past): the dates are the catalog's
 * example or an old start. Undefined when the plan ends today or later.
 */
export function pastPlanWarning(plan: DeliveryPlan, now: Date = new Date()): string | undefined {
  const { first, last } = planRange(plan);
  const t = today(now);
  if (last >= t) return undefined;
  return `warning: this plan lies in the past (${first} – ${last}; today is ${t}): move it with --start YYYY-MM-DD or plan.start in platform.yaml`;
}
