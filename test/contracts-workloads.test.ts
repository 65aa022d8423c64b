import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addStories, createClusters, loadCatalog } from '../src';
import { type FluxKs, isFluxKs } from './helpers/flux';
import { walkClusterBatched } from './helpers/flux-batch';
import { tmpDir } from './helpers/fs';

/*
 * Contracts between workload components (issue #13, "workloads"): what one component expects from another (a
 * source folder, a Redis that keeps jobs, a receiver, a backup, an SSO client, a namespace) checked on the real
 * build of the reference platform (infra + apps, every story approved), walked as Flux walks it with real
 * `kubectl kustomize`. Expected values come from the inputs: the catalog, cluster-settings and the other
 * component's own objects. CONTRACTS_REPO=<dir> checks an already generated repository instead (e.g. the output
 * of another revision).
 */

const cat = loadCatalog();
const CLUSTERS = ['infra', 'apps'] as const;
type Cluster = (typeof CLUSTERS)[number];
const SYSTEM = new Set(['kube-system', 'flux-system', 'default']);

let repo: string;
const walks = new Map<Cluster, Map<string, FluxKs>>();

const walk = (c: Cluster) => walks.get(c)!;
function ks(c: Cluster, name: string): FluxKs {
  const k = walk(c).get(name);
  if (!k) throw new Error(`${c}: Flux Kustomization ${name} is not wired`);
  return k;
}
/** The Flux Kustomization object `name`, as its parent applies it. */
function fluxKs(c: Cluster, name: string): any {
  const parent = ks(c, name).parent!;
  return ks(c, parent).objects.find((o) => isFluxKs(o) && o.metadata.name === name);
}
function obj(c: Cluster, ksName: string, kind: string, name: string): any {
  const o = ks(c, ksName).objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${c}: ${kind} ${name} is missing from Flux Kustomization ${ksName}`);
  return o;
}
const all = (c: Cluster): { ks: string; o: any }[] =>
  [...walk(c).entries()].flatMap(([n, k]) => k.objects.map((o) => ({ ks: n, o })));
const settings = (c: Cluster): Record<string, string> => obj(c, 'flux-system', 'ConfigMap', 'cluster-settings').data;
function values(c: Cluster, id: string): any {
  const hr = obj(c, id, 'HelmRelease', id);
  const ref = hr.spec.valuesFrom.find((v: any) => v.kind === 'ConfigMap');
  return parse(obj(c, id, 'ConfigMap', ref.name).data['values.yaml']);
}
/** Namespace an object ends up in: its own, else the targetNamespace of the Kustomization that applies it. */
const nsOf = (c: Cluster, ksName: string, o: any): string | undefined =>
  o.metadata.namespace ?? (ksName === 'flux-system' ? undefined : fluxKs(c, ksName)?.spec.targetNamespace);
/** [store key, property] pairs an ExternalSecret reads, by target secret key. */
function esReads(es: any): Record<string, [string, string | undefined]> {
  return Object.fromEntries(
    (es.spec.data ?? []).map((d: any) => [d.secretKey, [d.remoteRef.key, d.remoteRef.property]]),
  );
}
/** The ExternalSecret (anywhere on the cluster, in namespace ns) that writes Secret `secret`. */
function esFor(c: Cluster, ns: string, secret: string): any {
  const hit = all(c).find(
    ({ ks: k, o }) =>
      o.kind === 'ExternalSecret' && (o.spec.target?.name ?? o.metadata.name) === secret && nsOf(c, k, o) === ns,
  );
  if (!hit) throw new Error(`${c}: no ExternalSecret writes Secret ${ns}/${secret}`);
  return hit.o;
}
const realmImport = () => obj('infra', 'keycloak', 'KeycloakRealmImport', 'platform');
/** Store item and property the realm import hands to Keycloak as the secret of the client `clientId`. */
function realmClientSecretSource(clientId: string): [string, string | undefined] {
  const ri = realmImport();
  const client = ri.spec.realm.clients.find((x: any) => x.clientId === clientId);
  // Flux turns the escaped $${X} into ${X}, the placeholder Keycloak fills in
  const placeholder = /^\$?\$\{(\w+)\}$/.exec(client.secret)![1];
  const ref = ri.spec.placeholders[placeholder].secret;
  return esReads(esFor('infra', fluxKs('infra', 'keycloak').spec.targetNamespace, ref.name))[ref.key];
}
function bytes(q: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(q)!;
  const f: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? f[m[2]] : 1);
}

beforeAll(() => {
  if (process.env.CONTRACTS_REPO) repo = process.env.CONTRACTS_REPO;
  else {
    repo = path.join(tmpDir('contracts-workloads-'), 'platform');
    createClusters({ dir: repo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({ dir: repo, ids: cat.stories.map((s) => s.id), approve: true });
  }
  for (const c of CLUSTERS) walks.set(c, walkClusterBatched(repo, c, { substitute: true }));
}, 240_000);

describe('workload contracts', () => {
  it('keycloak-operator: the GitRepository ignore rules keep the folder its Kustomization applies (gitignore semantics)', () => {
    for (const c of CLUSTERS) {
      const sources = all(c).filter(({ o }) => o.kind === 'GitRepository' && o.spec.ignore);
      if (c === 'infra') expect(sources.map(({ o }) => o.metadata.name)).toContain('keycloak-operator');
      for (const { o: src } of sources) {
        const ig = ignore().add(src.spec.ignore);
        const users = all(c).filter(
          ({ o }) =>
            isFluxKs(o) && o.spec.sourceRef?.kind === 'GitRepository' && o.spec.sourceRef.name === src.metadata.name,
        );
        expect(users.length, `${c}: nothing applies GitRepository ${src.metadata.name}`).toBeGreaterThan(0);
        for (const { o: k } of users) {
          const folder = path.posix
            .normalize(k.spec.path)
            .replace(/^\.?\/*/, '')
            .replace(/\/$/, '');
          // Flux matches ignore rules against repository-relative paths: the applied folder's files must survive.
          expect(
            ig.ignores(`${folder}/kustomization.yaml`),
            `${c}: ${src.metadata.name} ignore drops ${folder}/ (${JSON.stringify(src.spec.ignore)})`,
          ).toBe(false);
          expect(ig.ignores('README.md'), `${c}: ${src.metadata.name} ignore keeps files outside ${folder}/`).toBe(
            true,
          );
        }
      }
    }
  });

  it('Dragonfly holds GitLab and Harbor queues: no cache mode (no eviction), maxmemory below the limit, frequent snapshots', () => {
    const df = obj('infra', 'dragonfly', 'Dragonfly', 'dragonfly');
    const host = `${obj('infra', 'dragonfly', 'Service', 'dragonfly-global').metadata.name}.${fluxKs('infra', 'dragonfly').spec.targetNamespace}.svc`;
    // who relies on it keeping data: components whose values reach the global Dragonfly Service
    const clients = CLUSTERS.flatMap((c) =>
      [...walk(c).entries()].filter(([, k]) => k.text.includes(host)).map(([n]) => n),
    );
    expect(clients).toEqual(expect.arrayContaining(['gitlab', 'harbor']));
    const args: string[] = df.spec.args ?? [];
    expect(
      args.filter((a) => /^--cache_mode(=true)?$/.test(a)),
      'Dragonfly evicts keys in cache mode',
    ).toEqual([]);
    const maxmemory = args.find((a) => a.startsWith('--maxmemory='))!.split('=')[1];
    expect(bytes(maxmemory.replace(/B$/, ''))).toBeLessThan(bytes(df.spec.resources.limits.memory));
    const minute = df.spec.snapshot.cron.split(' ')[0];
    const every = /^\*\/(\d+)$/.exec(minute);
    expect(
      every && Number(every[1]) <= 15,
      `snapshots every ${minute}: a restart loses up to an hour of queued jobs`,
    ).toBe(true);
  });

  it('Alertmanager sends to a receiver whose type is a setting and whose URL comes from the secret store', () => {
    const v = values('infra', 'victoria-metrics-global');
    const secret = v.alertmanager.spec.configSecret;
    expect(secret, 'the chart renders a config with receiver blackhole only').toBeTruthy();
    const es = esFor('infra', fluxKs('infra', 'victoria-metrics-global').spec.targetNamespace, secret);
    const type = settings('infra').ALERTMANAGER_RECEIVER_TYPE;
    expect(type).toBeTruthy();
    // the ESO template (Go) is left as is; everything else is the Alertmanager config
    const text = es.spec.target.template.data['alertmanager.yaml']
      .replace(/^\s*\{\{.*\}\}\s*$/gm, '')
      .replace(/\{\{[^}]*\}\}/g, 'https://receiver.invalid');
    const cfg = parse(text);
    const route = cfg.route.receiver;
    const receiver = cfg.receivers.find((r: any) => r.name === route);
    expect(receiver[`${type}_configs`], `receiver ${route} has no ${type}_configs`).toHaveLength(1);
    const [key] = Object.values(esReads(es))[0];
    expect(key).toBe(`kubernetes/infra/alertmanager-receiver`);
  });

  it('every cluster with PrometheusRules evaluates them and notifies the global Alertmanager', () => {
    const infraNs = fluxKs('infra', 'victoria-metrics-global').spec.targetNamespace;
    for (const c of CLUSTERS) {
      const rules = all(c).filter(({ o }) => o.kind === 'PrometheusRule');
      expect(rules.length, c).toBeGreaterThan(0);
      const evaluators = [...walk(c).keys()].filter(
        (n) =>
          walk(c)
            .get(n)!
            .objects.some((o) => o.kind === 'HelmRelease' && o.metadata.name === n) &&
          values(c, n)?.vmalert?.enabled === true,
      );
      expect(evaluators, `${c}: no vmalert evaluates its ${rules.length} PrometheusRules`).toHaveLength(1);
      if (c === 'infra') continue;
      const v = values(c, evaluators[0]);
      const s = settings(c);
      expect(v.vmalert.spec.notifiers.map((n: any) => n.url)).toEqual([s.ALERTMANAGER_URL]);
      const read = new URL(v.external.vm.read.url);
      expect(read.origin + read.pathname).toBe(s.VM_QUERY_URL);
      expect(read.searchParams.getAll('extra_label'), `${c}: vmalert would evaluate every cluster's series`).toEqual([
        `cluster=${c}`,
      ]);
      // the same credential on both sides: vmalert's basic auth and the VMUser on infra
      const secret = v.vmalert.spec.notifiers[0].basicAuth.password.name;
      const user = all('infra').find(({ o }) => o.kind === 'VMUser' && o.spec.passwordRef?.name === secret);
      expect(user, `infra has no VMUser checking Secret ${secret}`).toBeTruthy();
      expect(esReads(esFor(c, fluxKs(c, evaluators[0]).spec.targetNamespace, secret)).password).toEqual(
        esReads(esFor('infra', infraNs, secret)).password,
      );
      const paths = user!.o.spec.targetRefs.flatMap((t: any) => t.paths);
      for (const p of ['/select/0/prometheus/api/v1/query', '/api/v2/alerts'])
        expect(
          paths.some((re: string) => new RegExp(`^${re}$`).test(p)),
          p,
        ).toBe(true);
      const route = obj('infra', 'victoria-metrics-global', 'HTTPRoute', 'metrics');
      expect(route.spec.hostnames).toEqual([new URL(s.ALERTMANAGER_URL).hostname]);
      const prefixes = route.spec.rules.flatMap((r: any) => r.matches.map((m: any) => m.path.value));
      for (const p of [read.pathname, '/api/v2/alerts'])
        expect(
          prefixes.some((x: string) => p.startsWith(x)),
          `HTTPRoute metrics does not route ${p}`,
        ).toBe(true);
    }
  });

  it("Gitaly's volume is backed up: a workload includes the volsync-restic component for its PVC", () => {
    const gitaly = values('apps', 'gitlab').gitlab.gitaly.persistence;
    const pvc = `repo-data-gitlab-gitaly-0`; // StatefulSet gitlab-gitaly (release gitlab), claim template repo-data
    const rs = all('apps').find(({ o }) => o.kind === 'ReplicationSource' && o.spec.sourcePVC === pvc);
    expect(rs, 'no ReplicationSource backs up the Gitaly PVC').toBeTruthy();
    expect(nsOf('apps', rs!.ks, rs!.o)).toBe(fluxKs('apps', 'gitlab').spec.targetNamespace);
    const k = fluxKs('apps', rs!.ks);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(expect.arrayContaining(['gitlab', 'volsync']));
    const restore = all('apps').find(
      ({ o }) => o.kind === 'ReplicationDestination' && o.spec.restic.repository === rs!.o.spec.restic.repository,
    );
    expect(bytes(restore!.o.spec.restic.capacity)).toBe(bytes(gitaly.size));
    // the app folder includes the shared component rather than a copy of it
    const appKs = parse(fs.readFileSync(path.join(repo, k.spec.path, 'kustomization.yaml'), 'utf8'));
    expect(
      (appKs.components ?? []).map((p: string) => path.posix.normalize(path.posix.join(k.spec.path, p))),
    ).toContain('kubernetes/infrastructure/storage/volsync/components/volsync-restic');
  });

  it('CloudNativePG backs up through the barman-cloud plugin: ObjectStore, plugins entry, ScheduledBackup method plugin, keys from the ExternalSecret', () => {
    const cluster = obj('infra', 'cnpg-shared-cluster', 'Cluster', 'shared-postgres');
    expect(
      cluster.spec.backup?.barmanObjectStore,
      'in-tree barmanObjectStore is deprecated since 1.26',
    ).toBeUndefined();
    const plugin = (cluster.spec.plugins ?? []).find((p: any) => p.isWALArchiver);
    expect(plugin?.name).toBe('barman-cloud.cloudnative-pg.io');
    const store = obj('infra', 'cnpg-shared-cluster', 'ObjectStore', plugin.parameters.barmanObjectName);
    const sb = obj('infra', 'cnpg-shared-cluster', 'ScheduledBackup', 'shared-postgres-daily');
    expect([sb.spec.method, sb.spec.pluginConfiguration?.name]).toEqual(['plugin', plugin.name]);
    const ns = fluxKs('infra', 'cnpg-shared-cluster').spec.targetNamespace;
    for (const ref of Object.values(store.spec.configuration.s3Credentials) as { name: string; key: string }[]) {
      expect(Object.keys(esReads(esFor('infra', ns, ref.name))), `Secret ${ref.name}`).toContain(ref.key);
    }
    expect(store.spec.retentionPolicy).toBe(settings('infra').CNPG_BACKUP_RETENTION);
    // the plugin runs next to the operator, with cert-manager for its mTLS certificates, before the cluster
    const pluginKs = [...walk('infra').keys()].find((n) =>
      walk('infra')
        .get(n)!
        .objects.some((o) => o.kind === 'HelmRelease' && /barman-cloud/.test((o as any).metadata.name)),
    );
    expect(pluginKs, 'no HelmRelease installs the barman-cloud plugin').toBeTruthy();
    expect(fluxKs('infra', pluginKs!).spec.targetNamespace).toBe(
      fluxKs('infra', 'cloudnative-pg').spec.targetNamespace,
    );
    expect(fluxKs('infra', pluginKs!).spec.dependsOn.map((d: any) => d.name)).toEqual(
      expect.arrayContaining(['cloudnative-pg', 'cert-manager']),
    );
    expect(fluxKs('infra', 'cnpg-shared-cluster').spec.dependsOn.map((d: any) => d.name)).toContain(pluginKs);
  });

  it('Grafana logs in with realm client grafana (generic OAuth, secret from the same store item as the realm import)', () => {
    const v = values('infra', 'victoria-metrics-global').grafana;
    const root = v['grafana.ini'].server.root_url;
    const client = realmImport().spec.realm.clients.find((x: any) =>
      (x.redirectUris ?? []).includes(`${root}/login/generic_oauth`),
    );
    expect(client, `no realm client redirects to ${root}/login/generic_oauth`).toBeTruthy();
    const oauth = v['grafana.ini']['auth.generic_oauth'];
    expect(oauth?.enabled, 'Grafana has no generic OAuth login').toBe(true);
    expect(oauth.client_id).toBe(client.clientId);
    const issuer = settings('infra').OIDC_ISSUER_URL;
    expect(issuer.endsWith(`/realms/${realmImport().spec.realm.realm}`)).toBe(true);
    for (const k of ['auth_url', 'token_url', 'api_url'])
      expect(oauth[k].startsWith(`${issuer}/protocol/openid-connect/`), k).toBe(true);
    const env = v.envValueFrom.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET.secretKeyRef;
    const es = esFor('infra', fluxKs('infra', 'victoria-metrics-global').spec.targetNamespace, env.name);
    expect(esReads(es)[env.key]).toEqual(realmClientSecretSource(client.clientId));
  });

  it('Harbor logs in with realm client harbor (OIDC auth mode, secret from the same store item as the realm import)', () => {
    const v = values('infra', 'harbor');
    const client = realmImport().spec.realm.clients.find((x: any) =>
      (x.redirectUris ?? []).includes(`${v.externalURL}/c/oidc/callback`),
    );
    expect(client, `no realm client redirects to ${v.externalURL}/c/oidc/callback`).toBeTruthy();
    const env = (v.core.extraEnvVars ?? []).find((e: any) => e.name === 'CONFIG_OVERWRITE_JSON');
    expect(env, 'Harbor core gets no auth configuration').toBeTruthy();
    const ref = env.valueFrom.secretKeyRef;
    const es = esFor('infra', fluxKs('infra', 'harbor').spec.targetNamespace, ref.name);
    const json = JSON.parse(es.spec.target.template.data[ref.key].replace(/\{\{[^}]*\}\}/g, 'SECRET'));
    expect([json.auth_mode, json.oidc_client_id, json.oidc_endpoint]).toEqual([
      'oidc_auth',
      client.clientId,
      settings('infra').OIDC_ISSUER_URL,
    ]);
    const [tplVar] = /\{\{\s*\.(\w+)\s*\}\}/.exec(es.spec.target.template.data[ref.key])!.slice(1);
    expect(esReads(es)[tplVar]).toEqual(realmClientSecretSource(client.clientId));
  });

  it('the same-namespace baseline admits only the namespace itself, for every opted-in namespace', () => {
    const label = 'network-policy.platform/baseline';
    for (const c of CLUSTERS) {
      const optedIn = all(c)
        .filter(({ o }) => o.kind === 'Namespace' && o.metadata.labels?.[label] === 'enabled')
        .map(({ o }) => o.metadata.name);
      expect(optedIn.length, c).toBeGreaterThan(0);
      // no clusterwide rule lets one opted-in namespace in or out to all the others
      for (const { o } of all(c).filter(({ o }) => o.kind === 'CiliumClusterwideNetworkPolicy')) {
        const peers = [
          ...(o.spec.ingress ?? []).flatMap((r: any) => r.fromEndpoints ?? []),
          ...(o.spec.egress ?? []).flatMap((r: any) => r.toEndpoints ?? []),
        ];
        for (const p of peers)
          expect(
            p.matchLabels?.[`io.cilium.k8s.namespace.labels.${label}`],
            `${c}: ${o.metadata.name} admits every opted-in namespace`,
          ).toBeUndefined();
      }
      for (const ns of optedIn) {
        const own = all(c).filter(
          ({ ks: k, o }) => o.kind === 'CiliumNetworkPolicy' && nsOf(c, k, o) === ns && o.spec.enableDefaultDeny,
        );
        const same = own.find(
          ({ o }) =>
            JSON.stringify(o.spec.endpointSelector) === '{}' &&
            JSON.stringify(o.spec.ingress) === '[{"fromEndpoints":[{}]}]' &&
            JSON.stringify(o.spec.egress) === '[{"toEndpoints":[{}]}]',
        );
        expect(same, `${c}: namespace ${ns} has no same-namespace policy`).toBeTruthy();
      }
    }
  });

  it('health checks on kinds without a Ready condition come with healthCheckExprs on their real status fields (Flux >= 2.5)', () => {
    const [maj, min] = values('infra', 'flux-instance').instance.distribution.version.split('.').map(Number);
    expect(maj > 2 || (maj === 2 && min >= 5), 'healthCheckExprs needs Flux 2.5').toBe(true);
    // kinds whose controllers publish a Ready condition (or that kstatus judges natively)
    const ready = new Set([
      'apps/v1/Deployment',
      'apps/v1/DaemonSet',
      'v1/Namespace',
      'helm.toolkit.fluxcd.io/v2/HelmRelease',
      'external-secrets.io/v1/ExternalSecret',
      'external-secrets.io/v1/ClusterSecretStore',
      'cert-manager.io/v1/Certificate',
      'cert-manager.io/v1/ClusterIssuer',
      'fluxcd.controlplane.io/v1/FluxInstance',
      'postgresql.cnpg.io/v1/Cluster',
      'k8s.keycloak.org/v2alpha1/Keycloak',
    ]);
    // the field each must be judged on, from the CRD at the pinned version
    const field: Record<string, RegExp> = {
      'dragonflydb.io/v1alpha1/Dragonfly': /status\.phase/,
      'ceph.rook.io/v1/CephBlockPool': /status\.phase/,
      'ceph.rook.io/v1/CephCluster': /status\.phase/,
      'actions.github.com/v1alpha1/AutoscalingRunnerSet': /runner-scale-set-id/,
      'operator.victoriametrics.com/v1beta1/VMCluster': /status\.updateStatus/,
      'operator.victoriametrics.com/v1beta1/VMAuth': /status\.updateStatus/,
      'gateway.networking.k8s.io/v1/Gateway': /Programmed/,
      'cilium.io/v2/CiliumBGPClusterConfig': /cilium\.io\/NoMatchingNode/,
    };
    const seen = new Set<string>();
    for (const c of CLUSTERS) {
      for (const { o } of all(c).filter(({ o }) => isFluxKs(o))) {
        for (const h of o.spec.healthChecks ?? []) {
          const kind = `${h.apiVersion}/${h.kind}`;
          if (ready.has(kind)) continue;
          seen.add(kind);
          const expr = (o.spec.healthCheckExprs ?? []).find(
            (e: any) => e.apiVersion === h.apiVersion && e.kind === h.kind,
          );
          expect(
            expr,
            `${c}: ${o.metadata.name} health-checks ${kind} without healthCheckExprs: it passes as soon as it exists`,
          ).toBeTruthy();
          expect(expr.current, kind).toMatch(field[kind] ?? /^$/);
        }
      }
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'dragonflydb.io/v1alpha1/Dragonfly',
        'ceph.rook.io/v1/CephBlockPool',
        'actions.github.com/v1alpha1/AutoscalingRunnerSet',
      ]),
    );
  });

  it('every Namespace is applied by one Flux Kustomization per cluster (no label flip-flop between Kustomizations)', () => {
    for (const c of CLUSTERS) {
      const by = new Map<string, string[]>();
      for (const { ks: k, o } of all(c))
        if (o.kind === 'Namespace' && !SYSTEM.has(o.metadata.name))
          by.set(o.metadata.name, [...(by.get(o.metadata.name) ?? []), k]);
      for (const [ns, appliers] of by) expect(appliers, `${c}: Namespace ${ns}`).toHaveLength(1);
      // and every component's targetNamespace is declared on the cluster
      for (const { o } of all(c).filter(
        ({ o }) => isFluxKs(o) && o.spec.targetNamespace && !SYSTEM.has(o.spec.targetNamespace),
      )) {
        expect(
          by.has(o.spec.targetNamespace),
          `${c}: ${o.metadata.name} targets ${o.spec.targetNamespace}, which nothing declares`,
        ).toBe(true);
      }
    }
  });

  it('catalog: components sharing a namespace render the same Namespace object as applied (labels of commonMetadata included)', () => {
    const shared = new Map<string, string[]>();
    for (const [id, e] of cat.components)
      if (!SYSTEM.has(e.component.namespace))
        shared.set(e.component.namespace, [...(shared.get(e.component.namespace) ?? []), id]);
    for (const c of CLUSTERS) {
      for (const [ns, ids] of shared) {
        if (ids.length < 2) continue;
        const applied = all(c)
          .filter(({ o }) => o.kind === 'Namespace' && o.metadata.name === ns)
          .map(({ ks: k, o }) => {
            const common = k === 'flux-system' ? undefined : fluxKs(c, k)?.spec.commonMetadata;
            const labels = {
              ...(o.metadata.labels ?? {}),
              ...(common?.labels ?? {}),
              'kustomize.toolkit.fluxcd.io/name': ks(c, k).parent ? k : 'flux-system',
            };
            return JSON.stringify({ ...o.metadata, labels: Object.fromEntries(Object.entries(labels).sort()) });
          });
        expect(
          new Set(applied).size,
          `${c}: Namespace ${ns} (components ${ids.join(', ')}) is applied in ${applied.length} different shapes`,
        ).toBeLessThanOrEqual(1);
      }
    }
  });
});
