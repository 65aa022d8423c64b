/**
 * What the commands that write the repository print: a summary of the plan by default (counts per action and per
 * area, the files a person should look at by name), every file with --verbose, the settings a command added one
 * per line, dry-run diffs without the tool's bookkeeping, and the next steps. Only formatting lives here; the facts
 * come from the plan and the result types (src/core/plan.ts, src/commands/outcome.ts).
 */

// Types only from outcome (which reads platform.yaml and the catalog): the up-to-date fast path prints through this
// module and must not load them.
import type { NextSteps, SettingValue } from '../commands/outcome';
import { type Action, type Change, formatUncommitted, type Plan, summarize } from '../core/plan';
import { type Bookkeeping, bookkeeping, type ConflictReport, isBookkeeping } from '../core/plan-facts';

// ---------------------------------------------------------------------------------------------------------------
// Colour: on a terminal only; NO_COLOR (any non-empty value) turns it off, FORCE_COLOR (not 0) turns it on.

export interface Paint {
  on: boolean;
  green: (s: string) => string;
  yellow: (s: string) => string;
  red: (s: string) => string;
  cyan: (s: string) => string;
  bold: (s: string) => string;
  dim: (s: string) => string;
}

export function colourOn(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function painter(on: boolean): Paint {
  const sgr = (open: number, close: number) => (s: string) => (on && s ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    on,
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    red: sgr(31, 39),
    cyan: sgr(36, 39),
    bold: sgr(1, 22),
    dim: sgr(2, 22),
  };
}

/** Colour for what goes to stdout of this process. */
export const stdoutPaint = (): Paint => painter(colourOn(process.stdout));
/** Colour for what goes to stderr of this process. */
export const stderrPaint = (): Paint => painter(colourOn(process.stderr));

// ---------------------------------------------------------------------------------------------------------------
// The summary of a plan.

/** The word a person reads for each action (UNMERGED: merged with overlapping changes, markers written). */
export const ACTION_WORDS: Record<Action, string> = {
  CREATE: 'create',
  UPDATE: 'update',
  MERGE: 'merge',
  UNMERGED: 'conflict',
  KEEP: 'keep',
  DELETE: 'delete',
  CONFLICT: 'in the way',
  UNCHANGED: 'unchanged',
};

/** Columns of the summary, in this order; a column shows only when some file has that action. */
const COLUMNS: Action[] = ['CREATE', 'UPDATE', 'MERGE', 'UNMERGED', 'KEEP', 'DELETE', 'CONFLICT'];

function tint(p: Paint, a: Action): (s: string) => string {
  if (a === 'CREATE') return p.green;
  if (a === 'UPDATE' || a === 'DELETE') return p.cyan;
  if (a === 'MERGE' || a === 'KEEP') return p.yellow;
  if (a === 'UNMERGED' || a === 'CONFLICT') return p.red;
  return (s) => s;
}

/**
 * The area a file belongs to in the summary: a cluster's entry folder (kubernetes/clusters/<name>/), a lane
 * (kubernetes/infrastructure/, kubernetes/workloads/), else its top folder (talos/, bootstrap/, docs/, .github/…);
 * files at the root are one area.
 */
export function areaOf(p: string): string {
  const parts = p.split('/');
  if (parts.length === 1) return '(root files)';
  if (parts[0] === 'kubernetes' && parts.length > 2)
    return parts[1] === 'clusters' && parts.length > 3 ? `kubernetes/clusters/${parts[2]}/` : `kubernetes/${parts[1]}/`;
  return `${parts[0]}/`;
}

const listed = (c: Change) => !isBookkeeping(c) && c.action !== 'UNCHANGED';

/** One line about the tool's own files (.platform/): the manifest's hashes and the merge bases. */
export function bookkeepingLine(b: Bookkeeping, dryRun: boolean): string | undefined {
  const parts: string[] = [];
  if (b.manifest)
    parts.push(`manifest ${b.manifest === 'CREATE' ? 'created' : 'updated'} (hashes of the generated files)`);
  if (b.bases) parts.push(`${b.bases} merge base${b.bases > 1 ? 's' : ''} ${dryRun ? 'to record' : 'recorded'}`);
  return parts.length ? `.platform/: ${parts.join(', ')}` : undefined;
}

/** Why a file is named in the summary, in words that say what happens to it. */
function whyNamed(c: Change, dryRun: boolean): string {
  const why = dryRun
    ? (c.reason ?? '').replace('conflict markers written', 'conflict markers would be written')
    : (c.reason ?? '');
  if (c.action === 'KEEP') return `kept as you have it, not rewritten${why ? `: ${why}` : ''}`;
  if (c.action === 'DELETE') return why || 'no longer generated and not edited';
  return why;
}

/** Files a person looks at, by name: merged, in conflict, kept and deleted ones. */
const NAMED: Action[] = ['UNMERGED', 'MERGE', 'KEEP', 'DELETE', 'CONFLICT'];

/**
 * The summary: a table of counts per area and action (at most one row per cluster, lane and top folder), the
 * bookkeeping in one line, and every merged, conflicting, kept or deleted file by name with why.
 */
export function formatSummary(plan: Plan, opts: { dryRun?: boolean; paint?: Paint } = {}): string[] {
  const p = opts.paint ?? painter(false);
  const changes = plan.changes.filter(listed);
  const lines: string[] = [];
  const unchanged = plan.changes.filter((c) => !isBookkeeping(c) && c.action === 'UNCHANGED').length;
  if (changes.length === 0) {
    lines.push(`no file to change (${unchanged} already as generated)`);
  } else {
    const areas = new Map<string, Partial<Record<Action, number>>>();
    for (const c of changes) {
      const row = areas.get(areaOf(c.path)) ?? {};
      row[c.action] = (row[c.action] ?? 0) + 1;
      areas.set(areaOf(c.path), row);
    }
    const s = summarize({ ...plan, changes });
    const cols = COLUMNS.filter((a) => s[a] > 0);
    const names = [...areas.keys()].sort((a, b) =>
      a === '(root files)' ? 1 : b === '(root files)' ? -1 : a < b ? -1 : a > b ? 1 : 0,
    );
    const w0 = Math.max(5, ...names.map((n) => n.length));
    const widths = cols.map((a) => Math.max(ACTION_WORDS[a].length, String(s[a]).length));
    const row = (label: string, cells: string[], paintCells = true) =>
      (
        '  ' +
        label.padEnd(w0) +
        cells
          .map(
            (v, i) => '  ' + (paintCells && v.trim() ? tint(p, cols[i])(v.padStart(widths[i])) : v.padStart(widths[i])),
          )
          .join('')
      ).trimEnd();
    lines.push(
      p.bold(
        row(
          'area',
          cols.map((a) => ACTION_WORDS[a]),
          false,
        ),
      ),
    );
    for (const n of names)
      lines.push(
        row(
          n,
          cols.map((a) => (areas.get(n)![a] ? String(areas.get(n)![a]) : '')),
        ),
      );
    lines.push(
      row(
        'total',
        cols.map((a) => String(s[a])),
      ) + (unchanged ? p.dim(`  (${unchanged} unchanged)`) : ''),
    );
  }
  const b = bookkeepingLine(bookkeeping(plan), Boolean(opts.dryRun));
  if (b) lines.push(p.dim(b));
  const named = changes
    .filter((c) => NAMED.includes(c.action))
    .sort((x, y) => NAMED.indexOf(x.action) - NAMED.indexOf(y.action));
  const w = Math.max(0, ...named.map((c) => ACTION_WORDS[c.action].length));
  for (const c of named)
    lines.push(
      `  ${tint(p, c.action)(ACTION_WORDS[c.action].padEnd(w))}  ${c.path}  (${whyNamed(c, Boolean(opts.dryRun))})`,
    );
  lines.push(...formatUncommitted(plan, Boolean(opts.dryRun), UNCOMMITTED_SHOWN));
  return lines;
}

/** How many files with uncommitted changes the summary names (--verbose names all). */
const UNCOMMITTED_SHOWN = 10;

/** --verbose: every file as the plan lists it (ACTION path (reason)), then the counts; bookkeeping in one line. */
export function formatFiles(plan: Plan, opts: { dryRun?: boolean; paint?: Paint } = {}): string[] {
  const p = opts.paint ?? painter(false);
  const lines = plan.changes
    .filter(listed)
    .map((c) => `${tint(p, c.action)(c.action.padEnd(9))} ${c.path}${c.reason ? `  (${c.reason})` : ''}`);
  const s = summarize({ ...plan, changes: plan.changes.filter((c) => !isBookkeeping(c)) });
  lines.push(
    `${s.CREATE} to create, ${s.UPDATE} to update, ${s.DELETE} to delete, ${s.MERGE} merged, ${s.UNMERGED} ` +
      `with conflicts, ${s.UNCHANGED} unchanged, ${s.KEEP} kept, ${s.CONFLICT} in conflict`,
  );
  const b = bookkeepingLine(bookkeeping(plan), Boolean(opts.dryRun));
  if (b) lines.push(b);
  lines.push(...formatUncommitted(plan, Boolean(opts.dryRun)));
  return lines;
}

/**
 * A dry run's diffs: what would be written to files a person reads. The tool's bookkeeping has none (one line above
 * says it changes); a kept file gets no diff, because the run leaves it exactly as the person edited it (the summary
 * names it as kept).
 */
export function formatDiffs(plan: Plan, paint?: Paint): string[] {
  const p = paint ?? painter(false);
  const out: string[] = [];
  for (const c of plan.changes) {
    if (isBookkeeping(c) || c.after === undefined) continue;
    if (!['UPDATE', 'MERGE', 'UNMERGED'].includes(c.action)) continue;
    const { createTwoFilesPatch } = require('diff') as typeof import('diff');
    const patch = createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before ?? '', c.after, '', '', {
      context: 3,
    }).trimEnd();
    out.push(
      patch
        .split('\n')
        .map((l) =>
          l.startsWith('+++') || l.startsWith('---')
            ? p.bold(l)
            : l.startsWith('+')
              ? p.green(l)
              : l.startsWith('-')
                ? p.red(l)
                : l.startsWith('@@')
                  ? p.cyan(l)
                  : l,
        )
        .join('\n'),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings, next steps, conflicts.

/**
 * The settings a command added, one per line (KEY = value, aligned): those with the same value on several clusters
 * once under the clusters' names, the rest under their cluster. Placeholder values are marked.
 */
export function formatSettings(values: Record<string, SettingValue[]>, paint?: Paint): string[] {
  const p = paint ?? painter(false);
  const clusters = Object.keys(values).filter((c) => values[c].length);
  if (!clusters.length) return [];
  // key -> value -> clusters that have it
  const groups = new Map<string, { key: string; value: string; placeholder: boolean; on: string[] }[]>();
  const seen = new Map<string, { key: string; value: string; placeholder: boolean; on: string[] }>();
  for (const c of clusters) {
    for (const v of values[c]) {
      const id = `${v.key}\0${v.value}`;
      const e = seen.get(id);
      if (e) e.on.push(c);
      else seen.set(id, { ...v, on: [c] });
    }
  }
  for (const e of seen.values()) {
    const label = e.on.join(', ');
    groups.set(label, [...(groups.get(label) ?? []), e]);
  }
  const w = Math.max(...[...seen.values()].map((e) => e.key.length));
  const out = [
    p.bold('settings added to platform.yaml with their defaults (edit them under clusters.<name>.settings):'),
  ];
  const order = [...groups.keys()].sort((a, b) => b.split(', ').length - a.split(', ').length);
  for (const label of order) {
    out.push(`  ${label}:`);
    for (const e of groups.get(label)!)
      out.push(`    ${e.key.padEnd(w)} = ${e.placeholder ? p.yellow(e.value) + p.dim('  (placeholder)') : e.value}`);
  }
  return out;
}

/** The placeholders still in platform.yaml, one per line: file:line, key, value. */
export function formatPlaceholders(list: NextSteps['placeholders'], indent: string, paint?: Paint): string[] {
  const p = paint ?? painter(false);
  const where = list.map((x) => `${x.file}:${x.line}`);
  const w1 = Math.max(0, ...where.map((x) => x.length));
  const w2 = Math.max(0, ...list.map((x) => x.key.length));
  return list.map((x, i) => `${indent}${where[i].padEnd(w1)}  ${x.key.padEnd(w2)}  ${p.yellow(x.value)}`);
}

/** The next steps: placeholders to replace, commit and push, then each cluster's bootstrap commands in order. */
export function formatNextSteps(n: NextSteps, paint?: Paint): string[] {
  const p = paint ?? painter(false);
  const out = [p.bold('next steps:')];
  let step = 0;
  if (n.install) {
    out.push(
      `  ${++step}. install the tool this repository pins (${n.install} in package.json; the commit-msg hook and CI run it too):`,
    );
    out.push(`       npm install`);
  }
  if (n.placeholders.length) {
    out.push(
      `  ${++step}. replace the ${n.placeholders.length} placeholder values in platform.yaml, then run: ${n.run}platform-kit regenerate`,
    );
    out.push(...formatPlaceholders(n.placeholders, '       ', p));
  }
  if (n.automation) {
    out.push(
      `  ${++step}. add the bootstrap automation (bootstrap/bootstrap.sh and bootstrap/README.md come with ${n.automation.story}):`,
    );
    out.push(`       ${n.run}add-story ${n.automation.add.join(' ')} --approve`);
  }
  const repos = [...new Set(n.clusters.map((c) => `${c.git.url} (branch ${c.git.branch})`))];
  out.push(
    `  ${++step}. commit and push: Flux on ${n.clusters.map((c) => c.name).join(' and ')} syncs ${repos.join(', ')}`,
  );
  out.push(
    `  ${++step}. bootstrap each cluster, in this order, from the repository root (bootstrap/README.md has the details):`,
  );
  for (const c of n.clusters) {
    out.push(`       ${p.bold(c.name)}:`);
    out.push(`         ${c.commands[0]}`);
    if (c.env.length)
      out.push(
        `         ${p.dim('# set')} ${c.env.join(', ')} ${p.dim('(the bootstrap Secrets; the README says what goes in each)')}`,
      );
    for (const cmd of c.commands.slice(1))
      out.push(`         ${cmd}${n.just ? p.dim(`   # or: just bootstrap ${c.name}`) : ''}`);
  }
  if (n.phases.length) {
    out.push(
      `     bootstrap/bootstrap.sh runs these phases in order (--phase NAME runs one, --dry-run prints the commands):`,
    );
    const w = Math.max(...n.phases.map((x) => x.name.length));
    for (const ph of n.phases) out.push(`       ${ph.name.padEnd(w)}  ${ph.does}`.trimEnd());
  }
  return out;
}

/** The files a merge left for a person, and what was (or would be) written. Empty when there are none. */
export function formatConflicts(r: ConflictReport, mode: 'written' | 'dry-run' | 'check', paint?: Paint): string[] {
  const p = paint ?? painter(false);
  const out: string[] = [];
  if (r.markersWritten.length) {
    const n = r.markersWritten.length;
    const verb =
      mode === 'written'
        ? 'written with conflict markers'
        : 'a run without --dry-run/--check writes them with conflict markers; nothing was written';
    out.push(
      p.red(
        `conflict: ${n} file${n > 1 ? 's' : ''} where your edits and the new render overlap; ${verb} (<<<<<<< ` +
          `yours, ||||||| generated last time, =======, >>>>>>> generated now):`,
      ),
    );
    out.push(...r.markersWritten.map((f) => `  - ${f}`));
  }
  if (r.stillMarked.length) {
    const n = r.stillMarked.length;
    out.push(
      p.red(
        `conflict: ${n} file${n > 1 ? 's' : ''} still hold${n > 1 ? '' : 's'} conflict markers from an earlier merge (left as they are):`,
      ),
    );
    out.push(...r.stillMarked.map((f) => `  - ${f}`));
  }
  if (out.length) out.push('resolve the markers, then run platform-kit regenerate again');
  return out;
}

/** The plan of a command that writes: the summary (or every file with --verbose), then a dry run's diffs. */
export function formatPlanReport(
  plan: Plan,
  opts: { dryRun?: boolean; verbose?: boolean; paint?: Paint } = {},
): string {
  const lines = opts.verbose ? formatFiles(plan, opts) : formatSummary(plan, opts);
  if (opts.dryRun) lines.push(...formatDiffs(plan, opts.paint));
  return lines.join('\n');
}

/** "wrote 12 files (10 created, 2 merged), deleted 1": what a run that wrote did to files a person reads. */
export function wroteLine(plan: Plan): string {
  const s = summarize({ ...plan, changes: plan.changes.filter((c) => !isBookkeeping(c)) });
  const parts = (
    [
      ['CREATE', 'created'],
      ['UPDATE', 'updated'],
      ['MERGE', 'merged'],
      ['UNMERGED', 'with conflict markers'],
    ] as [Action, string][]
  )
    .filter(([a]) => s[a] > 0)
    .map(([a, w]) => `${s[a]} ${w}`);
  const n = s.CREATE + s.UPDATE + s.MERGE + s.UNMERGED;
  return `wrote ${n} file${n === 1 ? '' : 's'}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}, deleted ${s.DELETE}`;
}
