import * as fs from 'node:fs';
import { ConflictError, UsageError } from '../core/errors';
import { MANIFEST_FILE } from '../core/manifest';
import { type Plan, writes } from '../core/plan';
import { adoptedOn, hasAdopted, type StatusMemo, storyStatusOn } from '../model/adopted';
import type { HandoverItem } from '../model/handover';
import { loadPlatform, PLATFORM_FILE, type PlatformFile, setStoryState } from '../model/platform-file';
import type { Problem } from '../model/problem';
import type { AdoptedComponent, PlatformSpec, StoryState } from '../model/schema';
import { sharedWiringRefusal, type WiringAction } from '../model/shared-wiring';
import { type Catalog, catalogWith, type StoryDef } from '../model/stories';
import {
  checkClusters,
  checkId,
  checkStateChange,
  type DependencyAdded,
  findStory,
  missingDependencies,
  recordStories,
  withCustomStory,
} from '../model/story-rules';
import { catalogFor, defaultTargets } from '../model/wiring';
import { commitStory, enterStoryBranch, refuseUncommitted, restore, snapshot } from './git';
import { checkRepoDir } from './repo-dir';
import { noPlatform, type Session, session } from './session';

export interface StoryCommandOptions {
  /** The GitOps repository (must hold platform.yaml). */
  dir: string;
  dryRun?: boolean;
  templateRoots?: string[];
}

export interface AddStoryOptions extends StoryCommandOptions {
  id: string;
  /** Target clusters; default: every cluster whose role the story names. */
  clusters?: string[];
  approve?: boolean;
  /** Approve even when dependencies are not approved. */
  force?: boolean;
  /** Definition of a story that is not in the catalog. */
  custom?: unknown;
  /** Deliver it on branch story/<id> and commit what it wrote as `<ID>: scaffold …` (one story at a time). */
  git?: boolean;
}

export interface StoryResult {
  root: string;
  story: StoryDef;
  clusters: string[];
  /** cluster -> settings added to platform.yaml with their defaults */
  settingsAdded: Record<string, string[]>;
  plan: Plan;
  written: boolean;
  /**
   * An adopted repository: what its people must set by hand in their own components for the stories of the command
   * (named or brought along) to work (generate/handover.ts); absent on a repository the tool generated.
   */
  handover?: HandoverItem[];
}

/** What a story command says in a repository without platform.yaml. */
const createFirst = (dir: string) =>
  noPlatform(`create the repository first (create-platform-cluster infra apps --dir ${dir})`);

/** platform.yaml of the session's repository; a story command needs one. */
function openPlatform(s: Session, dir: string): PlatformFile {
  return s.open(createFirst(dir));
}

/** Read-only listings: platform.yaml of dir (validated), read without the lock. */
function readPlatform(dir: string): PlatformFile {
  const root = checkRepoDir(dir);
  const pf = loadPlatform(root);
  if (!pf) throw new UsageError(createFirst(dir)(root));
  return pf;
}

/** The error of an edit that would leave platform.yaml invalid. */
const invalidEdit = (problems: Problem[]) =>
  new UsageError(
    'the change would leave platform.yaml invalid; nothing was written',
    problems.map((p) => `${p.path}: ${p.message}`),
  );

/**
 * An adopted repository whose layout has clusters share a wiring file (perCluster: false): approving (or taking
 * back) a story on some of them wires (or unwires) it on all that apply the file, so the command must name them all
 * (model/shared-wiring.ts). Exit 2, nothing written. A repository the tool generated wires each cluster apart.
 */
function refuseSharedWiring(
  spec: PlatformSpec,
  cat: Catalog,
  wanted: [StoryDef, string[]][],
  action: WiringAction,
): void {
  if (!spec.layout) return;
  for (const [story, clusters] of wanted) {
    const refusal = sharedWiringRefusal(spec, cat, { story: story.id, clusters, action });
    if (refusal) throw new UsageError(`${refusal.message}; nothing was written`);
  }
}

/**
 * The end of every story command: validate the edited platform once, generate it and write it. What must be set by
 * hand is kept for the stories of the command (`ids`): the others' were said when they were approved.
 */
function finish(
  s: Session,
  pf: PlatformFile,
  opts: StoryCommandOptions,
  ids: string[],
): { plan: Plan; written: boolean; handover?: HandoverItem[] } {
  s.validate(pf, invalidEdit);
  const { plan, written, handover } = s.commit(pf, { dryRun: opts.dryRun });
  return { plan, written, ...handoverFor(handover, ids) };
}

/** The by-hand items of these stories, as a result's field (none on a repository the tool generated). */
function handoverFor(items: HandoverItem[] | undefined, ids: string[]): { handover?: HandoverItem[] } {
  return items ? { handover: items.filter((i) => i.stories.some((id) => ids.includes(id))) } : {};
}

/**
 * add-story: record a story on its target clusters (draft, or approved with `approve`), add the settings it
 * needs with their defaults, render its components, documents and files. All or nothing.
 */
export function addStory(opts: AddStoryOptions): StoryResult {
  const { id, ...rest } = opts;
  const r = addStories({ ...rest, ids: [id] });
  return { ...r, story: r.stories[0] };
}

export interface AddStoriesOptions extends Omit<AddStoryOptions, 'id'> {
  /** Stories to add, in this order (dependencies first); `custom` applies only when there is one id. */
  ids: string[];
  /** Also add the dependencies not added yet (with `approve`: not approved yet), in plan order. */
  withDeps?: boolean;
}

export interface StoriesResult extends Omit<StoryResult, 'story'> {
  stories: StoryDef[];
  /** With git: the branch and the commit made. */
  git?: { branch: string; commit?: string };
  /** With withDeps: the dependencies added (or approved) along, in plan order. */
  dependencies: DependencyAdded[];
}

/** add-story with several ids (or --all): every story is recorded in order, then one render and one commit. */
export function addStories(opts: AddStoriesOptions): StoriesResult {
  return session({ dir: opts.dir, templateRoots: opts.templateRoots }, (s) => addStoriesIn(s, opts));
}

function addStoriesIn(s: Session, opts: AddStoriesOptions): StoriesResult {
  if (opts.ids.length === 0) throw new UsageError('no story id given (pass STORY-… or --all)');
  for (const id of opts.ids) checkId(id);
  if (opts.custom !== undefined && opts.ids.length !== 1) throw new UsageError('--custom defines one story at a time');
  if (opts.git && opts.ids.length !== 1)
    throw new UsageError('--git delivers one story at a time (one branch, one commit)');
  const pf = openPlatform(s, opts.dir);
  const { custom, cat } =
    opts.custom !== undefined
      ? withCustomStory(pf.spec, opts.ids[0], opts.custom)
      : { custom: undefined, cat: catalogFor(pf.spec) };
  const stories = opts.ids.map((id) => findStory(cat, id));
  let dependencies: DependencyAdded[] = [];
  const targets = new Map<string, string[]>();
  if (opts.withDeps) {
    const wanted = stories.map((st): [StoryDef, string[]] => [st, checkClusters(pf.spec, st, opts.clusters, false)]);
    dependencies = missingDependencies(pf.spec, cat, wanted, Boolean(opts.approve));
    for (const d of dependencies) targets.set(d.id, d.clusters);
  }
  const all = [...dependencies.map((d) => findStory(cat, d.id)), ...stories];
  if (opts.approve)
    refuseSharedWiring(
      pf.spec,
      cat,
      stories.map((st): [StoryDef, string[]] => [st, checkClusters(pf.spec, st, opts.clusters, false)]),
      'approve',
    );
  const recorded = recordStories(pf, cat, all, {
    clusters: opts.clusters,
    approve: opts.approve,
    force: opts.force,
    custom,
    targets,
    withDepsFlag: true,
  });
  const settingsAdded = recorded.settingsAdded;
  // The clusters of the stories named (the dependencies brought along say where they went themselves).
  const touched = [...new Set(stories.flatMap((st) => recorded.byStory.get(st.id) ?? []))];
  const result = { root: s.root, stories, clusters: touched, settingsAdded, dependencies };
  const ids = all.map((st) => st.id);
  if (opts.git && !opts.dryRun) {
    const story = stories[0];
    const message = `${story.id}: scaffold ${story.title}${opts.approve ? ` (approved on ${touched.join(', ')})` : ' (draft)'}`;
    return { ...result, ...deliverOnBranch(s, pf, story.id, message, ids) };
  }
  return { ...result, ...finish(s, pf, opts, ids) };
}

/**
 * add-story --git: validate, switch to the story's branch, write, and commit exactly what the story wrote. A file
 * it writes that has uncommitted edits (platform.yaml edited by hand, say) would carry them into the commit, so
 * that is refused before anything is written or switched; a failed commit puts the files back as they were.
 */
function deliverOnBranch(
  s: Session,
  pf: PlatformFile,
  id: string,
  message: string,
  ids: string[],
): { plan: Plan; written: boolean; git: StoriesResult['git']; handover?: HandoverItem[] } {
  // Validate everything before switching branches, so bad input leaves the work tree as it was.
  s.validate(pf, invalidEdit);
  refuseUncommitted(s.root, [PLATFORM_FILE, MANIFEST_FILE], 'before switching branches');
  const branch = enterStoryBranch(s.root, id);
  const { plan, handover } = s.generate(pf);
  const hand = handoverFor(handover, ids);
  const paths = writes(plan).map((c) => c.path);
  refuseUncommitted(s.root, paths, `on branch ${branch}`);
  if (paths.length === 0) return { plan, written: false, git: { branch }, ...hand };
  const before = snapshot(s.root, paths);
  s.write(plan);
  try {
    return { plan, written: true, git: { branch, commit: commitStory(s.root, message, paths) }, ...hand };
  } catch (e) {
    restore(s.root, before);
    const why = (e as Error).message.split('\n')[0];
    const undone = `the files it wrote were put back as they were and unstaged (nothing written, nothing committed; still on branch ${branch})`;
    throw new ConflictError(`--git: ${why}; ${undone}`, paths);
  }
}

export interface ApproveOptions extends StoryCommandOptions {
  id: string;
  clusters?: string[];
  force?: boolean;
}

export interface ApproveStoriesOptions extends StoryCommandOptions {
  /** Stories to approve or take back to draft: all of them or none. */
  ids: string[];
  clusters?: string[];
  force?: boolean;
  /** approve: also add and approve the dependencies not approved yet, in plan order. */
  withDeps?: boolean;
}

function changeStates(opts: ApproveStoriesOptions, to: StoryState): StoriesResult {
  return session({ dir: opts.dir, templateRoots: opts.templateRoots }, (s) => changeStatesIn(s, opts, to));
}

function changeStatesIn(s: Session, opts: ApproveStoriesOptions, to: StoryState): StoriesResult {
  if (opts.ids.length === 0)
    throw new UsageError('no story id given (pass one or more STORY-… ids; platform-kit stories lists them)');
  for (const id of opts.ids) checkId(id);
  if (opts.withDeps && to !== 'approved')
    throw new UsageError('--with-deps goes with approve (unapprove takes back only the stories named)');
  const pf = openPlatform(s, opts.dir);
  const cat = catalogFor(pf.spec);
  const stories = [...new Set(opts.ids)].map((id) => findStory(cat, id)).sort((a, b) => a.seq - b.seq);
  const wanted = stories.map((st): [StoryDef, string[]] => [st, checkClusters(pf.spec, st, opts.clusters, true)]);
  const before = pf.spec;
  let dependencies: DependencyAdded[] = [];
  let settingsAdded: Record<string, string[]> = {};
  if (opts.withDeps) {
    dependencies = missingDependencies(pf.spec, cat, wanted, true);
    const targets = new Map(dependencies.map((d) => [d.id, d.clusters]));
    // The dependencies' own needs are checked with the stories below, on the platform as it will be.
    settingsAdded = recordStories(
      pf,
      cat,
      dependencies.map((d) => findStory(cat, d.id)),
      { approve: true, force: true, targets },
    ).settingsAdded;
  }
  refuseSharedWiring(pf.spec, cat, wanted, to === 'approved' ? 'approve' : 'unapprove');
  for (const [story, clusters] of wanted) setStoryState(pf, story.id, Object.fromEntries(clusters.map((c) => [c, to])));
  if (!opts.force) {
    const brought = dependencies.map((d): [StoryDef, string[]] => [findStory(cat, d.id), d.clusters]);
    checkStateChange(pf.spec, before, cat, wanted, brought, to);
  }
  const touched = [...new Set(wanted.flatMap(([, c]) => c))];
  // Taken back to draft, a story asks nothing by hand (where it stays approved, its approval said so).
  const ids = to === 'approved' ? [...dependencies.map((d) => d.id), ...stories.map((st) => st.id)] : [];
  return { root: s.root, stories, clusters: touched, settingsAdded, dependencies, ...finish(s, pf, opts, ids) };
}

/** platform-kit approve with several ids (all or nothing), and with withDeps the dependencies too. */
export function approveStories(opts: ApproveStoriesOptions): StoriesResult {
  return changeStates(opts, 'approved');
}

/** platform-kit unapprove with several ids (all or nothing). */
export function unapproveStories(opts: ApproveStoriesOptions): StoriesResult {
  return changeStates(opts, 'draft');
}

function one(r: StoriesResult): StoryResult {
  return {
    root: r.root,
    story: r.stories[0],
    clusters: r.clusters,
    settingsAdded: r.settingsAdded,
    plan: r.plan,
    written: r.written,
    ...(r.handover ? { handover: r.handover } : {}),
  };
}

/** platform-kit approve: wire the story's components into each cluster's lanes and mark it approved. */
export function approveStory(opts: ApproveOptions): StoryResult {
  const { id, ...rest } = opts;
  return one(approveStories({ ...rest, ids: [id] }));
}

/** platform-kit unapprove: take the story's components out of the lanes again (its files stay, as a draft). */
export function unapproveStory(opts: ApproveOptions): StoryResult {
  const { id, ...rest } = opts;
  return one(unapproveStories({ ...rest, ids: [id] }));
}

export interface StoryListing {
  id: string;
  seq: number;
  sprint: number;
  lane: string;
  kind: string;
  title: string;
  clusters: string[];
  dependsOn: string[];
  custom: boolean;
  /**
   * cluster -> draft | approved as platform.yaml records it, or partial where Kustomizations adopted from the
   * repository deliver some of its components without it being approved (clusters the story is not on are absent)
   */
  status: Record<string, StoryState | 'partial'>;
  /**
   * Only when the story is partial somewhere: per such cluster, its components there, those missing, and the
   * dependencies that keep `approve` from taking it there (model/adopted.ts; empty when nothing does).
   */
  partial?: Record<string, { present: string[]; missing: string[]; waitsOn: string[] }>;
}

/**
 * The catalog (plus custom stories) with each story's status per cluster; `dir` may lack platform.yaml (then the
 * catalog alone), but it must be a folder that exists.
 */
export function listStories(dir?: string): StoryListing[] {
  let spec: PlatformSpec | undefined;
  if (dir !== undefined) {
    const root = checkRepoDir(dir);
    if (!fs.existsSync(root)) throw new UsageError(`no ${PLATFORM_FILE} in ${root}: no such folder (--dir ${dir})`);
    spec = loadPlatform(root)?.spec;
  }
  const cat = spec ? catalogFor(spec) : catalogWith({});
  const memo: StatusMemo = new Map();
  return cat.stories.map((s) => {
    const listing: StoryListing = {
      id: s.id,
      seq: s.seq,
      sprint: s.sprint,
      lane: s.lane,
      kind: s.kind,
      title: s.title,
      clusters: s.clusters,
      dependsOn: s.dependsOn,
      custom: Boolean(s.custom),
      status: { ...(spec?.stories[s.id]?.clusters ?? {}) },
    };
    // Kustomizations adopted from the repository may deliver part of a story platform.yaml does not approve: that is
    // its own status, with what is there and what is missing (a repository without `adopted` has none).
    if (spec && hasAdopted(spec)) {
      for (const cl of Object.keys(spec.clusters)) {
        const st = storyStatusOn(spec, cat, s, cl, memo);
        if (st?.state !== 'partial') continue;
        listing.status[cl] = 'partial';
        (listing.partial ??= {})[cl] = { present: st.present, missing: st.missing, waitsOn: st.waitsOn };
      }
    }
    return listing;
  });
}

/**
 * The Kustomizations a repository's people wrote that deliver no catalog component, per cluster (adopt records them).
 * Without platform.yaml: a UsageError, or none when `optional` (the stories table lists the catalog then).
 */
export function listHandWritten(dir: string, optional = false): Record<string, AdoptedComponent[]> {
  const spec = optional ? loadPlatform(checkRepoDir(dir))?.spec : readPlatform(dir).spec;
  if (!spec) return {};
  const out: Record<string, AdoptedComponent[]> = {};
  for (const cl of Object.keys(spec.clusters)) {
    const hand = adoptedOn(spec, cl).handWritten;
    if (hand.length) out[cl] = hand;
  }
  return out;
}

/** A story as the add-story picker shows it: where it would go in this repository and its state there. */
export interface StoryPick {
  id: string;
  title: string;
  sprint: number;
  /** cluster -> draft | approved | not added, for every cluster of the repo the story runs on or is recorded on */
  status: Record<string, StoryState | 'not added'>;
}

/** The stories of a repository (catalog and custom) in plan order, each with its state on its clusters. */
export function storyPicks(dir: string): StoryPick[] {
  const pf = readPlatform(dir);
  const cat = catalogFor(pf.spec);
  return cat.stories.map((s) => {
    const rec = pf.spec.stories[s.id]?.clusters ?? {};
    const status: StoryPick['status'] = {};
    for (const c of new Set([...defaultTargets(pf.spec, s), ...Object.keys(rec)])) status[c] = rec[c] ?? 'not added';
    return { id: s.id, title: s.title, sprint: s.sprint, status };
  });
}

/** The roles of the repository's clusters (each once, in platform.yaml order): the lanes a custom story can take. */
export function clusterRoles(dir: string): string[] {
  const pf = readPlatform(dir);
  return [...new Set(Object.values(pf.spec.clusters).map((c) => c.role))];
}
