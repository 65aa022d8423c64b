// Layout detection (issue 18, adopt): on fixture repositories of the three layouts the issue names, and on a
// repository the tool generated itself (whose layout must read back as DEFAULT_LAYOUT: one code path for both).
// Expectations are derived from the files: every component Kustomization the walk reaches must be where the
// detected templates say, and be wired the way they say.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { infer } from '../../src/adopt/infer';
import { detectLayout, observations } from '../../src/adopt/layout';
import { componentFolder, readRepo } from '../../src/adopt/view';
import { createClusters } from '../../src/commands/create-cluster';
import { DEFAULT_KS_NAMESPACE, DEFAULT_LAYOUT, fill, type Layout, match } from '../../src/model/layout';
import { loadCatalog } from '../../src/model/stories';
import { ROOT, tmpDir } from '../helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');

/** Every component Kustomization of the repository is where the layout says, and wired the way it says. */
function expectLayoutHolds(dir: string, layout: Layout, pathExceptions = new Set<string>()): void {
  const view = readRepo(dir);
  let seen = 0;
  for (const c of view.clusters) {
    for (const k of c.kustomizations) {
      // A Kustomization of another source (a component built from an upstream repository) is not placed by it.
      if (k.entry || k.lane || k.external || !k.ks.obj) continue;
      seen++;
      const folder = componentFolder(k.ks)!;
      const vars = match(layout.components, folder);
      expect(vars, `${folder} fits ${layout.components}`).toBeDefined();
      const all = { ...vars, cluster: c.name, component: folder, namespace: k.namespace };
      expect(fill(layout.kustomization.file, all)).toBe(k.ks.obj.file);
      if (!pathExceptions.has(k.ks.name)) expect(fill(layout.kustomization.path, all)).toBe(k.ks.path);
      expect(fill(layout.kustomization.name, all)).toBe(k.ks.name);
      expect(fill(layout.kustomization.namespace ?? DEFAULT_KS_NAMESPACE, all)).toBe(k.ks.id.split('/')[0]);
      const wiring = fill(layout.wiring.file, all);
      if (layout.wiring.mode === 'document') {
        expect(wiring).toBe(k.ks.obj.file);
      } else {
        // The wiring file lists the entry, and the entry resolves to the component folder or its Kustomization file.
        const resources: string[] = parse(fs.readFileSync(path.join(dir, wiring), 'utf8')).resources;
        const entry = fill(layout.wiring.entry!, all);
        expect(resources).toContain(entry);
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(wiring), entry));
        expect([folder, k.ks.obj.file]).toContain(target);
      }
    }
  }
  expect(seen).toBeGreaterThan(0);
}

describe('adopt: layout detection on the three layouts of issue 18', () => {
  it(
    "the plan's repository (monosense-io/k8s-gitops style): components under kubernetes/infrastructure/<area>, " +
      "listed by each area's kustomization.yaml",
    () => {
      const dir = path.join(FIXTURES, 'plan');
      const r = infer(dir).layout;
      expect(r.fit.exceptions).toEqual([]);
      expect(r.value.components).toBe('kubernetes/infrastructure/{area}/{id}');
      expect(r.value.wiring).toMatchObject({
        mode: 'list',
        file: 'kubernetes/infrastructure/{area}/kustomization.yaml',
        entry: '{id}/ks.yaml',
        perCluster: false,
      });
      expect(r.value.clusters).toBe('kubernetes/clusters/{cluster}');
      expect(r.value.settings).toEqual([
        { kind: 'ConfigMap', name: 'cluster-settings', file: 'kubernetes/clusters/{cluster}/cluster-settings.yaml' },
      ]);
      expectLayoutHolds(dir, r.value);
    },
  );

  it('flat home-ops: kubernetes/apps/<namespace>/<app>/{ks.yaml,app/}, listed by the namespace kustomization.yaml', () => {
    const dir = path.join(FIXTURES, 'home-ops');
    const r = detectLayout(readRepo(dir));
    expect(r.fit.exceptions).toEqual([]);
    expect(r.value.components).toBe('kubernetes/apps/{namespace}/{id}');
    // Its Flux Kustomizations live in the app's namespace: the namespace folder's kustomization.yaml sets it.
    expect(r.value.kustomization).toEqual({
      file: '{component}/ks.yaml',
      path: '{component}/app',
      name: '{id}',
      namespace: '{namespace}',
    });
    expect(r.value.wiring).toMatchObject({
      mode: 'list',
      file: 'kubernetes/apps/{namespace}/kustomization.yaml',
      entry: './{id}/ks.yaml',
    });
    expectLayoutHolds(dir, r.value);
  });

  it("per-cluster files over shared bases (haraldkoch, joryirving): the placeholder most of them follow, not one app's literal", () => {
    const dir = path.join(FIXTURES, 'shared-bases');
    const r = detectLayout(readRepo(dir));
    // kubernetes/apps/<cluster>/<namespace>/<app>.yaml listed as ./<app>.yaml: most files are named after their
    // component folder, one holds two Kustomizations (echo.yaml: the app and its config), one folder is main's own.
    expect(r.value.kustomization).toMatchObject({ file: 'kubernetes/apps/{cluster}/{namespace}/{id}.yaml' });
    expect(r.value.wiring).toEqual({
      mode: 'list',
      file: 'kubernetes/apps/{cluster}/{namespace}/kustomization.yaml',
      entry: './{id}.yaml',
      perCluster: true,
    });
    // No template names one app (before: echo.yaml for every component, and ./{area}.yaml entries).
    const all = JSON.stringify(r.value);
    for (const app of ['echo', 'cilium', 'reloader', 'cert-manager', 'node-labels']) expect(all).not.toContain(app);
    // The exceptions are exactly the Kustomizations whose file is not named after their folder, or not in a base.
    const obs = observations(readRepo(dir));
    const odd = obs.filter(
      (o) =>
        path.posix.basename(o.file, '.yaml') !== path.posix.basename(o.component) || !o.component.includes('/base/'),
    );
    expect(r.fit.exceptions.map((e) => `${e.cluster}/${e.name}`).sort()).toEqual(
      odd.map((o) => `${o.cluster}/${o.name}`).sort(),
    );
    expect(r.fit).toMatchObject({ fits: obs.length - odd.length, of: obs.length });
    expect(obs.length - odd.length).toBeGreaterThan(odd.length);
  });

  it('component folders of several depths: the depth most share, when it needs no free {area} (budimanjojo)', () => {
    const dir = path.join(tmpDir('adopt-deeper-'), 'repo');
    fs.cpSync(path.join(FIXTURES, 'home-ops'), dir, { recursive: true });
    // Two apps in a folder of their own inside the namespace folder: the component folders now vary in depth.
    for (const app of ['echo2', 'echo3']) {
      const at = `kubernetes/apps/default/tools/${app}`;
      fs.cpSync(path.join(dir, 'kubernetes/apps/default/echo'), path.join(dir, at), { recursive: true });
      const ks = path.join(dir, at, 'ks.yaml');
      fs.writeFileSync(
        ks,
        fs
          .readFileSync(ks, 'utf8')
          .replace('name: echo', `name: ${app}`)
          .replace('default/echo/app', `default/tools/${app}/app`),
      );
      fs.appendFileSync(path.join(dir, 'kubernetes/apps/default/kustomization.yaml'), `  - ./tools/${app}/ks.yaml\n`);
    }
    const r = detectLayout(readRepo(dir));
    // Before: kubernetes/apps/{namespace}/{area}/{id}, which put a new component a folder below where its entry
    // ./{id}/ks.yaml looks for it (add-story refused: the layout could not place it).
    expect(r.value.components).toBe('kubernetes/apps/{namespace}/{id}');
    expect(r.problem).toBeUndefined();
    expect(r.fit.exceptions.map((e) => e.name).sort()).toEqual(['echo2', 'echo3']);
  });

  it('a layout that cannot place a new component is reported (fluxcd/flux2-multi-tenancy: one component folder)', () => {
    for (const f of ['plan', 'home-ops', 'classic', 'shared-bases'])
      expect(detectLayout(readRepo(path.join(FIXTURES, f))).problem, f).toBeUndefined();
    // The classic fixture as the walk reads it, keeping one component Kustomization (the first): a repository that
    // reaches a single component folder gets that folder as its whole template, with no {id}.
    const view = readRepo(path.join(FIXTURES, 'classic'));
    expect(detectLayout(view).value.components).toContain('{id}');
    const isComponent = (k: (typeof view.clusters)[number]['kustomizations'][number]) =>
      !k.entry && !k.lane && k.ks.obj;
    const first = view.clusters[0].kustomizations.find(isComponent)!.ks.name;
    for (const c of view.clusters) {
      const kept = c.kustomizations.filter((k) => !isComponent(k) || k.ks.name === first);
      c.kustomizations.splice(0, c.kustomizations.length, ...kept);
    }
    const r = detectLayout(view);
    expect(r.value.components).not.toContain('{id}');
    expect(r.problem).toMatch(/is the same folder for every component \(no \{id\}\)/);
  });

  it('classic clusters/<name> with gotk-sync: Flux Kustomizations as documents of clusters/<name>/<lane>.yaml', () => {
    const dir = path.join(FIXTURES, 'classic');
    const r = detectLayout(readRepo(dir));
    expect(r.fit.exceptions).toEqual([]);
    expect(r.value.clusters).toBe('clusters/{cluster}');
    expect(r.value.components).toBe('{lane}/{id}');
    expect(r.value.wiring).toMatchObject({
      mode: 'document',
      file: 'clusters/{cluster}/{lane}.yaml',
      perCluster: true,
    });
    expect(r.value.lanes).toEqual({ infrastructure: 'infrastructure', workloads: 'apps' });
    expectLayoutHolds(dir, r.value);
  });

  it('every claim names the file it was read from', () => {
    for (const f of ['plan', 'home-ops', 'classic']) {
      const view = readRepo(path.join(FIXTURES, f));
      const r = detectLayout(view);
      for (const w of r.why)
        if (w.file) expect(fs.existsSync(path.join(FIXTURES, f, w.file)), `${f}: ${w.file}`).toBe(true);
      for (const o of observations(view)) expect(fs.existsSync(path.join(FIXTURES, f, o.file))).toBe(true);
    }
  });
});

describe("adopt: the tool's own layout is the default", () => {
  it('a repository create-platform-cluster generated reads back as DEFAULT_LAYOUT', () => {
    const dir = path.join(tmpDir('adopt-own-'), 'platform');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }], stories: { ids: 'all', approve: true } });
    const r = infer(dir).layout;
    // cluster-secrets is an ExternalSecret (its Secret is made in the cluster): only cluster-settings is read.
    expect(r.value).toEqual({
      ...DEFAULT_LAYOUT,
      settings: DEFAULT_LAYOUT.settings.filter((s) => s.kind === 'ConfigMap'),
    });
    // The one exception the tool itself makes: a component whose shape differs per cluster (variantBy) builds
    // …/variants/<value> instead of …/app; nothing else differs.
    const variants = new Set(
      [...loadCatalog().components.values()].filter((e) => e.component.variantBy).map((e) => e.component.id),
    );
    expect(variants.size).toBeGreaterThan(0);
    for (const e of r.fit.exceptions) {
      expect(variants.has(e.name), e.name).toBe(true);
      expect(e.differs).toEqual([expect.stringMatching(/^spec\.path .*\/variants\//)]);
    }
    expectLayoutHolds(dir, r.value, variants);
  });

  it('templates fill and match each other', () => {
    const vars = { lane: 'infrastructure', area: 'security', id: 'cert-manager' };
    const p = fill(DEFAULT_LAYOUT.components, vars);
    expect(p).toBe('kubernetes/infrastructure/security/cert-manager');
    expect(match(DEFAULT_LAYOUT.components, p)).toEqual(vars);
    expect(match('kubernetes/apps/{namespace}/{id}', 'kubernetes/apps/default')).toBeUndefined();
    expect(match('{id}/{id}', 'a/b')).toBeUndefined();
  });
});
