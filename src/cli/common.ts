import type { Command } from 'commander';
import { formatError, exitCodeOf } from '../core/errors';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
};

/** Run a CLI action: errors become a clear message and an exit code (2 bad input, 1 conflict or failure). */
export async function runAction(io: Io, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e) {
    io.err(formatError(e));
    if (!(e instanceof Error) || !('exitCode' in e)) {
      if (process.env.PLATFORM_DEBUG && e instanceof Error && e.stack) io.err(e.stack);
    }
    return exitCodeOf(e);
  }
}

/** Collect repeated options into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** May we ask questions? Only on a terminal, outside CI. */
export function interactiveAllowed(): boolean {
  return Boolean(process.stdin.isTTY) && process.env.CI !== 'true';
}

/**
 * Commander's own usage errors (a missing argument, an unknown option, an option without its value) exit 2 like
 * every other bad input; --help and --version exit 0. Set it on a program before its subcommands are added:
 * commander copies it into each one when it is created.
 */
export function exitTwoOnUsageError<C extends Command>(program: C): C {
  program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  return program;
}
