import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { TemplateRenderer } from '../core/render';
import { Tree } from '../core/tree';
import { commentLines, toYaml } from '../core/yaml';
import { componentDir } from '../model/components';
import { catalogFor, lanesOfRole, recordedStories, renderedComponents, wiredComponents } from '../model/wiring';
import { renderComponent } from './component';
import { renderNetworkingDoc } from './networking';
import { renderPlaced } from './placed';
import { namespacePlacements } from '../model/namespaces';
import { renderSecretsDoc } from './secrets-doc';
import { renderStories } from './stories';
import type { ClusterModel, PlatformSpec } from '../model/schema';
import { findVariables, KUBEPRISM_PORT, secretKeyPrefix, VARIABLES } from '../model/variables';
import { UsageError } from '../core/errors';
import { GENERATOR_VERSION } from '../version';
import { expandDefault, type VariableDecl } from '../model/stories';
import { variantValue } from '../model/variant-settings';

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

function settingsDocument(c: ClusterModel, data: Record<string, string>, declared: Map<string, VariableDecl>, defaults: Set<string>, toggled: Map<string, string>): string {
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
    (pair.key as Scalar).commentBefore = ` ${desc ?? 'Set in platform.yaml (clusters.' + c.name + '.settings)'}${where}`;
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

/**
 * Render the whole GitOps repository that platform.yaml describes into an in-memory tree.
 * Pure: reads only templates and the catalog, never the target repository.
 */
export function renderPlatform(spec: PlatformSpec, r: TemplateRenderer): RenderResult {
  const tree = new Tree();
  const settingsOut: Record<string, Record<string, string>> = {};
  const cat = catalogFor(spec);
  const filesOf = new Map<string, string[]>();
  const nsPlacement = namespacePlacements(cat);
  for (const comp of renderedComponents(spec, cat)) filesOf.set(comp.id, renderComponent(tree, r, comp, nsPlacement.get(comp.id), (id) => cat.components.get(id)?.component));
  tree.write('.gitignore', r.render('repo/gitignore', {}));
  tree.write('.gitattributes', r.render('repo/gitattributes', {}));
  tree.write('.githooks/commit-msg', r.render('repo/githooks/commit-msg', { version: GENERATOR_VERSION }));
  tree.write('.githooks/install.sh', r.render('repo/githooks/install.sh', { version: GENERATOR_VERSION }));
  // The ids lint-commit knows (catalog + custom stories), for the hook to check offline without the tool.
  tree.write(STORY_IDS_FILE, r.render('repo/githooks/story-ids', { version: GENERATOR_VERSION, ids: [...cat.byId.keys()].sort() }));
  tree.write('.renovaterc.json5', r.render('repo/renovaterc.json5', { version: GENERATOR_VERSION }));
  if (Object.keys(spec.clusters).length) tree.write('bootstrap/render-values.sh', r.render('repo/bootstrap/render-values.sh', { version: GENERATOR_VERSION }));
  tree.write(
    'justfile',
    r.render('repo/justfile', { version: GENERATOR_VERSION, clusters: Object.keys(spec.clusters).map((name) => ({ name })), phases: BOOTSTRAP_PHASES.join(' -> ') }),
  );
  tree.write('.github/workflows/platform-check.yaml', r.render('repo/platform-check.yaml', { version: GENERATOR_VERSION, kubectlVersion: VERSIONS.kubernetes }));
  renderStories(tree, r, spec, cat, filesOf);

  const secretsDoc: Parameters<typeof renderSecretsDoc>[2] = [];
  for (const [name, cs] of Object.entries(spec.clusters)) {
    const c: ClusterModel = { ...cs, name };
    const base = `kubernetes/clusters/${name}`;
    const lanes = lanesFor(c);
    const wired = wiredComponents(spec, cat, name);
    for (const lane of lanes) {
      const members = wired.filter((w) => w.lane === lane.name);
      const list = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: members.map((m) => `../../../${m.lane}/${m.area}/${m.id}`),
      };
      tree.write(
        `${base}/${lane.name}/kustomization.yaml`,
        '---\n' +
          commentLines([
            `Components wired into the ${lane.name} lane of cluster ${name}.`,
            'A story\'s components are listed here once the story is approved on this cluster.',
          ]) +
          toYaml(list),
      );
    }

    // Settings: exactly the variables the wired manifests use, plus what platform.yaml sets.
    const used = new Set<string>();
    for (const comp of wired) {
      for (const f of filesOf.get(comp.id)!) {
        // kustomize Components under components/ are included by apps with their own substitutions, not applied here
        if (f.startsWith(`${componentDir(comp)}/components/`)) continue;
        // Of a component's variants/<value>/ folders the cluster builds only its own (e.g. its secret-store provider's).
        if (comp.variantBy && f.startsWith(`${componentDir(comp)}/variants/`) && !f.startsWith(`${componentDir(comp)}/variants/${variantValue(spec, cat, name, comp.variantBy)}/`)) continue;
        for (const v of findVariables(tree.read(f)!).required) used.add(v);
      }
    }
    const data: Record<string, string> = {};
    const missing: string[] = [];
    const fromCatalog: string[] = [];
    for (const v of used) {
      if (c.settings[v] !== undefined) data[v] = c.settings[v];
      else if (VARIABLES[v]) data[v] = VARIABLES[v].value(c);
      else if (cat.variables.has(v)) {
        data[v] = expandDefault(cat.variables.get(v)!.default, spec.clusters, name);
        fromCatalog.push(v);
      } else missing.push(v);
    }
    if (missing.length) {
      throw new UsageError(`cluster ${name}: manifests use variables with no value`, missing.sort().map((m) => `\${${m}}: set clusters.${name}.settings.${m} (or --set ${m}=VALUE)`));
    }
    const toggled = new Map<string, string>();
    // Switches of the stories approved here (unless platform.yaml sets them).
    for (const st of recordedStories(spec, cat)) {
      if (spec.stories[st.id].clusters[name] !== 'approved') continue;
      for (const v of st.variables) {
        if (v.toggle && c.settings[v.name] === undefined) {
          data[v.name] = expandDefault(v.default, spec.clusters, name);
          toggled.set(v.name, st.id);
        }
      }
    }
    for (const [k, v] of Object.entries(c.settings)) data[k] = v;
    settingsOut[name] = data;
    tree.write(`${base}/cluster-settings.yaml`, settingsDocument(c, data, cat.variables, new Set(fromCatalog), toggled));
    const alerts = wired.some((w) => w.id === FLUX_NOTIFICATIONS);
    if (alerts) tree.write(`${base}/flux-alerts.yaml`, fluxAlertDocument(name, wired));

    // Talos (talhelper).
    const apiHost = new URL(c.apiEndpoint).hostname.replace(/^\[|\]$/g, '');
    const prefix = c.network.nodeCidr.split('/')[1];
    const nodes = c.nodes.map((n) => ({ ...n, address: `${n.ip}/${prefix}`, vip: n.controlPlane && apiHost !== n.ip && c.nodes.every((m) => m.ip !== apiHost) && /^[0-9.]+$/.test(apiHost) ? apiHost : null }));
    const openebsBasePath = c.settings.OPENEBS_BASEPATH ?? cat.variables.get('OPENEBS_BASEPATH')?.default ?? '/var/openebs/local';
    const talos = { versions: VERSIONS, apiHost, nodes, gatewayIp: c.network.nodeGateway, kubePrismPort: KUBEPRISM_PORT, openebsBasePath };

    // Bootstrap: the same charts as the Flux HelmReleases, and their values files themselves (bootstrap.sh substitutes
    // the cluster's settings at bootstrap time), so there is no second copy that could drift.
    const boot = wired.filter((w) => w.bootstrap !== undefined && w.chart).sort((a, b) => a.bootstrap! - b.bootstrap!);
    const releases = boot.map((comp, i) => {
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
    // templates/cluster/ mirrors what a cluster gets: kubernetes/clusters/__cluster__/ (its entry point, secrets and
    // one __lane__.yaml per lane), talos/__cluster__/ and bootstrap/__cluster__/.
    const secrets = { storeName: c.secretStore.provider, secretsKey: `${secretKeyPrefix(c.secretStore.provider, name)}cluster-secrets` };
    const clusterData = { cluster: c, lanes, alerts, ...secrets, ...talos, releases };
    renderPlaced(tree, r, 'cluster', { cluster: name }, clusterData, { lane: lanes.map((lane) => ({ value: lane.name, data: { lane } })) });
    secretsDoc.push({ cluster: c, wired, settings: data, entryFiles: [`${base}/cluster-secrets.yaml`] });
  }
  renderNetworkingDoc(tree, r, spec, cat, settingsOut, filesOf);
  renderSecretsDoc(tree, r, secretsDoc, filesOf);
  return { tree, settings: settingsOut };
}
