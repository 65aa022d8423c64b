import { type Document, isMap, isScalar, Pair, Scalar, type YAMLMap } from 'yaml';
import type { Component } from './components';
import type { Problem } from './problem';
import type { PlatformSpec } from './schema';
import { type Catalog, type ComponentEntry, loadCatalog, type StoryDef } from './stories';

/**
 * Chart versions of a platform. The catalog pins every chart; `charts:` in platform.yaml (chart name -> version)
 * overrides that pin for the whole platform, so Renovate bumps ONE line and `regenerate` carries it into every
 * OCIRepository / HelmRelease, the bootstrap helmfiles and every document that names the version.
 * Keys are chart names: components sharing a chart (external-dns twice, victoria-metrics-k8s-stack twice) move
 * together, which they must (one values shape per chart version). Custom stories keep their own version in their
 * definition (stories.<ID>.custom): the map applies to the built-in catalog only.
 */

export interface CatalogChart {
  name: string;
  url: string;
  version: string;
  repoType: 'oci' | 'helm';
  /** Components of the catalog that install it. */
  components: string[];
}

/** Every chart of the built-in catalog (foundation and stories), by chart name. */
export function catalogCharts(cat: Catalog = loadCatalog()): Map<string, CatalogChart> {
  const out = new Map<string, CatalogChart>();
  for (const [id, e] of cat.components) {
    const c = e.component.chart;
    if (!c || e.story?.custom) continue;
    const have = out.get(c.name);
    if (have) have.components.push(id);
    else out.set(c.name, { name: c.name, url: c.url, version: c.version, repoType: c.repoType, components: [id] });
  }
  return out;
}

/** A component with its chart version taken from platform.yaml's `charts:` (same object when nothing changes). */
export function pinComponent(c: Component, pins: Record<string, string>): Component {
  const v = c.chart ? pins[c.chart.name] : undefined;
  return v === undefined || v === c.chart!.version ? c : { ...c, chart: { ...c.chart!, version: v } };
}

/** The catalog as this platform sees it: every built-in component's chart at the platform's pinned version. */
export function withChartPins(cat: Catalog, pins: Record<string, string> | undefined): Catalog {
  if (!pins || Object.keys(pins).length === 0) return cat;
  const stories: StoryDef[] = cat.stories.map((s) =>
    s.custom ? s : { ...s, components: s.components.map((c) => pinComponent(c, pins)) },
  );
  const byId = new Map(stories.map((s) => [s.id, s]));
  const components = new Map<string, ComponentEntry>();
  for (const [id, e] of cat.components) {
    const story = e.story ? byId.get(e.story.id) : undefined;
    const component = e.story?.custom
      ? e.component
      : (story?.components.find((c) => c.id === id) ?? pinComponent(e.component, pins));
    components.set(id, { component, ...(story ? { story } : {}) });
  }
  return { stories, byId, components, variables: cat.variables };
}

/** `charts:` entries: each a chart of the catalog, each value a version string. */
export function chartPinProblems(spec: PlatformSpec): Problem[] {
  const known = catalogCharts();
  const problems: Problem[] = [];
  for (const [name] of Object.entries(spec.charts ?? {})) {
    if (known.has(name)) continue;
    const custom = Object.entries(spec.stories).find(([, s]) =>
      s.custom?.components.some((c) => c.chart?.name === name),
    );
    const hint = custom
      ? `it is the chart of custom story ${custom[0]}: set its version there (stories.${custom[0]}.custom.components[].chart.version)`
      : `known charts: ${[...known.keys()].sort().join(', ')}`;
    problems.push({
      path: `charts.${name}`,
      message: `${JSON.stringify(name)} is not a chart of the catalog (${hint})`,
    });
  }
  return problems;
}

/**
 * The Renovate annotation of a chart pin: the regex manager of the generated .renovaterc.json5 reads the line
 * after it. OCI charts are container-registry artifacts (datasource docker, depName = registry path); classic
 * Helm repositories use datasource helm with the repository URL.
 */
export function renovateAnnotation(chart: Pick<CatalogChart, 'name' | 'url' | 'repoType'>): string {
  return chart.repoType === 'oci'
    ? `renovate: datasource=docker depName=${chart.url.replace(/^oci:\/\//, '')}`
    : `renovate: datasource=helm depName=${chart.name} registryUrl=${chart.url}`;
}

const CHARTS_COMMENT =
  ' Chart versions of this platform (chart name -> version), one line per chart. The catalog pin is written the first\n' +
  ' time a chart is used; change it here (Renovate does: .renovaterc.json5 reads the "# renovate:" line above each\n' +
  ' entry, which regenerate keeps), then run platform-kit regenerate: it carries the version into every\n' +
  ' OCIRepository / HelmRelease, the bootstrap helmfiles and the docs. Nothing else pins a chart.';

/**
 * Bring platform.yaml's `charts:` up to date with the charts the platform renders: add a missing chart at its
 * catalog pin, and give every entry its Renovate annotation (the last comment line above it, so a person's own
 * comment lines stay). Values a person (or Renovate) wrote are never changed. Edits pf (Document API: comments
 * and order elsewhere survive). `used` are chart names of the built-in catalog the render uses.
 */
// pf is a PlatformFile, typed by what is used: platform-file.ts validates through validate.ts, which reads charts.ts.
export function syncChartPins(
  pf: { readonly spec: PlatformSpec; edit(change: (doc: Document) => void): unknown },
  used: Iterable<string>,
): void {
  const known = catalogCharts();
  const want = [...new Set(used)].filter((n) => known.has(n));
  const current = pf.spec.charts ?? {};
  const missing = want.filter((n) => current[n] === undefined).sort();
  if (missing.length === 0 && Object.keys(current).length === 0) return;
  pf.edit((doc) => {
    let map = doc.get('charts', true) as YAMLMap | undefined;
    if (!isMap(map)) {
      map = doc.createNode({}) as YAMLMap;
      const key = new Scalar('charts');
      key.commentBefore = CHARTS_COMMENT;
      (doc.contents as YAMLMap).items.push(new Pair(key, map));
    }
    map.flow = false;
    // A comment above the first entry parses as the map's own comment: give it back to that entry.
    const first = map.items[0]?.key;
    if (map.commentBefore && isScalar(first)) {
      first.commentBefore = [map.commentBefore, first.commentBefore].filter(Boolean).join('\n');
      map.commentBefore = undefined;
    }
    // A new entry goes before the first entry whose name sorts after it: a sorted map stays sorted, so the file
    // does not depend on the order in which stories were added.
    for (const name of missing) {
      const value = new Scalar(known.get(name)!.version);
      value.type = Scalar.QUOTE_DOUBLE;
      const at = map.items.findIndex((it) => isScalar(it.key) && String(it.key.value) > name);
      map.items.splice(at < 0 ? map.items.length : at, 0, new Pair(new Scalar(name), value));
    }
    for (const it of map.items) {
      if (!isScalar(it.key)) continue;
      const chart = known.get(String(it.key.value));
      if (!chart) continue;
      const own = (it.key.commentBefore ?? '').split('\n').filter((l) => l !== '' && !/^\s*renovate:/.test(l));
      it.key.commentBefore = [...own, ` ${renovateAnnotation(chart)}`].join('\n');
    }
  });
}
