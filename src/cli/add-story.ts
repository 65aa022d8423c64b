#!/usr/bin/env node
import { Command } from 'commander';
import {
  collect,
  exitTwoOnUsageError,
  exitWhenFlushed,
  interactiveAllowed,
  processIo,
  quietOnClosedOutput,
  runAction,
} from './common';
import { withVersion } from './version-flag';

// `… | head -1`: the output stops quietly when its reader goes away (see quietOnClosedOutput).
quietOnClosedOutput();

const program = withVersion(exitTwoOnUsageError(new Command('add-story')))
  .description(
    'Scaffold a story of the delivery plan (STORY-…) into the GitOps repository, as a draft unless --approve.',
  )
  .argument(
    '[ids...]',
    'story ids, e.g. STORY-NET-CILIUM-GATEWAY (platform-kit stories lists them); several are added in the order given',
  )
  .option('--all', 'every story of the catalog, in plan order')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--cluster <name>', 'target cluster (repeat; default: every cluster whose role the story names)', collect)
  .option('--approve', "approve it too: wire its components into the clusters' lanes")
  .option('--force', 'with --approve: approve even when its dependencies are not approved')
  .option(
    '--with-deps',
    'also add the dependencies not added yet (with --approve: not approved yet, and approve them), in plan order',
  )
  .option('--dry-run', 'print the plan (with diffs) and write nothing')
  .option('--verbose', 'list every file it writes, keeps or deletes (default: a summary per area)')
  .option('--git', 'deliver it on branch story/<id> and commit what it wrote as "<ID>: scaffold …"')
  .option('--custom', 'a story that is not in the catalog, defined by the flags below (or prompts)')
  .option('--title <text>', 'custom: title')
  .option('--lane <lane>', 'custom: infra | apps | cross-platform (apps -> kubernetes/workloads/)')
  .option('--component <name>', 'custom: component name (Flux Kustomization name)')
  .option('--area <area>', 'custom: folder under kubernetes/<lane>/ (default platform, or apps for the apps lane)')
  .option('--namespace <ns>', 'custom: target namespace')
  .option(
    '--chart-url <url>',
    'custom: chart repository, oci://… (OCIRepository) or https://… (HelmRepository); omit for plain manifests',
  )
  .option('--chart-name <name>', 'custom: chart name (default: last part of an oci url)')
  .option('--chart-version <version>', 'custom: pinned chart version')
  .option('--depends-on <id>', 'custom: story it depends on (repeat)', collect)
  .option('--needs <component>', 'custom: component its Flux Kustomization waits for (repeat)', collect)
  .action(async (given: string[], flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { addStories, clusterRoles, listStories } = await import('../commands/stories');
      const { customFromFlags, pickStory, report, reportDependencies } = await import('./story-run');
      const { UsageError } = await import('../core/errors');
      if (flags.all && given.length) throw new UsageError('pass story ids or --all, not both');
      if (flags.all && flags.custom) throw new UsageError('--custom defines one story; it cannot go with --all');
      let ids = flags.all ? listStories().map((s) => s.id) : given;
      if (ids.length === 0 && interactiveAllowed()) ids = [await pickStory(flags.dir)];
      if (ids.length === 0) {
        throw new UsageError(
          `no story id given, and no terminal to pick one from a list (stdin is not a terminal or CI=true); ` +
            `name them: add-story STORY-… [STORY-…]… (several are added in the order given), or --all for the ` +
            `whole catalog; platform-kit stories --dir ${flags.dir} lists them with their status`,
        );
      }
      const custom = flags.custom
        ? await customFromFlags(ids[0], flags, interactiveAllowed(), clusterRoles(flags.dir))
        : undefined;
      const r = addStories({
        ids,
        dir: flags.dir,
        clusters: flags.cluster,
        approve: flags.approve,
        force: flags.force,
        dryRun: flags.dryRun,
        custom,
        git: flags.git,
        withDeps: flags.withDeps,
      });
      reportDependencies(processIo, r.dependencies, flags.approve ? 'approved' : 'added (draft)', flags.dryRun);
      const what = ids.length === 1 ? ids[0] : `${ids.length} stories`;
      // Without --approve a story keeps the state it has: say "approved" of one that already was, and suggest approve
      // only for those still draft.
      const { storyStates } = await import('../commands/outcome');
      const states = storyStates(r.plan, ids);
      const drafts = ids.filter((id) => r.clusters.some((c) => states[id][c] === 'draft'));
      const verb = flags.approve
        ? 'approved'
        : drafts.length === 0 && ids.every((id) => r.clusters.some((c) => states[id][c] === 'approved'))
          ? 'approved'
          : 'added (draft)';
      const code = report(processIo, r, flags.dryRun, verb, what, flags.verbose);
      if (!flags.approve && !flags.dryRun) {
        for (const id of ids) {
          const approvedOn = r.clusters.filter((c) => states[id][c] === 'approved');
          if (approvedOn.length && (ids.length > 1 || drafts.length))
            processIo.out(`${id} is already approved on ${approvedOn.join(', ')}: left approved`);
        }
        if (drafts.length)
          processIo.out(
            `next: review docs/stories/${drafts.length === 1 ? drafts[0] : '<ID>'}.md, then platform-kit ` +
              `approve ${drafts.length === 1 ? drafts[0] : '<ID>'} to wire ${drafts.length === 1 ? 'it' : 'each'} into the clusters`,
          );
      }
      if (r.git)
        processIo.out(
          `git: on branch ${r.git.branch}${r.git.commit ? `, committed ${r.git.commit}` : ', nothing to commit'}`,
        );
      return code;
    });
  });
// Parsed when run as the bin; `platform-kit completion` imports it to read its options.
if (require.main === module) void program.parseAsync(process.argv).then(() => exitWhenFlushed());

export { program };
