#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';
import { collect, interactiveAllowed, processIo, runAction } from './common';

const program = new Command('add-story')
  .version(GENERATOR_VERSION)
  .description('Scaffold a story of the delivery plan (STORY-…) into the GitOps repository, as a draft unless --approve.')
  .argument('<id>', 'story id, e.g. STORY-NET-CILIUM-GATEWAY (platform-kit stories lists them)')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--cluster <name>', 'target cluster (repeat; default: every cluster whose role the story names)', collect)
  .option('--approve', 'approve it too: wire its components into the clusters\' lanes')
  .option('--force', 'with --approve: approve even when its dependencies are not approved')
  .option('--dry-run', 'print the plan (with diffs) and write nothing')
  .option('--custom', 'a story that is not in the catalog, defined by the flags below (or prompts)')
  .option('--title <text>', 'custom: title')
  .option('--lane <lane>', 'custom: infra | apps | cross-platform (apps -> kubernetes/workloads/)')
  .option('--component <name>', 'custom: component name (Flux Kustomization name)')
  .option('--area <area>', 'custom: folder under kubernetes/<lane>/ (default platform, or apps for the apps lane)')
  .option('--namespace <ns>', 'custom: target namespace')
  .option('--chart-url <url>', 'custom: chart repository, oci://… (OCIRepository) or https://… (HelmRepository); omit for plain manifests')
  .option('--chart-name <name>', 'custom: chart name (default: last part of an oci url)')
  .option('--chart-version <version>', 'custom: pinned chart version')
  .option('--depends-on <id>', 'custom: story it depends on (repeat)', collect)
  .option('--needs <component>', 'custom: component its Flux Kustomization waits for (repeat)', collect)
  .action(async (id: string, flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { addStory } = await import('../api/stories');
      const { customFromFlags, report } = await import('./story-run');
      const custom = flags.custom ? await customFromFlags(id, flags, interactiveAllowed()) : undefined;
      const r = addStory({ id, dir: flags.dir, clusters: flags.cluster, approve: flags.approve, force: flags.force, dryRun: flags.dryRun, custom });
      report(processIo, r, flags.dryRun, flags.approve ? 'approved' : 'added (draft)');
      if (!flags.approve && !flags.dryRun) processIo.out(`next: review docs/stories/${id}.md, then platform-kit approve ${id} to wire it into the clusters`);
    });
  });
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});
void program.parseAsync(process.argv);
