import {
  clusterSecretsItem,
  credentialName,
  credentialValue,
  gitUrlHint,
  settingHint,
  sourceUrlCredential,
} from '../core/credentials';
import {
  type Cidr,
  contains,
  type IpRange,
  inRange,
  overlaps,
  parseCidr,
  parseIp,
  parseRange,
  rangesOverlap,
} from '../core/net';
import { chartPinProblems } from './charts';
import { deliveredBy } from './delivered';
import type { Problem } from './problem';
import type { ClusterSpec, PlatformSpec } from './schema';
import { secretKeyPrefix, VARIABLES } from './variables';
import { validateStories } from './wiring';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SETTINGS_KEY = /^[A-Z_][A-Z0-9_]*$/;
const DISK = /^\/dev\/[A-Za-z0-9._/-]+$/;
const GIT_URL = /^(https:\/\/|ssh:\/\/|git@)[A-Za-z0-9.@:/_~+-]+$/;
/**
 * Characters a settings value may hold: Flux substitutes it into YAML text, so no quotes, no backslashes, no `${`
 * and no control characters (C0, DEL, C1) or Unicode line/paragraph separators, which YAML 1.1 parsers (go-yaml in
 * Flux and kustomize) read as line breaks.
 */
// eslint-disable-next-line no-control-regex
const SAFE_VALUE = /^[^"'\\`\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

/**
 * Why a settings value would not read back as the same plain scalar where Flux substitutes it unquoted
 * (`instances: ${KEYCLOAK_REPLICAS}`, `enabled: ${CILIUM_GATEWAY_API:=false}`), or undefined when it would.
 */
export function plainScalarProblem(v: string): string | undefined {
  if (v !== v.trim()) return 'leading or trailing spaces';
  if (/: |:$| #/.test(v)) return '": ", " #" or a trailing ":" in it';
  if (/^[-?:](\s|$)/.test(v) || /^[,[\]{}#&*!|>%@]/.test(v))
    return `a leading YAML indicator (${JSON.stringify(v[0])})`;
  return undefined;
}

export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return `${JSON.stringify(value)} is longer than 63 characters (DNS-1123 label)`;
  if (!DNS1123_LABEL.test(value)) {
    return `${JSON.stringify(value)} is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** A git branch name as `git check-ref-format --branch` accepts it (the common rules). */
export function checkBranch(value: string): string | undefined {
  const bad =
    value.length === 0 ||
    value.length > 200 ||
    /[\s~^:?*[\\\u0000-\u001f\u007f]/.test(value) ||
    value.includes('..') ||
    value.includes('@{') ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.endsWith('.') ||
    value.startsWith('-') ||
    value.endsWith('.lock') ||
    value.split('/').some((s) => s === '' || s.startsWith('.'));
  return bad ? `${JSON.stringify(value)} is not a valid git branch name` : undefined;
}

/** What is wrong with a cluster name (a DNS-1123 label of at most 40 characters: it prefixes other names). */
export function clusterNameProblem(name: string): string | undefined {
  const p = checkDns1123Label(name);
  if (p) return `cluster name ${p}`;
  if (name.length > 40)
    return `cluster name ${JSON.stringify(name)} is longer than 40 characters (it prefixes other names)`;
  return undefined;
}

interface ParsedNet {
  node?: Cidr;
  pod?: Cidr;
  svc?: Cidr;
  lb?: IpRange;
}

/** One cluster under validation: its fields, where its problems go, and the networks parsed so far. */
interface ClusterCheck {
  name: string;
  c: ClusterSpec;
  at: (field: string) => string;
  add: (path: string, message: string) => void;
  net: ParsedNet;
  /** The secret-store item the hints point credentials to. */
  secretsItem: string;
}

/** Name, id, domain and API endpoint. */
function identityRules(k: ClusterCheck): void {
  const { name, c, at, add } = k;
  const nameProblem = clusterNameProblem(name);
  if (nameProblem) add(`clusters.${name}`, nameProblem);

  if (!Number.isInteger(c.clusterId) || c.clusterId < 1 || c.clusterId > 255) {
    add(at('clusterId'), `cluster id ${c.clusterId} must be an integer from 1 to 255 (Cilium ClusterMesh)`);
  }
  if (!DNS_SUBDOMAIN.test(c.domain))
    add(at('domain'), `${JSON.stringify(c.domain)} is not a DNS domain (lower-case, dot-separated DNS-1123 labels)`);

  let apiHost: string | undefined;
  try {
    const u = new URL(c.apiEndpoint);
    if (u.protocol !== 'https:' || !u.hostname || u.pathname !== '/' || u.search || u.hash || u.username)
      throw new Error();
    apiHost = u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    add(at('apiEndpoint'), `${JSON.stringify(c.apiEndpoint)} is not an API endpoint URL (expected https://host:port)`);
  }
  if (apiHost && typeof parseIp(apiHost) === 'string' && !DNS_SUBDOMAIN.test(apiHost)) {
    add(at('apiEndpoint'), `host ${JSON.stringify(apiHost)} is neither an IP address nor a DNS name`);
  }
}

/** The Git source: a URL without credentials, a valid branch. */
function gitRules(k: ClusterCheck): void {
  const { c, at, add, secretsItem } = k;
  // Never echo a credential: the message names the field and what is wrong, not the value.
  const gitCred = sourceUrlCredential(c.git.url);
  if (gitCred)
    add(
      at('git.url'),
      `the Git URL carries a credential (${gitCred}); it would be written in plain text to platform.yaml, ` +
        `cluster-settings (GIT_URL) and the bootstrap values: ${gitUrlHint(secretsItem)}`,
    );
  else if (!GIT_URL.test(c.git.url))
    add(at('git.url'), `${JSON.stringify(c.git.url)} is not a git URL (https://, ssh:// or git@host:path)`);
  const branchProblem = checkBranch(c.git.branch);
  if (branchProblem) add(at('git.branch'), branchProblem);
}

/** Node, pod and service networks: IPv4, canonical, large enough, disjoint. Sets k.net. */
function networkRules(k: ClusterCheck): void {
  const { c, at, add, net } = k;
  const cidr = (field: keyof ClusterSpec['network'] & string): Cidr | undefined => {
    const r = parseCidr(c.network[field] as string);
    if (typeof r === 'string') {
      add(at(`network.${field}`), r);
      return undefined;
    }
    // The platform's networks are IPv4: Cilium routes pods natively over ipv4NativeRoutingCIDR, Talos gets IPv4 nets.
    if (r.addr.kind() !== 'ipv4') {
      add(
        at(`network.${field}`),
        `${r.text} is an IPv6 network; the platform's node, pod and service networks are IPv4 (a.b.c.d/n)`,
      );
      return undefined;
    }
    // One spelling per network: the text is rendered as is into Talos, Cilium and the cluster settings.
    const canonical = `${r.addr.toString()}/${r.bits}`;
    if (r.text !== canonical) {
      add(at(`network.${field}`), `${JSON.stringify(r.text)} is not written canonically (write ${canonical})`);
      return undefined;
    }
    return r;
  };
  net.node = cidr('nodeCidr');
  net.pod = cidr('podCidr');
  net.svc = cidr('serviceCidr');
  if (net.pod) {
    // ipam mode kubernetes: kube-controller-manager gives every node a /24 of the pod CIDR.
    const n = c.nodes.length;
    const need = 24 - Math.ceil(Math.log2(Math.max(1, n)));
    if (net.pod.bits > need)
      add(
        at('network.podCidr'),
        `${net.pod.text} is too small: every node gets a /24 of the pod CIDR, so ${n} node${n === 1 ? ' needs' : 's need'} at least a /${need}`,
      );
  }
  const pairs: [keyof ParsedNet, keyof ParsedNet, string, string][] = [
    ['pod', 'svc', 'podCidr', 'serviceCidr'],
    ['pod', 'node', 'podCidr', 'nodeCidr'],
    ['svc', 'node', 'serviceCidr', 'nodeCidr'],
  ];
  for (const [a, b, fa, fb] of pairs) {
    const x = net[a] as Cidr | undefined;
    const y = net[b] as Cidr | undefined;
    if (x && y && overlaps(x, y)) add(at(`network.${fa}`), `${x.text} overlaps ${fb} ${y.text} of the same cluster`);
  }
  if (net.svc && net.svc.addr.kind() === 'ipv4' && net.svc.bits > 28) {
    add(at('network.serviceCidr'), `${net.svc.text} is too small (at most /28: the CoreDNS address is its 10th)`);
  }
}

/** An address of the cluster that must be on its node network: parsed, or a problem added. */
function inNode(k: ClusterCheck, field: string, text: string): Exclude<ReturnType<typeof parseIp>, string> | undefined {
  const ip = parseIp(text);
  if (typeof ip === 'string') {
    k.add(k.at(field), ip);
    return undefined;
  }
  if (k.net.node && !contains(k.net.node, ip))
    k.add(k.at(field), `${text} is outside the node network ${k.net.node.text}`);
  return ip;
}

/** Gateway, load-balancer range and gateway IPs, on the node network. */
function addressRules(k: ClusterCheck): void {
  const { c, at, add, net } = k;
  inNode(k, 'network.nodeGateway', c.network.nodeGateway);

  const lb = parseRange(c.network.loadBalancerRange);
  if (typeof lb === 'string') add(at('network.loadBalancerRange'), lb);
  else {
    net.lb = lb;
    if (net.node && (!contains(net.node, lb.start) || !contains(net.node, lb.end))) {
      add(
        at('network.loadBalancerRange'),
        `${c.network.loadBalancerRange} is outside the node network ${net.node.text} (L2-announced addresses must be on it)`,
      );
    }
  }
  for (const which of ['external', 'internal'] as const) {
    const field = `network.gatewayIps.${which}`;
    const ip = inNode(k, field, c.network.gatewayIps[which]);
    if (ip && net.lb && !inRange(net.lb, ip))
      add(
        at(field),
        `${c.network.gatewayIps[which]} is outside the load-balancer range ${c.network.loadBalancerRange}`,
      );
  }
  if (c.network.gatewayIps.external === c.network.gatewayIps.internal) {
    add(
      at('network.gatewayIps.internal'),
      `the internal gateway IP equals the external one (${c.network.gatewayIps.external})`,
    );
  }
}

/** Nodes: names and IPs unique and valid, off the load-balancer range and gateway; a control plane. */
function nodeRules(k: ClusterCheck): void {
  const { c, at, add, net } = k;
  const seenNames = new Map<string, number>();
  const seenIps = new Map<string, number>();
  c.nodes.forEach((n, i) => {
    const np = `nodes[${i}]`;
    const p = checkDns1123Label(n.name);
    if (p) add(at(`${np}.name`), `node name ${p}`);
    if (seenNames.has(n.name)) add(at(`${np}.name`), `node name ${n.name} is used twice`);
    seenNames.set(n.name, i);
    const ip = inNode(k, `${np}.ip`, n.ip);
    if (ip) {
      if (seenIps.has(n.ip)) add(at(`${np}.ip`), `node IP ${n.ip} is used twice`);
      seenIps.set(n.ip, i);
      if (net.lb && inRange(net.lb, ip))
        add(at(`${np}.ip`), `node IP ${n.ip} is inside the load-balancer range ${c.network.loadBalancerRange}`);
      if (n.ip === c.network.nodeGateway) add(at(`${np}.ip`), `node IP ${n.ip} is the network gateway`);
    }
    if (!DISK.test(n.installDisk))
      add(at(`${np}.installDisk`), `${JSON.stringify(n.installDisk)} is not a device path (/dev/…)`);
  });
  if (!c.nodes.some((n) => n.controlPlane)) add(at('nodes'), 'at least one node must be a control plane');
}

/** Settings: no credential, a valid key that is not derived, a value Flux can substitute. */
function settingRules(k: ClusterCheck): void {
  const { c, at, add, secretsItem } = k;
  for (const [key, value] of Object.entries(c.settings ?? {})) {
    const cred = credentialName(key)
      ? 'its name says it holds a credential'
      : credentialValue(value)
        ? `its value looks like ${credentialValue(value)}`
        : undefined;
    if (cred) {
      add(at(`settings.${key}`), `${key} looks like a credential (${cred}): ${settingHint(key, secretsItem)}`);
      continue;
    }
    if (!SETTINGS_KEY.test(key))
      add(at(`settings.${key}`), `settings key ${JSON.stringify(key)} must match ${SETTINGS_KEY.source}`);
    else if (key in VARIABLES)
      add(at(`settings.${key}`), `${key} is derived from the cluster's fields; set the field instead of the variable`);
    if (!SAFE_VALUE.test(value) || value.includes('${') || value.length > 4096) {
      add(
        at(`settings.${key}`),
        `value of ${key} may not contain quotes, backslashes, control characters or "\${", and is at most 4096 characters`,
      );
    } else {
      const plain = plainScalarProblem(value);
      if (plain)
        add(
          at(`settings.${key}`),
          `value of ${key} may not have ${plain}: Flux substitutes settings into YAML text, in places ` +
            `unquoted (booleans, numbers), where it would change the YAML`,
        );
    }
  }
}

/** The rules of one cluster, in the order its problems are listed. */
const CLUSTER_RULES = [identityRules, gitRules, networkRules, addressRules, nodeRules, settingRules];

function validateCluster(name: string, c: ClusterSpec, add: (p: string, m: string) => void): ParsedNet {
  const secretsItem = clusterSecretsItem(secretKeyPrefix(c.secretStore?.provider ?? '', name));
  const k: ClusterCheck = { name, c, at: (f) => `clusters.${name}.${f}`, add, net: {}, secretsItem };
  for (const rule of CLUSTER_RULES) rule(k);
  return k.net;
}

/** Every rule that spans fields or clusters. An empty list means the platform can be rendered. */
export function validatePlatform(p: PlatformSpec): Problem[] {
  const problems = validateClusters(p);
  problems.push(...chartPinProblems(p));
  if (problems.length === 0) problems.push(...validateStories(p));
  return problems;
}

/** The catalog story that meshes clusters, and its component (test/unit/catalog.test.ts checks both names). */
export const CLUSTERMESH_STORY = 'STORY-NET-CILIUM-CLUSTERMESH';
export const CLUSTERMESH_COMPONENT = 'cilium-clustermesh';

/**
 * Whether a cluster takes part in ClusterMesh, whose rules (a cluster id of its own, pod and service CIDRs disjoint
 * from the other clusters') the clusters must then follow. Every cluster of a repository the tool generated: it is
 * built ready for the mesh. In an adopted repository only those that mesh (the story approved there, or a Kustomization
 * of the repository delivering it): two clusters that never meshed may share Cilium's cluster id 1 (szinn/k8s-homelab),
 * and changing a running cluster's id is no fix to ask for.
 */
function meshed(p: PlatformSpec, name: string): boolean {
  if (!p.layout) return true;
  if (p.stories?.[CLUSTERMESH_STORY]?.clusters[name] === 'approved') return true;
  return (p.clusters[name].adopted ?? []).some((a) => deliveredBy(a).includes(CLUSTERMESH_COMPONENT));
}

/**
 * The rules of the clusters alone (each cluster's fields, and what clusters may not share: ids, CIDRs, ranges,
 * node IPs), without the stories. The prompts check each answer with it (src/model/answers.ts answerProblems).
 */
export function validateClusters(p: PlatformSpec): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const nets = new Map<string, ParsedNet>();
  const ids = new Map<number, string>();
  for (const [name, c] of Object.entries(p.clusters)) {
    nets.set(name, validateCluster(name, c, add));
    if (!meshed(p, name)) continue;
    const other = ids.get(c.clusterId);
    if (other !== undefined)
      add(
        `clusters.${name}.clusterId`,
        `cluster id ${c.clusterId} is already used by cluster ${other} (ClusterMesh needs an id per cluster)`,
      );
    else ids.set(c.clusterId, name);
  }
  const names = [...nets.keys()];
  for (let i = 0; i < names.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [names[i], names[j]];
      // Pod and service CIDRs shared by two clusters matter only when they mesh; a node network inside another
      // cluster's pods or services, a shared load-balancer range or node IP matter anyway.
      const mesh = meshed(p, a) && meshed(p, b);
      const [x, y] = [nets.get(a)!, nets.get(b)!];
      for (const [fx, label] of [
        ['pod', 'podCidr'],
        ['svc', 'serviceCidr'],
      ] as const) {
        for (const [fy, labelY] of [
          ['pod', 'podCidr'],
          ['svc', 'serviceCidr'],
          ['node', 'nodeCidr'],
        ] as const) {
          const cx = x[fx];
          const cy = y[fy];
          if (!mesh && fy !== 'node') continue;
          if (cx && cy && overlaps(cx, cy)) {
            add(
              `clusters.${a}.network.${label}`,
              `${cx.text} overlaps ${labelY} ${cy.text} of cluster ${b} (ClusterMesh needs disjoint pod and service CIDRs)`,
            );
          }
        }
      }
      for (const [fy, labelY] of [
        ['pod', 'podCidr'],
        ['svc', 'serviceCidr'],
      ] as const) {
        const cx = x.node;
        const cy = y[fy];
        if (cx && cy && overlaps(cx, cy))
          add(`clusters.${a}.network.nodeCidr`, `${cx.text} overlaps ${labelY} ${cy.text} of cluster ${b}`);
      }
      if (x.lb && y.lb && rangesOverlap(x.lb, y.lb)) {
        add(
          `clusters.${a}.network.loadBalancerRange`,
          `${p.clusters[a].network.loadBalancerRange} overlaps the load-balancer range of cluster ${b}`,
        );
      }
      const ipsB = new Set(p.clusters[b].nodes.map((n) => n.ip));
      p.clusters[a].nodes.forEach((n, k) => {
        if (ipsB.has(n.ip)) add(`clusters.${a}.nodes[${k}].ip`, `node IP ${n.ip} is also a node of cluster ${b}`);
      });
    }
  }
  return problems;
}
