import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MergeResult {
  text: string;
  /** Number of conflicting hunks (0: clean). */
  conflicts: number;
}

/** A three-way merge of one file: base = what the tool generated last time, ours = the file now, theirs = the new render. */
export type Merge3 = (base: string, ours: string, theirs: string, label: string) => MergeResult;

/**
 * `git merge-file --diff3`: conflicts are written with markers and the base in between, so a person sees what was
 * generated before, what they have, and what the tool would write now. Needs only git on PATH, no repository.
 */
export const gitMergeFile: Merge3 = (base, ours, theirs, label) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-merge-'));
  try {
    const files = { ours: path.join(dir, 'ours'), base: path.join(dir, 'base'), theirs: path.join(dir, 'theirs') };
    fs.writeFileSync(files.ours, ours);
    fs.writeFileSync(files.base, base);
    fs.writeFileSync(files.theirs, theirs);
    const r = spawnSync(
      'git',
      [
        'merge-file',
        '-p',
        '--diff3',
        '-L',
        `${label} (yours)`,
        '-L',
        `${label} (generated last time)`,
        '-L',
        `${label} (generated now)`,
        files.ours,
        files.base,
        files.theirs,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.error) throw new Error(`git merge-file could not run (is git installed and on PATH?): ${r.error.message}`);
    if (r.status === null || r.status < 0 || r.status > 127)
      throw new Error(`git merge-file failed on ${label}: ${r.stderr.trim()}`);
    return { text: r.stdout, conflicts: r.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

/** How alike two texts are, line by line (Dice coefficient over line multisets), 0..1. */
export function similarity(a: string, b: string): number {
  const count = (t: string) => {
    const m = new Map<string, number>();
    for (const l of t.split('\n')) if (l.trim()) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const x = count(a);
  const y = count(b);
  let both = 0;
  let total = 0;
  for (const [l, n] of x) {
    both += Math.min(n, y.get(l) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return total === 0 ? 1 : (2 * both) / total;
}
