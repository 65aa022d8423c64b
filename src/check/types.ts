import type { Finding } from '../core/finding';
import type { Obj } from './objects';

export type { Finding, Severity } from '../core/finding';

export interface GraphNode {
  /** namespace/name */
  id: string;
  name: string;
  namespace: string;
  path: string;
  /** The Kustomization whose build creates this one (undefined for the entry). */
  parent?: string;
  external?: boolean;
  /**
   * Recorded in platform.yaml as adopted (platform-kit adopt): its files are its authors'. check/ never sets it; the
   * graph command does, from platform.yaml (commands/check.ts withAdopted).
   */
  adopted?: boolean;
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
  /** Rules from outside check/, run on the walk (the command layer adds those of platform.yaml and the catalog). */
  rules?: CheckRule[];
}

/** What a rule from outside check/ sees of a walked repository. */
export interface WalkedRepo {
  /** The repository's files as the walk reads them (repo-relative paths). */
  files: { exists(rel: string): boolean; text(rel: string): string; objectsOf(rel: string): Obj[] };
  /** cluster -> name of each Flux Kustomization the walk reached -> where it is wired (the entry listing it, else its own file). */
  wired: Map<string, Map<string, { file?: string; line?: number }>>;
}

/** A rule's findings, and Flux Kustomizations it expects no cluster to reach (not reported as unreachable). */
export interface RuleResult {
  findings: Finding[];
  unreachableOk?: Set<string>;
}

/** A rule the check runs with its own: it reads the walk and the files, and says what it found. */
export interface CheckRule {
  /** Files the rule reads as a whole itself: the check's object rules (credentials in objects) leave them out. */
  owns?: string[];
  run(repo: WalkedRepo): RuleResult;
}
