// platform-kit check finds each cluster's entry as Flux is told about it, with no flags (issue #15, item 1):
//   - a flux-operator FluxInstance (or the flux-instance chart's values) and its spec.sync.path,
//   - a classic `flux bootstrap` gotk-sync.yaml pair (source + Kustomization applying its own folder),
//   - our generated layout (kubernetes/clusters/<name>, sync.path kubernetes/clusters/${CLUSTER_NAME}),
//   - else the Flux Kustomizations no other Kustomization of the repository creates;
// it walks the repository's own source whatever its name, and the entry's own sync Kustomization met again inside
// its tree is the entry, not a DUPLICATE_KUSTOMIZATION (cause 10).
//
// Every fixture is a small repository written here (modelled on onedr0p/home-ops, a flux2 bootstrap repository,
// a multi-cluster fleet and our generated layout); expected names, entries and counts are derived from the
// documents each fixture writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CheckResult, Finding } from '../src';
import { check } from '../src';
import { tmpDir } from './helpers/fs';

type Doc = Record<string, any>;

/** A fixture repository in a temp dir that remembers every document it wrote. */
class Repo {
  readonly dir = tmpDir('cpc-entries-');
  readonly docs: { file: string; doc: Doc }[] = [];

  write(file: string, ...docs: Doc[]): this {
    fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
    fs.writeFileSync(path.join(this.dir, file), docs.map((d) => stringify(d)).join('---\n'));
    this.docs.push(...docs.map((doc) => ({ file, doc })));
    return this;
  }

  /** Line (1-based) of the first line of `file` containing `text`. */
  lineOf(file: string, text: string): number {
    const i = fs
      .readFileSync(path.join(this.dir, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text));
    if (i < 0) throw new Error(`${text} not in ${file}`);
    return i + 1;
  }

  /** Flux Kustomizations written whose sourceRef names `source` (the ones check must walk). */
  fluxKustomizations(source: string): { file: string; doc: Doc }[] {
    return this.docs.filter(
      (d) =>
        d.doc.kind === 'Kustomization' &&
        d.doc.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') &&
        d.doc.spec.sourceRef.name === source,
    );
  }

  count(kind: string, under = ''): number {
    return this.docs.filter((d) => d.doc.kind === kind && d.file.startsWith(under)).length;
  }
}

const kustomization = (resources: string[], extra: Doc = {}): Doc => ({
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  ...extra,
  resources,
});
const namespace = (name: string): Doc => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const gitRepository = (name: string, url: string): Doc => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name, namespace: 'flux-system' },
  spec: { interval: '1h', url, ref: { branch: 'main' } },
});
const ociRepository = (name: string): Doc => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'OCIRepository',
  metadata: { name },
  spec: { interval: '1h', url: `oci://ghcr.io/example/charts/${name}`, ref: { tag: '1.0.0' } },
});
const helmRelease = (name: string, values: Doc = {}): Doc => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name },
  spec: { interval: '1h', chartRef: { kind: 'OCIRepository', name }, values },
});
function fluxKs(
  name: string,
  p: string,
  source: string,
  opts: { dependsOn?: string[]; targetNamespace?: string; namespace?: string } = {},
): Doc {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: opts.namespace ?? 'flux-system' },
    spec: {
      ...(opts.dependsOn ? { dependsOn: opts.dependsOn.map((n) => ({ name: n })) } : {}),
      interval: '1h',
      path: `./${p}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: source },
      ...(opts.targetNamespace ? { targetNamespace: opts.targetNamespace } : {}),
      wait: false,
    },
  };
}

/** Two home-ops style apps under `root` (namespace default): echo, and whoami waiting for `whoamiWaitsFor`. */
function apps(repo: Repo, root: string, source: string, whoamiWaitsFor = 'echo'): void {
  repo.write(
    `${root}/default/kustomization.yaml`,
    kustomization(['./namespace.yaml', './echo/ks.yaml', './whoami/ks.yaml']),
  );
  repo.write(`${root}/default/namespace.yaml`, namespace('default'));
  for (const app of ['echo', 'whoami']) {
    repo.write(
      `${root}/default/${app}/ks.yaml`,
      fluxKs(app, `${root}/default/${app}/app`, source, {
        targetNamespace: 'default',
        ...(app === 'whoami' ? { dependsOn: [whoamiWaitsFor] } : {}),
      }),
    );
    repo.write(
      `${root}/default/${app}/app/kustomization.yaml`,
      kustomization(['./ocirepository.yaml', './helmrelease.yaml']),
    );
    repo.write(`${root}/default/${app}/app/ocirepository.yaml`, ociRepository(app));
    repo.write(`${root}/default/${app}/app/helmrelease.yaml`, helmRelease(app));
  }
}

/** onedr0p/home-ops: the flux-instance chart's HelmRelease (in the apps tree) syncs kubernetes/flux/cluster. */
function fluxInstanceRepo(whoamiWaitsFor = 'echo'): Repo {
  const repo = new Repo();
  repo.write('kubernetes/flux/cluster/ks.yaml', fluxKs('cluster-apps', 'kubernetes/apps', 'flux-system'));
  repo.write('kubernetes/apps/kustomization.yaml', kustomization(['./flux-system', './default']));
  repo.write(
    'kubernetes/apps/flux-system/kustomization.yaml',
    kustomization(['./namespace.yaml', './flux-instance/ks.yaml'], { namespace: 'flux-system' }),
  );
  repo.write('kubernetes/apps/flux-system/namespace.yaml', namespace('flux-system'));
  repo.write(
    'kubernetes/apps/flux-system/flux-instance/ks.yaml',
    fluxKs('flux-instance', 'kubernetes/apps/flux-system/flux-instance/app', 'flux-system'),
  );
  repo.write(
    'kubernetes/apps/flux-system/flux-instance/app/kustomization.yaml',
    kustomization(['./ocirepository.yaml', './helmrelease.yaml']),
  );
  repo.write('kubernetes/apps/flux-system/flux-instance/app/ocirepository.yaml', ociRepository('flux-instance'));
  repo.write(
    'kubernetes/apps/flux-system/flux-instance/app/helmrelease.yaml',
    helmRelease('flux-instance', {
      instance: {
        sync: {
          kind: 'GitRepository',
          url: 'https://github.com/example/home-ops',
          ref: 'refs/heads/main',
          path: 'kubernetes/flux/cluster',
          interval: '1h',
        },
      },
    }),
  );
  apps(repo, 'kubernetes/apps', 'flux-system', whoamiWaitsFor);
  return repo;
}

/** flux2 bootstrap with its own names: GitRepository `own`, sync Kustomization `cluster`, plus an upstream repo. */
function bootstrapRepo(whoamiWaitsFor = 'echo', own = 'home-kubernetes'): Repo {
  const repo = new Repo();
  repo.write(
    'clusters/prod/flux-system/gotk-sync.yaml',
    gitRepository(own, 'ssh://git@github.com/example/fleet'),
    fluxKs('cluster', 'clusters/prod', own),
  );
  repo.write('clusters/prod/flux-system/kustomization.yaml', kustomization(['./gotk-sync.yaml']));
  repo.write('clusters/prod/apps.yaml', fluxKs('apps', 'apps', own));
  // An upstream repository synced next to ours: its Kustomization is another source's, never walked here.
  repo.write(
    'clusters/prod/podinfo.yaml',
    gitRepository('podinfo', 'https://github.com/stefanprodan/podinfo'),
    fluxKs('podinfo', 'kustomize', 'podinfo'),
  );
  repo.write('apps/kustomization.yaml', kustomization(['./default']));
  apps(repo, 'apps', own, whoamiWaitsFor);
  return repo;
}

const errors = (r: CheckResult) => r.findings.filter((f) => f.severity === 'error');
const show = (fs_: Finding[]) =>
  fs_
    .map((f) => `${f.severity} ${f.code} [${f.cluster ?? '-'}] ${f.file ?? '-'}:${f.line ?? '-'} ${f.message}`)
    .join('\n');
const codes = (r: CheckResult, severity: Finding['severity'] = 'error') =>
  r.findings
    .filter((f) => f.severity === severity)
    .map((f) => f.code)
    .sort();

describe('entries found with no flags', () => {
  it('onedr0p-style FluxInstance: the flux-instance HelmRelease sync.path is the entry; one cluster named "cluster", every Kustomization walked', async () => {
    const repo = fluxInstanceRepo();
    const r = await check({ dir: repo.dir, build: true }); // every walked path builds with kubectl kustomize too
    expect(r.clusters).toEqual(['cluster']);
    const hr = 'kubernetes/apps/flux-system/flux-instance/app/helmrelease.yaml';
    expect(r.walked.cluster).toEqual({
      entry: 'kubernetes/flux/cluster',
      found: `flux-instance HelmRelease values instance.sync.path in ${hr}:${repo.lineOf(hr, 'path: kubernetes/flux/cluster')}`,
      source: { kind: 'GitRepository', name: 'flux-system' },
      // The operator's own flux-system Kustomization (not in the repository) plus every one the repository holds.
      kustomizations: 1 + repo.fluxKustomizations('flux-system').length,
      helmReleases: repo.count('HelmRelease'),
    });
    expect(r.graphs.cluster.nodes.find((n) => !n.parent)).toMatchObject({
      id: 'flux-system/flux-system',
      path: 'kubernetes/flux/cluster',
    });
    expect(errors(r), show(errors(r))).toEqual([]);
    expect(codes(r, 'warning')).toEqual([]);
  });

  it('onedr0p-style FluxInstance: a dependsOn on a missing Kustomization deep in the walked tree is DEPENDS_ON_MISSING (main exits 2 here)', async () => {
    const repo = fluxInstanceRepo('echo-typo');
    const r = await check({ dir: repo.dir });
    const f = 'kubernetes/apps/default/whoami/ks.yaml';
    expect(errors(r).map((x) => [x.code, x.cluster, x.file, x.line])).toEqual([
      ['DEPENDS_ON_MISSING', 'cluster', f, repo.lineOf(f, 'name: echo-typo')],
    ]);
  });

  it('a FluxInstance object (fluxcd.controlplane.io/v1) per cluster of a fleet: one cluster per sync.path, named from clusters/<name>', async () => {
    const repo = new Repo();
    const fleet = { staging: ['echo'], production: ['echo', 'whoami'] };
    for (const [c, list] of Object.entries(fleet)) {
      repo.write(`clusters/${c}/flux-system/flux-instance.yaml`, {
        apiVersion: 'fluxcd.controlplane.io/v1',
        kind: 'FluxInstance',
        metadata: { name: 'flux', namespace: 'flux-system' },
        spec: {
          distribution: { version: '2.x', registry: 'ghcr.io/fluxcd' },
          sync: {
            kind: 'GitRepository',
            url: 'https://git.example.com/fleet.git',
            ref: 'refs/heads/main',
            path: `clusters/${c}`,
          },
        },
      });
      repo.write(`clusters/${c}/apps.yaml`, fluxKs('apps', `apps/${c}`, 'flux-system'));
      repo.write(`apps/${c}/kustomization.yaml`, kustomization(list.map((a) => `../base/${a}`)));
    }
    for (const a of ['echo', 'whoami']) {
      repo.write(
        `apps/base/${a}/kustomization.yaml`,
        kustomization(['./ocirepository.yaml', './helmrelease.yaml'], { namespace: 'default' }),
      );
      repo.write(`apps/base/${a}/ocirepository.yaml`, ociRepository(a));
      repo.write(`apps/base/${a}/helmrelease.yaml`, helmRelease(a));
    }
    const r = await check({ dir: repo.dir });
    expect(r.clusters).toEqual(Object.keys(fleet).sort());
    for (const [c, list] of Object.entries(fleet)) {
      const file = `clusters/${c}/flux-system/flux-instance.yaml`;
      expect(r.walked[c]).toEqual({
        entry: `clusters/${c}`,
        found: `FluxInstance spec.sync.path in ${file}:${repo.lineOf(file, `path: clusters/${c}`)}`,
        source: { kind: 'GitRepository', name: 'flux-system' },
        kustomizations:
          1 + repo.fluxKustomizations('flux-system').filter((k) => k.file.startsWith(`clusters/${c}/`)).length,
        helmReleases: list.length,
      });
    }
    expect(errors(r), show(errors(r))).toEqual([]);
  });

  it(
    'classic bootstrap with its own names (GitRepository home-kubernetes, Kustomization "cluster"): found ' +
      'from gotk-sync.yaml, the own source walked, the upstream one not',
    async () => {
      const repo = bootstrapRepo();
      const r = await check({ dir: repo.dir, build: true });
      expect(r.clusters).toEqual(['prod']);
      const sync = 'clusters/prod/flux-system/gotk-sync.yaml';
      expect(r.walked.prod).toEqual({
        entry: 'clusters/prod',
        found: `gotk-sync ${sync}:${repo.lineOf(sync, 'apiVersion: kustomize.toolkit.fluxcd.io/')}`,
        source: { kind: 'GitRepository', name: 'home-kubernetes' },
        // the sync Kustomization itself is one of them; podinfo (another source) is not walked
        kustomizations: repo.fluxKustomizations('home-kubernetes').length,
        helmReleases: repo.count('HelmRelease', 'apps/'),
      });
      const podinfo = r.graphs.prod.nodes.find((n) => n.name === 'podinfo');
      expect(podinfo?.external).toBe(true);
      expect(errors(r), show(errors(r))).toEqual([]);
    },
  );

  it(
    'cause 10: the bootstrap Kustomization named "cluster" (GitRepository flux-system, as on monosense), met ' +
      'again in the folder it applies, is the entry: no DUPLICATE_KUSTOMIZATION (with --cluster-path too)',
    async () => {
      const repo = bootstrapRepo('echo', 'flux-system');
      for (const clusterPaths of [['clusters/*'], undefined]) {
        const r = await check({ dir: repo.dir, clusterPaths });
        expect(
          r.findings.filter((f) => f.code === 'DUPLICATE_KUSTOMIZATION'),
          show(r.findings),
        ).toEqual([]);
        expect(r.graphs.prod.nodes.find((n) => !n.parent)).toMatchObject({
          id: 'flux-system/cluster',
          path: 'clusters/prod',
        });
      }
      // negative control: a real second declaration of a walked Kustomization is still reported
      const copy = 'apps/default/echo/ks-copy.yaml';
      fs.copyFileSync(path.join(repo.dir, 'apps/default/echo/ks.yaml'), path.join(repo.dir, copy));
      fs.appendFileSync(path.join(repo.dir, 'apps/default/kustomization.yaml'), `  - ./echo/ks-copy.yaml\n`);
      const d = await check({ dir: repo.dir });
      expect(d.findings.filter((f) => f.code === 'DUPLICATE_KUSTOMIZATION').map((f) => [f.cluster, f.file])).toEqual([
        ['prod', copy],
      ]);
    },
  );

  it(
    'own source not named flux-system: a missing dependsOn inside it is reported (it was treated as upstream ' +
      'and not walked), with and without --cluster-path',
    async () => {
      const repo = bootstrapRepo('echo-typo');
      const f = 'apps/default/whoami/ks.yaml';
      for (const clusterPaths of [['clusters/*'], undefined]) {
        const r = await check({ dir: repo.dir, clusterPaths });
        expect(errors(r).map((x) => [x.code, x.cluster, x.file, x.line])).toEqual([
          ['DEPENDS_ON_MISSING', 'prod', f, repo.lineOf(f, 'name: echo-typo')],
        ]);
        // nothing of the own tree is "unreachable" any more
        expect(codes(r, 'warning')).toEqual([]);
      }
    },
  );

  it(
    'our generated layout: the flux-instance values sync.path kubernetes/clusters/${CLUSTER_NAME} names ' +
      'every cluster folder; without it kubernetes/clusters/* still does',
    async () => {
      const repo = new Repo();
      const clusters = ['infra', 'apps'];
      const values = 'kubernetes/infrastructure/gitops/flux-instance/app/helm-values.yaml';
      repo.write(values, {
        instance: {
          sync: {
            kind: 'GitRepository',
            url: '${GIT_URL}',
            ref: 'refs/heads/${GIT_BRANCH}',
            path: 'kubernetes/clusters/${CLUSTER_NAME}',
            pullSecret: 'flux-system',
          },
        },
      });
      const instanceKs = fluxKs('flux-instance', 'kubernetes/infrastructure/gitops/flux-instance/app', 'flux-system');
      instanceKs.spec.postBuild = { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] };
      repo.write('kubernetes/infrastructure/gitops/flux-instance/ks.yaml', instanceKs);
      repo.write('kubernetes/infrastructure/gitops/flux-instance/kustomization.yaml', kustomization(['./ks.yaml']));
      repo.write('kubernetes/infrastructure/gitops/flux-instance/app/kustomization.yaml', {
        ...kustomization(['./ocirepository.yaml', './helmrelease.yaml']),
        configMapGenerator: [{ name: 'flux-instance-values', files: ['values.yaml=./helm-values.yaml'] }],
      });
      repo.write(
        'kubernetes/infrastructure/gitops/flux-instance/app/ocirepository.yaml',
        ociRepository('flux-instance'),
      );
      repo.write('kubernetes/infrastructure/gitops/flux-instance/app/helmrelease.yaml', {
        ...helmRelease('flux-instance'),
        spec: {
          interval: '1h',
          chartRef: { kind: 'OCIRepository', name: 'flux-instance' },
          valuesFrom: [{ kind: 'ConfigMap', name: 'flux-instance-values' }],
        },
      });
      for (const c of clusters) {
        repo.write(
          `kubernetes/clusters/${c}/kustomization.yaml`,
          kustomization(['./cluster-settings.yaml', './infrastructure.yaml']),
        );
        repo.write(`kubernetes/clusters/${c}/cluster-settings.yaml`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cluster-settings', namespace: 'flux-system' },
          data: { CLUSTER_NAME: c, GIT_URL: 'https://git.example.com/platform.git', GIT_BRANCH: 'main' },
        });
        repo.write(
          `kubernetes/clusters/${c}/infrastructure.yaml`,
          fluxKs('infrastructure', `kubernetes/clusters/${c}/infrastructure`, 'flux-system'),
        );
        repo.write(
          `kubernetes/clusters/${c}/infrastructure/kustomization.yaml`,
          kustomization(['../../../infrastructure/gitops/flux-instance']),
        );
      }
      const r = await check({ dir: repo.dir });
      expect(r.clusters).toEqual([...clusters].sort());
      for (const c of clusters) {
        expect(r.walked[c]).toEqual({
          entry: `kubernetes/clusters/${c}`,
          found: `flux-instance values instance.sync.path in ${values}:${repo.lineOf(values, 'path: kubernetes/clusters/')}`,
          source: { kind: 'GitRepository', name: 'flux-system' },
          kustomizations:
            1 +
            repo
              .fluxKustomizations('flux-system')
              .filter(
                (k) => !k.file.startsWith('kubernetes/clusters/') || k.file.startsWith(`kubernetes/clusters/${c}/`),
              ).length,
          helmReleases: repo.count('HelmRelease'),
        });
      }
      expect(errors(r), show(errors(r))).toEqual([]);
      // Without the flux-instance component (a platform generated without it): the folders alone, same names.
      fs.rmSync(path.join(repo.dir, 'kubernetes/infrastructure/gitops/flux-instance/app/helm-values.yaml'));
      const bare = await check({ dir: repo.dir });
      expect(bare.clusters).toEqual([...clusters].sort());
      expect(Object.values(bare.walked).map((w) => [w.entry, w.found])).toEqual(
        [...clusters].sort().map((c) => [`kubernetes/clusters/${c}`, 'folder kubernetes/clusters/*']),
      );
    },
  );

  it(
    'no FluxInstance, no gotk-sync, no kubernetes/clusters: the folder of the Kustomization no other one ' +
      'creates is the entry; an unwired leaf app is not a cluster',
    async () => {
      const repo = new Repo();
      const root = 'kubernetes/flux/cluster/ks.yaml';
      repo.write(root, fluxKs('cluster-apps', 'kubernetes/apps', 'home-ops'));
      repo.write('kubernetes/apps/kustomization.yaml', kustomization(['./default']));
      apps(repo, 'kubernetes/apps', 'home-ops');
      // an app nobody wired: created by no Kustomization either, but it creates none itself
      repo.write('kubernetes/unwired/ks.yaml', fluxKs('unwired', 'kubernetes/unwired/app', 'home-ops'));
      repo.write('kubernetes/unwired/app/kustomization.yaml', kustomization(['./ocirepository.yaml']));
      repo.write('kubernetes/unwired/app/ocirepository.yaml', ociRepository('unwired'));
      const r = await check({ dir: repo.dir });
      // named like the FluxInstance layout that syncs the same folder
      expect(r.clusters).toEqual(['cluster']);
      expect(r.walked.cluster).toEqual({
        entry: 'kubernetes/flux/cluster',
        found:
          `Kustomization cluster-apps ` +
          `(ks.yaml:${repo.lineOf(root, 'apiVersion: kustomize.toolkit.fluxcd.io/')}) in ./kubernetes/flux/cluster, created by no other`,
        source: { kind: 'GitRepository', name: 'home-ops' },
        // the bootstrap's own Kustomization (not in the repository) and every one of the source but the unwired one
        kustomizations:
          1 + repo.fluxKustomizations('home-ops').filter((k) => !k.file.startsWith('kubernetes/unwired/')).length,
        helmReleases: repo.count('HelmRelease'),
      });
      expect(r.findings.filter((f) => f.code === 'UNREACHABLE_KUSTOMIZATION').map((f) => f.file)).toEqual([
        'kubernetes/unwired/ks.yaml',
      ]);
      expect(errors(r), show(errors(r))).toEqual([]);
    },
  );

  it(
    'flux2 example repositories: a placeholder clusters/<name>/flux-system/gotk-sync.yaml marks each ' +
      "cluster; a tenant's sync pair (path ./ of another repository) is not an entry",
    async () => {
      const repo = new Repo();
      const clusters = ['production', 'staging'];
      for (const c of clusters) {
        fs.mkdirSync(path.join(repo.dir, `clusters/${c}/flux-system`), { recursive: true });
        fs.writeFileSync(
          path.join(repo.dir, `clusters/${c}/flux-system/gotk-sync.yaml`),
          '# This file will be generated automatically by flux bootstrap.\n',
        );
        repo.write(`clusters/${c}/flux-system/kustomization.yaml`, kustomization(['gotk-sync.yaml']));
        repo.write(`clusters/${c}/tenants.yaml`, fluxKs('tenants', `tenants/${c}`, 'flux-system'));
        repo.write(`tenants/${c}/kustomization.yaml`, kustomization(['../base/dev-team']));
      }
      repo.write('tenants/base/dev-team/kustomization.yaml', kustomization(['./sync.yaml'], { namespace: 'apps' }));
      const tenant = fluxKs('dev-team', '', 'dev-team', { namespace: 'apps' });
      delete tenant.spec.path;
      repo.write(
        'tenants/base/dev-team/sync.yaml',
        {
          ...gitRepository('dev-team', 'https://git.example.com/dev-team'),
          metadata: { name: 'dev-team', namespace: 'apps' },
        },
        tenant,
      );
      const r = await check({ dir: repo.dir });
      expect(r.clusters).toEqual(clusters);
      for (const c of clusters) {
        expect(r.walked[c]).toEqual({
          entry: `clusters/${c}`,
          found: `gotk-sync clusters/${c}/flux-system/gotk-sync.yaml`,
          source: { kind: 'GitRepository', name: 'flux-system' },
          kustomizations: 2,
          helmReleases: 0,
        });
        // the tenant's Kustomization is reached, and stays the tenant's (another source: not walked)
        expect(r.graphs[c].nodes.find((n) => n.name === 'dev-team')).toMatchObject({
          id: 'apps/dev-team',
          external: true,
        });
      }
      expect(errors(r), show(errors(r))).toEqual([]);
    },
  );

  it('nothing Flux would start from: a usage error naming what was looked for', async () => {
    const repo = new Repo();
    repo.write('manifests/cm.yaml', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
    await expect(check({ dir: repo.dir })).rejects.toThrow(
      /no cluster entry found .*FluxInstance.*gotk-sync.*--cluster-path/,
    );
  });
});
