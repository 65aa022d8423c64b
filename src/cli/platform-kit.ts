#!/usr/bin/env node
import { Command } from 'commander';
import { GENERATOR_VERSION } from '../version';
import { collect, processIo, runAction } from './common';
import { defineCreate } from './create-command';

const program = new Command('platform-kit').version(GENERATOR_VERSION).description('Keep a create-platform-cluster GitOps repository true.');
defineCreate(program.command('new-cluster'), processIo, (code) => (process.exitCode = code));

for (const [name, verb, help] of [
  ['approve', 'approved', 'wire a story into its clusters\' lanes and mark it approved (its dependencies must be approved there)'],
  ['unapprove', 'back to draft', 'take a story out of its clusters\' lanes again (its files stay, as a draft)'],
] as const) {
  program
    .command(name)
    .description(help)
    .argument('<id>', 'story id')
    .option('--dir <dir>', 'the GitOps repository', '.')
    .option('--cluster <name>', 'cluster (repeat; default: every cluster the story is on)', collect)
    .option('--force', name === 'approve' ? 'approve even when dependencies are not approved' : 'even when approved stories depend on it')
    .option('--dry-run', 'print the plan (with diffs) and write nothing')
    .action(async (id: string, flags) => {
      process.exitCode = await runAction(processIo, async () => {
        const api = await import('../api/stories');
        const { report } = await import('./story-run');
        const fn = name === 'approve' ? api.approveStory : api.unapproveStory;
        return report(processIo, fn({ id, dir: flags.dir, clusters: flags.cluster, force: flags.force, dryRun: flags.dryRun }), flags.dryRun, verb, id);
      });
    });
}

program
  .command('regenerate')
  .description('re-render every generated file from platform.yaml and the current templates, merging what people edited')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--dry-run', 'print the plan with diffs; write nothing')
  .option('--check', 'write nothing; exit 1 when anything would change (for CI)')
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { regenerate } = await import('../api/regenerate');
      const { formatPlan } = await import('../core/plan');
      const r = regenerate({ dir: flags.dir, dryRun: flags.dryRun, check: flags.check });
      processIo.out(formatPlan(r.plan, { diff: flags.dryRun }));
      if (flags.check) {
        processIo.out(r.changed ? 'check: the repository is not what platform.yaml and the templates generate (run platform-kit regenerate)' : 'check: up to date');
        return r.changed || r.unresolved.length ? 1 : 0;
      }
      if (flags.dryRun) processIo.out('dry run: nothing was written');
      else processIo.out(r.written ? `regenerated ${r.root}` : 'nothing to do: the repository already matches platform.yaml and the templates');
      if (r.unresolved.length) {
        processIo.err(`error: ${r.unresolved.length} file${r.unresolved.length > 1 ? 's' : ''} need${r.unresolved.length > 1 ? '' : 's'} a person (conflict markers <<<<<<< / ||||||| / ======= / >>>>>>>; the middle part is what was generated last time):\n` + r.unresolved.map((c) => `  - ${c.path}`).join('\n'));
        return 1;
      }
      return 0;
    });
  });

program
  .command('stories')
  .description('the story catalog with each story\'s status per cluster')
  .option('--dir <dir>', 'the GitOps repository', '.')
  .option('--json', 'machine-readable output')
  .action(async (flags) => {
    process.exitCode = await runAction(processIo, async () => {
      const { listStories } = await import('../api/stories');
      const list = listStories(flags.dir);
      if (flags.json) {
        processIo.out(JSON.stringify(list, null, 2));
        return;
      }
      const rows = list.map((s) => [
        String(s.seq),
        s.custom ? '-' : String(s.sprint),
        s.id,
        s.kind,
        s.lane,
        Object.entries(s.status).map(([c, st]) => `${c}:${st}`).join(' ') || '-',
      ]);
      const head = ['SEQ', 'SPRINT', 'STORY', 'KIND', 'LANE', 'STATUS'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
      processIo.out([line(head), ...rows.map(line)].join('\n'));
    });
  });
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});
void program.parseAsync(process.argv);
