#!/usr/bin/env node
import { Command } from 'commander';
import { CLUSTER_FIELDS, optionName } from '../model/cluster-fields';
import {
  collect,
  exitTwoOnUsageError,
  exitWhenFlushed,
  interactiveAllowed,
  processIo,
  quietOnClosedOutput,
  runAction,
} from './common';
import { defineCreate } from './create-command';
import { defineGate } from './gate-command';
import { defineLint } from './lint-command';
import { definePlan } from './plan-command';
import { withVersion } from './version-flag';

// `… | head -1`: the output stops quietly when its reader goes away (see quietOnClosedOutput).
quietOnClosedOutput();

// Before any subcommand is added, so that each one takes it over (commander copies it when a command is created).
const program = withVersion(exitTwoOnUsageError(new Command('platform-kit'))).description(
  'Keep a create-platform-cluster GitOps repository true.',
);
defineCreate(program.command('new-cluster'), processIo, (code) => (process.exitCode = code));

for (const [name, verb, help] of [
  [
    'approve',
    'approved',
    "wire stories into their clusters' lanes and mark them approved (their dependencies must be approved there, or come along with --with-deps)",
  ],
  ['unapprove', 'back to draft', "take stories out of their clusters' lanes again (their files stay, as drafts)"],
] as const) {
  const cmd = program
    .command(name)
    .description(help)
    .argument('<ids...>', 'story ids (all of them or none)')
    .option('--dir <dir>', 'the GitOps repository', '.')
    .option('--cluster <name>', 'cluster (repeat; default: every cluster the story is on)', collect)
    .option(
      '--force',
      name === 'approve'
        ? 'approve even when dependencies are not approved'
        : 'even when approved stories depend on it',
    )
    .option('--dry-run', 'print the plan (with diffs) and write nothing')
    .option('--verbose', 'list every file it writes, keeps or deletes (default: a summary per area)');
  if (name === 'approve')
    cmd.option('--with-deps', 'also add and approve the dependencies not approved yet, in plan order');
  cmd.action(async (ids: string[], flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const api = await import('../commands/stories');
      const { report, reportDependencies } = await import('./story-run');
      const fn = name === 'approve' ? api.approveStories : api.unapproveStories;
      const r = fn({
        ids,
        dir: flags.dir,
        clusters: flags.cluster,
        force: flags.force,
        dryRun: flags.dryRun,
        withDeps: flags.withDeps,
      });
      reportDependencies(processIo, r.dependencies, 'approved', flags.dryRun);
      return report(processIo, r, flags.dryRun, verb, ids.length === 1 ? ids[0] : ids.join(', '), flags.verbose);
    });
  });
}

program
  .command('regenerate')
  .description(
    're-render every generated file from platform.yaml and the current templates, merging what people edited',
  )
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--dry-run', 'print the plan with diffs; write nothing')
  .option('--check', 'write nothing; exit 1 when anything would change (for CI)')
  .option('--verbose', 'list every file it writes, keeps or deletes (default: a summary per area)')
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      // Nothing to do is found by reading and hashing files (up-to-date.ts); the renderer is loaded only when that fails.
      const opts = { dir: flags.dir, dryRun: flags.dryRun, check: flags.check };
      const r =
        (await import('../commands/up-to-date')).upToDate(opts) ??
        (await import('../commands/regenerate')).regenerate({ ...opts, fast: false });
      const out = await import('./output');
      const { conflictReport } = await import('../core/plan-facts');
      const paint = out.stdoutPaint();
      const conflicts = out.formatConflicts(
        conflictReport(r.plan),
        flags.check || flags.dryRun ? 'dry-run' : 'written',
        out.stderrPaint(),
      );
      if (!r.changed && !flags.verbose && !flags.dryRun) {
        // Nothing to write: one line, not a table of nothing.
      } else processIo.out(out.formatPlanReport(r.plan, { dryRun: flags.dryRun, verbose: flags.verbose, paint }));
      if ('settingsSync' in r && r.settingsSync) {
        const { variantSettingsLines } = await import('../model/variant-settings');
        for (const line of variantSettingsLines(r.settingsSync, r.written)) {
          if (line.startsWith('warning:')) processIo.err(line);
          else processIo.out(line);
        }
      }
      if (flags.check) {
        processIo.out(
          r.changed
            ? 'check: the repository is not what platform.yaml and the templates generate (run platform-kit regenerate)'
            : 'check: up to date',
        );
        if (conflicts.length) processIo.err(conflicts.join('\n'));
        return r.changed || r.unresolved.length ? 1 : 0;
      }
      if (flags.dryRun) processIo.out('dry run: nothing was written');
      else if (r.written && conflicts.length)
        processIo.out(
          `${out.wroteLine(r.plan)} in ${r.root}; not done: ${r.unresolved.length} file${r.unresolved.length > 1 ? 's' : ''} with conflicts to resolve (below)`,
        );
      else if (r.written) processIo.out(`regenerated ${r.root}: ${out.wroteLine(r.plan)}`);
      else if (conflicts.length)
        processIo.out(
          'nothing written: the other files already match platform.yaml and the templates; conflicts to resolve (below)',
        );
      else processIo.out('nothing to do: the repository already matches platform.yaml and the templates');
      // An adopted repository: what its people must set by hand for the approved stories (after the outcome, as approve).
      if ('handover' in r && r.handover?.length)
        processIo.out((await import('../model/handover')).handoverBlock(r.handover).join('\n'));
      if (conflicts.length) {
        processIo.err(conflicts.join('\n'));
        return 1;
      }
      return 0;
    });
  });

program
  .command('check')
  .description('check wiring, substitution variables, dependencies and schemas of every cluster, from the files alone')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option(
    '--cluster-path <pattern>',
    'cluster entry folder, one * = the cluster name (repeat; default: found as Flux is told: FluxInstance ' +
      'sync.path, gotk-sync.yaml, kubernetes/clusters/*, root Kustomizations)',
    collect,
  )
  .option('--build', 'also run kubectl kustomize on every Flux Kustomization path (in parallel)')
  .option(
    '--json',
    'machine-readable output (per cluster: entry, how it was found, source, Kustomizations and HelmReleases walked; the findings)',
  )
  .option('--info', 'also show info findings (unused settings)')
  .option('--verbose', "show each finding's hint (how to fix it)")
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      // check/ walks any Flux repository; the command layer adds the rules of platform.yaml and the story catalog.
      const { check } = await import('../commands/check');
      const { formatCheck, summary } = await import('../check/format');
      const tty = Boolean(process.stderr.isTTY) && !flags.json;
      const r = await check({
        dir: flags.dir,
        clusterPaths: flags.clusterPath,
        build: flags.build,
        progress: tty ? (d, t) => process.stderr.write(`\rkustomize build ${d}/${t}${d === t ? '\n' : ''}`) : undefined,
      });
      const s = summary(r);
      if (flags.json) {
        const { graphs: _g, ...rest } = r;
        processIo.out(JSON.stringify({ ...rest, summary: s }, null, 2));
      } else processIo.out(formatCheck(r, { info: flags.info, verbose: flags.verbose }));
      return s.error ? 1 : 0;
    });
  });

program
  .command('diff')
  .description(
    'what a pull request changes in what Flux applies: build every Flux Kustomization at the base ref and in ' +
      'the work tree, and list added, removed and changed objects (with a diff of each)',
  )
  .requiredOption('--base <ref>', "the git ref to compare against (the pull request's base, e.g. origin/main)")
  .option('--dir <dir>', 'the GitOps repository (a git work tree)', '.')
  .option(
    '--cluster-path <pattern>',
    'cluster entry folder, one * = the cluster name (repeat; default kubernetes/clusters/*)',
    collect,
  )
  .option('--cluster <name>', 'only this cluster (repeat)', collect)
  .option('--full', 'build every path on both sides, even those whose files did not change')
  .option('--json', 'machine-readable output')
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { diff, formatDiff, diffJson } = await import('../check/diff');
      const tty = Boolean(process.stderr.isTTY) && !flags.json;
      const r = await diff({
        dir: flags.dir,
        base: flags.base,
        clusterPaths: flags.clusterPath,
        clusters: flags.cluster,
        full: flags.full,
        progress: tty ? (d, t) => process.stderr.write(`\rkustomize build ${d}/${t}${d === t ? '\n' : ''}`) : undefined,
      });
      processIo.out(flags.json ? diffJson(r) : formatDiff(r));
      // A report: differences and build failures on either side are in the output, not in the exit code.
      return 0;
    });
  });

program
  .command('graph')
  .description('draw the Flux Kustomization graph the check computes (A --> B: A waits for B; A -.-> B: A creates B)')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option(
    '--cluster-path <pattern>',
    'cluster entry folder, one * = the cluster name (repeat; default: found as check finds them)',
    collect,
  )
  .option('--cluster <name>', 'only this cluster (default: every cluster, one document with a subgraph per cluster)')
  .option('--format <format>', 'mermaid or dot', 'mermaid')
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { UsageError } = await import('../core/errors');
      if (!['mermaid', 'dot'].includes(flags.format))
        throw new UsageError(`--format ${flags.format}: use mermaid or dot`);
      const { checkFlux } = await import('../check/check');
      const { formatGraph } = await import('../check/format');
      const r = await checkFlux({ dir: flags.dir, clusterPaths: flags.clusterPath });
      const names = flags.cluster ? [flags.cluster] : r.clusters;
      for (const n of names)
        if (!r.graphs[n]) throw new UsageError(`--cluster ${n}: no such cluster (clusters: ${r.clusters.join(', ')})`);
      // Kustomizations platform.yaml records as adopted (their authors' files) are drawn apart.
      const graphs = (await import('../commands/check')).withAdopted(flags.dir, r.graphs);
      if (flags.cluster) processIo.out(formatGraph(flags.cluster, graphs[flags.cluster], flags.format));
      else processIo.out((await import('../check/graph-document')).formatGraphs(graphs, names, flags.format));
    });
  });

const adoptCmd = program
  .command('adopt')
  .description(
    'bring an existing Flux repository under the tool: infer clusters, settings, facts, stories and its layout; write only platform.yaml and .platform/',
  )
  .option('--dir <dir>', 'the Flux repository (without platform.yaml)', '.')
  .option('--dry-run', 'print what it inferred and why (file and fact of each claim); write nothing')
  .option('--json', 'machine-readable output (the inference with its evidence, and platform.yaml)')
  .option('--yes', 'take the defaults for the cluster fields no file proves (listed by --dry-run)')
  .option(
    '--no-interactive',
    'never prompt for the fields no file proves (also when stdin is not a terminal or CI=true)',
  );
// The fields create-platform-cluster asks for, by the same flags; with several clusters a value names its cluster.
for (const f of CLUSTER_FIELDS) {
  const how =
    f.kind === 'nodes'
      ? 'repeat, one per node; with several clusters cluster=SPEC'
      : f.perCluster
        ? 'with several clusters cluster=VALUE, once per cluster'
        : "a bare value is every cluster's, cluster=VALUE one cluster's";
  adoptCmd.option(`${f.flag} <[cluster=]${f.arg.replace(/^<|>$/g, '')}>`, `${f.help} (${how})`, collect);
}
adoptCmd.action(async (flags) => {
  process.exitCode = await runAction(processIo, async () => {
    const { adopt, adoptionJson, adoptWithPrompts } = await import('../commands/adopt');
    const values = Object.fromEntries(CLUSTER_FIELDS.map((f) => [f.key, flags[optionName(f.flag)]]));
    const opts = { dir: flags.dir, dryRun: flags.dryRun, yes: flags.yes, values };
    // --json is for a program: it gets the refusal listing the flags, not questions mixed into its output.
    const asking = flags.interactive !== false && !flags.yes && !flags.dryRun && !flags.json && interactiveAllowed();
    const r = asking ? await adoptWithPrompts(opts, (await import('./adopt-prompts')).adoptPrompter()) : adopt(opts);
    const data = {
      ...(adoptionJson(r.adoption, r.unproven, r.skipped, r.given) as object),
      platform: r.platform,
      refused: r.refused,
      written: r.written,
    };
    if (flags.json) processIo.out(JSON.stringify(data, null, 2));
    else processIo.out((await import('./adopt-format')).formatAdoption(r));
  });
});

program
  .command('stories')
  .description("the story catalog with each story's status per cluster")
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--json', 'machine-readable output')
  .option(
    '--adopted',
    'instead: the hand-written Kustomizations adopt recorded per cluster (they deliver no catalog component)',
  )
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { listHandWritten, listStories } = await import('../commands/stories');
      const { formatHandWritten, formatStories } = await import('./stories-format');
      if (flags.adopted) {
        const hand = listHandWritten(flags.dir);
        processIo.out(flags.json ? JSON.stringify(hand, null, 2) : formatHandWritten(hand));
        return;
      }
      const list = listStories(flags.dir);
      if (flags.json) {
        processIo.out(JSON.stringify(list, null, 2));
        return;
      }
      processIo.out(formatStories(list, listHandWritten(flags.dir, true)));
    });
  });
program
  .command('completion')
  .description(
    'print the shell completion script of create-platform-cluster, add-story and platform-kit: source <(platform-kit completion bash)',
  )
  .argument('<shell>', 'bash, zsh or fish')
  .option('--dir <dir>', 'with "clusters": the repository whose cluster names to print (what the scripts ask for)', '.')
  .action(async (shell: string, flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { clusterNames, completionFacts, completionScript } = await import('./completion');
      if (shell === 'clusters') {
        const names = await clusterNames(flags.dir);
        if (names.length) processIo.out(names.join('\n'));
        return;
      }
      const bins = [
        (await import('./create-platform-cluster')).program,
        (await import('./add-story')).program,
        program,
      ];
      processIo.out(completionScript(shell, bins, await completionFacts()));
    });
  });

definePlan(program, processIo);
defineGate(program, processIo);
defineLint(program, processIo);

// Parsed when run as the bin; `platform-kit completion` imports it to read its options.
if (require.main === module) void program.parseAsync(process.argv).then(() => exitWhenFlushed());

export { program };
