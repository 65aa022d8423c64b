import { z } from 'zod';
import { UsageError } from '../core/errors';
import { ROLES, SECRET_PROVIDERS, type ClusterSpec, type NodeSpec, type PlatformSpec, type Role, type SecretProvider } from '../model/schema';
import { validateClusters } from '../model/validate';

/** Names people type for a provider (the product or its cloud) and the provider id they mean. */
const PROVIDER_ALIASES: Record<string, (typeof SECRET_PROVIDERS)[number]> = {
  '1password': 'onepassword',
  'one-password': 'onepassword',
  'op': 'onepassword',
  'hashicorp-vault': 'vault',
  'openbao': 'vault',
  'aws': 'aws-secrets-manager',
  'secrets-manager': 'aws-secrets-manager',
  'gcp': 'gcp-secret-manager',
  'google': 'gcp-secret-manager',
  'azure': 'azure-key-vault',
  'keyvault': 'azure-key-vault',
  'bitwarden-secrets-manager': 'bitwarden',
};

/** The error for an unknown secret store: what was given, the ids, and the one meant when the name is a known alias. */
export function providerMessage(input: unknown): string {
  const given = typeof input === 'string' ? input : JSON.stringify(input);
  const meant = typeof input === 'string' ? PROVIDER_ALIASES[input.trim().toLowerCase()] : undefined;
  return `${given} is not a provider id${meant ? ` (did you mean ${meant}?)` : ''}; use one of ${SECRET_PROVIDERS.join(', ')}`;
}

/** What a person (prompts) or a script (flags, --answers) says about one cluster. Absent = default. */
export const ClusterAnswersSchema = z.strictObject({
  name: z.string(),
  role: z.enum(ROLES).optional(),
  domain: z.string().optional(),
  clusterId: z.number().int().optional(),
  apiEndpoint: z.string().optional(),
  nodeCidr: z.string().optional(),
  nodeGateway: z.string().optional(),
  podCidr: z.string().optional(),
  serviceCidr: z.string().optional(),
  loadBalancerRange: z.string().optional(),
  gatewayExternal: z.string().optional(),
  gatewayInternal: z.string().optional(),
  nodes: z.array(z.strictObject({ name: z.string(), ip: z.string(), controlPlane: z.boolean(), installDisk: z.string() })).optional(),
  gitUrl: z.string().optional(),
  gitBranch: z.string().optional(),
  secretStore: z.enum(SECRET_PROVIDERS, { error: (iss) => providerMessage(iss.input) }).optional(),
  settings: z.record(z.string(), z.string()).optional(),
});
export type ClusterAnswers = z.infer<typeof ClusterAnswersSchema>;

export const AnswersFileSchema = z.strictObject({ clusters: z.array(ClusterAnswersSchema).min(1) });

/** Each answer, its flag, and the platform.yaml field it sets (for prompts, errors and docs). */
export const FIELDS: { key: keyof ClusterAnswers; flag: string; field: string; label: string }[] = [
  { key: 'role', flag: '--role', field: 'role', label: 'Role (infra or apps)' },
  { key: 'domain', flag: '--domain', field: 'domain', label: 'DNS domain' },
  { key: 'clusterId', flag: '--cluster-id', field: 'clusterId', label: 'Cluster id (1-255, unique in the mesh)' },
  { key: 'nodeCidr', flag: '--node-cidr', field: 'network.nodeCidr', label: 'Node network CIDR' },
  { key: 'nodeGateway', flag: '--node-gateway', field: 'network.nodeGateway', label: 'Node network gateway' },
  { key: 'podCidr', flag: '--pod-cidr', field: 'network.podCidr', label: 'Pod CIDR' },
  { key: 'serviceCidr', flag: '--service-cidr', field: 'network.serviceCidr', label: 'Service CIDR' },
  { key: 'loadBalancerRange', flag: '--lb-range', field: 'network.loadBalancerRange', label: 'Load-balancer range (first-last)' },
  { key: 'gatewayExternal', flag: '--gateway-external', field: 'network.gatewayIps.external', label: 'External gateway IP' },
  { key: 'gatewayInternal', flag: '--gateway-internal', field: 'network.gatewayIps.internal', label: 'Internal gateway IP' },
  { key: 'apiEndpoint', flag: '--api-endpoint', field: 'apiEndpoint', label: 'Kubernetes API endpoint' },
  { key: 'nodes', flag: '--node', field: 'nodes', label: 'Nodes' },
  { key: 'gitUrl', flag: '--git-url', field: 'git.url', label: 'Git repository URL Flux syncs' },
  { key: 'gitBranch', flag: '--git-branch', field: 'git.branch', label: 'Git branch' },
  { key: 'secretStore', flag: '--secret-store', field: 'secretStore.provider', label: 'External Secrets provider' },
];

/** The flag that sets a platform.yaml field path (clusters.<c>.<field>), for error messages. */
export function flagForPath(path: string): string | undefined {
  const rest = path.replace(/^clusters\.[^.]+\.?/, '');
  if (rest === '') return 'NAME';
  if (rest.startsWith('settings.')) return `--set ${rest.slice('settings.'.length)}=…`;
  if (rest.startsWith('nodes')) return '--node';
  return FIELDS.find((f) => f.field === rest)?.flag;
}

/** Parse `name=cp-1,ip=192.168.1.11,controlPlane=true,disk=/dev/sda` (controlPlane defaults to true, disk to /dev/sda). */
export function parseNodeSpec(text: string): NodeSpec {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) throw new UsageError(`--node ${JSON.stringify(text)}: expected key=value pairs (name=…,ip=…[,controlPlane=true|false][,disk=/dev/…])`);
    const k = part.slice(0, i).trim();
    if (!['name', 'ip', 'controlPlane', 'disk'].includes(k)) throw new UsageError(`--node ${JSON.stringify(text)}: unknown key ${JSON.stringify(k)} (name, ip, controlPlane, disk)`);
    out[k] = part.slice(i + 1).trim();
  }
  if (!out.name || !out.ip) throw new UsageError(`--node ${JSON.stringify(text)}: name and ip are required`);
  if (out.controlPlane !== undefined && !['true', 'false'].includes(out.controlPlane)) {
    throw new UsageError(`--node ${JSON.stringify(text)}: controlPlane must be true or false`);
  }
  return { name: out.name, ip: out.ip, controlPlane: out.controlPlane !== 'false', installDisk: out.disk ?? '/dev/sda' };
}

export function formatNodeSpec(n: NodeSpec): string {
  return `name=${n.name},ip=${n.ip},controlPlane=${n.controlPlane},disk=${n.installDisk}`;
}

/** Parse repeated --set KEY=VALUE; one key given twice with different values is refused (neither is silently lost). */
export function parseSet(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`--set ${JSON.stringify(item)}: expected KEY=VALUE`);
    const key = item.slice(0, i);
    const value = item.slice(i + 1);
    if (Object.hasOwn(out, key) && out[key] !== value) {
      throw new UsageError(`--set ${key}: given twice with different values (${JSON.stringify(out[key])} and ${JSON.stringify(value)}); give it once (nothing was written)`);
    }
    out[key] = value;
  }
  return out;
}

/** Lay answers over a base cluster (defaults, or the cluster already in platform.yaml). */
export function applyAnswers(base: ClusterSpec, a: ClusterAnswers): ClusterSpec {
  return {
    role: a.role ?? base.role,
    domain: a.domain ?? base.domain,
    clusterId: a.clusterId ?? base.clusterId,
    apiEndpoint: a.apiEndpoint ?? base.apiEndpoint,
    network: {
      nodeCidr: a.nodeCidr ?? base.network.nodeCidr,
      nodeGateway: a.nodeGateway ?? base.network.nodeGateway,
      podCidr: a.podCidr ?? base.network.podCidr,
      serviceCidr: a.serviceCidr ?? base.network.serviceCidr,
      loadBalancerRange: a.loadBalancerRange ?? base.network.loadBalancerRange,
      gatewayIps: {
        external: a.gatewayExternal ?? base.network.gatewayIps.external,
        internal: a.gatewayInternal ?? base.network.gatewayIps.internal,
      },
    },
    nodes: a.nodes ?? base.nodes,
    git: { url: a.gitUrl ?? base.git.url, branch: a.gitBranch ?? base.git.branch },
    secretStore: { provider: a.secretStore ?? base.secretStore.provider },
    settings: { ...base.settings, ...(a.settings ?? {}) },
  };
}

/** The answers that give exactly this cluster (the defaults shown at the prompts, the values of a summary). */
export function answersFromCluster(name: string, c: ClusterSpec): ClusterAnswers {
  return {
    name,
    role: c.role,
    domain: c.domain,
    clusterId: c.clusterId,
    apiEndpoint: c.apiEndpoint,
    nodeCidr: c.network.nodeCidr,
    nodeGateway: c.network.nodeGateway,
    podCidr: c.network.podCidr,
    serviceCidr: c.network.serviceCidr,
    loadBalancerRange: c.network.loadBalancerRange,
    gatewayExternal: c.network.gatewayIps.external,
    gatewayInternal: c.network.gatewayIps.internal,
    nodes: c.nodes,
    gitUrl: c.git.url,
    gitBranch: c.git.branch,
    secretStore: c.secretStore.provider,
  };
}

/** A cluster with no field answered yet: every rule about a blank field fails at that field, and nowhere else. */
function blankCluster(role: Role): ClusterSpec {
  return {
    role,
    domain: '',
    clusterId: 0,
    apiEndpoint: '',
    network: { nodeCidr: '', nodeGateway: '', podCidr: '', serviceCidr: '', loadBalancerRange: '', gatewayIps: { external: '', internal: '' } },
    nodes: [],
    git: { url: '', branch: '' },
    secretStore: { provider: '' as SecretProvider },
    settings: {},
  };
}

/**
 * What is wrong with one answer, checked where it is typed by the same rules as the whole platform
 * (validateClusters): the problems that appear once `key` is `value` and are not there without it. So the rules of
 * the field itself count, and those it shares with fields already answered (a node IP and the node network, a pod
 * CIDR and another cluster's, in platform.yaml or earlier in this run), while fields not answered yet (blank) do
 * not. `spec` holds the other clusters; `answers` what is known of this one (without `key`).
 */
export function answerProblems(spec: PlatformSpec, answers: ClusterAnswers, key: keyof ClusterAnswers, value: unknown): string[] {
  const { [key]: _drop, ...rest } = answers;
  const without = { ...rest, name: answers.name } as ClusterAnswers;
  const given = { ...without, [key]: value } as ClusterAnswers;
  const role = (given.role ?? 'apps') as Role;
  const problems = (a: ClusterAnswers) => validateClusters({ ...spec, clusters: { ...spec.clusters, [a.name]: applyAnswers(blankCluster(role), a) } });
  const before = new Set(problems(without).map((p) => `${p.path}\n${p.message}`));
  const own = FIELDS.find((f) => f.key === key)?.field;
  return problems(given)
    .filter((p) => !before.has(`${p.path}\n${p.message}`))
    .map((p) => {
      const field = p.path.slice(`clusters.${answers.name}.`.length);
      // A rule reported on another field (the pod CIDR when the service CIDR overlaps it) says which one.
      const same = own !== undefined && (field === own || field.startsWith(`${own}.`) || field.startsWith(`${own}[`));
      return same ? p.message : `${FIELDS.find((f) => f.key === answerKeyForPath(p.path))?.label ?? p.path}: ${p.message}`;
    });
}

/** The answer a platform.yaml field path (clusters.<c>.<field>) comes from, when a prompt asks for it. */
export function answerKeyForPath(path: string): keyof ClusterAnswers | undefined {
  const flag = flagForPath(path);
  return FIELDS.find((f) => f.flag === flag)?.key;
}
