import * as fs from 'node:fs';
import type { Command } from 'commander';
import { type Io, runAction } from './common';

/** lint-commit / lint-pr-title: the story-id rule of the plan's change management. */
export function defineLint(program: Command, io: Io): void {
  const known = async (dir: string) => {
    const { loadPlatform } = await import('../api/create-cluster');
    const { checkRepoDir } = await import('../api/repo');
    const { catalogFor } = await import('../model/wiring');
    const { catalogWith } = await import('../model/stories');
    const pf = loadPlatform(checkRepoDir(dir));
    return pf ? catalogFor(pf.spec) : catalogWith({});
  };
  program
    .command('lint-commit')
    .description('require a leading known story id in a commit message (a message, or the file git passes to a commit-msg hook)')
    .argument('<message-or-file>', 'the message, or the path of a file holding it (comment lines are ignored)')
    .option('--dir <dir>', 'the GitOps repository (for its custom stories)', '.')
    .action(async (arg: string, flags) => {
      process.exitCode = await runAction(io, async () => {
        const { lintStoryLine } = await import('../plan/story-id');
        let text = arg;
        try {
          if (fs.statSync(arg).isFile()) text = fs.readFileSync(arg, 'utf8');
        } catch {
          // not a file: the message itself
        }
        const r = lintStoryLine(text, await known(flags.dir), 'commit message');
        (r.ok ? io.out : io.err)(r.ok ? r.message : `error: ${r.message}`);
        return r.ok ? 0 : 1;
      });
    });
  program
    .command('lint-pr-title')
    .description('require a leading known story id in a pull request title')
    .argument('<title>', 'the title')
    .option('--dir <dir>', 'the GitOps repository (for its custom stories)', '.')
    .action(async (title: string, flags) => {
      process.exitCode = await runAction(io, async () => {
        const { lintStoryLine } = await import('../plan/story-id');
        const r = lintStoryLine(title, await known(flags.dir), 'pull request title');
        (r.ok ? io.out : io.err)(r.ok ? r.message : `error: ${r.message}`);
        return r.ok ? 0 : 1;
      });
    });
}
