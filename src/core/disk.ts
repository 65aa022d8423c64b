import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Eol, EolPolicy, type FileText, fileText } from './eol';
import { ConflictError, UsageError } from './errors';
import { sha256 } from './manifest';
import { isSafeRelativePath, resolveInside } from './paths';
import type { Change, Reader } from './plan';

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
        if (rel.startsWith('.platform/'))
          throw new UsageError(
            `${rel} is a folder, not the file the tool keeps there; restore it from git (nothing was written)`,
          );
        throw new ConflictError(
          'a folder is in the way of a file the tool writes; move it aside, then run again (nothing was written)',
          [rel],
        );
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
      if (st.isSymbolicLink())
        throw new UsageError(
          `refusing to follow the symbolic link ${path.relative(this.base, cur)} (it may lead outside the repository)`,
        );
      if (!last && st.isDirectory()) this.realDirs.add(cur);
    }
    return true;
  }

  /**
   * The first folder on the way to rel (relative, POSIX) that a check found missing: every folder from it down is made
   * by whoever writes rel. Undefined when all of rel's folders were there (or rel was not checked).
   */
  firstMissing(rel: string): string | undefined {
    const segs = rel.split('/');
    let cur = this.base;
    for (let i = 0; i < segs.length - 1; i++) {
      cur = path.join(cur, segs[i]);
      if (this.missingDirs.has(cur)) return segs.slice(0, i + 1).join('/');
      if (!this.realDirs.has(cur)) return undefined;
    }
    return undefined;
  }

  /** Whether a check found the folder abs (absolute) missing, or a folder above it. */
  wasMissing(abs: string): boolean {
    for (let d = abs; d.startsWith(this.base) && d !== this.base; d = path.dirname(d))
      if (this.missingDirs.has(d)) return true;
    return false;
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
  /** sha256 of the file before the commit (null: absent); missing in journals of older versions. */
  old?: string | null;
  /** sha256 of what the commit writes there (null: it deletes the file). */
  new?: string | null;
  /** Staged at tree/<path> (moved in with its new folder) instead of new/<i>. */
  t?: boolean;
}

/** Where a journal entry's new content waits in the staging folder until it is moved in. */
function stagedPath(staging: string, e: Pick<JournalEntry, 'i' | 'path' | 't'>): string {
  return e.t ? path.join(staging, 'tree', ...e.path.split('/')) : path.join(staging, 'new', String(e.i));
}

/**
 * sha256 of a repository file read the way the plan reads it (DiskReader), null when it does not exist. A fresh
 * reader each time: the commit creates folders, and a reader remembers folders it saw missing.
 */
function hashOnDisk(root: string, rel: string): string | null {
  const text = new DiskReader(root).read(rel);
  return text === undefined ? null : sha256(text);
}

/**
 * The mode of a file the tool creates: executable (0755) when its template declares it a script with an interpreter
 * line (#!), else 0644. A file that exists keeps the mode it has (chmod +x, read-only).
 */
export function declaredMode(content: string): number {
  return content.startsWith('#!') ? 0o755 : 0o644;
}

/**
 * Finish what an interrupted commit left under .platform/.staging/: a commit that passed its commit point is
 * completed (only its backups remain to delete); one that did not is rolled back file by file from its journal, so
 * every file is again as it was. A file edited since the interruption (neither what was there before nor what the
 * commit wrote) is never replaced or deleted: it is left as it is and named in `left` (and on stderr).
 * Runs under the repository lock, so no other command is mid-commit.
 */
export function recoverInterrupted(root: string): { rolledBack: number; completed: number; left: string[] } {
  const base = path.join(root, STAGING_DIR);
  const out = { rolledBack: 0, completed: 0, left: [] as string[] };
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
      throw new UsageError(
        `${STAGING_DIR}/${d} is not a folder the tool made (a file or a symbolic link); remove it, then run again`,
      );
    }
    if (fs.existsSync(path.join(staging, COMMITTED))) out.completed++;
    else if (fs.existsSync(path.join(staging, JOURNAL))) {
      const entries = readJournal(root, `${STAGING_DIR}/${d}/${JOURNAL}`, links);
      for (const e of [...entries].reverse()) {
        const abs = resolveInside(root, e.path);
        const backup = path.join(staging, 'old', String(e.i));
        const staged = stagedPath(staging, e);
        const checked = e.old !== undefined && e.new !== undefined;
        const now = checked ? hashOnDisk(root, e.path) : undefined;
        if (fs.existsSync(backup)) {
          // Moved aside by the run: put it back unless a person has written the file since (the run's version or
          // no file at all is what the run left).
          if (checked && now !== null && now !== e.new && now !== e.old) {
            out.left.push(e.path);
            continue;
          }
          fs.rmSync(abs, { force: true });
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.renameSync(backup, abs);
        } else if (!e.hadOriginal && !e.deletes && fs.existsSync(abs)) {
          // Created by the run only when it holds what the run wrote (older journals: when it was moved in).
          if (checked ? now !== e.new : fs.existsSync(staged)) {
            if (checked && !fs.existsSync(staged)) out.left.push(e.path); // created by the run, then edited
            continue;
          }
          fs.rmSync(abs, { force: true }); // created by the interrupted run
          removeEmptyParents(root, abs);
        } else if (!e.hadOriginal && !e.deletes) {
          removeEmptyParents(root, abs); // killed after making the file's folders, before moving it in
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
  if (out.left.length) {
    process.stderr.write(
      `warning: an interrupted run was rolled back, except ${out.left.length} ` +
        `file${out.left.length > 1 ? 's' : ''} edited since it stopped, left as edited (neither the version before that run nor the one it wrote):\n` +
        out.left.map((p) => `  - ${p}\n`).join(''),
    );
  }
  return out;
}

/**
 * A journal of an interrupted commit, checked before any of it is acted on: each entry names a file the tool may
 * write (inside the repository, through no symbolic link) and a staged file by its number.
 */
function readJournal(root: string, rel: string, links: LinkGuard): JournalEntry[] {
  const broken = (why: string) =>
    new UsageError(
      `${rel}: ${why}; it is not what an interrupted run leaves. Restore the files from git and remove ${path.posix.dirname(rel)}/, then run again`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));
  } catch {
    throw broken('not valid JSON');
  }
  const entries = (raw as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw broken('no "entries" list');
  const hash = (h: unknown) => h === undefined || h === null || (typeof h === 'string' && /^[0-9a-f]{64}$/.test(h));
  for (const e of entries as Partial<JournalEntry>[]) {
    if (
      !e ||
      typeof e !== 'object' ||
      !Number.isSafeInteger(e.i) ||
      (e.i as number) < 0 ||
      typeof e.hadOriginal !== 'boolean' ||
      typeof e.deletes !== 'boolean'
    )
      throw broken('an entry of the wrong shape');
    if (!hash(e.old) || !hash(e.new) || (e.t !== undefined && typeof e.t !== 'boolean'))
      throw broken('an entry of the wrong shape');
    const ownState =
      typeof e.path === 'string' &&
      e.path.startsWith('.platform/') &&
      e.path !== '.platform/manifest.json' &&
      !e.path.startsWith('.platform/base/');
    if (typeof e.path !== 'string' || !isSafeRelativePath(e.path) || ownState)
      throw broken(`${JSON.stringify(e.path)} is not a path the tool writes`);
    links.check(e.path);
  }
  return entries as JournalEntry[];
}

/**
 * The calls by which a commit changes the disk (it reads through node:fs directly). Production passes node:fs; a
 * test passes a wrapper that fails a chosen call, to see every step undone (or, past the commit point, completed).
 */
export type CommitFs = Pick<
  typeof fs,
  'mkdirSync' | 'writeFileSync' | 'chmodSync' | 'renameSync' | 'linkSync' | 'unlinkSync' | 'rmSync' | 'rmdirSync'
>;

/** The actions that write to the disk; the others (UNCHANGED, KEEP, CONFLICT) leave the file as it is. */
const WRITING: readonly Change['action'][] = ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'UNMERGED'];

interface Applied {
  change: Change;
  abs: string;
  backup?: string;
  /** sha256 of what was moved in (undefined for a deletion). */
  wrote?: string;
}

/** Files saved by someone else while a command ran: the commit left them as edited and wrote nothing. */
export class ChangedDuringRunError extends ConflictError {}

/**
 * Apply CREATE/UPDATE/DELETE changes all or nothing: every new content is staged next to the repo first,
 * then moved into place with rename(2); on any error every applied step is undone in reverse order.
 * Compare-and-swap: a file is replaced or deleted only while it still has the content the plan read
 * (Change.currentHash); when one was saved meanwhile, the whole commit is undone, that file stays as the person
 * saved it, and ChangedDuringRunError (exit 1) names it.
 * The steps, in order: stage, journal, swap, the commit point; any error before the commit point rolls back.
 */
export function commitChanges(root: string, changes: Change[], io: CommitFs = fs): void {
  const todo = changes.filter((c) => WRITING.includes(c.action));
  if (todo.length === 0) return;
  // Validate every path before anything is written.
  const links = new LinkGuard(root);
  for (const c of todo) {
    resolveInside(root, c.path);
    links.check(c.path);
  }
  const commit = new Commit(root, todo, io, links);
  try {
    commit.stage();
    commit.journal();
    commit.swap();
    commit.commitPoint();
  } catch (err) {
    commit.rollBack();
    throw err;
  }
  commit.cleanUp();
}

/** One commit's state across its steps: what it staged, the folders it made, the files it swapped in. */
class Commit {
  private readonly staging: string;
  /** Staged new content by repository path. */
  private readonly staged = new Map<string, string>();
  private readonly createdDirs: string[] = [];
  private readonly knownDirs = new Set<string>();
  private readonly applied: Applied[] = [];
  /** Files saved by someone else since the plan read them. */
  private readonly changed: string[] = [];
  /** sha256 of each new content by repository path: the journal records it, the swap checks against it. */
  private readonly newHash = new Map<string, string>();
  /** Whether the process's umask leaves a mode as it is (then a file created with it needs no chmod), by mode. */
  private readonly intactModes = new Map<number, boolean>();
  /** Created files staged inside their new folder (tree/<path>), by path -> that folder (see newFolderOf). */
  private readonly treeTop = new Map<string, string>();
  /** New folders by path: moved in whole (true), or found taken when their turn came (false: linked file by file). */
  private readonly moved = new Map<string, boolean>();
  /** Files moved in with their folder (already applied when their turn in the swap comes). */
  private readonly movedIn = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly todo: Change[],
    private readonly io: CommitFs,
    /** The guard that checked every path before the commit: it knows which folders were missing then. */
    private readonly links: LinkGuard,
  ) {
    this.staging = resolveInside(root, `${STAGING_DIR}/${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  /** Make dir and its missing parents, remembering each one made so that a roll back removes it again. */
  private mkdirp(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    // The first folder mkdir -p made (undefined: none, dir was there); it and those below it on the way to dir are new.
    let first: string | undefined;
    try {
      first = this.io.mkdirSync(dir, { recursive: true });
    } catch (e) {
      // Failed part of the way (no space, no permission): the folders on the way that exist now and did not when the
      // paths were checked, and the staging area's, are this commit's for the roll back to remove (only when empty).
      const made: string[] = [];
      for (let d = dir; !this.knownDirs.has(d) && path.dirname(d) !== d; d = path.dirname(d))
        if ((this.links.wasMissing(d) || d.startsWith(resolveInside(this.root, STAGING_DIR))) && fs.existsSync(d))
          made.push(d);
      this.createdDirs.push(...made.reverse());
      throw e;
    }
    if (first !== undefined) {
      const made: string[] = [];
      for (let d = dir; ; d = path.dirname(d)) {
        made.push(d);
        if (d === first || path.dirname(d) === d) break;
      }
      for (const m of made.reverse()) this.createdDirs.push(m);
    }
    for (let d = dir; !this.knownDirs.has(d); d = path.dirname(d)) {
      this.knownDirs.add(d);
      if (path.dirname(d) === d) break;
    }
  }

  /** 1. Stage every new content, with the mode the file has now (kept when replaced) or its template declares. */
  stage(): void {
    if (!fs.existsSync(this.root)) this.mkdirp(path.resolve(this.root));
    this.mkdirp(path.join(this.staging, 'new'));
    this.todo.forEach((c, i) => {
      if (c.action === 'DELETE') return;
      const top = c.action === 'CREATE' ? this.newFolderOf(c.path) : undefined;
      const tmp = stagedPath(this.staging, { i, path: c.path, t: top !== undefined });
      if (top !== undefined) {
        this.treeTop.set(c.path, top);
        this.mkdirp(path.dirname(tmp));
      }
      // A file the plan creates had no mode to keep (~1000 of them in a scaffold: one stat each saved).
      const st =
        c.action === 'CREATE' ? undefined : fs.statSync(resolveInside(this.root, c.path), { throwIfNoEntry: false });
      const mode = st?.isFile() ? st.mode & 0o7777 : c.internal ? 0o644 : declaredMode(c.after!);
      this.io.writeFileSync(tmp, c.after!, { encoding: 'utf8', mode });
      // The mode the file had (or its template declares), not narrowed by the umask. The umask is the process's and
      // does not change during a run: once a file was created with a mode intact, the others of that mode are too (a
      // scaffold makes ~1000 files of two modes: two stats instead of ~1000 chmods).
      let intact = this.intactModes.get(mode);
      if (intact === undefined) this.intactModes.set(mode, (intact = (fs.statSync(tmp).mode & 0o7777) === mode));
      if (!intact) this.io.chmodSync(tmp, mode);
      this.staged.set(c.path, tmp);
    });
  }

  /**
   * The folder a created file is moved in with: the first of its folders that was missing when the paths were checked
   * (a scaffold's kubernetes/, docs/, …: ~1000 files in ~15 renames instead of a link and an unlink each); the one
   * below it when that folder holds the staging area (.platform/ of a new repository); undefined when the file's own
   * folder was there.
   */
  private newFolderOf(rel: string): string | undefined {
    const segs = rel.split('/');
    let top = this.links.firstMissing(rel);
    while (top !== undefined && `${STAGING_DIR}/`.startsWith(`${top}/`)) {
      const depth = top.split('/').length + 1;
      top = depth < segs.length ? segs.slice(0, depth).join('/') : undefined;
    }
    return top;
  }

  /**
   * Move the new folder `top` in whole, once: rename(2) of its staged tree. False when something stands there now
   * (made since the paths were checked, or a rename refused because of it): its files are then linked in one by one,
   * which never replaces a file. Every file of the folder is applied at once, so a roll back removes them all.
   */
  private moveIn(top: string): boolean {
    const known = this.moved.get(top);
    if (known !== undefined) return known;
    const abs = resolveInside(this.root, top);
    let done = false;
    if (!fs.lstatSync(abs, { throwIfNoEntry: false })) {
      try {
        this.io.renameSync(path.join(this.staging, 'tree', ...top.split('/')), abs);
        done = true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'ENOTDIR') throw e;
      }
    }
    this.moved.set(top, done);
    if (!done) return false;
    // The folders it brought, top first (a roll back removes them in reverse), then its files as applied steps.
    const dirs = new Set<string>();
    const files = this.todo.filter((c) => this.treeTop.get(c.path) === top);
    for (const c of files)
      for (let d = path.posix.dirname(c.path); d === top || d.startsWith(`${top}/`); d = path.posix.dirname(d))
        dirs.add(d);
    for (const d of [...dirs].sort((a, b) => a.split('/').length - b.split('/').length)) {
      const dirAbs = resolveInside(this.root, d);
      this.createdDirs.push(dirAbs);
      this.knownDirs.add(dirAbs);
    }
    for (const c of files) {
      this.applied.push({ change: c, abs: resolveInside(this.root, c.path), wrote: this.hashOfNew(c) });
      this.movedIn.add(c.path);
    }
    return true;
  }

  /**
   * 2. The journal says what the swap is about to do, so a run killed half-way is undone by the next one; the hashes
   * let that undo tell the tool's versions of a file from a person's edit made after the kill.
   */
  journal(): void {
    const entries: JournalEntry[] = this.todo.map((c, i) => ({
      i,
      path: c.path,
      // A file the plan found absent: if one appeared since, link(2) refuses to replace it and the commit is undone.
      hadOriginal: c.currentHash === null ? false : fs.existsSync(resolveInside(this.root, c.path)),
      deletes: c.action === 'DELETE',
      old: c.currentHash === undefined ? hashOnDisk(this.root, c.path) : c.currentHash,
      new: c.action === 'DELETE' ? null : this.hashOfNew(c),
      ...(this.treeTop.has(c.path) ? { t: true } : {}),
    }));
    const tmp = path.join(this.staging, 'journal.tmp');
    this.io.writeFileSync(tmp, JSON.stringify({ pid: process.pid, entries }));
    this.io.renameSync(tmp, path.join(this.staging, JOURNAL));
  }

  private hashOfNew(c: Change): string {
    let h = this.newHash.get(c.path);
    if (h === undefined) this.newHash.set(c.path, (h = sha256(c.after!)));
    return h;
  }

  /**
   * 3. Move into place, keeping what was there as a backup until the end; throws when a file was saved meanwhile. A
   * new folder comes in whole with one rename (moveIn), every other file with a link of its staged copy.
   */
  swap(): void {
    this.todo.forEach((c, i) => {
      this.swapOne(c, i);
    });
    // A save made between the compare and the move (or through a file opened before it) lands in the backup.
    for (const step of this.applied) {
      const want = step.change.currentHash;
      if (!step.backup || want === undefined || this.changed.includes(step.change.path)) continue;
      if (hashOnDisk(this.root, path.relative(this.root, step.backup).split(path.sep).join('/')) !== want)
        this.changed.push(step.change.path);
    }
    if (this.changed.length) {
      const n = this.changed.length;
      throw new ChangedDuringRunError(
        `${n === 1 ? 'a file was' : `${n} files were`} saved while this command ran; left as edited, ` +
          'and nothing else was written either (every file is as it was): run the command again',
        this.changed.map((p) => `${p}: changed since the command read it; left as edited`),
      );
    }
  }

  private swapOne(c: Change, i: number): void {
    const abs = resolveInside(this.root, c.path);
    const want = c.currentHash;
    // Compare: still what the plan read? (undefined: the caller did not say; not checked.) A file the plan found absent
    // (~1000 in a scaffold) is not looked for: link(2) below fails on one created since, and deleting nothing is done.
    const absent = want === null && (c.action !== 'DELETE' || !fs.lstatSync(abs, { throwIfNoEntry: false }));
    if (want !== undefined && !absent && hashOnDisk(this.root, c.path) !== want) {
      this.changed.push(c.path);
      return;
    }
    if (this.changed.length) return; // the commit is undone anyway: only the rest are compared, to name them all
    if (this.movedIn.has(c.path)) return; // moved in with its folder (and applied then)
    const top = this.treeTop.get(c.path);
    if (top !== undefined && this.moveIn(top)) return;
    const step: Applied = { change: c, abs };
    this.applied.push(step);
    // Known absent when the compare above found nothing there (a created file: ~1000 in a scaffold).
    if (!absent && fs.existsSync(abs)) {
      step.backup = path.join(this.staging, 'old', String(i));
      this.mkdirp(path.dirname(step.backup));
      this.io.renameSync(abs, step.backup);
    }
    if (c.action === 'DELETE') return;
    this.mkdirp(path.dirname(abs));
    // Swap: link(2) never replaces a file a person created at that path since the move.
    try {
      this.io.linkSync(this.staged.get(c.path)!, abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      this.changed.push(c.path);
      return;
    }
    step.wrote = this.hashOfNew(c);
    this.io.unlinkSync(this.staged.get(c.path)!);
  }

  /** 4. The commit point: from here on a killed run is completed (by the next run), not undone. */
  commitPoint(): void {
    this.io.renameSync(path.join(this.staging, JOURNAL), path.join(this.staging, COMMITTED));
  }

  /** Undo every applied step in reverse order, then remove the staging area and the folders this commit made. */
  rollBack(): void {
    for (const step of this.applied.reverse()) {
      try {
        // Only the tool's own new file is removed; a file a person wrote there since stays.
        const mine = step.wrote !== undefined && hashOnDisk(this.root, step.change.path) === step.wrote;
        if (mine) this.io.unlinkSync(step.abs);
        if (step.backup && !fs.existsSync(step.abs)) this.io.renameSync(step.backup, step.abs);
      } catch {
        // keep undoing the rest
      }
    }
    this.io.rmSync(this.staging, { recursive: true, force: true });
    for (const d of this.createdDirs.reverse()) {
      try {
        this.io.rmdirSync(d);
      } catch {
        // not empty: something else lives there
      }
    }
  }

  /** 5. After the commit point: drop the backups, the empty staging parents and the folders deletions left empty. */
  cleanUp(): void {
    this.io.rmSync(this.staging, { recursive: true, force: true });
    for (const rel of [STAGING_DIR, '.platform']) {
      try {
        this.io.rmdirSync(resolveInside(this.root, rel));
      } catch {
        // not empty or absent
      }
    }
    for (const c of this.todo.filter((t) => t.action === 'DELETE'))
      removeEmptyParents(this.root, resolveInside(this.root, c.path), this.io);
  }
}

/** Remove the folders above a removed (or never written) file that are now empty, up to (not including) the repository root. */
function removeEmptyParents(root: string, file: string, io: Pick<CommitFs, 'rmdirSync'> = fs): void {
  let d = path.dirname(file);
  while (d.startsWith(path.resolve(root) + path.sep)) {
    try {
      io.rmdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') break; // not empty; a missing folder: look above it
    }
    d = path.dirname(d);
  }
}
