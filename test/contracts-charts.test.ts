import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument, stringify } from 'yaml';
import {
  BUILTIN_TEMPLATES,
  check,
  createClusters,
  loadCatalog,
  parsePlatform,
  regenerate,
  renderPlatform,
  TemplateRenderer,
  VERSIONS,
} from '../src';
import { componentDir } from '../src/model/components';
import { isFluxKs, type K8sObject, kustomize, substituteText } from './helpers/flux';
import { kustomizeMany } from './helpers/flux-batch';
import { snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/*
 * Contracts of chart versions, Renovate and HelmRelease defaults (issue #13, item 3):
 * - a chart's version lives in ONE place, platform.yaml `charts:`, and regenerate carries it everywhere it is pinned;
 * - the generated Renovate config bumps exactly those pins (and Talos/Kubernetes), never a generated copy;
 * - HelmRelease defaults are patched in once per lane; what bootstrap installs is what Flux adopts.
 * Expectations are derived from the catalog (catalog/*.yaml) and from the files generated from it.
 *
 * Fixture: infra + apps with every story of the catalog approved (the reference platform), made with the library API.
 */

const cat = loadCatalog();

/** Every chart of the catalog by name, with the components that install it (one name, one URL and version). */
function catalogCharts(): Map<
  string,
  { name: string; url: string; version: string; repoType: string; components: string[] }
> {
  const out = new Map<string, { name: string; url: string; version: string; repoType: string; components: string[] }>();
  for (const [id, e] of cat.components) {
    const c = e.component.chart;
    if (!c) continue;
    const have = out.get(c.name);
    if (have) {
      expect([have.url, have.version], `chart ${c.name} of ${id}`).toEqual([c.url, c.version]);
      have.components.push(id);
    } else out.set(c.name, { name: c.name, url: c.url, version: c.version, repoType: c.repoType, components: [id] });
  }
  return out;
}
const CHARTS = catalogCharts();
const CLUSTERS = ['infra', 'apps'] as const;

let repo: string;
/** path -> text of every generated file of the fixture (outside .platform/). */
let baseline: Map<string, string>;

function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of Object.keys(snapshot(dir))) {
    if (rel.endsWith('/') || rel.startsWith('.platform/') || rel.startsWith('.git/')) continue;
    out.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
  }
  return out;
}

function copyRepo(): string {
  const dir = path.join(tmpDir('cpc-charts-'), 'platform');
  fs.cpSync(repo, dir, { recursive: true });
  return dir;
}

function editPlatform(dir: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = path.join(dir, 'platform.yaml');
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  edit(doc);
  fs.writeFileSync(file, doc.toString({ lineWidth: 0, indentSeq: true }));
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** `v` as a whole version token (so 1.19.0 does not match inside v1.19.0 or 11.19.0, nor 0.13.0 inside 0.13.0-x). */
const token = (v: string) => new RegExp(`(?<![\\w.-])${esc(v)}(?![\\w.+-])`);
/** A chart name as a whole word (gha-runner-scale-set does not match gha-runner-scale-set-controller). */
const word = (v: string) => new RegExp(`(?<![\\w-])${esc(v)}(?![\\w-])`);

/** A version that is surely not in any generated file, derived from the pinned one. */
const bumped = (v: string) => `${v}-cpctest.7`;

/** Components of the fixture that install chart `name` (all stories approved: every catalog user of it). */
const usersOf = (name: string) => CHARTS.get(name)!.components.map((id) => cat.components.get(id)!.component);

/** The files of the chart's component folders. */
function ownFiles(tree: Map<string, string>, name: string): string[] {
  const dirs = usersOf(name).map((c) => `${componentDir(c)}/`);
  return [...tree.keys()].filter((p) => dirs.some((d) => p.startsWith(d)));
}

/** The lines that differ between two texts of the same line count (undefined when the counts differ). */
function changedLines(a: string, b: string): [string, string][] | undefined {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length !== y.length) return undefined;
  return x.flatMap((l, i) => (l === y[i] ? [] : [[l, y[i]] as [string, string]]));
}

/** Every pin of chart `name` in a tree: OCIRepository tags / HelmRelease chart versions and helmfile releases. */
function pinsIn(tree: Map<string, string>, name: string): { where: string; version: string }[] {
  const out: { where: string; version: string }[] = [];
  for (const c of usersOf(name)) {
    const dir = `${componentDir(c)}/app`;
    if (c.chart!.repoType === 'oci')
      out.push({
        where: `${dir}/ocirepository.yaml`,
        version: parse(tree.get(`${dir}/ocirepository.yaml`)!).spec.ref.tag,
      });
    else
      out.push({
        where: `${dir}/helmrelease.yaml`,
        version: parse(tree.get(`${dir}/helmrelease.yaml`)!).spec.chart.spec.version,
      });
    for (const cl of CLUSTERS) {
      const hf = tree.get(`bootstrap/${cl}/helmfile.yaml`);
      const rel = hf
        ? (parse(hf).releases as { name: string; version: string }[]).find((r) => r.name === c.id)
        : undefined;
      if (rel) out.push({ where: `bootstrap/${cl}/helmfile.yaml#${c.id}`, version: rel.version });
    }
  }
  return out;
}

beforeAll(() => {
  repo = path.join(tmpDir('cpc-charts-'), 'platform');
  createClusters({
    dir: repo,
    clusters: [{ name: 'infra' }, { name: 'apps' }],
    stories: { ids: 'all', approve: true },
  });
  baseline = readTree(repo);
});

// ------------------------------------------------------------------------------------------------ 1. chart pins

describe('chart versions are set once, in platform.yaml', () => {
  it('platform.yaml pins every chart the platform renders at its catalog version', () => {
    const pf = parsePlatform(baseline.get('platform.yaml')!);
    const want = Object.fromEntries([...CHARTS].map(([n, c]) => [n, c.version]));
    expect(pf.spec.charts).toEqual(want);
    // and every place that pins a chart says that version today
    for (const [n, c] of CHARTS)
      for (const p of pinsIn(baseline, n)) expect(p.version, `${n} at ${p.where}`).toBe(c.version);
  });

  it('charts.cilium in platform.yaml: regenerate changes every pin of cilium and nothing else; regenerate --check is then clean', () => {
    // Fails on main: platform.yaml has no `charts` field (refused as an unknown key), so no version can be set there.
    const name = 'cilium';
    const from = CHARTS.get(name)!.version;
    const to = bumped(from);
    const dir = copyRepo();
    editPlatform(dir, (doc) => doc.setIn(['charts', name], to));
    const res = regenerate({ dir });
    expect(res.unresolved).toEqual([]);
    const after = readTree(dir);

    const pins = pinsIn(after, name);
    expect(pins.length, 'cilium is pinned in its source and in each bootstrap helmfile').toBe(1 + CLUSTERS.length);
    for (const p of pins) expect(p.version, p.where).toBe(to);

    // Nothing else changed: each changed line is the old line with the version replaced, in the files that pin it.
    const changed = [...after.keys()].filter((p) => after.get(p) !== baseline.get(p) && p !== 'platform.yaml');
    const pinFiles = new Set(pins.map((p) => p.where.split('#')[0]));
    expect(new Set(changed)).toEqual(pinFiles);
    for (const p of changed) {
      const lines = changedLines(baseline.get(p)!, after.get(p)!);
      expect(lines, `${p}: same shape`).toBeDefined();
      for (const [a, b] of lines!) expect(b, `${p}`).toBe(a.replace(from, to));
    }
    const pf = changedLines(baseline.get('platform.yaml')!, after.get('platform.yaml')!)!;
    expect(pf).toEqual([[`  ${name}: "${from}"`, `  ${name}: "${to}"`]]);

    const again = regenerate({ dir, check: true });
    expect(again.changed, 'regenerate --check after regenerate').toBe(false);
  });

  it('every chart of the catalog: a pin set in platform.yaml reaches every copy, docs included, and leaves no stale mention', () => {
    const spec = parsePlatform(baseline.get('platform.yaml')!).spec;
    const r = new TemplateRenderer([BUILTIN_TEMPLATES]);
    const t0 = renderPlatform(spec, r).tree;
    const before = new Map(t0.paths().map((p) => [p, t0.read(p)!]));
    for (const [name, chart] of CHARTS) {
      const to = bumped(chart.version);
      const t1 = renderPlatform({ ...spec, charts: { ...spec.charts, [name]: to } }, r).tree;
      const after = new Map(t1.paths().map((p) => [p, t1.read(p)!]));
      for (const p of pinsIn(after, name)) expect(p.version, `${name} at ${p.where}`).toBe(to);
      for (const [p, text] of after) {
        const old = before.get(p)!;
        if (old === text) continue;
        const lines = changedLines(old, text);
        expect(lines, `${name}: ${p} keeps its shape`).toBeDefined();
        for (const [a, b] of lines!) expect(b, `${name}: ${p}`).toBe(a.replace(token(chart.version), to));
      }
      // No copy still names the old version: not in the chart's own folders, nor on any line naming the chart.
      for (const p of ownFiles(after, name))
        expect(token(chart.version).test(after.get(p)!), `${name}: ${p} still names ${chart.version}`).toBe(false);
      for (const [p, text] of after) {
        for (const line of text.split('\n')) {
          if (word(name).test(line) && token(chart.version).test(line))
            expect.fail(`${name}: ${p} still says ${chart.version}: ${line.trim()}`);
        }
      }
    }
  });

  it('an unknown chart or a version that is not a string is refused: exit 2, the field named, nothing written', async () => {
    const dir = copyRepo();
    editPlatform(dir, (doc) => doc.setIn(['charts', 'cilum'], '1.18.5'));
    const before = snapshot(dir);
    const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/platform\.yaml:\d+: charts\.cilum: "cilum" is not a chart of the catalog/);
    expect(r.stderr).toContain('cilium');
    expect(snapshot(dir)).toEqual(before);

    const dir2 = copyRepo();
    const file = path.join(dir2, 'platform.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^ {2}coredns: ".*"$/m, '  coredns: 1.50'));
    const before2 = snapshot(dir2);
    const r2 = await runInProcess('platform-kit', ['regenerate', '--dir', dir2]);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/platform\.yaml:\d+: charts\.coredns: a chart version as a quoted string/);
    expect(snapshot(dir2)).toEqual(before2);
  });

  it("regenerate keeps a person's comments on a pin and restores a removed Renovate annotation", () => {
    const dir = copyRepo();
    const file = path.join(dir, 'platform.yaml');
    const ann = (n: string) =>
      baseline
        .get('platform.yaml')!
        .split('\n')
        .find((_l, i, all) => all[i + 1]?.startsWith(`  ${n}: `))!;
    const text = fs
      .readFileSync(file, 'utf8')
      .replace(`${ann('coredns')}\n`, '')
      .replace(`${ann('cilium')}\n`, `  # held back: 1.19 needs the new Gateway API CRDs\n${ann('cilium')}\n`);
    fs.writeFileSync(file, text);
    regenerate({ dir });
    const out = fs.readFileSync(file, 'utf8');
    expect(out).toContain(`  # held back: 1.19 needs the new Gateway API CRDs\n${ann('cilium')}\n  cilium: `);
    expect(out).toContain(`${ann('coredns')}\n  coredns: `);
    // one annotation per entry, the first entry included (its comment parses as the map's own), and stable
    const charts = out.slice(out.indexOf('\ncharts:\n'));
    expect(charts.match(/^ {2}# renovate: /gm)?.length).toBe(CHARTS.size);
    expect(regenerate({ dir, check: true }).changed).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------ 2. Renovate

interface RenovateConfig {
  $schema: string;
  ignorePaths: string[];
  customManagers: { customType: string; managerFilePatterns: string[]; matchStrings: string[] }[];
  packageRules: { matchPackageNames?: string[]; matchDatasources?: string[]; groupName?: string }[];
}

/** JSON5 as the generator writes it: JSON with full-line // comments. */
function readJson5(text: string): RenovateConfig {
  return JSON.parse(
    text
      .split('\n')
      .filter((l) => !/^\s*\/\//.test(l))
      .join('\n'),
  ) as RenovateConfig;
}

/** A Renovate pattern: `/regex/` or a minimatch-style glob (`**`, `*`). */
function renovatePattern(p: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/.exec(p);
  if (m) return new RegExp(m[1], m[2]);
  return new RegExp(
    `^${p
      .split('**')
      .map((s) => s.split('*').map(esc).join('[^/]*'))
      .join('.*')}$`,
  );
}

/** What the custom regex managers extract from one file, as Renovate would. */
function extract(cfg: RenovateConfig, file: string, text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of cfg.customManagers) {
    if (!m.managerFilePatterns.some((p) => renovatePattern(p).test(file))) continue;
    for (const s of m.matchStrings)
      for (const hit of text.matchAll(new RegExp(s, 'g')))
        out.push(Object.fromEntries(Object.entries(hit.groups!).filter(([, v]) => v !== undefined)));
  }
  return out;
}

describe('the generated Renovate config bumps the pins where they live', () => {
  let cfg: RenovateConfig;
  beforeAll(() => {
    const text = baseline.get('.renovaterc.json5');
    if (text !== undefined) cfg = readJson5(text);
  });

  it(
    '.renovaterc.json5 is generated, parses, and its regex manager matches every chart of the catalog in ' +
      'platform.yaml, with datasource, depName and registry',
    () => {
      // Fails on main: no Renovate config is generated.
      expect(baseline.has('.renovaterc.json5'), '.renovaterc.json5 is generated').toBe(true);
      expect(cfg.$schema).toBe('https://docs.renovatebot.com/renovate-schema.json');
      expect(cfg.customManagers.length).toBeGreaterThan(0);
      const deps = extract(cfg, 'platform.yaml', baseline.get('platform.yaml')!);
      const want = [...CHARTS.values()].map((c) =>
        c.repoType === 'oci'
          ? { datasource: 'docker', depName: c.url.replace(/^oci:\/\//, ''), currentValue: c.version }
          : { datasource: 'helm', depName: c.name, registryUrl: c.url, currentValue: c.version },
      );
      const key = (d: Record<string, string | undefined>) => JSON.stringify(Object.entries(d).sort());
      expect(deps.map(key).sort()).toEqual(want.map(key).sort());
    },
  );

  it('Talos and Kubernetes versions of every cluster stay bumpable in talconfig.yaml', () => {
    for (const c of CLUSTERS) {
      const file = `talos/${c}/talconfig.yaml`;
      const deps = extract(cfg, file, baseline.get(file)!);
      const tc = parse(baseline.get(file)!);
      expect(deps.map((d) => d.currentValue).sort(), file).toEqual([tc.kubernetesVersion, tc.talosVersion].sort());
      expect([tc.talosVersion, tc.kubernetesVersion]).toEqual([VERSIONS.talos, VERSIONS.kubernetes]);
      expect(
        deps.every((d) => d.datasource === 'docker' && d.depName.startsWith('ghcr.io/siderolabs/')),
        file,
      ).toBe(true);
    }
  });

  it('no manager reads a generated copy of a pin: every generated file holding a chart version is ignored', () => {
    const ignored = (p: string) => cfg.ignorePaths.some((g) => renovatePattern(g).test(p));
    for (const [p, text] of baseline) {
      const pinsChart = /kind: (HelmRelease|OCIRepository|HelmRepository)\b/.test(text) || /^releases:/m.test(text);
      if (pinsChart) expect(ignored(p), `${p} pins a chart but Renovate would read it`).toBe(true);
    }
    // the merge bases are copies of every generated file
    expect(ignored('.platform/base/platform.yaml')).toBe(true);
    expect(ignored('platform.yaml')).toBe(false);
    for (const c of CLUSTERS) expect(ignored(`talos/${c}/talconfig.yaml`)).toBe(false);
  });

  it('every group rule groups at least two pins of this platform (no rule for charts the catalog does not have)', () => {
    const deps = extract(cfg, 'platform.yaml', baseline.get('platform.yaml')!);
    for (const rule of cfg.packageRules.filter((r) => r.groupName && r.matchPackageNames)) {
      const members = deps.filter(
        (d) =>
          (!rule.matchDatasources || rule.matchDatasources.includes(d.datasource)) &&
          rule.matchPackageNames!.some((p) => renovatePattern(p.startsWith('/') ? p : `/^${esc(p)}$/`).test(d.depName)),
      );
      if (rule.groupName === 'talos' || rule.groupName === 'kubernetes') continue;
      expect(members.length, `group ${rule.groupName}`).toBeGreaterThanOrEqual(2);
    }
  });
});

// ------------------------------------------------------------------------------------------------ 3. HelmRelease defaults

/** A temporary kustomization: one folder of the repo (absolute) plus patches. */
function withPatches(resource: string, patches: unknown[]): string {
  const dir = tmpDir('cpc-charts-ks-');
  const k = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [path.relative(dir, resource)],
    patches,
  };
  fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify(k));
  return dir;
}

/** `kubectl kustomize` of a repo folder plus patches. */
function buildWith(resource: string, patches: unknown[]): K8sObject[] {
  return kustomize(withPatches(resource, patches)).objects;
}

/** buildWith of many, in as few kubectl runs as they allow (helpers/flux-batch.ts). */
function buildAllWith(list: { resource: string; patches: unknown[] }[]): K8sObject[][] {
  const dirs = list.map((x) => withPatches(x.resource, x.patches));
  const from = new Map(dirs.map((d, i) => [d, list[i].resource]));
  const built = kustomizeMany(repo, dirs, (d) => from.get(d)!);
  return dirs.map((d) => built.get(d)!.objects);
}

function settingsOf(c: string): Record<string, string> {
  return (parseAllDocuments(baseline.get(`kubernetes/clusters/${c}/cluster-settings.yaml`)!)[0].toJS() as K8sObject)
    .data!;
}

describe('HelmRelease defaults are patched once per lane', () => {
  it('no HelmRelease file repeats install/upgrade/rollback: the lane patches them into every child Kustomization', () => {
    // Fails on main: every app/helmrelease.yaml carries its own install/upgrade block and no lane has spec.patches.
    const hrFiles = [...baseline.keys()].filter((p) => p.endsWith('/app/helmrelease.yaml'));
    expect(hrFiles.length).toBeGreaterThan(0);
    for (const p of hrFiles) {
      const hr = parse(baseline.get(p)!);
      for (const k of ['install', 'upgrade', 'rollback']) expect(hr.spec[k], `${p}: spec.${k}`).toBeUndefined();
    }
    for (const c of CLUSTERS) {
      for (const lane of ['infrastructure', 'workloads']) {
        const text = baseline.get(`kubernetes/clusters/${c}/${lane}.yaml`);
        if (!text) continue;
        const ks = parse(text);
        const patches = ks.spec.patches as { target: { kind: string; group: string }; patch: string }[];
        expect(patches?.length, `${c}/${lane}: spec.patches`).toBe(1);
        expect(patches[0].target).toEqual({ group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization' });
      }
    }
  });

  it(
    'as Flux builds it, every HelmRelease of every lane gets the lane defaults and keeps its own timeout; ' +
      'bootstrap releases are adopted, not reinstalled',
    () => {
      for (const c of CLUSTERS) {
        const settings = settingsOf(c);
        const helmfile = parse(baseline.get(`bootstrap/${c}/helmfile.yaml`)!).releases as {
          name: string;
          namespace: string;
          chart: string;
          version: string;
        }[];
        const adopted = new Set<string>();
        for (const lane of ['infrastructure', 'workloads']) {
          const laneText = baseline.get(`kubernetes/clusters/${c}/${lane}.yaml`);
          if (!laneText) continue;
          const laneKs = parse(laneText);
          // The lane's own defaults: the HelmRelease patch inside its Kustomization patch (the input of this check).
          const inner = parse(laneKs.spec.patches[0].patch).spec.patches as { patch: string; target: unknown }[];
          const defaults = parse(inner[0].patch).spec;
          expect(
            defaults.upgrade.remediation.strategy,
            `${c}/${lane}: a failed upgrade of an adopted release never uninstalls it`,
          ).not.toBe('uninstall');
          // Flux applies the lane's patches to the objects of its build: the child Kustomizations.
          const children = buildWith(path.join(repo, laneKs.spec.path), laneKs.spec.patches).filter(isFluxKs);
          expect(children.length).toBeGreaterThan(0);
          for (const child of children)
            expect(child.spec!.patches, `${c}/${child.metadata.name}: spec.patches from the lane`).toEqual(inner);
          // upstream manifests are built from another source
          const local = children.filter((child) => child.spec!.sourceRef?.name === 'flux-system');
          const pathOf = (child: K8sObject) => path.join(repo, substituteText(child.spec!.path, settings).text);
          const builds = buildAllWith(
            local.map((child) => ({ resource: pathOf(child), patches: child.spec!.patches })),
          );
          for (const [i, child] of local.entries()) {
            const objects = builds[i];
            const comp = cat.components.get(child.metadata.name)?.component;
            for (const hr of objects.filter((o) => o.kind === 'HelmRelease')) {
              const where = `${c}/${child.metadata.name}: HelmRelease ${hr.metadata.name}`;
              expect(hr.spec!.install, where).toEqual(defaults.install);
              expect(hr.spec!.upgrade, where).toEqual(defaults.upgrade);
              expect(hr.spec!.rollback, where).toEqual(defaults.rollback);
              expect(hr.spec!.timeout, `${where}: the component's own timeout`).toBe(comp?.timeout);
              const rel = helmfile.find((r) => r.name === hr.spec!.releaseName);
              if (!rel) continue;
              // Adoption: helm-controller finds release <releaseName> in the HelmRelease's namespace and upgrades it
              // in place; the chart and version must be the helmfile's, or the "adoption" is a chart change.
              const ns = child.spec!.targetNamespace;
              expect([hr.spec!.releaseName, ns], `${where}: release and namespace helmfile installed`).toEqual([
                rel.name,
                rel.namespace,
              ]);
              const src = objects.find(
                (o) => o.kind === 'OCIRepository' && o.metadata.name === hr.spec!.chartRef?.name,
              );
              expect([src?.spec?.url, src?.spec?.ref.tag], `${where}: chart and version helmfile installed`).toEqual([
                rel.chart,
                rel.version,
              ]);
              adopted.add(rel.name);
            }
          }
        }
        expect([...adopted].sort(), `${c}: every bootstrap release has a HelmRelease that adopts it`).toEqual(
          helmfile.map((r) => r.name).sort(),
        );
      }
    },
  );

  it("the platform with lane patches checks clean (check applies each lane's spec.patches to its children, as Flux does: no false finding)", async () => {
    const res = await check({ dir: repo, build: true });
    expect(res.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});
