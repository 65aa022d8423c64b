import * as path from 'node:path';
import { isClusterScoped } from '../core/kinds';
import type { TemplateRenderer } from '../core/render';
import type { Tree } from '../core/tree';
import { commentLines, toYaml } from '../core/yaml';
import { GIT_CREDENTIAL, storeCredentialView } from '../model/bootstrap-secrets';
import {
  type Component,
  componentDir,
  componentTemplateDir,
  defaultPlacement,
  SYSTEM_NAMESPACES,
} from '../model/components';
import { healthCheckExprsFor } from '../model/health';
import type { Placement } from '../model/layout';
import type { NamespacePlacement } from '../model/namespaces';

/** Where and how a component is rendered: its placement, and what an adopted repository's layout adds. */
export interface ComponentPlace {
  placement: Placement;
  /** The Flux Kustomization's dependsOn (default: the component's, by name in the same namespace). */
  dependsOn?: { name: string; namespace?: string }[];
  /** Values substituted besides the settings (variables the repository's settings do not declare). */
  substitute?: Record<string, string>;
  /** What wires it, for the Flux Kustomization's comment (default: the tool's lane list). */
  wiredBy?: string;
  /**
   * The variant its Flux Kustomization builds (a component with variantBy): written into spec.path, for a layout
   * whose parent Kustomization does not substitute the cluster's settings into it. Default: ${VARIABLE}.
   */
  variant?: string;
  /** Write the folder's own kustomization.yaml listing its Flux Kustomization's file (the unit a lane lists). */
  unit: boolean;
  /** The Flux Kustomization is a document of a file its cluster applies: handed here instead of written. */
  ksDocument?: (text: string) => void;
}

function kustomization(resources: string[], extra: Record<string, unknown> = {}, comment?: string): string {
  return (
    '---\n' +
    (comment ? commentLines([comment]) : '') +
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, ...extra })
  );
}

function namespaceDoc(comp: Component): string {
  const labels: Record<string, string> = {
    'kubernetes.io/metadata.name': comp.namespace,
    ...(comp.namespaceLabels ?? {}),
  };
  if (comp.podSecurity) {
    for (const mode of ['enforce', 'audit', 'warn']) labels[`pod-security.kubernetes.io/${mode}`] = comp.podSecurity;
  }
  return (
    '---\n' +
    commentLines([
      `Namespace ${comp.namespace}, declared once per cluster (components sharing it that always run with this one`,
      "leave it to this file): two Flux Kustomizations applying one Namespace would rewrite each other's labels on",
      'every reconcile. Prune is disabled so that removing this component never deletes the namespace (and everything in it).',
    ]) +
    toYaml({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: comp.namespace, labels, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } },
    })
  );
}

/** Label a namespace carries to opt in to the network-policy baseline (clusterwide policies select it). */
export const BASELINE_LABEL = 'network-policy.platform/baseline';

/**
 * The baseline's "same namespace" rule for an opted-in namespace. A clusterwide policy cannot name "the namespace of
 * the selected endpoint", so the rule is a namespaced CiliumNetworkPolicy written where the Namespace is declared
 * (it exists on exactly the clusters the namespace does): every endpoint of the namespace may talk to every other.
 */
function sameNamespacePolicyDoc(comp: Component): string | undefined {
  if (comp.namespaceLabels?.[BASELINE_LABEL] !== 'enabled') return undefined;
  return (
    '---\n' +
    commentLines([
      `Network-policy baseline, per namespace: endpoints of ${comp.namespace} talk to each other, and only to each other`,
      'beyond the clusterwide baseline (DNS, API server, scrapes). Selecting them also turns on default deny.',
    ]) +
    toYaml({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'baseline-same-namespace', namespace: comp.namespace },
      spec: {
        description: `Baseline: endpoints of namespace ${comp.namespace} talk to each other`,
        endpointSelector: {},
        enableDefaultDeny: { ingress: true, egress: true },
        ingress: [{ fromEndpoints: [{}] }],
        egress: [{ toEndpoints: [{}] }],
      },
    })
  );
}

/**
 * Render one component's shared folder kubernetes/<lane>/<area>/<id>/ (the same files serve every cluster that
 * wires it; per-cluster values arrive through ${VAR} substitution). Returns the paths written.
 */
export function renderComponent(
  tree: Tree,
  r: TemplateRenderer,
  comp: Component,
  nsPlacement: NamespacePlacement = 'app',
  lookup: (id: string) => Component | undefined = () => undefined,
  at: ComponentPlace = { placement: defaultPlacement(comp), unit: true },
): string[] {
  const { placement } = at;
  const dir = placement.dir;
  // The folder its Flux Kustomization applies (create-platform-cluster's layout: <dir>/app).
  const appDir = placement.ks.path;
  const tpl = componentTemplateDir(comp);
  const written: string[] = [];
  const put = (p: string, content: string) => {
    tree.write(p, content);
    written.push(p);
  };
  const variants = comp.variantBy ? r.dirs(`${tpl}/variants`) : [];
  if (comp.variantBy && variants.length === 0)
    throw new Error(
      `component ${comp.id}: variantBy ${comp.variantBy} but no template folder ${tpl}/variants/<value>/`,
    );
  const appPath = comp.source
    ? comp.source.path
    : comp.variantBy
      ? `./${dir}/variants/${at.variant ?? `\${${comp.variantBy}}`}`
      : `./${appDir}`;
  const data = {
    ...comp,
    chart: comp.chart ?? null,
    source: comp.source ?? null,
    timeout: comp.timeout ?? null,
    appPath,
    sourceName: comp.source ? comp.id : 'flux-system',
    // GitRepository spec.ignore uses gitignore rules, matched from the repository root: "/kubernetes", never "./kubernetes".
    sourceIgnorePath: comp.source ? '/' + comp.source.path.replace(/^\.?\/+/, '').replace(/\/+$/, '') : null,
    wait: false,
    valuesConfigMap: `${comp.id}-values`,
    dependsOn: at.dependsOn ?? comp.dependsOn.map((name) => ({ name })),
    gitCredential: GIT_CREDENTIAL,
    healthChecks: comp.healthChecks.map((h) =>
      isClusterScoped(h.kind) ? { ...h } : { ...h, namespace: comp.namespace },
    ),
    healthCheckExprs: healthCheckExprsFor(comp.healthChecks),
    substitute: at.substitute ? { ...comp.substitute, ...at.substitute } : (comp.substitute ?? null),
    ksName: placement.ks.name,
    ksNamespace: placement.ks.namespace,
    wiredBy: at.wiredBy ?? null,
    // A Secret of settings may be absent (the default layout's cluster-secrets): substitution then skips it.
    substituteFrom: placement.substituteFrom.map((f) => (f.kind === 'Secret' ? { ...f, optional: true } : f)),
  };
  const ksTimeout = comp.timeout ?? '10m';

  // The Flux Kustomization's own file as the layout names it (ks.yaml here; app.ks.yaml in mirceanton/home-ops).
  const top = [`./${path.posix.relative(dir, placement.ks.file)}`];
  if (comp.source) {
    put(`${dir}/gitrepository.yaml`, r.render('component/gitrepository.yaml', data));
    top.push('./gitrepository.yaml');
    // Upstream manifests bring no Namespace of ours: the lane creates it next to the Kustomization.
    if (!SYSTEM_NAMESPACES.has(comp.namespace) && nsPlacement !== 'none') {
      put(`${dir}/namespace.yaml`, namespaceDoc(comp));
      top.push('./namespace.yaml');
    }
  }
  if (!comp.source && !SYSTEM_NAMESPACES.has(comp.namespace) && nsPlacement === 'lane') {
    // Components always wired with this one share its namespace without depending on it: the lane applies the
    // Namespace together with their Flux Kustomizations, so it exists before any of them starts.
    put(`${dir}/namespace.yaml`, namespaceDoc(comp));
    top.push('./namespace.yaml');
    const policy = sameNamespacePolicyDoc(comp);
    if (policy) {
      put(`${dir}/networkpolicy-baseline-same-namespace.yaml`, policy);
      top.push('./networkpolicy-baseline-same-namespace.yaml');
    }
  }
  if (at.unit)
    put(
      `${dir}/kustomization.yaml`,
      kustomization(
        top,
        {},
        'The unit a cluster wires: the Flux Kustomization (and its source), never ./app directly.',
      ),
    );
  const ks = r.render('component/ks.yaml', {
    ...data,
    timeout: ksTimeout,
    postBuild: Boolean(data.substitute) || data.substituteFrom.length > 0,
  });
  if (at.ksDocument) at.ksDocument(ks);
  else put(placement.ks.file, ks);
  if (comp.source) return written;

  const resources: string[] = [];
  const extra: Record<string, unknown> = {};
  if (!SYSTEM_NAMESPACES.has(comp.namespace) && nsPlacement === 'app') {
    put(`${appDir}/namespace.yaml`, namespaceDoc(comp));
    resources.push('./namespace.yaml');
    const policy = sameNamespacePolicyDoc(comp);
    if (policy) {
      put(`${appDir}/networkpolicy-baseline-same-namespace.yaml`, policy);
      resources.push('./networkpolicy-baseline-same-namespace.yaml');
    }
  }
  if (comp.chart) {
    const repoFile = comp.chart.repoType === 'oci' ? 'ocirepository.yaml' : 'helmrepository.yaml';
    put(`${appDir}/${repoFile}`, r.render(`component/app/${repoFile}`, data));
    put(`${appDir}/helmrelease.yaml`, r.render('component/app/helmrelease.yaml', data));
    put(`${appDir}/kustomizeconfig.yaml`, r.render('component/app/kustomizeconfig.yaml', data));
    const valuesTpl =
      comp.values ??
      (r.exists(`${tpl}/helm-values.yaml`) ? `${tpl}/helm-values.yaml` : 'component/app/helm-values.yaml');
    put(`${appDir}/helm-values.yaml`, r.render(valuesTpl, data));
    resources.push(`./${repoFile}`, './helmrelease.yaml');
    extra.configMapGenerator = [{ name: data.valuesConfigMap, files: ['values.yaml=./helm-values.yaml'] }];
    extra.configurations = ['./kustomizeconfig.yaml'];
  }
  for (const f of r.files(`${tpl}/app`)) {
    if (resources.includes(`./${f}`))
      throw new Error(`component ${comp.id}: template ${tpl}/app/${f} would replace a file the tool writes`);
    put(`${appDir}/${f}`, r.render(`${tpl}/app/${f}`, data));
    resources.push(`./${f}`);
  }
  if (comp.includes?.length) {
    extra.components = comp.includes.map((inc) => {
      const other = lookup(inc.component);
      if (!other)
        throw new Error(
          `component ${comp.id}: includes ${inc.component}/${inc.path}, but there is no component ${inc.component}`,
        );
      return path.posix.relative(appDir, `${componentDir(other)}/${inc.path}`);
    });
  }
  put(`${appDir}/kustomization.yaml`, kustomization(resources, extra));

  for (const v of variants) {
    const files = r.files(`${tpl}/variants/${v}`);
    // Secret-store variants read their bootstrap credential (Secret, keys) from the data bootstrap/README.md is
    // rendered from (src/model/bootstrap-secrets.ts), so the store and the bootstrap instructions cannot disagree.
    const variantData =
      comp.variantBy === 'EXTERNAL_SECRET_STORE' ? { ...data, credential: storeCredentialView(v) } : data;
    for (const f of files) put(`${dir}/variants/${v}/${f}`, r.render(`${tpl}/variants/${v}/${f}`, variantData));
    put(
      `${dir}/variants/${v}/kustomization.yaml`,
      kustomization(
        [path.posix.relative(`${dir}/variants/${v}`, appDir), ...files.map((f) => `./${f}`)],
        {},
        `Built for a cluster whose ${comp.variantBy} is ${v}; includes ../../app.`,
      ),
    );
  }
  // kustomize Components shipped with the component (included by apps, never wired as resources).
  for (const f of r.walk(`${tpl}/components`)) put(`${dir}/components/${f}`, r.render(`${tpl}/components/${f}`, data));
  return written;
}
