import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Finding } from '../src';
import { check } from '../src';
import { kustomizeError } from '../src/check/build';
import { requireKubectl } from './helpers/flux';
import { tmpDir } from './helpers/fs';

/*
 * `check --build` builds every Flux Kustomization path as kustomize-controller does (issue 15, cause 11): with
 * `--load-restrictor LoadRestrictionsNone` whether the path is built alone or in a batch, with the Kustomization's
 * spec.components, and one BUILD_FAILED per Kustomization (on every cluster) that has a failing path, carrying
 * kustomize's real error line with repo-relative paths. The fixtures are small repositories written here, modelled on
 * the home-ops layouts (clusters/<name>/flux-system + one Flux Kustomization file per app).
 */

interface KsSpec {
  name: string;
  /** spec.path, repo-relative without ./ */
  path: string;
  components?: string[];
}

function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

const kustomization = (fields: Record<string, unknown>) =>
  stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', ...fields });
const configMap = (name: string, data: Record<string, string> = { a: '1' }) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

/** A repository with one folder per cluster (clusters/<c>), each with its flux-system sync and the given Kustomizations. */
function repo(clusters: Record<string, KsSpec[]>, files: Record<string, string>): string {
  const dir = tmpDir('cpc-check-build-');
  for (const [c, list] of Object.entries(clusters)) {
    const sync = {
      interval: '1h',
      path: `./clusters/${c}`,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    };
    write(
      dir,
      `clusters/${c}/flux-system/gotk-sync.yaml`,
      [
        stringify({
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { name: 'flux-system', namespace: 'flux-system' },
          spec: { interval: '1h', url: 'https://git.example.com/home.git', ref: { branch: 'main' } },
        }),
        stringify({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'flux-system', namespace: 'flux-system' },
          spec: sync,
        }),
      ].join('---\n'),
    );
    write(dir, `clusters/${c}/flux-system/kustomization.yaml`, kustomization({ resources: ['./gotk-sync.yaml'] }));
    for (const k of list) {
      const spec: Record<string, unknown> = {
        interval: '1h',
        path: `./${k.path}`,
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      };
      if (k.components) spec.components = k.components;
      write(
        dir,
        `clusters/${c}/${k.name}.yaml`,
        stringify({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: k.name, namespace: 'flux-system' },
          spec,
        }),
      );
    }
  }
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return dir;
}

const build = (dir: string) => check({ dir, clusterPaths: ['clusters/*'], build: true });
const failed = (fs: Finding[]) => fs.filter((f) => f.code === 'BUILD_FAILED');
const show = (fs: Finding[]) => fs.map((f) => `${f.code} ${f.cluster} ${f.file}:${f.line} ${f.message}`).join('\n');

/** n healthy app folders (apps/app-<i>), each with its own ConfigMap, and their Kustomizations. */
function healthy(n: number): { ks: KsSpec[]; files: Record<string, string> } {
  const ks: KsSpec[] = [];
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    ks.push({ name: `app-${i}`, path: `apps/app-${i}` });
    files[`apps/app-${i}/kustomization.yaml`] = kustomization({ resources: ['./configmap.yaml'] });
    files[`apps/app-${i}/configmap.yaml`] = configMap(`app-${i}`);
  }
  return { ks, files };
}

beforeAll(() => {
  // The build tests need the real kubectl kustomize: they fail (never skip) without it.
  requireKubectl();
});

describe('check --build loads like kustomize-controller (LoadRestrictionsNone), alone or batched', () => {
  // home-ops apps read a shared file one level up (`resources: [../../shared/...]`); Flux builds them fine.
  const outside = {
    'apps/reader/kustomization.yaml': kustomization({ resources: ['../../shared/settings.yaml'] }),
    'shared/settings.yaml': configMap('shared-settings'),
  };

  it('a path reading a file outside its folder builds when it is built alone', async () => {
    const dir = repo({ home: [{ name: 'reader', path: 'apps/reader' }] }, outside);
    const r = await build(dir);
    expect(failed(r.findings), show(r.findings)).toEqual([]);
  }, 120_000);

  it('a path reading a file outside its folder builds in a batch too (same result)', async () => {
    const h = healthy(6);
    const dir = repo({ home: [{ name: 'reader', path: 'apps/reader' }, ...h.ks] }, { ...outside, ...h.files });
    const r = await build(dir);
    expect(failed(r.findings), show(r.findings)).toEqual([]);
  }, 120_000);

  it('negative control: the outside file missing is still a BUILD_FAILED, alone and batched', async () => {
    const h = healthy(6);
    for (const ks of [[], h.ks]) {
      const dir = repo(
        { home: [{ name: 'reader', path: 'apps/reader' }, ...ks] },
        { 'apps/reader/kustomization.yaml': outside['apps/reader/kustomization.yaml'], ...h.files },
      );
      const r = await build(dir);
      expect(
        failed(r.findings).map((f) => [f.cluster, f.file]),
        show(r.findings),
      ).toEqual([['home', 'clusters/home/reader.yaml']]);
      expect(failed(r.findings)[0].message).toMatch(/shared\/settings\.yaml/);
    }
  }, 120_000);
});

describe('BUILD_FAILED on every cluster whose Kustomization has the failing path', () => {
  it('two clusters sharing a broken path both get BUILD_FAILED, each at its own Kustomization file', async () => {
    const clusters = ['prod', 'staging'];
    // A patch that matches nothing: the static walk sees no problem, kustomize fails.
    const dir = repo(Object.fromEntries(clusters.map((c) => [c, [{ name: 'broken', path: 'apps/broken' }]])), {
      'apps/broken/kustomization.yaml': kustomization({
        resources: ['./configmap.yaml'],
        patches: [{ path: './patch.yaml' }],
      }),
      'apps/broken/configmap.yaml': configMap('present'),
      'apps/broken/patch.yaml': configMap('absent'),
    });
    const r = await build(dir);
    const got = failed(r.findings);
    expect(got.map((f) => [f.cluster, f.file, f.line]).sort(), show(r.findings)).toEqual(
      clusters.map((c) => [c, `clusters/${c}/broken.yaml`, 8]),
    );
    for (const f of got)
      expect(f.message).toMatch(/^kustomize build of \.\/apps\/broken \(flux-system\/broken\) failed: .*absent/);
  }, 120_000);
});

describe('the BUILD_FAILED message is the real kustomize error line, with repo-relative paths', () => {
  it('behind deprecation warnings: the error line, not the warnings, and no temp or absolute path', async () => {
    // Three deprecated fields: kustomize prints three warnings before the error (main kept the first three lines).
    const dir = repo(
      { home: [{ name: 'legacy', path: 'apps/legacy' }] },
      {
        'apps/legacy/kustomization.yaml': kustomization({
          commonLabels: { app: 'legacy' },
          resources: ['./configmap.yaml', '../../shared/missing.yaml'],
          patchesStrategicMerge: ['./patch.yaml'],
          patchesJson6902: [],
        }),
        'apps/legacy/configmap.yaml': configMap('legacy'),
        'apps/legacy/patch.yaml': configMap('legacy', { b: '2' }),
      },
    );
    const r = await build(dir);
    const got = failed(r.findings);
    expect(
      got.map((f) => [f.cluster, f.file]),
      show(r.findings),
    ).toEqual([['home', 'clusters/home/legacy.yaml']]);
    const msg = got[0].message;
    expect(msg).not.toMatch(/Warning|deprecated/);
    expect(msg).toMatch(/shared\/missing\.yaml/);
    expect(msg).toMatch(/no such file or directory/);
    expect(msg).not.toContain(dir);
    expect(msg).not.toContain(fs.realpathSync(dir));
    expect(msg).not.toContain(os.tmpdir());
  }, 120_000);

  it('in a folder without kustomization.yaml (Flux generates one): the file is named repo-relative, no temp folder', async () => {
    // Two files with the same ConfigMap: the kustomization Flux generates for the folder fails on the second.
    const dir = repo(
      { home: [{ name: 'plain', path: 'apps/plain' }] },
      { 'apps/plain/one.yaml': configMap('same'), 'apps/plain/two.yaml': configMap('same', { b: '2' }) },
    );
    const r = await build(dir);
    const got = failed(r.findings);
    expect(
      got.map((f) => [f.cluster, f.file]),
      show(r.findings),
    ).toEqual([['home', 'clusters/home/plain.yaml']]);
    expect(got[0].message).toMatch(/already registered id/);
    expect(got[0].message).toMatch(/'\.\/apps\/plain\/two\.yaml'/);
    expect(got[0].message).not.toContain(os.tmpdir());
    expect(got[0].message).not.toContain(fs.realpathSync(dir));
  }, 120_000);
});

describe('a failing batch reports exactly its failing paths', () => {
  it('one broken path among many: one BUILD_FAILED at that path, none for the others', async () => {
    const h = healthy(9);
    const broken = 4;
    // The broken one fails only in kustomize (a patch matching nothing), so it is batched with the others.
    h.files[`apps/app-${broken}/kustomization.yaml`] = kustomization({
      resources: ['./configmap.yaml'],
      patches: [{ path: './patch.yaml' }],
    });
    h.files[`apps/app-${broken}/patch.yaml`] = configMap('absent');
    const dir = repo({ home: h.ks }, h.files);
    const r = await build(dir);
    expect(
      failed(r.findings).map((f) => [f.cluster, f.file]),
      show(r.findings),
    ).toEqual([['home', `clusters/home/app-${broken}.yaml`]]);
  }, 120_000);

  it('two broken paths among many: both reported, none for the others', async () => {
    const h = healthy(9);
    const broken = [1, 7];
    for (const b of broken) {
      h.files[`apps/app-${b}/kustomization.yaml`] = kustomization({
        resources: ['./configmap.yaml'],
        patches: [{ path: './patch.yaml' }],
      });
      h.files[`apps/app-${b}/patch.yaml`] = configMap('absent');
    }
    const dir = repo({ home: h.ks }, h.files);
    const r = await build(dir);
    expect(
      failed(r.findings)
        .map((f) => f.file)
        .sort(),
      show(r.findings),
    ).toEqual(broken.map((b) => `clusters/home/app-${b}.yaml`));
  }, 120_000);
});

describe('spec.components are part of the build, as kustomize-controller adds them', () => {
  const files = {
    'apps/web/kustomization.yaml': kustomization({ resources: ['./configmap.yaml'] }),
    'apps/web/configmap.yaml': configMap('web'),
    // A component patching the path's own ConfigMap: it only builds together with the path.
    'components/tuning/kustomization.yaml': stringify({
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      patches: [{ path: './patch.yaml' }],
    }),
    'components/tuning/patch.yaml': configMap('web', { tuned: 'true' }),
    // A component whose patch matches nothing in the path: kustomize fails.
    'components/stray/kustomization.yaml': stringify({
      apiVersion: 'kustomize.config.k8s.io/v1alpha1',
      kind: 'Component',
      patches: [{ path: './patch.yaml' }],
    }),
    'components/stray/patch.yaml': configMap('not-in-web'),
  };

  it('a component that applies to the path builds (relative to spec.path)', async () => {
    const r = await build(
      repo({ home: [{ name: 'web', path: 'apps/web', components: ['../../components/tuning'] }] }, files),
    );
    expect(failed(r.findings), show(r.findings)).toEqual([]);
  }, 120_000);

  it('a component that fails makes the build fail, and the message names the components', async () => {
    const h = healthy(4);
    for (const ks of [[], h.ks]) {
      const r = await build(
        repo(
          { home: [{ name: 'web', path: 'apps/web', components: ['../../components/stray'] }, ...ks] },
          { ...files, ...h.files },
        ),
      );
      const got = failed(r.findings);
      expect(
        got.map((f) => [f.cluster, f.file]),
        show(r.findings),
      ).toEqual([['home', 'clusters/home/web.yaml']]);
      expect(got[0].message).toMatch(
        /^kustomize build of \.\/apps\/web with components \.\/components\/stray \(flux-system\/web\) failed: .*not-in-web/,
      );
    }
  }, 120_000);

  it('a missing component folder is a BUILD_FAILED', async () => {
    const dir = repo({ home: [{ name: 'web', path: 'apps/web', components: ['../../components/gone'] }] }, files);
    const r = await build(dir);
    const got = failed(r.findings);
    // At the Kustomization's spec.components.
    const line =
      fs
        .readFileSync(path.join(dir, 'clusters/home/web.yaml'), 'utf8')
        .split('\n')
        .findIndex((l) => l.trim() === 'components:') + 1;
    expect(
      got.map((f) => [f.cluster, f.file, f.line]),
      show(r.findings),
    ).toEqual([['home', 'clusters/home/web.yaml', line]]);
    expect(got[0].message).toMatch(/components\/gone/);
    expect(got[0].message).not.toContain(os.tmpdir());
  }, 120_000);
});

describe('check --build stays batched', () => {
  it('paths sharing a component with ${APP}-named objects, and one broken path: a few kubectl runs, not one per path', async () => {
    // home-ops apps share components whose objects are named ${APP} until Flux substitutes them after the build:
    // the same id in every path, which kustomize refuses to combine unless each path is renamed apart in the batch.
    const n = 12;
    const broken = 5;
    const files: Record<string, string> = {
      'components/backup/kustomization.yaml': stringify({
        apiVersion: 'kustomize.config.k8s.io/v1alpha1',
        kind: 'Component',
        resources: ['./claim.yaml'],
      }),
      'components/backup/claim.yaml': stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: '${APP}' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }),
    };
    const ks: KsSpec[] = [];
    for (let i = 0; i < n; i++) {
      ks.push({ name: `app-${i}`, path: `apps/app-${i}`, components: ['../../components/backup'] });
      files[`apps/app-${i}/kustomization.yaml`] = kustomization({
        resources: ['./configmap.yaml'],
        ...(i === broken ? { patches: [{ path: './patch.yaml' }] } : {}),
      });
      files[`apps/app-${i}/configmap.yaml`] = configMap(`app-${i}`);
    }
    files[`apps/app-${broken}/patch.yaml`] = configMap('absent');
    const dir = repo({ home: ks }, files);
    // kubectl through a wrapper that counts its runs.
    const bin = tmpDir('cpc-kubectl-');
    const log = path.join(bin, 'runs.log');
    const real = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(bin, 'kubectl'), `#!/bin/sh\necho run >> '${log}'\nexec '${real}' "$@"\n`, {
      mode: 0o755,
    });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved}`;
    let r: Awaited<ReturnType<typeof build>>;
    try {
      r = await build(dir);
    } finally {
      process.env.PATH = saved;
    }
    expect(
      failed(r.findings).map((f) => f.file),
      show(r.findings),
    ).toEqual([`clusters/home/app-${broken}.yaml`]);
    const runs = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    // n + 1 paths (the apps and the cluster folder): one batch per core, the broken path alone, the rest of its batch again.
    const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    expect(runs).toBeLessThanOrEqual(cores + 2);
    expect(runs).toBeLessThan(n);
  }, 120_000);
});

describe('kustomizeError: the error line of kubectl kustomize stderr', () => {
  const warnings = ['commonLabels', 'patchesStrategicMerge', 'vars'].map(
    (f) =>
      `# Warning: '${f}' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.`,
  );
  const error = `accumulating resources: accumulation err='accumulating resources from 'missing.yaml': "quoted" \\ back'`;
  it('kubectl >= 1.30 (klog "command failed" err=...), after warnings and klog noise', () => {
    const stderr = [
      ...warnings,
      'W1202 18:36:23.652747   10047 loader.go:1] some kubectl notice',
      `E1202 18:36:23.812394   10047 run.go:72] "command failed" err=${JSON.stringify(error)}`,
      '',
    ].join('\n');
    expect(kustomizeError(stderr)).toBe(error);
  });
  it('older kubectl (error: ...), after warnings', () => {
    expect(kustomizeError([...warnings, `error: ${error}`].join('\n'))).toBe(error);
  });
  it('no error line: the first line that is not a warning', () => {
    expect(kustomizeError([...warnings, 'kubectl kustomize did not finish within 180 s (killed)'].join('\n'))).toBe(
      'kubectl kustomize did not finish within 180 s (killed)',
    );
  });
});
