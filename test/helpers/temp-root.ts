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

export default function setup(): () => void {
  const g = globalThis as { [OWNED]?: string };
  if (g[OWNED]) return () => {};
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-tests-')));
  g[OWNED] = root;
  process.env.TMPDIR = root;
  return () => {
    if (process.env.CPC_KEEP_TEST_TMP === '1') {
      console.log(`test temp folder kept: ${root}`);
      return;
    }
    removeAll(root);
  };
}

/** Remove dir whole; folders a test left unreadable (chmod 000, as the OS-error tests do) are opened first. */
export function removeAll(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // EACCES under a non-root user: open every folder, then try again.
  }
  const open = (d: string) => {
    try {
      fs.chmodSync(d, 0o700);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) open(path.join(d, e.name));
    } catch {
      // Not ours to open: the second rmSync says what is left.
    }
  };
  open(dir);
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    console.warn(`could not remove the test temp folder ${dir}: ${(e as Error).message}`);
  }
}
