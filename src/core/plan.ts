import { type Eol, type FileText, stringText, withEol } from './eol';
import { Manifest, MANIFEST_FILE, sha256 } from './manifest';
import type { Merge3 } from './merge';
import { similarity } from './merge';
import { Tree } from './tree';

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
  // Loaded lazily (as the yaml library was): only a merged file needs it.
  const { yamlProblem: problem } = require('./yaml') as typeof import('./yaml');
  return problem(text, { aliases: true, prettyErrors: true })?.message;
}

/** Files moved by a template change carry a person's edits when the new render is at least this alike. */
const MOVE_SIMILARITY = 0.6;

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
export function computePlan(tree: Tree, current: Reader, previous: Manifest, next: Omit<Manifest, 'files'>, toolOwned: Set<string>, merge?: Merge3): Plan {
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
    ? current.newFileEol([...renderPaths, ...renderPaths.map(basePath)], attributesOnDisk === undefined ? tree.read(ATTRIBUTES_FILE) : undefined)
    : (): Eol => 'lf';
  /** LF text as written at p: with the ending the file has (f), else the one the repository asks for. */
  const out = (p: string, lfText: string, f?: FileText): string => withEol(lfText, (f?.utf8 ? f.eol : undefined) ?? eolNew(p));
  const notUtf8 = 'not valid UTF-8, so never merged as text (that would replace its bytes); kept byte for byte: merge the new render by hand';
  /** path -> merge base to record (the render) ; null -> drop the recorded base */
  const bases = new Map<string, string | null>();
  /** Merge on LF text; the result is written with the ending of the person's file (oursFile). */
  const mergeInto = (p: string, base: string, oursFile: FileText, theirs: string, extra?: string): Change => {
    const r = merge!(base, oursFile.text, theirs, p);
    const broken = r.conflicts === 0 ? mergedYamlProblem(p, r.text) : undefined;
    if (r.conflicts === 0 && !broken) return { path: p, action: 'MERGE', after: out(p, r.text, oursFile), reason: `${extra ? extra + '; ' : ''}your edits merged with the new render` };
    return {
      path: p,
      action: 'UNMERGED',
      after: out(p, r.text, oursFile),
      reason: `${extra ? extra + '; ' : ''}${broken ? `merged text is not valid YAML (${broken}); resolve by hand` : `${r.conflicts} overlapping change${r.conflicts > 1 ? 's' : ''}: conflict markers written, resolve them`}`,
    };
  };

  for (const p of renderPaths) {
    const theirs = tree.read(p)!;
    const oursFile = look(p);
    const recorded = previous.files[p];
    if (toolOwned.has(p)) {
      changes.push(
        oursFile === undefined
          ? { path: p, action: 'CREATE', after: out(p, theirs) }
          : oursFile.utf8 && oursFile.text === theirs
            ? { path: p, action: 'UNCHANGED', before: oursFile.raw, after: oursFile.raw }
            : { path: p, action: 'UPDATE', before: oursFile.raw, after: out(p, theirs, oursFile) },
      );
      files[p] = sha256(theirs);
      continue;
    }
    if (oursFile === undefined) {
      if (recorded !== undefined) {
        changes.push({ path: p, action: 'KEEP', after: theirs, reason: 'deleted since it was generated; left deleted' });
        files[p] = recorded;
        bases.set(p, null);
      } else {
        changes.push({ path: p, action: 'CREATE', after: out(p, theirs) });
        files[p] = sha256(theirs);
        bases.set(p, theirs);
      }
      continue;
    }
    if (!oursFile.utf8) {
      // Its bytes are not text the tool can compare or merge; `before` is left out: it would not be the file.
      if (recorded === undefined) changes.push({ path: p, action: 'CONFLICT', after: theirs, reason: 'a file the tool did not generate is in the way' });
      else {
        const base = look(basePath(p));
        const same = base?.utf8 && sha256(base.text) === recorded && base.text === theirs;
        changes.push({ path: p, action: 'KEEP', after: theirs, reason: same ? 'edited since it was generated (not valid UTF-8, kept byte for byte); the template output did not change' : notUtf8 });
        files[p] = recorded;
      }
      continue;
    }
    const ours = oursFile.text;
    if (ours === theirs) {
      changes.push({ path: p, action: 'UNCHANGED', before: oursFile.raw, after: oursFile.raw });
      files[p] = sha256(theirs);
      bases.set(p, theirs);
      continue;
    }
    if (recorded === undefined && p === ATTRIBUTES_FILE) {
      // A .gitattributes a person wrote before the tool generated one: theirs stays; recorded with the render as
      // its merge base, so later changes to the generated rules merge into it like into any edited file.
      changes.push({ path: p, action: 'KEEP', before: oursFile.raw, after: theirs, reason: 'written by a person before the tool generated one; kept as is, later changes of the generated rules merge into it' });
      files[p] = sha256(theirs);
      bases.set(p, theirs);
      continue;
    }
    if (recorded === undefined) {
      changes.push({ path: p, action: 'CONFLICT', before: oursFile.raw, after: theirs, reason: 'a file the tool did not generate is in the way' });
      continue;
    }
    if (sha256(ours) === recorded) {
      changes.push({ path: p, action: 'UPDATE', before: oursFile.raw, after: out(p, theirs, oursFile) });
      files[p] = sha256(theirs);
      bases.set(p, theirs);
      continue;
    }
    // Edited by a person since it was generated.
    const baseFile = look(basePath(p));
    const base = baseFile?.utf8 ? baseFile.text : undefined;
    const unresolved = MARKERS.test(ours);
    if (base === undefined || sha256(base) !== recorded) {
      changes.push({ path: p, action: 'KEEP', before: oursFile.raw, after: theirs, reason: 'edited since it was generated and no merge base is recorded; kept as is (merge the render by hand)', unresolved });
      files[p] = recorded;
    } else if (base === theirs) {
      changes.push({ path: p, action: 'KEEP', before: oursFile.raw, after: theirs, reason: unresolved ? 'still has conflict markers from an earlier merge; resolve them' : 'edited since it was generated; the template output did not change', unresolved });
      files[p] = recorded;
    } else if (!merge) {
      changes.push({ path: p, action: 'KEEP', before: oursFile.raw, after: theirs, reason: 'edited since it was generated; kept as is (platform-kit regenerate merges)', unresolved });
      files[p] = recorded;
    } else {
      changes.push({ ...mergeInto(p, base, oursFile, theirs), before: oursFile.raw });
      files[p] = sha256(theirs);
      bases.set(p, theirs);
    }
  }

  // Files generated before and not now.
  const orphans: { path: string; ours: FileText; base?: string }[] = [];
  for (const [p, recorded] of Object.entries(previous.files)) {
    if (tree.exists(p)) continue;
    bases.set(p, null);
    const ours = look(p);
    if (ours === undefined) continue;
    if (!ours.utf8) changes.push({ path: p, action: 'KEEP', reason: `no longer generated; ${notUtf8}` });
    else if (sha256(ours.text) === recorded) changes.push({ path: p, action: 'DELETE', before: ours.raw });
    else {
      const base = look(basePath(p));
      orphans.push({ path: p, ours, base: base?.utf8 && sha256(base.text) === recorded ? base.text : undefined });
    }
  }
  // An edited file whose template moved: its edits follow the content to the new path.
  const fresh = changes.filter((c) => c.action === 'CREATE' && !toolOwned.has(c.path));
  for (const o of orphans) {
    let best: Change | undefined;
    let score = MOVE_SIMILARITY;
    if (o.base !== undefined && merge) {
      for (const c of fresh) {
        const s = similarity(o.base, tree.read(c.path)!);
        if (s >= score) [best, score] = [c, s];
      }
    }
    if (best) {
      fresh.splice(fresh.indexOf(best), 1);
      Object.assign(best, mergeInto(best.path, o.base!, o.ours, tree.read(best.path)!, `moved from ${o.path}`));
      changes.push({ path: o.path, action: 'DELETE', before: o.ours.raw, reason: `moved to ${best.path}, with your edits` });
    } else {
      changes.push({ path: o.path, action: 'KEEP', before: o.ours.raw, reason: 'no longer generated, but edited since; kept', unresolved: MARKERS.test(o.ours.text) });
    }
  }

  // The merge bases, as the tool's own state.
  for (const [p, base] of bases) {
    const bp = basePath(p);
    const now = look(bp);
    if (base === null) {
      if (now !== undefined) changes.push({ path: bp, action: 'DELETE', before: now.raw, internal: true });
    } else if (now === undefined) changes.push({ path: bp, action: 'CREATE', after: out(bp, base), internal: true });
    else if (!now.utf8 || now.text !== base) changes.push({ path: bp, action: 'UPDATE', before: now.raw, after: out(bp, base, now), internal: true });
  }
  // What each file held when this plan read it: `before` is that text for every change that writes.
  for (const c of changes) c.currentHash = c.before === undefined ? null : sha256(c.before);
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, manifest: { ...next, files } };
}

/** Changes that touch the disk. */
export function writes(plan: Plan): Change[] {
  return plan.changes.filter((c) => c.action === 'CREATE' || c.action === 'UPDATE' || c.action === 'DELETE' || c.action === 'MERGE' || c.action === 'UNMERGED');
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
function uncommittedNote(c: Change): string {
  if (c.path === 'platform.yaml') return 'edited in place: only the keys the command changes; your other uncommitted edits and comments stay';
  switch (c.action) {
    case 'UPDATE':
      return 'it held exactly what the tool generated last time, so the uncommitted change in it was the tool\'s own';
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
    `the work tree had uncommitted changes in ${plan.uncommitted.length} file${plan.uncommitted.length > 1 ? 's' : ''}; this run ${dryRun ? 'would touch' : 'touched'} ${touched.length} of them` +
      (kept ? ` and kept ${kept} as they are` : '') + (touched.length ? ':' : ' (the rest are not the tool\'s files or did not change)'),
  ];
  // The files that held someone's lines first: a list cut at `limit` should still show those.
  const order = (c: Change) => (c.action === 'MERGE' || c.action === 'UNMERGED' ? 0 : c.action === 'CREATE' ? 2 : 1);
  const sorted = [...touched].sort((a, b) => order(a) - order(b));
  for (const c of sorted.slice(0, limit)) out.push(`  ${c.action.padEnd(9)} ${c.path}  (${uncommittedNote(c)})`);
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
    `${s.CREATE} to create, ${s.UPDATE} to update, ${s.DELETE} to delete, ${s.MERGE} merged, ${s.UNMERGED} with conflicts, ${s.UNCHANGED} unchanged, ${s.KEEP} kept, ${s.CONFLICT} in conflict` +
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
      lines.push(createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before ?? '', c.after, '', '', { context: 3 }).trimEnd());
    }
  }
  return lines.join('\n');
}
