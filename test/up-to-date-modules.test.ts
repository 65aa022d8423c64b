// The up-to-date fast path of `regenerate --check` reads and hashes files: it must not load the renderer, the schema
// validator or the catalog (zod alone is ~95 modules and a fifth of a run's CPU). Here the process is the subject:
// the compiled bin, with a preload that records every module it loads.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, tmpDir } from './helpers/fs';

describe('regenerate --check, nothing to do', () => {
  it('loads neither zod, handlebars, the schema, the catalog nor the generator', () => {
    const dir = path.join(tmpDir(), 'p');
    expect(cli('create-platform-cluster', ['infra', '--yes', '--dir', dir]).status).toBe(0);
    const log = path.join(tmpDir(), 'modules.log');
    const hook = path.join(tmpDir(), 'record.js');
    fs.writeFileSync(
      hook,
      "const fs = require('fs');\n" +
        "process.on('exit', () => fs.writeFileSync(process.env.MODULES_LOG, Object.keys(require.cache).join('\\n')));\n",
    );
    const r = spawnSync(
      process.execPath,
      ['-r', hook, path.join(ROOT, 'lib', 'cli', 'platform-kit.js'), 'regenerate', '--check'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, MODULES_LOG: log, CI: 'true' },
      },
    );
    expect(r.stdout.trim(), r.stderr).toBe('check: up to date');
    const loaded = fs.readFileSync(log, 'utf8').split('\n');
    // The control: the fast path's own module is there, so the list is the real one.
    expect(loaded.some((m) => m.endsWith(path.join('commands', 'up-to-date.js')))).toBe(true);
    // generate/repo-package.js is light (node built-ins): the fast path compares the repository's package.json.
    const HEAVY = new RegExp(
      String.raw`node_modules[\\/](zod|handlebars)[\\/]|` +
        String.raw`[\\/]lib[\\/](model[\\/](schema|stories|platform-file)|generate[\\/](?!repo-package)|commands[\\/]regenerate)`,
    );
    const heavy = loaded.filter((m) => HEAVY.test(m));
    expect(heavy).toEqual([]);
  });
});
