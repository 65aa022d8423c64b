// scripts/line-length.mjs, the second step of `npx projen lint`: no line of the files biome.jsonc names is over the
// limit. Spawned, because the script is the subject (its exit code and what it prints), on a small git repository.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmpDir } from './helpers/fs';

const SCRIPT = path.join(ROOT, 'scripts', 'line-length.mjs');

/** A git repository with a biome.jsonc (behind projen's marker comment) and the given files, all added. */
function repo(files: Record<string, string>): string {
  const dir = tmpDir('line-length-');
  const config = { files: { includes: ['src/**/*.ts', '!src/vendored.ts', 'tool.mjs'] } };
  const all = {
    'biome.jsonc': `// biome-ignore-all format: generated\n${JSON.stringify(config, null, 2)}\n`,
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
  ]) {
    expect(spawnSync('git', args, { cwd: dir }).status).toBe(0);
  }
  return dir;
}

const run = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { cwd: dir, encoding: 'utf8' });

describe('scripts/line-length.mjs', () => {
  it('lists each line over the limit in the files biome.jsonc includes, and exits 1', () => {
    const dir = repo({
      'src/a.ts': `const ok = 1;\n// ${'x'.repeat(158)}\nconst s = '${'y'.repeat(140)}';\n`,
      'src/deep/b.ts': `export const t = \`${'z'.repeat(200)}\`;\n`,
      'src/vendored.ts': `${'v'.repeat(300)}\n`, // excluded by a ! pattern
      'notes.md': `${'n'.repeat(300)}\n`, // not included at all
      'tool.mjs': `${'m'.repeat(160)}\n`, // exactly the limit
    });
    const r = run(dir, '160');
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes(' characters (at most 160)'))).toEqual([
      'src/a.ts:2: 161 characters (at most 160)',
      'src/deep/b.ts:1: 220 characters (at most 160)',
    ]);
    expect(r.stderr).toContain('2 line(s) over 160 characters in 3 file(s)');
  });

  it('counts characters, not bytes or UTF-16 units, and exits 0 when no line is over', () => {
    // 160 characters of 2 bytes each, and 160 emoji of 2 UTF-16 units each: at the limit, not over it.
    const dir = repo({ 'src/a.ts': `${'é'.repeat(160)}\n${'🙂'.repeat(160)}\n` });
    const r = run(dir, '160');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout.trim()).toBe('1 file(s), no line over 160 characters');
    expect(run(dir, '159').status).toBe(1);
  });

  it('refuses a limit that is not a positive whole number (exit 2)', () => {
    const dir = repo({ 'src/a.ts': 'const a = 1;\n' });
    for (const bad of [[], ['abc'], ['0'], ['1.5']]) {
      const r = run(dir, ...bad);
      expect(r.status, bad.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: node scripts/line-length.mjs MAX');
    }
  });
});
