import { input, select } from '@inquirer/prompts';
import type { Readable, Writable } from 'node:stream';
import { ClusterAnswers, formatNodeSpec, parseNodeSpec } from '../api/answers';
import { defaultCluster, roleForName } from '../model/defaults';
import { parseCidr, parseIp, parseRange } from '../model/net';
import { ROLES, SECRET_PROVIDERS, type PlatformSpec, type Role, type SecretProvider } from '../model/schema';
import { checkBranch, checkDns1123Label } from '../model/validate';
import type { CreateFlags } from './create-command';

/** Streams for the prompts (a test passes its own; a person gets the terminal). */
export interface PromptContext {
  input?: Readable;
  output?: Writable;
}

const okOr = (msg: string | undefined): true | string => msg ?? true;
const cidr = (v: string) => okOr(typeof parseCidr(v) === 'string' ? (parseCidr(v) as string) : undefined);
const ip = (v: string) => okOr(typeof parseIp(v) === 'string' ? (parseIp(v) as string) : undefined);

function emptyPlatform(spec: PlatformSpec | undefined): PlatformSpec {
  return spec ?? { apiVersion: 'platform.create-platform-cluster.dev/v1alpha1', kind: 'Platform', generator: { name: 'create-platform-cluster', version: '0' }, clusters: {}, stories: {} };
}

/**
 * Ask for every value a flag did not give, showing the default the tool would take.
 * Clusters already in platform.yaml are not asked about (they are re-rendered as they are).
 */
export async function askClusters(given: ClusterAnswers[], flags: CreateFlags, spec: PlatformSpec | undefined, ctx: PromptContext = {}): Promise<ClusterAnswers[]> {
  const platform = emptyPlatform(spec);
  const ask = (message: string, def: string, validate?: (v: string) => true | string) => input({ message, default: def, validate }, ctx);
  const list = given.length
    ? given
    : [{ name: await ask('Cluster name', Object.keys(platform.clusters).length ? 'apps' : 'infra', (v) => okOr(checkDns1123Label(v))) }];
  const out: ClusterAnswers[] = [];
  const planned: PlatformSpec = { ...platform, clusters: { ...platform.clusters } };
  for (const a0 of list) {
    if (planned.clusters[a0.name]) {
      out.push(a0);
      continue;
    }
    const a: ClusterAnswers = { ...a0 };
    a.role ??= (await select({ message: `Role of ${a.name}`, choices: ROLES.map((r) => ({ value: r, name: r })), default: roleForName(a.name) }, ctx)) as Role;
    let d = defaultCluster(planned, a.name, a.role);
    a.domain ??= await ask('DNS domain', d.domain);
    a.clusterId ??= Number(await ask('Cluster id (1-255, unique across the mesh)', String(d.clusterId), (v) => (/^\d+$/.test(v) && +v >= 1 && +v <= 255 ? true : 'an integer from 1 to 255')));
    a.nodeCidr ??= await ask('Node network CIDR', d.network.nodeCidr, cidr);
    d = defaultCluster(planned, a.name, a.role, a.nodeCidr);
    a.nodeGateway ??= await ask('Node network gateway', d.network.nodeGateway, ip);
    a.podCidr ??= await ask('Pod CIDR', d.network.podCidr, cidr);
    a.serviceCidr ??= await ask('Service CIDR', d.network.serviceCidr, cidr);
    a.loadBalancerRange ??= await ask('Load-balancer range (first-last)', d.network.loadBalancerRange, (v) => okOr(typeof parseRange(v) === 'string' ? (parseRange(v) as string) : undefined));
    a.gatewayExternal ??= await ask('External gateway IP', d.network.gatewayIps.external, ip);
    a.gatewayInternal ??= await ask('Internal gateway IP', d.network.gatewayIps.internal, ip);
    a.apiEndpoint ??= await ask('Kubernetes API endpoint', d.apiEndpoint);
    if (!a.nodes) {
      const text = await ask('Nodes (name=…,ip=…,controlPlane=true|false,disk=/dev/…; separated by ";")', d.nodes.map(formatNodeSpec).join('; '), (v) => {
        try {
          v.split(';').map((s) => parseNodeSpec(s.trim()));
          return true;
        } catch (e) {
          return (e as Error).message;
        }
      });
      a.nodes = text.split(';').map((s) => parseNodeSpec(s.trim()));
    }
    a.gitUrl ??= flags.gitUrl ?? (await ask('Git repository URL Flux syncs', d.git.url));
    a.gitBranch ??= flags.gitBranch ?? (await ask('Git branch', d.git.branch, (v) => okOr(checkBranch(v))));
    a.secretStore ??= (await select({ message: 'External Secrets provider', choices: SECRET_PROVIDERS.map((p) => ({ value: p, name: p })), default: d.secretStore.provider }, ctx)) as SecretProvider;
    out.push(a);
    planned.clusters[a.name] = {
      ...d,
      role: a.role,
      clusterId: a.clusterId,
      network: { ...d.network, nodeCidr: a.nodeCidr, podCidr: a.podCidr, serviceCidr: a.serviceCidr, loadBalancerRange: a.loadBalancerRange },
      nodes: a.nodes,
      git: { url: a.gitUrl, branch: a.gitBranch },
      secretStore: { provider: a.secretStore },
    };
  }
  return out;
}
