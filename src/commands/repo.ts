/**
 * The names this module had before the session (commands/session.ts) took over the repository's pipeline; kept for
 * the callers and the public API that import them from here.
 */
export { applyPlan, OVERRIDES_DIR, planRepo, templateRootsOf } from './session';
export { checkRepoDir } from './repo-dir';
