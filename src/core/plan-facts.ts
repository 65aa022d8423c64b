/**
 * What a plan says about itself, read from its changes alone (no platform.yaml, no catalog): the tool's bookkeeping
 * and the files left with conflicts. Light on purpose: the up-to-date fast path prints through it.
 */
import { MANIFEST_FILE } from './manifest';
import { BASE_DIR, type Change, type Plan } from './plan';

/** The tool's own state in a plan: the manifest of generated files and the merge bases under .platform/base/. */
export interface Bookkeeping {
  /** The manifest is created or updated (hashes of what was written). */
  manifest: 'CREATE' | 'UPDATE' | undefined;
  /** Merge bases created, updated or deleted. */
  bases: number;
}

/** A change that is the tool's bookkeeping (not a file a person reads). */
export const isBookkeeping = (c: Change): boolean =>
  c.internal === true || c.path === MANIFEST_FILE || c.path.startsWith(`${BASE_DIR}/`);

export function bookkeeping(plan: Plan): Bookkeeping {
  const m = plan.changes.find((c) => c.path === MANIFEST_FILE);
  return {
    manifest: m && (m.action === 'CREATE' || m.action === 'UPDATE') ? m.action : undefined,
    bases: plan.changes.filter((c) => c.internal && c.action !== 'UNCHANGED').length,
  };
}

/** The files a person must look at after a run that merged with conflicts. */
export interface ConflictReport {
  /** Merged with overlapping changes: written with conflict markers (or, in a dry run / check, would be). */
  markersWritten: string[];
  /** Kept as they are, still holding markers from an earlier merge. */
  stillMarked: string[];
}

export function conflictReport(plan: Plan): ConflictReport {
  return {
    markersWritten: plan.changes.filter((c) => c.action === 'UNMERGED').map((c) => c.path),
    stillMarked: plan.changes.filter((c) => c.action !== 'UNMERGED' && c.unresolved).map((c) => c.path),
  };
}
