import * as fs from 'node:fs';
import * as path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { parse } from 'yaml';
import { z } from 'zod';
import { CATALOG_CACHE, catalogCacheText, readCatalogCache } from './catalog-cache';
import { chartCatalogProblems } from './chart-catalog';
import {
  CATALOG_DIR,
  type Component,
  ComponentSchema,
  componentEntriesFromYaml,
  foundationComponents,
  foundationComponentsFromYaml,
} from './components';
import { ROLES } from './roles';
import { type CustomStory, STORY_ID, STORY_LANES } from './schema';
import { VARIABLES } from './variables';

export const VariableDeclSchema = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  default: z.string(),
  description: z.string().min(1),
  /**
   * A switch the story turns on where it is approved: the render puts it into cluster-settings only on clusters
   * where the story is approved (platform.yaml can still set it); add-story does not write it to platform.yaml.
   * For values read by always-present components (Cilium, CoreDNS) through ${VAR:=off}, so a draft changes nothing.
   */
  toggle: z.boolean().default(false),
});

/** A file a story writes outside Flux components (design documents, bootstrap files). */
export const StoryFileSchema = z.strictObject({
  /** Repo path; `{cluster}` makes one file per target cluster. */
  path: z.string().min(1),
  /** Template that renders it; absent when the cluster scaffold already writes the file. */
  template: z.string().optional(),
});

export const StoryDefSchema = z.strictObject({
  id: z.string().regex(STORY_ID),
  seq: z.number().int().positive(),
  title: z.string().min(1),
  sprint: z.number().int().min(1),
  track: z.string().min(1),
  lane: z.enum(STORY_LANES),
  kind: z.enum(['manifests', 'design', 'bootstrap']),
  clusters: z.array(z.enum(ROLES)).min(1),
  dependsOn: z.array(z.string()).default([]),
  implements: z.string().optional(),
  uses: z.array(z.string()).default([]),
  components: z.array(ComponentSchema).default([]),
  files: z.array(StoryFileSchema).default([]),
  variables: z.array(VariableDeclSchema).default([]),
  acceptance: z.array(z.string()).min(1),
});
export type StoryDef = z.infer<typeof StoryDefSchema> & { custom?: boolean };
export type VariableDecl = z.infer<typeof VariableDeclSchema>;

export interface ComponentEntry {
  component: Component;
  /** Story that defines it; undefined for foundation components. */
  story?: StoryDef;
}

export interface Catalog {
  stories: StoryDef[];
  byId: Map<string, StoryDef>;
  components: Map<string, ComponentEntry>;
  /** Variable name -> its declaration (first story that declares it). */
  variables: Map<string, VariableDecl>;
}

/** Everything a story stands on: its dependencies, transitively. */
export function transitiveDeps(cat: Pick<Catalog, 'byId'>, id: string): Set<string> {
  const out = new Set<string>();
  const todo = [...(cat.byId.get(id)?.dependsOn ?? [])];
  while (todo.length) {
    const d = todo.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    todo.push(...(cat.byId.get(d)?.dependsOn ?? []));
  }
  return out;
}

/** The owner of a foundation component in CatalogIndex.components (a story owns the others, by id). */
const FOUNDATION = '(foundation)';

/** What checkCatalog has seen of the catalog so far: stories by id, seqs, each component's owner, variable defaults. */
interface CatalogIndex {
  byId: Map<string, StoryDef>;
  seqs: Set<number>;
  /** component id -> the id of the story that defines it, or FOUNDATION */
  components: Map<string, string>;
  /** variable name -> the default the first story declaring it gives */
  vars: Map<string, string>;
}

/**
 * Check a list of stories as a catalog; returns problems (empty when valid). Three passes, in this order:
 * each story's declarations (against the stories before it), the namespaces components share, then every story's
 * references (dependencies, implements, uses), which need the whole catalog indexed.
 */
export function checkCatalog(stories: StoryDef[], foundation: Component[]): string[] {
  const index: CatalogIndex = { byId: new Map(), seqs: new Set(), components: new Map(), vars: new Map() };
  for (const c of foundation) index.components.set(c.id, FOUNDATION);
  const problems: string[] = [];
  for (const s of stories) problems.push(...declarationProblems(index, s));
  problems.push(...namespaceProblems([...foundation, ...stories.flatMap((s) => s.components)]));
  for (const s of stories) problems.push(...referenceProblems(index, s));
  return problems;
}

/** A story's id, seq, components and variables, each against those of the stories before it; records them in the index. */
function declarationProblems(index: CatalogIndex, s: StoryDef): string[] {
  const problems: string[] = [];
  if (index.byId.has(s.id)) problems.push(`${s.id}: declared twice`);
  index.byId.set(s.id, s);
  if (index.seqs.has(s.seq)) problems.push(`${s.id}: seq ${s.seq} is used twice`);
  index.seqs.add(s.seq);
  for (const c of s.components) {
    if (index.components.has(c.id))
      problems.push(`${s.id}: component ${c.id} is already defined by ${index.components.get(c.id)}`);
    index.components.set(c.id, s.id);
    for (const r of c.clusters ?? [])
      if (!s.clusters.includes(r)) problems.push(`${s.id}: component ${c.id} targets ${r}, which the story does not`);
    if (c.chart && c.source) problems.push(`${s.id}: component ${c.id} has both chart and source`);
    if (c.bootstrap !== undefined)
      problems.push(`${s.id}: component ${c.id}: only foundation components are bootstrapped`);
  }
  if (s.kind !== 'manifests' && s.components.length) problems.push(`${s.id}: a ${s.kind} story has no components`);
  for (const v of s.variables) {
    const tokens = v.default.replace(DEFAULT_TOKEN, '');
    if (/[{}]/.test(tokens)) {
      const known = '(known: {domain:<role>}, {zone}, {zone:<role>}, {asn})';
      problems.push(
        `${s.id}: variable ${v.name}: default ${JSON.stringify(v.default)} has an unknown {token} ${known}`,
      );
    }
    if (VARIABLES[v.name])
      problems.push(`${s.id}: variable ${v.name} is derived from platform.yaml and cannot be declared`);
    const prev = index.vars.get(v.name);
    if (prev !== undefined && prev !== v.default) {
      problems.push(
        `${s.id}: variable ${v.name} has default ${JSON.stringify(v.default)}, another story says ${JSON.stringify(prev)}`,
      );
    }
    index.vars.set(v.name, v.default);
  }
  return problems;
}

/** Components sharing a namespace declare the same Namespace object: its Pod Security level and labels must agree. */
function namespaceProblems(components: Component[]): string[] {
  const problems: string[] = [];
  const levels = new Map<string, { level: string; by: string }>();
  for (const c of components) {
    const labels = Object.entries(c.namespaceLabels ?? {})
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const level = (c.podSecurity ?? '(cluster default)') + (labels ? ` with labels ${labels}` : '');
    const prev = levels.get(c.namespace);
    if (prev && prev.level !== level)
      problems.push(`component ${c.id}: namespace ${c.namespace} is ${level} here but ${prev.level} for ${prev.by}`);
    else if (!prev) levels.set(c.namespace, { level, by: c.id });
  }
  return problems;
}

/**
 * What a story points at: its dependencies (known, earlier in the plan unless custom), the design it implements,
 * and the components it uses or its components depend on (the foundation's, its own, or its dependencies').
 */
function referenceProblems({ byId, components }: CatalogIndex, s: StoryDef): string[] {
  const problems: string[] = [];
  for (const d of s.dependsOn) {
    const dep = byId.get(d);
    if (!dep) problems.push(`${s.id}: depends on unknown story ${d}`);
    else if (!s.custom && dep.seq >= s.seq) problems.push(`${s.id}: depends on ${d}, which comes later in the plan`);
  }
  if (s.implements) {
    const d = byId.get(s.implements);
    if (d?.kind !== 'design') problems.push(`${s.id}: implements ${s.implements}, which is not a design story`);
    else if (!s.dependsOn.includes(s.implements))
      problems.push(`${s.id}: implements ${s.implements} but does not depend on it`);
  }
  const deps = transitiveDeps({ byId }, s.id);
  for (const u of s.uses) {
    const owner = components.get(u);
    if (!owner) problems.push(`${s.id}: uses unknown component ${u}`);
    else if (owner !== FOUNDATION && owner !== s.id && !deps.has(owner))
      problems.push(`${s.id}: uses ${u} of ${owner}, which it does not depend on`);
  }
  const own = new Set(s.components.map((c) => c.id));
  for (const c of s.components) {
    for (const d of c.dependsOn) {
      const owner = components.get(d);
      const of = `${s.id}: component ${c.id} depends on`;
      if (!owner) problems.push(`${of} unknown component ${d}`);
      else if (owner !== FOUNDATION && !own.has(d) && !deps.has(owner))
        problems.push(`${of} ${d} of ${owner}, which the story does not depend on`);
    }
  }
  return problems;
}

let cached: Catalog | undefined;

/** The built-in story catalog (catalog/stories.yaml), validated once per process. */
export function loadCatalog(): Catalog {
  if (cached) return cached;
  const hit = readCatalogCache();
  cached = buildCatalog(hit ? (hit.stories as StoryDef[]) : loadStoriesFromYaml());
  return cached;
}

/**
 * The catalog's stories without the cache: parse catalog/stories.yaml and the component.yaml of each component a
 * story names, validate each story and the whole.
 */
export function loadStoriesFromYaml(components: Component[] = foundationComponents()): StoryDef[] {
  const file = path.join(CATALOG_DIR, 'stories.yaml');
  const raw = parse(fs.readFileSync(file, 'utf8')) as { stories: unknown };
  const parsed = z.array(StoryDefSchema).safeParse(withComponentEntries(raw.stories));
  if (!parsed.success) {
    throw new Error(
      `catalog/stories.yaml: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const stories = parsed.data.sort((a, b) => a.seq - b.seq);
  const problems = [
    ...checkCatalog(stories, components),
    ...chartCatalogProblems([...components, ...stories.flatMap((s) => s.components)]),
  ];
  if (problems.length) throw new Error(`catalog/stories.yaml is inconsistent:\n  ${problems.join('\n  ')}`);
  return stories;
}

/** The raw stories with each component id replaced by its entry (component.yaml); every entry used exactly once. */
function withComponentEntries(stories: unknown): unknown {
  if (!Array.isArray(stories)) return stories;
  const entries = componentEntriesFromYaml();
  const used = new Set<string>();
  const out = stories.map((s: { id?: unknown; components?: unknown }) => {
    if (!s || !Array.isArray(s.components)) return s;
    const components = s.components.map((id: unknown) => {
      if (typeof id !== 'string' || !entries.has(id)) {
        throw new Error(
          `catalog/stories.yaml: ${String(s.id)}: no templates/components/<area>/${String(id)}/component.yaml`,
        );
      }
      if (used.has(id)) throw new Error(`catalog/stories.yaml: component ${id} is named by two stories`);
      used.add(id);
      return entries.get(id);
    });
    return { ...s, components };
  });
  const unused = [...entries.keys()].filter((id) => !used.has(id));
  if (unused.length)
    throw new Error(
      `catalog/stories.yaml: no story names the component(s) ${unused.join(', ')} (their component.yaml is never read)`,
    );
  return out;
}

/** Write the catalog the build ships (lib/built/catalog.json) from the YAML sources, validated first; returns the file. */
export function writeCatalogCache(file = CATALOG_CACHE): string {
  const components = foundationComponentsFromYaml();
  const text = catalogCacheText(components, loadStoriesFromYaml(components));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export function buildCatalog(stories: StoryDef[]): Catalog {
  const byId = new Map(stories.map((s) => [s.id, s]));
  const components = new Map<string, ComponentEntry>();
  for (const c of foundationComponents()) components.set(c.id, { component: c });
  const variables = new Map<string, VariableDecl>();
  for (const s of stories) {
    for (const c of s.components) components.set(c.id, { component: c, story: s });
    for (const v of s.variables) if (!variables.has(v.name)) variables.set(v.name, v);
  }
  return { stories, byId, components, variables };
}

/** A custom story from platform.yaml, in the catalog's shape (placed after the catalog in the plan). */
export function customStoryDef(id: string, c: CustomStory, seq: number): StoryDef {
  const roles = new Set<(typeof ROLES)[number]>();
  if (c.lane === 'infra' || c.lane === 'cross-platform') roles.add('infra');
  if (c.lane === 'apps' || c.lane === 'cross-platform') roles.add('apps');
  return {
    id,
    seq,
    title: c.title,
    sprint: 0,
    track: 'custom',
    lane: c.lane,
    kind: 'manifests',
    clusters: [...roles],
    dependsOn: c.dependsOn,
    uses: [],
    components: c.components,
    files: [],
    variables: [],
    acceptance: ['every Flux Kustomization of the story becomes Ready on each cluster it is approved on'],
    custom: true,
  };
}

/** The catalog plus the custom stories recorded in platform.yaml. */
export function catalogWith(custom: Record<string, CustomStory>): Catalog {
  const base = loadCatalog();
  const ids = Object.keys(custom);
  if (ids.length === 0) return base;
  let seq = Math.max(...base.stories.map((s) => s.seq));
  const extra = ids.sort().map((id) => customStoryDef(id, custom[id], ++seq));
  return buildCatalog([...base.stories, ...extra]);
}

/** The catalog ids closest to a mistyped one (edit distance), best first. */
export function nearestStoryIds(cat: Catalog, id: string, n = 3): string[] {
  const want = id.toUpperCase();
  return cat.stories
    .map((s) => ({
      id: s.id,
      d: Math.min(distance(want, s.id), s.id.includes(want.replace(/^STORY-/, '')) ? 1 : Infinity),
    }))
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .slice(0, n)
    .map((x) => x.id);
}

const DEFAULT_TOKEN = /\{(domain|zone):(infra|apps)\}|\{(zone|asn)\}/g;

/** What a variable default may refer to: the platform's clusters (platform.yaml) and the cluster it is for. */
type DefaultCluster = { role: string; domain: string; clusterId?: number; settings?: Record<string, string> };

/** First private 16-bit ASN (RFC 6996): cluster id n gets FIRST_PRIVATE_ASN + n - 1, so ids 1-255 never collide. */
export const FIRST_PRIVATE_ASN = 64512;

/**
 * The DNS zone (apex) a cluster's names live under: its PUBLIC_DNS_ZONE setting when platform.yaml has one,
 * otherwise the longest common parent of the platform's cluster domains (infra.example.com and apps.example.com:
 * example.com), or, with a single cluster or domains that share no zone, the parent of the cluster's own domain.
 * A two-label domain is its own zone.
 */
export function dnsZoneOf(clusters: Record<string, DefaultCluster>, name: string | undefined): string {
  const own = name ? clusters[name] : undefined;
  if (own?.settings?.PUBLIC_DNS_ZONE) return own.settings.PUBLIC_DNS_ZONE;
  const labels = Object.values(clusters).map((c) => c.domain.toLowerCase().split('.').reverse());
  if (labels.length > 1) {
    const common: string[] = [];
    for (let i = 0; labels.every((l) => i < l.length && l[i] === labels[0][i]); i++) common.push(labels[0][i]);
    // a shared parent, never a bare top-level domain
    if (common.length >= 2) return [...common].reverse().join('.');
  }
  const domain = own?.domain ?? Object.values(clusters)[0]?.domain ?? 'example.com';
  const parts = domain.split('.');
  return parts.length > 2 ? parts.slice(1).join('.') : domain;
}

/**
 * A variable default with its tokens replaced: `{domain:<role>}` by the domain of the platform's first cluster of
 * that role, `{zone}` by the DNS zone of the cluster it is for (dnsZoneOf), `{zone:<role>}` by the zone of the first
 * cluster of that role, and `{asn}` by the cluster's own private ASN (FIRST_PRIVATE_ASN + cluster id - 1).
 */
export function expandDefault(value: string, clusters: Record<string, DefaultCluster>, cluster?: string): string {
  return value.replace(
    DEFAULT_TOKEN,
    (_m, kind: string | undefined, role: string | undefined, own: string | undefined) => {
      if (own === 'asn')
        return String(
          FIRST_PRIVATE_ASN + (cluster && clusters[cluster]?.clusterId ? clusters[cluster].clusterId! : 1) - 1,
        );
      if (own === 'zone') return dnsZoneOf(clusters, cluster);
      const first = Object.entries(clusters).find(([, c]) => c.role === role);
      if (kind === 'zone') return first ? dnsZoneOf(clusters, first[0]) : dnsZoneOf(clusters, undefined);
      return first?.[1].domain ?? `${role}.example.com`;
    },
  );
}
