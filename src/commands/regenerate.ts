import { UsageError } from '../core/errors';
import { withoutLock, withRepoLock } from '../core/lock';
import { Change, Plan, unresolved, writes } from '../core/plan';
import { PLATFORM_FILE } from '../model/platform-file';
import { GENERATOR_VERSION } from '../version';
import { loadPlatform } from './create-cluster';
import { applyPlan, checkRepoDir, planRepo } from './repo';
import { upToDatePlan } from './up-to-date';
import type { VariantSettingsSync } from '../model/variant-settings';

export interface RegenerateOptions {
  /** The GitOps repository (must hold platform.yaml). */
  dir: string;
  /** Print the plan with diffs; write nothing. */
  dryRun?: boolean;
  /** Write nothing; the result says whether anything would change (for the GitOps repository's CI). */
  check?: boolean;
  templateRoots?: string[];
  /** Try the fast "nothing to do" path first (default true; the CLI tries it itself before loading this module). */
  fast?: boolean;
}

export interface RegenerateResult {
  root: string;
  plan: Plan;
  /** Something would be (or was) written. */
  changed: boolean;
  written: boolean;
  /** Files a person must resolve: merges with conflicts, kept files still holding markers. */
  unresolved: Change[];
  /** Settings of platform.yaml added or removed for a cluster's variant (its secret-store provider); not on the fast path. */
  settingsSync?: VariantSettingsSync;
}

/**
 * platform-kit regenerate: render everything platform.yaml describes with the current templates (built-in,
 * shadowed by the repository's .platform/templates/) and reconcile file by file, merging a person's edits.
 */
export function regenerate(opts: RegenerateOptions): RegenerateResult {
  const root = checkRepoDir(opts.dir);
  // --check and --dry-run only read: they take no lock, so they also run on a read-only checkout.
  return (opts.dryRun || opts.check ? withoutLock : withRepoLock)(root, () => {
    // Nothing to do is found by reading and hashing files, without rendering (see up-to-date.ts).
    const fast = opts.templateRoots || opts.fast === false ? undefined : upToDatePlan(root);
    if (fast) return upToDateResult(root, fast);
    const pf = loadPlatform(root);
    if (!pf) throw new UsageError(`no ${PLATFORM_FILE} in ${root}: nothing to regenerate (create-platform-cluster creates one)`);
    if (pf.spec.generator.version !== GENERATOR_VERSION) {
      pf.doc.setIn(['generator', 'version'], GENERATOR_VERSION);
      pf.spec = { ...pf.spec, generator: { ...pf.spec.generator, version: GENERATOR_VERSION } };
    }
    const { plan, settingsSync } = planRepo(root, pf, opts.templateRoots);
    const changed = writes(plan).length > 0;
    const written = changed && !opts.dryRun && !opts.check;
    if (written) applyPlan(root, plan);
    return { root, plan, changed, written, unresolved: unresolved(plan), settingsSync };
  });
}

/** The result of a regenerate that found nothing to do on the fast path. */
export function upToDateResult(root: string, plan: Plan): RegenerateResult {
  return { root, plan, changed: false, written: false, unresolved: [] };
}
