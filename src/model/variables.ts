import { type FluxVarRef, fluxVarRefs, replaceFluxVars } from '../core/flux-vars';
import { nthAddress, parseCidr, parseRange } from '../core/net';
import { fluxGitUrl, receiverType } from './bootstrap-secrets';
import type { ClusterModel } from './schema';

export interface VariableDef {
  description: string;
  value: (c: ClusterModel) => string;
}

/** Backends whose item names cannot contain "/" (GCP Secret Manager ids, Azure Key Vault names). */
const FLAT_KEY_PROVIDERS = new Set(['gcp-secret-manager', 'azure-key-vault']);

/** Where a cluster's items live in its secret backend: kubernetes/<scope>/<item>, or kubernetes-<scope>-<item>. */
export function secretKeyPrefix(provider: string, scope: string): string {
  return FLAT_KEY_PROVIDERS.has(provider) ? `kubernetes-${scope}-` : `kubernetes/${scope}/`;
}

/** Talos' KubePrism: a local, highly available API endpoint on every node (see talos/<c>/patches/machine.yaml). */
export const KUBEPRISM_PORT = 7445;

function cidrAddress(text: string, n: number): string {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return nthAddress(c, n);
}

function rangeEnd(text: string, which: 'start' | 'end'): string {
  const r = parseRange(text);
  if (typeof r === 'string') throw new Error(r);
  return r[which].toString();
}

/**
 * Substitution variables the tool derives from a cluster's fields in platform.yaml. A cluster's
 * cluster-settings holds exactly those its manifests use, plus what `settings:` / `--set` adds.
 */
export const VARIABLES: Record<string, VariableDef> = {
  CLUSTER_NAME: { description: 'Cluster name (kubernetes/clusters/<name>)', value: (c) => c.name },
  CLUSTER_ID: { description: 'Cilium cluster id, unique across the mesh (1-255)', value: (c) => String(c.clusterId) },
  CLUSTER_ROLE: { description: 'Role the cluster is based on (infra or apps)', value: (c) => c.role },
  CLUSTER_DOMAIN: { description: "DNS domain for this cluster's hostnames", value: (c) => c.domain },
  NODE_CIDR: { description: 'Node network', value: (c) => c.network.nodeCidr },
  POD_CIDR: {
    description: 'Pod CIDR (unique across the mesh; Cilium does not masquerade traffic to it)',
    value: (c) => c.network.podCidr,
  },
  SERVICE_CIDR: { description: 'Service CIDR', value: (c) => c.network.serviceCidr },
  K8S_SERVICE_HOST: { description: 'API server host Cilium talks to (Talos KubePrism)', value: () => 'localhost' },
  K8S_SERVICE_PORT: {
    description: 'API server port Cilium talks to (Talos KubePrism)',
    value: () => String(KUBEPRISM_PORT),
  },
  COREDNS_CLUSTER_IP: {
    description: 'CoreDNS Service IP: the 10th address of the service CIDR (kubelet clusterDNS)',
    value: (c) => cidrAddress(c.network.serviceCidr, 10),
  },
  LB_POOL_START: {
    description: 'First load-balancer address (Cilium LB IPAM)',
    value: (c) => rangeEnd(c.network.loadBalancerRange, 'start'),
  },
  LB_POOL_END: {
    description: 'Last load-balancer address (Cilium LB IPAM)',
    value: (c) => rangeEnd(c.network.loadBalancerRange, 'end'),
  },
  GATEWAY_IP_EXTERNAL: {
    description: 'Load-balancer IP of the external Gateway',
    value: (c) => c.network.gatewayIps.external,
  },
  GATEWAY_IP_INTERNAL: {
    description: 'Load-balancer IP of the internal Gateway',
    value: (c) => c.network.gatewayIps.internal,
  },
  GIT_URL: {
    description:
      'Git repository Flux syncs (scp-like git@host:path written as ssh://git@host/path, the form Flux clones)',
    value: (c) => fluxGitUrl(c.git.url),
  },
  FLUX_RECEIVER_TYPE: {
    description:
      "Flux webhook Receiver type, from the Git URL's host (github, gitlab, else generic); set it to override",
    value: (c) => receiverType(c.git.url),
  },
  GIT_BRANCH: { description: 'Branch Flux syncs', value: (c) => c.git.branch },
  SECRET_KEY_PREFIX: {
    description:
      'Prefix of this cluster\'s own items in the secret backend (kubernetes/<cluster>/, or kubernetes-<cluster>- where the backend forbids "/")',
    value: (c) => secretKeyPrefix(c.secretStore.provider, c.name),
  },
  SHARED_SECRET_KEY_PREFIX: {
    description: 'Prefix of items every cluster reads alike (ClusterMesh CA, cross-cluster passwords)',
    value: (c) => secretKeyPrefix(c.secretStore.provider, 'shared'),
  },
  EXTERNAL_SECRET_STORE: {
    description: 'ClusterSecretStore that ExternalSecrets read from',
    // An adopted repository's own store (platform-kit adopt records its name); else the one the tool creates.
    value: (c) => c.secretStore.name ?? c.secretStore.provider,
  },
};

/** `${VAR}` references Flux would substitute in a text; those with a `:=` default are reported as optional. */
export function findVariables(text: string): { required: Set<string>; optional: Set<string> } {
  const required = new Set<string>();
  const optional = new Set<string>();
  for (const r of fluxVarRefs(text)) if (!r.escaped) (r.fallback !== undefined ? optional : required).add(r.name);
  return { required, optional };
}

/**
 * What Flux's postBuild puts where a reference stands: the setting, else the reference's default; undefined when it
 * has neither (an escaped reference stays as written and is not asked about).
 */
export function substitutedValue(r: FluxVarRef, settings: Record<string, string>): string | undefined {
  return r.name in settings ? settings[r.name] : r.fallback;
}

/** Replace `${VAR}` as Flux's postBuild does, for values rendered outside Flux (bootstrap). */
export function substitute(text: string, settings: Record<string, string>, where: string): string {
  return replaceFluxVars(text, (r, all) => {
    if (r.escaped) return all;
    const value = substitutedValue(r, settings);
    if (value !== undefined) return value;
    throw new Error(`${where}: \${${r.name}} has no value in cluster-settings`);
  });
}
