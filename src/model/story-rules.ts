import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../core/errors';
import { deliveredBy } from './delivered';
import { addSettingDefaults, PLATFORM_FILE, type PlatformFile, setStoryState } from './platform-file';
import { type CustomStory, CustomStorySchema, type PlatformSpec, STORY_ID, type StoryState } from './schema';
import { type Catalog, catalogWith, expandDefault, nearestStoryIds, type StoryDef, type VariableDecl } from './stories';
import { clusterNeedsSetting } from './variant-settings';
import { catalogFor, defaultTargets } from './wiring';

/**
 * The rules of stories on a platform, as pure functions of platform.yaml's model and the catalog: which ids are
 * valid, which clusters a story goes to, whether its dependencies are approved, which it brings along, and how a
 * story is recorded in platform.yaml. The commands (src/commands/stories.ts, create-cluster.ts) compose them.
 */
/** What is wrong with a story id, said about the id given (not a rule it may already follow). */
export function storyIdProblem(id: string): string {
  if (id.trim() !== id || /\s/.test(id)) return 'it holds spaces';
  if (/[a-z]/.test(id) && STORY_ID.test(id.toUpperCase()))
    return `it has lower-case letters (write ${id.toUpperCase()})`;
  if (/[\\/]/.test(id)) return 'it is a path, not a story id';
  if (!id.toUpperCase().startsWith('STORY-')) return 'it does not start with STORY-';
  const parts = id.slice('STORY-'.length).split('-');
  if (parts.some((p) => p === '')) return 'it has an empty part (two dashes in a row, or a dash at the end)';
  const bad = [...new Set(id.replace(/[A-Z0-9-]/g, ''))];
  if (bad.length)
    return `it holds ${bad.map((c) => JSON.stringify(c)).join(', ')} (only capital letters, digits and dashes)`;
  if (parts.length < 2) return `it has one part after STORY- (${parts[0]}); it needs an area and a name`;
  return 'it does not follow the pattern';
}

export function checkId(id: string): void {
  if (typeof id !== 'string' || !STORY_ID.test(id)) {
    throw new UsageError(
      `story id ${JSON.stringify(id)}: ${storyIdProblem(String(id))}; a story id looks like STORY-AREA-NAME (e.g. STORY-NET-CILIUM-GATEWAY)`,
    );
  }
}

export function findStory(cat: Catalog, id: string): StoryDef {
  const story = cat.byId.get(id);
  if (!story)
    throw new UsageError(`unknown story ${id}; nothing was written`, [
      `did you mean: ${nearestStoryIds(cat, id).join(', ')}`,
      'list them all with: platform-kit stories',
    ]);
  return story;
}

export function checkClusters(
  spec: PlatformSpec,
  story: StoryDef,
  wanted: string[] | undefined,
  recordedOnly: boolean,
): string[] {
  const rec = spec.stories[story.id];
  if (wanted?.length) {
    const unknown = wanted.filter((c) => !spec.clusters[c]);
    if (unknown.length)
      throw new UsageError(
        `--cluster: no such cluster in ${PLATFORM_FILE}: ${unknown.join(', ')} (clusters: ${Object.keys(spec.clusters).join(', ') || 'none'})`,
      );
    if (recordedOnly) {
      const missing = wanted.filter((c) => !rec?.clusters[c]);
      if (missing.length)
        throw new UsageError(
          `${story.id} is not on ${missing.join(', ')}: add it first with add-story ${story.id} --cluster ${missing[0]}`,
        );
    }
    return [...new Set(wanted)];
  }
  if (recordedOnly) {
    const list = Object.keys(rec?.clusters ?? {});
    if (!list.length)
      throw new UsageError(
        `${story.id} is not in ${PLATFORM_FILE}: add it first with add-story ${story.id} (or add and approve ` +
          `it with its dependencies: add-story ${story.id} --approve --with-deps)`,
      );
    return list;
  }
  const targets = defaultTargets(spec, story);
  if (!targets.length)
    throw new UsageError(
      `${story.id} targets clusters of role ${story.clusters.join(' or ')}, and ${PLATFORM_FILE} has none; pass --cluster NAME`,
    );
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
    if (rec?.clusters[cluster] !== 'approved' && deliveredByRepository(spec, dep, cluster)) continue;
    if (dep.clusters.includes(role) || rec?.clusters[cluster]) {
      const st = rec?.clusters[cluster];
      if (st !== 'approved') out.push(`${d} is ${st ?? 'not added'} on ${cluster}`);
    } else if (!Object.values(rec?.clusters ?? {}).includes('approved')) {
      out.push(`${d} (runs on ${dep.clusters.join('/')}) is not approved on any cluster`);
    }
  }
  return out;
}

/**
 * An adopted repository (platform.yaml has a layout) already runs what a story stands for when every component the
 * story puts on the cluster is delivered by one of its own Kustomizations (recorded in `adopted`); a story with no
 * components (bootstrap, GitOps) is its people's past work there. A repository the tool generated: never.
 */
function deliveredByRepository(spec: PlatformSpec, story: StoryDef, cluster: string): boolean {
  if (!spec.layout) return false;
  const c = spec.clusters[cluster];
  const delivered = new Set((c.adopted ?? []).flatMap(deliveredBy));
  const comps = story.components.filter((x) => !x.clusters || x.clusters.includes(c.role));
  return story.clusters.includes(c.role) && comps.every((x) => delivered.has(x.id));
}

/** Stories approved on a cluster that need this one there (the reverse of unmetDependencies). */
export function approvedDependents(spec: PlatformSpec, cat: Catalog, story: StoryDef, cluster: string): string[] {
  const without: PlatformSpec = {
    ...spec,
    stories: {
      ...spec.stories,
      [story.id]: { ...spec.stories[story.id], clusters: { ...spec.stories[story.id].clusters, [cluster]: 'draft' } },
    },
  };
  const out: string[] = [];
  for (const s of cat.stories) {
    if (!s.dependsOn.includes(story.id)) continue;
    for (const [c, st] of Object.entries(spec.stories[s.id]?.clusters ?? {})) {
      if (st === 'approved' && unmetDependencies(without, cat, s, c).some((u) => u.startsWith(`${story.id} `)))
        out.push(`${s.id} is approved on ${c}`);
    }
  }
  return out;
}

/** Variables a story needs on a cluster: its own and those of the stories whose components it uses. */
function variablesOf(cat: Catalog, story: StoryDef): VariableDecl[] {
  const out = new Map<string, VariableDecl>();
  for (const v of story.variables) out.set(v.name, v);
  for (const u of story.uses)
    for (const v of cat.components.get(u)?.story?.variables ?? []) if (!out.has(v.name)) out.set(v.name, v);
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
export function recordStories(
  pf: PlatformFile,
  cat: Catalog,
  stories: StoryDef[],
  opts: RecordOptions,
): { settingsAdded: Record<string, string[]>; touched: string[]; byStory: Map<string, string[]> } {
  const settingsAdded: Record<string, string[]> = {};
  const touched = new Set<string>();
  const unmet: string[] = [];
  const recorded: [StoryDef, string[]][] = [];
  for (const story of stories) {
    const target = opts.targets?.get(story.id);
    const clusters =
      target ??
      (opts.only
        ? defaultTargets(pf.spec, story).filter((c) => opts.only!.includes(c))
        : checkClusters(pf.spec, story, opts.clusters, false));
    if (!clusters.length) continue;
    const states: Record<string, StoryState> = {};
    for (const c of clusters)
      states[c] = opts.approve ? 'approved' : (pf.spec.stories[story.id]?.clusters[c] ?? 'draft');
    setStoryState(pf, story.id, states, target ? undefined : opts.custom);
    recorded.push([story, clusters]);
    const vars = variablesOf(cat, story);
    for (const c of clusters) {
      touched.add(c);
      // Only the settings of the variant the cluster builds (its secret-store provider's), model/variant-settings.ts.
      const own = vars.filter((v) => clusterNeedsSetting(pf.spec, cat, c, v.name));
      settingsAdded[c] = [
        ...(settingsAdded[c] ?? []),
        ...addSettingDefaults(
          pf,
          c,
          own.map((v) => ({ ...v, default: expandDefault(v.default, pf.spec.clusters, c) })),
        ),
      ];
    }
  }
  // Checked once everything is recorded: a dependency given in the same call counts, whatever its place.
  if (opts.approve && !opts.force)
    for (const [story, clusters] of recorded)
      for (const c of clusters)
        unmet.push(...unmetDependencies(pf.spec, cat, story, c).map((u) => `${story.id} on ${c}: ${u}`));
  if (unmet.length) {
    const what = stories.length === 1 ? `${stories[0].id} cannot be approved` : 'these stories cannot be approved';
    throw new UsageError(
      `${what}: dependencies are not approved (add and approve them ` +
        `first${opts.withDepsFlag ? ', pass --with-deps to bring them along' : ''}, or pass --force); nothing was written`,
      unmet.map((u) => (stories.length === 1 ? u.slice(u.indexOf(': ') + 2) : u)),
    );
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
export function missingDependencies(
  spec: PlatformSpec,
  cat: Catalog,
  wanted: [StoryDef, string[]][],
  approve: boolean,
): DependencyAdded[] {
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
          if (!targets.length)
            throw new UsageError(
              `${story.id} needs ${d}, which runs on clusters of role ${dep.clusters.join(' or ')}, and ${PLATFORM_FILE} has none; nothing was written`,
            );
          for (const t of targets) on.add(t);
        }
      }
      const fresh = [...on].filter((c) => !need.get(d)?.has(c));
      if (!fresh.length) continue;
      need.set(d, new Set([...(need.get(d) ?? []), ...fresh]));
      queue.push([dep, fresh]);
    }
  }
  return [...need.entries()]
    .map(([id, on]) => ({ id, seq: cat.byId.get(id)!.seq, clusters: [...on] }))
    .sort((a, b) => a.seq - b.seq)
    .map(({ id, clusters }) => ({ id, clusters }));
}

/** The stories named by ids (checked, in catalog order) or every catalog story for 'all'. */
export function resolveStoryIds(cat: Catalog, ids: string[] | 'all'): StoryDef[] {
  if (ids === 'all') return cat.stories.filter((s) => !s.custom);
  for (const id of ids) checkId(id);
  return [...new Set(ids)].map((id) => findStory(cat, id)).sort((a, b) => a.seq - b.seq);
}

function parseCustom(id: string, raw: unknown): CustomStory {
  const r = CustomStorySchema.safeParse(raw);
  if (!r.success)
    throw new UsageError(
      `custom story ${id}: invalid definition; nothing was written`,
      r.error.issues.map((i) => `${i.path.join('.') || '(story)'}: ${i.message}`),
    );
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
  if (record(a) && record(b))
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => differences(a[k], b[k], `${at}.${k}`));
  return [at];
}

/**
 * add-story --custom for an id platform.yaml already defines: the same definition is a no-op, another one is refused
 * (it would silently replace the story and delete its old component's files). It is changed in platform.yaml.
 */
function checkRedefinition(spec: PlatformSpec, id: string, custom: CustomStory): void {
  const existing = spec.stories[id]?.custom;
  if (!existing) return;
  // As JSON: key order and an absent key versus one set to undefined do not count.
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
  const diff = differences(json(existing), json(custom), `stories.${id}.custom`);
  if (!diff.length) return;
  throw new UsageError(
    `${id} is already a custom story with another definition; nothing was written. To change a custom story, ` +
      `edit stories.${id}.custom in ${PLATFORM_FILE} and run platform-kit regenerate`,
    diff.map((d) => `differs from ${PLATFORM_FILE}: ${d}`),
  );
}

/**
 * add-story --custom: the definition checked (schema, not a catalog id, not another definition of a custom story
 * already there) and the catalog with it and the platform's other custom stories.
 */
export function withCustomStory(spec: PlatformSpec, id: string, raw: unknown): { custom: CustomStory; cat: Catalog } {
  const custom = parseCustom(id, raw);
  if (catalogFor({ ...spec, stories: {} }).byId.has(id))
    throw new UsageError(`${id} is a catalog story: add it without --custom, or pick another id`);
  checkRedefinition(spec, id, custom);
  const customs: Record<string, CustomStory> = {};
  for (const [sid, st] of Object.entries(spec.stories)) if (st.custom) customs[sid] = st.custom;
  customs[id] = custom;
  try {
    return { custom, cat: catalogWith(customs) };
  } catch (e) {
    throw new UsageError(`custom story ${id}: ${(e as Error).message}`);
  }
}

/** A story and the clusters a command puts it on. */
type Placed = [StoryDef, string[]];

/**
 * approve / unapprove without --force: on the platform as it will be (`spec`; `before` as it was), stories changed
 * together count for each other. Approving needs every dependency approved (of the stories `changed` and of those
 * `brought` along by --with-deps); going back to draft is refused while approved stories depend on them. Throws.
 */
export function checkStateChange(
  spec: PlatformSpec,
  before: PlatformSpec,
  cat: Catalog,
  changed: Placed[],
  brought: Placed[],
  to: StoryState,
): void {
  const checked = [...brought, ...changed];
  const unmet = ([s, clusters]: Placed) =>
    clusters.flatMap((c) =>
      unmetDependencies(spec, cat, s, c).map((u) => (checked.length > 1 ? `${s.id} on ${c}: ${u}` : u)),
    );
  const asBefore = (s: StoryDef): PlatformSpec => ({
    ...spec,
    stories: { ...spec.stories, [s.id]: before.stories[s.id] },
  });
  const dependents = ([s, clusters]: Placed) => clusters.flatMap((c) => approvedDependents(asBefore(s), cat, s, c));
  const problems = to === 'approved' ? checked.flatMap(unmet) : changed.flatMap(dependents);
  if (!problems.length) return;
  const one = changed.length === 1;
  const what = one ? changed[0][0].id : 'these stories';
  const approveFirst = 'approve them first, pass --with-deps to add and approve them too, or pass --force';
  const takeBackFirst = 'unapprove them first or with it, or pass --force';
  const message =
    to === 'approved'
      ? `${what} cannot be approved: ${one ? 'its' : 'their'} dependencies are not approved (${approveFirst}); nothing was written`
      : `${what} cannot go back to draft: approved stories depend on ${one ? 'it' : 'them'} (${takeBackFirst}); nothing was written`;
  throw new UsageError(message, [...new Set(problems)]);
}
