import { ADOPTED_LEGEND_DOT, adoptedMermaid, dotStyle } from './format';
import type { ClusterGraph } from './types';

export type GraphFormat = 'mermaid' | 'dot';

/** A Mermaid node/subgraph id: letters, digits and `_`. */
const word = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
/** A Mermaid label inside ["…"]: quotes as the entity Mermaid reads. */
const mermaidLabel = (s: string) => s.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ');
/** A DOT double-quoted string. */
const dotText = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ');
const dotString = (s: string) => `"${dotText(s)}"`;

/**
 * Ids unique over a whole document: the readable form of each key, with `_2`, `_3`… where two keys read the same
 * (`a-b` and `a_b`) or a key reads like one already taken.
 */
function idAllocator(): (key: string, readable: string) => string {
  const byKey = new Map<string, string>();
  const taken = new Set<string>();
  return (key, readable) => {
    const known = byKey.get(key);
    if (known) return known;
    let id = readable;
    for (let n = 2; taken.has(id); n++) id = `${readable}_${n}`;
    taken.add(id);
    byKey.set(key, id);
    return id;
  };
}

/**
 * The Flux Kustomization graphs of several clusters as ONE document to paste as one block: Mermaid `graph LR` with a
 * subgraph per cluster, or a DOT digraph with a `cluster_…` subgraph per cluster. Node ids carry the cluster, so the
 * same Kustomization on two clusters is two nodes. A --> B: A waits for B (dependsOn); A -.-> B: A's build creates B.
 */
export function formatGraphs(graphs: Record<string, ClusterGraph>, clusters: string[], format: GraphFormat): string {
  const id = idAllocator();
  if (format === 'dot') {
    const out = [
      'digraph "platform" {',
      '  rankdir=LR;',
      '  node [shape=box];',
      '  // A -> B "waits for": A dependsOn B; dotted "creates": A\'s build creates B',
    ];
    if (clusters.some((c) => graphs[c].nodes.some((n) => n.adopted))) out.push(ADOPTED_LEGEND_DOT);
    const node = (c: string, n: string) => dotString(`${c}/${n}`);
    for (const c of clusters) {
      const g = graphs[c];
      out.push(`  subgraph ${dotString(`cluster_${c}`)} {`, `    label=${dotString(c)};`);
      for (const n of g.nodes)
        out.push(`    ${node(c, n.id)} [label="${dotText(n.name)}\\n./${dotText(n.path)}"${dotStyle(n)}];`);
      out.push('  }');
    }
    for (const c of clusters) {
      const g = graphs[c];
      for (const n of g.nodes)
        if (n.parent) out.push(`  ${node(c, n.parent)} -> ${node(c, n.id)} [style=dotted, label="creates"];`);
      for (const e of g.dependsOn) out.push(`  ${node(c, e.from)} -> ${node(c, e.to)} [label="waits for"];`);
    }
    out.push('}');
    return out.join('\n');
  }
  const out = [
    'graph LR',
    "  %% one subgraph per cluster: A --> B means A waits for B (dependsOn); A -.-> B means A's build creates B",
  ];
  // Subgraph ids first, so a node never takes a cluster's id.
  const sub = new Map(clusters.map((c) => [c, id(`cluster\0${c}`, `cluster_${word(c)}`)]));
  const node = (c: string, n: string) => id(`node\0${c}\0${n}`, `${word(c)}__${word(n)}`);
  for (const c of clusters) {
    out.push(`  subgraph ${sub.get(c)}["${mermaidLabel(c)}"]`);
    for (const n of graphs[c].nodes) out.push(`    ${node(c, n.id)}["${mermaidLabel(n.name)}"]`);
    out.push('  end');
  }
  for (const c of clusters) {
    const g = graphs[c];
    for (const n of g.nodes) if (n.parent) out.push(`  ${node(c, n.parent)} -.-> ${node(c, n.id)}`);
    for (const e of g.dependsOn) out.push(`  ${node(c, e.from)} --> ${node(c, e.to)}`);
  }
  const adopted = clusters.flatMap((c) => graphs[c].nodes.filter((n) => n.adopted).map((n) => node(c, n.id)));
  if (adopted.length) out.push(...adoptedMermaid(adopted));
  return out.join('\n');
}
