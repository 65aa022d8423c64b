import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertNoEscapingLink, commitChanges, DiskReader } from '../core/disk';
import { toLf } from '../core/eol';
import { isErrno, systemError, UsageError } from '../core/errors';
import { inputsFingerprint } from '../core/fingerprint';
import { withoutLock, withRepoLock } from '../core/lock';
import { gitMergeFile } from '../core/merge';
import { OVERRIDES_DIR, walkTree } from '../core/paths';
import { type Plan, writes } from '../core/plan';
import { BUILTIN_TEMPLATES } from '../core/render';
import { loadPlatform, PLATFORM_FILE, type PlatformFile, parsePlatform } from '../model/platform-file';
import type { Problem } from '../model/problem';
import { validatePlatform } from '../model/validate';
import { type Generated, generate } from './generate';
import { uncommittedPaths } from './git';
import { checkRepoDir } from './repo-dir';

/**
 * One command's run on a repository on disk, around the pure generator (commands/generate.ts):
 *
 *   check --dir ─► lock ─► load platform.yaml ─► (the command's edit) ─► validate ─► generate ─► commit
 *
 * Every command that writes is this, with its own edit in the middle; nothing else reads or writes the disk. The
 * platform is validated once, after the edit; an error on the way reports an invalid platform.yaml first.
 */

/**
 * Template roots for a repository: its overrides (when present) first, then the built-in templates. An override
 * folder holding symbolic links is refused: a template must not read files from outside the repository.
 */
export function templateRootsOf(root: string): string[] {
  const dir = path.join(root, OVERRIDES_DIR);
  assertNoEscapingLink(root, OVERRIDES_DIR);
  if (!fs.existsSync(dir)) return [BUILTIN_TEMPLATES];
  const [link] = walkTree(dir).links;
  if (link) throw new UsageError(`${OVERRIDES_DIR}/${link}: template overrides may not be symbolic links`);
  return [dir, BUILTIN_TEMPLATES];
}

/** Write a plan to the repository, all or nothing (core/disk.ts commitChanges); an OS error says nothing was written. */
export function applyPlan(root: string, plan: Plan): void {
  try {
    commitChanges(root, plan.changes);
  } catch (e) {
    // The commit is all or nothing: what it had moved into place is put back before the error comes out.
    if (!isErrno(e)) throw e;
    // A failed write(2) names no file: the only writes of the commit are its staged copies and journal.
    e.path ??= '.platform/.staging (the new contents being staged before they are moved into place)';
    throw systemError(e, 'nothing was written (what had been moved into place was put back)');
  }
}

/**
 * Render what platform.yaml says and plan it against the repository at root (see Session.generate). Throws
 * ConflictError when a file nobody generated is in the way.
 */
export function planRepo(root: string, pf: PlatformFile, templateRoots?: string[]): Generated {
  return new Session(path.resolve(root), { dir: root, templateRoots }).generate(pf);
}

export interface SessionOptions {
  /** The GitOps repository. */
  dir: string;
  /**
   * Only read (a check): no lock is taken, so it runs on a read-only checkout and beside a running command; a commit
   * an earlier run left half-done stops it instead of being recovered.
   */
  readOnly?: boolean;
  /** Template folders instead of the repository's (its overrides, then the built-in templates). */
  templateRoots?: string[];
}

export interface Committed {
  plan: Plan;
  /** Something was written (not a dry run, and the plan writes). */
  written: boolean;
  settingsSync: Generated['settingsSync'];
  /** An adopted repository: what its people must set by hand (generate/handover.ts); absent otherwise. */
  handover?: Generated['handover'];
}

export class Session {
  /** undefined: not loaded yet; null: there is no platform.yaml. */
  private loaded: PlatformFile | null | undefined;
  /** The platform passed validate(): what was on disk no longer matters to an error. */
  private validated = false;

  constructor(
    readonly root: string,
    private readonly opts: SessionOptions,
  ) {}

  /**
   * platform.yaml as it is on disk (read once per session), or undefined when there is none. Its YAML and schema are
   * checked here; the whole model is validated once, after the command's edit (validate()).
   */
  platform(): PlatformFile | undefined {
    if (this.loaded === undefined) this.loaded = loadPlatform(this.root, { validate: false }) ?? null;
    return this.loaded ?? undefined;
  }

  /** platform.yaml, which the command needs: `missing` says what to do without it. */
  open(missing: (root: string) => string): PlatformFile {
    const pf = this.platform();
    if (!pf) throw new UsageError(missing(this.root));
    return pf;
  }

  /** The command's edit is done: the whole platform is validated, once; `invalid` words the error. */
  validate(pf: PlatformFile, invalid: (problems: Problem[]) => Error): void {
    const problems = validatePlatform(pf.spec);
    if (problems.length) throw invalid(problems);
    this.validated = true;
  }

  /**
   * When the command failed before its platform passed validate(): the error of the platform.yaml it read, if that
   * was invalid already (its problems with their lines, as any command reports them), so a person fixes the file
   * first rather than an error that follows from it. Validated only here, on the way out with an error.
   */
  invalidOnDisk(): Error | undefined {
    const pf = this.loaded;
    if (!pf || this.validated || typeof pf.source !== 'string') return undefined;
    try {
      parsePlatform(toLf(pf.source), PLATFORM_FILE, pf.source);
      return undefined;
    } catch (e) {
      return e as Error;
    }
  }

  /** The plan of `pf` against the repository on disk, merging with git, with what git lists as uncommitted. */
  generate(pf: PlatformFile): Generated {
    const templateRoots = this.opts.templateRoots ?? templateRootsOf(this.root);
    // Only with the built-in templates (plus the repository's overrides) does the fingerprint describe this render.
    const overrides = path.join(this.root, OVERRIDES_DIR);
    const standard =
      templateRoots[templateRoots.length - 1] === BUILTIN_TEMPLATES &&
      templateRoots.slice(0, -1).every((r, i) => i === 0 && r === overrides);
    // An adopted repository's render also reads its people's files (the settings they declare, the files that wire
    // the tool's components), which the fingerprint does not cover: no fingerprint, so regenerate renders every time.
    const fingerprinted = standard && !pf.spec.layout;
    const g = generate(pf, {
      current: new DiskReader(this.root),
      templateRoots,
      fingerprint: fingerprinted ? (text) => inputsFingerprint(this.root, text) : undefined,
      merge: gitMergeFile,
    });
    g.plan.uncommitted = uncommittedPaths(this.root);
    return g;
  }

  /** Write the plan, all or nothing. */
  write(plan: Plan): void {
    applyPlan(this.root, plan);
  }

  /** Generate `pf` and, unless it is a dry run or nothing changes, write it. */
  commit(pf: PlatformFile, opts: { dryRun?: boolean }): Committed {
    const { plan, settingsSync, handover } = this.generate(pf);
    const written = !opts.dryRun && writes(plan).length > 0;
    if (written) this.write(plan);
    return { plan, written, settingsSync, ...(handover ? { handover } : {}) };
  }
}

/** Run `work` in a session on opts.dir: --dir checked first, then under the repository's lock (unless read-only). */
export function session<T>(opts: SessionOptions, work: (s: Session) => T): T {
  const root = checkRepoDir(opts.dir);
  return (opts.readOnly ? withoutLock : withRepoLock)(root, () => {
    const s = new Session(root, opts);
    try {
      return work(s);
    } catch (e) {
      throw s.invalidOnDisk() ?? e;
    }
  });
}

/**
 * create-platform-cluster adding a cluster to an adopted repository (platform.yaml records the layout adopt
 * detected): the new cluster's entry, lanes, settings, Talos and bootstrap files would be the tool's scaffold next to
 * the ones the repository's people wrote. Refused (exit 2, nothing written).
 */
export function refuseAdopted(pf: PlatformFile | undefined, root: string): void {
  if (!pf?.spec.layout) return;
  throw new UsageError(
    `${PLATFORM_FILE} in ${root} records an adopted layout (platform-kit adopt): create-platform-cluster does not add clusters ` +
      "to an adopted repository (it would write the tool's scaffold next to the repository's own); nothing was written",
    ["add its entry folder the repository's way and its cluster to platform.yaml by hand"],
  );
}

/** The error of a command that needs platform.yaml in a repository that has none. */
export const noPlatform = (hint: string) => (root: string) => `no ${PLATFORM_FILE} in ${root}: ${hint}`;
