export type Severity = 'error' | 'warning' | 'info';

/** One problem the check found. `code` is stable; `file` is repo-relative and `line` 1-based. */
export interface Finding {
  code: string;
  severity: Severity;
  cluster?: string;
  file?: string;
  line?: number;
  message: string;
  hint?: string;
}

export interface GraphNode {
  /** namespace/name */
  id: string;
  name: string;
  namespace: string;
  path: string;
  /** The Kustomization whose build creates this one (undefined for the entry). */
  parent?: string;
  external?: boolean;
}

export interface ClusterGraph {
  nodes: GraphNode[];
  /** from waits for to (dependsOn) */
  dependsOn: { from: string; to: string }[];
}

export interface CheckResult {
  clusters: string[];
  findings: Finding[];
  graphs: Record<string, ClusterGraph>;
}

export interface CheckOptions {
  /** The repository to check. */
  dir: string;
  /** Cluster entry folders, repo-relative; one `*` segment is the cluster name. Default kubernetes/clusters/*. */
  clusterPaths?: string[];
  /** Also run `kubectl kustomize` on every Flux Kustomization path. */
  build?: boolean;
  /** Called while --build runs: done of total. */
  progress?: (done: number, total: number) => void;
}
