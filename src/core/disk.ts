import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConflictError, UsageError } from './errors';
import { isSafeRelativePath, resolveInside } from './paths';
import type { Change, Reader } from './plan';
import { EolPolicy, fileText, type Eol, type FileText } from './eol';

export const STAGING_DIR = '.platform/.staging';

/** Reads repo files, refusing symlinks that lead outside the repository. */
export class DiskReader implements Reader {
  private readonly links: LinkGuard;

  constructor(private readonly root: string) {
    this.links = new LinkGuard(root);
  }

  private eol?: EolPolicy;

  read(rel: string): string | undefined {
    return this.readText(rel)?.raw;
  }

  /** The file with its line endings normalised and whether it is UTF-8 (core/eol.ts). */
  readText(rel: string): FileText | undefined {
    const abs = resolveInside(this.root, rel);
    if (!this.links.check(rel)) return undefined;
    try {
      return fileText(fs.readFileSync(abs));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'EISDIR') {
        // The tool's own state must be a file; elsewhere a folder stands where the tool writes a file.
        if (rel.startsWith('.platform/')) throw new UsageError(`${rel} is a folder, not the file the tool keeps there; restore it from git (nothing was written)`);
        throw new ConflictError('a folder is in the way of a file the tool writes; move it aside, then run again (nothing was written)', [rel]);
      }
      throw e;
    }
  }

  /** The endings new files get, as git would check them out here; pending: a root .gitattributes the plan writes. */
  newFileEol(paths: string[], pending?: string): (p: string) => Eol {
    this.eol ??= new EolPolicy(this.root);
    this.eol.setPending(pending);
    this.eol.prepare(paths);
    const policy = this.eol;
    return (p) => policy.eolFor(p);
  }
}

/**
 * Refuses paths that go through a symbolic link. Folders already seen to be real folders are remembered, so
 * checking the ~1000 files of a platform costs one lstat per folder and file, not one per path segment.
 */
export class LinkGuard {
  private readonly realDirs = new Set<string>();
  /** Folders seen missing. A guard lives for one phase (plan or commit), in which nothing creates them. */
  private readonly missingDirs = new Set<string>();
  private readonly base: string;

  constructor(root: string) {
    this.base = path.resolve(root);
  }

  /**
   * Throw when any existing component of rel (or rel itself) is a symlink: we never write through links. Returns
   * whether rel exists (false as soon as a folder on the way is missing: nothing below it exists either).
   */
  check(rel: string): boolean {
    let cur = this.base;
    const segs = rel.split('/');
    for (let i = 0; i < segs.length; i++) {
      cur = path.join(cur, segs[i]);
      const last = i === segs.length - 1;
      if (!last && this.realDirs.has(cur)) continue;
      if (!last && this.missingDirs.has(cur)) return false;
      // No exception for a missing path: a fresh scaffold checks ~1000 of them.
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(cur, { throwIfNoEntry: false });
      } catch {
        st = undefined; // ENOTDIR: a file on the way, so nothing below exists
      }
      if (!st) {
        if (!last) this.missingDirs.add(cur);
        return false;
      }
      if (st.isSymbolicLink()) throw new UsageError(`refusing to follow the symbolic link ${path.relative(this.base, cur)} (it may lead outside the repository)`);
      if (!last && st.isDirectory()) this.realDirs.add(cur);
    }
    return true;
  }
}

/** Throw when any existing component of rel (or rel itself) is a symlink: we never write through links. */
export function assertNoEscapingLink(root: string, rel: string): void {
  new LinkGuard(root).check(rel);
}

const JOURNAL = 'journal.json';
const COMMITTED = 'committed.json';

interface JournalEntry {
  i: number;
  path: string;
  hadOriginal: boolean;
  deletes: boolean;
}

/**
 * Finish what an interrupted commit left under .platform/.staging/: a commit that passed its commit point is
 * completed (only its backups remain to delete); one that did not is rolled back file by file from its journal, so
 * every file is again as it was. Runs under the repository lock, so no other command is mid-commit.
 */
export function recoverInterrupted(root: string): { rolledBack: number; completed: number } {
  const base = path.join(root, STAGING_DIR);
  const out = { rolledBack: 0, completed: 0 };
  // The staging area is the tool's own state: never followed through a symbolic link (.platform -> elsewhere).
  const links = new LinkGuard(root);
  links.check(STAGING_DIR);
  let dirs: string[];
  try {
    dirs = fs.readdirSync(base);
  } catch {
    return out;
  }
  for (const d of dirs) {
    const staging = path.join(base, d);
    if (!fs.lstatSync(staging).isDirectory()) {
      throw new UsageError(`${STAGING_DIR}/${d} is not a folder the tool made (a file or a symbolic link); remove it, then run again`);
    }
    if (fs.existsSync(path.join(staging, COMMITTED))) out.completed++;
    else if (fs.existsSync(path.join(staging, JOURNAL))) {
      const entries = readJournal(root, `${STAGING_DIR}/${d}/${JOURNAL}`, links);
      for (const e of [...entries].reverse()) {
        const abs = resolveInside(root, e.path);
        const backup = path.join(staging, 'old', String(e.i));
        const staged = path.join(staging, 'new', String(e.i));
        if (fs.existsSync(backup)) {
          fs.rmSync(abs, { force: true });
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.renameSync(backup, abs);
        } else if (!e.hadOriginal && !e.deletes && !fs.existsSync(staged) && fs.existsSync(abs)) {
          fs.rmSync(abs, { force: true }); // created by the interrupted run
          removeEmptyParents(root, abs);
        }
      }
      out.rolledBack++;
    }
    fs.rmSync(staging, { recursive: true, force: true });
  }
  try {
    fs.rmdirSync(base);
  } catch {
    // not empty
  }
  return out;
}

/**
 * A journal of an interrupted commit, checked before any of it is acted on: each entry names a file the tool may
 * write (inside the repository, through no symbolic link) and a staged file by its number.
 */
function readJournal(root: string, rel: string, links: LinkGuard): JournalEntry[] {
  const broken = (why: string) => new UsageError(`${rel}: ${why}; it is not what an interrupted run leaves. Restore the files from git and remove ${path.posix.dirname(rel)}/, then run again`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));
  } catch {
    throw broken('not valid JSON');
  }
  const entries = (raw as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw broken('no "entries" list');
  for (const e of entries as Partial<JournalEntry>[]) {
    if (!e || typeof e !== 'object' || !Number.isSafeInteger(e.i) || (e.i as number) < 0 || typeof e.hadOriginal !== 'boolean' || typeof e.deletes !== 'boolean') throw broken('an entry of the wrong shape');
    const ownState = typeof e.path === 'string' && e.path.startsWith('.platform/') && e.path !== '.platform/manifest.json' && !e.path.startsWith('.platform/base/');
    if (typeof e.path !== 'string' || !isSafeRelativePath(e.path) || ownState) throw broken(`${JSON.stringify(e.path)} is not a path the tool writes`);
    links.check(e.path);
  }
  return entries as JournalEntry[];
}

interface Applied {
  change: Change;
  abs: string;
  backup?: string;
}

/**
 * Apply CREATE/UPDATE/DELETE changes all or nothing: every new content is staged next to the repo first,
 * then moved into place with rename(2); on any error every applied step is undone in reverse order.
 */
export function commitChanges(root: string, changes: Change[]): void {
  const todo = changes.filter((c) => c.action === 'CREATE' || c.action === 'UPDATE' || c.action === 'DELETE' || c.action === 'MERGE' || c.action === 'UNMERGED');
  if (todo.length === 0) return;
  // Validate every path before anything is written.
  const links = new LinkGuard(root);
  for (const c of todo) {
    resolveInside(root, c.path);
    links.check(c.path);
  }
  const rootExisted = fs.existsSync(root);
  const createdDirs: string[] = [];
  const knownDirs = new Set<string>();
  const mkdirp = (dir: string) => {
    const missing: string[] = [];
    let d = dir;
    while (!knownDirs.has(d) && !fs.existsSync(d)) {
      missing.push(d);
      d = path.dirname(d);
    }
    for (const m of missing.reverse()) {
      fs.mkdirSync(m);
      createdDirs.push(m);
      knownDirs.add(m);
    }
    knownDirs.add(dir);
  };
  if (!rootExisted) mkdirp(path.resolve(root));
  const staging = resolveInside(root, `${STAGING_DIR}/${process.pid}-${randomBytes(4).toString('hex')}`);
  const applied: Applied[] = [];
  try {
    mkdirp(path.join(staging, 'new'));
    // 1. Stage every new content.
    const staged = new Map<string, string>();
    todo.forEach((c, i) => {
      if (c.action === 'DELETE') return;
      const tmp = path.join(staging, 'new', String(i));
      // Scripts the tool generates (bootstrap/bootstrap.sh, .githooks/*) are executable; everything else is a plain file.
      fs.writeFileSync(tmp, c.after!, { encoding: 'utf8', mode: c.path.endsWith('.sh') || c.path.startsWith('.githooks/') ? 0o755 : 0o644 });
      staged.set(c.path, tmp);
    });
    // The journal says what step 2 is about to do, so a run killed half-way is undone by the next one.
    const journal: JournalEntry[] = todo.map((c, i) => ({ i, path: c.path, hadOriginal: fs.existsSync(resolveInside(root, c.path)), deletes: c.action === 'DELETE' }));
    fs.writeFileSync(path.join(staging, 'journal.tmp'), JSON.stringify({ pid: process.pid, entries: journal }));
    fs.renameSync(path.join(staging, 'journal.tmp'), path.join(staging, JOURNAL));
    // 2. Move into place, keeping what was there as a backup until the end.
    todo.forEach((c, i) => {
      const abs = resolveInside(root, c.path);
      const step: Applied = { change: c, abs };
      if (journal[i].hadOriginal) {
        step.backup = path.join(staging, 'old', String(i));
        mkdirp(path.dirname(step.backup));
        fs.renameSync(abs, step.backup);
      }
      applied.push(step);
      if (c.action !== 'DELETE') {
        mkdirp(path.dirname(abs));
        fs.renameSync(staged.get(c.path)!, abs);
      }
    });
  } catch (err) {
    for (const step of applied.reverse()) {
      try {
        if (step.change.action !== 'DELETE' && fs.existsSync(step.abs)) fs.unlinkSync(step.abs);
        if (step.backup) fs.renameSync(step.backup, step.abs);
      } catch {
        // keep undoing the rest
      }
    }
    fs.rmSync(staging, { recursive: true, force: true });
    for (const d of createdDirs.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty: something else lives there
      }
    }
    throw err;
  }
  // The commit point: from here on a killed run is completed, not undone.
  fs.renameSync(path.join(staging, JOURNAL), path.join(staging, COMMITTED));
  fs.rmSync(staging, { recursive: true, force: true });
  // Remove empty staging parents and folders left empty by deletions.
  for (const rel of [STAGING_DIR, '.platform']) {
    try {
      fs.rmdirSync(resolveInside(root, rel));
    } catch {
      // not empty or absent
    }
  }
  for (const c of todo.filter((t) => t.action === 'DELETE')) removeEmptyParents(root, resolveInside(root, c.path));
}

/** Remove the folders above a removed file that are now empty, up to (not including) the repository root. */
function removeEmptyParents(root: string, file: string): void {
  let d = path.dirname(file);
  while (d.startsWith(path.resolve(root) + path.sep)) {
    try {
      fs.rmdirSync(d);
    } catch {
      break; // not empty
    }
    d = path.dirname(d);
  }
}
