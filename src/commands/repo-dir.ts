import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';

/**
 * Check --dir before anything else: it must be a directory (or not exist yet, under a folder it can be created in)
 * and not a symlink to elsewhere.
 */
export function checkRepoDir(dir: string): string {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0'))
    throw new UsageError('--dir: not a usable path');
  const abs = path.resolve(dir);
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) throw new UsageError(`--dir ${dir}: is a symbolic link; pass the real directory`);
  if (st && !st.isDirectory()) throw new UsageError(`--dir ${dir}: exists and is not a directory`);
  if (!st) {
    // It is created when a command writes: the nearest path above it that exists must be a folder.
    for (let d = path.dirname(abs); d !== path.dirname(d); d = path.dirname(d)) {
      let above: fs.Stats;
      try {
        above = fs.statSync(d);
      } catch {
        continue; // missing too (or not reachable): look further up
      }
      if (!above.isDirectory())
        throw new UsageError(`--dir ${dir}: ${d} is not a directory, so no folder can be created under it`);
      break;
    }
  }
  return abs;
}
