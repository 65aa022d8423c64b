import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createClusters } from '../src';
import { ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const tool = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  engines?: { node?: string };
};
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;

/** .renovaterc.json5 as JSON: its comments are whole lines starting with //, and it has no trailing commas. */
const renovate = (dir: string) =>
  JSON.parse(
    fs
      .readFileSync(path.join(dir, '.renovaterc.json5'), 'utf8')
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('//'))
      .join('\n'),
  ) as { ignorePaths: string[]; packageRules: Record<string, any>[] };

describe('generated repository: package.json pins the tool', () => {
  it("a new repository gets a private package.json with the tool at the version that generated it, the tool's engines, and no scripts", () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const pkg = readJson(path.join(dir, 'package.json'));
    expect(pkg.private).toBe(true);
    expect(pkg.devDependencies).toEqual({ [tool.name]: tool.version });
    expect(pkg.engines?.node).toBe(tool.engines?.node);
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.dependencies).toBeUndefined();
    // node_modules/ of `npm install` is never committed.
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').split('\n')).toContain('node_modules/');
  });

  it("a person's package.json is kept field for field: the tool is added to devDependencies, nothing else changes", async () => {
    const dir = path.join(tmpDir(), 'p');
    fs.mkdirSync(dir, { recursive: true });
    const theirs = {
      name: 'our-gitops',
      version: '3.1.0',
      scripts: { lint: 'yamllint .' },
      engines: { node: '>=22' },
      devDependencies: { prettier: '3.6.2', zx: '8.0.0' },
      custom: [1, 2],
    };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(theirs, null, 4) + '\n');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({
      ...theirs,
      devDependencies: { ...theirs.devDependencies, [tool.name]: tool.version },
    });
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 4) + '\n'); // their indentation
    // Nothing to do on the next regenerate: the file stays byte for byte.
    const again = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(again.status, again.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(text);
  });

  it('regenerate moves an older pin to this version and keeps what a person added since (in devDependencies or dependencies)', async () => {
    for (const field of ['devDependencies', 'dependencies'] as const) {
      const dir = path.join(tmpDir(), 'p');
      createClusters({ dir, clusters: [{ name: 'infra' }] });
      const file = path.join(dir, 'package.json');
      const pkg = readJson(file);
      delete pkg.devDependencies[tool.name];
      pkg[field] = { ...(pkg[field] ?? {}), [tool.name]: '0.0.1', yaml: '2.8.0' };
      pkg.scripts = { check: 'platform-kit check' };
      fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
      const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
      expect(r.status, r.stderr).toBe(0);
      const after = readJson(file);
      expect(after).toEqual({ ...pkg, [field]: { ...pkg[field], [tool.name]: tool.version } });
      // One pin only: not added to the other field.
      const other = field === 'dependencies' ? 'devDependencies' : 'dependencies';
      expect(after[other]?.[tool.name]).toBeUndefined();
    }
  });

  it('a dependency a person adds to the generated package.json does not make regenerate --check fail', async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const file = path.join(dir, 'package.json');
    const pkg = readJson(file);
    fs.writeFileSync(
      file,
      JSON.stringify({ ...pkg, devDependencies: { ...pkg.devDependencies, prettier: '3.6.2' } }, null, 2) + '\n',
    );
    const edited = fs.readFileSync(file, 'utf8');
    const r = await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect((await runInProcess('platform-kit', ['regenerate', '--dir', dir])).status).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(edited);
  });

  it('a package.json that is not JSON is refused with exit 2 and nothing is written', async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true, }\n');
    const before = snapshot(dir);
    const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('package.json is not valid JSON');
    expect(snapshot(dir)).toEqual(before);
  });

  it("Renovate reads package.json (not in ignorePaths) and has a rule for the tool's pin", () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const cfg = renovate(dir);
    const glob = (g: string) =>
      new RegExp(
        '^' +
          g
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*/g, '.*')
            .replace(/(?<!\.)\*/g, '[^/]*') +
          '$',
      );
    expect(cfg.ignorePaths.filter((g) => glob(g).test('package.json'))).toEqual([]);
    const rule = cfg.packageRules.find((r) => r.matchPackageNames?.includes(tool.name));
    expect(rule?.matchManagers).toEqual(['npm']);
    expect(rule?.labels).toContain('platform-kit');
    expect(rule?.prBodyNotes?.join(' ')).toContain('platform-kit regenerate');
  });

  it('every platform-kit step of the workflow runs the installed tool after an npm install step of the same job', () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const wf = parse(fs.readFileSync(path.join(dir, '.github/workflows/platform-check.yaml'), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    let runs = 0;
    for (const [name, job] of Object.entries(wf.jobs)) {
      const steps = job.steps.map((s) => s.run ?? '');
      const install = steps.findIndex((r) => /\bnpm (ci|install)\b/.test(r));
      steps.forEach((r, i) => {
        if (!/^[^#\n]*\bnpx\b.*platform-kit /m.test(r)) return;
        runs++;
        expect(r, name).toMatch(/npx --no platform-kit /);
        expect(install, `${name}: npm install before ${r}`).toBeGreaterThan(-1);
        expect(install).toBeLessThan(i);
      });
    }
    expect(runs).toBeGreaterThanOrEqual(4);
    const just = fs.readFileSync(path.join(dir, 'justfile'), 'utf8');
    expect(just).toMatch(/^platform_kit := 'npx --no platform-kit'$/m);
  });
});
