import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';

/** Check --dir before anything else: it must be a directory (or not exist yet) and not a symlink to elsewhere. */
export function checkRepoDir(dir: string): string {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) throw new UsageError('--dir: not a usable path');
  const abs = path.resolve(dir);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) throw new UsageError(`--dir ${dir}: is a symbolic link; pass the real directory`);
  if (st && !st.isDirectory()) throw new UsageError(`--dir ${dir}: exists and is not a directory`);
  return abs;
}
