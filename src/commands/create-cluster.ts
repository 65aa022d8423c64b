import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../core/errors';
import type { Plan } from '../core/plan';
import { applyAnswers, type ClusterAnswers, flagForPath } from '../model/answers';
import { defaultCluster, exhaustedDefaults } from '../model/defaults';
import { loadPlatform, newPlatform, PLATFORM_FILE, type PlatformFile, setCluster } from '../model/platform-file';
import type { Problem } from '../model/problem';
import type { ClusterSpec } from '../model/schema';
import { recordStories, resolveStoryIds } from '../model/story-rules';
import { checkDns1123Label, validatePlatform } from '../model/validate';
import { catalogFor, defaultTargets } from '../model/wiring';
import { checkRepoDir } from './repo-dir';
import { refuseAdopted, session } from './session';

export interface CreateClusterOptions {
  /** The GitOps repository (created when missing). */
  dir: string;
  /** One entry per cluster to create (or to re-render, when it exists with the same values). */
  clusters: ClusterAnswers[];
  dryRun?: boolean;
  templateRoots?: string[];
  /**
   * Stories to add on the clusters given (each on those whose role it names), in plan order, in the same commit:
   * `all` is the whole catalog. With `approve` they are wired at once (dependencies must come along).
   */
  stories?: { ids: string[] | 'all'; approve?: boolean };
}

export interface CreateClusterResult {
  root: string;
  plan: Plan;
  /** Clusters added to platform.yaml by this call. */
  added: string[];
  /** Clusters that already existed with the same values (re-rendered, nothing new). */
  existing: string[];
  written: boolean;
  /** cluster -> settings the stories added to platform.yaml with their defaults */
  settingsAdded: Record<string, string[]>;
}

function differences(a: ClusterSpec, b: ClusterSpec, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (isDeepStrictEqual(x, y)) continue;
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x))
      out.push(...differences(x as ClusterSpec, y as ClusterSpec, `${prefix}${key}.`));
    else out.push(`${prefix}${key}`);
  }
  return out;
}

/** Record stories on the named clusters (see CreateClusterOptions.stories); an id no named cluster can take is refused. */
function addStoriesTo(
  pf: PlatformFile,
  names: string[],
  want: NonNullable<CreateClusterOptions['stories']>,
): Record<string, string[]> {
  const cat = catalogFor(pf.spec);
  const stories = resolveStoryIds(cat, want.ids);
  if (want.ids !== 'all') {
    for (const s of stories) {
      if (!defaultTargets(pf.spec, s).some((c) => names.includes(c))) {
        throw new UsageError(
          `--stories ${s.id}: it runs on clusters of role ${s.clusters.join(' or ')}, and none of ${names.join(', ')} has that role; nothing was written`,
        );
      }
    }
  }
  return recordStories(pf, cat, stories, { only: names, approve: want.approve }).settingsAdded;
}

/**
 * Create the GitOps repository (when --dir has no platform.yaml) or add clusters to it:
 * validate everything first, render in memory, plan, then write all or nothing.
 */
export function createClusters(opts: CreateClusterOptions): CreateClusterResult {
  return session({ dir: opts.dir, templateRoots: opts.templateRoots }, (s) => {
    refuseAdopted(s.platform(), s.root);
    const { pf, added, existing, settingsAdded } = buildPlatform(() => s.platform(), opts);
    s.validate(pf, (problems) => {
      const lines = problems.map((p) => {
        const flag = flagForPath(p.path);
        return `${p.path}${flag ? ` (${flag})` : ''}: ${p.message}`;
      });
      return new UsageError('invalid cluster settings (nothing was written)', lines);
    });
    const { plan, written } = s.commit(pf, { dryRun: opts.dryRun });
    return { root: s.root, plan, added, existing, written, settingsAdded };
  });
}

/**
 * What the whole-model validation finds in the platform createClusters would write, as field paths (the prompts
 * ask again for the fields it names instead of dropping every answer). Bad names and clashes with clusters already
 * in platform.yaml throw, as createClusters does. It reads platform.yaml without the lock and writes nothing.
 */
export function createProblems(opts: CreateClusterOptions): Problem[] {
  const root = checkRepoDir(opts.dir);
  refuseAdopted(loadPlatform(root, { validate: false }), root);
  return validatePlatform(buildPlatform(() => loadPlatform(root), opts).pf.spec);
}

/** What buildPlatform gives: the platform and what it did to it. */
interface Built {
  pf: PlatformFile;
  added: string[];
  existing: string[];
  settingsAdded: Record<string, string[]>;
}

/** platform.yaml (as `load` reads it, or a new one) with the clusters (and stories) of `opts` laid in, in memory. */
function buildPlatform(load: () => PlatformFile | undefined, opts: CreateClusterOptions): Built {
  if (opts.clusters.length === 0) throw new UsageError('no cluster given: pass NAME (or clusters in --answers)');
  // A new platform.yaml is written only while there is still none (null: none was read).
  const pf = load() ?? newPlatform(null);
  const added: string[] = [];
  const existing: string[] = [];
  const seen = new Set<string>();
  for (const answers of opts.clusters) {
    const name = answers.name;
    const bad = checkDns1123Label(name);
    if (bad) throw new UsageError(`cluster name (NAME): ${bad}`);
    if (name.length > 40)
      throw new UsageError(`cluster name (NAME): ${JSON.stringify(name)} is longer than 40 characters`);
    if (seen.has(name)) throw new UsageError(`cluster ${name} is given twice`);
    seen.add(name);
    const current = pf.spec.clusters[name];
    if (current) {
      const wanted = applyAnswers(current, answers);
      const diff = differences(current, wanted);
      if (diff.length) {
        throw new UsageError(
          `cluster ${name} is already in ${PLATFORM_FILE} with other values; edit ${PLATFORM_FILE} and run platform-kit regenerate to change it`,
          diff.map((d) => `clusters.${name}.${d}`),
        );
      }
      existing.push(name);
      continue;
    }
    // Say so when the defaults have run out, before a default that overlaps is blamed on a flag never passed.
    const exhausted = exhaustedDefaults(pf.spec, answers);
    if (exhausted.length)
      throw new UsageError(`cluster ${name}: the defaults have run out (nothing was written)`, exhausted);
    const base = defaultCluster(pf.spec, name, answers.role, answers.nodeCidr);
    setCluster(pf, name, applyAnswers(base, answers));
    added.push(name);
  }
  let settingsAdded: Record<string, string[]> = {};
  if (opts.stories) settingsAdded = addStoriesTo(pf, [...seen], opts.stories);
  return { pf, added, existing, settingsAdded };
}
