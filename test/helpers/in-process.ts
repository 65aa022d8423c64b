/**
 * The create-platform-cluster command run in process: the same commander definition the bin uses (defineCreate,
 * with the bin's exit-2-on-usage-error rule), its output captured, no terminal (CI=true). For the many cases where
 * the message, exit code and files are the subject and the process is not; one spawned smoke per bin stays in e2e.
 */
import { Command } from 'commander';
import { vi } from 'vitest';
import { exitTwoOnUsageError, type Io } from '../../src/cli/common';
import { defineCreate } from '../../src/cli/create-command';
import type { CliResult } from './fs';

/** process.exit called by the command (commander's usage errors): ends the run with that status. */
class Exited extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

export async function createInProcess(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const line = (to: string[]) => (t: string) => to.push(t.endsWith('\n') ? t : `${t}\n`);
  const io: Io = { out: line(out), err: line(err) };
  let status = 0;
  vi.stubEnv('CI', 'true');
  const exit = vi.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
    throw new Exited(Number(code ?? 0));
  });
  try {
    const cmd = exitTwoOnUsageError(new Command('create-platform-cluster')).configureOutput({ writeOut: line(out), writeErr: line(err) });
    defineCreate(cmd, io, (code) => (status = code));
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof Exited)) throw e;
    status = e.status;
  } finally {
    exit.mockRestore();
    vi.unstubAllEnvs();
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}
