import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';

function git(root: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  if (r.error) throw new UsageError(`--git: git could not run (${r.error.message})`);
  return { status: r.status ?? 1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

/**
 * Paths under root (relative to it, with /) that have uncommitted changes in git: modified, staged, deleted or
 * untracked. Undefined when root is not inside a git work tree or git is not installed; it never throws.
 */
export function uncommittedPaths(root: string): string[] | undefined {
  let d = path.resolve(root);
  // Cheap test first: no .git in root or above means no work tree, and no git process is started.
  for (;;) {
    if (fs.existsSync(path.join(d, '.git'))) break;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
  if (!fs.existsSync(root)) return undefined;
  const top = spawnSync('git', ['-C', root, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
  if (top.error || top.status !== 0) return undefined;
  const r = spawnSync(
    'git',
    ['-C', root, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', '.'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error || r.status !== 0) return undefined;
  const topDir = top.stdout.trim();
  const real = fs.realpathSync(root);
  return r.stdout
    .split('\0')
    .filter((e) => e.length > 3)
    .map((e) =>
      path
        .relative(real, path.join(topDir, e.slice(3)))
        .split(path.sep)
        .join('/'),
    )
    .filter((p) => p && !p.startsWith('..'))
    .sort();
}

/** The branch a story is delivered on. */
export const storyBranch = (id: string) => `story/${id.toLowerCase()}`;

/** Before writing: the repository is a git work tree; switch to (or create) the story's branch. */
export function enterStoryBranch(root: string, id: string): string {
  const top = git(root, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0)
    throw new UsageError(`--git: ${root} is not inside a git repository (git init it first); nothing was written`);
  const branch = storyBranch(id);
  const current = git(root, ['rev-parse', '--abbrev-ref', 'HEAD']).stdout;
  if (current === branch) return branch;
  const exists = git(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).status === 0;
  const r = git(root, exists ? ['switch', branch] : ['switch', '-c', branch]);
  if (r.status !== 0) throw new UsageError(`--git: cannot switch to ${branch}: ${r.stderr}; nothing was written`);
  return branch;
}

/** After writing: commit exactly the files the story wrote (other staged work stays staged, uncommitted). */
export function commitStory(root: string, message: string, paths: string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const add = git(root, ['add', '-A', '--', ...paths]);
  if (add.status !== 0) throw new Error(`git add failed: ${add.stderr}`);
  const c = git(root, ['commit', '--no-verify', '-q', '-m', message, '--', ...paths]);
  if (c.status !== 0) throw new Error(`git commit failed: ${c.stderr || c.stdout}`);
  return git(root, ['rev-parse', '--short', 'HEAD']).stdout;
}

/**
 * Refuse (exit 2, nothing written) when any of these paths has uncommitted changes: the story's commit would
 * otherwise carry a person's unrelated edits of them.
 */
export function refuseUncommitted(root: string, paths: string[], when: string): void {
  const dirty = new Set(uncommittedPaths(root) ?? []);
  const hit = paths.filter((p) => dirty.has(p));
  if (hit.length) {
    throw new UsageError(
      `--git: ${hit.length === 1 ? 'a file' : 'files'} the story writes ${hit.length === 1 ? 'has' : 'have'} ` +
        `uncommitted changes (${when}); the story's commit would carry them. Commit or stash them first; nothing was written`,
      hit,
    );
  }
}

/** The bytes of each path now (undefined: absent), to put back if the commit fails. */
export function snapshot(root: string, paths: string[]): Map<string, Buffer | undefined> {
  const out = new Map<string, Buffer | undefined>();
  for (const p of paths) {
    const abs = path.join(root, p);
    out.set(p, fs.existsSync(abs) ? fs.readFileSync(abs) : undefined);
  }
  return out;
}

/** Put every path back as snapshot() saw it, unstage them, and remove folders the writes left empty. */
export function restore(root: string, before: Map<string, Buffer | undefined>): void {
  const paths = [...before.keys()];
  git(root, ['reset', '-q', '--', ...paths]);
  for (const [p, bytes] of before) {
    const abs = path.join(root, p);
    if (bytes) {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, bytes);
      continue;
    }
    fs.rmSync(abs, { force: true });
    for (let d = path.dirname(abs); d.startsWith(path.resolve(root) + path.sep); d = path.dirname(d)) {
      try {
        fs.rmdirSync(d);
      } catch {
        break; // not empty
      }
    }
  }
}
