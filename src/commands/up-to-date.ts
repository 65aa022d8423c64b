import * as fs from 'node:fs';
import * as path from 'node:path';
import { LinkGuard } from '../core/disk';
import { fileText, toLf } from '../core/eol';
import { inputsFingerprint } from '../core/fingerprint';
import { withoutLock } from '../core/lock';
import { MANIFEST_FILE, sha256 } from '../core/manifest';
import { isSafeRelativePath, OVERRIDES_DIR, walkTree } from '../core/paths';
import { BASE_DIR, type Change, type Plan } from '../core/plan';
import { REPO_PACKAGE_FILE } from '../generate/repo-package';
import type { HandoverItem } from '../model/handover';
import type { VariantSettingsSync } from '../model/variant-settings';
import { checkRepoDir } from './repo-dir';

export interface RegenerateOptions {
  /** The GitOps repository (must hold platform.yaml). */
  dir: string;
  /** Print the plan with diffs; write nothing. */
  dryRun?: boolean;
  /** Write nothing; the result says whether anything would change (for the GitOps repository's CI). */
  check?: boolean;
  templateRoots?: string[];
  /** Try the fast "nothing to do" path first (default true). */
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
  /** An adopted repository: what its people must set by hand in their own components (generate/handover.ts). */
  handover?: HandoverItem[];
}

/**
 * regenerate's fast path, the one place it is tried (regenerate() first, and the CLI before it loads the renderer):
 * the result of a regenerate that has nothing to do, or undefined when that cannot be told without rendering (or
 * other templates are asked for). It only reads, so it takes no lock; --check and --dry-run first make sure no
 * commit is half-done (a writing run finds one through .platform/.staging, declines, and recovers it under the lock).
 */
export function upToDate(opts: RegenerateOptions): RegenerateResult | undefined {
  const root = checkRepoDir(opts.dir);
  if (opts.templateRoots || opts.fast === false) return undefined;
  const plan = opts.check || opts.dryRun ? withoutLock(root, () => upToDatePlan(root)) : upToDatePlan(root);
  return plan && { root, plan, changed: false, written: false, unresolved: [] };
}

/** The hash of a file as the plan compares it: line endings normalised (core/eol.ts), other bytes as they are. */
function hashOf(file: string): string | undefined {
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.includes(13)) {
      const f = fileText(bytes);
      if (f.utf8) return sha256(f.text);
    }
    return sha256(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The fast path of `regenerate` when there is nothing to do: the manifest's inputs fingerprint equals that of
 * platform.yaml, the generator and the overrides as they are now, and every generated file and its merge base
 * still has the recorded hash. Then a render would produce exactly the files on disk, so the plan is "all
 * unchanged" without rendering. Returns that plan, or undefined whenever anything differs or looks odd (the
 * caller then renders and plans as usual). Only node built-ins and light modules are loaded.
 */
export function upToDatePlan(root: string): Plan | undefined {
  const links = new LinkGuard(root);
  // Read nothing through a symbolic link (the manifest, platform.yaml, the template overrides the fingerprint
  // hashes): the full path refuses it with a clear message.
  try {
    links.check(MANIFEST_FILE);
    links.check('platform.yaml');
    links.check(OVERRIDES_DIR);
  } catch {
    return undefined;
  }
  if (walkTree(path.join(root, OVERRIDES_DIR)).links.length) return undefined;
  let manifestText: string;
  let platformText: string;
  try {
    manifestText = fs.readFileSync(path.join(root, MANIFEST_FILE), 'utf8');
    platformText = toLf(fs.readFileSync(path.join(root, 'platform.yaml'), 'utf8'));
  } catch {
    return undefined;
  }
  let m: { generator?: unknown; version?: unknown; inputs?: unknown; files?: unknown };
  try {
    m = JSON.parse(manifestText);
  } catch {
    return undefined;
  }
  if (!m || typeof m.inputs !== 'string' || typeof m.files !== 'object' || m.files === null) return undefined;
  if (fs.existsSync(path.join(root, '.platform', '.staging'))) return undefined;
  if (inputsFingerprint(root, platformText) !== m.inputs) return undefined;
  const files = m.files as Record<string, unknown>;
  const changes: Change[] = [];
  for (const [p, h] of Object.entries(files)) {
    if (typeof h !== 'string' || !isSafeRelativePath(p) || p.startsWith('.platform/')) return undefined;
    // A symbolic link anywhere is left to the full path, which refuses it with a clear message.
    try {
      links.check(p);
      links.check(`${BASE_DIR}/${p}`);
    } catch {
      return undefined;
    }
    if (hashOf(path.join(root, p)) !== h) return undefined;
    // platform.yaml and package.json are edited structurally by the tool and have no merge base; every other file has one.
    if (p === 'platform.yaml') continue;
    if (p === REPO_PACKAGE_FILE) {
      changes.push({ path: p, action: 'UNCHANGED' });
      continue;
    }
    if (hashOf(path.join(root, BASE_DIR, p)) !== h) return undefined;
    changes.push({ path: p, action: 'UNCHANGED' }, { path: `${BASE_DIR}/${p}`, action: 'UNCHANGED', internal: true });
  }
  if (files['platform.yaml'] === undefined) return undefined;
  changes.push({ path: 'platform.yaml', action: 'UNCHANGED' }, { path: MANIFEST_FILE, action: 'UNCHANGED' });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    changes,
    manifest: {
      generator: String(m.generator),
      version: String(m.version),
      inputs: m.inputs,
      files: files as Record<string, string>,
    },
  };
}
