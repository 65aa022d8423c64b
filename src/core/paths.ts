import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where a repository keeps its template overrides (files there shadow the built-in templates by path). */
export const OVERRIDES_DIR = '.platform/templates';

/**
 * A repo-relative path we are willing to write: POSIX separators, no absolute paths,
 * no `..` or `.` segments, no empty segments, no NUL or control characters.
 */
export function isSafeRelativePath(p: string): boolean {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) return false;
  if (p.startsWith('/') || p.includes('\\') || /^[A-Za-z]:/.test(p)) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Resolve a repo-relative path under root, refusing anything that would leave it. */
export function resolveInside(root: string, rel: string): string {
  if (!isSafeRelativePath(rel)) throw new Error(`unsafe path: ${JSON.stringify(rel)}`);
  // A safe path has no empty, `.` or `..` segment and no separator of its own: it names the place below root as
  // written (a commit resolves each of ~1000 paths several times: path.resolve was a twentieth of a scaffold).
  const base = absoluteRoot(root);
  return (base.endsWith(path.sep) ? base : base + path.sep) + (path.sep === '/' ? rel : rel.split('/').join(path.sep));
}

let lastRoot: { root: string; cwd: string | undefined; abs: string } | undefined;

/** path.resolve(root), remembered for the last root (and working folder, when root is relative). */
function absoluteRoot(root: string): string {
  const cwd = path.isAbsolute(root) ? undefined : process.cwd();
  if (lastRoot?.root !== root || lastRoot.cwd !== cwd) lastRoot = { root, cwd, abs: path.resolve(root) };
  return lastRoot.abs;
}

/**
 * Everything below dir, as sorted '/'-separated relative paths: `files` (every entry that is not a folder,
 * symbolic links included) and `links` (the symbolic links among them). Empty when dir does not exist.
 */
export function walkTree(dir: string): { files: string[]; links: string[] } {
  const files: string[] = [];
  const links: string[] = [];
  const walk = (d: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else {
        files.push(r);
        if (e.isSymbolicLink()) links.push(r);
      }
    }
  };
  walk(dir, '');
  return { files: files.sort(), links: links.sort() };
}
