import type { CheckResult, ClusterGraph, ClusterWalked, Finding } from './types';

export function summary(r: CheckResult): Record<'error' | 'warning' | 'info', number> {
  const out = { error: 0, warning: 0, info: 0 };
  for (const f of r.findings) out[f.severity]++;
  return out;
}

/** One finding on one line: severity, code, file:line, message; its hint on the next line with verbose. */
function line(f: Finding, verbose: boolean): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''} ` : '';
  return `  ${f.severity.padEnd(7)} ${f.code} ${where}${f.message}${verbose && f.hint ? `\n          hint: ${f.hint}` : ''}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The line that opens a cluster's findings: where its entry is, why, its source, and what was walked. */
function clusterLine(name: string, w: ClusterWalked | undefined): string {
  if (!w) return `cluster ${name}:`;
  return (
    `cluster ${name}: ${plural(w.kustomizations, 'Kustomization')}, ` +
    `${plural(w.helmReleases, 'HelmRelease')} from ./${w.entry}, source ${w.source.kind}/${w.source.name} (entry: ${w.found})`
  );
}

/**
 * Human output: repository-wide findings first, then each cluster (one line saying what was walked) with its
 * findings, one line each; hints only with verbose; a summary last.
 */
export function formatCheck(r: CheckResult, opts: { info?: boolean; verbose?: boolean } = {}): string {
  const out: string[] = [];
  const shown = r.findings.filter((f) => opts.info || f.severity !== 'info');
  const repo = shown.filter((f) => !f.cluster);
  if (repo.length) out.push('repository:', ...repo.map((f) => line(f, Boolean(opts.verbose))));
  const names = [...new Set([...r.clusters, ...shown.flatMap((f) => (f.cluster ? [f.cluster] : []))])];
  for (const c of names) {
    out.push(clusterLine(c, r.walked?.[c]));
    for (const f of shown) if (f.cluster === c) out.push(line(f, Boolean(opts.verbose)));
  }
  const s = summary(r);
  out.push(
    `checked ${plural(r.clusters.length, 'cluster')} (${r.clusters.join(', ')}): ${plural(s.error, 'error')}, ` +
      `${plural(s.warning, 'warning')}, ${s.info} ` +
      `info${!opts.info && s.info ? ' (--info shows them)' : ''}${!opts.verbose && shown.some((f) => f.hint) ? '; --verbose shows hints' : ''}`,
  );
  return out.join('\n');
}

const safe = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * The Kustomization graph of a cluster: solid arrows `a --> b` mean a waits for b (dependsOn); dotted arrows
 * `p -.-> c` mean p's build creates c.
 */
export function formatGraph(cluster: string, g: ClusterGraph, format: 'mermaid' | 'dot'): string {
  const adopted = g.nodes.some((n) => n.adopted);
  if (format === 'dot') {
    const out = [`digraph "${cluster}" {`, '  rankdir=LR;', '  node [shape=box];'];
    if (adopted) out.push(ADOPTED_LEGEND_DOT);
    for (const n of g.nodes) out.push(`  "${n.id}" [label="${n.name}\\n./${n.path}"${dotStyle(n)}];`);
    for (const n of g.nodes) if (n.parent) out.push(`  "${n.parent}" -> "${n.id}" [style=dotted, label="creates"];`);
    for (const e of g.dependsOn) out.push(`  "${e.from}" -> "${e.to}" [label="waits for"];`);
    out.push('}');
    return out.join('\n');
  }
  const out = [
    'graph LR',
    `  %% cluster ${cluster}: A --> B means A waits for B (dependsOn); A -.-> B means A's build creates B`,
  ];
  for (const n of g.nodes) out.push(`  ${safe(n.id)}["${n.name}"]`);
  for (const n of g.nodes) if (n.parent) out.push(`  ${safe(n.parent)} -.-> ${safe(n.id)}`);
  for (const e of g.dependsOn) out.push(`  ${safe(e.from)} --> ${safe(e.to)}`);
  if (adopted) out.push(...adoptedMermaid(g.nodes.filter((n) => n.adopted).map((n) => safe(n.id))));
  return out.join('\n');
}

// Adopted Kustomizations (platform-kit adopt recorded them: their authors' files) are drawn apart from those the
// tool renders: a class in Mermaid, a fill in DOT, and a legend line. A graph without any is drawn as before.
const ADOPTED_STYLE = 'fill:#fef9c3,stroke:#a16207,stroke-dasharray:4 3';
const ADOPTED_LEGEND =
  "adopted (yellow): Flux Kustomizations the repository's people wrote; platform-kit never renders, merges or deletes them";
export const ADOPTED_LEGEND_DOT = `  // ${ADOPTED_LEGEND}`;

/** The Mermaid lines that mark adopted nodes: the class, the nodes in it, the legend. */
export function adoptedMermaid(ids: string[]): string[] {
  return [`  %% ${ADOPTED_LEGEND}`, `  classDef adopted ${ADOPTED_STYLE}`, `  class ${ids.join(',')} adopted`];
}

/** A DOT node's style attributes: dashed when another source's, filled (class adopted) when adopted. */
export function dotStyle(n: { external?: boolean; adopted?: boolean }): string {
  if (!n.adopted) return n.external ? ', style=dashed' : '';
  return `, style="${n.external ? 'dashed,' : ''}filled", fillcolor="#fef9c3", class="adopted"`;
}
