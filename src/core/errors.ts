/** Exit codes, as the README defines them. */
export const EXIT = {
  ok: 0,
  /** A file the tool did not generate is in the way, a lock is held, or files need a person: nothing written. */
  conflict: 1,
  /** Bad input (flags, answers, platform.yaml): nothing written. */
  usage: 2,
  /** The system refused a read or write (disk full, no permission, read-only file system, a folder where a file belongs). */
  system: 3,
  /** Interrupted (Ctrl-C at a prompt): 128 + SIGINT, as a shell reports it. */
  interrupted: 130,
} as const;

/** Bad input (flags, answers, platform.yaml): exit code 2, nothing written. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The plan cannot be applied without overwriting what a person wrote: exit code 1, nothing written. */
export class ConflictError extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly paths: string[],
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The operating system refused a read or a write: exit code 3; the message says which file and what was written. */
export class SystemError extends Error {
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SystemError';
  }
}

/** A person stopped the command (Ctrl-C at a prompt) before anything was written: exit code 130. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor(message = 'cancelled, nothing written') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** What an errno code means, in words a person acts on. */
const WHAT: Record<string, string> = {
  ENOSPC: 'no space left on the device (the disk or its quota is full)',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a folder where a file belongs',
  ENOTDIR: 'a part of the path is a file where a folder belongs',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EIO: 'input/output error from the device',
  EBUSY: 'the file is busy',
  ENAMETOOLONG: 'the file name is too long',
  ETXTBSY: 'the file is busy',
};

type Errno = NodeJS.ErrnoException & { dest?: string };

export function isErrno(e: unknown): e is Errno {
  return (
    e instanceof Error &&
    typeof (e as Errno).code === 'string' &&
    /^E[A-Z]+$/.test((e as Errno).code!) &&
    typeof (e as Errno).syscall === 'string'
  );
}

/**
 * One line for an OS error: the file, what the tool was doing, what happened, and what was (not) written.
 * `written` defaults to "nothing was written": every write of the tool goes through an all-or-nothing commit that
 * puts back what it had moved into place before it gives up, and the lock is removed on the way out.
 */
export function systemError(e: Errno, written = 'nothing was written'): SystemError {
  const file = e.path ?? e.dest ?? '(unknown file)';
  const what = WHAT[e.code!] ?? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new SystemError(`${file}: ${what} (${e.code} on ${e.syscall}); ${written}`, e.code);
}

export function formatError(err: unknown): string {
  if (err instanceof UsageError || err instanceof ConflictError) {
    const extra = err instanceof UsageError ? err.details : err.paths;
    return [`error: ${err.message}`, ...extra.map((d) => `  - ${d}`)].join('\n');
  }
  if (err instanceof InterruptedError) return err.message;
  if (isErrno(err)) return `error: ${systemError(err).message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function exitCodeOf(err: unknown): number {
  if (
    err instanceof UsageError ||
    err instanceof ConflictError ||
    err instanceof SystemError ||
    err instanceof InterruptedError
  )
    return err.exitCode;
  if (isErrno(err)) return EXIT.system;
  return 1;
}
