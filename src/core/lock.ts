import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConflictError } from './errors';
import { assertNoEscapingLink, recoverInterrupted } from './disk';

export const LOCK_FILE = '.platform/lock';
const STALE_MS = 10 * 60_000;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** How long an empty or unreadable lock file may stand before it counts as left by a writer that died. */
const HALF_WRITTEN_MS = 5_000;

function stale(h: Holder | undefined, file: string): boolean {
  if (!h) {
    // Unreadable: either its writer is between creating and writing it (microseconds), or it died there.
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return !st || Date.now() - st.mtimeMs > HALF_WRITTEN_MS;
  }
  if (Date.now() - Date.parse(h.started) > STALE_MS) return true;
  return h.host === os.hostname() && !alive(h.pid);
}

/**
 * Run fn holding the repository's lock (.platform/lock, created exclusively): a second command waits up to
 * CPC_LOCK_WAIT_MS (default 3 s) and then stops with a clear message; a lock whose process is gone (or older than
 * 10 minutes) is taken over. Under the lock, a commit an earlier run left half-done is first rolled back or
 * completed from its journal. Folders created only for the lock are removed again, so a refused command leaves
 * no trace. The lock is the tool's own state: when .platform (or the lock) is a symbolic link, the command is
 * refused before the lock is created or removed, so nothing is written or deleted where the link leads.
 */
export function withRepoLock<T>(root: string, fn: () => T): T {
  const abs = path.resolve(root);
  assertNoEscapingLink(abs, LOCK_FILE);
  const created: string[] = [];
  const missing: string[] = [];
  for (let d = path.join(abs, '.platform'); !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
      created.push(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another command made it just now
    }
  }
  const file = path.join(abs, LOCK_FILE);
  const wait = Number(process.env.CPC_LOCK_WAIT_MS ?? 3000);
  const until = Date.now() + (Number.isFinite(wait) ? wait : 3000);
  const me: Holder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: path.basename(process.argv[1] ?? 'node') + ' ' + process.argv.slice(2).join(' ') };
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
      } catch {
        holder = undefined;
      }
      if (stale(holder, file)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() >= until) {
        const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.started}: ${holder.command}` : 'its lock file is being written';
        throw new ConflictError(`another command is working on this repository (${who}); nothing was written. Try again when it has finished, or delete ${LOCK_FILE} if no such command runs`, [LOCK_FILE]);
      }
      sleep(100);
    }
  }
  try {
    recoverInterrupted(abs);
    return fn();
  } finally {
    fs.rmSync(file, { force: true });
    for (const d of created.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty: the command wrote there
      }
    }
  }
}
