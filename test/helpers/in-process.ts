/**
 * A bin run in process: the very commander program of src/cli/<bin>.ts (commander restores its state before each
 * parse, so one program serves many runs), with what it writes to stdout and stderr captured, its exit code taken
 * from process.exitCode or process.exit (commander's usage errors), no terminal (CI=true, NO_COLOR). For the many
 * cases where the message, exit code and files are the subject and the process is not; e2e keeps a spawned smoke
 * per bin. Runs one at a time (the capture is process-wide): do not use it from concurrent tests.
 */
import type { Command } from 'commander';
import { vi } from 'vitest';
import type { CliResult } from './fs';

export type Bin = 'create-platform-cluster' | 'platform-kit' | 'add-story';

const PROGRAMS: Record<Bin, () => Promise<{ program: Command }>> = {
  'create-platform-cluster': () => import('../../src/cli/create-platform-cluster'),
  'platform-kit': () => import('../../src/cli/platform-kit'),
  'add-story': () => import('../../src/cli/add-story'),
};

/** process.exit called by the command: ends the run with that status. */
class Exited extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

let running = false;

/** opts.env: more variables for this run only (as cli()'s env), restored afterwards with CI and NO_COLOR. */
export async function runInProcess(
  bin: Bin,
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  if (running) throw new Error('runInProcess: one run at a time (its capture of stdout and stderr is process-wide)');
  running = true;
  const { program } = await PROGRAMS[bin]();
  const out: string[] = [];
  const err: string[] = [];
  const capture = (to: string[]) =>
    ((chunk: string | Uint8Array) => {
      to.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  vi.stubEnv('CI', 'true');
  vi.stubEnv('NO_COLOR', '1');
  for (const [k, v] of Object.entries(opts.env ?? {})) vi.stubEnv(k, v);
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture(out)),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture(err)),
    vi.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
      throw new Exited(Number(code ?? 0));
    }),
  ];
  process.exitCode = undefined;
  let status: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    status = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof Exited)) throw e;
    status = e.status;
  } finally {
    process.exitCode = undefined;
    for (const s of spies) s.mockRestore();
    vi.unstubAllEnvs();
    running = false;
  }
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** create-platform-cluster ARGS, in process. */
export const createInProcess = (args: string[]): Promise<CliResult> => runInProcess('create-platform-cluster', args);
/** platform-kit ARGS, in process. */
export const kitInProcess = (args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> =>
  runInProcess('platform-kit', args, opts);
/** add-story ARGS, in process. */
export const addStoryInProcess = (args: string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> =>
  runInProcess('add-story', args, opts);
