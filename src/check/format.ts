import type { CheckResult, ClusterGraph, Finding } from './types';

export function summary(r: CheckResult): Record<'error' | 'warning' | 'info', number> {
  const out = { error: 0, warning: 0, info: 0 };
  for (const f of r.findings) out[f.severity]++;
  return out;
}

function line(f: Finding): string {
  const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : '';
  return `  ${f.severity.padEnd(7)} ${f.code.padEnd(26)} ${where}\n          ${f.message}${f.hint ? `\n          hint: ${f.hint}` : ''}`;
}

/** Human output: findings grouped by cluster (cross-cluster and repository-wide ones first), then a summary. */
export function formatCheck(r: CheckResult, opts: { info?: boolean } = {}): string {
  const out: string[] = [];
  const shown = r.findings.filter((f) => opts.info || f.severity !== 'info');
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const g = f.cluster ? `cluster ${f.cluster}` : 'repository';
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  for (const [g, list] of [...groups].sort((a, b) => (a[0] === 'repository' ? -1 : b[0] === 'repository' ? 1 : a[0].localeCompare(b[0])))) {
    out.push(`${g}:`);
    for (const f of list) out.push(line(f));
  }
  const s = summary(r);
  out.push(`checked ${r.clusters.length} cluster${r.clusters.length === 1 ? '' : 's'} (${r.clusters.join(', ')}): ${s.error} error${s.error === 1 ? '' : 's'}, ${s.warning} warning${s.warning === 1 ? '' : 's'}, ${s.info} info${!opts.info && s.info ? ' (--info shows them)' : ''}`);
  return out.join('\n');
}

const safe = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * The Kustomization graph of a cluster: solid arrows `a --> b` mean a waits for b (dependsOn); dotted arrows
 * `p -.-> c` mean p's build creates c.
 */
export function formatGraph(cluster: string, g: ClusterGraph, format: 'mermaid' | 'dot'): string {
  if (format === 'dot') {
    const out = [`digraph "${cluster}" {`, '  rankdir=LR;', '  node [shape=box];'];
    for (const n of g.nodes) out.push(`  "${n.id}" [label="${n.name}\\n./${n.path}"${n.external ? ', style=dashed' : ''}];`);
    for (const n of g.nodes) if (n.parent) out.push(`  "${n.parent}" -> "${n.id}" [style=dotted, label="creates"];`);
    for (const e of g.dependsOn) out.push(`  "${e.from}" -> "${e.to}" [label="waits for"];`);
    out.push('}');
    return out.join('\n');
  }
  const out = ['graph LR', `  %% cluster ${cluster}: A --> B means A waits for B (dependsOn); A -.-> B means A's build creates B`];
  for (const n of g.nodes) out.push(`  ${safe(n.id)}["${n.name}"]`);
  for (const n of g.nodes) if (n.parent) out.push(`  ${safe(n.parent)} -.-> ${safe(n.id)}`);
  for (const e of g.dependsOn) out.push(`  ${safe(e.from)} --> ${safe(e.to)}`);
  return out.join('\n');
}
