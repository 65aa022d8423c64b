// False alarms the corpus run of issue 15 found outside the list (N14, N16, N17, N18 of the triage), each
// with a fixture of our own modelled on the real file, and a control that keeps the real defect reported.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Finding } from '../../src';
import { check } from '../../src';
import { tmpDir } from '../helpers/fs';

function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}
const doc = (o: unknown) => `---\n${stringify(o)}`;

/** A repository with the given clusters (clusters/<c>, classic gotk-sync) and files under each cluster folder. */
function repo(clusters: Record<string, Record<string, unknown[]>>): string {
  const dir = tmpDir('cpc-corpus-causes-');
  for (const [c, files] of Object.entries(clusters)) {
    write(
      dir,
      `clusters/${c}/flux-system/gotk-sync.yaml`,
      doc({
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'flux-system', namespace: 'flux-system' },
        spec: { interval: '1h', url: 'https://git.example.com/home.git', ref: { branch: 'main' } },
      }) +
        doc({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'flux-system', namespace: 'flux-system' },
          spec: {
            interval: '1h',
            path: `./clusters/${c}`,
            prune: true,
            sourceRef: { kind: 'GitRepository', name: 'flux-system' },
          },
        }),
    );
    for (const [rel, objs] of Object.entries(files)) write(dir, `clusters/${c}/${rel}`, objs.map(doc).join(''));
  }
  return dir;
}

const run = async (dir: string) => (await check({ dir, clusterPaths: ['clusters/*'] })).findings;
const of = (fs_: Finding[], code: string) =>
  fs_.filter((f) => f.code === code).map((f) => `${f.severity} ${f.file}:${f.line}`);
const lineOf = (dir: string, rel: string, text: string) =>
  fs
    .readFileSync(path.join(dir, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

describe('corpus causes: credentials rules read what a value is, not only what its key says', () => {
  it('N17: a domain, a boolean and the name of a Secret under credential-sounding keys are not credentials; a real one still is', async () => {
    const settings = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-settings', namespace: 'flux-system' },
      data: {
        SECRET_DOMAIN: 'example.io', // home-ops name for the public domain
        'enable-policy-secrets-sync': 'true', // a Cilium flag
        ONEPASSWORD_CONNECT_TOKEN_SECRET: 'onepassword-connect-token', // names the Secret holding the token
        GRAFANA_ADMIN_PASSWORD: 'Tr0ub4dor&3-horse', // the control: a credential in a ConfigMap
      },
    };
    const dir = repo({ home: { 'settings.yaml': [settings] } });
    const f = await run(dir);
    const file = 'clusters/home/settings.yaml';
    expect(of(f, 'SETTING_CREDENTIAL')).toEqual([
      `error ${file}:${lineOf(dir, file, 'GRAFANA_ADMIN_PASSWORD')}`,
      `warning ${file}:${lineOf(dir, file, 'ONEPASSWORD_CONNECT_TOKEN_SECRET')}`,
    ]);
    expect(f.find((x) => x.code === 'SETTING_CREDENTIAL' && x.severity === 'warning')?.message).toMatch(
      /looks like the name of a Secret/,
    );
  });

  it("N18: a Secret template's hostname and port are not plain-text credentials; its password is", async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-db', namespace: 'default' },
      stringData: {
        hostname: 'postgres-rw.database.svc',
        port: '5432',
        DB_HOST: 'db.example.internal',
        username: '${APP_DB_USER}',
        password: 'pl41n-text-pass',
      },
    };
    const dir = repo({ home: { 'secret.yaml': [secret] } });
    const file = 'clusters/home/secret.yaml';
    expect(of(await run(dir), 'SECRET_NOT_ENCRYPTED')).toEqual([`error ${file}:${lineOf(dir, file, 'password:')}`]);
  });

  it("N16: an application's own {NAME} placeholder in a URL's password is not a credential; a literal password is", async () => {
    const cm = (name: string, url: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { 'config.yml': `cameras:\n  porch:\n    path: ${url}\n` },
    });
    const dir = repo({
      home: {
        'frigate.yaml': [
          cm('frigate', 'rtsp://view:{FRIGATE_RTSP_PASSWORD}@porch.home:554/live'),
          cm('frigate-old', 'rtsp://view:realpass99@porch.home:554/live'),
        ],
      },
    });
    const f = await run(dir);
    expect(f.filter((x) => x.code === 'URL_CREDENTIALS').map((x) => x.message)).toEqual([
      expect.stringMatching(/^ConfigMap default\/frigate-old: /),
    ]);
  });
});

describe('corpus causes: N14, a Cilium cluster.id shared by clusters that are not meshed', () => {
  const cilium = (mesh: boolean) => ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'cilium', namespace: 'kube-system' },
    spec: {
      interval: '1h',
      chart: {
        spec: {
          chart: 'cilium',
          version: '1.18.4',
          sourceRef: { kind: 'HelmRepository', name: 'cilium', namespace: 'flux-system' },
        },
      },
      values: { cluster: { id: 1, name: 'x' }, ...(mesh ? { clustermesh: { useAPIServer: true } } : {}) },
    },
  });

  it('is an info note while they are not meshed (szinn/k8s-homelab: main and staging both id 1)', async () => {
    const dir = repo({ main: { 'cilium.yaml': [cilium(false)] }, staging: { 'cilium.yaml': [cilium(false)] } });
    const f = await run(dir);
    expect(f.filter((x) => x.code === 'CLUSTER_ID_REUSED').map((x) => x.severity)).toEqual(['info']);
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('stays an error once both clusters mesh', async () => {
    const dir = repo({ main: { 'cilium.yaml': [cilium(true)] }, staging: { 'cilium.yaml': [cilium(true)] } });
    const file = 'clusters/staging/cilium.yaml';
    expect(of(await run(dir), 'CLUSTER_ID_REUSED')).toEqual([`error ${file}:${lineOf(dir, file, 'id: 1')}`]);
  });
});
