import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertNoEscapingLink, recoverInterrupted, STAGING_DIR } from './disk';
import { ConflictError, isErrno, systemError } from './errors';

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

/** The lock file's format; a lock in another format (or none) is described, never guessed at. */
export const LOCK_FORMAT = 1;

interface Holder {
  format: number;
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** How long an empty or unreadable lock file may stand before it counts as left by a writer that died. */
const HALF_WRITTEN_MS = 5_000;

/** What stands at the lock path, read without waiting: the tool's lock, or something to describe plainly. */
type Found =
  | { kind: 'gone' }
  | { kind: 'holder'; holder: Holder; ageMs: number }
  | { kind: 'empty' | 'unknown'; ageMs: number }
  | { kind: 'folder' | 'other'; ageMs: number };

function inspect(file: string): Found {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return { kind: 'gone' };
  const ageMs = Math.max(0, Date.now() - st.mtimeMs);
  if (st.isDirectory()) return { kind: 'folder', ageMs };
  if (!st.isFile()) return { kind: 'other', ageMs };
  if (st.size === 0) return { kind: 'empty', ageMs };
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { kind: 'unknown', ageMs };
  }
  const h = v as Partial<Holder> | null;
  // Any format that names a live pid, a host and a start time is honoured (a newer tool's lock included);
  // the format of version 0 had no `format` field but the same fields.
  if (
    h &&
    typeof h === 'object' &&
    Number.isInteger(h.pid) &&
    typeof h.host === 'string' &&
    h.host &&
    typeof h.started === 'string' &&
    Number.isFinite(Date.parse(h.started))
  ) {
    return {
      kind: 'holder',
      holder: {
        format: typeof h.format === 'number' ? h.format : 0,
        pid: h.pid!,
        host: h.host,
        started: h.started,
        command: typeof h.command === 'string' ? h.command : '(unknown command)',
      },
      ageMs,
    };
  }
  return { kind: 'unknown', ageMs };
}

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** May the lock be taken over? Empty or unreadable ones after HALF_WRITTEN_MS; the tool's own when its holder is gone. */
function stale(f: Found): boolean {
  if (f.kind === 'gone') return true;
  if (f.kind === 'empty' || f.kind === 'unknown') return f.ageMs > HALF_WRITTEN_MS; // its writer died (a full disk, a kill) between create and write
  if (f.kind !== 'holder') return false; // a folder or a device is nobody's lock: a person removes it
  if (Date.now() - Date.parse(f.holder.started) > STALE_MS) return true;
  return f.holder.host === os.hostname() && !alive(f.holder.pid);
}

/** The lock as a person reads it: what it is, how old, and how to remove it. */
export function describeLock(root: string): string | undefined {
  const f = inspect(path.join(path.resolve(root), LOCK_FILE));
  return f.kind === 'gone' ? undefined : describe(f);
}

function describe(f: Exclude<Found, { kind: 'gone' }>): string {
  const rm = (how: string) =>
    `${how} if no create-platform-cluster, add-story or platform-kit command runs on this repository`;
  switch (f.kind) {
    case 'holder': {
      const h = f.holder;
      const where =
        h.host === os.hostname()
          ? `pid ${h.pid} on this host (${h.host})`
          : `pid ${h.pid} on another host, ${h.host} (this host cannot see whether it still runs; it expires ` +
            `${Math.round(STALE_MS / 60_000)} min after its start)`;
      return (
        `another command is working on this repository (${where}, started ${h.started}, ` +
        `${age(Date.now() - Date.parse(h.started))} ago: ${h.command}; lock format ${h.format}); ${rm(`delete ${LOCK_FILE}`)}`
      );
    }
    case 'empty':
    case 'unknown':
      return (
        `another command is working on this repository (its lock file is being written): ${LOCK_FILE} is ` +
        `${f.kind === 'empty' ? 'empty (0 bytes)' : 'not in a lock format this tool reads'}, last changed ` +
        `${age(f.ageMs)} ago; once it is ${HALF_WRITTEN_MS / 1000} s old it counts as left by a command that died and ` +
        `is taken over; ${rm(`delete ${LOCK_FILE}`)}`
      );
    case 'folder':
      return (
        `${LOCK_FILE} is a folder, not the tool's lock file (last changed ${age(f.ageMs)} ago); nothing ` +
        `was written; ${rm(`remove it (rm -r ${LOCK_FILE})`)}`
      );
    case 'other':
      return (
        `${LOCK_FILE} is not a regular file (a device, socket or pipe; last changed ${age(f.ageMs)} ` +
        `ago); nothing was written; ${rm(`remove it (rm ${LOCK_FILE})`)}`
      );
  }
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
  const me: Holder = {
    format: LOCK_FORMAT,
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: path.basename(process.argv[1] ?? 'node') + ' ' + process.argv.slice(2).join(' '),
  };
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (fd !== undefined) {
        // Created but not written (a full disk): remove it, so the next run is not blocked by an empty lock.
        try {
          fs.closeSync(fd);
        } catch {
          // already closed
        }
        fs.rmSync(file, { force: true });
      }
      if (code !== 'EEXIST' || fd !== undefined) {
        for (const d of [...created].reverse()) {
          try {
            fs.rmdirSync(d);
          } catch {
            // not empty
          }
        }
        if (isErrno(e)) {
          e.path ??= file; // a failed write names no file of its own
          throw systemError(e, `nothing was written (the lock ${LOCK_FILE} could not be created)`);
        }
        throw e;
      }
      const found = inspect(file);
      if (found.kind === 'folder' || found.kind === 'other') throw new ConflictError(describe(found), [LOCK_FILE]);
      if (stale(found)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (Date.now() >= until) {
        throw new ConflictError(
          `${describe(found as Exclude<Found, { kind: 'gone' }>)}; nothing was written. Try again when it has finished`,
          [LOCK_FILE],
        );
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

/**
 * Run a command that only reads (regenerate --check / --dry-run, check, stories, plan, graph): no lock is taken,
 * so it works on a read-only checkout and beside a running command. A commit that an earlier run left half-done
 * is not recovered here (that writes); the command stops and says which command finishes it.
 */
export function withoutLock<T>(root: string, fn: () => T): T {
  const abs = path.resolve(root);
  const staging = path.join(abs, STAGING_DIR);
  let pending: string[] = [];
  try {
    pending = fs.readdirSync(staging);
  } catch {
    pending = [];
  }
  if (pending.length) {
    throw new ConflictError(
      `an interrupted commit is pending in ${STAGING_DIR} (a command was stopped while writing), so the files ` +
        `may be half-written; run a writing command (platform-kit regenerate) to finish or undo it, then run this again; nothing was written`,
      [STAGING_DIR],
    );
  }
  return fn();
}
