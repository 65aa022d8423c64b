/**
 * Kinds that are cluster-scoped, once: kustomize applies no namespace to them (check/ builds a Flux repository as
 * kustomize would), and a Flux health check names them without one (generate/component.ts). Kinds of CRDs count
 * too, those the catalog's components install or people commonly check.
 */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'VolumeSnapshotClass',
  'PersistentVolume',
  'ClusterSecretStore',
  'ClusterIssuer',
  'GatewayClass',
  'CiliumLoadBalancerIPPool',
  'CiliumL2AnnouncementPolicy',
  'CiliumBGPClusterConfig',
  'CiliumBGPPeerConfig',
  'CiliumBGPAdvertisement',
  'CiliumClusterwideNetworkPolicy',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
  'IngressClass',
  'RuntimeClass',
  'ClusterPolicy',
]);

/** A kind whose objects have no namespace. */
export const isClusterScoped = (kind: string): boolean => CLUSTER_SCOPED.has(kind);
