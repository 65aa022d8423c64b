// What `npm pack` ships (issue 16, item 1): the `files` allow-list of package.json (from .projenrc.ts) and nothing
// else, and every file the CLIs read at run time.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_BUNDLE } from '../src/check/schema';
import { GENERATOR_STAMP } from '../src/core/fingerprint';
import { PRECOMPILED_FILE } from '../src/core/precompiled';
import { BUILTIN_TEMPLATES } from '../src/core/render';
import { CATALOG_CACHE, CATALOG_DIR } from '../src/model/catalog-cache';
import { ROOT } from './helpers/fs';

interface PackResult {
  files: { path: string; size: number }[];
  entryCount: number;
  size: number;
  unpackedSize: number;
}

let packed: PackResult | undefined;
function pack(): PackResult {
  if (!packed) {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    packed = (JSON.parse(out) as PackResult[])[0];
  }
  return packed;
}
const packedPaths = (): Set<string> => new Set(pack().files.map((f) => f.path));

/** Every file under dir, as paths relative to the package root with forward slashes. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(path.relative(ROOT, abs).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  files: string[];
  bin: Record<string, string>;
  main: string;
};

describe('npm pack ships the files allow-list only', () => {
  it('every packed file is under an entry of package.json "files" (or is package.json, README.md, LICENSE)', () => {
    const allowed = (p: string): boolean =>
      ['package.json', 'README.md', 'LICENSE'].includes(p) ||
      /^lib\/.+\.(js|d\.ts)$/.test(p) ||
      pkg.files.some((entry) => entry.endsWith('/') && !entry.includes('*') && p.startsWith(entry));
    const outside = [...packedPaths()].filter((p) => !allowed(p));
    expect(outside).toEqual([]);
  });

  it('nothing of the development tree: no reference platform, examples, bench, CI, scripts, tests, TypeScript sources, test results', () => {
    const forbidden = new RegExp(
      String.raw`^(reference-platform|my-platform|examples|bench|\.ci|\.github|\.projen|scripts|test|src|projenrc|docs|` +
        String.raw`node_modules)\/|^\.vitest-results\.json$|^BENCHMARKS\.md$|^tsconfig.*\.json$|^vitest\.config|(?<!\.d)\.ts$|\.tsbuildinfo$`,
    );
    const bad = [...packedPaths()].filter((p) => forbidden.test(p));
    expect(bad).toEqual([]);
    // The development tree really has those folders (so the check above is not empty by accident).
    for (const dir of ['examples', 'bench', '.ci', 'scripts', 'test', 'src'])
      expect(fs.existsSync(path.join(ROOT, dir))).toBe(true);
  });

  it('the allow-list has no entry that matches nothing it should (every folder entry but schemas/ exists)', () => {
    // schemas/ holds the JSON Schema of platform.yaml once it is generated; every other entry must ship files.
    for (const entry of pkg.files.filter((e) => e.endsWith('/') && e !== 'schemas/')) {
      expect(
        [...packedPaths()].some((p) => p.startsWith(entry)),
        entry,
      ).toBe(true);
    }
  });
});

describe('npm pack ships every file the CLIs read at run time', () => {
  it('the bins are the bundles of lib/bundle/, each with the interpreter line npm links them by', () => {
    expect(Object.keys(pkg.bin).sort()).toEqual(['add-story', 'create-platform-cluster', 'platform-kit']);
    for (const [name, file] of Object.entries(pkg.bin)) {
      expect(file).toBe(`lib/bundle/${name}.js`);
      expect(fs.readFileSync(path.join(ROOT, file), 'utf8').startsWith('#!/usr/bin/env node\n'), file).toBe(true);
    }
  });

  it('the bins (their bundles), main and every compiled module', () => {
    const paths = packedPaths();
    const wanted = [
      ...Object.values(pkg.bin),
      pkg.main,
      ...filesUnder(path.join(ROOT, 'lib')).filter((p) => /\.js$/.test(p) && !/\.test\.js$/.test(p)),
    ];
    expect(wanted.filter((p) => !paths.has(p.replace(/^\.\//, '')))).toEqual([]);
  });

  it('every relative require() of a packed module resolves to a packed file', () => {
    const paths = packedPaths();
    const missing: string[] = [];
    for (const p of paths) {
      if (!p.startsWith('lib/') || !p.endsWith('.js')) continue;
      const text = fs.readFileSync(path.join(ROOT, p), 'utf8');
      for (const m of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(p), m[1]));
        const candidates = [base, `${base}.js`, `${base}/index.js`];
        if (!candidates.some((c) => paths.has(c))) missing.push(`${p} -> ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every file under the folders the code reads by path: templates, catalog, precompiled templates and schemas', () => {
    const paths = packedPaths();
    // The precompiled templates and the catalog cache are written into lib/ by the build (the global setup runs it).
    const built = (file: string) =>
      path
        .relative(ROOT, file)
        .split(path.sep)
        .join('/')
        .replace(/^src\//, 'lib/');
    const wanted = [
      ...filesUnder(BUILTIN_TEMPLATES),
      ...filesUnder(CATALOG_DIR),
      built(PRECOMPILED_FILE),
      built(CATALOG_CACHE),
      // the generator's stamp the bins read instead of hashing lib/ (written with the bundles)
      built(GENERATOR_STAMP),
      path.relative(ROOT, SCHEMA_BUNDLE),
    ];
    expect(wanted.length).toBeGreaterThan(100);
    expect(wanted.filter((p) => !paths.has(p))).toEqual([]);
  });

  it('the code reads no other path of the package than those (a new one must be added to the test and to "files")', () => {
    // Every place the sources build a path from their own folder: the package files they read at run time.
    const known = new Map<string, RegExp>([
      ['src/model/catalog-cache.ts', /'catalog'|'built', 'catalog\.json'/],
      ['src/core/render.ts', /'templates'/],
      ['src/core/precompiled.ts', /'built', 'templates\.(cjs|json)'/],
      ['src/check/schema.ts', /'precompiled', 'schemas\.cjs'/],
      ['src/core/fingerprint.ts', /PACKAGE_ROOT|CODE_DIR/],
      ['src/generate/documents.ts', /'built', 'documents\.json'/],
      // lib/bundle/ (V8's code cache of the bundles, under lib/bundle/code-cache/)
      ['src/cli/code-cache.ts', /'\.\.', 'bundle'/],
    ]);
    const found: string[] = [];
    for (const file of filesUnder(path.join(ROOT, 'src')).filter((p) => p.endsWith('.ts') && !p.endsWith('.test.ts'))) {
      for (const line of fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
        if (!/__dirname/.test(line) || /^\s*(\/\/|\*)/.test(line)) continue;
        // The package's own package.json ships always (npm adds it), wherever it is read from.
        if (/'\.\.'(, '\.\.')?, 'package\.json'\)/.test(line)) continue;
        const rule = known.get(file);
        if (!rule?.test(line)) found.push(`${file}: ${line.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});
