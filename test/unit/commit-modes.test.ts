/**
 * The modes of the files a commit writes: a created file gets the mode its template declares (0755 for a script with
 * an interpreter line, else 0644) and a replaced file keeps the one it had, whatever the process's umask. The commit
 * calls chmod only for a mode the umask narrows (it looks once per mode): a scaffold of ~1000 files makes none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommitFs, commitChanges } from '../../src/core/disk';
import { sha256 } from '../../src/core/manifest';
import type { Change } from '../../src/core/plan';
import { tmpDir } from '../helpers/fs';

// Read by setting it (process.umask() without an argument is deprecated), then put back.
const umask = process.umask(0o022);
process.umask(umask);
afterEach(() => {
  process.umask(umask);
});

/** commitChanges through node:fs, counting its chmod calls. */
function commit(root: string, changes: Change[]): number {
  let chmods = 0;
  const io: CommitFs = {
    ...fs,
    chmodSync: (...args: Parameters<typeof fs.chmodSync>) => {
      chmods++;
      fs.chmodSync(...args);
    },
  };
  commitChanges(root, changes, io);
  return chmods;
}

const modeOf = (root: string, rel: string) => (fs.statSync(path.join(root, rel)).mode & 0o777).toString(8);

/** Three plain files and two scripts to create, and a private file (0600) to update. */
function scenario(): { root: string; changes: Change[] } {
  const root = tmpDir('cpc-commit-modes-');
  fs.writeFileSync(path.join(root, 'private.yaml'), 'a: 1\n', { mode: 0o600 });
  fs.chmodSync(path.join(root, 'private.yaml'), 0o600);
  const create = (p: string, after: string): Change => ({ path: p, action: 'CREATE', after, currentHash: null });
  return {
    root,
    changes: [
      create('a/one.yaml', 'one: 1\n'),
      create('a/two.yaml', 'two: 2\n'),
      create('b/three.yaml', 'three: 3\n'),
      create('bin/run.sh', '#!/bin/sh\necho run\n'),
      create('bin/other.sh', '#!/bin/sh\necho other\n'),
      { path: 'private.yaml', action: 'UPDATE', before: 'a: 1\n', after: 'a: 2\n', currentHash: sha256('a: 1\n') },
    ],
  };
}

describe('the modes of the files a commit writes', () => {
  it.each([
    ['022 (the usual one)', 0o022, 0],
    // 0644 and 0755 narrowed (to 0600 and 0700, or 0640 and 0750): one chmod per created file; 0600 stays as it is.
    ['077 (private)', 0o077, 5],
    ['027 (group read)', 0o027, 5],
  ])(
    'under umask %s: 0644, 0755 for the scripts, 0600 kept; chmod only where the umask narrowed a mode',
    (_n, mask, expected) => {
      process.umask(mask);
      const { root, changes } = scenario();
      const chmods = commit(root, changes);
      expect(['a/one.yaml', 'a/two.yaml', 'b/three.yaml'].map((p) => modeOf(root, p))).toEqual(['644', '644', '644']);
      expect(['bin/run.sh', 'bin/other.sh'].map((p) => modeOf(root, p))).toEqual(['755', '755']);
      expect(modeOf(root, 'private.yaml')).toBe('600');
      expect(fs.readFileSync(path.join(root, 'private.yaml'), 'utf8')).toBe('a: 2\n');
      expect(chmods).toBe(expected);
    },
  );
});
