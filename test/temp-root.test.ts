import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import setup, { removeLater } from './helpers/temp-root';

const OWNED = Symbol.for('create-platform-cluster.test-temp-root');

describe('the test run temp folder (test/helpers/temp-root.ts)', () => {
  const saved = { tmpdir: process.env.TMPDIR, owned: (globalThis as Record<symbol, unknown>)[OWNED] };
  afterEach(() => {
    process.env.TMPDIR = saved.tmpdir;
    (globalThis as Record<symbol, unknown>)[OWNED] = saved.owned;
  });

  it('is where this run puts its temporary files (the workers inherit it)', () => {
    expect(path.basename(os.tmpdir())).toMatch(/^cpc-tests-/);
    expect(fs.statSync(os.tmpdir()).isDirectory()).toBe(true);
  });

  const exited = (child: ChildProcess | undefined) =>
    new Promise<number | null>((resolve) => {
      if (!child) throw new Error('the teardown started no remover');
      child.on('exit', (code) => resolve(code));
    });

  it('is made once per process, and its teardown removes it with what the tests left in it', async () => {
    (globalThis as Record<symbol, unknown>)[OWNED] = undefined;
    const teardown = setup();
    const root = os.tmpdir();
    expect(root).not.toBe(saved.tmpdir);
    expect(path.basename(root)).toMatch(/^cpc-tests-/);
    fs.mkdirSync(path.join(root, 'repo', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(root, 'repo', 'deep', 'f'), 'x');
    // The second project's setup of the same run finds the folder: no second one, nothing to remove.
    const second = setup();
    expect(os.tmpdir()).toBe(root);
    expect(second()).toBeUndefined();
    expect(fs.existsSync(root)).toBe(true);
    expect(await exited(teardown())).toBe(0);
    expect(fs.existsSync(root)).toBe(false);
  });

  it('removes folders a test left unreadable', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closed-'));
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', 'b', 'f'), 'x');
    fs.chmodSync(path.join(dir, 'a', 'b'), 0o000);
    fs.chmodSync(path.join(dir, 'a'), 0o000);
    expect(await exited(removeLater(dir))).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });
});
