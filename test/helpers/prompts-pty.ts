import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './fs';

/**
 * Run a compiled bin in a real pseudo-terminal (test/helpers/pty-drive.py): each step waits for a regex on the
 * screen (ANSI stripped, after the previous match) and types its text.
 */
export const DRIVER = path.join(ROOT, 'test', 'helpers', 'pty-drive.py');
// The bins as package.json runs them: their bundles, whose prompts (@inquirer/prompts) are a chunk loaded in a TTY only.
export const CREATE_BIN = path.join(ROOT, 'lib', 'bundle', 'create-platform-cluster.js');
export const ADD_STORY_BIN = path.join(ROOT, 'lib', 'bundle', 'add-story.js');
export const KIT_BIN = path.join(ROOT, 'lib', 'bundle', 'platform-kit.js');

export const KEY = { ENTER: '\r', UP: '\x1b[A', DOWN: '\x1b[B', CTRL_C: '\x03', CTRL_U: '\x15', SPACE: ' ' } as const;

export type Step = [string, string];

export interface PtyResult {
  status: number;
  /** What the command wrote to the terminal, ANSI escapes removed. */
  output: string;
  stderr: string;
}

export const stripAnsi = (s: string) =>
  s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');

export function drive(bin: string, script: Step[], args: string[], env: Record<string, string> = {}): PtyResult {
  const r = spawnSync('python3', [DRIVER, JSON.stringify(script), '--', process.execPath, bin, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'false', TERM: 'xterm', NO_COLOR: '', ...env },
    timeout: 90_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: stripAnsi(r.stdout).replace(/\r\n/g, '\n'), stderr: r.stderr };
}

/** Explain a failure with everything the terminal showed. */
export const seen = (r: PtyResult) => `exit ${r.status}\n--- terminal ---\n${r.output}\n--- driver ---\n${r.stderr}`;
