import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fs';
import { runInProcess } from '../helpers/in-process';

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// In process through each bin's own commander program: the output and exit code are the subject (test/bad-input.test.ts
// keeps a spawned smoke per bin).
describe('-v / --version on every CLI (issue 16 item 5)', () => {
  for (const bin of ['create-platform-cluster', 'add-story', 'platform-kit'] as const) {
    it(`${bin} -v, --version and the former -V print the package version and exit 0`, async () => {
      for (const flag of ['-v', '--version', '-V']) {
        const r = await runInProcess(bin, [flag]);
        expect(r.status, `${bin} ${flag}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toBe(`${VERSION}\n`);
      }
      const help = await runInProcess(bin, ['--help']);
      expect(help.stdout).toMatch(/-v, --version\s+print the version/);
      expect(help.stdout).not.toMatch(/^\s+-V\b/m);
    });
  }
});
