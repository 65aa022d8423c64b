import * as path from 'node:path';

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
  const abs = path.resolve(root, ...rel.split('/'));
  const rootAbs = path.resolve(root);
  if (abs !== rootAbs && !abs.startsWith(rootAbs + path.sep)) throw new Error(`path leaves the repository: ${rel}`);
  return abs;
}
