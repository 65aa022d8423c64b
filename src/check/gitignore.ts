// GitRepository spec.ignore as source-controller applies it: go-git's gitignore matcher
// (plumbing/format/gitignore), ported rule for rule, because it differs from git and from the npm `ignore` package
// where it matters here:
//   - a pattern is split on `/` and matched segment by segment with Go's filepath.Match, so `./kubernetes` is the
//     two segments `.` and `kubernetes` and never matches anything (git and `ignore` treat `./` differently);
//   - a pattern with a `/` anywhere (other than a trailing one) is anchored at the root; without one it matches a
//     name at any depth;
//   - the last matching pattern wins, and a pattern that matches a folder matches everything below it;
//   - leading blanks are part of the pattern (a line indented deeper than the others never matches);
//   - source-controller (internal/storage Archive) asks the matcher for every file on its own and does not skip
//     excluded folders, so a later `!` pattern does bring files below an excluded folder back (unlike git).

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
    if (line.startsWith('#') || !line.trim()) return;
    let p = line.endsWith('\\ ') ? line : line.replace(/ +$/, '');
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

/** Manifests a Flux Kustomization path would hold; used as probes when the files themselves are upstream. */
const PROBES = ['kustomization.yaml', 'flux-probe.yaml', 'flux-probe/flux-probe.yaml'];

/**
 * Whether the artifact can hold no manifest below a folder: every probe file below it is excluded. Returns the
 * pattern that excludes `<dir>/kustomization.yaml`.
 */
export function excludesFolder(patterns: IgnorePattern[], dir: string): { pattern: IgnorePattern } | undefined {
  const parts = dir.split('/').filter((s) => s && s !== '.');
  if (parts.length === 0) return undefined;
  const hits = PROBES.map((probe) => matchIgnore(patterns, [...parts, ...probe.split('/')], false));
  if (hits.some((h) => !h)) return undefined;
  return { pattern: hits[0]! };
}
