import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { TemplateRenderer } from '../core/render';
import { Tree } from '../core/tree';
import { toYaml } from '../core/yaml';
import { Component, componentDir, foundationComponents } from '../model/components';
import type { ClusterModel, PlatformSpec } from '../model/schema';
import { findVariables, KUBEPRISM_PORT, substitute, VARIABLES } from '../model/variables';
import { UsageError } from '../core/errors';

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
  const lanes: Lane[] = [{ name: 'infrastructure', path: `${base}/infrastructure`, dependsOn: [] }];
  if (c.role === 'apps') lanes.push({ name: 'workloads', path: `${base}/workloads`, dependsOn: [{ name: 'infrastructure' }] });
  return lanes;
}

function header(lines: string[]): string {
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

/** Render one component's shared folder (the same files serve every cluster that wires it). */
function renderComponent(tree: Tree, r: TemplateRenderer, comp: Component): string[] {
  const dir = componentDir(comp);
  const data = {
    ...comp,
    appPath: `./${dir}/app`,
    valuesConfigMap: `${comp.id}-values`,
    dependsOn: comp.dependsOn.map((name) => ({ name })),
    healthChecks: comp.healthChecks.map((h) => ({ ...h, namespace: comp.namespace })),
  };
  const files: [string, string][] = [
    [`${dir}/kustomization.yaml`, 'component/kustomization.yaml'],
    [`${dir}/ks.yaml`, 'component/ks.yaml'],
    [`${dir}/app/kustomization.yaml`, 'component/app/kustomization.yaml'],
    [`${dir}/app/kustomizeconfig.yaml`, 'component/app/kustomizeconfig.yaml'],
    [`${dir}/app/ocirepository.yaml`, 'component/app/ocirepository.yaml'],
    [`${dir}/app/helmrelease.yaml`, 'component/app/helmrelease.yaml'],
    [`${dir}/app/helm-values.yaml`, comp.values],
  ];
  for (const [out, tpl] of files) tree.write(out, r.render(tpl, data));
  return files.map(([out]) => out);
}

function settingsDocument(c: ClusterModel, data: Record<string, string>): string {
  const doc = new Document({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-settings', namespace: 'flux-system' },
    data: {},
  });
  const map = doc.get('data', true) as YAMLMap;
  for (const key of Object.keys(data).sort()) {
    const pair = new Pair(new Scalar(key), new Scalar(data[key]));
    const desc = VARIABLES[key]?.description;
    const own = c.settings[key] !== undefined;
    (pair.key as Scalar).commentBefore = ` ${desc ?? 'Set in platform.yaml (clusters.' + c.name + '.settings)'}${own && desc ? ' (set in platform.yaml)' : ''}`;
    map.items.push(pair);
  }
  doc.commentBefore =
    ` Substitution variables of cluster ${c.name}: every variable its Flux Kustomizations use (postBuild.substituteFrom).\n` +
    ` Generated from platform.yaml; change a value there (clusters.${c.name}) or with --set KEY=VALUE, then regenerate.`;
  return '---\n' + doc.toString({ lineWidth: 0, indentSeq: true });
}

/**
 * Render the whole GitOps repository that platform.yaml describes into an in-memory tree.
 * Pure: reads only templates and the catalog, never the target repository.
 */
export function renderPlatform(spec: PlatformSpec, r: TemplateRenderer): RenderResult {
  const tree = new Tree();
  const settingsOut: Record<string, Record<string, string>> = {};
  const components = foundationComponents();
  const filesOf = new Map<string, string[]>();
  for (const comp of components) filesOf.set(comp.id, renderComponent(tree, r, comp));
  tree.write('.gitignore', r.render('repo/gitignore', {}));

  for (const [name, cs] of Object.entries(spec.clusters)) {
    const c: ClusterModel = { ...cs, name };
    const base = `kubernetes/clusters/${name}`;
    const lanes = lanesFor(c);
    const wired = components; // every foundation component is wired on every cluster
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
          header([
            `Components wired into the ${lane.name} lane of cluster ${name}.`,
            'A story\'s components are listed here once the story is approved on this cluster.',
          ]) +
          toYaml(list),
      );
      tree.write(`${base}/${lane.name}.yaml`, r.render('cluster/kubernetes/lane.yaml', { cluster: c, lane }));
    }

    // Settings: exactly the variables the wired manifests use, plus what platform.yaml sets.
    const used = new Set<string>();
    for (const comp of wired) {
      for (const f of filesOf.get(comp.id)!) for (const v of findVariables(tree.read(f)!).required) used.add(v);
    }
    const data: Record<string, string> = {};
    const missing: string[] = [];
    for (const v of used) {
      if (c.settings[v] !== undefined) data[v] = c.settings[v];
      else if (VARIABLES[v]) data[v] = VARIABLES[v].value(c);
      else missing.push(v);
    }
    if (missing.length) {
      throw new UsageError(`cluster ${name}: manifests use variables with no value`, missing.sort().map((m) => `\${${m}}: set clusters.${name}.settings.${m} (or --set ${m}=VALUE)`));
    }
    for (const [k, v] of Object.entries(c.settings)) data[k] = v;
    settingsOut[name] = data;
    tree.write(`${base}/cluster-settings.yaml`, settingsDocument(c, data));
    tree.write(
      `${base}/cluster-secrets.yaml`,
      r.render('cluster/kubernetes/cluster-secrets.yaml', { cluster: c, storeName: c.secretStore.provider, secretsKey: `kubernetes/${name}/cluster-secrets` }),
    );
    tree.write(`${base}/kustomization.yaml`, r.render('cluster/kubernetes/kustomization.yaml', { cluster: c, lanes }));

    // Talos (talhelper).
    const apiHost = new URL(c.apiEndpoint).hostname.replace(/^\[|\]$/g, '');
    const prefix = c.network.nodeCidr.split('/')[1];
    const nodes = c.nodes.map((n) => ({ ...n, address: `${n.ip}/${prefix}`, vip: n.controlPlane && apiHost !== n.ip && c.nodes.every((m) => m.ip !== apiHost) && /^[0-9.]+$/.test(apiHost) ? apiHost : null }));
    const talosData = { cluster: c, versions: VERSIONS, apiHost, nodes, gatewayIp: c.network.nodeGateway, kubePrismPort: KUBEPRISM_PORT };
    tree.write(`talos/${name}/talconfig.yaml`, r.render('cluster/talos/talconfig.yaml', talosData));
    tree.write(`talos/${name}/patches/cluster.yaml`, r.render('cluster/talos/patches/cluster.yaml', talosData));
    tree.write(`talos/${name}/patches/machine.yaml`, r.render('cluster/talos/patches/machine.yaml', talosData));

    // Bootstrap: the same charts and values as the Flux HelmReleases, with this cluster's settings substituted.
    const boot = wired.filter((w) => w.bootstrap !== undefined).sort((a, b) => a.bootstrap! - b.bootstrap!);
    const releases = boot.map((comp, i) => {
      const valuesPath = `${componentDir(comp)}/app/helm-values.yaml`;
      const rendered = substitute(tree.read(valuesPath)!, data, valuesPath);
      tree.write(
        `bootstrap/${name}/values/${comp.id}.yaml`,
        header([`Generated from ${valuesPath} with cluster-settings of ${name}. Do not edit: edit that file and regenerate.`]) + rendered.replace(/^---\n/, ''),
      );
      const prev = boot[i - 1];
      return {
        name: comp.id,
        namespace: comp.namespace,
        chart: comp.chart.url,
        version: comp.chart.version,
        valuesFile: `./values/${comp.id}.yaml`,
        needs: prev ? [`${prev.namespace}/${prev.id}`] : [],
      };
    });
    tree.write(`bootstrap/${name}/helmfile.yaml`, r.render('cluster/bootstrap/helmfile.yaml', { cluster: c, releases }));
  }
  return { tree, settings: settingsOut };
}
