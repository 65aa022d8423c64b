// `platform-kit adopt`: bring an existing Flux repository under the tool. It reads the repository once (adopt/),
// turns what it inferred into platform.yaml, and writes only platform.yaml, .platform/adopt.json (the inference
// with its evidence) and an empty .platform/manifest.json: every other file stays byte for byte as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AdoptFlagValues, answersFromFlags, flagFor } from '../adopt/flags';
import { type Adoption, type ClusterAdoption, inferFrom } from '../adopt/infer';
import { type RepoView, readRepo } from '../adopt/view';
import { UsageError } from '../core/errors';
import { emptyManifest, MANIFEST_FILE, manifestToString } from '../core/manifest';
import { compareText } from '../core/text-order';
import {
  answerProblems,
  answersFromCluster,
  applyAnswers,
  type ClusterAnswers,
  formatNodeSpec,
} from '../model/answers';
import { CLUSTER_FIELDS } from '../model/cluster-fields';
import { defaultCluster } from '../model/defaults';
import { deliveredBy } from '../model/delivered';
import {
  newPlatform,
  PLATFORM_FILE,
  parsePlatform,
  platformToString,
  setCluster,
  setStoryState,
} from '../model/platform-file';
import type { AdoptedComponent, ClusterSpec, NodeSpec, PlatformSpec, Role } from '../model/schema';
import { clusterNameProblem, validateClusters } from '../model/validate';
import { catalogFor, storyComponentsFor, validateStories } from '../model/wiring';
import { GENERATOR_VERSION } from '../version';

export const ADOPT_RECORD = '.platform/adopt.json';

export interface AdoptOptions {
  dir: string;
  dryRun?: boolean;
  /** Take the defaults for the cluster facts no file proves (as create-platform-cluster --yes does). */
  yes?: boolean;
  /** The cluster-field flags as typed (adopt/flags.ts: `--domain infra=example.com`). */
  values?: AdoptFlagValues;
  /** Values a person gave at the prompts, by cluster (checked again here by the platform's rules). */
  answers?: Record<string, ClusterAnswers>;
  /** The repository already read (adoptWithPrompts reads it once for its preview and the run). */
  view?: RepoView;
}

/** A cluster field adopt could not prove, the default it takes with --yes, and the flag that sets it instead. */
export interface Unproven {
  cluster: string;
  field: string;
  value: string;
  flag: string;
}

/** A cluster field a person gave (by flag or at a prompt) rather than a file. */
export interface Given {
  cluster: string;
  field: string;
  value: string;
}

/** Asks a person for the unproven fields (the CLI's prompts; a test's script): the answers, by cluster. */
export type AdoptPrompter = (unproven: Unproven[], spec: PlatformSpec) => Promise<Record<string, ClusterAnswers>>;

export interface AdoptResult {
  adoption: Adoption;
  /** platform.yaml as adopt writes it (or would, on a dry run). */
  platform: string;
  spec: PlatformSpec;
  unproven: Unproven[];
  given: Given[];
  /** Settings not carried into platform.yaml, with why (they stay in the repository's own files). */
  skipped: { cluster: string; key: string; reason: string }[];
  /** Why the platform.yaml inferred would be refused (a dry run shows it; a real run exits 2). */
  refused: string[];
  written: boolean;
  root: string;
}

/** The fields a cluster has: a file proves them, a person gives them, or the default is taken (the table's order). */
const FACT_FIELDS = CLUSTER_FIELDS;

const shown = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));

/** The /24 holding an address: the node network adopt derives from proven node addresses. */
function slash24(ip: string): string {
  return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
}

/** What a file proves of each field of a cluster (a field the files say nothing of is absent). */
function provenOf(c: ClusterAdoption): Record<string, { value: unknown } | undefined> {
  const f = c.facts;
  return {
    role: c.roleSigns.claim,
    domain: f.domain,
    clusterId: f.clusterId,
    apiEndpoint: f.apiEndpoint,
    'network.nodeCidr': f.nodeCidr ?? f.nodes,
    'network.podCidr': f.podCidr,
    'network.serviceCidr': f.serviceCidr,
    nodes: f.nodes,
    'git.url': f.gitUrl,
    'git.branch': f.gitBranch,
    'secretStore.provider': f.secretStore,
  };
}

interface SpecNotes {
  names: string[];
  unproven: Unproven[];
  given: Given[];
  /** A value given for a field a file proves otherwise: refused (exit 2). */
  conflicts: string[];
}

/**
 * One cluster's spec: every proven fact, then what a person gave (flags, prompts), the defaults for the rest (listed
 * in `unproven`, with the flag that would set each). The role is the one the inference used (given, else proven by
 * the files, else from the name); a given role may differ from the files' signs (they are signs, not a value).
 */
function clusterSpec(
  p: PlatformSpec,
  c: ClusterAdoption,
  a: ClusterAnswers | undefined,
  notes: SpecNotes,
): ClusterSpec {
  const f = c.facts;
  const nodes = a?.nodes ?? f.nodes?.value;
  const nodeCidr = a?.nodeCidr ?? f.nodeCidr?.value ?? (nodes?.length ? slash24(nodes[0].ip) : undefined);
  const base = defaultCluster(p, c.name, c.role, nodeCidr);
  const proven: ClusterSpec = {
    ...base,
    domain: f.domain?.value ?? base.domain,
    clusterId: f.clusterId?.value ?? base.clusterId,
    apiEndpoint: f.apiEndpoint?.value ?? base.apiEndpoint,
    network: {
      ...base.network,
      podCidr: f.podCidr?.value ?? base.network.podCidr,
      serviceCidr: f.serviceCidr?.value ?? base.network.serviceCidr,
    },
    nodes: f.nodes?.value ?? base.nodes,
    git: { url: f.gitUrl?.value ?? base.git.url, branch: f.gitBranch?.value ?? base.git.branch },
    secretStore: {
      provider: f.secretStore?.value ?? base.secretStore.provider,
      ...(f.secretStoreName ? { name: f.secretStoreName.value } : {}),
    },
  };
  const spec = a ? applyAnswers(proven, a) : proven;
  const claims = provenOf(c);
  for (const field of FACT_FIELDS) {
    const value = field.path.split('.').reduce<any>((x, k) => x?.[k], spec);
    const claim = claims[field.path];
    const typed = a?.[field.key];
    if (typed !== undefined) {
      notes.given.push({ cluster: c.name, field: field.path, value: shown(value) });
      const was = field.path.split('.').reduce<any>((x, k) => x?.[k], proven);
      // A node network derived from proven node addresses (their /24) is a default, not a statement of a file.
      const stated = field.key === 'nodeCidr' ? c.facts.nodeCidr : claim;
      if (stated && field.key !== 'role' && shown(was) !== shown(typed))
        notes.conflicts.push(
          `${field.flag} (cluster ${c.name}): ${shown(typed)}, but the repository's files say ${shown(was)}; ` +
            'adopt records what the files prove (change the files, or leave the flag out)',
        );
      continue;
    }
    if (claim) continue;
    notes.unproven.push({
      cluster: c.name,
      field: field.path,
      value: shown(value),
      flag: flagFor(field.key, c.name, notes.names),
    });
  }
  return spec;
}

/**
 * The problems each given value brings, by the rules a prompt checks a typed value with (answerProblems: the field
 * itself and its relations to the cluster's other fields and to the other clusters).
 */
function givenProblems(p: PlatformSpec, answers: Record<string, ClusterAnswers>): string[] {
  const out: string[] = [];
  for (const [name, a] of Object.entries(answers)) {
    if (!p.clusters[name]) continue;
    const { [name]: _self, ...others } = p.clusters;
    const all = answersFromCluster(name, p.clusters[name]);
    for (const f of CLUSTER_FIELDS) {
      if (a[f.key] === undefined) continue;
      for (const m of answerProblems({ ...p, clusters: others }, all, f.key, a[f.key]))
        out.push(`${f.flag} (cluster ${name}): ${m}`);
    }
  }
  return out;
}

/** Adopted components of a cluster: what no story delivers, and every Kustomization delivering a catalog component. */
function adoptedOf(c: ClusterAdoption): AdoptedComponent[] {
  const byKs = new Map<string, string[]>();
  for (const m of c.match.matches) byKs.set(m.ks, [...(byKs.get(m.ks) ?? []), m.component]);
  const out: AdoptedComponent[] = [];
  for (const a of c.match.adopted) {
    out.push({
      name: a.name,
      namespace: a.id.split('/')[0],
      file: a.file,
      path: a.path,
      targetNamespace: a.namespace,
      dependsOn: a.dependsOn,
    });
  }
  // Every Kustomization that delivers a catalog component is recorded with it (`component:`), whatever its story's
  // status: the tool renders a component on a cluster only where no adopted Kustomization delivers it, so a file
  // its people wrote is never rendered over (and check reads it as wiring the component).
  // A component found by a kind only it creates goes in `also` of its Kustomization's entry (the first one recorded).
  for (const m of [...c.match.matches].sort((a, b) => Number(Boolean(a.byKind)) - Number(Boolean(b.byKind)))) {
    const mine = out.filter((o) => `${o.namespace}/${o.name}` === m.ks);
    if (mine.some((o) => deliveredBy(o).includes(m.component))) continue;
    if (m.byKind && mine[0]?.component) {
      mine[0].also = [...(mine[0].also ?? []), m.component];
      continue;
    }
    const k = c.match.kustomizations.get(m.ks);
    if (!k) continue;
    out.push({
      name: k.name,
      namespace: k.id.split('/')[0],
      file: k.file,
      path: k.path,
      targetNamespace: k.namespace,
      dependsOn: k.dependsOn,
      component: m.component,
    });
  }
  return out.sort((a, b) => compareText(a.file, b.file) || compareText(a.name, b.name));
}

/** A copy sharing no object: the yaml library writes an object met twice as an alias, which platform.yaml refuses. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Settings platform.yaml cannot hold (a derived variable, a credential-like name, a value Flux would misread) stay
 * in the repository's own files only; the validator says which (the same rules as for any platform.yaml). Taken out
 * of `p`; returned with the validator's reason.
 */
function skipRefusedSettings(p: PlatformSpec): AdoptResult['skipped'] {
  const skipped: AdoptResult['skipped'] = [];
  for (let round = 0; round < 2; round++) {
    for (const prob of validateClusters(p)) {
      const m = /^clusters\.([^.]+)\.settings\.(.+)$/.exec(prob.path);
      if (!m || p.clusters[m[1]]?.settings[m[2]] === undefined) continue;
      delete p.clusters[m[1]].settings[m[2]];
      skipped.push({ cluster: m[1], key: m[2], reason: prob.message });
    }
  }
  return skipped;
}

/**
 * A story is recorded approved only where the components it stands on are wired too (platform.yaml's story rule,
 * validateStories): one whose dependency is missing becomes partial, with the reason, until none is left.
 */
function demoteUnwired(adoption: Adoption, p: PlatformSpec): void {
  for (let round = 0; round < 100; round++) {
    const stories: PlatformSpec['stories'] = {};
    for (const c of adoption.clusters) {
      for (const s of c.match.stories)
        if (s.status === 'approved') (stories[s.id] ??= { clusters: {} }).clusters[c.name] = 'approved';
    }
    const problems = validateStories({ ...p, stories });
    const demote = problems
      .map((x) => ({ x, m: /^stories\.([^.]+)\.clusters\.([^.]+)$/.exec(x.path) }))
      .filter((d) => d.m);
    if (!demote.length) break;
    let changed = false;
    for (const { x, m } of demote) {
      const cl = adoption.clusters.find((c) => c.name === m![2]);
      // The problem is named after the story that owns the component; the one approved there may be another story
      // that uses it (STORY-STO-APPS-ROOK-CEPH-CLUSTER uses the infra story's rook-ceph-cluster): each approved story
      // of the cluster that puts the component there goes back to partial.
      const comp = /^component (\S+) depends on /.exec(x.message)?.[1];
      const cat = catalogFor(p);
      for (const s of cl?.match.stories ?? []) {
        if (s.status !== 'approved') continue;
        const def = cat.byId.get(s.id);
        const puts =
          comp !== undefined &&
          def &&
          storyComponentsFor(cat, def, p.clusters[cl!.name].role).some((c) => c.id === comp);
        if (s.id !== m![1] && !puts) continue;
        Object.assign(s, { status: 'partial', note: x.message });
        changed = true;
      }
    }
    if (!changed) break;
  }
}

/**
 * Why platform.yaml may not be written at the repository's root, or undefined: a Flux Kustomization of a cluster's
 * own source builds the root, which has no kustomization.yaml, so Flux builds it from every YAML file there and
 * would apply platform.yaml to the cluster (bo0tzz/kube syncs `./` with a gotk-sync pair).
 */
function rootApplied(view: RepoView): string | undefined {
  if (view.walk.reader.kustomizationFile('')) return undefined;
  for (const c of view.clusters) {
    const k = c.kustomizations.find((x) => !x.external && x.ks.path === '');
    if (!k) continue;
    const at = k.ks.obj ? ` (${k.ks.obj.file}:${k.ks.obj.line})` : '';
    return (
      `${PLATFORM_FILE}: cluster ${c.name}'s Flux Kustomization ${k.ks.id}${at} builds the repository's root, which ` +
      `has no kustomization.yaml, so Flux would apply ${PLATFORM_FILE} there as a manifest; add a kustomization.yaml at ` +
      'the root listing what the cluster applies (or move what it syncs into a folder), then adopt again'
    );
  }
  return undefined;
}

/** platform.yaml of an adopted repository, from what adopt inferred. */
export function platformOf(
  adoption: Adoption,
  answers: Record<string, ClusterAnswers> = {},
): {
  spec: PlatformSpec;
  text: string;
  unproven: Unproven[];
  given: Given[];
  skipped: AdoptResult['skipped'];
  refused: string[];
} {
  for (const c of adoption.clusters) {
    const bad = clusterNameProblem(c.name);
    if (bad)
      throw new UsageError(
        `cluster ${c.name} (entry ./${c.entry.value}): ${bad}; platform.yaml names clusters by DNS labels`,
      );
  }
  const notes: SpecNotes = { names: adoption.clusters.map((c) => c.name), unproven: [], given: [], conflicts: [] };
  const { unproven, given } = notes;
  const skipped: AdoptResult['skipped'] = [];
  const p: PlatformSpec = { ...newPlatform().spec, clusters: {} };
  // Clusters whose id a file proves first: a default id is then the lowest one no cluster takes.
  const order = [...adoption.clusters].sort(
    (a, b) => Number(b.facts.clusterId !== undefined) - Number(a.facts.clusterId !== undefined),
  );
  for (const c of order)
    p.clusters[c.name] = { ...clusterSpec(p, c, answers[c.name], notes), settings: { ...c.settings.values } };
  unproven.sort((a, b) => compareText(a.cluster, b.cluster));
  given.sort((a, b) => compareText(a.cluster, b.cluster));
  // A value a person gave is bad input (exit 2, also on a dry run): it contradicts a file, or breaks a rule.
  const bad = [...notes.conflicts, ...givenProblems(p, answers)];
  if (bad.length) throw new UsageError('adopt: these values cannot be taken (nothing was written)', bad);
  skipped.push(...skipRefusedSettings(p));
  demoteUnwired(adoption, p);
  const pf = newPlatform();
  for (const c of adoption.clusters) {
    const adopted = adoptedOf(c);
    setCluster(pf, c.name, plain({ ...p.clusters[c.name], ...(adopted.length ? { adopted } : {}) }));
  }
  const stories = new Map<string, Record<string, 'approved'>>();
  for (const c of adoption.clusters)
    for (const s of c.match.stories)
      if (s.status === 'approved') stories.set(s.id, { ...(stories.get(s.id) ?? {}), [c.name]: 'approved' });
  for (const [id, states] of stories) setStoryState(pf, id, states);
  pf.edit((doc) => doc.set('layout', doc.createNode(plain(adoption.layout.value))));
  const text = platformToString(pf);
  // The same reading every command does: schema, cluster rules, stories. A proven fact the tool's rules refuse (two
  // clusters with one Cilium cluster id, unmeshed) is not changed behind the person's back: it is reported.
  try {
    return { spec: parsePlatform(text).spec, text, unproven, given, skipped, refused: [] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { spec: pf.spec, text, unproven, given, skipped, refused: [e.message, ...e.details] };
  }
}

/** `platform-kit adopt` (see the header). */
export function adopt(opts: AdoptOptions): AdoptResult {
  const root = path.resolve(opts.dir);
  if (fs.existsSync(path.join(root, PLATFORM_FILE))) {
    const file = path.join(root, PLATFORM_FILE);
    throw new UsageError(
      `${file} exists: this repository is already under the tool (adopt is for a Flux repository without ${PLATFORM_FILE})`,
    );
  }
  const view = opts.view ?? readRepo(root);
  const answers = givenAnswers(
    opts,
    view.clusters.map((c) => c.name),
  );
  const roles: Record<string, Role> = {};
  for (const [name, a] of Object.entries(answers)) if (a.role) roles[name] = a.role;
  const adoption = inferFrom(view, undefined, roles);
  const { spec, text, unproven, given, skipped, refused: rules } = platformOf(adoption, answers);
  const applied = rootApplied(view);
  const refused = applied ? [...rules, applied] : rules;
  if (!opts.dryRun && refused.length) {
    throw new UsageError(
      `adopt: the platform.yaml these files prove is refused by the tool's rules (nothing written):\n${refused.join('\n')}`,
    );
  }
  if (!opts.dryRun && unproven.length && !opts.yes) {
    const lines = unproven.map(
      (u) =>
        `  clusters.${u.cluster}.${u.field}: not proven by any file (default ${u.field === 'nodes' ? nodesText(u.value) : u.value}; ${u.flag})`,
    );
    const n = `${unproven.length} cluster field${unproven.length > 1 ? 's' : ''}`;
    const hint =
      'give them by the flags shown, or pass --yes to take the defaults shown; --dry-run lists them (nothing written)';
    throw new UsageError(`adopt: ${n} no file proves; ${hint}:\n${lines.join('\n')}`);
  }
  if (!opts.dryRun) {
    fs.mkdirSync(path.join(root, '.platform'), { recursive: true });
    fs.writeFileSync(
      path.join(root, ADOPT_RECORD),
      JSON.stringify(adoptionJson(adoption, unproven, skipped, given), null, 2) + '\n',
    );
    // An empty manifest (the tool generated nothing here yet): regenerate --check is up to date from the start.
    if (!fs.existsSync(path.join(root, MANIFEST_FILE)))
      fs.writeFileSync(path.join(root, MANIFEST_FILE), manifestToString(emptyManifest(GENERATOR_VERSION)));
    // Last, and only if it still does not exist: a platform.yaml saved meanwhile is never overwritten.
    fs.writeFileSync(path.join(root, PLATFORM_FILE), text, { flag: 'wx' });
  }
  return { adoption, platform: text, spec, unproven, given, skipped, refused, written: !opts.dryRun, root };
}

/** Default nodes as --node takes them (`name=…,ip=…`), from their JSON in Unproven.value. */
const nodesText = (json: string) => (JSON.parse(json) as NodeSpec[]).map(formatNodeSpec).join('; ');

/** The answers of the flags and of the prompts, by cluster (a prompt's answer after the flags: it asked for the rest). */
function givenAnswers(opts: AdoptOptions, names: string[]): Record<string, ClusterAnswers> {
  const out = answersFromFlags(opts.values ?? {}, names);
  for (const [name, a] of Object.entries(opts.answers ?? {})) {
    if (!out[name])
      throw new UsageError(`adopt: no cluster ${name} in this repository (clusters: ${names.join(', ')})`);
    out[name] = { ...out[name], ...a, name };
  }
  return out;
}

/**
 * `platform-kit adopt` on a terminal: a real run with fields no file proves and no --yes asks for them (`ask`: the
 * CLI's prompts), then adopts with the answers. The repository is read once; the answers are checked by the same
 * rules as flags. A dry run, --yes, or nothing unproven: exactly adopt().
 */
export async function adoptWithPrompts(opts: AdoptOptions, ask: AdoptPrompter): Promise<AdoptResult> {
  if (opts.dryRun || opts.yes) return adopt(opts);
  const root = path.resolve(opts.dir);
  const view = opts.view ?? (fs.existsSync(path.join(root, PLATFORM_FILE)) ? undefined : readRepo(root));
  const preview = adopt({ ...opts, view, dryRun: true });
  // Nothing to ask, or files the tool's rules refuse whatever the answers: the run itself says so (exit 2).
  if (!preview.unproven.length || preview.refused.length) return adopt({ ...opts, view });
  const answers = await ask(preview.unproven, preview.spec);
  return adopt({ ...opts, view, answers: { ...(opts.answers ?? {}), ...answers } });
}

/** What adopt inferred and why, as data (--json, .platform/adopt.json): paths repo-relative, no absolute root. */
export function adoptionJson(
  a: Adoption,
  unproven: Unproven[],
  skipped: AdoptResult['skipped'],
  given: Given[] = [],
): unknown {
  return {
    layout: { ...a.layout.value, fit: a.layout.fit, why: a.layout.why },
    clusters: a.clusters.map((c) => ({
      name: c.name,
      entry: c.entry,
      facts: c.facts,
      role: {
        value: c.role,
        claim: c.roleSigns.claim,
        signs: { workloads: c.roleSigns.workloads, infrastructure: c.roleSigns.infrastructure },
      },
      given: given.filter((g) => g.cluster === c.name).map(({ field, value }) => ({ field, value })),
      unproven: unproven.filter((u) => u.cluster === c.name).map(({ field, value, flag }) => ({ field, value, flag })),
      settings: {
        sources: c.settings.sources,
        missing: c.settings.missing,
        values: Object.fromEntries(
          Object.entries(c.settings.values).map(([k, v]) => [k, { value: v, why: c.settings.why[k] }]),
        ),
        skipped: skipped.filter((s) => s.cluster === c.name).map(({ key, reason }) => ({ key, reason })),
      },
      components: c.match.matches,
      stories: c.match.stories.filter((s) => s.status !== 'absent'),
      adopted: c.match.adopted,
    })),
  };
}
