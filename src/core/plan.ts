import { createTwoFilesPatch } from 'diff';
import { Manifest, sha256 } from './manifest';
import { Tree } from './tree';

export type Action = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNCHANGED' | 'KEEP' | 'CONFLICT';

export interface Change {
  path: string;
  action: Action;
  before?: string;
  after?: string;
  /** Why a file is kept or in conflict. */
  reason?: string;
}

export interface Plan {
  changes: Change[];
  /** The manifest to record after the plan is applied. */
  manifest: Manifest;
}

/** Read access to the current repository (disk, or anything else in tests). */
export interface Reader {
  read(path: string): string | undefined;
}

/**
 * Compare the rendered tree with what is there now. A file the tool generated and nobody touched is updated;
 * a file a person edited is kept and reported; a file the tool never generated is never overwritten.
 * `toolOwned` files (platform.yaml, the manifest) are edited structurally by the tool and always updated.
 */
export function computePlan(tree: Tree, current: Reader, previous: Manifest, next: Omit<Manifest, 'files'>, toolOwned: Set<string>): Plan {
  const changes: Change[] = [];
  const files: Record<string, string> = {};
  for (const path of tree.paths()) {
    const after = tree.read(path)!;
    const before = current.read(path);
    const recorded = previous.files[path];
    if (before === undefined) {
      if (recorded !== undefined && !toolOwned.has(path)) {
        changes.push({ path, action: 'KEEP', after, reason: 'deleted since it was generated; left deleted' });
        files[path] = recorded;
      } else {
        changes.push({ path, action: 'CREATE', after });
        files[path] = sha256(after);
      }
    } else if (before === after) {
      changes.push({ path, action: 'UNCHANGED', before, after });
      files[path] = sha256(after);
    } else if (toolOwned.has(path) || (recorded !== undefined && recorded === sha256(before))) {
      changes.push({ path, action: 'UPDATE', before, after });
      files[path] = sha256(after);
    } else if (recorded !== undefined) {
      changes.push({ path, action: 'KEEP', before, after, reason: 'edited since it was generated; kept as is (platform-kit regenerate merges)' });
      files[path] = recorded;
    } else {
      changes.push({ path, action: 'CONFLICT', before, after, reason: 'a file the tool did not generate is in the way' });
    }
  }
  for (const [path, recorded] of Object.entries(previous.files)) {
    if (tree.exists(path)) continue;
    const before = current.read(path);
    if (before === undefined) continue;
    if (sha256(before) === recorded) changes.push({ path, action: 'DELETE', before });
    else {
      changes.push({ path, action: 'KEEP', before, reason: 'no longer generated, but edited since; kept' });
    }
  }
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, manifest: { ...next, files } };
}

/** Changes that touch the disk. */
export function writes(plan: Plan): Change[] {
  return plan.changes.filter((c) => c.action === 'CREATE' || c.action === 'UPDATE' || c.action === 'DELETE');
}

export function summarize(plan: Plan): Record<Action, number> {
  const out: Record<Action, number> = { CREATE: 0, UPDATE: 0, DELETE: 0, UNCHANGED: 0, KEEP: 0, CONFLICT: 0 };
  for (const c of plan.changes) out[c.action]++;
  return out;
}

/** Human-readable plan: one line per file that is not unchanged, then unified diffs of updates when asked. */
export function formatPlan(plan: Plan, opts: { diff?: boolean; verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (c.action === 'UNCHANGED' && !opts.verbose) continue;
    lines.push(`${c.action.padEnd(9)} ${c.path}${c.reason ? `  (${c.reason})` : ''}`);
  }
  const s = summarize(plan);
  lines.push(`${s.CREATE} to create, ${s.UPDATE} to update, ${s.DELETE} to delete, ${s.UNCHANGED} unchanged, ${s.KEEP} kept, ${s.CONFLICT} in conflict`);
  if (opts.diff) {
    for (const c of plan.changes) {
      if (c.action === 'UPDATE' || c.action === 'CONFLICT' || c.action === 'KEEP') {
        if (c.before !== undefined && c.after !== undefined) lines.push(createTwoFilesPatch(`a/${c.path}`, `b/${c.path}`, c.before, c.after, '', '', { context: 3 }).trimEnd());
      }
    }
  }
  return lines.join('\n');
}
