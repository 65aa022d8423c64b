import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';
import { DiskReader, assertNoEscapingLink, commitChanges } from '../core/disk';
import { gitMergeFile } from '../core/merge';
import { withEol } from '../core/eol';
import { MANIFEST_FILE, manifestToString, parseManifest, sha256 } from '../core/manifest';
import { computePlan, Plan, writes } from '../core/plan';
import { BUILTIN_TEMPLATES, TemplateRenderer } from '../core/render';
import { ConflictError } from '../core/errors';
import { isErrno, systemError } from '../core/errors';
import { renderPlatform, RenderResult } from '../generate/platform';
import { REPO_PACKAGE_FILE, repoPackageJson } from '../generate/repo-package';
import { keepFormatting, PLATFORM_FILE, PlatformFile, platformToString } from '../model/platform-file';
import { GENERATOR_VERSION } from '../version';
import { syncChartPins } from '../model/charts';
import { catalogFor, renderedComponents } from '../model/wiring';
import { syncVariantSettings, type VariantSettingsSync } from '../model/variant-settings';
import { OVERRIDES_DIR, walkTree } from '../core/paths';
import { checkRepoDir } from './repo-dir';
import { inputsFingerprint } from '../core/fingerprint';
import { uncommittedPaths } from './git';

export { checkRepoDir };

/** Repo-local template overrides: files here shadow the built-in templates by path. */
export { OVERRIDES_DIR };

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

/**
 * platform.yaml as each repository's command read it (null: there was none), so the commit replaces it only while
 * it still holds that text: a line saved between the read and the commit is never overwritten.
 */
const platformRead = new Map<string, string | null>();

export function notePlatformRead(root: string, text: string | null): void {
  platformRead.set(path.resolve(root), text);
}

export interface Rendered extends RenderResult {
  plan: Plan;
  /** Settings added to or dropped from platform.yaml because of a cluster's variant (its secret-store provider). */
  settingsSync: VariantSettingsSync;
}

/**
 * Render what platform.yaml says into a tree, add platform.yaml and the manifest, and plan the changes
 * against the repository on disk. Throws ConflictError when a file nobody generated is in the way.
 */
export function planRepo(root: string, pf: PlatformFile, templateRoots: string[] = templateRootsOf(root)): Rendered {
  // platform.yaml pins every chart the platform renders (charts:), each with its Renovate annotation.
  const cat = catalogFor(pf.spec);
  syncChartPins(pf, renderedComponents(pf.spec, cat).flatMap((c) => (c.chart && !cat.components.get(c.id)?.story?.custom ? [c.chart.name] : [])));
  const renderer = new TemplateRenderer(templateRoots);
  // Settings of a variant the cluster does not build (another secret-store provider's) go; its own come.
  const settingsSync = syncVariantSettings(pf, cat, renderer);
  const result = renderPlatform(pf.spec, renderer);
  const reader = new DiskReader(root);
  // platform.yaml stays as the person formatted it (comments after values, flow or JSON style) unless a value changes.
  // Compared as LF text like every file (core/eol.ts); the plan writes it back with the ending it has.
  const platformText = keepFormatting(reader.readText(PLATFORM_FILE)?.text, platformToString(pf));
  result.tree.write(PLATFORM_FILE, platformText);
  // package.json pins the tool; a person's fields in it are kept (edited structurally, like platform.yaml).
  const packageText = repoPackageJson(reader.readText(REPO_PACKAGE_FILE)?.text, GENERATOR_VERSION);
  result.tree.write(REPO_PACKAGE_FILE, packageText);
  const previous = parseManifest(reader.read(MANIFEST_FILE), GENERATOR_VERSION);
  const owned = new Set([PLATFORM_FILE, MANIFEST_FILE, REPO_PACKAGE_FILE]);
  const plan = computePlan(result.tree, reader, previous, { generator: 'create-platform-cluster', version: GENERATOR_VERSION }, owned, gitMergeFile);
  // Only with the built-in templates (plus the repo's overrides) does the fingerprint describe this render.
  const standardRoots =
    templateRoots[templateRoots.length - 1] === BUILTIN_TEMPLATES &&
    (templateRoots.length === 1 || (templateRoots.length === 2 && templateRoots[0] === path.join(root, OVERRIDES_DIR)));
  if (standardRoots) plan.manifest.inputs = inputsFingerprint(root, platformText);
  // The manifest records every other generated file; it is written in the same commit and is not listed in itself.
  const manifestText = manifestToString(plan.manifest);
  result.tree.write(MANIFEST_FILE, manifestText);
  // Compared with line endings normalised and written with the ending it has (core/eol.ts).
  const manifestFile = reader.readText(MANIFEST_FILE);
  const manifestBefore = manifestFile?.raw;
  // A new inputs fingerprint alone (the generator's code changed, its output did not) is no reason to write:
  // the fast path of regenerate then simply does not apply until the next real change rewrites the manifest.
  const sameButInputs = () => {
    if (writes(plan).length > 0) return false;
    try {
      const { inputs: _a, ...before } = JSON.parse(manifestFile!.text) as Record<string, unknown>;
      const { inputs: _b, ...after } = JSON.parse(manifestText) as Record<string, unknown>;
      // Likewise the recorded hash of platform.yaml when only its formatting changed (the file itself is kept).
      const files = (m: Record<string, unknown>) => m.files as Record<string, unknown> | undefined;
      if (platformText === reader.read(PLATFORM_FILE) && files(before) && files(after)) {
        files(before)![PLATFORM_FILE] = files(after)![PLATFORM_FILE];
      }
      // And of package.json when a person changed it (a dependency of theirs) and the pin is already right.
      if (packageText === reader.read(REPO_PACKAGE_FILE) && files(before) && files(after)) {
        files(before)![REPO_PACKAGE_FILE] = files(after)![REPO_PACKAGE_FILE];
      }
      return JSON.stringify(before) === JSON.stringify(after);
    } catch {
      return false;
    }
  };
  plan.changes.push({
    path: MANIFEST_FILE,
    action: manifestFile === undefined ? 'CREATE' : manifestFile.text === manifestText || sameButInputs() ? 'UNCHANGED' : 'UPDATE',
    before: manifestBefore,
    after: manifestFile?.utf8 && manifestFile.eol ? withEol(manifestText, manifestFile.eol) : withEol(manifestText, reader.newFileEol([MANIFEST_FILE])(MANIFEST_FILE)),
    currentHash: manifestBefore === undefined ? null : sha256(manifestBefore),
  });
  const read = platformRead.get(path.resolve(root));
  const platformChange = plan.changes.find((c) => c.path === PLATFORM_FILE);
  if (read !== undefined && platformChange) platformChange.currentHash = read === null ? null : sha256(read);
  plan.changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  plan.uncommitted = uncommittedPaths(root);
  const conflicts = plan.changes.filter((c) => c.action === 'CONFLICT');
  if (conflicts.length) {
    throw new ConflictError(
      'files the tool did not generate are in the way; move them aside or delete them, then run again (nothing was written)',
      conflicts.map((c) => c.path),
    );
  }
  return { ...result, plan, settingsSync };
}

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
