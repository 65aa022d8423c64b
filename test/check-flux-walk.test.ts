// How check builds the child Flux Kustomizations it walks, as kustomize-controller does (issue 15, causes 4, 8, 12):
// - the parent's spec.patches apply to its children (home-ops gives every app Kustomization its defaults this way);
// - ${…} under a Kustomization without postBuild is an error only when it names a value of the cluster's
//   substitution sources (the author forgot postBuild), otherwise the application's own templating;
// - spec.components (folders relative to spec.path) are part of the build, and a missing one is reported.
// Each fixture is a small repository written here, modelled on the layouts of onedr0p/home-ops and bjw-s-labs/home-ops.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { check, type Finding } from '../src';
import { walkRepo } from '../src/check/check';
import { tmpDir } from './helpers/fs';

function write(root: string, rel: string, data: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(
    path.join(root, rel),
    typeof data === 'string' ? data : (Array.isArray(data) ? data : [data]).map((d) => stringify(d)).join('---\n'),
  );
}

const KUSTOMIZATION = (extra: Record<string, unknown>) => ({
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  ...extra,
});
const FLUX_KS = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system', ...meta },
  spec: { interval: '1h', prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
});
const CLUSTER_SETTINGS = { CLUSTER_DOMAIN: 'home.example.com', TIMEZONE: 'Europe/Paris' };

/**
 * A home-ops style repository: the entry folder kubernetes/flux/cluster holds the cluster-settings ConfigMap and the
 * `cluster-apps` Kustomization (path kubernetes/apps, patches as given); kubernetes/apps lists one folder per app,
 * each with its own ks.yaml (name, spec extras) and an app/ folder of manifests.
 */
function homeOps(opts: {
  patches?: unknown[];
  apps: {
    name: string;
    ks?: Record<string, unknown>;
    meta?: Record<string, unknown>;
    files: Record<string, unknown>;
    kustomization?: Record<string, unknown>;
  }[];
}): string {
  const dir = tmpDir('cpc-flux-walk-');
  write(
    dir,
    'kubernetes/flux/cluster/kustomization.yaml',
    KUSTOMIZATION({ resources: ['./cluster-settings.yaml', './ks.yaml'] }),
  );
  write(dir, 'kubernetes/flux/cluster/cluster-settings.yaml', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-settings', namespace: 'flux-system' },
    data: CLUSTER_SETTINGS,
  });
  write(
    dir,
    'kubernetes/flux/cluster/ks.yaml',
    FLUX_KS('cluster-apps', {
      path: './kubernetes/apps',
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] },
      ...(opts.patches ? { patches: opts.patches } : {}),
    }),
  );
  write(
    dir,
    'kubernetes/apps/kustomization.yaml',
    KUSTOMIZATION({ resources: opts.apps.map((a) => `./${a.name}/ks.yaml`) }),
  );
  for (const a of opts.apps) {
    write(
      dir,
      `kubernetes/apps/${a.name}/ks.yaml`,
      FLUX_KS(a.name, { path: `./kubernetes/apps/${a.name}/app`, targetNamespace: 'default', ...(a.ks ?? {}) }, a.meta),
    );
    for (const [f, data] of Object.entries(a.files)) write(dir, `kubernetes/apps/${a.name}/app/${f}`, data);
    write(
      dir,
      `kubernetes/apps/${a.name}/app/kustomization.yaml`,
      KUSTOMIZATION(
        a.kustomization ?? {
          resources: Object.keys(a.files)
            .filter((f) => f.endsWith('.yaml'))
            .map((f) => `./${f}`),
        },
      ),
    );
  }
  return dir;
}

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});
const run = (dir: string, build = false) => check({ dir, clusterPaths: ['kubernetes/flux/cluster'], build });
const codes = (fs_: Finding[], severity?: Finding['severity']) =>
  fs_
    .filter((f) => !severity || f.severity === severity)
    .map((f) => `${f.code} ${f.file}:${f.line}`)
    .sort();
const lineOf = (dir: string, rel: string, text: string) =>
  fs
    .readFileSync(path.join(dir, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

/** The cluster-apps patch that gives every child (selected by kind, group, and a label) its postBuild. */
const POSTBUILD_PATCH = {
  patch: stringify({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: '_' },
    spec: { postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] } },
  }),
  target: {
    group: 'kustomize.toolkit.fluxcd.io',
    kind: 'Kustomization',
    labelSelector: 'substitution.flux.home.arpa/disabled notin (true)',
  },
};

describe('cause 4: the parent spec.patches apply to its child Flux Kustomizations', () => {
  it('a child given postBuild by the parent patch substitutes (no VAR_WITHOUT_POSTBUILD); one the selector leaves out still errs', async () => {
    const dir = homeOps({
      patches: [POSTBUILD_PATCH],
      apps: [
        {
          name: 'echo',
          files: { 'cm.yaml': configMap('echo', { host: 'echo.${CLUSTER_DOMAIN}', missing: '${NOT_A_SETTING}' }) },
        },
        // negative control: the label takes it out of the patch target, so Flux applies ${CLUSTER_DOMAIN} literally
        {
          name: 'legacy',
          meta: { labels: { 'substitution.flux.home.arpa/disabled': 'true' } },
          files: { 'cm.yaml': configMap('legacy', { host: 'legacy.${CLUSTER_DOMAIN}' }) },
        },
      ],
    });
    const r = await run(dir);
    const echo = 'kubernetes/apps/echo/app/cm.yaml';
    const legacy = 'kubernetes/apps/legacy/app/cm.yaml';
    // echo substitutes from cluster-settings: CLUSTER_DOMAIN resolves, and NOT_A_SETTING is undefined (not "no postBuild")
    expect(codes(r.findings, 'error')).toEqual(
      [
        `VAR_UNDEFINED ${echo}:${lineOf(dir, echo, 'NOT_A_SETTING')}`,
        `VAR_WITHOUT_POSTBUILD ${legacy}:${lineOf(dir, legacy, 'CLUSTER_DOMAIN')}`,
      ].sort(),
    );
    // the walked child carries the patched postBuild; the one left out does not
    const walked = walkRepo({ dir, clusterPaths: ['kubernetes/flux/cluster'] }).walks.get('cluster')!;
    expect(walked.get('flux-system/echo')!.postBuild).toEqual({
      substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
    });
    expect(walked.get('flux-system/legacy')!.postBuild).toBeUndefined();
  });

  it('the same repository without the patch: both children err (the patch, not the fixture, makes echo clean)', async () => {
    const dir = homeOps({
      apps: [{ name: 'echo', files: { 'cm.yaml': configMap('echo', { host: 'echo.${CLUSTER_DOMAIN}' }) } }],
    });
    const r = await run(dir);
    expect(codes(r.findings, 'error')).toEqual([
      `VAR_WITHOUT_POSTBUILD kubernetes/apps/echo/app/cm.yaml:${lineOf(dir, 'kubernetes/apps/echo/app/cm.yaml', 'CLUSTER_DOMAIN')}`,
    ]);
  });

  it('a JSON6902 patch selected by name regex sets dependsOn and spec.path: the walk reads the patched spec', async () => {
    const dir = homeOps({
      patches: [
        POSTBUILD_PATCH,
        {
          patch: stringify([
            { op: 'add', path: '/spec/dependsOn', value: [{ name: 'cert-manager' }] },
            { op: 'replace', path: '/spec/path', value: './kubernetes/apps/web-echo/app-v2' },
          ]),
          target: { kind: 'Kustomization', name: 'web-.*' },
        },
      ],
      apps: [
        { name: 'web-echo', files: { 'cm.yaml': configMap('echo', { a: '1' }) } },
        { name: 'my-web-echo', files: { 'cm.yaml': configMap('other', { a: '1' }) } }, // the anchored regex leaves it alone
      ],
    });
    const r = await run(dir);
    const ks = 'kubernetes/apps/web-echo/ks.yaml';
    // Flux fails on both: the dependsOn names no Kustomization of the cluster, and app-v2 does not exist.
    expect(codes(r.findings, 'error')).toEqual(
      [`DEPENDS_ON_MISSING ${ks}:${lineOf(dir, ks, 'spec:')}`, `PATH_MISSING ${ks}:${lineOf(dir, ks, 'path:')}`].sort(),
    );
    expect(r.graphs.cluster.dependsOn).toEqual([{ from: 'flux-system/web-echo', to: 'flux-system/cert-manager' }]);
    expect(r.graphs.cluster.nodes.find((n) => n.name === 'my-web-echo')!.path).toBe('kubernetes/apps/my-web-echo/app');
  });

  it('a target namespace matches the namespace a kustomization below gave the child (apps/<ns>/kustomization.yaml)', async () => {
    const dir = homeOps({
      patches: [{ ...POSTBUILD_PATCH, target: { kind: 'Kustomization', namespace: 'media' } }],
      apps: [{ name: 'plex', files: { 'cm.yaml': configMap('plex', { host: 'plex.${CLUSTER_DOMAIN}' }) } }],
    });
    write(dir, 'kubernetes/apps/kustomization.yaml', KUSTOMIZATION({ resources: ['./plex'] }));
    write(
      dir,
      'kubernetes/apps/plex/kustomization.yaml',
      KUSTOMIZATION({ namespace: 'media', resources: ['./ks.yaml'] }),
    );
    const r = await run(dir);
    // patched: plex (media/plex) substitutes from cluster-settings, which lives in flux-system, not media: unverified
    expect(codes(r.findings, 'error')).toEqual([]);
    expect(r.findings.filter((f) => f.code.startsWith('VAR_')).map((f) => `${f.severity} ${f.code}`)).toEqual([
      'warning VAR_UNVERIFIED',
    ]);
  });

  it('a patch kustomize refuses is reported on the parent (PATCH_FAILED)', async () => {
    const dir = homeOps({
      patches: [
        {
          patch: stringify({
            apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
            kind: 'Kustomization',
            spec: { wait: true },
          }),
          target: { kind: 'Kustomization' },
        },
      ],
      apps: [{ name: 'echo', files: { 'cm.yaml': configMap('echo', { a: '1' }) } }],
    });
    const r = await run(dir);
    const parent = 'kubernetes/flux/cluster/ks.yaml';
    expect(codes(r.findings, 'error')).toEqual([`PATCH_FAILED ${parent}:${lineOf(dir, parent, '- patch:')}`]);
  });
});

describe('kustomize patches on child Flux Kustomizations (a component in the namespace folder)', () => {
  it("a component's patches give every Kustomization the including kustomization lists its postBuild", async () => {
    // budimanjojo/home-cluster: apps/<ns>/kustomization.yaml includes components/envsubst, whose `patches:` target
    // every Flux Kustomization of that folder; the parent (cluster-apps) has no postBuild of its own.
    const dir = homeOps({
      apps: [
        {
          name: 'echo',
          files: { 'cm.yaml': configMap('echo', { host: 'echo.${CLUSTER_DOMAIN}', missing: '${NOT_A_SETTING}' }) },
        },
      ],
    });
    write(
      dir,
      'kubernetes/apps/kustomization.yaml',
      KUSTOMIZATION({ components: ['../components/envsubst'], resources: ['./echo/ks.yaml'] }),
    );
    write(dir, 'kubernetes/components/envsubst/kustomization.yaml', {
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      patches: [POSTBUILD_PATCH],
    });
    const echo = 'kubernetes/apps/echo/app/cm.yaml';
    const r = await run(dir);
    expect(codes(r.findings, 'error')).toEqual([`VAR_UNDEFINED ${echo}:${lineOf(dir, echo, 'NOT_A_SETTING')}`]);
    // negative control: without the component the same child has no postBuild
    write(dir, 'kubernetes/apps/kustomization.yaml', KUSTOMIZATION({ resources: ['./echo/ks.yaml'] }));
    const n = await run(dir);
    expect(codes(n.findings, 'error')).toEqual([
      `VAR_WITHOUT_POSTBUILD ${echo}:${lineOf(dir, echo, 'CLUSTER_DOMAIN')}`,
    ]);
  });

  it('a Flux Kustomization a component ships, named ${APP}-db, is one child per including Kustomization', async () => {
    const dir = homeOps({
      patches: [POSTBUILD_PATCH],
      apps: ['authelia', 'grafana'].map((name) => ({
        name,
        ks: { components: ['../../../components/database'], postBuild: { substitute: { APP: name } } },
        files: { 'cm.yaml': configMap(name, { a: '1' }) },
      })),
    });
    write(dir, 'kubernetes/components/database/kustomization.yaml', {
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      resources: ['./ks.yaml'],
    });
    write(
      dir,
      'kubernetes/components/database/ks.yaml',
      FLUX_KS('${APP}-db', { path: './kubernetes/components/database/db' }),
    );
    write(dir, 'kubernetes/components/database/db/cm.yaml', configMap('db', { a: '1' }));
    const r = await run(dir);
    expect(codes(r.findings, 'error')).toEqual([]);
    expect(
      r.graphs.cluster.nodes
        .map((n) => n.id)
        .filter((id) => id.endsWith('-db'))
        .sort(),
    ).toEqual(['flux-system/authelia-db', 'flux-system/grafana-db']);
  });
});

describe('cause 8: ${…} under a Kustomization without postBuild', () => {
  it("${VAR} in a child's spec.patches under a parent without postBuild is the child's (substituted by the child's postBuild)", async () => {
    // joryirving/home-ops: the sync (no postBuild) applies cluster-apps, whose patch gives children `CLUSTER: ${CLUSTER}`;
    // cluster-apps' own postBuild (cluster-settings) fills it in when it builds them.
    const patch = {
      patch: stringify({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: '_' },
        spec: { postBuild: { substitute: { DOMAIN: '${CLUSTER_DOMAIN}' } } },
      }),
      target: { kind: 'Kustomization' },
    };
    const dir = homeOps({
      patches: [patch],
      apps: [{ name: 'echo', files: { 'cm.yaml': configMap('echo', { host: 'echo.${DOMAIN}' }) } }],
    });
    const r = await run(dir);
    expect(codes(r.findings, 'error')).toEqual([]);
    // and the child's postBuild holds the value cluster-apps substituted into it
    const echo = walkRepo({ dir, clusterPaths: ['kubernetes/flux/cluster'] })
      .walks.get('cluster')!
      .get('flux-system/echo')!;
    expect(echo.postBuild?.substitute).toEqual({ DOMAIN: CLUSTER_SETTINGS.CLUSTER_DOMAIN });
    // negative control: a name cluster-apps cannot substitute is still reported, at the patch line
    fs.writeFileSync(
      path.join(dir, 'kubernetes/flux/cluster/ks.yaml'),
      fs
        .readFileSync(path.join(dir, 'kubernetes/flux/cluster/ks.yaml'), 'utf8')
        .replace('${CLUSTER_DOMAIN}', '${CLUSTER_DOMAINS}'),
    );
    const n = await run(dir);
    const ks = 'kubernetes/flux/cluster/ks.yaml';
    expect(codes(n.findings, 'error')).toEqual([`VAR_UNDEFINED ${ks}:${lineOf(dir, ks, 'CLUSTER_DOMAINS')}`]);
  });

  it("an app's own templating (names no substitution source defines) is one info; a cluster variable there is an error", async () => {
    const dir = homeOps({
      apps: [
        // Gatus expands ${…} from its environment itself; a shell script uses its own variables (bjw-s, onedr0p)
        {
          name: 'gatus',
          files: {
            'resources/config.yaml':
              'web:\n  port: ${GATUS_WEB_PORT}\nstorage:\n  path: ${GATUS_CONFIG_PATH}/gatus.db\n',
            'resources/notify.sh': '#!/bin/sh\necho "${PAYLOAD}"\n',
          },
          kustomization: {
            configMapGenerator: [
              {
                name: 'gatus-config',
                files: ['config.yaml=./resources/config.yaml', 'notify.sh=./resources/notify.sh'],
              },
            ],
          },
        },
        // negative control: TIMEZONE is a value of cluster-settings, so the author meant it and forgot postBuild
        { name: 'clock', files: { 'cm.yaml': configMap('clock', { TZ: '${TIMEZONE}', own: '${RUNTIME_ONLY}' }) } },
      ],
    });
    const r = await run(dir);
    const clock = 'kubernetes/apps/clock/app/cm.yaml';
    expect(codes(r.findings, 'error')).toEqual([`VAR_WITHOUT_POSTBUILD ${clock}:${lineOf(dir, clock, 'TIMEZONE')}`]);
    const infos = r.findings.filter((f) => f.code === 'VAR_WITHOUT_POSTBUILD' && f.severity === 'info');
    const config = 'kubernetes/apps/gatus/app/resources/config.yaml';
    expect(infos.map((f) => `${f.file}:${f.line}`).sort()).toEqual(
      [`${clock}:${lineOf(dir, clock, 'RUNTIME_ONLY')}`, `${config}:${lineOf(dir, config, 'GATUS_WEB_PORT')}`].sort(),
    );
    const gatus = infos.find((f) => f.file === config)!;
    for (const v of ['GATUS_WEB_PORT', 'GATUS_CONFIG_PATH', 'PAYLOAD']) expect(gatus.message).toContain(`\${${v}}`);
  });
});

describe('cause 12: spec.components', () => {
  /** An app whose Flux Kustomization adds a backup component (relative to spec.path), as the home-ops apps do. */
  function withComponents(components: string[]): string {
    const dir = homeOps({
      apps: [
        {
          name: 'atuin',
          ks: {
            components,
            postBuild: {
              substitute: { APP: 'atuin' },
              substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
            },
          },
          files: { 'cm.yaml': configMap('atuin', { host: 'atuin.${CLUSTER_DOMAIN}' }) },
        },
      ],
    });
    write(dir, 'kubernetes/components/backup/kustomization.yaml', {
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      resources: ['./backup.yaml'],
    });
    write(
      dir,
      'kubernetes/components/backup/backup.yaml',
      configMap('${APP}-backup', { schedule: '${BACKUP_SCHEDULE}', capacity: '${BACKUP_CAPACITY:=5Gi}' }),
    );
    return dir;
  }

  it("the component's objects and variables are in the build (its ${BACKUP_SCHEDULE} is undefined on the cluster)", async () => {
    const dir = withComponents(['../../../components/backup']);
    // the fixture is what kustomize-controller builds: the component appended to the kustomization at spec.path
    const flux = tmpDir('cpc-flux-components-');
    fs.cpSync(dir, flux, { recursive: true });
    write(
      flux,
      'kubernetes/apps/atuin/app/kustomization.yaml',
      KUSTOMIZATION({ resources: ['./cm.yaml'], components: ['../../../components/backup'] }),
    );
    const built = spawnSync('kubectl', ['kustomize', path.join(flux, 'kubernetes/apps/atuin/app')], {
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    const names = parseAllDocuments(built.stdout).map((d) => (d.toJS() as any).metadata.name);
    expect(names).toContain('${APP}-backup');

    const r = await run(dir);
    const backup = 'kubernetes/components/backup/backup.yaml';
    expect(codes(r.findings, 'error')).toEqual([`VAR_UNDEFINED ${backup}:${lineOf(dir, backup, 'BACKUP_SCHEDULE')}`]);
    const ks = walkRepo({ dir, clusterPaths: ['kubernetes/flux/cluster'] })
      .walks.get('cluster')!
      .get('flux-system/atuin')!;
    expect(ks.components).toEqual(['kubernetes/components/backup']);
    expect(ks.build!.files.has(backup)).toBe(true);
    expect(ks.build!.objects.map((o) => o.name)).toEqual(expect.arrayContaining(['atuin', '${APP}-backup']));
    // no component file is "unreachable", and the folder builds with kubectl (build: true)
    const b = await run(dir, true);
    expect(codes(b.findings, 'error')).toEqual(codes(r.findings, 'error'));
  }, 120_000);

  it('a missing component folder is reported at its spec.components entry', async () => {
    const dir = withComponents(['../../../components/backup', '../../../components/zeroscaler']);
    write(dir, 'kubernetes/components/backup/backup.yaml', configMap('${APP}-backup', { schedule: '0 3 * * *' }));
    const r = await run(dir);
    const ks = 'kubernetes/apps/atuin/ks.yaml';
    expect(codes(r.findings, 'error')).toEqual([`RESOURCE_MISSING ${ks}:${lineOf(dir, ks, 'zeroscaler')}`]);
  });
});

describe('a substitution Secret an ExternalSecret of the cluster makes (budimanjojo/home-cluster cluster-vars)', () => {
  const externalSecret = (spec: Record<string, unknown>) => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'cluster-vars' },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' }, ...spec },
  });
  const app = (name: string, es: Record<string, unknown>) => ({
    name,
    ks: { targetNamespace: name, postBuild: { substituteFrom: [{ kind: 'Secret', name: 'cluster-vars' }] } },
    meta: { namespace: name },
    files: {
      'externalsecret.yaml': externalSecret(es),
      'configmap.yaml': configMap(`${name}-config`, { DOMAIN: '${SECRET_DOMAIN}', NFS: '${NFS_SERVER}' }),
    },
  });

  it('its keys are known when it names them all: a key it lacks is undefined; with dataFrom alone, unverified', async () => {
    const dir = homeOps({
      apps: [
        // A template: the Secret holds exactly its keys (mergePolicy Replace); NFS_SERVER is not one of them.
        app('templated', {
          target: { name: 'cluster-vars', template: { data: { SECRET_DOMAIN: '{{ .DOMAIN }}' } } },
          dataFrom: [{ extract: { key: 'cluster-vars' } }],
        }),
        // data without dataFrom: the secretKeys.
        app('listed', {
          data: [
            { secretKey: 'SECRET_DOMAIN', remoteRef: { key: 'vars', property: 'domain' } },
            { secretKey: 'NFS_SERVER', remoteRef: { key: 'vars', property: 'nfs' } },
          ],
        }),
        // dataFrom alone: whatever the store item holds.
        app('extracted', { dataFrom: [{ extract: { key: 'cluster-vars' } }] }),
      ],
    });
    const r = await run(dir);
    const at = (name: string, v: string) =>
      `kubernetes/apps/${name}/app/configmap.yaml:${lineOf(dir, `kubernetes/apps/${name}/app/configmap.yaml`, v)}`;
    expect(codes(r.findings.filter((f) => f.code.startsWith('VAR_')))).toEqual(
      [
        `VAR_UNDEFINED ${at('templated', 'NFS_SERVER')}`,
        `VAR_UNVERIFIED ${at('extracted', 'SECRET_DOMAIN')}`,
        `VAR_UNVERIFIED ${at('extracted', 'NFS_SERVER')}`,
      ].sort(),
    );
  });
});

describe('an OCI artifact pushed from a folder of the repository (xunholy/k8s-gitops: flux push artifact --path=./kubernetes)', () => {
  it('spec.paths of the cluster source are read in that folder; children are validated as the parent patches them', async () => {
    const dir = tmpDir('cpc-oci-root-');
    const OCI = { kind: 'OCIRepository', name: 'flux-system' };
    write(dir, 'kubernetes/clusters/c1/flux-instance.yaml', {
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'FluxInstance',
      metadata: { name: 'flux', namespace: 'flux-system' },
      spec: {
        distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' },
        sync: { kind: 'OCIRepository', url: 'oci://ghcr.io/example/manifests', ref: 'latest', path: './clusters/c1' },
      },
    });
    // The cluster's apps: paths relative to the artifact (kubernetes/), defaults for every child by patch.
    const defaults = stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: '_' },
      spec: { interval: '30m', prune: true },
    });
    write(dir, 'kubernetes/clusters/c1/apps.yaml', {
      ...FLUX_KS('apps', {
        path: './apps',
        sourceRef: OCI,
        patches: [{ patch: defaults, target: { kind: 'Kustomization' } }],
      }),
    });
    write(dir, 'kubernetes/apps/kustomization.yaml', KUSTOMIZATION({ resources: ['./echo/ks.yaml'] }));
    write(dir, 'kubernetes/apps/echo/ks.yaml', {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'echo', namespace: 'flux-system' },
      spec: { path: './apps/echo/app', sourceRef: OCI, targetNamespace: 'default' },
    });
    write(dir, 'kubernetes/apps/echo/app/kustomization.yaml', KUSTOMIZATION({ resources: ['./configmap.yaml'] }));
    write(dir, 'kubernetes/apps/echo/app/configmap.yaml', configMap('echo', { GREETING: 'hello' }));
    const r = await check({ dir });
    expect(r.walked?.c1).toMatchObject({
      entry: 'kubernetes/clusters/c1',
      source: { kind: 'OCIRepository', name: 'flux-system' },
    });
    expect(r.graphs?.c1?.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      ['flux-system/apps', 'flux-system/echo', 'flux-system/flux-system'].sort(),
    );
    // Before: echo's path was read at the repository root (missing), and its interval and prune, which the parent's
    // patch gives it, were reported missing.
    expect(codes(r.findings)).toEqual([]);
  });
});

describe("a child Flux Kustomization is validated as its parent's spec.patches leave it", () => {
  it('interval and prune given by the parent are not missing; a child the patch does not reach still needs them', async () => {
    const defaults = stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: '_' },
      spec: { interval: '30m', prune: true },
    });
    const dir = homeOps({
      patches: [{ patch: defaults, target: { kind: 'Kustomization', labelSelector: 'defaults=yes' } }],
      apps: [
        { name: 'patched', meta: { labels: { defaults: 'yes' } }, files: { 'cm.yaml': configMap('a', { A: '1' }) } },
        { name: 'bare', files: { 'cm.yaml': configMap('b', { B: '1' }) } },
      ],
    });
    for (const name of ['patched', 'bare']) {
      const file = path.join(dir, `kubernetes/apps/${name}/ks.yaml`);
      const text = fs
        .readFileSync(file, 'utf8')
        .replace(/^ {2}interval: 1h\n/m, '')
        .replace(/^ {2}prune: true\n/m, '');
      fs.writeFileSync(file, text);
    }
    const r = await run(dir);
    expect(r.findings.filter((f) => f.code === 'SCHEMA_INVALID').map((f) => `${f.file} ${f.message}`)).toEqual([
      'kubernetes/apps/bare/ks.yaml Kustomization bare: spec.interval: required field is missing',
      'kubernetes/apps/bare/ks.yaml Kustomization bare: spec.prune: required field is missing',
    ]);
  });
});

describe('objects are validated as kustomize builds them (bo0tzz/kube: k8up.io/backup: false)', () => {
  it("an object's own annotation values become strings; a label or a pod template's annotation stays as written", async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: { 'k8up.io/backup': false, replicas: 2 } },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: { 'example.com/scrape': true } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    };
    const labelled = { ...configMap('flags', { A: '1' }), metadata: { name: 'flags', labels: { enabled: true } } };
    const dir = homeOps({ apps: [{ name: 'web', files: { 'deployment.yaml': deployment, 'cm.yaml': labelled } }] });
    // kubectl kustomize writes the Deployment's own annotations quoted and leaves the others: the API server refuses those.
    const built = spawnSync('kubectl', ['kustomize', path.join(dir, 'kubernetes/apps/web/app')], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toContain('k8up.io/backup: "false"');
    expect(built.stdout).toContain('example.com/scrape: true');
    const r = await run(dir);
    expect(r.findings.filter((f) => f.code === 'SCHEMA_INVALID').map((f) => f.message)).toEqual([
      expect.stringMatching(/^ConfigMap flags: metadata\.labels\.enabled: must be a string/),
      expect.stringMatching(
        /^Deployment web: spec\.template\.metadata\.annotations\["example\.com\/scrape"\]: must be a string/,
      ),
    ]);
  });
});

describe('a Kustomization with spec.kubeConfig applies to another cluster (fluxcd/flux2-hub-spoke-example)', () => {
  const ns = (labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'production', labels },
  });
  const repo = (remote: boolean) =>
    homeOps({
      apps: [
        { name: 'hub', files: { 'ns.yaml': ns({}) } },
        {
          name: 'spoke',
          ks: remote ? { kubeConfig: { secretRef: { name: 'spoke-kubeconfig' } } } : {},
          files: { 'ns.yaml': ns({ 'toolkit.fluxcd.io/tenant': 'sre-team' }) },
        },
      ],
    });
  const conflicts = async (dir: string) =>
    (await run(dir)).findings.filter((f) => f.code === 'NAMESPACE_METADATA_CONFLICT').map((f) => f.file);

  it("the hub's Namespace and the spoke's are two, not one declared twice with different labels", async () => {
    expect(await conflicts(repo(true))).toEqual([]);
    // The same two declarations on one cluster do fight over the labels.
    expect(await conflicts(repo(false))).toEqual(['kubernetes/apps/spoke/app/ns.yaml']);
  });
});

describe("objects are validated as their Kustomization's spec.patches leave them (JJGadgets/Biohazard)", () => {
  it('a HelmRelease given its interval by patch is valid; one the patch does not select is reported', async () => {
    const hr = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name, labels },
      spec: { chart: { spec: { chart: name, sourceRef: { kind: 'HelmRepository', name: 'charts' } } } },
    });
    const patch = stringify({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'not-used' },
      spec: { interval: '5m' },
    });
    const dir = homeOps({
      apps: [
        {
          name: 'web',
          ks: { patches: [{ patch, target: { kind: 'HelmRelease', labelSelector: 'defaults notin (false)' } }] },
          files: { 'a.yaml': hr('patched', {}), 'b.yaml': hr('left-alone', { defaults: 'false' }) },
        },
      ],
    });
    const r = await run(dir);
    expect(r.findings.filter((f) => f.code === 'SCHEMA_INVALID').map((f) => f.message)).toEqual([
      'HelmRelease left-alone: spec.interval: required field is missing',
    ]);
  });
});

describe("a child's dependsOn is read after its parent's postBuild (JJGadgets/Biohazard: 0-${CLUSTER_NAME}-config)", () => {
  it('a dependsOn naming a Kustomization through a cluster setting is met; a wrong one is still missing', async () => {
    const dir = homeOps({
      apps: [
        { name: 'config-main', files: { 'cm.yaml': configMap('a', { A: '1' }) } },
        {
          name: 'web',
          ks: { dependsOn: [{ name: 'config-${CLUSTER}' }] },
          files: { 'cm.yaml': configMap('b', { B: '1' }) },
        },
        {
          name: 'api',
          ks: { dependsOn: [{ name: 'config-${OTHER:=staging}' }] },
          files: { 'cm.yaml': configMap('c', { C: '1' }) },
        },
      ],
    });
    const settings = path.join(dir, 'kubernetes/flux/cluster/cluster-settings.yaml');
    fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replace('\ndata:\n', '\ndata:\n  CLUSTER: main\n'));
    const r = await run(dir);
    expect(r.findings.filter((f) => f.code === 'DEPENDS_ON_MISSING').map((f) => f.message)).toEqual([
      expect.stringMatching(/^flux-system\/api dependsOn flux-system\/config-staging, which no Flux Kustomization/),
    ]);
  });
});

describe('a gotk-sync.yaml holding several Kustomizations of its source (samip5/k8s-cluster)', () => {
  it('is one cluster: the Kustomization applying its own folder is the entry, the others are its children', async () => {
    const dir = tmpDir('cpc-gotk-many-');
    const source = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1m', url: 'https://github.com/example/k8s', ref: { branch: 'main' } },
    };
    write(dir, 'k8s/media/flux/gotk-sync.yaml', [
      source,
      FLUX_KS('flux-deploy', { path: './k8s/media/flux', sourceRef: { kind: 'GitRepository', name: 'flux-system' } }),
      FLUX_KS('apps', { path: './k8s/media/apps', sourceRef: { kind: 'GitRepository', name: 'flux-system' } }),
    ]);
    write(dir, 'k8s/media/apps/kustomization.yaml', KUSTOMIZATION({ resources: ['./cm.yaml'] }));
    write(dir, 'k8s/media/apps/cm.yaml', configMap('media', { A: '1' }));
    const r = await check({ dir });
    expect(Object.keys(r.walked ?? {})).toEqual(['media']);
    expect(r.walked?.media).toMatchObject({ entry: 'k8s/media/flux', kustomizations: 2 });
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

describe('the yaml library says nothing on the console (Heavybullets8/heavy-ops: a template read as a map key)', () => {
  it('a mapping key that is a collection becomes a string quietly: no process warning during check', async () => {
    const doc = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: weather }',
      'data: { A: "1" }',
      'extra:',
      '  { .OPENWEATHERMAP_LOCATION | nindent 2 }: x',
      '',
    ].join('\n');
    const dir = homeOps({ apps: [{ name: 'weather', files: { 'cm.yaml': doc } }] });
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.message);
    process.on('warning', listen);
    try {
      await run(dir);
      await new Promise((done) => setImmediate(done));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings).toEqual([]);
  });
});

describe('a Kustomization whose spec.path holds its own file (truxnell/home-cluster mariadb)', () => {
  it('is reported as applying itself, with the path and the fix, not as declared twice somewhere else', async () => {
    const dir = homeOps({
      apps: [
        {
          name: 'mariadb',
          ks: { path: './kubernetes/apps/mariadb' },
          files: { 'cm.yaml': configMap('m', { A: '1' }) },
        },
      ],
    });
    const r = await run(dir);
    const dup = r.findings.filter((f) => f.code === 'DUPLICATE_KUSTOMIZATION');
    expect(dup.map((f) => [f.file, f.message])).toEqual([
      [
        'kubernetes/apps/mariadb/ks.yaml',
        'Flux Kustomization flux-system/mariadb applies itself on cluster: its spec.path ./kubernetes/apps/mariadb holds kubernetes/apps/mariadb/ks.yaml',
      ],
    ]);
    expect(dup[0].hint).toMatch(/point spec\.path at the folder of its manifests/);
  });
});
