// bench/run.mjs --only package (issue 16, "Done when"): the rows installed size, `npm pack` size and the installed
// bin's --help against `node -e 0`, measured in one run; the figures agree with npm's own for this tree.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tmpDir } from './helpers/fs';

it('bench --only package reports the pack size, the installed size and packages, no EBADENGINE, and the installed --help row', () => {
  const dir = tmpDir('cpc-bench-pkg-');
  try {
    const json = path.join(dir, 'bench.json');
    const r = spawnSync(
      process.execPath,
      [
        'bench/run.mjs',
        '--only',
        'package',
        '--package-help-runs',
        '2',
        '--warmup',
        '0',
        '--mem-runs',
        '0',
        '--json',
        json,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 400_000,
      },
    );
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(fs.readFileSync(json, 'utf8')) as {
      summary: Record<string, { ratio?: number; subjectMedianMs?: number; floorMedianMs?: number }> & {
        package: { files: number; packKB: number; installedMB: number; packages: number; ebadengine: number };
      };
    };
    const dry = (
      JSON.parse(
        execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
      ) as { entryCount: number }[]
    )[0];
    const p = out.summary.package;
    expect(p.files).toBe(dry.entryCount);
    expect(p.packKB).toBeGreaterThan(0);
    expect(p.installedMB).toBeGreaterThan(0);
    expect(p.installedMB).toBeLessThanOrEqual(25);
    expect(p.packages).toBeGreaterThan(1);
    expect(p.ebadengine).toBe(0);
    const help = out.summary['package-help'];
    expect(help.ratio).toBeCloseTo((help.subjectMedianMs ?? 0) / (help.floorMedianMs ?? 1), 6);
    expect(r.stdout).toMatch(/\| installed: MB .*\| \d+\.\d MB \(\d+\.\d MB\), \d+ packages \| ≤ 25 MB \| yes \|/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 420_000);
