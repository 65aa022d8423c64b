// A rule of the story catalog itself, apart from charts.ts (which reads the catalog): the catalog's loader runs it.
import type { Component } from './components';

/** Catalog rule: one chart name is one chart (one URL, one version), so a `charts:` key names exactly one pin. */
export function chartCatalogProblems(components: { id: string; chart?: Component['chart'] }[]): string[] {
  const seen = new Map<string, { id: string; url: string; version: string }>();
  const problems: string[] = [];
  for (const c of components) {
    if (!c.chart) continue;
    const prev = seen.get(c.chart.name);
    if (!prev) seen.set(c.chart.name, { id: c.id, url: c.chart.url, version: c.chart.version });
    else if (prev.url !== c.chart.url || prev.version !== c.chart.version) {
      problems.push(
        `component ${c.id}: chart ${c.chart.name} ${c.chart.version} (${c.chart.url}) differs from ` +
          `${prev.id}'s ${prev.version} (${prev.url}); one chart name, one pin`,
      );
    }
  }
  return problems;
}
