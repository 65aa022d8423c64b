import * as fs from 'node:fs';
import type { Command } from 'commander';
import { type Io, runAction } from './common';

/** The story ids a repository knows: the catalog plus its custom stories (when --dir holds a platform.yaml). */
async function knownStories(dir: string) {
  const { loadPlatform } = await import('../model/platform-file');
  const { checkRepoDir } = await import('../commands/repo-dir');
  const { catalogFor } = await import('../model/wiring');
  const { catalogWith } = await import('../model/stories');
  const pf = loadPlatform(checkRepoDir(dir));
  return pf ? catalogFor(pf.spec) : catalogWith({});
}

/**
 * lint-commit / lint-pr-title: the story-id rule of the plan's change management. Commander's own usage errors exit as
 * the program's exitOverride (set before this is called) says; see exitTwoOnUsageError.
 */
export function defineLint(program: Command, io: Io): void {
  const commands = [
    {
      name: 'lint-commit',
      what: 'commit message' as const,
      help: 'require a leading known story id in a commit message (a message, or the file git passes to a commit-msg hook)',
      arg: ['<message-or-file>', 'the message, or the path of a file holding it (comment lines are ignored)'],
      // A commit-msg hook passes the path of the message file.
      read: (arg: string) => {
        try {
          return fs.statSync(arg).isFile() ? fs.readFileSync(arg, 'utf8') : arg;
        } catch {
          return arg;
        }
      },
    },
    {
      name: 'lint-pr-title',
      what: 'pull request title' as const,
      help: 'require a leading known story id in a pull request title',
      arg: ['<title>', 'the title'],
      read: (arg: string) => arg,
    },
  ];
  for (const c of commands) {
    program
      .command(c.name)
      .description(c.help)
      .argument(c.arg[0], c.arg[1])
      .option('--dir <dir>', 'the GitOps repository (for its custom stories)', '.')
      .action(async (arg: string, flags) => {
        process.exitCode = await runAction(io, async () => {
          const { lintStoryLine } = await import('../delivery/story-id');
          const r = lintStoryLine(c.read(arg), await knownStories(flags.dir), c.what);
          if (r.ok) io.out(r.message);
          else io.err(`error: ${r.message}`);
          return r.ok ? 0 : 1;
        });
      });
  }
}
