import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * One temporary folder per test run, removed when the run ends. The tests make ~1400 temporary repositories a run
 * (tmpDir, mkdtemp, the bins' own temp files) and most are not removed one by one: three runs left ~4300 folders and
 * ~2.5 GB in /tmp. Every worker, every bin a test spawns and kubectl inherit TMPDIR, so os.tmpdir() anywhere in the
 * run is this folder. CPC_KEEP_TEST_TMP=1 keeps it (its path is printed) to look at what a failing test wrote.
 *
 * Both vitest projects list this setup; a run of both makes one folder: the first setup of the process owns it and
 * the second finds it (a process-wide symbol, not the environment, which a spawned vitest would inherit).
 */
const OWNED = Symbol.for('create-platform-cluster.test-temp-root');

export default function setup(): () => ChildProcess | undefined {
  const g = globalThis as { [OWNED]?: string };
  if (g[OWNED]) return () => undefined;
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-tests-')));
  g[OWNED] = root;
  process.env.TMPDIR = root;
  return () => {
    if (process.env.CPC_KEEP_TEST_TMP === '1') {
      console.log(`test temp folder kept: ${root}`);
      return undefined;
    }
    return removeLater(root);
  };
}

/**
 * Remove dir whole in a process of its own that the run does not wait for: a run's folder holds ~900 MB in ~100 000
 * files, 10–20 s of unlinks that would otherwise be added to every run's time. Folders a test left unreadable
 * (chmod 000, as the OS-error tests do) are opened first. Returns the process (tests wait for its exit).
 */
export function removeLater(dir: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', REMOVE, dir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** The remover's code (plain Node, argv[1] the folder): rmSync, and after a refusal, open every folder and retry. */
const REMOVE = `
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[1];
const rm = () => fs.rmSync(dir, { recursive: true, force: true });
try { rm(); } catch {
  const open = (d) => {
    try {
      fs.chmodSync(d, 0o700);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) open(path.join(d, e.name));
    } catch {}
  };
  open(dir);
  rm();
}
`;
