import { Document, Pair, Scalar, type YAMLMap } from 'yaml';
import { UsageError } from '../core/errors';
import type { TemplateRenderer } from '../core/render';
import { Tree } from '../core/tree';
import { commentLines, toYaml } from '../core/yaml';
import { type Component, componentDir, defaultPlacement } from '../model/components';
import { namespacePlacements } from '../model/namespaces';
import type { ClusterModel, PlatformSpec } from '../model/schema';
import { type Catalog, expandDefault, type VariableDecl } from '../model/stories';
import { findVariables, KUBEPRISM_PORT, secretKeyPrefix, VARIABLES } from '../model/variables';
import { variantValue } from '../model/variant-settings';
import { catalogFor, lanesOfRole, recordedStories, renderedComponents, wiredComponents } from '../model/wiring';
import { GENERATOR_VERSION } from '../version';
import { renderComponent } from './component';
import { renderNetworkingDoc } from './networking';
import { renderPlaced } from './placed';
import { renderSecretsDoc } from './secrets-doc';
import { renderStories } from './stories';

/** Phases of bootstrap/bootstrap.sh, in order (the script's PHASES). */
export const BOOTSTRAP_PHASES = ['talos', 'crds', 'core', 'flux', 'verify'];

/** The story ids a commit may start with, one per line: what the commit-msg hook reads when the tool is not installed. */
export const STORY_IDS_FILE = '.githooks/story-ids';

export const VERSIONS = { talos: 'v1.11.5', kubernetes: 'v1.34.2' };

export interface Lane {
  name: 'infrastructure' | 'workloads';
  path: string;
  dependsOn: { name: string }[];
}

export interface RenderResult {
  tree: Tree;
  /** cluster -> the cluster-settings data written for it */
  settings: Record<string, Record<string, string>>;
}

function lanesFor(c: ClusterModel): Lane[] {
  const base = `./kubernetes/clusters/${c.name}`;
  return lanesOfRole(c.role).map((name) => ({
    name,
    path: `${base}/${name}`,
    dependsOn: name === 'workloads' ? [{ name: 'infrastructure' }] : [],
  }));
}

function settingsDocument(
  c: ClusterModel,
  data: Record<string, string>,
  declared: Map<string, VariableDecl>,
  defaults: Set<string>,
  toggled: Map<string, string>,
): string {
  const doc = new Document({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-settings', namespace: 'flux-system' },
    data: {},
  });
  const map = doc.get('data', true) as YAMLMap;
  for (const key of Object.keys(data).sort()) {
    const pair = new Pair(new Scalar(key), new Scalar(data[key]));
    const desc = VARIABLES[key]?.description ?? declared.get(key)?.description;
    const own = c.settings[key] !== undefined;
    const where = toggled.has(key)
      ? ` (on because ${toggled.get(key)} is approved here)`
      : defaults.has(key)
        ? ' (catalog default; set it in platform.yaml to change it)'
        : own && VARIABLES[key]
          ? ' (set in platform.yaml)'
          : '';
    (pair.key as Scalar).commentBefore =
      ` ${desc ?? 'Set in platform.yaml (clusters.' + c.name + '.settings)'}${where}`;
    map.items.push(pair);
  }
  doc.commentBefore =
    ` Substitution variables of cluster ${c.name}: every variable its Flux Kustomizations use (postBuild.substituteFrom).\n` +
    ` Generated from platform.yaml; change a value there (clusters.${c.name}) or with --set KEY=VALUE, then regenerate.`;
  return '---\n' + doc.toString({ lineWidth: 0, indentSeq: true });
}

/** The component whose Provider the cluster's Flux Alert sends to. */
const FLUX_NOTIFICATIONS = 'flux-notifications';

/**
 * The cluster's Flux Alert: error events of every Flux Kustomization (all in flux-system), the Git sources, and every
 * HelmRelease and chart source in the namespaces of the components wired on this cluster. Alert event sources cannot
 * wildcard a namespace, so the list is rendered per cluster here (the entry folder uses no substitution).
 */
function fluxAlertDocument(cluster: string, wired: { namespace: string; chart?: unknown; source?: unknown }[]): string {
  const chartNs = [...new Set(wired.filter((w) => w.chart).map((w) => w.namespace))].sort();
  const gitNs = [...new Set(['flux-system', ...wired.filter((w) => w.source).map((w) => w.namespace)])].sort();
  const alert = {
    apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
    kind: 'Alert',
    metadata: { name: 'flux-errors', namespace: 'flux-system' },
    spec: {
      providerRef: { name: 'flux-alerts' },
      eventSeverity: 'error',
      eventMetadata: { cluster },
      eventSources: [
        { kind: 'Kustomization', name: '*', namespace: 'flux-system' },
        ...gitNs.map((ns) => ({ kind: 'GitRepository', name: '*', namespace: ns })),
        ...chartNs.flatMap((ns) => [
          { kind: 'HelmRelease', name: '*', namespace: ns },
          { kind: 'OCIRepository', name: '*', namespace: ns },
        ]),
      ],
    },
  };
  return (
    '---\n' +
    commentLines([
      `Flux Alert of cluster ${cluster}: error events go to Provider flux-alerts (component ${FLUX_NOTIFICATIONS}).`,
      'One entry per namespace that holds HelmReleases and chart sources here (an Alert cannot wildcard namespaces);',
      'regenerate adds a namespace when a story is approved on this cluster.',
    ]) +
    toYaml(alert)
  );
}

/** What the passes of renderPlatform share: the input, the tree they fill and the files each component rendered. */
interface RenderContext {
  spec: PlatformSpec;
  cat: Catalog;
  r: TemplateRenderer;
  tree: Tree;
  /** component id -> the paths its templates wrote (a cluster's settings read the variables of these files) */
  filesOf: Map<string, string[]>;
}

/** A cluster of platform.yaml as the passes below see it: its model, entry folder and the components wired on it. */
interface ClusterPass {
  c: ClusterModel;
  base: string;
  lanes: Lane[];
  wired: Component[];
}

/** The cluster-settings ConfigMap's values, and why some are there (its comments say so). */
interface ClusterSettings {
  data: Record<string, string>;
  /** keys whose value is the catalog's default */
  fromCatalog: Set<string>;
  /** key -> the approved story whose switch turned it on */
  toggled: Map<string, string>;
}

/**
 * Render the whole GitOps repository that platform.yaml describes into an in-memory tree.
 * Pure: reads only templates and the catalog, never the target repository.
 *
 *   components -> repository files -> stories -> per cluster (lanes, settings, alerts, talos + bootstrap) -> docs
 *
 * The order is the order of the tree's writes; later passes read files earlier ones wrote (a cluster's settings are
 * the variables its components' files use).
 */
export function renderPlatform(spec: PlatformSpec, r: TemplateRenderer): RenderResult {
  const cat = catalogFor(spec);
  const ctx: RenderContext = { spec, cat, r, tree: new Tree(), filesOf: new Map() };
  renderComponents(ctx);
  renderRepoFiles(ctx);
  renderStories(ctx.tree, r, spec, cat, ctx.filesOf);
  const settingsOut: Record<string, Record<string, string>> = {};
  const secretsDoc: Parameters<typeof renderSecretsDoc>[2] = [];
  for (const [name, cs] of Object.entries(spec.clusters)) {
    const c: ClusterModel = { ...cs, name };
    const pass: ClusterPass = {
      c,
      base: `kubernetes/clusters/${name}`,
      lanes: lanesFor(c),
      wired: wiredComponents(spec, cat, name),
    };
    const data = renderCluster(ctx, pass);
    settingsOut[name] = data;
    secretsDoc.push({
      cluster: c,
      wired: pass.wired,
      settings: data,
      entryFiles: [`${pass.base}/cluster-secrets.yaml`],
    });
  }
  renderNetworkingDoc(ctx.tree, r, spec, cat, settingsOut, ctx.filesOf);
  renderSecretsDoc(ctx.tree, r, secretsDoc, ctx.filesOf);
  return { tree: ctx.tree, settings: settingsOut };
}

/** Every component a story of platform.yaml brings (or the foundation), into its folder; records each one's files. */
function renderComponents({ spec, cat, r, tree, filesOf }: RenderContext): void {
  const nsPlacement = namespacePlacements(cat);
  for (const comp of renderedComponents(spec, cat)) {
    filesOf.set(
      comp.id,
      renderComponent(tree, r, comp, nsPlacement.get(comp.id), (id) => cat.components.get(id)?.component),
    );
  }
}

/** The repository's own files: git settings and hooks, Renovate, the justfile and the CI workflow. */
function renderRepoFiles({ spec, cat, r, tree }: RenderContext): void {
  const version = GENERATOR_VERSION;
  tree.write('.gitignore', r.render('repo/gitignore', {}));
  tree.write('.gitattributes', r.render('repo/gitattributes', {}));
  tree.write('.githooks/commit-msg', r.render('repo/githooks/commit-msg', { version }));
  tree.write('.githooks/install.sh', r.render('repo/githooks/install.sh', { version }));
  // The ids lint-commit knows (catalog + custom stories), for the hook to check offline without the tool.
  tree.write(STORY_IDS_FILE, r.render('repo/githooks/story-ids', { version, ids: [...cat.byId.keys()].sort() }));
  tree.write('.renovaterc.json5', r.render('repo/renovaterc.json5', { version }));
  const clusters = Object.keys(spec.clusters);
  if (clusters.length)
    tree.write('bootstrap/render-values.sh', r.render('repo/bootstrap/render-values.sh', { version }));
  tree.write(
    'justfile',
    r.render('repo/justfile', {
      version,
      clusters: clusters.map((name) => ({ name })),
      phases: BOOTSTRAP_PHASES.join(' -> '),
    }),
  );
  tree.write(
    '.github/workflows/platform-check.yaml',
    r.render('repo/platform-check.yaml', { version, kubectlVersion: VERSIONS.kubernetes }),
  );
}

/** One cluster's files: its lanes, cluster-settings, Flux Alert and templates/cluster/; returns its settings. */
function renderCluster(ctx: RenderContext, pass: ClusterPass): Record<string, string> {
  const { c, base, lanes, wired } = pass;
  renderLanes(ctx.tree, pass);
  const settings = clusterSettings(ctx, pass);
  ctx.tree.write(
    `${base}/cluster-settings.yaml`,
    settingsDocument(c, settings.data, ctx.cat.variables, settings.fromCatalog, settings.toggled),
  );
  const alerts = wired.some((w) => w.id === FLUX_NOTIFICATIONS);
  if (alerts) ctx.tree.write(`${base}/flux-alerts.yaml`, fluxAlertDocument(c.name, wired));
  // templates/cluster/ mirrors what a cluster gets: kubernetes/clusters/__cluster__/ (its entry point, secrets and
  // one __lane__.yaml per lane), talos/__cluster__/ and bootstrap/__cluster__/.
  const secrets = {
    storeName: c.secretStore.provider,
    secretsKey: `${secretKeyPrefix(c.secretStore.provider, c.name)}cluster-secrets`,
  };
  const clusterData = {
    cluster: c,
    lanes,
    alerts,
    ...secrets,
    ...talosData(ctx.cat, c),
    releases: bootstrapReleases(wired),
  };
  renderPlaced(ctx.tree, ctx.r, 'cluster', { cluster: c.name }, clusterData, {
    lane: lanes.map((lane) => ({ value: lane.name, data: { lane } })),
  });
  return settings.data;
}

/** Each lane's kustomization.yaml: the components wired into it on this cluster. */
function renderLanes(tree: Tree, { c, lanes, wired }: ClusterPass): void {
  for (const lane of lanes) {
    const members = wired.filter((w) => w.lane === lane.name);
    const list = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: members.map((m) => defaultPlacement(m, c.name).wiring.entry!),
    };
    tree.write(
      defaultPlacement({ lane: lane.name, area: '', namespace: '', id: '' }, c.name).wiring.file,
      '---\n' +
        commentLines([
          `Components wired into the ${lane.name} lane of cluster ${c.name}.`,
          "A story's components are listed here once the story is approved on this cluster.",
        ]) +
        toYaml(list),
    );
  }
}

/**
 * The cluster's settings: exactly the variables its wired manifests use (platform.yaml's value, else the tool's,
 * else the catalog's default), the switches of the stories approved here, then everything platform.yaml sets.
 * A used variable with no value anywhere is bad input.
 */
function clusterSettings(ctx: RenderContext, { c, wired }: ClusterPass): ClusterSettings {
  const { spec, cat } = ctx;
  const data: Record<string, string> = {};
  const missing: string[] = [];
  const fromCatalog = new Set<string>();
  for (const v of usedVariables(ctx, c.name, wired)) {
    const value = toolValue(spec, cat, c, v);
    if (value === undefined) missing.push(v);
    else data[v] = value;
    if (value !== undefined && c.settings[v] === undefined && !VARIABLES[v]) fromCatalog.add(v);
  }
  if (missing.length) {
    const hints = missing.sort().map((m) => `\${${m}}: set clusters.${c.name}.settings.${m} (or --set ${m}=VALUE)`);
    throw new UsageError(`cluster ${c.name}: manifests use variables with no value`, hints);
  }
  const toggled = new Map<string, string>();
  // Switches of the stories approved here (unless platform.yaml sets them).
  for (const st of recordedStories(spec, cat)) {
    if (spec.stories[st.id].clusters[c.name] !== 'approved') continue;
    for (const v of st.variables) {
      if (v.toggle && c.settings[v.name] === undefined) {
        data[v.name] = expandDefault(v.default, spec.clusters, c.name);
        toggled.set(v.name, st.id);
      }
    }
  }
  for (const [k, v] of Object.entries(c.settings)) data[k] = v;
  return { data, fromCatalog, toggled };
}

/**
 * The value the tool gives a variable on a cluster: platform.yaml's, else the tool's derived one, else the catalog's
 * default; undefined when none has it.
 */
export function toolValue(spec: PlatformSpec, cat: Catalog, c: ClusterModel, v: string): string | undefined {
  if (c.settings[v] !== undefined) return c.settings[v];
  if (VARIABLES[v]) return VARIABLES[v].value(c);
  if (cat.variables.has(v)) return expandDefault(cat.variables.get(v)!.default, spec.clusters, c.name);
  return undefined;
}

/** The ${VAR}s the files of the components wired on a cluster require, of the files that cluster applies. */
function usedVariables({ spec, cat, tree, filesOf }: RenderContext, cluster: string, wired: Component[]): Set<string> {
  const used = new Set<string>();
  for (const comp of wired) {
    const dir = componentDir(comp);
    // Of a component's variants/<value>/ folders the cluster builds only its own (e.g. its secret-store provider's).
    const ownVariant = comp.variantBy
      ? `${dir}/variants/${variantValue(spec, cat, cluster, comp.variantBy)}/`
      : undefined;
    for (const f of filesOf.get(comp.id)!) {
      // kustomize Components under components/ are included by apps with their own substitutions, not applied here
      if (f.startsWith(`${dir}/components/`)) continue;
      if (ownVariant && f.startsWith(`${dir}/variants/`) && !f.startsWith(ownVariant)) continue;
      for (const v of findVariables(tree.read(f)!).required) used.add(v);
    }
  }
  return used;
}

/** What talos/__cluster__/ (talhelper) needs: versions, the API host (a control-plane VIP when it is no node's IP), nodes. */
function talosData(cat: Catalog, c: ClusterModel) {
  const apiHost = new URL(c.apiEndpoint).hostname.replace(/^\[|\]$/g, '');
  const prefix = c.network.nodeCidr.split('/')[1];
  const vipFor = (n: ClusterModel['nodes'][number]) =>
    n.controlPlane && apiHost !== n.ip && c.nodes.every((m) => m.ip !== apiHost) && /^[0-9.]+$/.test(apiHost)
      ? apiHost
      : null;
  const nodes = c.nodes.map((n) => ({ ...n, address: `${n.ip}/${prefix}`, vip: vipFor(n) }));
  const openebsBasePath =
    c.settings.OPENEBS_BASEPATH ?? cat.variables.get('OPENEBS_BASEPATH')?.default ?? '/var/openebs/local';
  return {
    versions: VERSIONS,
    apiHost,
    nodes,
    gatewayIp: c.network.nodeGateway,
    kubePrismPort: KUBEPRISM_PORT,
    openebsBasePath,
  };
}

/**
 * bootstrap/__cluster__/'s helmfile releases: the same charts as the Flux HelmReleases, in bootstrap order, each
 * needing the one before, with their values files themselves (bootstrap.sh substitutes the cluster's settings at
 * bootstrap time), so there is no second copy that could drift.
 */
function bootstrapReleases(wired: Component[]) {
  const boot = wired.filter((w) => w.bootstrap !== undefined && w.chart).sort((a, b) => a.bootstrap! - b.bootstrap!);
  return boot.map((comp, i) => {
    const prev = boot[i - 1];
    return {
      name: comp.id,
      namespace: comp.namespace,
      chart: comp.chart!.url,
      version: comp.chart!.version,
      valuesFile: `../../${componentDir(comp)}/app/helm-values.yaml`,
      needs: prev ? [`${prev.namespace}/${prev.id}`] : [],
    };
  });
}
