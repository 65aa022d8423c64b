/**
 * Flux health checks for kinds whose status carries no `Ready` condition. kstatus (what a Flux Kustomization's
 * `healthChecks` use by default) reports such an object Current as soon as it exists, so the check passes at once
 * and dependents start too early. For these kinds every component's Flux Kustomization gets `healthCheckExprs`
 * (kustomize.toolkit.fluxcd.io/v1, Flux >= 2.5; the FluxInstance pins 2.7.x) with CEL on the real status fields of
 * the CRD at the version the catalog pins. Every expression guards with has(): a field the controller has not
 * written yet means "not ready yet", never an evaluation error.
 */
export interface HealthCheckExpr {
  apiVersion: string;
  kind: string;
  current: string;
  inProgress?: string;
  failed?: string;
}

export const HEALTH_CHECK_EXPRS: readonly HealthCheckExpr[] = [
  {
    // dragonfly-operator v1.3.0: status.phase ResourcesCreated -> Configuring -> Ready ("ready" before v1.2),
    // RollingUpdate while pods are replaced (status.isRollingUpdate on older instances). No failed phase.
    apiVersion: 'dragonflydb.io/v1alpha1',
    kind: 'Dragonfly',
    current:
      "has(status.phase) && (status.phase == 'Ready' || status.phase == 'ready') && !(has(status.isRollingUpdate) && status.isRollingUpdate)",
  },
  {
    // Rook v1.18: status.phase is Progressing, Ready or Failure (type ConditionType); conditions only report deletion.
    apiVersion: 'ceph.rook.io/v1',
    kind: 'CephBlockPool',
    current: "has(status.phase) && status.phase == 'Ready'",
    failed: "has(status.phase) && status.phase == 'Failure'",
  },
  {
    // Rook v1.18: status.phase Progressing -> Ready (Failure on orchestration errors); Ceph's own health is
    // status.ceph.health and is alerted on, not gated on (HEALTH_WARN is normal while OSDs come up).
    apiVersion: 'ceph.rook.io/v1',
    kind: 'CephCluster',
    current: "has(status.phase) && status.phase == 'Ready'",
    failed: "has(status.phase) && status.phase == 'Failure'",
  },
  {
    // gha-runner-scale-set 0.13: the status only counts runners and is written when the count changes (with
    // minRunners 0 possibly never). The controller annotates runner-scale-set-id once the scale set is registered
    // with GitHub, i.e. the GitHub App credentials and config URL work.
    apiVersion: 'actions.github.com/v1alpha1',
    kind: 'AutoscalingRunnerSet',
    current:
      "has(metadata.annotations) && 'runner-scale-set-id' in metadata.annotations && metadata.annotations['runner-scale-set-id'] != ''",
  },
  {
    // VictoriaMetrics operator v0.63: status.updateStatus expanding | operational | failed | paused, with
    // status.observedGeneration; conditions are per-domain (*.victoriametrics.com/Applied), no Ready.
    apiVersion: 'operator.victoriametrics.com/v1beta1',
    kind: 'VMCluster',
    current:
      "has(status.updateStatus) && status.updateStatus == 'operational' && has(status.observedGeneration) && status.observedGeneration == metadata.generation",
    failed: "has(status.updateStatus) && status.updateStatus == 'failed'",
  },
  {
    apiVersion: 'operator.victoriametrics.com/v1beta1',
    kind: 'VMAuth',
    current:
      "has(status.updateStatus) && status.updateStatus == 'operational' && has(status.observedGeneration) && status.observedGeneration == metadata.generation",
    failed: "has(status.updateStatus) && status.updateStatus == 'failed'",
  },
  {
    // Gateway API v1: conditions Accepted and Programmed (no Ready, no status.observedGeneration); Programmed
    // means Cilium has an address and listeners for the current generation.
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    current:
      "has(status.conditions) && status.conditions.exists(c, c.type == 'Programmed' && c.status == 'True' && c.observedGeneration == metadata.generation)",
    failed:
      "has(status.conditions) && status.conditions.exists(c, c.type == 'Accepted' && c.status == 'False' && c.observedGeneration == metadata.generation)",
  },
  {
    // Cilium 1.18: the BGP control plane writes cilium.io/NoMatchingNode, cilium.io/MissingPeerConfigs and
    // cilium.io/ConflictingClusterConfig (True = a problem) for the generation it reconciled; no Ready.
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    current:
      "has(status.conditions) && status.conditions.exists(c, c.type == 'cilium.io/NoMatchingNode' && " +
      "c.observedGeneration == metadata.generation) && !status.conditions.exists(c, c.status == 'True')",
  },
];

/** The healthCheckExprs a Flux Kustomization needs for its health checks: one per (apiVersion, kind) in the table. */
export function healthCheckExprsFor(checks: readonly { apiVersion: string; kind: string }[]): HealthCheckExpr[] {
  const out: HealthCheckExpr[] = [];
  for (const e of HEALTH_CHECK_EXPRS) {
    if (checks.some((h) => h.apiVersion === e.apiVersion && h.kind === e.kind)) out.push({ ...e });
  }
  return out;
}
