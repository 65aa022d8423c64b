import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitChanges } from '../../src/core/disk';
import { emptyManifest, sha256 } from '../../src/core/manifest';
import { gitMergeFile, similarity } from '../../src/core/merge';
import { type Change, computePlan, formatPlan, type Reader } from '../../src/core/plan';
import { Tree } from '../../src/core/tree';
import { snapshot, tmpDir } from '../helpers/fs';

const mem = (files: Record<string, string>): Reader => ({ read: (p) => files[p] });
const next = { generator: 'create-platform-cluster', version: 'test' };

describe('computePlan (in-memory tree and repository)', () => {
  it('classifies every file: create, unchanged, update, keep (edited), conflict (not ours), delete, keep (deleted by a person)', () => {
    const tree = new Tree();
    tree.write('new.yaml', 'a: 1\n');
    tree.write('same.yaml', 'b: 1\n');
    tree.write('ours.yaml', 'c: 2\n');
    tree.write('edited.yaml', 'd: 2\n');
    tree.write('theirs.yaml', 'e: 2\n');
    tree.write('gone.yaml', 'f: 2\n');
    const disk = mem({
      'same.yaml': 'b: 1\n',
      'ours.yaml': 'c: 1\n',
      'edited.yaml': 'd: 1 # mine\n',
      'theirs.yaml': 'e: 1\n',
      'old.yaml': 'g: 1\n',
      'old-edited.yaml': 'h: 9\n',
    });
    const prev = emptyManifest('test');
    prev.files = {
      'same.yaml': sha256('b: 1\n'),
      'ours.yaml': sha256('c: 1\n'),
      'edited.yaml': sha256('d: 1\n'),
      'gone.yaml': sha256('f: 1\n'),
      'old.yaml': sha256('g: 1\n'),
      'old-edited.yaml': sha256('h: 1\n'),
    };
    const plan = computePlan(tree, disk, prev, next, new Set());
    const actions = Object.fromEntries(plan.changes.filter((c) => !c.internal).map((c) => [c.path, c.action]));
    expect(actions).toEqual({
      'new.yaml': 'CREATE',
      'same.yaml': 'UNCHANGED',
      'ours.yaml': 'UPDATE',
      'edited.yaml': 'KEEP',
      'theirs.yaml': 'CONFLICT',
      'gone.yaml': 'KEEP',
      'old.yaml': 'DELETE',
      'old-edited.yaml': 'KEEP',
    });
    // The manifest keeps the old hash of kept files, so they stay "edited" next time, and forgets deleted ones.
    expect(plan.manifest.files['edited.yaml']).toBe(sha256('d: 1\n'));
    expect(plan.manifest.files['ours.yaml']).toBe(sha256('c: 2\n'));
    expect(plan.manifest.files['old.yaml']).toBeUndefined();
    expect(plan.manifest.files['theirs.yaml']).toBeUndefined();
    expect(formatPlan(plan, { diff: true })).toContain('-c: 1\n+c: 2');
    // The merge base of every file the tool writes or confirms is recorded; those of deleted files are dropped.
    const bases = Object.fromEntries(plan.changes.filter((c) => c.internal).map((c) => [c.path, c.action]));
    expect(bases).toEqual({
      '.platform/base/new.yaml': 'CREATE',
      '.platform/base/same.yaml': 'CREATE',
      '.platform/base/ours.yaml': 'CREATE',
    });
  });

  it("merges a person's edit with a template change (git merge-file), and writes markers where they overlap", () => {
    const base = 'a: 1\nb: 1\nc: 1\nd: 1\ne: 1\n';
    const mine = 'a: 1\nb: 1 # mine\nc: 1\nd: 1\ne: 1\n';
    const prev = emptyManifest('test');
    prev.files = { 'x.yaml': sha256(base), 'y.yaml': sha256(base) };
    const tree = new Tree();
    tree.write('x.yaml', 'a: 1\nb: 1\nc: 1\nd: 1\ne: 2\n'); // the template changed e, far from the edit
    tree.write('y.yaml', 'a: 1\nb: 2\nc: 1\nd: 1\ne: 1\n'); // the template changed b, the line the person edited
    const disk = mem({ 'x.yaml': mine, 'y.yaml': mine, '.platform/base/x.yaml': base, '.platform/base/y.yaml': base });
    const plan = computePlan(tree, disk, prev, next, new Set(), gitMergeFile);
    const x = plan.changes.find((c) => c.path === 'x.yaml')!;
    expect(x.action).toBe('MERGE');
    expect(x.after).toBe('a: 1\nb: 1 # mine\nc: 1\nd: 1\ne: 2\n');
    const y = plan.changes.find((c) => c.path === 'y.yaml')!;
    expect(y.action).toBe('UNMERGED');
    expect(y.after).toMatch(
      /^<<<<<<< y\.yaml \(yours\)\nb: 1 # mine\n\|{7} y\.yaml \(generated last time\)\nb: 1\n={7}\nb: 2\n>>>>>>> y\.yaml \(generated now\)$/m,
    );
    // Both record the new render as their next merge base.
    expect(plan.manifest.files['x.yaml']).toBe(sha256('a: 1\nb: 1\nc: 1\nd: 1\ne: 2\n'));
    expect(plan.changes.find((c) => c.path === '.platform/base/y.yaml')!.after).toBe('a: 1\nb: 2\nc: 1\nd: 1\ne: 1\n');
  });

  it("carries a person's edits to the new path when a template moves a file, and deletes the old one", () => {
    const base = 'kind: Thing\nname: a\nreplicas: 1\nimage: x\nport: 80\n';
    const prev = emptyManifest('test');
    prev.files = { 'old/thing.yaml': sha256(base) };
    const tree = new Tree();
    tree.write('new/thing.yaml', base.replace('port: 80', 'port: 8080'));
    const disk = mem({
      'old/thing.yaml': base.replace('replicas: 1', 'replicas: 3 # mine'),
      '.platform/base/old/thing.yaml': base,
    });
    const plan = computePlan(tree, disk, prev, next, new Set(), gitMergeFile);
    const moved = plan.changes.find((c) => c.path === 'new/thing.yaml')!;
    expect(moved.action).toBe('MERGE');
    expect(moved.reason).toContain('moved from old/thing.yaml');
    expect(moved.after).toBe('kind: Thing\nname: a\nreplicas: 3 # mine\nimage: x\nport: 8080\n');
    expect(plan.changes.find((c) => c.path === 'old/thing.yaml')!.action).toBe('DELETE');
  });

  it('similarity is 1 for equal texts, 0 for disjoint ones', () => {
    expect(similarity('a\nb\n', 'a\nb\n')).toBe(1);
    expect(similarity('a\nb\n', 'c\nd\n')).toBe(0);
    expect(similarity('a\nb\nc\nd\n', 'a\nb\nc\nx\n')).toBe(0.75);
  });

  it('tool-owned files are updated even when edited (the tool edits them structurally)', () => {
    const tree = new Tree();
    tree.write('platform.yaml', 'x: 2\n');
    const plan = computePlan(
      tree,
      mem({ 'platform.yaml': '# mine\nx: 1\n' }),
      emptyManifest('t'),
      next,
      new Set(['platform.yaml']),
    );
    expect(plan.changes[0].action).toBe('UPDATE');
  });

  it('the tree refuses unsafe paths and two different contents for one path', () => {
    const tree = new Tree();
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a//b', 'a/./b', 'C:/x', 'a\\b', 'a\u0000b', ''])
      expect(() => tree.write(bad, 'x')).toThrow();
    tree.write('a/b.yaml', 'x');
    expect(() => tree.write('a/b.yaml', 'y')).toThrow(/different content/);
  });
});

describe('commitChanges: all or nothing on disk', () => {
  it('applies creates, updates and deletes', () => {
    const root = tmpDir();
    fs.writeFileSync(path.join(root, 'u.txt'), 'old');
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'gone.txt'), 'bye');
    commitChanges(root, [
      { path: 'n/e/w.txt', action: 'CREATE', after: 'new' },
      { path: 'u.txt', action: 'UPDATE', before: 'old', after: 'updated' },
      { path: 'd/gone.txt', action: 'DELETE', before: 'bye' },
    ]);
    expect(fs.readFileSync(path.join(root, 'n/e/w.txt'), 'utf8')).toBe('new');
    expect(fs.readFileSync(path.join(root, 'u.txt'), 'utf8')).toBe('updated');
    expect(fs.existsSync(path.join(root, 'd'))).toBe(false);
    expect(fs.existsSync(path.join(root, '.platform'))).toBe(false);
  });

  it('a failure half-way leaves every file and folder as it was', () => {
    const root = tmpDir();
    fs.writeFileSync(path.join(root, 'u.txt'), 'old');
    fs.writeFileSync(path.join(root, 'blocker'), 'a file where a folder is needed');
    fs.writeFileSync(path.join(root, 'del.txt'), 'keep me');
    const before = snapshot(root);
    const changes: Change[] = [
      { path: 'a/new.txt', action: 'CREATE', after: 'new' },
      { path: 'u.txt', action: 'UPDATE', before: 'old', after: 'updated' },
      { path: 'del.txt', action: 'DELETE', before: 'keep me' },
      { path: 'blocker/x.txt', action: 'CREATE', after: 'cannot be written' },
    ];
    expect(() => commitChanges(root, changes)).toThrow();
    expect(snapshot(root)).toEqual(before);
  });

  it('refuses to write through a symbolic link, before writing anything', () => {
    const root = tmpDir();
    const outside = tmpDir();
    fs.symlinkSync(outside, path.join(root, 'link'));
    const before = snapshot(root);
    expect(() =>
      commitChanges(root, [
        { path: 'a.txt', action: 'CREATE', after: 'x' },
        { path: 'link/b.txt', action: 'CREATE', after: 'x' },
      ]),
    ).toThrow(/symbolic link link/);
    expect(snapshot(root)).toEqual(before);
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});
