import { unresolved, writes } from '../core/plan';
import { problemsError, setGeneratorVersion } from '../model/platform-file';
import { noPlatform, session } from './session';
import { type RegenerateOptions, type RegenerateResult, upToDate } from './up-to-date';

export type { RegenerateOptions, RegenerateResult };

/**
 * platform-kit regenerate: render everything platform.yaml describes with the current templates (built-in,
 * shadowed by the repository's .platform/templates/) and reconcile file by file, merging a person's edits.
 * Nothing to do is found first, without rendering (up-to-date.ts); --check and --dry-run only read and take no lock.
 */
export function regenerate(opts: RegenerateOptions): RegenerateResult {
  const fast = upToDate(opts);
  if (fast) return fast;
  const readOnly = Boolean(opts.dryRun || opts.check);
  return session({ dir: opts.dir, readOnly, templateRoots: opts.templateRoots }, (s) => {
    const pf = s.open(noPlatform('nothing to regenerate (create-platform-cluster creates one)'));
    setGeneratorVersion(pf);
    s.validate(pf, (problems) => problemsError(problems));
    const { plan, written, settingsSync, handover } = s.commit(pf, { dryRun: readOnly });
    return {
      root: s.root,
      plan,
      changed: writes(plan).length > 0,
      written,
      unresolved: unresolved(plan),
      settingsSync,
      ...(handover ? { handover } : {}),
    };
  });
}
