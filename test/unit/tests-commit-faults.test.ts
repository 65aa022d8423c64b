/**
 * The commit's crash safety, in process: the file-system seam of commitChanges (CommitFs) fails one chosen call, or
 * every call from one on (the process "dies" there and its own roll back cannot run). Every call of a commit is
 * tried in turn, so each step (stage, journal, swap, commit point, clean-up) is covered, deterministically.
 * Before the commit point the repository must end as it was; after it, as the commit wrote it (once the next run's
 * recovery has finished it). The real kill of a spawned process stays in the e2e test reliability.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ChangedDuringRunError,
  type CommitFs,
  commitChanges,
  recoverInterrupted,
  STAGING_DIR,
} from '../../src/core/disk';
import { sha256 } from '../../src/core/manifest';
import type { Change } from '../../src/core/plan';
import { tmpDir } from '../helpers/fs';

const MUTATING = [
  'mkdirSync',
  'writeFileSync',
  'chmodSync',
  'renameSync',
  'linkSync',
  'unlinkSync',
  'rmSync',
  'rmdirSync',
] as const;
type Call = (typeof MUTATING)[number];

/** A repository with the kinds of file a commit touches: tool state, a file to update, one to delete, one to keep. */
const BEFORE: Record<string, string> = {
  '.platform/manifest.json': '{"files":{}}\n',
  'clusters/infra/a.yaml': 'a: 1\n',
  'gone/only.yaml': 'deleted: true\n',
  'keep.txt': "a person's file\n",
};

/** Updates, creates in new folders (one a script: mode 0755), a delete that empties its folder. */
function changes(): Change[] {
  const was = (p: string) => sha256(BEFORE[p]);
  return [
    {
      path: '.platform/manifest.json',
      action: 'UPDATE',
      before: BEFORE['.platform/manifest.json'],
      after: '{"files":{"a":1}}\n',
      internal: true,
      currentHash: was('.platform/manifest.json'),
    },
    {
      path: 'clusters/infra/a.yaml',
      action: 'UPDATE',
      before: BEFORE['clusters/infra/a.yaml'],
      after: 'a: 2\n',
      currentHash: was('clusters/infra/a.yaml'),
    },
    { path: 'clusters/apps/deep/b.yaml', action: 'CREATE', after: 'b: 1\n', currentHash: null },
    { path: 'scripts/run.sh', action: 'CREATE', after: '#!/bin/sh\necho hi\n', currentHash: null },
    { path: 'gone/only.yaml', action: 'DELETE', before: BEFORE['gone/only.yaml'], currentHash: was('gone/only.yaml') },
    { path: 'keep.txt', action: 'UNCHANGED', before: BEFORE['keep.txt'], after: BEFORE['keep.txt'] },
  ];
}

function repo(): string {
  const root = tmpDir('cpc-commit-faults-');
  for (const [rel, text] of Object.entries(BEFORE)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** Every file (content and mode) and every folder under root; folders only when `dirs`. */
function state(root: string, dirs = true): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      const rel = path.relative(root, abs);
      if (e.isDirectory()) {
        if (dirs) out[`${rel}/`] = 'dir';
        walk(abs);
      } else out[rel] = `${(fs.statSync(abs).mode & 0o777).toString(8)} ${fs.readFileSync(abs, 'utf8')}`;
    }
  };
  walk(root);
  return out;
}

/** A fault the seam injects: an I/O error, as the disk would report it. */
class Injected extends Error {
  readonly code = 'EIO';
}

/**
 * node:fs with every mutating call recorded; call number `at` throws, and with `dies` every call after it throws too
 * (a process killed there runs nothing more, its roll back included).
 */
function seam(
  at = -1,
  dies = false,
  before?: (name: Call, args: unknown[]) => void,
): { io: CommitFs; calls: { name: Call; args: unknown[] }[] } {
  const calls: { name: Call; args: unknown[] }[] = [];
  const io = {} as Record<Call, (...args: unknown[]) => unknown>;
  for (const name of MUTATING) {
    io[name] = (...args: unknown[]) => {
      before?.(name, args);
      const n = calls.push({ name, args }) - 1;
      if (n === at || (dies && at >= 0 && n > at)) throw new Injected(`injected fault at call ${n} (${name})`);
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the wrapper forwards each mutating call by its name.
      return (fs[name] as (...a: unknown[]) => unknown)(...args);
    };
  }
  return { io: io as unknown as CommitFs, calls };
}

/**
 * commitChanges under a umask that narrows 0644 and 0755 (put back after): the commit then chmods each file it stages,
 * so a fault at that call is among those tried (under the usual 022 it makes no chmod call at all).
 */
function commitNarrowed(root: string, io: CommitFs): void {
  const umask = process.umask(0o077);
  try {
    commitChanges(root, changes(), io);
  } finally {
    process.umask(umask);
  }
}

/** The calls of a commit that succeeds, and the number of the one that is its commit point (journal -> committed). */
function dryRun(): { calls: { name: Call; args: unknown[] }[]; commitPoint: number; after: Record<string, string> } {
  const root = repo();
  const { io, calls } = seam();
  commitNarrowed(root, io);
  const commitPoint = calls.findIndex(
    (c) => c.name === 'renameSync' && String(c.args[1]).endsWith(`${path.sep}committed.json`),
  );
  return { calls, commitPoint, after: state(root) };
}

describe('commitChanges through a file-system seam: a fault at every call', () => {
  const { calls, commitPoint, after } = dryRun();
  const before = state(repo());

  it('the dry run covers every step: staging, journal, swap, commit point and clean-up each make calls', () => {
    expect(commitPoint).toBeGreaterThan(0);
    const names = new Set(calls.map((c) => c.name));
    for (const name of MUTATING) expect(names, name).toContain(name);
    // the journal is written before the first file is moved into place, the commit point after the last
    const journal = calls.findIndex(
      (c) => c.name === 'renameSync' && String(c.args[1]).endsWith(`${path.sep}journal.json`),
    );
    const firstLink = calls.findIndex((c) => c.name === 'linkSync');
    const lastLink = calls.map((c) => c.name).lastIndexOf('linkSync');
    expect(journal).toBeGreaterThan(0);
    expect(journal).toBeLessThan(firstLink);
    expect(lastLink).toBeLessThan(commitPoint);
    // and the commit did what it should: a script created executable, the delete's empty folder gone, no staging left
    expect(after['scripts/run.sh']).toMatch(/^755 /);
    expect(after['clusters/infra/a.yaml']).toBe('644 a: 2\n');
    expect(after['gone/']).toBeUndefined();
    expect(Object.keys(after).filter((k) => k.startsWith(STAGING_DIR))).toEqual([]);
    expect(after).not.toEqual(before);
  });

  it('moves each new folder in whole: one rename for clusters/apps/ and one for scripts/, no link of the files in them', () => {
    const moved = calls.filter(
      (c) => c.name === 'renameSync' && String(c.args[0]).includes(`${path.sep}tree${path.sep}`),
    );
    expect(moved.map((c) => path.relative(path.dirname(String(c.args[0])), String(c.args[0])))).toEqual([
      'apps',
      'scripts',
    ]);
    const linked = calls.filter((c) => c.name === 'linkSync').map((c) => String(c.args[1]));
    expect(linked.some((p) => p.endsWith('b.yaml') || p.endsWith('run.sh'))).toBe(false);
    expect(linked.some((p) => p.endsWith(path.join('infra', 'a.yaml')))).toBe(true); // a file replaced is linked
  });

  it('one failing call before the commit point: the error is thrown and every file and folder is as it was', () => {
    for (let n = 0; n <= commitPoint; n++) {
      const root = repo();
      let thrown: unknown;
      try {
        commitNarrowed(root, seam(n).io);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `call ${n} (${calls[n].name})`).toBeInstanceOf(Injected);
      expect(state(root), `call ${n} (${calls[n].name})`).toEqual(before);
    }
  });

  it('a mkdir -p that fails part of the way (the first folder made, then no space): every file and folder is as it was', () => {
    // The seam's faults fail a call before it does anything; a real recursive mkdir can fail after making some folders.
    let partial = 0;
    for (const nth of [0, 1, 2, 3]) {
      const root = repo();
      let seen = 0;
      const { io } = seam();
      const mkdir = io.mkdirSync;
      io.mkdirSync = ((p: fs.PathLike, opts?: fs.MakeDirectoryOptions) => {
        if (opts?.recursive && seen++ === nth) {
          // make the first missing folder on the way, then fail as a full disk does
          let d = String(p);
          while (!fs.existsSync(path.dirname(d))) d = path.dirname(d);
          if (d !== String(p)) {
            fs.mkdirSync(d);
            partial++;
          }
          throw Object.assign(new Error('ENOSPC: no space left on device, mkdir'), { code: 'ENOSPC' });
        }
        return mkdir(p, opts);
      }) as CommitFs['mkdirSync'];
      expect(() => commitNarrowed(root, io), `mkdir -p number ${nth}`).toThrow(/ENOSPC/);
      expect(state(root), `mkdir -p number ${nth}`).toEqual(before);
    }
    expect(partial).toBeGreaterThan(0); // the case made a folder before failing at least once
  });

  it('one failing call after the commit point: the files are as the commit wrote them; the next run clears the rest', () => {
    expect(commitPoint).toBeLessThan(calls.length - 1);
    for (let n = commitPoint + 1; n < calls.length; n++) {
      const root = repo();
      // A failing clean-up call is thrown, or ignored when it only removes a folder that may be in use (rmdir).
      try {
        commitNarrowed(root, seam(n).io);
        expect(calls[n].name, `call ${n}`).toBe('rmdirSync');
      } catch (e) {
        expect(e, `call ${n} (${calls[n].name})`).toBeInstanceOf(Injected);
      }
      expect(state(root, false), `call ${n}`).toMatchObject(state2files(after));
      recoverInterrupted(root);
      expect(state(root, false), `call ${n} (${calls[n].name})`).toEqual(state2files(after));
      expect(fs.existsSync(path.join(root, STAGING_DIR)), `call ${n}`).toBe(false);
    }
  });

  it("killed at any call (nothing runs after it, not even the roll back): the next run's recovery ends as before or as after", () => {
    for (let n = 0; n < calls.length; n++) {
      const root = repo();
      try {
        commitNarrowed(root, seam(n, true).io);
      } catch (e) {
        expect(e, `call ${n}`).toBeInstanceOf(Injected); // (a kill in the folder clean-up returns: rmdir failures are ignored)
      }
      recoverInterrupted(root);
      const what = `killed at call ${n} (${calls[n].name})`;
      if (n <= commitPoint) expect(state(root), what).toEqual(before);
      else expect(state(root, false), what).toEqual(state2files(after));
      expect(fs.existsSync(path.join(root, STAGING_DIR)), what).toBe(false);
    }
  });

  it('the seam is the only way the commit writes: a seam that refuses every call leaves the repository untouched', () => {
    const root = repo();
    expect(() => commitNarrowed(root, seam(0, true).io)).toThrow(Injected);
    expect(state(root)).toEqual(before);
  });
});

/** The files of a state, without its folders. */
function state2files(s: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !k.endsWith('/')));
}

describe('commitChanges through the seam: a person saves a file in the middle of the commit', () => {
  const A = 'clusters/infra/a.yaml';
  const mine = 'a: 1 # saved by a person while the command ran\n';
  /** Run the commit with a save of A made just before the first call `when` picks; the error it ends with. */
  const racing = (when: (name: Call, args: unknown[]) => boolean) => {
    const root = repo();
    let saved = false;
    const save = (name: Call, args: unknown[]) => {
      if (saved || !when(name, args)) return;
      saved = true;
      fs.writeFileSync(path.join(root, A), mine);
    };
    let thrown: unknown;
    try {
      commitChanges(root, changes(), seam(-1, false, save).io);
    } catch (e) {
      thrown = e;
    }
    expect(saved, 'the save happened').toBe(true);
    return { root, thrown };
  };
  const expected = () => ({ ...state(repo()), [A]: `644 ${mine}` });

  it('saved after staging, before the swap: the commit is refused (exit 1), the save kept, every other file as it was', () => {
    const { root, thrown } = racing((name) => name === 'linkSync');
    expect(thrown).toBeInstanceOf(ChangedDuringRunError);
    expect((thrown as ChangedDuringRunError).paths).toEqual([
      `${A}: changed since the command read it; left as edited`,
    ]);
    expect(state(root)).toEqual(expected());
  });

  it('saved between the compare and the move aside (the save lands in the backup): refused, and the save put back', () => {
    const target = (args: unknown[]) => String(args[0]).endsWith(path.join('clusters', 'infra', 'a.yaml'));
    const { root, thrown } = racing((name, args) => name === 'renameSync' && target(args));
    expect(thrown).toBeInstanceOf(ChangedDuringRunError);
    expect(state(root)).toEqual(expected());
  });

  // clusters/apps/ is new: b.yaml is moved in with it (one rename of the folder), or linked in alone when a folder
  // stands there by then. Either way a file a person made there is never replaced.
  it.each([
    [
      'made before the swap (the folder is there when its turn comes)',
      (name: Call, args: unknown[]) => name === 'renameSync' && String(args[1]).endsWith('journal.json'),
    ],
    [
      'made at the very rename of the folder (the rename is refused: the folder is not empty)',
      (name: Call, args: unknown[]) =>
        name === 'renameSync' && String(args[0]).endsWith(path.join('tree', 'clusters', 'apps')),
    ],
  ] as [string, (name: Call, args: unknown[]) => boolean][])(
    "a file created where the commit creates one in a new folder, %s: refused, the person's file stays",
    (_when, when) => {
      const root = repo();
      const B = 'clusters/apps/deep/b.yaml';
      const theirs = 'b: theirs\n';
      let made = false;
      const { io } = seam(-1, false, (name, args) => {
        if (made || !when(name, args)) return;
        made = true;
        fs.mkdirSync(path.dirname(path.join(root, B)), { recursive: true });
        fs.writeFileSync(path.join(root, B), theirs);
      });
      expect(() => commitChanges(root, changes(), io)).toThrow(ChangedDuringRunError);
      expect(made).toBe(true);
      expect(state(root)).toEqual({
        ...state(repo()),
        'clusters/apps/': 'dir',
        'clusters/apps/deep/': 'dir',
        [B]: `644 ${theirs}`,
      });
    },
  );
});
