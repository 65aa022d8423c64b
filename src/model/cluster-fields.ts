import { ROLES } from './roles';
import { SECRET_PROVIDERS } from './secret-providers';

/*
 * The fields of a cluster a person gives (by flag, prompt or --answers file), once. The flags and their --help
 * (cli/create-command.ts), the prompts and the summary (cli/prompts.ts), the answers keys and their zod schema
 * (model/answers.ts), the help's word on each default (model/defaults.ts computes the value) and the editor
 * descriptions of platform.yaml (model/schema.ts -> schemas/platform.schema.json) all read this table. This module
 * holds data only and imports no schema, so every one of them can import it.
 */

/**
 * What a field holds, which decides how a flag's text and a typed answer are read and how the prompt asks:
 * text (trimmed), an integer, one of `choices` (a select), or the node list.
 */
export type FieldKind = 'text' | 'int' | 'choice' | 'nodes';

export interface ClusterField {
  /** The key in an --answers file and in ClusterAnswers. */
  key: string;
  /** The long flag (`--lb-range`). */
  flag: string;
  /** The flag's value placeholder in --help (`<first-last>`). */
  arg: string;
  /** The path in a cluster of platform.yaml (clusters.<name>.<path>). */
  path: string;
  /** The question a prompt asks and the name an error gives a field reported on another. */
  label: string;
  /** The flag's --help text, without its default. */
  help: string;
  /** How the --help names the default (the value itself comes from model/defaults.ts); absent = none shown. */
  defaultHelp?: string;
  /** The JSON Schema description an editor shows on the field in platform.yaml. */
  description: string;
  kind: FieldKind;
  /** The values of a `choice` field. */
  choices?: readonly string[];
  /** What an `int` field must be, for the flag's and the prompt's error. */
  intRule?: string;
  /** The flag is repeated, once per value. */
  repeat?: boolean;
  /** The shape of the value in an --answers file, for --help (a list or a map). */
  answersShape?: string;
  /** One cluster's own value: refused with several cluster names (the git and secret store fields are shared). */
  perCluster: boolean;
}

/** The cluster fields, in the order they are asked (the API endpoint last of the addresses: its default is on the node network). */
export const CLUSTER_FIELDS = [
  {
    key: 'role',
    flag: '--role',
    arg: '<role>',
    path: 'role',
    label: 'Role (infra or apps)',
    help: 'infra or apps',
    defaultHelp: 'infra for names starting with "infra", else apps',
    description:
      'What the cluster is based on: infra (platform services) or apps (workloads). Stories name the roles they run on.',
    kind: 'choice',
    choices: ROLES,
    perCluster: true,
  },
  {
    key: 'domain',
    flag: '--domain',
    arg: '<domain>',
    path: 'domain',
    label: 'DNS domain',
    help: 'DNS domain of the cluster',
    defaultHelp: '<name>.example.com',
    description: 'DNS domain of the cluster (lower-case, dot-separated DNS-1123 labels), e.g. apps.example.com.',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'clusterId',
    flag: '--cluster-id',
    arg: '<n>',
    path: 'clusterId',
    label: 'Cluster id (1-255, unique in the mesh)',
    help: 'Cilium cluster id, 1-255, unique',
    defaultHelp: 'lowest free',
    description: 'Cilium ClusterMesh id, unique across the clusters.',
    kind: 'int',
    intRule: 'an integer from 1 to 255',
    perCluster: true,
  },
  {
    key: 'nodeCidr',
    flag: '--node-cidr',
    arg: '<cidr>',
    path: 'network.nodeCidr',
    label: 'Node network CIDR',
    help: 'node network',
    defaultHelp: '192.168.<id>.0/24',
    description: 'IPv4 network of the nodes, written canonically (e.g. 192.168.1.0/24).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'nodeGateway',
    flag: '--node-gateway',
    arg: '<ip>',
    path: 'network.nodeGateway',
    label: 'Node network gateway',
    help: 'node network gateway',
    defaultHelp: '.1 of the node network',
    description: 'Default gateway of the node network (an address on nodeCidr).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'podCidr',
    flag: '--pod-cidr',
    arg: '<cidr>',
    path: 'network.podCidr',
    label: 'Pod CIDR',
    help: 'pod CIDR',
    defaultHelp: 'first free of 10.244/16, 10.246/16, …',
    description:
      'IPv4 pod network (each node gets a /24 of it); disjoint from every other network of all clusters (ClusterMesh).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'serviceCidr',
    flag: '--service-cidr',
    arg: '<cidr>',
    path: 'network.serviceCidr',
    label: 'Service CIDR',
    help: 'service CIDR',
    defaultHelp: 'the /16 after the pod CIDR',
    description:
      'IPv4 service network (at most a /28); disjoint from every other network of all clusters (ClusterMesh).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'loadBalancerRange',
    flag: '--lb-range',
    arg: '<first-last>',
    path: 'network.loadBalancerRange',
    label: 'Load-balancer range (first-last)',
    help: 'load-balancer address range on the node network',
    defaultHelp: '.200-.239',
    description:
      'Addresses Cilium announces for LoadBalancer services: first-last on the node network (e.g. 192.168.1.200-192.168.1.239).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'gatewayExternal',
    flag: '--gateway-external',
    arg: '<ip>',
    path: 'network.gatewayIps.external',
    label: 'External gateway IP',
    help: 'external Gateway IP in the load-balancer range',
    defaultHelp: '.220',
    description: 'LoadBalancer address of the external Gateway (inside loadBalancerRange).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'gatewayInternal',
    flag: '--gateway-internal',
    arg: '<ip>',
    path: 'network.gatewayIps.internal',
    label: 'Internal gateway IP',
    help: 'internal Gateway IP in the load-balancer range',
    defaultHelp: '.221',
    description: 'LoadBalancer address of the internal Gateway (inside loadBalancerRange, not the external one).',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'apiEndpoint',
    flag: '--api-endpoint',
    arg: '<url>',
    path: 'apiEndpoint',
    label: 'Kubernetes API endpoint',
    help: 'Kubernetes API endpoint',
    defaultHelp: 'https://<node network .10>:6443, a Talos VIP',
    description: 'Kubernetes API endpoint: https://host:port (the Talos VIP), e.g. https://192.168.1.10:6443.',
    kind: 'text',
    perCluster: true,
  },
  {
    key: 'nodes',
    flag: '--node',
    arg: '<spec>',
    path: 'nodes',
    label: 'Nodes',
    help: 'node "name=…,ip=…[,controlPlane=true|false][,disk=/dev/sda]"',
    defaultHelp: '3 control planes',
    description: 'The Talos nodes (at least one control plane).',
    kind: 'nodes',
    repeat: true,
    answersShape: '[{name, ip, controlPlane, installDisk}]',
    perCluster: true,
  },
  {
    key: 'gitUrl',
    flag: '--git-url',
    arg: '<url>',
    path: 'git.url',
    label: 'Git repository URL Flux syncs',
    help: 'git repository Flux syncs',
    defaultHelp: "the platform's, or https://git.example.com/platform/gitops.git",
    description: 'Git repository Flux syncs from: https://, ssh:// or git@host:path, without credentials.',
    kind: 'text',
    perCluster: false,
  },
  {
    key: 'gitBranch',
    flag: '--git-branch',
    arg: '<branch>',
    path: 'git.branch',
    label: 'Git branch',
    help: 'branch Flux syncs',
    defaultHelp: 'main',
    description: 'Branch Flux syncs (a valid git branch name).',
    kind: 'text',
    perCluster: false,
  },
  {
    key: 'secretStore',
    flag: '--secret-store',
    arg: '<provider>',
    path: 'secretStore.provider',
    label: 'External Secrets provider',
    help: `External Secrets provider: ${SECRET_PROVIDERS.join(', ')}`,
    description: 'External Secrets provider of the ClusterSecretStore (named after it).',
    kind: 'choice',
    choices: SECRET_PROVIDERS,
    perCluster: false,
  },
] as const satisfies readonly ClusterField[];

export type ClusterFieldKey = (typeof CLUSTER_FIELDS)[number]['key'];

/** The field of an answers key. */
export function fieldOfKey(key: string): ClusterField | undefined {
  return CLUSTER_FIELDS.find((f) => f.key === key);
}

/** The field at a path of a cluster (`network.podCidr`), or undefined when none of the table is there. */
export function fieldAtPath(path: string): ClusterField | undefined {
  return CLUSTER_FIELDS.find((f) => f.path === path);
}

/** The JSON Schema description of the field at `path` (model/schema.ts): a path not in the table is a programming error. */
export function fieldDescription(path: string): string {
  const f = fieldAtPath(path);
  if (!f) throw new Error(`no cluster field at ${path}`);
  return f.description;
}

/** The name commander gives a flag's value (`--lb-range` -> lbRange). */
export function optionName(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The --help text of a field's flag: what it sets, then whether it repeats and its default. */
export function flagHelp(f: ClusterField): string {
  const notes = [...(f.repeat ? ['repeat'] : []), ...(f.defaultHelp ? [`default: ${f.defaultHelp}`] : [])];
  return notes.length ? `${f.help} (${notes.join('; ')})` : f.help;
}

/** The keys an --answers file may give for a cluster, as --help lists them. */
export function answersKeysHelp(): string {
  return CLUSTER_FIELDS.map((f: ClusterField) => (f.answersShape ? `${f.key} (${f.answersShape})` : f.key)).join(', ');
}
