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

/** What the check found and walked on one cluster. */
export interface ClusterWalked {
  /** The entry folder (repo-relative; '' is the repository root). */
  entry: string;
  /**
   * How the entry was found: 'FluxInstance spec.sync.path in <file>:<line>', 'flux-instance HelmRelease values
   * instance.sync.path in <file>:<line>', 'gotk-sync <file>:<line>', 'folder kubernetes/clusters/*',
   * 'Kustomization <name> in <file>:<line>, created by no other', '--cluster-path'.
   */
  found: string;
  /** The source the cluster syncs this repository from; Kustomizations of any other source are not walked. */
  source: { kind: string; name: string };
  /** Flux Kustomizations walked (the entry's included; those of another source are not counted). */
  kustomizations: number;
  /** HelmRelease objects in the builds of those Kustomizations. */
  helmReleases: number;
}

export interface CheckResult {
  clusters: string[];
  /** Per cluster: its entry, how it was found, its source and what was walked. */
  walked: Record<string, ClusterWalked>;
  findings: Finding[];
  graphs: Record<string, ClusterGraph>;
}

export interface CheckOptions {
  /** The repository to check. */
  dir: string;
  /** Cluster entry folders, repo-relative; one `*` segment is the cluster name. Default: found as Flux is told (entries.ts). */
  clusterPaths?: string[];
  /** Also run `kubectl kustomize` on every Flux Kustomization path. */
  build?: boolean;
  /** Called while --build runs: done of total. */
  progress?: (done: number, total: number) => void;
}
