import type { Command } from 'commander';
import { exitCodeOf, formatError, InterruptedError } from '../core/errors';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Streams whose reader went away (EPIPE): nothing more is written to them. */
const closed = new Set<NodeJS.WriteStream>();

/**
 * A reader that stops early (`… | head -1`) closes the pipe: further output is dropped silently and the command
 * finishes what it started and exits with its own code (0 when it succeeded), instead of dying with an EPIPE
 * stack trace half-way. Node ignores SIGPIPE, so the shell's 141 does not apply; the work done is what counts.
 */
export function quietOnClosedOutput(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed.add(s);
      else throw e;
    });
  }
}

const write = (s: NodeJS.WriteStream, t: string) => {
  if (closed.has(s) || s.destroyed) return;
  s.write(t.endsWith('\n') ? t : t + '\n');
};

export const processIo: Io = {
  out: (t) => write(process.stdout, t),
  err: (t) => write(process.stderr, t),
};

/** What exitWhenFlushed needs of an output stream (process.stdout and process.stderr are such). */
export interface FlushableStream {
  readonly destroyed: boolean;
  readonly writableLength: number;
  write(chunk: string, cb: () => void): boolean;
}

/**
 * End the process once everything written to stdout and stderr has gone out. A bin calls it when its command is done:
 * without it, Node waits at exit for V8's background jobs (compiling hot functions, sweeping the heap) that a finished
 * command has no use for, 10–25 ms of a scaffold's ~400 on two cores. The exit code is process.exitCode. Output is
 * never cut short: a stream still flushing (a pipe or terminal written asynchronously, as on macOS) is waited for.
 * Only bins call it: a command that leaves work running (a child process, a server) must await it before returning.
 */
export function exitWhenFlushed(
  streams: FlushableStream[] = [process.stdout, process.stderr],
  exit: () => void = () => process.exit(),
): Promise<void> {
  const pending = streams.filter((s) => !s.destroyed && s.writableLength > 0);
  return Promise.all(pending.map((s) => new Promise<void>((done) => s.write('', () => done())))).then(exit);
}

/** Run a CLI action: errors become a clear message and an exit code (2 bad input, 1 conflict or failure). */
// biome-ignore lint/suspicious/noConfusingVoidType: an action that returns nothing is `async () => {...}`, a Promise<void>.
export async function runAction(io: Io, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e0) {
    // Ctrl-C at a prompt: the prompt library rejects with ExitPromptError before anything is written.
    const e = e0 instanceof Error && e0.name === 'ExitPromptError' ? new InterruptedError() : e0;
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
