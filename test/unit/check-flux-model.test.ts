// How check models Flux and kustomize on clean real repositories (issue 15, causes 1, 3, 5, 6, 7, 9). Each case is a
// minimal repository of our own, modelled on the files where the false finding was seen (onedr0p/home-ops,
// bjw-s-labs/home-ops and other home-ops repositories), with the real defect that looks alike as a negative control.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Finding } from '../../src';
import { check } from '../../src';
import { valueMap } from '../../src/check/check';
import type { Ks } from '../../src/check/ks';
import type { Obj } from '../../src/check/objects';
import { tmpDir } from '../helpers/fs';

function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

const doc = (o: unknown) => `---\n${stringify(o)}`;

/** A Flux Kustomization of the repository's own source. */
function fluxKs(name: string, p: string, postBuild?: Record<string, unknown>): string {
  return doc({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: {
      interval: '1h',
      path: p,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      ...(postBuild ? { postBuild } : {}),
    },
  });
}

/**
 * A repository with one cluster (clusters/home, bootstrapped with gotk-sync.yaml) and the given files; `apps` is a
 * Flux Kustomization of ./apps with the given postBuild (none when undefined).
 */
function repo(files: Record<string, string>, postBuild?: Record<string, unknown>): string {
  const dir = tmpDir('cpc-flux-model-');
  const sync =
    doc({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: { interval: '1h', url: 'https://git.example.com/home.git', ref: { branch: 'main' } },
    }) + fluxKs('flux-system', './clusters/home');
  write(dir, 'clusters/home/flux-system/gotk-sync.yaml', sync);
  write(
    dir,
    'clusters/home/flux-system/kustomization.yaml',
    doc({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['./gotk-sync.yaml'] }),
  );
  write(dir, 'clusters/home/apps.yaml', fluxKs('apps', './apps', postBuild));
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return dir;
}

const run = async (dir: string) => (await check({ dir, clusterPaths: ['clusters/*'] })).findings;
const codes = (fs_: Finding[], prefix = '') =>
  fs_.filter((f) => f.code.startsWith(prefix)).map((f) => `${f.code} ${f.file}:${f.line}`);
const lineOf = (dir: string, rel: string, text: string) =>
  fs
    .readFileSync(path.join(dir, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

/** A shell script as home-ops repositories ship in a generated ConfigMap: its own ${...} are shell, not Flux. */
const SCRIPT =
  '#!/usr/bin/env bash\nset -euo pipefail\n# called by sonarr with ${EVENT_TYPE}\ncurl -fsS "http://localhost:${SONARR_PORT}/api/v3/series/${SERIES_ID}"\n';
const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';
const CONFIGMAP = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  url: https://\${APP}.example.com/\n`;

describe('kustomize.toolkit.fluxcd.io/substitute: disabled (cause 1)', () => {
  it("generatorOptions annotation: the generated ConfigMap's script is not substituted (no VAR_UNDEFINED)", async () => {
    // modelled on onedr0p/home-ops kubernetes/apps/default/sonarr/app/kustomization.yaml
    const dir = repo(
      {
        'apps/kustomization.yaml':
          KUSTOMIZATION +
          'resources:\n  - ./configmap.yaml\nconfigMapGenerator:\n  - name: sonarr-scripts\n    files:\n      ' +
          '- refresh.sh=./resources/refresh.sh\ngeneratorOptions:\n  disableNameSuffixHash: true\n  ' +
          'annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
        'apps/resources/refresh.sh': SCRIPT,
        'apps/configmap.yaml': CONFIGMAP('sonarr'),
      },
      { substitute: { APP: 'sonarr' } },
    );
    expect(codes(await run(dir), 'VAR_')).toEqual([]);
    // negative control: the same repository with a variable no source defines, in an object that did not opt out
    write(dir, 'apps/configmap.yaml', CONFIGMAP('sonarr').replace('${APP}', '${APP_HOST}'));
    expect(codes(await run(dir), 'VAR_')).toEqual([
      `VAR_UNDEFINED apps/configmap.yaml:${lineOf(dir, 'apps/configmap.yaml', '${APP_HOST}')}`,
    ]);
  });

  it('generatorOptions label, per-generator options, and no VAR_WITHOUT_POSTBUILD under a Kustomization without postBuild', async () => {
    // modelled on onedr0p/home-ops gatus-sidecar (no postBuild) and bjw-s-labs/home-ops webhook
    const dir = repo({
      'apps/kustomization.yaml':
        KUSTOMIZATION +
        'configMapGenerator:\n  - name: hooks\n    files:\n      - ./resources/refresh.sh\n  - name: ' +
        'pushover\n    options:\n      annotations:\n        kustomize.toolkit.fluxcd.io/substitute: ' +
        'disabled\n    literals:\n      - TITLE=${PUSHOVER_TITLE}\ngeneratorOptions:\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
      'apps/resources/refresh.sh': SCRIPT,
    });
    expect(codes(await run(dir), 'VAR_')).toEqual([]);
    // A generator's own options win over generatorOptions (kustomize merges the global ones under them): this one
    // is substituted again, and Flux finds no postBuild for it.
    write(
      dir,
      'apps/kustomization.yaml',
      KUSTOMIZATION +
        'configMapGenerator:\n  - name: hooks\n    options:\n      labels:\n        ' +
        'kustomize.toolkit.fluxcd.io/substitute: enabled\n    files:\n      - ' +
        './resources/refresh.sh\ngeneratorOptions:\n  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
    );
    const f = await run(dir);
    // One finding per Kustomization (an info: nothing of the cluster defines the names, so the script's own ${…} is intended).
    expect(codes(f, 'VAR_')).toEqual(['VAR_WITHOUT_POSTBUILD apps/resources/refresh.sh:4']);
  });

  it("an object's own annotation or label, and commonAnnotations over a folder", async () => {
    const dir = repo(
      {
        'apps/kustomization.yaml':
          KUSTOMIZATION + 'resources:\n  - ./annotated.yaml\n  - ./labelled.yaml\n  - ./templates\n',
        'apps/annotated.yaml': CONFIGMAP(
          'annotated',
          '  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
        ).replace('${APP}', '${UNSET_A}'),
        'apps/labelled.yaml': CONFIGMAP(
          'labelled',
          '  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n',
        ).replace('${APP}', '${UNSET_B}'),
        'apps/templates/kustomization.yaml':
          KUSTOMIZATION +
          'commonAnnotations:\n  kustomize.toolkit.fluxcd.io/substitute: disabled\nresources:\n  - ./template.yaml\n',
        'apps/templates/template.yaml': CONFIGMAP('template').replace('${APP}', '${UNSET_C}'),
      },
      { substitute: { APP: 'x' } },
    );
    expect(codes(await run(dir), 'VAR_')).toEqual([]);
    // negative control: any other value of the key is no opt-out
    write(
      dir,
      'apps/labelled.yaml',
      CONFIGMAP('labelled', '  labels:\n    kustomize.toolkit.fluxcd.io/substitute: enabled\n').replace(
        '${APP}',
        '${UNSET_B}',
      ),
    );
    expect(codes(await run(dir), 'VAR_')).toEqual([
      `VAR_UNDEFINED apps/labelled.yaml:${lineOf(dir, 'apps/labelled.yaml', '${UNSET_B}')}`,
    ]);
  });
});

describe('YAML merge keys (cause 3)', () => {
  // modelled on the ServiceMonitors of joryirving/home-ops and szinn/k8s-homelab: matchLabels: {<<: *labels}
  const monitor = (labels: string) =>
    `apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: &app exporter\n  labels: ` +
    `&labels\n${labels}spec:\n  selector:\n    matchLabels:\n      <<: *labels\n  endpoints:\n    - port: metrics\n      path: /\${METRICS_PATH}\n`;

  it('are resolved before the schema check, and lines after them stay right', async () => {
    const dir = repo(
      {
        'apps/servicemonitor.yaml': monitor('    app.kubernetes.io/name: *app\n    app.kubernetes.io/instance: *app\n'),
      },
      { substitute: { APP: 'x' } },
    );
    const f = await run(dir);
    expect(codes(f, 'SCHEMA_')).toEqual([]);
    expect(codes(f, 'VAR_')).toEqual([
      `VAR_UNDEFINED apps/servicemonitor.yaml:${lineOf(dir, 'apps/servicemonitor.yaml', '${METRICS_PATH}')}`,
    ]);
  });

  it('negative control: a wrong value merged in is still SCHEMA_INVALID, at the map it is merged into', async () => {
    const dir = repo(
      { 'apps/servicemonitor.yaml': monitor('    app.kubernetes.io/name: *app\n    replicas: [1]\n') },
      { substitute: { METRICS_PATH: 'metrics' } },
    );
    const f = (await run(dir)).filter((x) => x.code === 'SCHEMA_INVALID');
    expect(f.map((x) => `${x.file}:${x.line} ${x.message}`)).toEqual([
      `apps/servicemonitor.yaml:${lineOf(dir, 'apps/servicemonitor.yaml', 'replicas: [1]')} ServiceMonitor ` +
        `exporter: metadata.labels.replicas: must be a string`,
      `apps/servicemonitor.yaml:${lineOf(dir, 'apps/servicemonitor.yaml', 'matchLabels:')} ServiceMonitor ` +
        `exporter: spec.selector.matchLabels.replicas: must be a string`,
    ]);
  });
});

describe('generator keys as substitution values (cause 5)', () => {
  /**
   * clusters/home/settings generates the cluster-settings ConfigMap and Secret the apps Kustomization substitutes
   * from (the home-ops cluster-settings pattern, with an env file and literals instead of a data: manifest).
   */
  const settings = (gens: string, extra: Record<string, string> = {}) => ({
    'clusters/home/settings/kustomization.yaml': KUSTOMIZATION + 'namespace: flux-system\n' + gens,
    'clusters/home/settings/cluster.env': '# cluster facts\nCLUSTER_NAME=home\n  TIMEZONE=Europe/Paris\n\nEMPTY\n',
    'clusters/home/settings/secret.env': 'SECRET_DOMAIN=example.com\n',
    ...extra,
  });
  const FROM = {
    substituteFrom: [
      { kind: 'ConfigMap', name: 'cluster-settings' },
      { kind: 'Secret', name: 'cluster-secrets' },
    ],
  };
  const APP = CONFIGMAP('app').replace(
    '${APP}',
    '${CLUSTER_NAME}.${TIMEZONE}.${DOMAIN}.${SECRET_DOMAIN}.${EMPTY}${REGION}',
  );
  const GENS =
    'configMapGenerator:\n  - name: cluster-settings\n    envs:\n      - ./cluster.env\n    literals:\n      ' +
    '- DOMAIN="home.example.com"\n      - REGION="eu"\nsecretGenerator:\n  - name: cluster-secrets\n    ' +
    'envs:\n      - ./secret.env\ngeneratorOptions:\n  disableNameSuffixHash: true\n';

  it('envs and literals of configMapGenerator / secretGenerator are values of substituteFrom (no VAR_UNDEFINED)', async () => {
    const dir = repo({ ...settings(GENS), 'apps/app.yaml': APP }, FROM);
    expect(codes(await run(dir), 'VAR_')).toEqual([]);
    // negative control: a key neither generator has
    write(dir, 'apps/app.yaml', APP.replace('${REGION}', '${ZONE}'));
    expect(codes(await run(dir), 'VAR_')).toEqual(['VAR_UNDEFINED apps/app.yaml:6']);
  });

  it('their values are substituted: a child path made of a generated value resolves', async () => {
    // apps substitutes into the Flux Kustomization it builds; the path exists only with the env file's value
    const dir = repo(
      {
        ...settings(GENS),
        'apps/ks.yaml': fluxKs('app', './workloads/${CLUSTER_NAME}-${REGION}'),
        'workloads/home-eu/app.yaml': CONFIGMAP('app').replace('${APP}', 'app'),
      },
      FROM,
    );
    const f = await run(dir);
    expect([...codes(f, 'PATH_'), ...codes(f, 'VAR_')]).toEqual([]);
    // negative control: another value, a folder that does not exist
    write(dir, 'clusters/home/settings/cluster.env', 'CLUSTER_NAME=away\n');
    expect(codes(await run(dir), 'PATH_')).toEqual([
      `PATH_MISSING apps/ks.yaml:${lineOf(dir, 'apps/ks.yaml', 'path:')}`,
    ]);
  });

  it('behavior: merge adds its keys to the ConfigMap of that name (no DUPLICATE_OBJECT, the keys are values)', async () => {
    const dir = repo(
      {
        'clusters/home/settings/kustomization.yaml':
          KUSTOMIZATION +
          'namespace: flux-system\nresources:\n  - ./base\nconfigMapGenerator:\n  - name: ' +
          'cluster-settings\n    behavior: merge\n    literals:\n      - REGION=eu\n',
        'clusters/home/settings/base/kustomization.yaml':
          KUSTOMIZATION +
          'configMapGenerator:\n  - name: cluster-settings\n    literals:\n      - CLUSTER_NAME=home\ngeneratorOptions:\n  disableNameSuffixHash: true\n',
        'apps/app.yaml': CONFIGMAP('app').replace('${APP}', '${CLUSTER_NAME}-${REGION}'),
      },
      { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] },
    );
    const f = await run(dir);
    expect(codes(f).filter((c) => !c.startsWith('SETTING_UNUSED'))).toEqual([]);
  });
});

describe('remote generator files (cause 6)', () => {
  it('an https:// URL in configMapGenerator files is no RESOURCE_MISSING; a missing local file still is', async () => {
    // modelled on grafana dashboard generators (toboshii/home-ops ingress-nginx dashboard)
    const gen = (local: string) =>
      KUSTOMIZATION +
      `configMapGenerator:\n  - name: dashboards\n    files:\n      - ` +
      `nginx.json=https://raw.githubusercontent.com/kubernetes/ingress-nginx/main/deploy/grafana/dashboards/nginx.json\n      - ${local}\n`;
    const dir = repo({ 'apps/kustomization.yaml': gen('./local.json'), 'apps/local.json': '{}\n' });
    expect(codes(await run(dir), 'RESOURCE_')).toEqual([]);
    write(dir, 'apps/kustomization.yaml', gen('./missing.json'));
    expect(codes(await run(dir), 'RESOURCE_')).toEqual(['RESOURCE_MISSING apps/kustomization.yaml:7']);
  });
});

describe('${VAR} in YAML comments (cause 7)', () => {
  it('a trailing comment or a block scalar header comment is not substituted; the same text in a value is', async () => {
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app # for ${APP_OWNER}\ndata:\n  host: "a # ' +
      '${REAL_ONE}" # see ${DOCS_URL}\n  script: | # runs ${CRON}\n    # a shell comment: ${IN_COMMENT}\n    ' +
      'echo "${IN_SCRIPT}" # the value\'s text: ${IN_VALUE}\n';
    const dir = repo(
      {
        'apps/kustomization.yaml':
          KUSTOMIZATION +
          'resources:\n  - ./app.yaml\npatches:\n  - patch: |-\n      # set by ${PATCH_AUTHOR}\n      - op: ' +
          'add\n        path: /data/team\n        value: ${TEAM} # ${TEAM_NOTE}\n    target:\n      kind: ConfigMap\n',
        'apps/app.yaml': manifest,
      },
      { substitute: { APP: 'x' } },
    );
    const f = (await run(dir)).filter((x) => x.code === 'VAR_UNDEFINED');
    // A `#` line inside a value (a script) is substituted by Flux but changes nothing there: not counted either.
    expect(f.map((x) => x.message.split(' ')[0]).sort()).toEqual([
      '${IN_SCRIPT}',
      '${IN_VALUE}',
      '${REAL_ONE}',
      '${TEAM}',
    ]);
    expect(codes(f)).toEqual([
      'VAR_UNDEFINED apps/app.yaml:6',
      'VAR_UNDEFINED apps/app.yaml:9',
      'VAR_UNDEFINED apps/app.yaml:9',
      'VAR_UNDEFINED apps/kustomization.yaml:10',
    ]);
  });
});

describe('Alert event sources of flux-operator (cause 9)', () => {
  // modelled on onedr0p/home-ops kubernetes/components/alerts/alertmanager/alert.yaml
  const alert = (kind: string) =>
    doc({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Alert',
      metadata: { name: 'alertmanager', namespace: 'flux-system' },
      spec: {
        providerRef: { name: 'alertmanager' },
        eventSeverity: 'error',
        eventSources: [
          { kind, name: '*' },
          { kind: 'ResourceSet', name: '*' },
          { kind: 'Kustomization', name: '*' },
        ],
      },
    });

  it('FluxInstance and ResourceSet are valid kinds; a typo is still SCHEMA_INVALID', async () => {
    const dir = repo({ 'apps/alert.yaml': alert('FluxInstance') });
    expect(codes(await run(dir), 'SCHEMA_')).toEqual([]);
    write(dir, 'apps/alert.yaml', alert('FluxInstanse'));
    const f = (await run(dir)).filter((x) => x.code === 'SCHEMA_INVALID');
    expect(f.map((x) => `${x.file}:${x.line} ${x.message.split(':').slice(0, 2).join(':')}`)).toEqual([
      `apps/alert.yaml:${lineOf(dir, 'apps/alert.yaml', 'kind: FluxInstanse')} Alert alertmanager: spec.eventSources[0].kind`,
    ]);
  });
});

describe('SOPS-encrypted values and the schema', () => {
  it(
    'an ENC[...] value of a SOPS Secret is no SCHEMA_INVALID (Flux decrypts it first); a plain value that is ' +
      'not base64 still is, on the line of its dotted key',
    async () => {
      // modelled on xunholy/k8s-gitops kubernetes/clusters/cluster-00/secrets/sops-age.encrypted.yaml (sops writes 4-space indents)
      const secret = (value: string) =>
        `apiVersion: v1\ndata:\n    age.agekey: ${value}\nkind: Secret\nmetadata:\n    name: sops-age\n    ` +
        `namespace: flux-system\ntype: Opaque\nsops:\n    age:\n        - recipient: age1example\n          ` +
        `enc: |\n            -----BEGIN AGE ENCRYPTED FILE-----\n            -----END AGE ENCRYPTED FILE-----\n    version: 3.9.0\n`;
      const dir = repo({
        'apps/secret.sops.yaml': secret(
          'ENC[AES256_GCM,data:T0SIW1jH/L+sBx9x4iBF,iv:Nz7dlXcJi8kR4AfV=,tag:dNDKN06P3B89u1f6KGYCyQ==,type:str]',
        ),
      });
      expect(codes(await run(dir), 'SCHEMA_')).toEqual([]);
      write(dir, 'apps/secret.sops.yaml', secret('not base64!'));
      expect(codes(await run(dir), 'SCHEMA_')).toEqual(['SCHEMA_INVALID apps/secret.sops.yaml:3']);
    },
  );
});

describe('valueMap: the values postBuild substitutes, as Flux reads them', () => {
  it("a Secret's data is decoded from base64; a SOPS ciphertext is unknown (left out), stringData and ConfigMaps as written", () => {
    const obj = (kind: string, name: string, raw: Record<string, unknown>) =>
      ({ kind, name, namespace: 'flux-system', apiVersion: 'v1', raw }) as unknown as Obj;
    const ks = {
      namespace: 'flux-system',
      postBuild: {
        substituteFrom: [
          { kind: 'ConfigMap', name: 'settings' },
          { kind: 'Secret', name: 'secrets' },
        ],
        substitute: { OWN: 'mine' },
      },
    } as unknown as Ks;
    const sops = 'ENC[AES256_GCM,data:oobQP6mZ51KL,iv:tOUqTaMfifPxTG=,tag:hzNtddvOIpl9Y==,type:str]';
    const values = valueMap(ks, [
      obj('ConfigMap', 'settings', { data: { ZONE: 'home.example.org', CIPHER_IN_CM: sops } }),
      obj('Secret', 'secrets', {
        data: { TOKEN: Buffer.from('s3cr3t').toString('base64'), ENCRYPTED_DATA: sops },
        stringData: { SECRET_DOMAIN: sops, PLAIN: 'example.net' },
      }),
    ]);
    expect(values).toEqual({ ZONE: 'home.example.org', TOKEN: 's3cr3t', PLAIN: 'example.net', OWN: 'mine' });
  });
});
