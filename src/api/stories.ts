import * as fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, UsageError } from '../core/errors';
import { MANIFEST_FILE } from '../core/manifest';
import { withRepoLock } from '../core/lock';
import { Plan, writes } from '../core/plan';
import { addSettingDefaults, PLATFORM_FILE, PlatformFile, setStoryState } from '../model/platform-file';
import { clusterNeedsSetting } from '../model/variant-settings';
import { CustomStory, CustomStorySchema, PlatformSpec, STORY_ID, StoryState } from '../model/schema';
import { Catalog, catalogWith, expandDefault, nearestStoryIds, StoryDef, VariableDecl } from '../model/stories';
import { validatePlatform } from '../model/validate';
import { catalogFor, defaultTargets } from '../model/wiring';
import { loadPlatform } from './create-cluster';
import { commitStory, enterStoryBranch, refuseUncommitted, restore, snapshot } from './git';
import { applyPlan, checkRepoDir, planRepo } from './repo';

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
}

function openRepo(dir: string): { root: string; pf: PlatformFile } {
  const root = checkRepoDir(dir);
  const pf = loadPlatform(root);
  if (!pf) throw new UsageError(`no ${PLATFORM_FILE} in ${root}: create the repository first (create-platform-cluster infra apps --dir ${dir})`);
  return { root, pf };
}

/** What is wrong with a story id, said about the id given (not a rule it may already follow). */
export function storyIdProblem(id: string): string {
  if (id.trim() !== id || /\s/.test(id)) return 'it holds spaces';
  if (/[a-z]/.test(id) && STORY_ID.test(id.toUpperCase())) return `it has lower-case letters (write ${id.toUpperCase()})`;
  if (/[\\/]/.test(id)) return 'it is a path, not a story id';
  if (!id.toUpperCase().startsWith('STORY-')) return 'it does not start with STORY-';
  const parts = id.slice('STORY-'.length).split('-');
  if (parts.some((p) => p === '')) return 'it has an empty part (two dashes in a row, or a dash at the end)';
  const bad = [...new Set(id.replace(/[A-Z0-9-]/g, ''))];
  if (bad.length) return `it holds ${bad.map((c) => JSON.stringify(c)).join(', ')} (only capital letters, digits and dashes)`;
  if (parts.length < 2) return `it has one part after STORY- (${parts[0]}); it needs an area and a name`;
  return 'it does not follow the pattern';
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !STORY_ID.test(id)) {
    throw new UsageError(`story id ${JSON.stringify(id)}: ${storyIdProblem(String(id))}; a story id looks like STORY-AREA-NAME (e.g. STORY-NET-CILIUM-GATEWAY)`);
  }
}

function findStory(cat: Catalog, id: string): StoryDef {
  const story = cat.byId.get(id);
  if (!story) throw new UsageError(`unknown story ${id}; nothing was written`, [`did you mean: ${nearestStoryIds(cat, id).join(', ')}`, 'list them all with: platform-kit stories']);
  return story;
}

function checkClusters(spec: PlatformSpec, story: StoryDef, wanted: string[] | undefined, recordedOnly: boolean): string[] {
  const rec = spec.stories[story.id];
  if (wanted && wanted.length) {
    const unknown = wanted.filter((c) => !spec.clusters[c]);
    if (unknown.length) throw new UsageError(`--cluster: no such cluster in ${PLATFORM_FILE}: ${unknown.join(', ')} (clusters: ${Object.keys(spec.clusters).join(', ') || 'none'})`);
    if (recordedOnly) {
      const missing = wanted.filter((c) => !rec?.clusters[c]);
      if (missing.length) throw new UsageError(`${story.id} is not on ${missing.join(', ')}: add it first with add-story ${story.id} --cluster ${missing[0]}`);
    }
    return [...new Set(wanted)];
  }
  if (recordedOnly) {
    const list = Object.keys(rec?.clusters ?? {});
    if (!list.length) throw new UsageError(`${story.id} is not in ${PLATFORM_FILE}: add it first with add-story ${story.id}`);
    return list;
  }
  const targets = defaultTargets(spec, story);
  if (!targets.length) throw new UsageError(`${story.id} targets clusters of role ${story.clusters.join(' or ')}, and ${PLATFORM_FILE} has none; pass --cluster NAME`);
  return targets;
}

/**
 * Why a story cannot be approved on a cluster: each dependency must be approved on that cluster when it runs
 * there (its roles include the cluster's), or on some cluster when it runs elsewhere (e.g. the shared database
 * on infra that an apps story reaches over ClusterMesh).
 */
export function unmetDependencies(spec: PlatformSpec, cat: Catalog, story: StoryDef, cluster: string): string[] {
  const role = spec.clusters[cluster].role;
  const out: string[] = [];
  for (const d of story.dependsOn) {
    const dep = cat.byId.get(d)!;
    const rec = spec.stories[d];
    if (dep.clusters.includes(role) || rec?.clusters[cluster]) {
      const st = rec?.clusters[cluster];
      if (st !== 'approved') out.push(`${d} is ${st ?? 'not added'} on ${cluster}`);
    } else if (!Object.values(rec?.clusters ?? {}).includes('approved')) {
      out.push(`${d} (runs on ${dep.clusters.join('/')}) is not approved on any cluster`);
    }
  }
  return out;
}

/** Stories approved on a cluster that need this one there (the reverse of unmetDependencies). */
export function approvedDependents(spec: PlatformSpec, cat: Catalog, story: StoryDef, cluster: string): string[] {
  const without: PlatformSpec = {
    ...spec,
    stories: { ...spec.stories, [story.id]: { ...spec.stories[story.id], clusters: { ...spec.stories[story.id].clusters, [cluster]: 'draft' } } },
  };
  const out: string[] = [];
  for (const s of cat.stories) {
    if (!s.dependsOn.includes(story.id)) continue;
    for (const [c, st] of Object.entries(spec.stories[s.id]?.clusters ?? {})) {
      if (st === 'approved' && unmetDependencies(without, cat, s, c).some((u) => u.startsWith(`${story.id} `))) out.push(`${s.id} is approved on ${c}`);
    }
  }
  return out;
}

/** Variables a story needs on a cluster: its own and those of the stories whose components it uses. */
function variablesOf(cat: Catalog, story: StoryDef): VariableDecl[] {
  const out = new Map<string, VariableDecl>();
  for (const v of story.variables) out.set(v.name, v);
  for (const u of story.uses) for (const v of cat.components.get(u)?.story?.variables ?? []) if (!out.has(v.name)) out.set(v.name, v);
  return [...out.values()].filter((v) => !v.toggle);
}

export interface RecordOptions {
  /** Target clusters; default: every cluster whose role the story names. */
  clusters?: string[];
  approve?: boolean;
  force?: boolean;
  /** The definition, when the (single) story is a custom one. */
  custom?: CustomStory;
  /** Only these clusters: each story goes to those of them its roles name, and is skipped where none is. */
  only?: string[];
}

/**
 * Record stories in platform.yaml (in the order given): their state on each target cluster and the settings they
 * need, with defaults. Pure: it edits `pf` only, and throws (nothing recorded anywhere) when an approval would leave
 * a dependency unapproved and `force` is not set.
 */
export function recordStories(pf: PlatformFile, cat: Catalog, stories: StoryDef[], opts: RecordOptions): { settingsAdded: Record<string, string[]>; touched: string[] } {
  const settingsAdded: Record<string, string[]> = {};
  const touched = new Set<string>();
  const unmet: string[] = [];
  for (const story of stories) {
    const clusters = opts.only ? defaultTargets(pf.spec, story).filter((c) => opts.only!.includes(c)) : checkClusters(pf.spec, story, opts.clusters, false);
    if (!clusters.length) continue;
    const states: Record<string, StoryState> = {};
    for (const c of clusters) states[c] = opts.approve ? 'approved' : (pf.spec.stories[story.id]?.clusters[c] ?? 'draft');
    setStoryState(pf, story.id, states, opts.custom);
    if (opts.approve && !opts.force) for (const c of clusters) unmet.push(...unmetDependencies(pf.spec, cat, story, c).map((u) => `${story.id} on ${c}: ${u}`));
    const vars = variablesOf(cat, story);
    for (const c of clusters) {
      touched.add(c);
      // Only the settings of the variant the cluster builds (its secret-store provider's), model/variant-settings.ts.
      const own = vars.filter((v) => clusterNeedsSetting(pf.spec, cat, c, v.name));
      settingsAdded[c] = [...(settingsAdded[c] ?? []), ...addSettingDefaults(pf, c, own.map((v) => ({ ...v, default: expandDefault(v.default, pf.spec.clusters, c) })))];
    }
  }
  if (unmet.length) {
    const what = stories.length === 1 ? `${stories[0].id} cannot be approved` : 'these stories cannot be approved';
    throw new UsageError(`${what}: dependencies are not approved (add and approve them first, or pass --force); nothing was written`, unmet.map((u) => (stories.length === 1 ? u.slice(u.indexOf(': ') + 2) : u)));
  }
  return { settingsAdded, touched: [...touched] };
}

/** The stories named by ids (checked, in catalog order) or every catalog story for 'all'. */
export function resolveStoryIds(cat: Catalog, ids: string[] | 'all'): StoryDef[] {
  if (ids === 'all') return cat.stories.filter((s) => !s.custom);
  for (const id of ids) checkId(id);
  return [...new Set(ids)].map((id) => findStory(cat, id)).sort((a, b) => a.seq - b.seq);
}

function finish(root: string, pf: PlatformFile, opts: StoryCommandOptions, story: StoryDef, clusters: string[], settingsAdded: Record<string, string[]>): StoryResult {
  const problems = validatePlatform(pf.spec);
  if (problems.length) throw new UsageError('the change would leave platform.yaml invalid; nothing was written', problems.map((p) => `${p.path}: ${p.message}`));
  const { plan } = planRepo(root, pf, opts.templateRoots);
  const written = !opts.dryRun && writes(plan).length > 0;
  if (written) applyPlan(root, plan);
  return { root, story, clusters, settingsAdded, plan, written };
}

function parseCustom(id: string, raw: unknown): CustomStory {
  const r = CustomStorySchema.safeParse(raw);
  if (!r.success) throw new UsageError(`custom story ${id}: invalid definition; nothing was written`, r.error.issues.map((i) => `${i.path.join('.') || '(story)'}: ${i.message}`));
  return r.data;
}

/** Field paths (under `at`) where two definitions, as JSON, differ. */
function differences(a: unknown, b: unknown, at: string): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [at];
    return a.flatMap((v, i) => differences(v, b[i], `${at}[${i}]`));
  }
  const record = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (record(a) && record(b)) return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => differences(a[k], b[k], `${at}.${k}`));
  return [at];
}

/**
 * add-story --custom for an id platform.yaml already defines: the same definition is a no-op, another one is refused
 * (it would silently replace the story and delete its old component's files). It is changed in platform.yaml.
 */
function checkRedefinition(pf: PlatformFile, id: string, custom: CustomStory): void {
  const existing = pf.spec.stories[id]?.custom;
  if (!existing) return;
  // As JSON: key order and an absent key versus one set to undefined do not count.
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  const diff = differences(json(existing), json(custom), `stories.${id}.custom`);
  if (!diff.length) return;
  throw new UsageError(
    `${id} is already a custom story with another definition; nothing was written. To change a custom story, edit stories.${id}.custom in ${PLATFORM_FILE} and run platform-kit regenerate`,
    diff.map((d) => `differs from ${PLATFORM_FILE}: ${d}`),
  );
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
}

export interface StoriesResult extends Omit<StoryResult, 'story'> {
  stories: StoryDef[];
  /** With git: the branch and the commit made. */
  git?: { branch: string; commit?: string };
}

/** add-story with several ids (or --all): every story is recorded in order, then one render and one commit. */
export function addStories(opts: AddStoriesOptions): StoriesResult {
  return withRepoLock(checkRepoDir(opts.dir), () => addStoriesLocked(opts));
}

function addStoriesLocked(opts: AddStoriesOptions): StoriesResult {
  if (opts.ids.length === 0) throw new UsageError('no story id given (pass STORY-… or --all)');
  for (const id of opts.ids) checkId(id);
  if (opts.custom !== undefined && opts.ids.length !== 1) throw new UsageError('--custom defines one story at a time');
  if (opts.git && opts.ids.length !== 1) throw new UsageError('--git delivers one story at a time (one branch, one commit)');
  const { root, pf } = openRepo(opts.dir);
  let custom: CustomStory | undefined;
  let cat: Catalog;
  if (opts.custom !== undefined) {
    const id = opts.ids[0];
    custom = parseCustom(id, opts.custom);
    if (catalogFor({ ...pf.spec, stories: {} }).byId.has(id)) throw new UsageError(`${id} is a catalog story: add it without --custom, or pick another id`);
    checkRedefinition(pf, id, custom);
    const customs: Record<string, CustomStory> = {};
    for (const [sid, s] of Object.entries(pf.spec.stories)) if (s.custom) customs[sid] = s.custom;
    customs[id] = custom;
    try {
      cat = catalogWith(customs);
    } catch (e) {
      throw new UsageError(`custom story ${id}: ${(e as Error).message}`);
    }
  } else {
    cat = catalogFor(pf.spec);
  }
  const stories = opts.ids.map((id) => findStory(cat, id));
  const { settingsAdded, touched } = recordStories(pf, cat, stories, { clusters: opts.clusters, approve: opts.approve, force: opts.force, custom });
  if (opts.git && !opts.dryRun) {
    // Validate everything before switching branches, so bad input leaves the work tree as it was.
    const problems = validatePlatform(pf.spec);
    if (problems.length) throw new UsageError('the change would leave platform.yaml invalid; nothing was written', problems.map((p) => `${p.path}: ${p.message}`));
    // The commit holds exactly the story's change: a file it writes that has uncommitted edits (platform.yaml
    // edited by hand, say) would carry them into it, so that is refused before anything is written or switched.
    refuseUncommitted(root, [PLATFORM_FILE, MANIFEST_FILE], 'before switching branches');
    const branch = enterStoryBranch(root, stories[0].id);
    const { plan } = planRepo(root, pf, opts.templateRoots);
    const paths = writes(plan).map((c) => c.path);
    refuseUncommitted(root, paths, `on branch ${branch}`);
    const story = stories[0];
    const message = `${story.id}: scaffold ${story.title}${opts.approve ? ` (approved on ${touched.join(', ')})` : ' (draft)'}`;
    if (paths.length === 0) return { root, stories, clusters: touched, settingsAdded, plan, written: false, git: { branch } };
    const before = snapshot(root, paths);
    applyPlan(root, plan);
    let commit: string | undefined;
    try {
      commit = commitStory(root, message, paths);
    } catch (e) {
      restore(root, before);
      throw new ConflictError(`--git: ${(e as Error).message.split('\n')[0]}; the files it wrote were put back as they were and unstaged (nothing written, nothing committed; still on branch ${branch})`, paths);
    }
    return { root, stories, clusters: touched, settingsAdded, plan, written: true, git: { branch, commit } };
  }
  const r = finish(root, pf, opts, stories[0], touched, settingsAdded);
  return { root: r.root, stories, clusters: r.clusters, settingsAdded, plan: r.plan, written: r.written };
}

export interface ApproveOptions extends StoryCommandOptions {
  id: string;
  clusters?: string[];
  force?: boolean;
}

function changeState(opts: ApproveOptions, to: StoryState): StoryResult {
  return withRepoLock(checkRepoDir(opts.dir), () => changeStateLocked(opts, to));
}

function changeStateLocked(opts: ApproveOptions, to: StoryState): StoryResult {
  checkId(opts.id);
  const { root, pf } = openRepo(opts.dir);
  const cat = catalogFor(pf.spec);
  const story = findStory(cat, opts.id);
  const clusters = checkClusters(pf.spec, story, opts.clusters, true);
  if (!opts.force) {
    const problems =
      to === 'approved'
        ? clusters.flatMap((c) => unmetDependencies({ ...pf.spec, stories: { ...pf.spec.stories, [story.id]: { ...pf.spec.stories[story.id], clusters: { ...pf.spec.stories[story.id].clusters, ...Object.fromEntries(clusters.map((x) => [x, 'approved'])) } } } }, cat, story, c))
        : clusters.flatMap((c) => approvedDependents(pf.spec, cat, story, c));
    if (problems.length) {
      throw new UsageError(
        to === 'approved'
          ? `${story.id} cannot be approved: its dependencies are not approved (approve them first, or pass --force); nothing was written`
          : `${story.id} cannot go back to draft: approved stories depend on it (unapprove them first, or pass --force); nothing was written`,
        problems,
      );
    }
  }
  setStoryState(pf, story.id, Object.fromEntries(clusters.map((c) => [c, to])));
  return finish(root, pf, opts, story, clusters, {});
}

/** platform-kit approve: wire the story's components into each cluster's lanes and mark it approved. */
export function approveStory(opts: ApproveOptions): StoryResult {
  return changeState(opts, 'approved');
}

/** platform-kit unapprove: take the story's components out of the lanes again (its files stay, as a draft). */
export function unapproveStory(opts: ApproveOptions): StoryResult {
  return changeState(opts, 'draft');
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
  /** cluster -> draft | approved (clusters the story is not on are absent) */
  status: Record<string, StoryState>;
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
  return cat.stories.map((s) => ({
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
  }));
}
