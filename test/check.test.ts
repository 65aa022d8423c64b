// platform-kit check against three realistic repositories: a clean version of each must give no errors (and only the
// warnings/info listed here), and every seeded defect must be reported with its code, severity, cluster, file and line.
//
//   home-ops      test/fixtures/check/home-ops/clean      onedr0p/home-ops style, one cluster ("cluster")
//   flux-example  test/fixtures/check/flux-example/clean  fluxcd/flux2-kustomize-helm-example style, clusters/staging + production
//   ours          generated in beforeAll with createClusters + addStories (infra + apps)
//
// A defect is a small edit of a temp copy of the clean version (DEFECTS below), so every defect is explicit and
// independent of the others. Each expected place carries the text of that line, checked before the finding is.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, Finding } from '../src';
import { addStories, addStory, check, createClusters } from '../src';
import { cli, ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const FIXTURES = path.join(__dirname, 'fixtures', 'check');

type Layout = 'home-ops' | 'flux-example' | 'ours';

/** Stories of the generated repository: two approved leaves with their dependencies, and one draft with its own component. */
const OURS_APPROVED = [
  'STORY-BOOT-TALOS',
  'STORY-BOOT-CRDS',
  'STORY-BOOT-CORE',
  'STORY-GITOPS-SELF-MGMT-FLUX',
  'STORY-OPS-RELOADER-ALL-CLUSTERS',
  'STORY-NET-CILIUM-CORE-GITOPS',
  'STORY-NET-CILIUM-IPAM',
];
const OURS_DRAFT = 'STORY-NET-CILIUM-GATEWAY';

let oursRepo = '';

const LAYOUTS: Record<Layout, { src: () => string; clusterPaths?: string[]; clusters: string[] }> = {
  'home-ops': {
    src: () => path.join(FIXTURES, 'home-ops', 'clean'),
    clusterPaths: ['kubernetes/flux/cluster'],
    clusters: ['cluster'],
  },
  'flux-example': {
    src: () => path.join(FIXTURES, 'flux-example', 'clean'),
    clusterPaths: ['clusters/*'],
    clusters: ['production', 'staging'],
  },
  ours: { src: () => oursRepo, clusters: ['apps', 'infra'] },
};

// ---------------------------------------------------------------------------------------------------------------
// Edits and expectations

type Edit =
  /** Replace `replace` by `with` (it must occur exactly once). */
  | { file: string; replace: string; with: string }
  /** Write a new file (or overwrite one). */
  | { file: string; write: string }
  /** Copy a file or folder of the copy to a new place. */
  | { copy: string; to: string };

interface Place {
  file: string;
  line: number;
  /** Text on that line of the edited copy (guards the line number against fixture drift). */
  text: string;
}

interface Expected extends Partial<Place> {
  code: string;
  severity: 'error' | 'warning' | 'info';
  /** Omitted for repository-wide findings (UNREACHABLE_KUSTOMIZATION), which carry no cluster. */
  cluster?: string;
  /** Instead of file/line: any of these places is right (a cycle has no one offending edge). */
  oneOf?: Place[];
  message?: RegExp;
}

interface Defect {
  name: string;
  layout: Layout;
  edits: Edit[];
  expect: Expected[];
  /** Other error codes this defect rightly causes too (anything else is a failure). */
  alsoErrors?: string[];
  build?: boolean;
}

function copyOf(layout: Layout): string {
  const dir = path.join(tmpDir('cpc-check-'), layout);
  fs.cpSync(LAYOUTS[layout].src(), dir, { recursive: true });
  return dir;
}

function applyEdits(dir: string, edits: Edit[]): void {
  for (const e of edits) {
    if ('copy' in e) {
      fs.cpSync(path.join(dir, e.copy), path.join(dir, e.to), { recursive: true });
    } else if ('write' in e) {
      fs.mkdirSync(path.dirname(path.join(dir, e.file)), { recursive: true });
      fs.writeFileSync(path.join(dir, e.file), e.write);
    } else {
      const abs = path.join(dir, e.file);
      const text = fs.readFileSync(abs, 'utf8');
      const n = text.split(e.replace).length - 1;
      if (n !== 1)
        throw new Error(`edit of ${e.file}: ${JSON.stringify(e.replace)} occurs ${n} times (want exactly 1)`);
      fs.writeFileSync(
        abs,
        text.replace(e.replace, () => e.with),
      );
    }
  }
}

function lineText(dir: string, p: Place): string {
  return fs.readFileSync(path.join(dir, p.file), 'utf8').split('\n')[p.line - 1] ?? '';
}

async function run(dir: string, layout: Layout, build = false): Promise<CheckResult> {
  return check({ dir, clusterPaths: LAYOUTS[layout].clusterPaths, build });
}

const show = (fs_: Finding[]) =>
  fs_
    .map((f) => `${f.severity} ${f.code} [${f.cluster ?? '-'}] ${f.file ?? '-'}:${f.line ?? '-'} ${f.message}`)
    .join('\n');
const brief = (f: Finding) => ({ code: f.code, severity: f.severity, cluster: f.cluster, file: f.file, line: f.line });
const byPlace = (a: ReturnType<typeof brief>, b: ReturnType<typeof brief>) =>
  `${a.code}|${a.cluster}|${a.file}|${String(a.line).padStart(5)}`.localeCompare(
    `${b.code}|${b.cluster}|${b.file}|${String(b.line).padStart(5)}`,
  );

// ---------------------------------------------------------------------------------------------------------------
// The defects

const HO_ECHO_KS = 'kubernetes/apps/default/echo/ks.yaml';
const HO_ECHO_HR = 'kubernetes/apps/default/echo/app/helmrelease.yaml';
const HO_CM_KS = 'kubernetes/apps/cert-manager/cert-manager/ks.yaml';
const HO_ROOT_KS = 'kubernetes/flux/cluster/ks.yaml';
const HO_DEFAULT_K = 'kubernetes/apps/default/kustomization.yaml';

/** A second app made by copying echo: its own folder and ks.yaml (metadata.name as given). */
function whoami(ksName: string): Edit[] {
  return [
    { copy: 'kubernetes/apps/default/echo', to: 'kubernetes/apps/default/whoami' },
    { file: 'kubernetes/apps/default/whoami/ks.yaml', replace: 'name: &app echo', with: `name: &app ${ksName}` },
    {
      file: 'kubernetes/apps/default/whoami/ks.yaml',
      replace: 'path: ./kubernetes/apps/default/echo/app',
      with: 'path: ./kubernetes/apps/default/whoami/app',
    },
    {
      file: 'kubernetes/apps/default/whoami/app/helmrelease.yaml',
      replace: 'name: &app echo',
      with: 'name: &app whoami',
    },
    { file: 'kubernetes/apps/default/whoami/app/helmrelease.yaml', replace: '      echo:\n', with: '      whoami:\n' },
  ];
}

const FE_STAGING_APPS = 'clusters/staging/apps.yaml';
const FE_PROD_APPS = 'clusters/production/apps.yaml';
const FE_PROD_INFRA = 'clusters/production/infrastructure.yaml';
const FE_BASE_RELEASE = 'apps/base/podinfo/release.yaml';
const FE_ISSUERS = 'infrastructure/configs/cluster-issuers.yaml';

const OURS_INFRA_LANE = 'kubernetes/clusters/infra/infrastructure/kustomization.yaml';
const OURS_APPS_LANE = 'kubernetes/clusters/apps/infrastructure/kustomization.yaml';
const OURS_RELOADER = 'kubernetes/infrastructure/operations/reloader';

const DEFECTS: Defect[] = [
  // ---- home-ops ------------------------------------------------------------------------------------------------
  {
    name: 'a misspelt variable in an app',
    layout: 'home-ops',
    edits: [{ file: HO_ECHO_HR, replace: 'TZ: ${TIMEZONE}', with: 'TZ: ${TIME_ZONE}' }],
    expect: [
      {
        code: 'VAR_UNDEFINED',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_HR,
        line: 34,
        text: '${TIME_ZONE}',
      },
    ],
  },
  {
    name: "${APP} in an app's ks.yaml (substituted by cluster-apps, which has no APP)",
    layout: 'home-ops',
    edits: [
      {
        file: HO_ECHO_KS,
        replace: '  timeout: 5m\n',
        with:
          '  timeout: 5m\n  healthChecks:\n    - apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: ' +
          'HelmRelease\n      name: ${APP}\n      namespace: default\n',
      },
    ],
    expect: [
      {
        code: 'VAR_UNDEFINED',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_KS,
        line: 27,
        text: 'name: ${APP}',
        message: /cluster-apps/,
      },
    ],
  },
  {
    name: 'a variable under a Kustomization without postBuild',
    layout: 'home-ops',
    edits: [
      {
        file: 'kubernetes/apps/kube-system/metrics-server/app/helmrelease.yaml',
        replace: '      - --kubelet-insecure-tls\n',
        with: '      - --kubelet-insecure-tls\n      - --cert-dir=/tmp/${CLUSTER_NAME}\n',
      },
    ],
    expect: [
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'error',
        cluster: 'cluster',
        file: 'kubernetes/apps/kube-system/metrics-server/app/helmrelease.yaml',
        line: 26,
        text: '${CLUSTER_NAME}',
      },
    ],
  },
  {
    name: 'dependsOn a misspelt name',
    layout: 'home-ops',
    edits: [{ file: HO_ECHO_KS, replace: '- name: cert-manager-issuers', with: '- name: cert-manager-issuer' }],
    expect: [
      {
        code: 'DEPENDS_ON_MISSING',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_KS,
        line: 14,
        text: '- name: cert-manager-issuer',
      },
    ],
  },
  {
    name: 'dependsOn the right name in the wrong namespace',
    layout: 'home-ops',
    edits: [
      {
        file: HO_ECHO_KS,
        replace: '    - name: cert-manager-issuers\n',
        with: '    - name: cert-manager-issuers\n      namespace: cert-manager\n',
      },
    ],
    expect: [
      {
        code: 'DEPENDS_ON_MISSING',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_KS,
        line: 14,
        text: '- name: cert-manager-issuers',
        message: /cert-manager\/cert-manager-issuers/,
      },
    ],
  },
  {
    name: 'cert-manager and its issuers wait for each other',
    layout: 'home-ops',
    edits: [
      {
        file: HO_CM_KS,
        replace: '  path: ./kubernetes/apps/cert-manager/cert-manager/app\n',
        with: '  dependsOn:\n    - name: cert-manager-issuers\n  path: ./kubernetes/apps/cert-manager/cert-manager/app\n',
      },
    ],
    expect: [
      {
        code: 'DEPENDENCY_CYCLE',
        severity: 'error',
        cluster: 'cluster',
        oneOf: [
          { file: HO_CM_KS, line: 14, text: '- name: cert-manager-issuers' },
          { file: HO_CM_KS, line: 42, text: '- name: cert-manager' },
        ],
      },
    ],
  },
  {
    name: 'cluster-apps waits for an app it applies itself',
    layout: 'home-ops',
    edits: [
      {
        file: HO_ROOT_KS,
        replace: '    - name: cluster-meta\n',
        with: '    - name: cluster-meta\n    - name: cilium\n',
      },
    ],
    expect: [
      {
        code: 'WAITS_ON_OWN_SUBTREE',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ROOT_KS,
        line: 30,
        text: '- name: cilium',
      },
    ],
  },
  {
    name: 'spec.path with a typo',
    layout: 'home-ops',
    edits: [
      {
        file: HO_ECHO_KS,
        replace: 'path: ./kubernetes/apps/default/echo/app',
        with: 'path: ./kubernetes/apps/default/echo/ap',
      },
    ],
    expect: [
      {
        code: 'PATH_MISSING',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_KS,
        line: 15,
        text: 'path: ./kubernetes/apps/default/echo/ap',
      },
    ],
  },
  {
    name: 'a namespace kustomization lists an app that is not there',
    layout: 'home-ops',
    edits: [
      { file: HO_DEFAULT_K, replace: '  - ./echo/ks.yaml\n', with: '  - ./echo/ks.yaml\n  - ./whoami/ks.yaml\n' },
    ],
    expect: [
      {
        code: 'RESOURCE_MISSING',
        severity: 'error',
        cluster: 'cluster',
        file: HO_DEFAULT_K,
        line: 8,
        text: './whoami/ks.yaml',
      },
    ],
  },
  {
    name: 'an app copied from echo keeps the name echo',
    layout: 'home-ops',
    edits: [
      ...whoami('echo'),
      { file: HO_DEFAULT_K, replace: '  - ./echo/ks.yaml\n', with: '  - ./echo/ks.yaml\n  - ./whoami/ks.yaml\n' },
    ],
    expect: [
      {
        code: 'DUPLICATE_KUSTOMIZATION',
        severity: 'error',
        cluster: 'cluster',
        file: 'kubernetes/apps/default/whoami/ks.yaml',
        line: 3,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
    // Both copies are in the build of cluster-apps: kustomize itself fails on the second one too.
    alsoErrors: ['DUPLICATE_OBJECT'],
  },
  {
    name: 'a second CiliumLoadBalancerIPPool with the same name in one build',
    layout: 'home-ops',
    edits: [
      {
        file: 'kubernetes/apps/kube-system/cilium/app/kustomization.yaml',
        replace: '  - ./networks.yaml\n',
        with: '  - ./networks.yaml\n  - ./pool-iot.yaml\n',
      },
      {
        file: 'kubernetes/apps/kube-system/cilium/app/pool-iot.yaml',
        write:
          '---\napiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: pool\nspec:\n  blocks:\n    - cidr: 192.168.50.0/28\n',
      },
    ],
    expect: [
      {
        code: 'DUPLICATE_OBJECT',
        severity: 'error',
        cluster: 'cluster',
        file: 'kubernetes/apps/kube-system/cilium/app/pool-iot.yaml',
        line: 2,
        text: 'apiVersion: cilium.io/v2',
      },
    ],
  },
  {
    name: 'an app folder nobody lists',
    layout: 'home-ops',
    edits: whoami('whoami'),
    expect: [
      {
        code: 'UNREACHABLE_KUSTOMIZATION',
        severity: 'warning',
        file: 'kubernetes/apps/default/whoami/ks.yaml',
        line: 3,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
  },
  {
    name: 'spec.dependson (wrong case) in a Flux Kustomization',
    layout: 'home-ops',
    edits: [{ file: HO_ECHO_KS, replace: '  dependsOn:\n', with: '  dependson:\n' }],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'cluster',
        file: HO_ECHO_KS,
        line: 13,
        text: 'dependson:',
        message: /dependson/,
      },
    ],
  },
  {
    name: 'a misspelt field inside a list item (healthChecks[0])',
    layout: 'home-ops',
    edits: [{ file: HO_CM_KS, replace: '      namespace: *namespace\n', with: '      namspace: *namespace\n' }],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'cluster',
        file: HO_CM_KS,
        line: 26,
        text: 'namspace:',
        message: /namspace/,
      },
    ],
  },
  {
    name: 'a misspelt field of a core object (Namespace metadata.anotations)',
    layout: 'home-ops',
    edits: [
      { file: 'kubernetes/apps/cert-manager/namespace.yaml', replace: '  annotations:\n', with: '  anotations:\n' },
    ],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'cluster',
        file: 'kubernetes/apps/cert-manager/namespace.yaml',
        line: 6,
        text: 'anotations:',
        message: /anotations/,
      },
    ],
  },
  {
    name: 'a tab in the indentation of a HelmRelease',
    layout: 'home-ops',
    edits: [{ file: HO_ECHO_HR, replace: '        replicas: 2\n', with: '\treplicas: 2\n' }],
    expect: [{ code: 'YAML_INVALID', severity: 'error', file: HO_ECHO_HR, line: 24, text: '\treplicas: 2' }],
  },

  // ---- flux-example --------------------------------------------------------------------------------------------
  {
    name: 'apps dependsOn the old name "infrastructure"',
    layout: 'flux-example',
    edits: [{ file: FE_STAGING_APPS, replace: '    - name: infra-configs\n', with: '    - name: infrastructure\n' }],
    expect: [
      {
        code: 'DEPENDS_ON_MISSING',
        severity: 'error',
        cluster: 'staging',
        file: FE_STAGING_APPS,
        line: 9,
        text: '- name: infrastructure',
      },
    ],
  },
  {
    name: 'infra-controllers waits for apps (apps -> infra-configs -> infra-controllers -> apps)',
    layout: 'flux-example',
    edits: [
      {
        file: FE_PROD_INFRA,
        replace: '  name: infra-controllers\n  namespace: flux-system\nspec:\n',
        with: '  name: infra-controllers\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: apps\n',
      },
    ],
    expect: [
      {
        code: 'DEPENDENCY_CYCLE',
        severity: 'error',
        cluster: 'production',
        oneOf: [
          { file: FE_PROD_INFRA, line: 8, text: '- name: apps' },
          { file: FE_PROD_INFRA, line: 26, text: '- name: infra-controllers' },
          { file: FE_PROD_APPS, line: 9, text: '- name: infra-configs' },
        ],
      },
    ],
  },
  {
    name: 'apps path ./apps/prod (the folder is apps/production)',
    layout: 'flux-example',
    edits: [{ file: FE_PROD_APPS, replace: 'path: ./apps/production', with: 'path: ./apps/prod' }],
    expect: [
      {
        code: 'PATH_MISSING',
        severity: 'error',
        cluster: 'production',
        file: FE_PROD_APPS,
        line: 13,
        text: 'path: ./apps/prod',
      },
    ],
  },
  {
    name: 'an overlay lists a base that does not exist',
    layout: 'flux-example',
    edits: [
      {
        file: 'apps/production/kustomization.yaml',
        replace: '  - ../base/podinfo\n',
        with: '  - ../base/podinfo\n  - ../base/redis\n',
      },
    ],
    expect: [
      {
        code: 'RESOURCE_MISSING',
        severity: 'error',
        cluster: 'production',
        file: 'apps/production/kustomization.yaml',
        line: 5,
        text: '../base/redis',
      },
    ],
  },
  {
    name: 'a misspelt variable in an overlay patch',
    layout: 'flux-example',
    edits: [
      {
        file: 'apps/staging/podinfo-values.yaml',
        replace: 'podinfo.${CLUSTER_DOMAIN}',
        with: 'podinfo.${CLUSTER_DOMAINS}',
      },
    ],
    expect: [
      {
        code: 'VAR_UNDEFINED',
        severity: 'error',
        cluster: 'staging',
        file: 'apps/staging/podinfo-values.yaml',
        line: 16,
        text: '${CLUSTER_DOMAINS}',
      },
    ],
  },
  {
    name: 'an unknown variable in the shared base (both clusters)',
    layout: 'flux-example',
    edits: [
      { file: FE_BASE_RELEASE, replace: '      className: nginx\n', with: '      className: ${INGRESS_CLASS}\n' },
    ],
    expect: [
      {
        code: 'VAR_UNDEFINED',
        severity: 'error',
        cluster: 'production',
        file: FE_BASE_RELEASE,
        line: 27,
        text: '${INGRESS_CLASS}',
      },
      {
        code: 'VAR_UNDEFINED',
        severity: 'error',
        cluster: 'staging',
        file: FE_BASE_RELEASE,
        line: 27,
        text: '${INGRESS_CLASS}',
      },
    ],
  },
  {
    // CLUSTER_DOMAIN is a value of cluster-vars: the author meant it, and infra-configs has no postBuild.
    name: 'a cluster variable in infra-configs, which has no postBuild',
    layout: 'flux-example',
    edits: [
      {
        file: FE_ISSUERS,
        replace: 'email: fluxcdbot@users.noreply.github.com',
        with: 'email: admin@${CLUSTER_DOMAIN}',
      },
    ],
    expect: [
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'error',
        cluster: 'production',
        file: FE_ISSUERS,
        line: 9,
        text: '${CLUSTER_DOMAIN}',
      },
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'error',
        cluster: 'staging',
        file: FE_ISSUERS,
        line: 9,
        text: '${CLUSTER_DOMAIN}',
      },
    ],
  },
  {
    // A name no substitution source defines may be the application's own templating: Flux applies it as written; info.
    name: 'a variable no source defines in infra-configs, which has no postBuild',
    layout: 'flux-example',
    edits: [{ file: FE_ISSUERS, replace: 'email: fluxcdbot@users.noreply.github.com', with: 'email: ${ACME_EMAIL}' }],
    expect: [
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'info',
        cluster: 'production',
        file: FE_ISSUERS,
        line: 9,
        text: '${ACME_EMAIL}',
      },
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'info',
        cluster: 'staging',
        file: FE_ISSUERS,
        line: 9,
        text: '${ACME_EMAIL}',
      },
    ],
  },
  {
    name: 'monitoring.yaml copied from infrastructure.yaml keeps the name infra-controllers',
    layout: 'flux-example',
    edits: [
      {
        file: 'clusters/staging/monitoring.yaml',
        write:
          'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ' +
          'infra-controllers\n  namespace: flux-system\nspec:\n  interval: 1h\n  sourceRef:\n    kind: ' +
          'GitRepository\n    name: flux-system\n  path: ./infrastructure/controllers\n  prune: true\n',
      },
    ],
    expect: [
      {
        code: 'DUPLICATE_KUSTOMIZATION',
        severity: 'error',
        cluster: 'staging',
        file: 'clusters/staging/monitoring.yaml',
        line: 1,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
    // Both are in the (generated) build of clusters/staging: kustomize itself fails on the second one too.
    alsoErrors: ['DUPLICATE_OBJECT'],
  },
  {
    name: 'a second ingress controller copied with the same Namespace and HelmRepository',
    layout: 'flux-example',
    edits: [
      {
        file: 'infrastructure/controllers/kustomization.yaml',
        replace: '  - ingress-nginx.yaml\n',
        with: '  - ingress-nginx.yaml\n  - ingress-nginx-internal.yaml\n',
      },
      {
        copy: 'infrastructure/controllers/ingress-nginx.yaml',
        to: 'infrastructure/controllers/ingress-nginx-internal.yaml',
      },
      {
        file: 'infrastructure/controllers/ingress-nginx-internal.yaml',
        replace: 'kind: HelmRelease\nmetadata:\n  name: ingress-nginx\n',
        with: 'kind: HelmRelease\nmetadata:\n  name: ingress-nginx-internal\n',
      },
    ],
    expect: [
      {
        code: 'DUPLICATE_OBJECT',
        severity: 'error',
        cluster: 'staging',
        file: 'infrastructure/controllers/ingress-nginx-internal.yaml',
        line: 2,
        text: 'apiVersion: v1',
      },
      {
        code: 'DUPLICATE_OBJECT',
        severity: 'error',
        cluster: 'staging',
        file: 'infrastructure/controllers/ingress-nginx-internal.yaml',
        line: 9,
        text: 'apiVersion: source.toolkit.fluxcd.io/v1',
      },
      {
        code: 'DUPLICATE_OBJECT',
        severity: 'error',
        cluster: 'production',
        file: 'infrastructure/controllers/ingress-nginx-internal.yaml',
        line: 2,
        text: 'apiVersion: v1',
      },
    ],
  },
  {
    name: 'patchesJson6902 in a Flux v1 Kustomization (removed in v1)',
    layout: 'flux-example',
    edits: [{ file: FE_PROD_INFRA, replace: '  patches:\n', with: '  patchesJson6902:\n' }],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'production',
        file: FE_PROD_INFRA,
        line: 33,
        text: 'patchesJson6902:',
        message: /patchesJson6902/,
      },
    ],
  },
  {
    name: 'a misspelt ClusterIssuer field (cert-manager model)',
    layout: 'flux-example',
    edits: [{ file: FE_ISSUERS, replace: '    privateKeySecretRef:\n', with: '    privateKeySecretReference:\n' }],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'production',
        file: FE_ISSUERS,
        line: 12,
        text: 'privateKeySecretReference:',
        message: /privateKeySecretReference/,
      },
    ],
  },
  {
    name: 'staging reuses the CLUSTER_ID of production',
    layout: 'flux-example',
    edits: [{ file: 'clusters/staging/cluster-vars.yaml', replace: 'CLUSTER_ID: "1"', with: 'CLUSTER_ID: "2"' }],
    expect: [
      {
        code: 'CLUSTER_ID_REUSED',
        severity: 'error',
        cluster: 'staging',
        file: 'clusters/staging/cluster-vars.yaml',
        line: 11,
        text: 'CLUSTER_ID: "2"',
      },
    ],
  },
  {
    name: 'meshed clusters (CLUSTERMESH_ENABLED) with overlapping pod ranges',
    layout: 'flux-example',
    edits: [
      {
        file: 'clusters/staging/cluster-vars.yaml',
        replace: 'POD_CIDR: 10.42.0.0/16',
        with: 'POD_CIDR: 10.52.128.0/17\n  CLUSTERMESH_ENABLED: "true"',
      },
      {
        file: 'clusters/production/cluster-vars.yaml',
        replace: 'POD_CIDR: 10.52.0.0/16',
        with: 'POD_CIDR: 10.52.0.0/16\n  CLUSTERMESH_ENABLED: "true"',
      },
    ],
    expect: [
      {
        code: 'CIDR_OVERLAP',
        severity: 'error',
        cluster: 'staging',
        file: 'clusters/staging/cluster-vars.yaml',
        line: 12,
        text: 'POD_CIDR: 10.52.128.0/17',
      },
    ],
  },
  {
    name: 'an overlay patch without target (the patch has no namespace): kustomize fails',
    layout: 'flux-example',
    build: true,
    edits: [
      {
        file: 'apps/staging/kustomization.yaml',
        replace: '  - path: podinfo-values.yaml\n    target:\n      kind: HelmRelease\n',
        with: '  - path: podinfo-values.yaml\n',
      },
    ],
    expect: [
      {
        code: 'BUILD_FAILED',
        severity: 'error',
        cluster: 'staging',
        file: FE_STAGING_APPS,
        line: 13,
        text: 'path: ./apps/staging',
        message: /no resource matches strategic merge patch/,
      },
    ],
  },
  {
    name: 'a Flux Kustomization file that no cluster folder includes',
    layout: 'flux-example',
    edits: [
      {
        file: 'infrastructure/monitoring.yaml',
        write:
          '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ' +
          'monitoring-configs\n  namespace: flux-system\nspec:\n  interval: 1h\n  sourceRef:\n    kind: ' +
          'GitRepository\n    name: flux-system\n  path: ./infrastructure/configs\n  prune: true\n',
      },
    ],
    expect: [
      {
        code: 'UNREACHABLE_KUSTOMIZATION',
        severity: 'warning',
        file: 'infrastructure/monitoring.yaml',
        line: 2,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
  },

  // ---- ours (generated) ----------------------------------------------------------------------------------------
  {
    name: "a draft story's component listed in a lane",
    layout: 'ours',
    edits: [
      {
        file: OURS_INFRA_LANE,
        replace: '  - ../../../infrastructure/networking/cilium-lb-ipam\n',
        with: '  - ../../../infrastructure/networking/cilium-lb-ipam\n  - ../../../infrastructure/networking/cilium-gateway\n',
      },
    ],
    expect: [
      {
        code: 'DRAFT_WIRED',
        severity: 'error',
        cluster: 'infra',
        file: OURS_INFRA_LANE,
        line: 14,
        text: 'cilium-gateway',
        message: /STORY-NET-CILIUM-GATEWAY/,
      },
    ],
  },
  {
    name: "an approved story's component taken out of a lane",
    layout: 'ours',
    edits: [{ file: OURS_APPS_LANE, replace: '  - ../../../infrastructure/operations/reloader\n', with: '' }],
    // The missing entry has no line of its own: the lane's resources list (or the top of the lane file) is the place.
    expect: [
      {
        code: 'APPROVED_NOT_WIRED',
        severity: 'error',
        cluster: 'apps',
        message: /reloader/,
        oneOf: [
          { file: OURS_APPS_LANE, line: 6, text: 'resources:' },
          { file: OURS_APPS_LANE, line: 1, text: '---' },
        ],
      },
    ],
  },
  {
    name: 'infra reuses the CLUSTER_ID of apps',
    layout: 'ours',
    edits: [
      { file: 'kubernetes/clusters/infra/cluster-settings.yaml', replace: 'CLUSTER_ID: "1"', with: 'CLUSTER_ID: "2"' },
    ],
    expect: [
      {
        code: 'CLUSTER_ID_REUSED',
        severity: 'error',
        cluster: 'infra',
        file: 'kubernetes/clusters/infra/cluster-settings.yaml',
        line: 16,
        text: 'CLUSTER_ID: "2"',
      },
    ],
  },
  {
    name: 'infra pods in a range that overlaps apps pods',
    layout: 'ours',
    // ClusterMesh on both (the approved cilium-clustermesh story would do the same): only meshed clusters must not overlap.
    edits: [
      {
        file: 'kubernetes/clusters/infra/cluster-settings.yaml',
        replace: 'POD_CIDR: 10.244.0.0/16',
        with: 'POD_CIDR: 10.246.128.0/17\n  CLUSTERMESH_ENABLED: "true"',
      },
      {
        file: 'kubernetes/clusters/apps/cluster-settings.yaml',
        replace: 'POD_CIDR: 10.246.0.0/16',
        with: 'POD_CIDR: 10.246.0.0/16\n  CLUSTERMESH_ENABLED: "true"',
      },
    ],
    expect: [
      {
        code: 'CIDR_OVERLAP',
        severity: 'error',
        cluster: 'infra',
        file: 'kubernetes/clusters/infra/cluster-settings.yaml',
        line: 38,
        text: 'POD_CIDR: 10.246.128.0/17',
      },
    ],
  },
  {
    name: 'a variable only the (External Secrets made) cluster-secrets could define',
    layout: 'ours',
    edits: [
      {
        file: `${OURS_RELOADER}/app/helm-values.yaml`,
        replace: '  logLevel: info\n',
        with: '  logLevel: info\n  webhookUrl: ${RELOADER_WEBHOOK_URL}\n',
      },
    ],
    expect: [
      {
        code: 'VAR_UNVERIFIED',
        severity: 'warning',
        cluster: 'apps',
        file: `${OURS_RELOADER}/app/helm-values.yaml`,
        line: 15,
        text: '${RELOADER_WEBHOOK_URL}',
        message: /cluster-secrets/,
      },
      {
        code: 'VAR_UNVERIFIED',
        severity: 'warning',
        cluster: 'infra',
        file: `${OURS_RELOADER}/app/helm-values.yaml`,
        line: 15,
        text: '${RELOADER_WEBHOOK_URL}',
        message: /cluster-secrets/,
      },
    ],
  },
  {
    name: 'a variable in the entry folder (the sync has no postBuild)',
    layout: 'ours',
    edits: [
      {
        file: 'kubernetes/clusters/infra/cluster-secrets.yaml',
        replace: 'key: "kubernetes/infra/cluster-secrets"',
        with: 'key: "kubernetes/${CLUSTER_NAME}/cluster-secrets"',
      },
    ],
    expect: [
      {
        code: 'VAR_WITHOUT_POSTBUILD',
        severity: 'error',
        cluster: 'infra',
        file: 'kubernetes/clusters/infra/cluster-secrets.yaml',
        line: 19,
        text: '${CLUSTER_NAME}',
      },
    ],
  },
  {
    name: 'a shared component dependsOn a name no cluster has',
    layout: 'ours',
    edits: [{ file: `${OURS_RELOADER}/ks.yaml`, replace: '    - name: coredns\n', with: '    - name: kube-dns\n' }],
    expect: [
      {
        code: 'DEPENDS_ON_MISSING',
        severity: 'error',
        cluster: 'apps',
        file: `${OURS_RELOADER}/ks.yaml`,
        line: 26,
        text: '- name: kube-dns',
      },
      {
        code: 'DEPENDS_ON_MISSING',
        severity: 'error',
        cluster: 'infra',
        file: `${OURS_RELOADER}/ks.yaml`,
        line: 26,
        text: '- name: kube-dns',
      },
    ],
  },
  {
    name: 'the infrastructure lane waits for a component it applies',
    layout: 'ours',
    edits: [
      {
        file: 'kubernetes/clusters/apps/infrastructure.yaml',
        replace: '  wait: true\n',
        with: '  wait: true\n  dependsOn:\n    - name: cilium\n',
      },
    ],
    expect: [
      {
        code: 'WAITS_ON_OWN_SUBTREE',
        severity: 'error',
        cluster: 'apps',
        file: 'kubernetes/clusters/apps/infrastructure.yaml',
        line: 21,
        text: '- name: cilium',
      },
    ],
  },
  {
    name: 'the workloads lane points at a folder that is not there',
    layout: 'ours',
    edits: [
      {
        file: 'kubernetes/clusters/apps/workloads.yaml',
        replace: 'path: "./kubernetes/clusters/apps/workloads"',
        with: 'path: "./kubernetes/clusters/apps/workload"',
      },
    ],
    expect: [
      {
        code: 'PATH_MISSING',
        severity: 'error',
        cluster: 'apps',
        file: 'kubernetes/clusters/apps/workloads.yaml',
        line: 10,
        text: 'workload"',
      },
    ],
  },
  {
    name: 'a hand-made component folder no lane lists',
    layout: 'ours',
    edits: [
      { copy: OURS_RELOADER, to: 'kubernetes/infrastructure/operations/reloader-old' },
      {
        file: 'kubernetes/infrastructure/operations/reloader-old/ks.yaml',
        replace: '  name: "reloader"\n  namespace: flux-system\n',
        with: '  name: "reloader-old"\n  namespace: flux-system\n',
      },
    ],
    expect: [
      {
        code: 'UNREACHABLE_KUSTOMIZATION',
        severity: 'warning',
        file: 'kubernetes/infrastructure/operations/reloader-old/ks.yaml',
        line: 5,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
  },
  {
    name: 'a copy of a component keeps its name and is wired in another lane (two builds)',
    layout: 'ours',
    edits: [
      { copy: OURS_RELOADER, to: 'kubernetes/workloads/operations/reloader' },
      {
        file: 'kubernetes/workloads/operations/reloader/ks.yaml',
        replace: 'path: "./kubernetes/infrastructure/operations/reloader/app"',
        with: 'path: "./kubernetes/workloads/operations/reloader/app"',
      },
      {
        file: 'kubernetes/clusters/apps/workloads/kustomization.yaml',
        replace: 'resources: []\n',
        with: 'resources:\n  - ../../../workloads/operations/reloader\n',
      },
    ],
    expect: [
      {
        code: 'DUPLICATE_KUSTOMIZATION',
        severity: 'error',
        cluster: 'apps',
        file: 'kubernetes/workloads/operations/reloader/ks.yaml',
        line: 5,
        text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1',
      },
    ],
  },
  {
    name: 'an ExternalSecret field with the wrong case (external-secrets model)',
    layout: 'ours',
    edits: [
      {
        file: 'kubernetes/clusters/infra/cluster-secrets.yaml',
        replace: '  refreshInterval: 1h\n',
        with: '  refreshinterval: 1h\n',
      },
    ],
    expect: [
      {
        code: 'SCHEMA_INVALID',
        severity: 'error',
        cluster: 'infra',
        file: 'kubernetes/clusters/infra/cluster-secrets.yaml',
        line: 10,
        text: 'refreshinterval:',
        message: /refreshinterval/,
      },
    ],
  },
];

/** Non-error findings a clean version is expected to have (each one intended). */
const CLEAN_NOTES: Record<Layout, ReturnType<typeof brief>[]> = {
  'home-ops': [
    // SERVICE_CIDR documents the cluster; nothing substitutes it.
    {
      code: 'SETTING_UNUSED',
      severity: 'info',
      cluster: 'cluster',
      file: 'kubernetes/flux/meta/cluster-settings.yaml',
      line: 12,
    },
  ],
  'flux-example': [
    // CLUSTER_ENV is used only by the staging overlay's patch: production defines it for nothing.
    {
      code: 'SETTING_UNUSED',
      severity: 'info',
      cluster: 'production',
      file: 'clusters/production/cluster-vars.yaml',
      line: 9,
    },
    ...['production', 'staging'].flatMap((c) =>
      // CLUSTER_ID and the CIDRs describe the cluster (for the cross-cluster checks); CLUSTER_DOMAIN is used by the overlay patches.
      [11, 12, 13].map((line) => ({
        code: 'SETTING_UNUSED',
        severity: 'info' as const,
        cluster: c,
        file: `clusters/${c}/cluster-vars.yaml`,
        line,
      })),
    ),
  ],
  // Every setting is used (CILIUM_L2_ANNOUNCEMENTS only as ${CILIUM_L2_ANNOUNCEMENTS:=false}, which still uses it)
  // but PUBLIC_DNS_ZONE, the draft's own setting (recorded in platform.yaml, used once its Gateway is wired); the
  // draft's component folder (cilium-gateway) is unreachable but exempt.
  ours: ['apps', 'infra'].map((c) => ({
    code: 'SETTING_UNUSED',
    severity: 'info' as const,
    cluster: c,
    file: `kubernetes/clusters/${c}/cluster-settings.yaml`,
    line: 40,
  })),
};

// ---------------------------------------------------------------------------------------------------------------

beforeAll(() => {
  oursRepo = path.join(tmpDir('cpc-check-ours-'), 'platform');
  createClusters({ dir: oursRepo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
  addStories({ dir: oursRepo, ids: OURS_APPROVED, approve: true });
  addStory({ dir: oursRepo, id: OURS_DRAFT });
}, 120_000);

describe('the generated fixture (ours)', () => {
  it('has the draft component on disk but in no lane, and the approved ones wired', () => {
    expect(fs.existsSync(path.join(oursRepo, 'kubernetes/infrastructure/networking/cilium-gateway/ks.yaml'))).toBe(
      true,
    );
    for (const lane of [OURS_INFRA_LANE, OURS_APPS_LANE]) {
      const text = fs.readFileSync(path.join(oursRepo, lane), 'utf8');
      expect(text).not.toContain('cilium-gateway');
      expect(text).toContain('operations/reloader');
      expect(text).toContain('networking/cilium-lb-ipam');
    }
  });
});

describe.each(Object.keys(LAYOUTS) as Layout[])('%s: clean', (layout) => {
  it('has no errors, and only the intended warnings and info', async () => {
    const dir = copyOf(layout);
    const before = snapshot(dir);
    const r = await run(dir, layout);
    expect(r.clusters).toEqual(LAYOUTS[layout].clusters);
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors, show(errors)).toEqual([]);
    const notes = r.findings
      .filter((f) => f.severity !== 'error')
      .map(brief)
      .sort(byPlace);
    expect(notes, show(r.findings)).toEqual([...CLEAN_NOTES[layout]].sort(byPlace));
    expect(snapshot(dir), 'check writes nothing').toEqual(before);
  });

  it('builds with kubectl kustomize without errors (build: true)', async () => {
    const dir = copyOf(layout);
    const r = await run(dir, layout, true);
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors, show(errors)).toEqual([]);
  }, 240_000);
});

describe('defects', () => {
  it('cover every finding class', () => {
    const codes = new Set(DEFECTS.flatMap((d) => d.expect.map((e) => e.code)));
    for (const c of [
      'VAR_UNDEFINED',
      'VAR_UNVERIFIED',
      'VAR_WITHOUT_POSTBUILD',
      'DEPENDS_ON_MISSING',
      'DEPENDENCY_CYCLE',
      'WAITS_ON_OWN_SUBTREE',
      'PATH_MISSING',
      'RESOURCE_MISSING',
      'DUPLICATE_KUSTOMIZATION',
      'DUPLICATE_OBJECT',
      'UNREACHABLE_KUSTOMIZATION',
      'DRAFT_WIRED',
      'APPROVED_NOT_WIRED',
      'SCHEMA_INVALID',
      'CLUSTER_ID_REUSED',
      'CIDR_OVERLAP',
      'YAML_INVALID',
      'BUILD_FAILED',
    ]) {
      expect(codes.has(c), c).toBe(true);
    }
  });

  it.each(DEFECTS.map((d) => [`${d.layout}: ${d.name}`, d] as const))(
    '%s',
    async (_n, d) => {
      const dir = copyOf(d.layout);
      applyEdits(dir, d.edits);
      // The expected lines are the lines meant (guards the numbers against fixture drift).
      for (const e of d.expect) {
        for (const p of e.oneOf ?? [e as Place]) expect(lineText(dir, p), `${p.file}:${p.line}`).toContain(p.text);
      }
      const r = await run(dir, d.layout, d.build);
      for (const e of d.expect) {
        const hits = r.findings.filter((f) => f.code === e.code);
        const want: Record<string, unknown> = { code: e.code, severity: e.severity };
        if (e.cluster) want.cluster = e.cluster;
        if (e.message) want.message = expect.stringMatching(e.message);
        const places = e.oneOf ?? [{ file: e.file!, line: e.line! }];
        const match = hits.find(
          (f) =>
            places.some((p) => f.file === p.file && f.line === p.line) &&
            expect.objectContaining(want).asymmetricMatch(f),
        );
        expect(
          match,
          `want ${e.code} [${e.cluster ?? '-'}] at ${places.map((p) => `${p.file}:${p.line}`).join(' or ')}; got:\n${show(r.findings)}`,
        ).toBeDefined();
        if (!e.cluster) expect(match!.cluster, 'repository-wide finding').toBeUndefined();
      }
      const allowed = new Set([...d.expect.map((e) => e.code), ...(d.alsoErrors ?? [])]);
      const others = r.findings.filter((f) => f.severity === 'error' && !allowed.has(f.code));
      expect(others, show(others)).toEqual([]);
    },
    240_000,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// CLI

describe('platform-kit check / graph (CLI)', () => {
  // The first run is the spawned smoke of check; the others run in process.
  it('--json on a defective copy: exit 1, the findings and a summary', () => {
    const dir = copyOf('flux-example');
    applyEdits(dir, [{ file: FE_PROD_APPS, replace: 'path: ./apps/production', with: 'path: ./apps/prod' }]);
    const r = cli('platform-kit', ['check', '--dir', dir, '--cluster-path', 'clusters/*', '--json']);
    expect(r.status, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.clusters).toEqual(['production', 'staging']);
    expect(out.summary.error).toBeGreaterThanOrEqual(1);
    expect(out.summary).toEqual({
      error: out.findings.filter((f: Finding) => f.severity === 'error').length,
      warning: out.findings.filter((f: Finding) => f.severity === 'warning').length,
      info: out.findings.filter((f: Finding) => f.severity === 'info').length,
    });
    expect(out.findings).toContainEqual(
      expect.objectContaining({
        code: 'PATH_MISSING',
        severity: 'error',
        cluster: 'production',
        file: FE_PROD_APPS,
        line: 13,
      }),
    );
  });

  it('a clean repository: exit 0 (the default cluster path finds ours)', async () => {
    const r = await runInProcess('platform-kit', ['check', '--dir', oursRepo, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.clusters).toEqual(['apps', 'infra']);
    expect(out.summary.error).toBe(0);
  });

  it.each(['home-ops', 'flux-example'] as const)('%s clean through the CLI: exit 0', async (layout) => {
    const args = ['check', '--dir', copyOf(layout), '--json'];
    for (const p of LAYOUTS[layout].clusterPaths ?? []) args.push('--cluster-path', p);
    const r = await runInProcess('platform-kit', args);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.error).toBe(0);
  });

  it('human output names the file:line of a finding and exits 1', async () => {
    const dir = copyOf('home-ops');
    applyEdits(dir, [
      { file: HO_ECHO_KS, replace: '- name: cert-manager-issuers', with: '- name: cert-manager-issuer' },
    ]);
    const r = await runInProcess('platform-kit', ['check', '--dir', dir, '--cluster-path', 'kubernetes/flux/cluster']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('DEPENDS_ON_MISSING');
    expect(r.stdout).toContain(`${HO_ECHO_KS}:14`);
  });

  it('a --cluster-path that matches nothing: exit 2 with a clear message', async () => {
    const r = await runInProcess('platform-kit', [
      'check',
      '--dir',
      copyOf('flux-example'),
      '--cluster-path',
      'kubernetes/clusters/*',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no cluster entry folder matches kubernetes\/clusters\/\*/);
    const r2 = await runInProcess('platform-kit', [
      'check',
      '--dir',
      copyOf('flux-example'),
      '--cluster-path',
      'clusters/dev',
    ]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toContain('clusters/dev');
  });

  it('graph --format mermaid draws the dependsOn edges (A --> B: A waits for B)', async () => {
    const help = await runInProcess('platform-kit', ['graph', '--help']);
    expect(help.stdout).toMatch(/A --> B: A waits for B/);
    const args = [
      'graph',
      '--dir',
      copyOf('flux-example'),
      '--cluster-path',
      'clusters/*',
      '--cluster',
      'staging',
      '--format',
      'mermaid',
    ];
    const r = await runInProcess('platform-kit', args);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    expect(lines[0]).toMatch(/^graph /);
    expect(lines).toContain('flux_system_apps --> flux_system_infra_configs');
    expect(lines).toContain('flux_system_infra_configs --> flux_system_infra_controllers');
    expect(lines.filter((l) => l.includes('-->') && !l.includes('-.->'))).toHaveLength(2);
    // The sync creates the lanes (dotted: "creates").
    expect(lines).toContain('flux_system_flux_system -.-> flux_system_apps');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the reference platform (examples/reference-platform)', () => {
  const ref = path.join(ROOT, 'examples', 'reference-platform');

  it('checks clean', async () => {
    const r = await check({ dir: ref });
    expect(r.clusters).toEqual(['apps', 'infra']);
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors, show(errors)).toEqual([]);
  });

  it('checks clean with build', async () => {
    const r = await check({ dir: ref, build: true });
    const errors = r.findings.filter((f) => f.severity === 'error');
    expect(errors, show(errors)).toEqual([]);
  }, 240_000);
});

describe('check --build batches paths but reports each failure from a build of that path alone', () => {
  it('one broken path among 48 on the reference platform: exactly one BUILD_FAILED, at that path', async () => {
    const dir = path.join(tmpDir(), 'ref');
    fs.cpSync(path.join(ROOT, 'examples', 'reference-platform'), dir, { recursive: true });
    const broken = 'kubernetes/infrastructure/operations/reloader/app/kustomization.yaml';
    fs.appendFileSync(path.join(dir, broken), '  - does-not-exist.yaml\n');
    expect(fs.readFileSync(path.join(dir, broken), 'utf8')).toMatch(/resources:[\s\S]*- does-not-exist\.yaml\n$/);
    const r = await check({ dir, build: true });
    const failed = r.findings.filter((f) => f.code === 'BUILD_FAILED');
    // reloader is wired on both clusters: its path is built once, and each cluster that applies it gets the finding.
    expect(failed.map((f) => [f.cluster, f.file, f.message.replace(/ failed: .*/, '')])).toEqual(
      ['apps', 'infra'].map((c) => [
        c,
        'kubernetes/infrastructure/operations/reloader/ks.yaml',
        'kustomize build of ./kubernetes/infrastructure/operations/reloader/app (flux-system/reloader)',
      ]),
    );
    for (const f of failed) expect(f.message).toMatch(/does-not-exist\.yaml/);
  }, 240_000);
});
