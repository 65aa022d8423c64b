// The up-to-date fast path of `regenerate --check` reads and hashes files: it must not load the renderer, the schema
// validator or the catalog (zod alone is ~95 modules and a fifth of a run's CPU). Here the process is the subject:
// the bin as package.json runs it (its bundle, lib/bundle/, scripts/bundle-bins.mjs) and the same program unbundled
// (lib/cli/), with a preload that records every file the process loads as a module and every other file it reads
// under lib/. A bundle file holds many source modules: rolldown heads each with a `// src/...` or
// `// node_modules/...` line, which is how the test tells which modules a loaded bundle file carries.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, tmpDir } from './helpers/fs';

const STAMP = path.join('lib', 'bundle', 'generator.sha256');

/** The preload: on exit, writes the modules loaded (require.cache) and the files read under lib/ that are not modules. */
function recorder(): string {
  const hook = path.join(tmpDir(), 'record.js');
  fs.writeFileSync(
    hook,
    [
      "const fs = require('fs');",
      'const read = fs.readFileSync;',
      'const seen = new Set();',
      'fs.readFileSync = function (file, ...rest) {',
      "  if (typeof file === 'string') seen.add(file);",
      '  return read.call(this, file, ...rest);',
      '};',
      "process.on('exit', () => {",
      '  const modules = Object.keys(require.cache);',
      '  const reads = [...seen].filter((f) => !modules.includes(f));',
      '  fs.writeFileSync(process.env.MODULES_LOG, JSON.stringify({ modules, reads }));',
      '});',
      '',
    ].join('\n'),
  );
  return hook;
}

interface Recorded {
  run: SpawnSyncReturns<string>;
  /** The source modules the process loaded: `src/<path>.ts` or `node_modules/<path>` (unbundled: lib/x.js -> src/x.ts). */
  modules: string[];
  /** Files read under the package's lib/ that were not loaded as modules, relative to the package root. */
  libReads: string[];
}

/** Run bin (a file under root) with args in cwd, recording what it loads; root is the package (a copy of it, below). */
function recorded(root: string, bin: string, args: string[], cwd: string): Recorded {
  const log = path.join(tmpDir(), 'modules.json');
  const run = spawnSync(process.execPath, ['-r', recorder(), path.join(root, bin), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MODULES_LOG: log, CI: 'true' },
  });
  const { modules: files, reads } = JSON.parse(fs.readFileSync(log, 'utf8')) as { modules: string[]; reads: string[] };
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const modules: string[] = [];
  for (const f of files.map(rel)) {
    if (f.startsWith('lib/bundle/')) {
      for (const m of fs.readFileSync(path.join(root, f), 'utf8').matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm))
        modules.push(m[1]);
    } else if (/^lib\/.+\.js$/.test(f)) modules.push(f.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts'));
    else if (f.startsWith('node_modules/')) modules.push(f);
  }
  const libReads = reads.map(rel).filter((f) => f.startsWith('lib/'));
  return { run, modules, libReads };
}

// generate/repo-package is light (node built-ins): the fast path compares the repository's package.json.
const HEAVY =
  /^node_modules\/(zod|handlebars)\/|^src\/(model\/(schema|stories|platform-file)|generate\/(?!repo-package)|commands\/regenerate)/;

describe('regenerate --check, nothing to do', () => {
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmpDir(), 'p');
    expect(cli('create-platform-cluster', ['infra', '--yes', '--dir', repo]).status).toBe(0);
  });

  it.each([
    ['the bin (its bundle)', 'lib/bundle/platform-kit.js'],
    ['the bin unbundled', 'lib/cli/platform-kit.js'],
  ])('%s loads neither zod, handlebars, the schema, the catalog nor the generator', (_name, bin) => {
    const { run, modules } = recorded(ROOT, bin, ['regenerate', '--check'], repo);
    expect(run.stdout.trim(), run.stderr).toBe('check: up to date');
    // The controls: the fast path's own module is there (so the list is the real one), and so is yaml, which the
    // fast path does load (a bundle that lost its module headings would list neither).
    expect(modules).toContain('src/commands/up-to-date.ts');
    expect(modules.some((m) => m.startsWith('node_modules/yaml/'))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it("the bundle takes the generator's fingerprint from the build's stamp; unbundled, it hashes lib/ at run time", () => {
    const bundled = recorded(ROOT, 'lib/bundle/platform-kit.js', ['regenerate', '--check'], repo);
    expect(bundled.run.status, bundled.run.stderr).toBe(0);
    // besides the stamp, only V8's code cache of its chunks (src/cli/code-cache.ts), which the build made
    expect(bundled.libReads.filter((f) => !f.startsWith('lib/bundle/code-cache/'))).toEqual([STAMP]);
    expect(bundled.libReads.some((f) => f.endsWith('/index.json'))).toBe(true);
    const unbundled = recorded(ROOT, 'lib/cli/platform-kit.js', ['regenerate', '--check'], repo);
    expect(unbundled.run.status, unbundled.run.stderr).toBe(0);
    expect(unbundled.libReads).toContain('lib/bundle/create-platform-cluster.js');
    expect(unbundled.libReads).not.toContain(STAMP);
  });
});

describe("the build's stamp of the generator (lib/bundle/generator.sha256)", () => {
  /** What the compiled lib/core/fingerprint.js of a package hashes at run time: what the build stamps. */
  const fingerprintOf = (root: string): string => {
    const code = `process.stdout.write(require(${JSON.stringify(path.join(root, 'lib', 'core', 'fingerprint.js'))}).generatorFingerprintOf())`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  it('is the fingerprint the unbundled code computes from the files of this build', () => {
    expect(fs.readFileSync(path.join(ROOT, STAMP), 'utf8')).toBe(`${fingerprintOf(ROOT)}\n`);
  });

  it('changes with a template or the code, and then the fast path declines: the full path finds the change', () => {
    // A copy of the package as npm installs it (the dependencies are this checkout's), to change and stamp again.
    const pkg = path.join(tmpDir('cpc-stamp-'), 'create-platform-cluster');
    for (const f of ['lib', 'templates', 'catalog', 'precompiled', 'package.json'])
      fs.cpSync(path.join(ROOT, f), path.join(pkg, f), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    const bin = 'lib/bundle/platform-kit.js';
    const restamp = () => fs.writeFileSync(path.join(pkg, STAMP), `${fingerprintOf(pkg)}\n`);
    const repo = path.join(tmpDir(), 'p');
    const made = recorded(pkg, 'lib/bundle/create-platform-cluster.js', ['infra', '--yes', '--dir', repo], ROOT);
    expect(made.run.status, made.run.stderr).toBe(0);
    const fast = recorded(pkg, bin, ['regenerate', '--check'], repo);
    expect(fast.run.stdout.trim(), fast.run.stderr).toBe('check: up to date');
    expect(fast.modules.filter((m) => HEAVY.test(m))).toEqual([]);

    // The code: a change that changes no output. The full path runs (it loads the generator) and finds nothing.
    const before = fs.readFileSync(path.join(pkg, STAMP), 'utf8');
    fs.appendFileSync(path.join(pkg, bin), '\n// changed\n');
    restamp();
    expect(fs.readFileSync(path.join(pkg, STAMP), 'utf8')).not.toBe(before);
    const code = recorded(pkg, bin, ['regenerate', '--check'], repo);
    expect(code.run.status, code.run.stdout + code.run.stderr).toBe(0);
    expect(code.modules.filter((m) => HEAVY.test(m))).not.toEqual([]);

    // A template (copied as it is): the build packs the template folder again (lib/built/templates.json) and stamps;
    // the full path runs and reports the file it would update.
    const template = path.join(pkg, 'templates', 'repo', 'gitignore');
    fs.appendFileSync(template, '# changed\n');
    const [module, folder, out] = [
      ['lib', 'core', 'precompiled.js'],
      ['templates'],
      ['lib', 'built', 'templates.json'],
    ].map((p) => JSON.stringify(path.join(pkg, ...p)));
    const repack = `require(${module}).writeTemplatePack(${folder}, ${out})`;
    expect(spawnSync(process.execPath, ['-e', repack], { encoding: 'utf8' }).status).toBe(0);
    restamp();
    const changed = recorded(pkg, bin, ['regenerate', '--check', '--verbose'], repo);
    expect(changed.run.status, changed.run.stdout + changed.run.stderr).toBe(1);
    expect(changed.run.stdout).toMatch(/^UPDATE +\.gitignore$/m);
  });
});
