import type { Command } from 'commander';
import { answersKeysHelp, CLUSTER_FIELDS, flagHelp } from '../model/cluster-fields';
import { collect, type Io, interactiveAllowed, runAction } from './common';
import type { CreateFlags } from './create-flags';

/** Define the create-platform-cluster command (also `platform-kit new-cluster`). */
export function defineCreate(cmd: Command, io: Io, setExit: (code: number) => void): Command {
  cmd
    .description('Create a Flux GitOps repository for Talos + Cilium clusters, or add clusters to one.')
    .argument('[names...]', 'cluster name(s), DNS-1123 labels (e.g. infra apps apps-dev)')
    .option('--dir <dir>', 'GitOps repository folder (created when missing)', '.');
  for (const f of CLUSTER_FIELDS) {
    if ('repeat' in f) cmd.option(`${f.flag} ${f.arg}`, flagHelp(f), collect);
    else cmd.option(`${f.flag} ${f.arg}`, flagHelp(f));
  }
  return cmd
    .option('--set <KEY=VALUE>', 'set a cluster-settings variable (repeat)', collect)
    .option(
      '--stories <ids>',
      'also add these stories (comma-separated STORY-… ids, or "all" for the whole plan) on the clusters given, in the same commit',
      collect,
    )
    .option('--approve', 'with --stories: approve them too (wire them into the lanes)')
    .option(
      '--answers <file>',
      `YAML file of the clusters: "clusters:" lists each one's name and any of ${answersKeysHelp()}, settings ({KEY: VALUE}); absent = default. ` +
        'E.g. clusters: [{name: infra}, {name: apps, podCidr: 10.50.0.0/16}]',
    )
    .option('-y, --yes', 'take the default for every value not given')
    .option('--dry-run', 'print the plan and diffs; write nothing')
    .option('--verbose', 'list every file the run writes, keeps or deletes (default: a summary per area)')
    .option('--no-interactive', 'never prompt (also when stdin is not a terminal or CI=true)')
    .action(async (names: string[], flags: CreateFlags) => {
      setExit(
        await runAction(io, async () =>
          (await import('./create-run')).runCreate(
            names,
            flags,
            io,
            flags.interactive !== false && !flags.yes && interactiveAllowed(),
          ),
        ),
      );
    });
}
