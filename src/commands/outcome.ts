import { type Document, isMap, isNode, isScalar, isSeq, type Scalar } from 'yaml';
import { toLf } from '../core/eol';
import type { Plan } from '../core/plan';
import { readStrictYaml } from '../core/yaml';
import { bootstrapView } from '../model/bootstrap-secrets';
import { PLATFORM_FILE, readPlatform } from '../model/platform-file';
import type { PlatformSpec } from '../model/schema';
import { transitiveDeps } from '../model/stories';
import { catalogFor } from '../model/wiring';

/**
 * What a plan means to the person who ran the command, as data: the tool's bookkeeping, the settings a command added
 * with their values, the placeholder values still to replace, and the steps from here to running clusters. Computed
 * from the plan itself (the text each file has or gets), never by reading the disk again; src/cli/output.ts prints it.
 */

/** A value in platform.yaml that is a stand-in for a real one (documentation domains, addresses and ids). */
export interface Placeholder {
  file: string;
  line: number;
  /** Dotted path of the key, e.g. clusters.infra.settings.SECRET_STORE_ENDPOINT. */
  key: string;
  value: string;
  cluster?: string;
}

/**
 * Values nobody runs in production: the example domains (RFC 2606, also example-org style names), the
 * documentation address ranges (RFC 5737) and the all-zero UUID.
 */
export function isPlaceholder(value: string): boolean {
  return (
    /(^|[^a-z0-9])example([.-][a-z]|$)/i.test(value) ||
    /(^|[^0-9])(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}($|[^0-9])/.test(value) ||
    /(^|[^0-9a-f])0{8}-0{4}-0{4}-0{4}-0{12}($|[^0-9a-f])/i.test(value)
  );
}

/** The text platform.yaml has after the plan (the plan always carries it: the tool owns and writes that file). */
function platformText(plan: Plan): string | undefined {
  const c = plan.changes.find((x) => x.path === PLATFORM_FILE);
  const t = c?.after ?? c?.before;
  return t === undefined ? undefined : toLf(t);
}

/**
 * The model of the platform.yaml text a plan writes, as the generator planned it (commands/generate.ts registers it):
 * the report of a command reads it from there instead of parsing and validating the text it wrote again.
 */
const plannedModels = new WeakMap<Plan, { text: string; spec: PlatformSpec; doc?: Document }>();

/**
 * Record that `plan` writes platform.yaml as `text`, the model `spec` (which the command validated); `doc` when the
 * text is that document's own output (platformToString), not a person's formatting of the same values kept.
 */
export function registerPlannedPlatform(plan: Plan, text: string, spec: PlatformSpec, doc?: Document): void {
  plannedModels.set(plan, { text: toLf(text), spec, ...(doc ? { doc } : {}) });
}

/**
 * platform.yaml's model as the plan leaves it; undefined when the plan has no platform.yaml (a fast up-to-date plan).
 * The model the generator planned when the plan still writes that text, else the text read (and validated) again.
 */
export function plannedPlatform(plan: Plan): PlatformSpec | undefined {
  const text = platformText(plan);
  if (text === undefined) return undefined;
  const known = plannedModels.get(plan);
  if (known?.text === text) return known.spec;
  const spec = readPlatform(text).pf.spec;
  plannedModels.set(plan, { text, spec });
  return spec;
}

/** Every placeholder value under clusters: in platform.yaml, with its line, in file order. */
export function placeholders(plan: Plan, clusters?: string[]): Placeholder[] {
  const text = platformText(plan);
  if (text === undefined) return [];
  const known = plannedModels.get(plan);
  let found = known?.doc && known.text === text ? placeholderNodes(known.doc) : undefined;
  let lines = found && ownTextLines(found, text);
  if (!found || !lines) {
    const { doc, lc } = readStrictYaml(text);
    const parsed = placeholderNodes(doc);
    found = parsed;
    lines = parsed.map((f) => (f.node?.range ? lc.linePos(f.node.range[0]).line : 0));
  }
  const out = found.map((f, i) => ({
    file: PLATFORM_FILE,
    line: lines[i],
    key: f.path.join('.'),
    value: f.value,
    cluster: f.path[1],
  }));
  return out.filter((p) => !clusters || (p.cluster !== undefined && clusters.includes(p.cluster)));
}

/** A placeholder scalar of a platform.yaml document; `key` is its mapping key (undefined: an entry of a list). */
export interface PlaceholderNode {
  /** The scalar (a document edited in memory may hold a bare string instead: no node). */
  node?: Scalar;
  path: string[];
  key?: string;
  value: string;
}

/**
 * The placeholder scalars under `clusters:`, in the document's order. A parsed document holds nodes only; one edited in
 * memory (doc.setIn) may also hold bare keys, strings, arrays and objects, which are written out the same way.
 */
export function placeholderNodes(doc: Document): PlaceholderNode[] {
  const out: PlaceholderNode[] = [];
  const walk = (node: unknown, path: string[], key?: string) => {
    const entries: [unknown, unknown][] | undefined = isMap(node)
      ? node.items.map((it) => [isScalar(it.key) ? it.key.value : it.key, it.value])
      : isPlainObject(node)
        ? Object.entries(node)
        : undefined;
    const items = isSeq(node) ? node.items : Array.isArray(node) ? node : undefined;
    if (entries) {
      for (const [k, v] of entries)
        if (typeof k === 'string' || typeof k === 'number') walk(v, [...path, String(k)], String(k));
    } else if (items) {
      items.forEach((it, i) => {
        // A node is named by its name (nodes[infra-cp-1]) rather than its index.
        const name = isMap(it) ? it.get('name') : isPlainObject(it) ? it.name : undefined;
        walk(it, [...path.slice(0, -1), `${path[path.length - 1]}[${typeof name === 'string' ? name : i}]`]);
      });
    } else {
      const value = isScalar(node) ? node.value : node;
      if (typeof value === 'string' && isPlaceholder(value))
        out.push({ ...(isScalar(node) ? { node } : {}), path, ...(key === undefined ? {} : { key }), value });
    }
  };
  const root = doc.contents;
  if (isMap(root)) walk(root.get('clusters', true), ['clusters']);
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !isNode(v) && Object.getPrototypeOf(v) === Object.prototype;

/** `key: value` or `- key: value` (a mapping in a list), and `- value` (a list entry). */
const PAIR_LINE = /^ *(?:- )?([A-Za-z0-9_][A-Za-z0-9_.-]*): (.+)$/;
const ENTRY_LINE = /^ *- (.+)$/;

/** A one-line scalar as the writer puts it (plain, single- or double-quoted); undefined for anything else. */
function oneLineScalar(text: string): string | undefined {
  if (text.startsWith("'")) return /^'(?:[^']|'')*'$/.test(text) ? text.slice(1, -1).replace(/''/g, "'") : undefined;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return undefined;
    }
  }
  return /^[|>&*!]| #/.test(text) ? undefined : text;
}

/**
 * The line of each placeholder in `text`, the document's own output (block style without folding: a scalar is on its
 * key's line), found without parsing the text again: a cold parse of platform.yaml is ~15 ms of a scaffold. The i-th
 * line that reads a placeholder's key and value is the i-th placeholder with that key and value. Undefined unless every
 * placeholder finds its line so, in the document's order, and no other line reads the same (a line of a block scalar
 * that looks like one): the caller then parses the text.
 */
export function ownTextLines(found: PlaceholderNode[], text: string): number[] | undefined {
  const id = (key: string | undefined, value: string) => `${key ?? '-'}\0${value}`;
  const linesOf = new Map<string, number[]>(found.map((f) => [id(f.key, f.value), []]));
  text.split('\n').forEach((line, i) => {
    const pair = PAIR_LINE.exec(line);
    const value = pair ? oneLineScalar(pair[2]) : undefined;
    if (pair && value !== undefined) linesOf.get(id(pair[1], value))?.push(i + 1);
    const entry = pair ? undefined : ENTRY_LINE.exec(line);
    const item = entry ? oneLineScalar(entry[1]) : undefined;
    if (item !== undefined) linesOf.get(id(undefined, item))?.push(i + 1);
  });
  const used = new Map<string, number>();
  const out: number[] = [];
  for (const f of found) {
    const k = id(f.key, f.value);
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    const line = linesOf.get(k)![n];
    if (line === undefined || line <= (out[out.length - 1] ?? 0)) return undefined;
    out.push(line);
  }
  for (const [k, lines] of linesOf) if (lines.length !== used.get(k)) return undefined;
  return out;
}

export interface SettingValue {
  key: string;
  value: string;
  placeholder: boolean;
}

/** The settings a command added (keys per cluster), with the values the plan leaves in platform.yaml. */
export function addedSettingValues(plan: Plan, added: Record<string, string[]>): Record<string, SettingValue[]> {
  const spec = Object.values(added).some((k) => k.length) ? plannedPlatform(plan) : undefined;
  const out: Record<string, SettingValue[]> = {};
  for (const [c, keys] of Object.entries(added)) {
    if (!keys.length) continue;
    const settings = spec?.clusters[c]?.settings ?? {};
    out[c] = keys.map((key) => {
      const value = String(settings[key] ?? '');
      return { key, value, placeholder: isPlaceholder(value) };
    });
  }
  return out;
}

/** One phase of bootstrap/bootstrap.sh, in the order it runs them. */
export interface BootstrapPhase {
  name: string;
  /** What it runs, in short (empty for a phase this tool has no words for). */
  does: string;
}

export interface ClusterNextSteps {
  name: string;
  /** Commands, in order, for this cluster (run from the repository root). */
  commands: string[];
  /** Environment variables bootstrap.sh reads the hand-made bootstrap Secrets from. */
  env: string[];
  /** The repository and branch Flux of this cluster syncs: what must be pushed before the flux phase. */
  git: { url: string; branch: string };
}

export interface NextSteps {
  /** Placeholder values still in platform.yaml, for the clusters concerned. */
  placeholders: Placeholder[];
  /** bootstrap/bootstrap.sh's phases, read from the script the plan writes. */
  phases: BootstrapPhase[];
  clusters: ClusterNextSteps[];
  /** The justfile wraps bootstrap.sh (`just bootstrap <cluster>`). */
  just: boolean;
  /**
   * When the repository has no bootstrap/bootstrap.sh yet: the catalog story that writes it and those of its
   * dependencies not approved on these clusters, in plan order (what `add-story … --approve` needs).
   */
  automation?: { story: string; add: string[] };
  /**
   * The run writes package.json (a new repository, or the pin moved): the tool it pins (`name@version`) must be
   * installed there before `npx platform-kit` runs it and before the commit-msg hook and CI can.
   */
  install?: string;
  /** How the repository runs the tool's commands: `npx ` when it has a package.json pinning the tool, else bare. */
  run: string;
}

const BOOTSTRAP_SCRIPT = 'bootstrap/bootstrap.sh';

/** Short words for each phase; its list and order come from the generated bootstrap.sh (PHASES="…"). */
const PHASE_WORDS: Record<string, string> = {
  talos: 'talhelper genconfig, talosctl apply-config --insecure on each node, talosctl bootstrap, talosctl kubeconfig',
  crds: 'CRDs of bootstrap/crds (helmfile template + kustomize), kubectl apply --server-side',
  core: "helmfile sync of the cluster's bootstrap/ helmfile (cilium, coredns, external-secrets, Flux), then the bootstrap Secrets from the environment",
  flux: "waits until the FluxInstance flux is Ready (it syncs the cluster's folder under kubernetes/clusters/)",
  verify: 'waits for every Flux Kustomization to be Ready',
};

function fileAfter(plan: Plan, path: string): string | undefined {
  const c = plan.changes.find((x) => x.path === path);
  return c?.after ?? c?.before;
}

/**
 * From a plan that adds clusters to running clusters: the placeholders to replace first, then per cluster the
 * commands bootstrap/README.md gives, in its order (Talos secrets with talhelper gensecret, the bootstrap Secrets'
 * environment, bootstrap/bootstrap.sh with its phases).
 */
export function nextSteps(plan: Plan, clusters: string[]): NextSteps | undefined {
  const spec = plannedPlatform(plan);
  if (!spec) return undefined;
  const names = Object.keys(spec.clusters).filter((c) => clusters.includes(c));
  if (!names.length) return undefined;
  const script = fileAfter(plan, BOOTSTRAP_SCRIPT);
  const listed = script ? /^PHASES="([^"]*)"/m.exec(toLf(script))?.[1].split(/\s+/).filter(Boolean) : undefined;
  const phases = (listed ?? []).map((name) => ({ name, does: PHASE_WORDS[name] ?? '' }));
  const secrets = bootstrapView(Object.fromEntries(names.map((n) => [n, spec.clusters[n]])));
  let automation: NextSteps['automation'];
  if (!script) {
    const cat = catalogFor(spec);
    const story = cat.stories.find((x) => x.files.some((f) => f.path === BOOTSTRAP_SCRIPT));
    if (story) {
      const approved = (id: string) => names.every((c) => spec.stories[id]?.clusters[c] === 'approved');
      const ids = [...transitiveDeps(cat, story.id), story.id].filter((id) => !approved(id));
      ids.sort((a, b) => cat.byId.get(a)!.seq - cat.byId.get(b)!.seq);
      automation = { story: story.id, add: ids };
    }
  }
  const pkg = plan.changes.find((x) => x.path === 'package.json');
  const pinned = pinnedTool(pkg?.after ?? pkg?.before);
  return {
    automation,
    install: pkg && (pkg.action === 'CREATE' || pkg.action === 'UPDATE') && pinned ? pinned : undefined,
    run: pinned ? 'npx ' : '',
    placeholders: placeholders(plan, names),
    phases,
    just: fileAfter(plan, 'justfile') !== undefined,
    clusters: secrets.map((s) => ({
      name: s.name,
      commands: [
        `(cd talos/${s.name} && talhelper gensecret > talsecret.sops.yaml && sops --encrypt --in-place talsecret.sops.yaml)`,
        `bootstrap/bootstrap.sh ${s.name}`,
      ],
      env: s.secrets.flatMap((x) => x.keys.map((k) => k.env)),
      git: { url: s.gitUrl, branch: spec.clusters[s.name].git.branch },
    })),
  };
}

/** `create-platform-cluster@<version>` when package.json pins the tool (any dependency field), else undefined. */
function pinnedTool(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const pkg = JSON.parse(text) as Record<string, Record<string, string> | undefined>;
    for (const field of ['devDependencies', 'dependencies', 'optionalDependencies']) {
      const v = pkg[field]?.['create-platform-cluster'];
      if (typeof v === 'string') return `create-platform-cluster@${v}`;
    }
  } catch {
    // not JSON: the repository's own business; the steps then name the commands bare
  }
  return undefined;
}

/** Each story's state per cluster as the plan leaves platform.yaml ('draft' | 'approved'), for the clusters it is on. */
export function storyStates(plan: Plan, ids: string[]): Record<string, Record<string, string>> {
  const spec = plannedPlatform(plan);
  return Object.fromEntries(ids.map((id) => [id, { ...(spec?.stories[id]?.clusters ?? {}) }]));
}
