// `platform-kit check` terminates, bounded, on any tree (issue #14, "check hangs").
//
// Each tree is a small repository (one cluster entry folder, kubernetes/clusters/dev) built in a temp dir with the
// pathological shape; check runs as the CLI in a child process with a hard timeout, so a hang on the old code is a
// failed test, not a stuck suite. Every case asserts the exact findings (code, file, line, what the message names)
// and that the run ends well within its bound.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../src/check/discover';
import { ROOT, tmpDir } from './helpers/fs';

/** Loose bound for every pathological tree (they take well under a second now). */
const BOUND_MS = 10_000;
/** The child is killed past this: on the old code the two-symlink tree ran for minutes. */
const KILL_MS = 25_000;
const ENTRY = 'kubernetes/clusters/dev';

interface Found {
  code: string;
  file?: string;
  line?: number;
  message: string;
}

function checkTree(
  repo: string,
  extra: string[] = [],
): { status: number | null; ms: number; findings: Found[]; stderr: string } {
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'lib', 'cli', 'platform-kit.js'), 'check', '--json', ...extra, '--dir', repo],
    {
      encoding: 'utf8',
      timeout: KILL_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CI: 'true' },
    },
  );
  const ms = Date.now() - t0;
  let findings: Found[] = [];
  try {
    findings = JSON.parse(r.stdout).findings;
  } catch {
    findings = [{ code: `(no JSON: status ${r.status}, signal ${r.signal})`, message: r.stderr.slice(0, 300) }];
  }
  return { status: r.status, ms, findings, stderr: r.stderr };
}

function write(repo: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  fs.writeFileSync(path.join(repo, rel), text);
}

const kustomization = (entries: string[]) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${entries.map((e) => `  - ${JSON.stringify(e)}`).join('\n')}\n`;
const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  a: b\n`;
/** Line of the n-th resources entry in `kustomization()` output (1-based lines; entries start on line 4). */
const entryLine = (n: number) => 4 + n;
const codes = (fs: Found[]) => fs.map((f) => `${f.code} ${f.file}:${f.line}`).sort();

describe('check terminates, bounded, on any tree', () => {
  it('two resources symlinked to "." are a KUSTOMIZE_CYCLE each, found in bounded time (the old walk ran for minutes, ~900 MB)', () => {
    const repo = tmpDir('cpc-bounds-');
    const entries = ['cm.yaml', 'a', 'b'];
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(entries));
    write(repo, `${ENTRY}/cm.yaml`, configMap('x'));
    fs.symlinkSync('.', path.join(repo, ENTRY, 'a'));
    fs.symlinkSync('.', path.join(repo, ENTRY, 'b'));
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    const kfile = `${ENTRY}/kustomization.yaml`;
    expect(codes(r.findings)).toEqual([
      `KUSTOMIZE_CYCLE ${kfile}:${entryLine(1)}`,
      `KUSTOMIZE_CYCLE ${kfile}:${entryLine(2)}`,
    ]);
    for (const [i, f] of r.findings.entries()) {
      // The chain of files, as kustomize names the refusal ("candidate root ... contains visited root ...").
      expect(f.message).toContain(`resources entry ${['a', 'b'][i]} closes a cycle: ${kfile} -> ${kfile}`);
      expect(f.message).toContain(`cycle detected: candidate root ./${ENTRY} contains visited root ./${ENTRY}`);
    }
    expect(r.status).toBe(1);
  });

  it('a kustomization listing its parent folder (no symlink) is a KUSTOMIZE_CYCLE without --build (was 0 errors)', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['sub']));
    write(repo, `${ENTRY}/sub/kustomization.yaml`, kustomization(['..']));
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(codes(r.findings)).toEqual([`KUSTOMIZE_CYCLE ${ENTRY}/sub/kustomization.yaml:${entryLine(0)}`]);
    expect(r.findings[0].message).toContain(
      `resources entry .. closes a cycle: ${ENTRY}/kustomization.yaml -> ${ENTRY}/sub/kustomization.yaml -> ${ENTRY}/kustomization.yaml`,
    );
    expect(r.status).toBe(1);
  });

  it('A -> B -> A between two folders is one KUSTOMIZE_CYCLE naming the chain (was 0 errors)', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['../../apps/a']));
    write(repo, 'kubernetes/apps/a/kustomization.yaml', kustomization(['../b']));
    write(repo, 'kubernetes/apps/b/kustomization.yaml', kustomization(['../a', 'cm.yaml']));
    write(repo, 'kubernetes/apps/b/cm.yaml', configMap('b'));
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(codes(r.findings)).toEqual([`KUSTOMIZE_CYCLE kubernetes/apps/b/kustomization.yaml:${entryLine(0)}`]);
    expect(r.findings[0].message).toContain(
      'resources entry ../a closes a cycle: kubernetes/apps/a/kustomization.yaml -> ' +
        'kubernetes/apps/b/kustomization.yaml -> kubernetes/apps/a/kustomization.yaml',
    );
  });

  it('paths leaving the repository are PATH_OUTSIDE_REPO, a symlink loop is SYMLINK_LOOP (were "does not exist", and /etc was read)', () => {
    const top = tmpDir('cpc-bounds-');
    const repo = path.join(top, 'repo');
    write(top, 'outside/kustomization.yaml', kustomization(['cm.yaml']));
    write(top, 'outside/cm.yaml', configMap('outside'));
    const entries = ['../../../../outside', '/etc', 'etc', 'loop', 'missing'];
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization([...entries, 'flux.yaml']));
    fs.symlinkSync('/etc', path.join(repo, ENTRY, 'etc'));
    fs.symlinkSync('loop2', path.join(repo, ENTRY, 'loop'));
    fs.symlinkSync('loop', path.join(repo, ENTRY, 'loop2'));
    // A Flux Kustomization whose spec.path leaves the repository.
    write(
      repo,
      `${ENTRY}/flux.yaml`,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: out\n  namespace: ' +
        'flux-system\nspec:\n  interval: 10m\n  path: ../outside\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    );
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    const kfile = `${ENTRY}/kustomization.yaml`;
    expect(codes(r.findings)).toEqual(
      [
        `PATH_OUTSIDE_REPO ${kfile}:${entryLine(0)}`,
        `PATH_OUTSIDE_REPO ${kfile}:${entryLine(1)}`,
        `PATH_OUTSIDE_REPO ${kfile}:${entryLine(2)}`,
        `SYMLINK_LOOP ${kfile}:${entryLine(3)}`,
        `RESOURCE_MISSING ${kfile}:${entryLine(4)}`,
        `PATH_OUTSIDE_REPO ${ENTRY}/flux.yaml:8`,
      ].sort(),
    );
    const msg = (line: number, file = kfile) => r.findings.find((f) => f.file === file && f.line === line)!.message;
    expect(msg(entryLine(0))).toContain(`../../../../outside leaves the repository (${path.join(top, 'outside')})`);
    expect(msg(entryLine(1))).toContain("new root '/etc' cannot be absolute");
    expect(msg(entryLine(2))).toContain(`etc is a symlink to ${fs.realpathSync('/etc')}, outside the repository`);
    expect(msg(entryLine(3))).toContain(`${ENTRY}/loop -> ${ENTRY}/loop2 -> ${ENTRY}/loop`);
    expect(msg(entryLine(4))).toBe('resources entry missing does not exist');
    expect(msg(8, `${ENTRY}/flux.yaml`)).toContain('flux-system/out: spec.path ../outside leaves the repository');
  });

  it('a FIFO listed as a resource is FILE_NOT_REGULAR, not read (reading it blocked forever)', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['pipe.yaml']));
    const mk = spawnSync('mkfifo', [path.join(repo, ENTRY, 'pipe.yaml')]);
    if (mk.status !== 0) return; // no mkfifo here: nothing to test
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(codes(r.findings)).toEqual([`FILE_NOT_REGULAR ${ENTRY}/pipe.yaml:undefined`]);
  });

  it('a FIFO among the docs (notes.md) is skipped by the bootstrap-secret scan of docs and scripts (reading it blocked forever)', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['cm.yaml']));
    write(repo, `${ENTRY}/cm.yaml`, configMap('x'));
    const mk = spawnSync('mkfifo', [path.join(repo, 'notes.md')]);
    if (mk.status !== 0) return; // no mkfifo here: nothing to test
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.findings).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('with --build, a refused path (cycle, FIFO) is not handed to kubectl: the same findings, in bounded time', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['cm.yaml', 'a', '../../apps/fifo']));
    write(repo, `${ENTRY}/cm.yaml`, configMap('x'));
    fs.symlinkSync('.', path.join(repo, ENTRY, 'a'));
    write(repo, 'kubernetes/apps/fifo/kustomization.yaml', kustomization(['pipe.yaml']));
    const mk = spawnSync('mkfifo', [path.join(repo, 'kubernetes/apps/fifo/pipe.yaml')]);
    if (mk.status !== 0) return; // no mkfifo here: nothing to test
    const r = checkTree(repo, ['--build']);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(codes(r.findings)).toEqual([
      `FILE_NOT_REGULAR kubernetes/apps/fifo/pipe.yaml:undefined`,
      `KUSTOMIZE_CYCLE ${ENTRY}/kustomization.yaml:${entryLine(1)}`,
    ]);
  });

  it('a file over the size limit is FILE_TOO_LARGE and a YAML nested 20000 deep is YAML_INVALID, not a heap crash', () => {
    const repo = tmpDir('cpc-bounds-');
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['big.yaml', 'deep.yaml']));
    write(repo, `${ENTRY}/big.yaml`, configMap('big').replace('a: b', `a: ${'x'.repeat(LIMITS.maxFileBytes)}`));
    write(
      repo,
      `${ENTRY}/deep.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    );
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(codes(r.findings)).toEqual([
      `FILE_TOO_LARGE ${ENTRY}/big.yaml:undefined`,
      `YAML_INVALID ${ENTRY}/deep.yaml:1`,
    ]);
    expect(r.findings.find((f) => f.code === 'FILE_TOO_LARGE')!.message).toContain(
      `over the ${LIMITS.maxFileBytes}-byte limit`,
    );
  });

  it(`kustomizations nested deeper than ${LIMITS.maxDepth} stop there with NESTING_TOO_DEEP`, () => {
    const repo = tmpDir('cpc-bounds-');
    const levels = LIMITS.maxDepth + 8;
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['../../apps/n0']));
    for (let i = 0; i < levels; i++)
      write(repo, `kubernetes/apps/n${i}/kustomization.yaml`, kustomization(i + 1 < levels ? [`../n${i + 1}`] : []));
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    // The entry folder is level 1, n0 level 2, ...: the entry of the maxDepth-th level is refused.
    expect(codes(r.findings)).toEqual([
      `NESTING_TOO_DEEP kubernetes/apps/n${LIMITS.maxDepth - 2}/kustomization.yaml:${entryLine(0)}`,
    ]);
  });

  it('a folder listed twice at every level (2^24 objects once expanded) is expanded once per folder and capped with BUILD_TOO_LARGE', () => {
    const repo = tmpDir('cpc-bounds-');
    const levels = 24;
    write(repo, `${ENTRY}/kustomization.yaml`, kustomization(['../../apps/d0']));
    for (let i = 0; i < levels; i++) {
      write(
        repo,
        `kubernetes/apps/d${i}/kustomization.yaml`,
        kustomization(i + 1 < levels ? ['cm.yaml', `../d${i + 1}`, `../d${i + 1}/`] : ['cm.yaml']),
      );
      write(repo, `kubernetes/apps/d${i}/cm.yaml`, configMap(`cm-${i}`));
    }
    const r = checkTree(repo);
    expect(r.ms).toBeLessThan(BOUND_MS);
    // Objects per folder: d(last) has 1, d(i) has 1 + 2 x d(i+1); the first folder over the limit reports it.
    let n = 1;
    let over = -1;
    for (let i = levels - 2; i >= 0 && over < 0; i--) {
      n = 1 + 2 * n;
      if (n > LIMITS.maxObjects) over = i;
    }
    const big = r.findings.filter((f) => f.code === 'BUILD_TOO_LARGE');
    expect(big.map((f) => `${f.file}:${f.line}`)).toEqual([`kubernetes/apps/d${over}/kustomization.yaml:1`]);
    // Listing one folder twice makes kustomize fail on the repeated ids: the deepest level's ConfigMap is reported.
    expect(r.findings.filter((f) => f.code === 'DUPLICATE_OBJECT').map((f) => f.file)).toContain(
      `kubernetes/apps/d${levels - 1}/cm.yaml`,
    );
    expect(new Set(r.findings.map((f) => f.code))).toEqual(new Set(['BUILD_TOO_LARGE', 'DUPLICATE_OBJECT']));
  });
});
