// GitRepository spec.ignore as source-controller applies it: go-git's gitignore matcher
// (plumbing/format/gitignore), ported rule for rule, because it differs from git and from the npm `ignore` package
// where it matters here:
//   - a pattern is split on `/` and matched segment by segment with Go's filepath.Match, so `./kubernetes` is the
//     two segments `.` and `kubernetes` and never matches anything (git and `ignore` treat `./` differently);
//   - a pattern with a `/` anywhere (other than a trailing one) is anchored at the root; without one it matches a
//     name at any depth;
//   - the last matching pattern wins, and a pattern that matches a folder matches everything below it;
//   - source-controller walks the tree and skips an excluded folder whole, so a later `!` pattern cannot bring back
//     anything below an excluded folder.

export interface IgnorePattern {
  /** The line as written (trimmed). */
  text: string;
  /** Index of the line in spec.ignore (0-based, blank and comment lines counted). */
  index: number;
  inclusion: boolean;
  dirOnly: boolean;
  isGlob: boolean;
  segments: string[];
}

export function parseIgnore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  text.split('\n').forEach((line, index) => {
    let p = line.endsWith('\\ ') ? line : line.replace(/\s+$/, '');
    p = p.replace(/^\s+/, '');
    if (!p || p.startsWith('#')) return;
    const text_ = p;
    let inclusion = false;
    if (p.startsWith('!')) {
      inclusion = true;
      p = p.slice(1);
    }
    let dirOnly = false;
    if (p.endsWith('/')) {
      dirOnly = true;
      p = p.slice(0, -1);
    }
    out.push({ text: text_, index, inclusion, dirOnly, isGlob: p.includes('/'), segments: p.split('/') });
  });
  return out;
}

/** Go's filepath.Match on one path segment (no separators in name). */
export function goMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false; // ErrBadPattern: go-git treats it as no match
      let body = pattern.slice(i + 1, end);
      const neg = body.startsWith('^');
      if (neg) body = body.slice(1);
      re += `[${neg ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return false;
  }
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function simpleNameMatch(p: IgnorePattern, path: string[], isDir: boolean): boolean {
  for (let i = 0; i < path.length; i++) {
    if (!goMatch(p.segments[0], path[i])) continue;
    if (p.dirOnly && !isDir && i === path.length - 1) return false;
    return true;
  }
  return false;
}

function globMatch(p: IgnorePattern, pathIn: string[], isDir: boolean): boolean {
  let path = pathIn;
  let matched = false;
  let canTraverse = false;
  for (let i = 0; i < p.segments.length; i++) {
    const seg = p.segments[i];
    if (seg === '') {
      canTraverse = false;
      continue;
    }
    if (seg === '**') {
      if (i === p.segments.length - 1) break;
      canTraverse = true;
      continue;
    }
    if (seg.includes('**')) return false;
    if (path.length === 0) return false;
    if (canTraverse) {
      canTraverse = false;
      while (path.length > 0) {
        const e = path[0];
        path = path.slice(1);
        if (goMatch(seg, e)) {
          matched = true;
          break;
        } else if (path.length === 0) matched = false;
      }
    } else {
      if (!goMatch(seg, path[0])) return false;
      matched = true;
      path = path.slice(1);
    }
  }
  if (matched && p.dirOnly && !isDir && path.length === 0) matched = false;
  return matched;
}

/** go-git Matcher.Match: the last pattern that matches decides; no pattern, not excluded. */
export function matchIgnore(patterns: IgnorePattern[], path: string[], isDir: boolean): IgnorePattern | undefined {
  for (let i = patterns.length - 1; i >= 0; i--) {
    const p = patterns[i];
    if (path.length === 0) continue;
    const hit = p.isGlob ? globMatch(p, path, isDir) : simpleNameMatch(p, path, isDir);
    if (hit) return p.inclusion ? undefined : p;
  }
  return undefined;
}

/**
 * Whether a folder is missing from the artifact: it, or a folder above it, is excluded (source-controller does not
 * descend into an excluded folder). Returns the excluded folder and the pattern that excludes it.
 */
export function excludedBy(patterns: IgnorePattern[], dir: string): { dir: string; pattern: IgnorePattern } | undefined {
  const parts = dir.split('/').filter((s) => s && s !== '.');
  for (let n = 1; n <= parts.length; n++) {
    const p = matchIgnore(patterns, parts.slice(0, n), true);
    if (p) return { dir: parts.slice(0, n).join('/'), pattern: p };
  }
  return undefined;
}
