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
    if (!list.length) throw new UsageError(`${story.id} is not in ${PLATFORM_FILE}: add it first with add-story ${story.id} (or add and approve it with its dependencies: add-story ${story.id} --approve --with-deps)`);
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
  /** Clusters for some stories by id (the dependencies --with-deps brings along), instead of `clusters`. */
  targets?: Map<string, string[]>;
  /** The command has --with-deps: the error for unapproved dependencies says so. */
  withDepsFlag?: boolean;
}

/**
 * Record stories in platform.yaml (in the order given): their state on each target cluster and the settings they
 * need, with defaults. Pure: it edits `pf` only, and throws (nothing recorded anywhere) when an approval would leave
 * a dependency unapproved and `force` is not set.
 */
export function recordStories(pf: PlatformFile, cat: Catalog, stories: StoryDef[], opts: RecordOptions): { settingsAdded: Record<string, string[]>; touched: string[]; byStory: Map<string, string[]> } {
  const settingsAdded: Record<string, string[]> = {};
  const touched = new Set<string>();
  const unmet: string[] = [];
  const recorded: [StoryDef, string[]][] = [];
  for (const story of stories) {
    const target = opts.targets?.get(story.id);
    const clusters = target ?? (opts.only ? defaultTargets(pf.spec, story).filter((c) => opts.only!.includes(c)) : checkClusters(pf.spec, story, opts.clusters, false));
    if (!clusters.length) continue;
    const states: Record<string, StoryState> = {};
    for (const c of clusters) states[c] = opts.approve ? 'approved' : (pf.spec.stories[story.id]?.clusters[c] ?? 'draft');
    setStoryState(pf, story.id, states, target ? undefined : opts.custom);
    recorded.push([story, clusters]);
    const vars = variablesOf(cat, story);
    for (const c of clusters) {
      touched.add(c);
      // Only the settings of the variant the cluster builds (its secret-store provider's), model/variant-settings.ts.
      const own = vars.filter((v) => clusterNeedsSetting(pf.spec, cat, c, v.name));
      settingsAdded[c] = [...(settingsAdded[c] ?? []), ...addSettingDefaults(pf, c, own.map((v) => ({ ...v, default: expandDefault(v.default, pf.spec.clusters, c) })))];
    }
  }
  // Checked once everything is recorded: a dependency given in the same call counts, whatever its place.
  if (opts.approve && !opts.force) for (const [story, clusters] of recorded) for (const c of clusters) unmet.push(...unmetDependencies(pf.spec, cat, story, c).map((u) => `${story.id} on ${c}: ${u}`));
  if (unmet.length) {
    const what = stories.length === 1 ? `${stories[0].id} cannot be approved` : 'these stories cannot be approved';
    throw new UsageError(`${what}: dependencies are not approved (add and approve them first${opts.withDepsFlag ? ', pass --with-deps to bring them along' : ''}, or pass --force); nothing was written`, unmet.map((u) => (stories.length === 1 ? u.slice(u.indexOf(': ') + 2) : u)));
  }
  return { settingsAdded, touched: [...touched], byStory: new Map(recorded.map(([st, c]) => [st.id, c])) };
}

/** A dependency --with-deps brings along: the story, and the clusters it is added (or approved) on. */
export interface DependencyAdded {
  id: string;
  clusters: string[];
}

/**
 * The dependencies (transitively) the stories need on their clusters that are not there yet, in plan order:
 * with `approve`, those not approved where unmetDependencies wants them; without, those not added at all. A
 * dependency that runs on the cluster's role goes on that cluster; one that runs elsewhere (the shared database on
 * infra for an apps story) goes on every cluster of its role, unless it is already approved (or, without
 * `approve`, added) on one.
 */
export function missingDependencies(spec: PlatformSpec, cat: Catalog, wanted: [StoryDef, string[]][], approve: boolean): DependencyAdded[] {
  const requested = new Set(wanted.map(([s]) => s.id));
  const need = new Map<string, Set<string>>();
  const done = (st: StoryState | undefined) => (approve ? st === 'approved' : st !== undefined);
  const queue = [...wanted];
  while (queue.length) {
    const [story, clusters] = queue.shift()!;
    for (const d of story.dependsOn) {
      const dep = cat.byId.get(d);
      if (!dep || requested.has(d)) continue;
      const rec = spec.stories[d]?.clusters ?? {};
      const on = new Set<string>();
      for (const c of clusters) {
        if (dep.clusters.includes(spec.clusters[c].role) || rec[c]) {
          if (!done(rec[c])) on.add(c);
        } else if (!Object.values(rec).some(done)) {
          const targets = defaultTargets(spec, dep);
          if (!targets.length) throw new UsageError(`${story.id} needs ${d}, which runs on clusters of role ${dep.clusters.join(' or ')}, and ${PLATFORM_FILE} has none; nothing was written`);
          for (const t of targets) on.add(t);
        }
      }
      const fresh = [...on].filter((c) => !need.get(d)?.has(c));
      if (!fresh.length) continue;
      need.set(d, new Set([...(need.get(d) ?? []), ...fresh]));
      queue.push([dep, fresh]);
    }
  }
  return [...need.entries()].map(([id, on]) => ({ id, seq: cat.byId.get(id)!.seq, clusters: [...on] })).sort((a, b) => a.seq - b.seq).map(({ id, clusters }) => ({ id, clusters }));
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
  let dependencies: DependencyAdded[] = [];
  const targets = new Map<string, string[]>();
  if (opts.withDeps) {
    const wanted = stories.map((s): [StoryDef, string[]] => [s, checkClusters(pf.spec, s, opts.clusters, false)]);
    dependencies = missingDependencies(pf.spec, cat, wanted, Boolean(opts.approve));
    for (const d of dependencies) targets.set(d.id, d.clusters);
  }
  const all = [...dependencies.map((d) => findStory(cat, d.id)), ...stories];
  const recorded = recordStories(pf, cat, all, { clusters: opts.clusters, approve: opts.approve, force: opts.force, custom, targets, withDepsFlag: true });
  const settingsAdded = recorded.settingsAdded;
  // The clusters of the stories named (the dependencies brought along say where they went themselves).
  const touched = [...new Set(stories.flatMap((st) => recorded.byStory.get(st.id) ?? []))];
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
    if (paths.length === 0) return { root, stories, clusters: touched, settingsAdded, plan, written: false, git: { branch }, dependencies };
    const before = snapshot(root, paths);
    applyPlan(root, plan);
    let commit: string | undefined;
    try {
      commit = commitStory(root, message, paths);
    } catch (e) {
      restore(root, before);
      throw new ConflictError(`--git: ${(e as Error).message.split('\n')[0]}; the files it wrote were put back as they were and unstaged (nothing written, nothing committed; still on branch ${branch})`, paths);
    }
    return { root, stories, clusters: touched, settingsAdded, plan, written: true, git: { branch, commit }, dependencies };
  }
  const r = finish(root, pf, opts, stories[0], touched, settingsAdded);
  return { root: r.root, stories, clusters: r.clusters, settingsAdded, plan: r.plan, written: r.written, dependencies };
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
  return withRepoLock(checkRepoDir(opts.dir), () => changeStatesLocked(opts, to));
}

function changeStatesLocked(opts: ApproveStoriesOptions, to: StoryState): StoriesResult {
  if (opts.ids.length === 0) throw new UsageError('no story id given (pass one or more STORY-… ids; platform-kit stories lists them)');
  for (const id of opts.ids) checkId(id);
  if (opts.withDeps && to !== 'approved') throw new UsageError('--with-deps goes with approve (unapprove takes back only the stories named)');
  const { root, pf } = openRepo(opts.dir);
  const cat = catalogFor(pf.spec);
  const stories = [...new Set(opts.ids)].map((id) => findStory(cat, id)).sort((a, b) => a.seq - b.seq);
  const wanted = stories.map((s): [StoryDef, string[]] => [s, checkClusters(pf.spec, s, opts.clusters, true)]);
  const before = pf.spec;
  let dependencies: DependencyAdded[] = [];
  let settingsAdded: Record<string, string[]> = {};
  if (opts.withDeps) {
    dependencies = missingDependencies(pf.spec, cat, wanted, true);
    const targets = new Map(dependencies.map((d) => [d.id, d.clusters]));
    // The dependencies' own needs are checked with the stories below, on the platform as it will be.
    settingsAdded = recordStories(pf, cat, dependencies.map((d) => findStory(cat, d.id)), { approve: true, force: true, targets }).settingsAdded;
  }
  for (const [story, clusters] of wanted) setStoryState(pf, story.id, Object.fromEntries(clusters.map((c) => [c, to])));
  if (!opts.force) {
    // On the platform as it will be: stories approved (or taken back) together count for each other.
    const checked: [StoryDef, string[]][] = [...dependencies.map((d): [StoryDef, string[]] => [findStory(cat, d.id), d.clusters]), ...wanted];
    const problems =
      to === 'approved'
        ? checked.flatMap(([s, clusters]) => clusters.flatMap((c) => unmetDependencies(pf.spec, cat, s, c).map((u) => (checked.length > 1 ? `${s.id} on ${c}: ${u}` : u))))
        : wanted.flatMap(([s, clusters]) => clusters.flatMap((c) => approvedDependents({ ...pf.spec, stories: { ...pf.spec.stories, [s.id]: before.stories[s.id] } }, cat, s, c)));
    if (problems.length) {
      const what = stories.length === 1 ? stories[0].id : 'these stories';
      throw new UsageError(
        to === 'approved'
          ? `${what} cannot be approved: ${stories.length === 1 ? 'its' : 'their'} dependencies are not approved (approve them first, pass --with-deps to add and approve them too, or pass --force); nothing was written`
          : `${what} cannot go back to draft: approved stories depend on ${stories.length === 1 ? 'it' : 'them'} (unapprove them first or with it, or pass --force); nothing was written`,
        [...new Set(problems)],
      );
    }
  }
  const touched = [...new Set(wanted.flatMap(([, c]) => c))];
  const r = finish(root, pf, opts, stories[0], touched, settingsAdded);
  return { root: r.root, stories, clusters: r.clusters, settingsAdded, plan: r.plan, written: r.written, dependencies };
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
  return { root: r.root, story: r.stories[0], clusters: r.clusters, settingsAdded: r.settingsAdded, plan: r.plan, written: r.written };
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
  const { pf } = openRepo(dir);
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
  const { pf } = openRepo(dir);
  return [...new Set(Object.values(pf.spec.clusters).map((c) => c.role))];
}
