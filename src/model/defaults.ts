import { type Cidr, nthAddress, overlaps, parseCidr } from '../core/net';
import type { ClusterSpec, PlatformSpec, Role } from './schema';

export const DEFAULT_GIT = { url: 'https://git.example.com/platform/gitops.git', branch: 'main' };

/** Role a cluster name suggests: names starting with "infra" are infra clusters, everything else runs apps. */
export function roleForName(name: string): Role {
  return name === 'infra' || name.startsWith('infra-') ? 'infra' : 'apps';
}

function usedCidrs(p: PlatformSpec): Cidr[] {
  const out: Cidr[] = [];
  for (const c of Object.values(p.clusters)) {
    for (const t of [c.network.podCidr, c.network.serviceCidr, c.network.nodeCidr]) {
      const r = parseCidr(t);
      if (typeof r !== 'string') out.push(r);
    }
  }
  return out;
}

/** The second octets of the default pod /16s (the service /16 is the next one): 10.244, 10.246, … then 10.2, 10.4, …. */
const DEFAULT_POD_OCTETS = [244, 246, 248, 250, 252, ...Array.from({ length: 119 }, (_, i) => 2 + 2 * i)];

/**
 * Which defaults have run out for a new cluster (every default pod/service pair, node network or cluster id is
 * taken), each with the flag that gives the value instead; empty when the defaults still fit. Only values the
 * person did not give are asked about.
 */
export function exhaustedDefaults(
  p: PlatformSpec,
  given: { clusterId?: number; nodeCidr?: string; podCidr?: string; serviceCidr?: string },
): string[] {
  const used = usedCidrs(p);
  const free = (t: string) => !used.some((u) => overlaps(u, parseCidr(t) as Cidr));
  const out: string[] = [];
  if (
    (given.podCidr === undefined || given.serviceCidr === undefined) &&
    !DEFAULT_POD_OCTETS.some((o) => free(`10.${o}.0.0/16`) && free(`10.${o + 1}.0.0/16`))
  ) {
    out.push(
      `no free default pod/service network: all ${DEFAULT_POD_OCTETS.length} default pairs of /16s ` +
        `(10.244/10.245, 10.246/10.247, …, 10.2/10.3, …) are used by the ${Object.keys(p.clusters).length} ` +
        `clusters in platform.yaml; pass --pod-cidr and --service-cidr (networks no other cluster uses)`,
    );
  }
  const ids = new Set(Object.values(p.clusters).map((c) => c.clusterId));
  if (
    given.clusterId === undefined &&
    ids.size >= 255 &&
    Array.from({ length: 255 }, (_, i) => i + 1).every((i) => ids.has(i))
  ) {
    out.push('no free cluster id: 1-255 are all used (Cilium ClusterMesh allows 255 clusters)');
  }
  if (
    given.nodeCidr === undefined &&
    !Array.from({ length: 255 }, (_, i) => i + 1).some((o) => free(`192.168.${o}.0/24`))
  ) {
    out.push('no free default node network: 192.168.1.0/24 … 192.168.255.0/24 are all used; pass --node-cidr');
  }
  return out;
}

/**
 * Neutral defaults for a new cluster, different from every cluster already in the platform where they must be:
 * the lowest free cluster id, a private node network 192.168.<id>.0/24, and the first free pair of /16s for pods
 * and services (10.244/10.245 for the first cluster, 10.246/10.247 for the second, as Talos' and the plan's
 * conventions have it). The API endpoint is a Talos VIP (.10) on the node network.
 */
export function defaultCluster(p: PlatformSpec, name: string, role?: Role, nodeCidr?: string): ClusterSpec {
  const ids = new Set(Object.values(p.clusters).map((c) => c.clusterId));
  let id = 1;
  while (ids.has(id) && id < 255) id++;
  const used = usedCidrs(p);
  const free = (t: string) => {
    const c = parseCidr(t) as Cidr;
    return !used.some((u) => overlaps(u, c));
  };
  let nodeOctet = id;
  while (!free(`192.168.${nodeOctet}.0/24`) && nodeOctet < 255) nodeOctet++;
  const nodeNet = nodeCidr ?? `192.168.${nodeOctet}.0/24`;
  const parsed = parseCidr(nodeNet);
  // With a node network given, everything on it is derived from it; a malformed one is reported by validation.
  const at = (n: number) => (typeof parsed === 'string' ? `${nodeNet.split('/')[0]}` : nthAddress(parsed, n));
  // Clusters already on this node network (an adopted repository's clusters often share the LAN): each takes its own
  // block of addresses, 40 lower than the one before, so their VIPs, node IPs and load-balancer ranges stay apart.
  const shared = Object.values(p.clusters).filter((c) => c.network.nodeCidr === nodeNet).length;
  const lb = 200 - 40 * shared;
  const host = 10 + 40 * shared;
  const second = DEFAULT_POD_OCTETS.find((o) => free(`10.${o}.0.0/16`) && free(`10.${o + 1}.0.0/16`)) ?? 244;
  const first = Object.values(p.clusters)[0];
  return {
    role: role ?? roleForName(name),
    domain: `${name}.example.com`,
    clusterId: id,
    apiEndpoint: `https://${at(host)}:6443`,
    network: {
      nodeCidr: nodeNet,
      nodeGateway: at(1),
      podCidr: `10.${second}.0.0/16`,
      serviceCidr: `10.${second + 1}.0.0/16`,
      loadBalancerRange: `${at(lb)}-${at(lb + 39)}`,
      gatewayIps: { external: at(lb + 20), internal: at(lb + 21) },
    },
    nodes: [1, 2, 3].map((i) => ({
      name: `${name}-cp-${i}`,
      ip: at(host + i),
      controlPlane: true,
      installDisk: '/dev/sda',
    })),
    git: first ? { ...first.git } : { ...DEFAULT_GIT },
    secretStore: { provider: first ? first.secretStore.provider : 'onepassword' },
    settings: {},
  };
}
