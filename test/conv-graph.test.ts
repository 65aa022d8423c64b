import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../src';
import { formatGraphs } from '../src/check/graph-document';
import type { ClusterGraph } from '../src/check/types';
import { tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

interface Parsed {
  headers: string[];
  subgraphs: { id: string; label: string; nodes: string[] }[];
  nodes: string[];
  edges: { from: string; to: string }[];
}

/** A Mermaid flowchart: header lines, subgraph … end blocks with their node declarations, edges. */
function parseMermaid(text: string): Parsed {
  const out: Parsed = { headers: [], subgraphs: [], nodes: [], edges: [] };
  let open: Parsed['subgraphs'][number] | undefined;
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('%%')) continue;
    let m: RegExpExecArray | null;
    if (/^(graph|flowchart)\b/.test(l)) out.headers.push(l);
    else if ((m = /^subgraph (\S+)\["([^"]*)"\]$/.exec(l))) {
      expect(open, 'nested subgraph').toBeUndefined();
      open = { id: m[1], label: m[2], nodes: [] };
    } else if (l === 'end') {
      expect(open, 'end without subgraph').toBeDefined();
      out.subgraphs.push(open!);
      open = undefined;
    } else if ((m = /^([A-Za-z0-9_]+)\["[^"]*"\]$/.exec(l))) {
      out.nodes.push(m[1]);
      open?.nodes.push(m[1]);
    } else if ((m = /^([A-Za-z0-9_]+) (?:-->|-\.->) ([A-Za-z0-9_]+)$/.exec(l)))
      out.edges.push({ from: m[1], to: m[2] });
    else throw new Error(`a line that is not Mermaid flowchart syntax: ${l}`);
  }
  expect(open, 'subgraph not closed').toBeUndefined();
  return out;
}

/** A DOT digraph: one `digraph` line, `subgraph "cluster_…"` blocks with their nodes, edges. */
function parseDot(text: string): Parsed {
  const out: Parsed = { headers: [], subgraphs: [], nodes: [], edges: [] };
  let open: Parsed['subgraphs'][number] | undefined;
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim());
  expect(lines.at(-1)).toBe('}');
  for (const l of lines.slice(0, -1)) {
    let m: RegExpExecArray | null;
    if (/^digraph /.test(l)) out.headers.push(l);
    else if ((m = /^subgraph "(cluster_[^"]+)" \{$/.exec(l))) open = { id: m[1], label: '', nodes: [] };
    else if ((m = /^label="([^"]*)";$/.exec(l)) && open) open.label = m[1];
    else if (l === '}') {
      out.subgraphs.push(open!);
      open = undefined;
    } else if ((m = /^"([^"]+)" -> "([^"]+)" \[.*\];$/.exec(l))) out.edges.push({ from: m[1], to: m[2] });
    else if ((m = /^"([^"]+)" \[label=.*\];$/.exec(l))) {
      out.nodes.push(m[1]);
      open?.nodes.push(m[1]);
    } else if (!/^(rankdir=LR;|node \[shape=box\];|\/\/ .*)$/.test(l))
      throw new Error(`a line that is not DOT as written: ${l}`);
  }
  return out;
}

function expectOneDocument(p: Parsed, clusters: string[], graphs: Record<string, ClusterGraph>): void {
  expect(p.headers).toHaveLength(1);
  expect(p.subgraphs.map((s) => s.label)).toEqual(clusters);
  expect(new Set(p.nodes).size, 'node ids unique across clusters').toBe(p.nodes.length);
  for (const [i, c] of clusters.entries()) expect(p.subgraphs[i].nodes).toHaveLength(graphs[c].nodes.length);
  const declared = new Set(p.nodes);
  for (const e of p.edges)
    expect(declared.has(e.from) && declared.has(e.to), `${e.from} -> ${e.to} declared`).toBe(true);
  const edges = clusters.reduce(
    (n, c) => n + graphs[c].dependsOn.length + graphs[c].nodes.filter((x) => x.parent).length,
    0,
  );
  expect(p.edges).toHaveLength(edges);
  // An edge stays inside its cluster.
  const home = new Map(p.subgraphs.flatMap((s) => s.nodes.map((n) => [n, s.label] as const)));
  for (const e of p.edges) expect(home.get(e.from)).toBe(home.get(e.to));
}

describe('platform-kit graph without --cluster: one document (issue 16 item 5)', () => {
  let repo: string;
  let graphs: Record<string, ClusterGraph>;
  let clusters: string[];
  beforeAll(async () => {
    repo = tmpDir('cpc-conv-graph-');
    const r = await runInProcess('create-platform-cluster', [
      'infra',
      'apps',
      'apps-dev',
      '--yes',
      '--stories',
      'STORY-BOOT-TALOS,STORY-BOOT-CRDS',
      '--approve',
      '--dir',
      repo,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const c = await check({ dir: repo });
    graphs = c.graphs;
    clusters = c.clusters;
    expect(clusters).toHaveLength(3);
  });

  it('mermaid: one graph header, a subgraph per cluster, ids unique, every edge between declared nodes', async () => {
    const r = await runInProcess('platform-kit', ['graph', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    expectOneDocument(parseMermaid(r.stdout), clusters, graphs);
    // The same Kustomization on every cluster is a node per cluster.
    expect(r.stdout.match(/\["flux-system"\]/g)).toHaveLength(clusters.length);
  });

  it('dot: one digraph, a cluster_ subgraph per cluster, ids unique, every edge between declared nodes', async () => {
    const r = await runInProcess('platform-kit', ['graph', '--dir', repo, '--format', 'dot']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^digraph /gm)).toHaveLength(1);
    expectOneDocument(parseDot(r.stdout), clusters, graphs);
  });

  it('--cluster keeps the one-cluster graph as before', async () => {
    const r = await runInProcess('platform-kit', ['graph', '--dir', repo, '--cluster', 'apps']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('subgraph');
    expect(r.stdout.match(/^graph LR/gm)).toHaveLength(1);
  });
});

describe('formatGraphs: ids that would read the same stay distinct', () => {
  const g = (ids: string[]): ClusterGraph => ({
    nodes: ids.map((id) => ({ id, name: id.split('/')[1], namespace: id.split('/')[0], path: `k/${id}` })),
    dependsOn: [{ from: ids[0], to: ids[1] }],
  });
  it('a-b/x and a_b/x, a node named like a subgraph', () => {
    const graphs = { one: g(['a-b/x', 'a_b/x']), cluster: g(['one/x', 'x/y']) };
    const text = formatGraphs(graphs, ['one', 'cluster'], 'mermaid');
    const p = parseMermaid(text);
    expect(new Set([...p.nodes, ...p.subgraphs.map((s) => s.id)]).size).toBe(p.nodes.length + p.subgraphs.length);
    expectOneDocument(p, ['one', 'cluster'], graphs);
  });
  it('dot escapes quotes and backslashes in names', () => {
    const graphs = { c: g(['ns/a"b', 'ns/c\\d']) };
    const p = parseDot(formatGraphs(graphs, ['c'], 'dot').replace(/\\"/g, "'").replace(/\\\\/g, '/'));
    expectOneDocument(p, ['c'], graphs);
  });
});
