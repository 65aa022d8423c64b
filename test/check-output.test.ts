// What platform-kit check prints (issue #15, item 4): per cluster one line saying what was walked (entry, how it was
// found, source, Flux Kustomizations and HelmReleases), one line per finding (severity code file:line message),
// hints only with --verbose; --json carries the same per-cluster `walked` record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Finding } from '../src';
import { check } from '../src';
import { cli, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

function write(root: string, rel: string, ...docs: Record<string, any>[]): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), docs.map((d) => stringify(d)).join('---\n'));
}

const fluxKs = (name: string, p: string, dependsOn?: string) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  spec: {
    ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : {}),
    interval: '1h',
    path: `./${p}`,
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'fleet' },
  },
});

/** A bootstrap repository (source `fleet`) with one seeded error (a dependsOn on nothing) and one unwired Kustomization. */
function fixture(): string {
  const dir = tmpDir('cpc-output-');
  write(
    dir,
    'clusters/home/flux-system/gotk-sync.yaml',
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'fleet', namespace: 'flux-system' },
      spec: { interval: '1h', url: 'https://git.example.com/fleet.git', ref: { branch: 'main' } },
    },
    fluxKs('home', 'clusters/home'),
  );
  write(dir, 'clusters/home/flux-system/kustomization.yaml', {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['./gotk-sync.yaml'],
  });
  write(dir, 'clusters/home/apps.yaml', fluxKs('apps', 'apps', 'infrastructure'));
  write(dir, 'apps/kustomization.yaml', {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: 'default',
    resources: ['./ocirepository.yaml', './helmrelease.yaml'],
  });
  write(dir, 'apps/ocirepository.yaml', {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name: 'echo' },
    spec: { interval: '1h', url: 'oci://ghcr.io/example/charts/echo', ref: { tag: '1.0.0' } },
  });
  write(dir, 'apps/helmrelease.yaml', {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'echo' },
    spec: { interval: '1h', chartRef: { kind: 'OCIRepository', name: 'echo' } },
  });
  write(dir, 'unwired/ks.yaml', fluxKs('unwired', 'apps'));
  return dir;
}

const findingLine = (f: Finding) => `  ${f.severity.padEnd(7)} ${f.code} ${f.file}:${f.line} ${f.message}`;

describe('check output', () => {
  it('text: one line per finding (severity code file:line message), no hints, and one line per cluster saying what was walked', async () => {
    const dir = fixture();
    const r = await check({ dir });
    const json = cli('platform-kit', ['check', '--dir', dir, '--json']);
    expect(json.status, json.stderr).toBe(1);
    const out = JSON.parse(json.stdout);
    // --json: what the library returns, walked included
    expect(out.walked).toEqual(r.walked);
    const sync = 'clusters/home/flux-system/gotk-sync.yaml';
    const syncLine =
      fs.readFileSync(path.join(dir, sync), 'utf8').split('\n').indexOf('apiVersion: kustomize.toolkit.fluxcd.io/v1') +
      1;
    // walked: the sync Kustomization `home` and `apps` (not `unwired`); the one HelmRelease of apps/
    expect(out.walked.home).toEqual({
      entry: 'clusters/home',
      found: `gotk-sync ${sync}:${syncLine}`,
      source: { kind: 'GitRepository', name: 'fleet' },
      kustomizations: 2,
      helmReleases: 1,
    });
    expect(out.findings.map((f: Finding) => f.code).sort()).toEqual([
      'DEPENDS_ON_MISSING',
      'UNREACHABLE_KUSTOMIZATION',
    ]);

    const text = await runInProcess('platform-kit', ['check', '--dir', dir]);
    expect(text.status).toBe(1);
    const lines = text.stdout.trimEnd().split('\n');
    const w = out.walked.home;
    expect(lines).toEqual([
      'repository:',
      ...out.findings.filter((f: Finding) => !f.cluster).map(findingLine),
      `cluster home: ${w.kustomizations} Kustomizations, ${w.helmReleases} HelmRelease from ./${w.entry}, ` +
        `source ${w.source.kind}/${w.source.name} (entry: ${w.found})`,
      ...out.findings.filter((f: Finding) => f.cluster === 'home').map(findingLine),
      'checked 1 cluster (home): 1 error, 1 warning, 0 info; --verbose shows hints',
    ]);
    expect(text.stdout).not.toContain('hint:');
  });

  it("--verbose adds each finding's hint on the line after it; --info still adds info findings", async () => {
    const dir = fixture();
    const out = JSON.parse((await runInProcess('platform-kit', ['check', '--dir', dir, '--json'])).stdout);
    const verbose = await runInProcess('platform-kit', ['check', '--dir', dir, '--verbose']);
    expect(verbose.status).toBe(1);
    const lines = verbose.stdout.trimEnd().split('\n');
    for (const f of out.findings as Finding[]) {
      const at = lines.indexOf(findingLine(f));
      expect(at, findingLine(f)).toBeGreaterThanOrEqual(0);
      expect(lines[at + 1]).toBe(`          hint: ${f.hint}`);
    }
    expect(lines[lines.length - 1]).toMatch(/^checked 1 cluster \(home\): 1 error, 1 warning, 0 info$/);
    // --info: an unused setting is an info finding, shown only with --info (one line, like the others)
    write(dir, 'apps/settings.yaml', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'flux-system' },
      data: { UNUSED: 'x' },
    });
    write(dir, 'clusters/home/apps.yaml', {
      ...fluxKs('apps', 'apps', 'infrastructure'),
      spec: {
        ...fluxKs('apps', 'apps', 'infrastructure').spec,
        postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'settings' }] },
      },
    });
    fs.writeFileSync(
      path.join(dir, 'apps/kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['./ocirepository.yaml', './helmrelease.yaml', './settings.yaml'],
      }),
    );
    const json = await runInProcess('platform-kit', ['check', '--dir', dir, '--json']);
    const info = JSON.parse(json.stdout).findings.filter((f: Finding) => f.severity === 'info');
    expect(info.map((f: Finding) => f.code)).toEqual(['SETTING_UNUSED']);
    expect((await runInProcess('platform-kit', ['check', '--dir', dir])).stdout).not.toContain('SETTING_UNUSED');
    expect((await runInProcess('platform-kit', ['check', '--dir', dir, '--info'])).stdout.split('\n')).toContain(
      findingLine(info[0]),
    );
  });
});
