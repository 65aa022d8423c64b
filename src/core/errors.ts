/** Bad input (flags, answers, platform.yaml): exit code 2, nothing written. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly details: string[] = []) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The plan cannot be applied without overwriting what a person wrote: exit code 1, nothing written. */
export class ConflictError extends Error {
  readonly exitCode = 1;
  constructor(message: string, readonly paths: string[]) {
    super(message);
    this.name = 'ConflictError';
  }
}

export function formatError(err: unknown): string {
  if (err instanceof UsageError || err instanceof ConflictError) {
    const extra = err instanceof UsageError ? err.details : err.paths;
    return [`error: ${err.message}`, ...extra.map((d) => `  - ${d}`)].join('\n');
  }
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConflictError) return err.exitCode;
  return 1;
}
