import { type FileText, stringText, withEol } from '../core/eol';
import { ConflictError } from '../core/errors';
import { MANIFEST_FILE, type Manifest, manifestToString, parseManifest, sha256 } from '../core/manifest';
import type { Merge3 } from '../core/merge';
import { type Change, computePlan, type Plan, type Reader, writes } from '../core/plan';
import { TemplateRenderer } from '../core/render';
import type { Tree } from '../core/tree';
import { type AdoptedRender, ownedOn, renderAdopted, type WiringEdit } from '../generate/adopted';
import { type RenderResult, renderPlatform } from '../generate/platform';
import { REPO_PACKAGE_FILE, repoPackageJson } from '../generate/repo-package';
import { syncChartPins } from '../model/charts';
import type { HandoverItem } from '../model/handover';
import { keepFormatting, PLATFORM_FILE, type PlatformFile, platformToString } from '../model/platform-file';
import { syncVariantSettings, type VariantSettingsSync } from '../model/variant-settings';
import { catalogFor, renderedComponents } from '../model/wiring';
import { GENERATOR_VERSION } from '../version';
import { registerPlannedPlatform } from './outcome';

/**
 * The generator, pure: what platform.yaml describes, rendered and reconciled with the repository as it is now, as a
 * plan of file changes. It reads the repository only through `current` and writes nothing, so it runs as well on a
 * caller's in-memory tree (an Nx generator, a Backstage action) as on a disk (commands/session.ts).
 *
 *   platform.yaml ─ render ─► tree ─ computePlan (files, merge bases) ─► + manifest ─► plan
 */

export interface GenerateInputs {
  /** The repository as it is now: its files, the merge bases under .platform/base/ and the manifest. */
  current: Reader;
  /** Template folders, the first that has a file wins (a repository's overrides, then the built-in templates). */
  templateRoots: string[];
  /**
   * The fingerprint of this render's inputs, given the text of platform.yaml it writes; recorded in the manifest for
   * regenerate's fast path. Absent: none is recorded (a render from other templates, or a caller without a disk).
   */
  fingerprint?: (platformText: string) => string;
  /**
   * Three-way merge of a person's edits with the new render (the session passes git merge-file, a process). Without
   * one, a file a person edited whose render changed is kept as they have it.
   */
  merge?: Merge3;
}

export interface Generated extends RenderResult {
  /** Every file written, kept or deleted, the merge bases and the manifest among them, sorted by path. */
  plan: Plan;
  /** Settings added to or dropped from platform.yaml because of a cluster's variant (its secret-store provider). */
  settingsSync: VariantSettingsSync;
  /** An adopted repository: what its people must set by hand in their own components (generate/handover.ts). */
  handover?: HandoverItem[];
}

/** Files the tool edits structurally and always writes itself: a person's version is never "in the way". */
const TOOL_OWNED = [PLATFORM_FILE, MANIFEST_FILE, REPO_PACKAGE_FILE];

/**
 * Render `platform` and plan it against `inputs.current`. platform.yaml's derived parts are brought up to date first
 * (the chart pins of what it renders, the settings of each cluster's variant): that edits `platform`. Throws
 * ConflictError when a file the tool never generated is in the way.
 */
export function generate(platform: PlatformFile, inputs: GenerateInputs): Generated {
  const cat = catalogFor(platform.spec);
  // An adopted repository (platform.yaml has the layout adopt detected): only the components the tool owns there.
  const adopted = platform.spec.layout !== undefined;
  const rendered = adopted
    ? [
        ...new Map(
          Object.keys(platform.spec.clusters).flatMap((c) => ownedOn(platform.spec, cat, c).map((x) => [x.id, x])),
        ).values(),
      ]
    : renderedComponents(platform.spec, cat);
  const pinned = rendered.flatMap((c) => (c.chart && !cat.components.get(c.id)?.story?.custom ? [c.chart.name] : []));
  syncChartPins(platform, pinned);
  const renderer = new TemplateRenderer(inputs.templateRoots);
  // Settings of a variant the cluster does not build (another secret-store provider's) go; its own come. An adopted
  // repository keeps its settings in its own files: platform.yaml's are left as adopt wrote them.
  const settingsSync = adopted ? NO_SYNC : syncVariantSettings(platform, cat, renderer);
  const { current } = inputs;
  const look = (p: string): FileText | undefined => (current.readText ? current.readText(p) : textOf(current.read(p)));
  const result = adopted
    ? renderAdopted(platform.spec, renderer, (p) => look(p)?.text)
    : renderPlatform(platform.spec, renderer);
  // platform.yaml stays as the person formatted it (comments after values, flow or JSON style) unless a value changes.
  const platformText = platformToString(platform);
  result.tree.write(PLATFORM_FILE, keepFormatting(look(PLATFORM_FILE)?.text, platformText));
  // package.json pins the tool; a person's fields in it are kept (edited structurally, like platform.yaml).
  if (!adopted) result.tree.write(REPO_PACKAGE_FILE, repoPackageJson(look(REPO_PACKAGE_FILE)?.text, GENERATOR_VERSION));
  const previous = parseManifest(current.read(MANIFEST_FILE), GENERATOR_VERSION);
  const next = { generator: 'create-platform-cluster', version: GENERATOR_VERSION };
  const plan = computePlan(result.tree, current, previous, next, new Set(TOOL_OWNED), inputs.merge);
  if (adopted) addWiring(plan, (result as AdoptedRender).wiring, look, current);
  addManifest(plan, result.tree, current, inputs.fingerprint);
  // What platform.yaml held when the command read it, not when the plan did: a line saved in between is not lost.
  const platformChange = plan.changes.find((c) => c.path === PLATFORM_FILE);
  if (platformChange && platform.source !== undefined)
    platformChange.currentHash = platform.source === null ? null : sha256(platform.source);
  const conflicts = plan.changes.filter((c) => c.action === 'CONFLICT');
  if (conflicts.length) {
    throw new ConflictError(
      'files the tool did not generate are in the way; move them aside or delete them, then run again (nothing was written)',
      conflicts.map((c) => c.path),
    );
  }
  const written = result.tree.read(PLATFORM_FILE)!;
  registerPlannedPlatform(plan, written, platform.spec, written === platformText ? platform.doc : undefined);
  return { ...result, plan, settingsSync };
}

const NO_SYNC: VariantSettingsSync = { added: {}, dropped: {}, kept: [], variant: {} };

/**
 * The structural edits of a person's files (wiring an adopted repository): planned like any change, with the reason,
 * but never recorded in the manifest, so regenerate never deletes or merges them; each run computes them anew from
 * the file as it is. Written with the file's own line ending; a new file with the repository's.
 */
function addWiring(plan: Plan, edits: WiringEdit[], look: (p: string) => FileText | undefined, current: Reader): void {
  for (const e of edits) {
    if (plan.changes.some((c) => c.path === e.path))
      throw new ConflictError(
        'a file the tool generates is also a file it wires (the layout places them on one path)',
        [e.path],
      );
    const file = look(e.path);
    if (file && !file.utf8)
      throw new ConflictError('a file the tool must edit is not UTF-8 text; nothing was written', [e.path]);
    const eol = file?.eol ?? current.newFileEol?.([e.path])(e.path) ?? 'lf';
    const change: Change = {
      path: e.path,
      action: e.after === undefined ? 'DELETE' : file === undefined ? 'CREATE' : 'UPDATE',
      before: file?.raw,
      after: e.after === undefined ? undefined : withEol(e.after, eol),
      reason: e.reason,
      currentHash: file === undefined ? null : sha256(file.raw),
    };
    const at = plan.changes.findIndex((c) => c.path > e.path);
    plan.changes.splice(at < 0 ? plan.changes.length : at, 0, change);
  }
}

const textOf = (raw: string | undefined): FileText | undefined => (raw === undefined ? undefined : stringText(raw));

/**
 * The manifest, as one more change of the plan: it records every other generated file (so it is not listed in
 * itself), the inputs fingerprint, and is written in the same commit. Added in path order.
 */
function addManifest(plan: Plan, tree: Tree, current: Reader, fingerprint: GenerateInputs['fingerprint']): void {
  if (fingerprint) plan.manifest.inputs = fingerprint(tree.read(PLATFORM_FILE)!);
  const text = manifestToString(plan.manifest);
  tree.write(MANIFEST_FILE, text);
  const file = current.readText ? current.readText(MANIFEST_FILE) : textOf(current.read(MANIFEST_FILE));
  const eol = file?.utf8 && file.eol ? file.eol : (current.newFileEol?.([MANIFEST_FILE])(MANIFEST_FILE) ?? 'lf');
  const same =
    file !== undefined && (file.text === text || onlyBookkeepingDiffers(plan, tree, current, file.text, text));
  const change: Change = {
    path: MANIFEST_FILE,
    action: file === undefined ? 'CREATE' : same ? 'UNCHANGED' : 'UPDATE',
    before: file?.raw,
    after: withEol(text, eol),
    currentHash: file === undefined ? null : sha256(file.raw),
  };
  const at = plan.changes.findIndex((c) => c.path > MANIFEST_FILE);
  plan.changes.splice(at < 0 ? plan.changes.length : at, 0, change);
}

/**
 * A manifest that differs only in what is no reason to write it, when nothing else is written: a new inputs
 * fingerprint (the generator's code changed, its output did not; the fast path then waits for the next real
 * change), and the recorded hash of a tool-owned file kept byte for byte as it is (platform.yaml whose formatting
 * a person changed, package.json with a dependency of theirs and the right pin).
 */
function onlyBookkeepingDiffers(plan: Plan, tree: Tree, current: Reader, before: string, after: string): boolean {
  if (writes(plan).length > 0) return false;
  try {
    const { inputs: _a, ...was } = JSON.parse(before) as Partial<Manifest>;
    const { inputs: _b, ...now } = JSON.parse(after) as Partial<Manifest>;
    if (was.files && now.files) {
      for (const p of [PLATFORM_FILE, REPO_PACKAGE_FILE])
        if (tree.read(p) === current.read(p)) was.files[p] = now.files[p];
    }
    return JSON.stringify(was) === JSON.stringify(now);
  } catch {
    return false;
  }
}
