import type { Command } from 'commander';
import { collect, interactiveAllowed, Io, runAction } from './common';

interface CreateFlags {
  dir: string;
  role?: string;
  domain?: string;
  clusterId?: string;
  apiEndpoint?: string;
  nodeCidr?: string;
  nodeGateway?: string;
  podCidr?: string;
  serviceCidr?: string;
  lbRange?: string;
  gatewayExternal?: string;
  gatewayInternal?: string;
  node?: string[];
  gitUrl?: string;
  gitBranch?: string;
  secretStore?: string;
  set?: string[];
  answers?: string;
  yes?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  interactive?: boolean;
  stories?: string[];
  approve?: boolean;
}

/** Define the create-platform-cluster command (also `platform-kit new-cluster`). */
export function defineCreate(cmd: Command, io: Io, setExit: (code: number) => void): Command {
  return cmd
    .description('Create a Flux GitOps repository for Talos + Cilium clusters, or add clusters to one.')
    .argument('[names...]', 'cluster name(s), DNS-1123 labels (e.g. infra apps apps-dev)')
    .option('--dir <dir>', 'GitOps repository folder (created when missing)', '.')
    .option('--role <role>', 'infra or apps (default: infra for names starting with "infra", else apps)')
    .option('--domain <domain>', 'DNS domain of the cluster (default: <name>.example.com)')
    .option('--cluster-id <n>', 'Cilium cluster id, 1-255, unique (default: lowest free)')
    .option('--api-endpoint <url>', 'Kubernetes API endpoint (default: https://<node network .10>:6443, a Talos VIP)')
    .option('--node-cidr <cidr>', 'node network (default: 192.168.<id>.0/24)')
    .option('--node-gateway <ip>', 'node network gateway (default: .1 of the node network)')
    .option('--pod-cidr <cidr>', 'pod CIDR (default: first free of 10.244/16, 10.246/16, …)')
    .option('--service-cidr <cidr>', 'service CIDR (default: the /16 after the pod CIDR)')
    .option('--lb-range <first-last>', 'load-balancer address range on the node network (default: .200-.239)')
    .option('--gateway-external <ip>', 'external Gateway IP in the load-balancer range (default: .220)')
    .option('--gateway-internal <ip>', 'internal Gateway IP in the load-balancer range (default: .221)')
    .option('--node <spec>', 'node "name=…,ip=…[,controlPlane=true|false][,disk=/dev/sda]" (repeat; default: 3 control planes)', collect)
    .option('--git-url <url>', 'git repository Flux syncs (default: the platform\'s, or https://git.example.com/platform/gitops.git)')
    .option('--git-branch <branch>', 'branch Flux syncs (default: main)')
    .option('--secret-store <provider>', 'External Secrets provider: onepassword, vault, aws-secrets-manager, gcp-secret-manager, azure-key-vault, bitwarden')
    .option('--set <KEY=VALUE>', 'set a cluster-settings variable (repeat)', collect)
    .option('--stories <ids>', 'also add these stories (comma-separated STORY-… ids, or "all" for the whole plan) on the clusters given, in the same commit', collect)
    .option('--approve', 'with --stories: approve them too (wire them into the lanes)')
    .option(
      '--answers <file>',
      'YAML file of the clusters: "clusters:" lists each one\'s name and any of role, domain, clusterId, apiEndpoint, nodeCidr, nodeGateway, podCidr, serviceCidr, loadBalancerRange, gatewayExternal, gatewayInternal, nodes ([{name, ip, controlPlane, installDisk}]), gitUrl, gitBranch, secretStore, settings ({KEY: VALUE}); absent = default. E.g. clusters: [{name: infra}, {name: apps, podCidr: 10.50.0.0/16}]',
    )
    .option('-y, --yes', 'take the default for every value not given')
    .option('--dry-run', 'print the plan and diffs; write nothing')
    .option('--verbose', 'list every file the run writes, keeps or deletes (default: a summary per area)')
    .option('--no-interactive', 'never prompt (also when stdin is not a terminal or CI=true)')
    .action(async (names: string[], flags: CreateFlags) => {
      setExit(await runAction(io, async () => (await import('./create-run')).runCreate(names, flags, io, flags.interactive !== false && !flags.yes && interactiveAllowed())));
    });
}

export type { CreateFlags };
