import type { Finding } from '../core/finding';
import { PLATFORM_FILE } from '../model/platform-file';
import type { PlatformSpec } from '../model/schema';
import type { Catalog } from '../model/stories';
import { buildPlan } from './model';

/**
 * Problems of the delivery plan platform.yaml describes (`plan:` settings and the stories it records):
 * - PLAN_UNKNOWN_STORY (error): `plan.sprints` names a story that is neither in the catalog nor a custom story;
 * - PLAN_DEPENDENCY_ORDER (error): a story is scheduled in an earlier sprint than a story it depends on;
 * - PLAN_SPRINT_IN_FREEZE (error): a sprint's dates overlap a freeze (only pinned `plan.sprintStarts` can);
 * - PLAN_NO_SPRINT (warning): a story recorded in platform.yaml has no sprint (a custom story without `plan.sprints`);
 * - PLAN_START_NOT_MONDAY (warning): `plan.start` is another weekday (sprints run Monday to Friday).
 */
export function planFindings(spec: PlatformSpec, cat: Catalog): Finding[] {
  const findings: Finding[] = [];
  const file = PLATFORM_FILE;

  for (const id of Object.keys(spec.plan?.sprints ?? {})) {
    if (cat.byId.has(id)) continue;
    findings.push({
      code: 'PLAN_UNKNOWN_STORY',
      severity: 'error',
      file,
      message: `plan.sprints.${id}: not a story of the catalog nor a custom story of platform.yaml`,
      hint: 'fix the id or remove the entry (platform-kit stories lists the ids)',
    });
  }

  const plan = buildPlan(cat, spec);

  for (const story of cat.stories) {
    const mine = plan.sprintOf.get(story.id);
    if (mine === undefined) continue;
    for (const dep of story.dependsOn) {
      const theirs = plan.sprintOf.get(dep);
      if (theirs === undefined || theirs <= mine) continue;
      findings.push({
        code: 'PLAN_DEPENDENCY_ORDER',
        severity: 'error',
        file,
        message: `${story.id} is scheduled in sprint ${mine}, before ${dep} (sprint ${theirs}) it depends on`,
        hint: `move ${story.id} to sprint ${theirs} or later, or ${dep} to sprint ${mine} or earlier (plan.sprints)`,
      });
    }
  }

  for (const s of plan.sprints) {
    for (const f of plan.freezes) {
      if (!(s.start <= f.to && f.from <= s.end)) continue;
      findings.push({
        code: 'PLAN_SPRINT_IN_FREEZE',
        severity: 'error',
        file,
        message: `sprint ${s.sprint} (${s.start} .. ${s.end}) overlaps the freeze ${f.from} .. ${f.to} (${f.name})`,
        hint: s.pinned
          ? `pin sprint ${s.sprint} after ${f.to} in plan.sprintStarts, or remove the pin so the freeze moves it`
          : undefined,
      });
    }
  }

  const start = spec.plan?.start;
  if (start && new Date(`${start}T00:00:00Z`).getUTCDay() !== 1) {
    findings.push({
      code: 'PLAN_START_NOT_MONDAY',
      severity: 'warning',
      file,
      message: `plan.start ${start} is not a Monday: every sprint then runs from that weekday to the one before it`,
      hint: 'set plan.start to the Monday sprint 1 starts on',
    });
  }

  for (const story of cat.stories) {
    if (!spec.stories[story.id] || plan.sprintOf.get(story.id) !== undefined) continue;
    findings.push({
      code: 'PLAN_NO_SPRINT',
      severity: 'warning',
      file,
      message: `${story.id} is recorded in platform.yaml but has no sprint in the delivery plan`,
      hint: `set plan.sprints.${story.id} to the sprint that delivers it`,
    });
  }
  return findings;
}
