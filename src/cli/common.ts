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
