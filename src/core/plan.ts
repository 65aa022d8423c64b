import { type Eol, type FileText, stringText, withEol } from './eol';
import { MANIFEST_FILE, type Manifest, sha256 } from './manifest';
import type { Merge3 } from './merge';
import { similarity } from './merge';
import type { Tree } from './tree';
import { yamlProblem } from './yaml';

/**
 * CREATE/UPDATE/DELETE: written as planned. MERGE: a person's edits and the new render merged cleanly.
 * UNMERGED: they overlap; written with conflict markers (exit 1). KEEP: left as the person has it.
 * CONFLICT: a file the tool never generated is in the way (nothing is written at all).
 */
export type Action = 'CREATE' | 'UPDATE' | 'DELETE' | 'MERGE' | 'UNMERGED' | 'UNCHANGED' | 'KEEP' | 'CONFLICT';

export const ACTIONS: Action[] = ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'UNMERGED', 'UNCHANGED', 'KEEP', 'CONFLICT'];

export interface Change {
  path: string;
  action: Action;
  before?: string;
  after?: string;
  /** Why a file is kept, merged or in conflict. */
  reason?: string;
  /** The tool's own state (merge bases): written with the plan, not listed in it. */
  internal?: boolean;
  /** A kept file that still holds conflict markers from an earlier merge. */
  unresolved?: boolean;
  /**
   * sha256 of the file as the plan read it (null: it did not exist). The commit replaces or deletes the file only
   * while it still has this content, so a save made while the command runs is never overwritten. Unset: not checked.
   */
  currentHash?: string | null;
}

export interface Plan {
  changes: Change[];
  /** The manifest to record after the plan is applied. */
  manifest: Manifest;
  /**
   * Paths (relative to the repository) that had uncommitted changes in git when the plan was made; undefined
   * when the repository is not a git work tree. Used to say which of them the plan touches.
   */
  uncommitted?: string[];
}

/** Read access to the current repository (disk, or anything else in tests). */
export interface Reader {
  read(path: string): string | undefined;
  /** The file with line endings normalised and its encoding checked (core/eol.ts); defaults to read(). */
  readText?(path: string): FileText | undefined;
  /** The ending each new file gets (all paths looked up at once); LF when absent. */
  newFileEol?(paths: string[], pendingAttributes?: string): (path: string) => Eol;
}

/** The root .gitattributes: generated, but a person may have written one first (then it is adopted, not in the way). */
export const ATTRIBUTES_FILE = '.gitattributes';

/**
 * Where the merge base of every generated file is kept: the exact text the tool generated last time, so a
 * three-way merge needs no git history and no network. Git stores a base that equals its file once (same blob).
 */
export const BASE_DIR = '.platform/base';
export const basePath = (p: string) => `${BASE_DIR}/${p}`;

/** Lines that only a merge with conflicts leaves behind. */
const MARKERS = /^<{7} .*$[\s\S]*^={7}$[\s\S]*^>{7} .*$/m;

function mergedYamlProblem(p: string, text: string): string | undefined {
  if (!/\.ya?ml$/.test(p)) return undefined;
  return yamlProblem(text, { aliases: true, prettyErrors: true })?.message;
}

/** Files moved by a template change carry a person's edits when the new render is at least this alike. */
const MOVE_SIMILARITY = 0.6;

/** What the plan knows of one rendered path: the facts the decision table (RENDERED) reads. */
interface Facts {
  p: string;
  /** The new render (LF text). */
  theirs: string;
  /** The file as it is now, or undefined when there is none. */
  ours?: FileText;
  /** sha256 of what the tool generated there last time (the manifest), or undefined when it never did. */
  recorded?: string;
  /** platform.yaml and the manifest: edited structurally by the tool, always written. */
  toolOwned: boolean;
  /** The recorded merge base when it is valid UTF-8 and still what was generated (read on first use). */
  base(): string | undefined;
}

/** The plan's helpers the outcomes use: read a file, write text with the right line ending, merge. */
interface PlanContext {
  look: (p: string) => FileText | undefined;
  out: (p: string, lfText: string, f?: FileText) => string;
  mergeInto: (p: string, base: string, oursFile: FileText, theirs: string, extra?: string) => Change;
  merge?: Merge3;
}

/**
 * What a row decides: the change, what the manifest records for the path ('render': the new render's hash,
 * 'recorded': the hash it had; nothing: no entry), and its merge base ('render': the new render, 'drop': none).
 */
interface Outcome {
  change: Change;
  record?: 'render' | 'recorded';
  base?: 'render' | 'drop';
}

function factsOf(
  p: string,
  theirs: string,
  ours: FileText | undefined,
  recorded: string | undefined,
  toolOwned: boolean,
  ctx: PlanContext,
): Facts {
  let base: { text?: string } | undefined;
  return {
    p,
    theirs,
    ours,
    recorded,
    toolOwned,
    base() {
      if (!base) {
        const f = ctx.look(basePath(p));
        base = { text: f?.utf8 && sha256(f.text) === recorded ? f.text : undefined };
      }
      return base.text;
    },
  };
}

const NOT_UTF8 =
  'not valid UTF-8, so never merged as text (that would replace its bytes); kept byte for byte: merge the new render by hand';
const IN_THE_WAY = 'a file the tool did not generate is in the way';
const ADOPTED_ATTRIBUTES =
  'written by a person before the tool generated one; kept as is, later changes of the generated rules merge into it';
const MARKERS_LEFT = 'still has conflict markers from an earlier merge; resolve them';
/** The person's file (present and valid UTF-8 in the rows that use it). */
const ours = (f: Facts): FileText => f.ours!;
/** The file differs from what the tool generated last time: a person edited it. */
const edited = (f: Facts) => f.recorded !== undefined && sha256(ours(f).text) !== f.recorded;
const keepEdited = (f: Facts, reason: string): Outcome => ({
  change: {
    path: f.p,
    action: 'KEEP',
    before: ours(f).raw,
    after: f.theirs,
    reason,
    unresolved: MARKERS.test(ours(f).text),
  },
  record: 'recorded',
});

/**
 * The decision table for each rendered path, read top-down; the first row whose `when` holds decides. Rows are
 * named for the situation so a reader finds the one a file is in (test/unit/plan.test.ts covers each).
 */
const RENDERED: {
  situation: string;
  when: (f: Facts, ctx: PlanContext) => boolean;
  then: (f: Facts, ctx: PlanContext) => Outcome;
}[] = [
  {
    situation: 'tool-owned, new',
    when: (f) => f.toolOwned && f.ours === undefined,
    then: (f, ctx) => ({ change: { path: f.p, action: 'CREATE', after: ctx.out(f.p, f.theirs) }, record: 'render' }),
  },
  {
    situation: 'tool-owned, as rendered',
    when: (f) => f.toolOwned && Boolean(f.ours?.utf8) && ours(f).text === f.theirs,
    then: (f) => ({
      change: { path: f.p, action: 'UNCHANGED', before: ours(f).raw, after: ours(f).raw },
      record: 'render',
    }),
  },
  {
    situation: 'tool-owned, changed',
    when: (f) => f.toolOwned,
    then: (f, ctx) => ({
      change: { path: f.p, action: 'UPDATE', before: ours(f).raw, after: ctx.out(f.p, f.theirs, ours(f)) },
      record: 'render',
    }),
  },
  {
    situation: 'generated before, deleted by a person',
    when: (f) => f.ours === undefined && f.recorded !== undefined,
    then: (f) => ({
      change: { path: f.p, action: 'KEEP', after: f.theirs, reason: 'deleted since it was generated; left deleted' },
      record: 'recorded',
      base: 'drop',
    }),
  },
  {
    situation: 'new',
    when: (f) => f.ours === undefined,
    then: (f, ctx) => ({
      change: { path: f.p, action: 'CREATE', after: ctx.out(f.p, f.theirs) },
      record: 'render',
      base: 'render',
    }),
  },
  {
    // Its bytes are not text the tool can compare or merge; `before` is left out: it would not be the file.
    situation: 'not UTF-8, not generated',
    when: (f) => !ours(f).utf8 && f.recorded === undefined,
    then: (f) => ({ change: { path: f.p, action: 'CONFLICT', after: f.theirs, reason: IN_THE_WAY } }),
  },
  {
    situation: 'not UTF-8, generated before',
    when: (f) => !ours(f).utf8,
    then: (f) => {
      const same = f.base() === f.theirs;
      const reason = same
        ? 'edited since it was generated (not valid UTF-8, kept byte for byte); the template output did not change'
        : NOT_UTF8;
      return { change: { path: f.p, action: 'KEEP', after: f.theirs, reason }, record: 'recorded' };
    },
  },
  {
    situation: 'as rendered',
    when: (f) => ours(f).text === f.theirs,
    then: (f) => ({
      change: { path: f.p, action: 'UNCHANGED', before: ours(f).raw, after: ours(f).raw },
      record: 'render',
      base: 'render',
    }),
  },
  {
    // A .gitattributes a person wrote before the tool generated one: theirs stays; recorded with the render as
    // its merge base, so later changes to the generated rules merge into it like into any edited file.
    situation: 'a .gitattributes a person wrote first',
    when: (f) => f.recorded === undefined && f.p === ATTRIBUTES_FILE,
    then: (f) => ({
      change: { path: f.p, action: 'KEEP', before: ours(f).raw, after: f.theirs, reason: ADOPTED_ATTRIBUTES },
      record: 'render',
      base: 'render',
    }),
  },
  {
    situation: 'not generated, in the way',
    when: (f) => f.recorded === undefined,
    then: (f) => ({
      change: { path: f.p, action: 'CONFLICT', before: ours(f).raw, after: f.theirs, reason: IN_THE_WAY },
    }),
  },
  {
    situation: 'untouched since generated',
    when: (f) => !edited(f),
    then: (f, ctx) => ({
      change: { path: f.p, action: 'UPDATE', before: ours(f).raw, after: ctx.out(f.p, f.theirs, ours(f)) },
      record: 'render',
      base: 'render',
    }),
  },
  {
    situation: 'edited, no merge base',
    when: (f) => f.base() === undefined,
    then: (f) =>
      keepEdited(
        f,
        'edited since it was generated and no merge base is recorded; kept as is (merge the render by hand)',
      ),
  },
  {
    situation: 'edited, render unchanged',
    when: (f) => f.base() === f.theirs,
    then: (f) =>
      keepEdited(
        f,
        MARKERS.test(ours(f).text) ? MARKERS_LEFT : 'edited since it was generated; the template output did not change',
      ),
  },
  {
    situation: 'edited, render changed, no merge asked',
    when: (_f, ctx) => !ctx.merge,
    then: (f) => keepEdited(f, 'edited since it was generated; kept as is (platform-kit regenerate merges)'),
  },
  {
    situation: 'edited, render changed: merge',
    when: () => true,
    then: (f, ctx) => ({
      change: { ...ctx.mergeInto(f.p, f.base()!, ours(f), f.theirs), before: ours(f).raw },
      record: 'render',
      base: 'render',
    }),
  },
];

/**
 * Pass 2, files generated before and not now: deleted when untouched, kept when edited; an edited file whose template
 * moved has its edits follow the content to the new path (the most alike new file, MOVE_SIMILARITY at least).
 */
function movedOrNoLongerGenerated(
  tree: Tree,
  previous: Manifest,
  toolOwned: Set<string>,
  ctx: PlanContext,
  changes: Change[],
  bases: Map<string, string | null>,
): void {
  const orphans: { path: string; ours: FileText; base?: string }[] = [];
  for (const [p, recorded] of Object.entries(previous.files)) {
    if (tree.exists(p)) continue;
    bases.set(p, null);
    const ours = ctx.look(p);
    if (ours === undefined) continue;
    if (!ours.utf8) changes.push({ path: p, action: 'KEEP', reason: `no longer generated; ${NOT_UTF8}` });
    else if (sha256(ours.text) === recorded) changes.push({ path: p, action: 'DELETE', before: ours.raw });
    else {
      const base = ctx.look(basePath(p));
      orphans.push({ path: p, ours, base: base?.utf8 && sha256(base.text) === recorded ? base.text : undefined });
    }
  }
  // An edited file whose template moved: its edits follow the content to the new path.
  const fresh = changes.filter((c) => c.action === 'CREATE' && !toolOwned.has(c.path));
  for (const o of orphans) {
    let best: Change | undefined;
    let score = MOVE_SIMILARITY;
    if (o.base !== undefined && ctx.merge) {
      for (const c of fresh) {
        const s = similarity(o.base, tree.read(c.path)!);
        if (s >= score) [best, score] = [c, s];
      }
    }
    if (best) {
      fresh.splice(fresh.indexOf(best), 1);
      Object.assign(best, ctx.mergeInto(best.path, o.base!, o.ours, tree.read(best.path)!, `moved from ${o.path}`));
      changes.push({
        path: o.path,
        action: 'DELETE',
        before: o.ours.raw,
        reason: `moved to ${best.path}, with your edits`,
      });
    } else {
      changes.push({
        path: o.path,
        action: 'KEEP',
        before: o.ours.raw,
        reason: 'no longer generated, but edited since; kept',
        unresolved: MARKERS.test(o.ours.text),
      });
    }
  }
}

/** Pass 3, the merge bases as the tool's own state: written, updated or deleted under BASE_DIR. */
function baseChanges(bases: Map<string, string | null>, ctx: PlanContext): Change[] {
  const changes: Change[] = [];
  for (const [p, base] of bases) {
    const bp = basePath(p);
    const now = ctx.look(bp);
    if (base === null) {
      if (now !== undefined) changes.push({ path: bp, action: 'DELETE', before: now.raw, internal: true });
    } else if (now === undefined)
      changes.push({ path: bp, action: 'CREATE', after: ctx.out(bp, base), internal: true });
    else if (!now.utf8 || now.text !== base)
      changes.push({ path: bp, action: 'UPDATE', before: now.raw, after: ctx.out(bp, base, now), internal: true });
  }
  return changes;
}

/**
 * Compare the rendered tree with what is there now, file by file:
 * - untouched since generated: replaced by the new render;
 * - edited by a person, render unchanged: kept;
 * - both changed: three-way merge (base = last render, kept under .platform/base/), clean or with markers;
 * - no longer generated: deleted when untouched, kept when edited; when its content moved to a new path, the
 *   person's edits follow it there;
 * - new where a file the tool never generated exists: CONFLICT, never overwritten.
 * `toolOwned` files (platform.yaml, the manifest) are edited structurally by the tool and always updated.
 * Without `merge`, edited files are kept as they are.
 */
export function computePlan(
  tree: Tree,
  current: Reader,
  previous: Manifest,
  next: Omit<Manifest, 'files'>,
  toolOwned: Set<string>,
  merge?: Merge3,
): Plan {
  const changes: Change[] = [];
  const files: Record<string, string> = {};
  // Compare what a person sees (LF-normalised text), write what the repository wants (core/eol.ts).
  const look = (p: string): FileText | undefined => {
    if (current.readText) return current.readText(p);
    const raw = current.read(p);
    return raw === undefined ? undefined : stringText(raw);
  };
  const renderPaths = tree.paths();
  const attributesOnDisk = current.read(ATTRIBUTES_FILE);
  const eolNew = current.newFileEol
    ? current.newFileEol(
        [...renderPaths, ...renderPaths.map(basePath)],
        attributesOnDisk === undefined ? tree.read(ATTRIBUTES_FILE) : undefined,
      )
    : (): Eol => 'lf';
  /** LF text as written at p: with the ending the file has (f), else the one the repository asks for. */
  const out = (p: string, lfText: string, f?: FileText): string =>
    withEol(lfText, (f?.utf8 ? f.eol : undefined) ?? eolNew(p));
  /** path -> merge base to record (the render) ; null -> drop the recorded base */
  const bases = new Map<string, string | null>();
  /** Merge on LF text; the result is written with the ending of the person's file (oursFile). */
  const mergeInto = (p: string, base: string, oursFile: FileText, theirs: string, extra?: string): Change => {
    const r = merge!(base, oursFile.text, theirs, p);
    const broken = r.conflicts === 0 ? mergedYamlProblem(p, r.text) : undefined;
    if (r.conflicts === 0 && !broken)
      return {
        path: p,
        action: 'MERGE',
        after: out(p, r.text, oursFile),
        reason: `${extra ? extra + '; ' : ''}your edits merged with the new render`,
      };
    return {
      path: p,
      action: 'UNMERGED',
      after: out(p, r.text, oursFile),
      reason:
        (extra ? extra + '; ' : '') +
        (broken
          ? `merged text is not valid YAML (${broken}); resolve by hand`
          : `${r.conflicts} overlapping change${r.conflicts > 1 ? 's' : ''}: conflict markers written, resolve them`),
    };
  };

  // Pass 1, every rendered path: the decision table.
  const ctx: PlanContext = { look, out, mergeInto, merge };
  for (const p of renderPaths) {
    const facts = factsOf(p, tree.read(p)!, look(p), previous.files[p], toolOwned.has(p), ctx);
    const { change, record, base } = RENDERED.find((row) => row.when(facts, ctx))!.then(facts, ctx);
    changes.push(change);
    if (record) files[p] = record === 'render' ? sha256(facts.theirs) : facts.recorded!;
    if (base) bases.set(p, base === 'render' ? facts.theirs : null);
  }

  movedOrNoLongerGenerated(tree, previous, toolOwned, ctx, changes, bases);
  changes.push(...baseChanges(bases, ctx));
  // What each file held when this plan read it: `before` is that text for every change that writes.
  for (const c of changes) c.currentHash = c.before === undefined ? null : sha256(c.before);
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, manifest: { ...next, files } };
}

/** Changes that touch the disk. */
export function writes(plan: Plan): Change[] {
  return plan.changes.filter(
    (c) =>
      c.action === 'CREATE' ||
      c.action === 'UPDATE' ||
      c.action === 'DELETE' ||
      c.action === 'MERGE' ||
      c.action === 'UNMERGED',
  );
}

/** Files that need a person: merges with conflicts and kept files that still hold markers. */
export function unresolved(plan: Plan): Change[] {
  return plan.changes.filter((c) => c.action === 'UNMERGED' || c.unresolved);
}

export function summarize(plan: Plan): Record<Action, number> {
  const out = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
  for (const c of plan.changes) if (!c.internal) out[c.action]++;
  return out;
}

/** Human-readable plan: one line per file that is not unchanged, then unified diffs when asked. */
const TOUCHES: Action[] = ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'UNMERGED'];

/** What a change does to a file that had uncommitted changes, in words a person checks against git diff. */
function uncommittedNote(c: Change, plan: Plan): string {
  if (c.path === 'platform.yaml')
    return 'edited in place: only the keys the command changes; your other uncommitted edits and comments stay';
  // A file of the person's that the tool edits by structure and never records as generated (an adopted repository's
  // wiring): the edit is computed from the file as it is now, uncommitted changes included.
  if (c.action === 'UPDATE' && c.path !== MANIFEST_FILE && !(c.path in plan.manifest.files))
    return `edited in place: ${c.reason ?? 'only the lines the command adds or removes'}; your uncommitted edits stay`;
  switch (c.action) {
    case 'UPDATE':
      return "it held exactly what the tool generated last time, so the uncommitted change in it was the tool's own";
    case 'DELETE':
      return c.reason?.startsWith('moved to') ? c.reason : 'it held exactly what the tool generated last time';
    case 'MERGE':
      return 'your uncommitted lines are kept, merged with the new render';
    case 'UNMERGED':
      return 'your uncommitted lines are kept; conflict markers show where they overlap the new render';
    default:
      // Created where git lists a change: the file is tracked and was deleted in the work tree (not committed).
      return 'it was deleted in the work tree and not committed; written again';
  }
}

/**
 * On a work tree with uncommitted changes: which of those files the plan touches and why nothing a person wrote
 * is lost (files the plan keeps are listed as KEEP above and not touched).
 */
export function formatUncommitted(plan: Plan, dryRun: boolean, limit = Infinity): string[] {
  if (!plan.uncommitted?.length) return [];
  const dirty = new Set(plan.uncommitted);
  const touched = plan.changes.filter((c) => !c.internal && dirty.has(c.path) && TOUCHES.includes(c.action));
  const kept = plan.changes.filter((c) => !c.internal && dirty.has(c.path) && c.action === 'KEEP').length;
  const out = [
    `the work tree had uncommitted changes in ${plan.uncommitted.length} ` +
      `file${plan.uncommitted.length > 1 ? 's' : ''}; this run ${dryRun ? 'would touch' : 'touched'} ${touched.length} of them` +
      (kept ? ` and kept ${kept} as they are` : '') +
      (touched.length ? ':' : " (the rest are not the tool's files or did not change)"),
  ];
  // The files that held someone's lines first: a list cut at `limit` should still show those.
  const order = (c: Change) => (c.action === 'MERGE' || c.action === 'UNMERGED' ? 0 : c.action === 'CREATE' ? 2 : 1);
  const sorted = [...touched].sort((a, b) => order(a) - order(b));
  for (const c of sorted.slice(0, limit)) out.push(`  ${c.action.padEnd(9)} ${c.path}  (${uncommittedNote(c, plan)})`);
  if (sorted.length > limit) out.push(`  … and ${sorted.length - limit} more (--verbose lists them)`);
  return out;
}

export function formatPlan(plan: Plan, opts: { diff?: boolean; verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (c.internal || (c.action === 'UNCHANGED' && !opts.verbose)) continue;
    lines.push(`${c.action.padEnd(9)} ${c.path}${c.reason ? `  (${c.reason})` : ''}`);
  }
  const s = summarize(plan);
  const bases = plan.changes.filter((c) => c.internal && c.action !== 'UNCHANGED').length;
  lines.push(
    `${s.CREATE} to create, ${s.UPDATE} to update, ${s.DELETE} to delete, ${s.MERGE} merged, ${s.UNMERGED} ` +
      `with conflicts, ${s.UNCHANGED} unchanged, ${s.KEEP} kept, ${s.CONFLICT} in conflict` +
      (bases ? ` (${bases} merge base${bases > 1 ? 's' : ''} under ${BASE_DIR}/ recorded)` : ''),
  );
  lines.push(...formatUncommitted(plan, Boolean(opts.diff)));
  if (opts.diff) {
    for (const c of plan.changes) {
      // The manifest's hashes are bookkeeping, and a kept file is left as the person has it: neither gets a diff
      // (a diff from their text to the render would read as if their edit were undone; the run keeps it).
      if (c.internal || c.path === MANIFEST_FILE) continue;
      if (!['UPDATE', 'CONFLICT', 'MERGE', 'UNMERGED'].includes(c.action) || c.after === undefined) continue;
      // diff is loaded only when a diff is printed (dry runs), not on every command's start.
      const { createTwoFilesPatch } = require('diff') as typeof import('diff');
      lines.push(
        createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before ?? '', c.after, '', '', { context: 3 }).trimEnd(),
      );
    }
  }
  return lines.join('\n');
}
