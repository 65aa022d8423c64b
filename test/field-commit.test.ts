import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fs';
import { addStoryInProcess, kitInProcess } from './helpers/in-process';
import { scaffoldCopy } from './helpers/platform';

const BIN = (b: string) => path.join(ROOT, 'lib', 'cli', `${b}.js`);
const BASE = ['STORY-BOOT-TALOS', 'STORY-BOOT-CRDS', 'STORY-BOOT-CORE', 'STORY-GITOPS-SELF-MGMT-FLUX'];
const SETTINGS = 'kubernetes/clusters/infra/cluster-settings.yaml';
// The commands that race an editor or are killed are real processes; the scaffolds (copies of one per file) and the
// runs once nobody writes are in process: what they leave on disk is the subject.

/**
 * An "editor": a separate process that appends a numbered line to each file every ten milliseconds or so until it is
 * told to stop (SIGTERM), then prints how many lines it appended. Every one of them must still be in the file.
 */
const EDITOR = `
const fs = require('node:fs');
const files = JSON.parse(process.argv[1]);
const tag = process.argv[2];
let n = 0, stop = false;
process.on('SIGTERM', () => { stop = true; });
const step = () => {
  if (stop) { process.stdout.write(String(n)); return; }
  for (const f of files) fs.appendFileSync(f, '# ' + tag + ' line ' + n + '\\n');
  n++;
  setTimeout(step, 10);
};
step();
`;

function startEditor(files: string[], tag: string): { stop: () => Promise<number> } {
  const c = spawn(process.execPath, ['-e', EDITOR, JSON.stringify(files), tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  const done = new Promise<number>((resolve) => c.on('close', () => resolve(Number(out))));
  return {
    stop: async () => {
      c.kill('SIGTERM');
      return done;
    },
  };
}

function run(bin: string, args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN(bin), ...args], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status: status ?? -1, stderr }));
  });
}

/** Every line `# <tag> line <k>` for k < n is in the file, once. */
function missingLines(file: string, tag: string, n: number): number[] {
  const lines = new Set(fs.readFileSync(file, 'utf8').split('\n'));
  const missing: number[] = [];
  for (let k = 0; k < n; k++) if (!lines.has(`# ${tag} line ${k}`)) missing.push(k);
  return missing;
}

/** A command that found a file saved under it says so, names it, exits 1; otherwise it succeeded. */
function expectOutcome(r: { status: number; stderr: string }, edited: string[]): void {
  if (r.status === 0) return;
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/saved while this command ran; left as edited/);
  expect(
    edited.some((f) => r.stderr.includes(`${f}: changed since the command read it; left as edited`)),
    r.stderr,
  ).toBe(true);
}

describe('field: a file saved while a command runs is never overwritten', () => {
  it('approve, with an editor appending to platform.yaml all the while: no appended line is lost', async () => {
    const dir = await scaffoldCopy(['infra', '--yes', '--stories', BASE.join(',')]);
    const file = path.join(dir, 'platform.yaml');
    let saved = 0;
    let refused = 0;
    for (let round = 0; round < 1; round++) {
      // Approve in dependency order, unapprove in reverse.
      for (const id of round % 2 ? [...BASE].reverse() : BASE) {
        const tag = `r${round}-${id}`;
        const editor = startEditor([file], tag);
        const r = await run('platform-kit', [round % 2 ? 'unapprove' : 'approve', id, '--dir', dir]);
        const n = await editor.stop();
        expectOutcome(r, ['platform.yaml']);
        if (r.status !== 0) {
          refused++;
          // Run again once nobody writes: the next story's approval depends on this one.
          const calm = await kitInProcess([round % 2 ? 'unapprove' : 'approve', id, '--dir', dir]);
          expect(calm.status, calm.stderr).toBe(0);
        }
        expect(missingLines(file, tag, n), `${tag}: appended lines lost (${n} appended, exit ${r.status})`).toEqual([]);
        saved += n;
      }
    }
    console.info(
      `approve/unapprove: ${saved} lines appended during 4 runs, none lost; ${refused} runs stopped because platform.yaml was saved under them`,
    );
    expect(saved, 'the editor really wrote while the commands ran').toBeGreaterThan(40);
  }, 60_000);

  it('regenerate after a settings change, with an editor appending to platform.yaml and a generated file: no appended line is lost', async () => {
    const dir = await scaffoldCopy(['infra', '--yes', '--stories', BASE.join(','), '--approve']);
    const pf = path.join(dir, 'platform.yaml');
    const settings = path.join(dir, SETTINGS);
    let saved = 0;
    for (let round = 0; round < 2; round++) {
      // A settings change that reaches cluster-settings.yaml, so regenerate rewrites (merges) the file being edited.
      const text = fs.readFileSync(pf, 'utf8');
      const domain = /^ {4}domain: (\S+)$/m.exec(text)![1];
      const next = `infra${round}.example.com`;
      fs.writeFileSync(pf, text.replace(`    domain: ${domain}\n`, `    domain: ${next}\n`));
      const tag = `regen${round}`;
      const editor = startEditor([pf, settings], tag);
      const r = await run('platform-kit', ['regenerate', '--dir', dir]);
      const n = await editor.stop();
      expectOutcome(r, ['platform.yaml', SETTINGS]);
      expect(missingLines(pf, tag, n), `${tag}: lines lost in platform.yaml (exit ${r.status})`).toEqual([]);
      expect(missingLines(settings, tag, n), `${tag}: lines lost in ${SETTINGS} (exit ${r.status})`).toEqual([]);
      saved += n;
      // Once nobody writes, the change goes through and the person's lines are merged, not dropped.
      const calm = await kitInProcess(['regenerate', '--dir', dir]);
      expect(calm.status, calm.stderr).toBe(0);
      expect(fs.readFileSync(settings, 'utf8')).toContain(next);
      expect(missingLines(settings, tag, n)).toEqual([]);
    }
    expect(saved, 'the editor really wrote while the commands ran').toBeGreaterThan(40);
  }, 60_000);
});

/**
 * Run a command and SIGKILL it inside its commit: as soon as its journal appears, after the given number of files
 * have been moved into place (polled), so the next run finds an interrupted commit to recover.
 */
function killInCommit(
  bin: string,
  args: string[],
  dir: string,
  atLeast: (journal: { path: string; hadOriginal: boolean }[]) => boolean,
): Promise<{ killed: boolean; journal: { path: string; hadOriginal: boolean }[] }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN(bin), ...args], { env: { ...process.env, CI: 'true' }, stdio: 'ignore' });
    const staging = path.join(dir, '.platform', '.staging');
    let journal: { path: string; hadOriginal: boolean }[] = [];
    let killed = false;
    const poll = setInterval(() => {
      try {
        for (const d of fs.readdirSync(staging)) {
          const j = path.join(staging, d, 'journal.json');
          if (!fs.existsSync(j)) continue;
          journal = JSON.parse(fs.readFileSync(j, 'utf8')).entries;
          if (atLeast(journal)) {
            c.kill('SIGKILL');
            killed = true;
            clearInterval(poll);
          }
        }
      } catch {
        // not there yet, or being written
      }
    }, 0);
    c.on('close', () => {
      clearInterval(poll);
      resolve({ killed, journal });
    });
  });
}

describe('field: an edit between a kill inside the commit and the next run survives', () => {
  it('a touched file edited after the kill and a file the killed run had just created are left as edited by the recovery', async () => {
    for (let attempt = 0; ; attempt++) {
      const dir = await scaffoldCopy(['infra', '--yes', '--stories', BASE.join(','), '--approve']);
      const pf = path.join(dir, 'platform.yaml');
      fs.writeFileSync(
        pf,
        fs.readFileSync(pf, 'utf8').replace('    domain: infra.example.com\n', '    domain: infra2.example.com\n'),
      );
      // The run adds a story (new files) and changes the domain (cluster-settings.yaml is replaced).
      const settings = path.join(dir, SETTINGS);
      const moved = (j: { path: string; hadOriginal: boolean }[]) =>
        j.some((e) => e.path === SETTINGS) && j.some((e) => !e.hadOriginal && fs.existsSync(path.join(dir, e.path)));
      const k = await killInCommit(
        'add-story',
        ['STORY-SEC-EXTERNAL-SECRETS-BASE', '--approve', '--dir', dir],
        dir,
        (j) => {
          if (!j.some((e) => e.path === SETTINGS)) return true; // nothing to test in this run: stop it
          return fs.readFileSync(settings, 'utf8').includes('infra2.example.com') && moved(j);
        },
      );
      const created = k.journal.find(
        (e) => !e.hadOriginal && !e.path.startsWith('.platform/') && fs.existsSync(path.join(dir, e.path)),
      );
      const staged = fs.existsSync(path.join(dir, '.platform', '.staging'));
      if (!k.killed || !staged || !created || !fs.readFileSync(settings, 'utf8').includes('infra2.example.com')) {
        expect(attempt, 'the kill never landed inside the commit after the files were moved').toBeLessThan(8);
        continue;
      }
      // A person edits both between the kill and the next run.
      fs.appendFileSync(settings, '# mine: after the kill\n');
      const createdAbs = path.join(dir, created.path);
      fs.appendFileSync(createdAbs, '# mine: in the new file\n');
      const editedSettings = fs.readFileSync(settings, 'utf8');
      const editedCreated = fs.readFileSync(createdAbs, 'utf8');
      const r = await kitInProcess(['regenerate', '--dir', dir]);
      expect([0, 1], r.stderr).toContain(r.status);
      expect(r.stderr).toMatch(
        /interrupted run was rolled back, except 2 files edited since it stopped, left as edited/,
      );
      expect(r.stderr).toContain(`  - ${SETTINGS}\n`);
      expect(r.stderr).toContain(`  - ${created.path}\n`);
      expect(fs.readFileSync(settings, 'utf8')).toBe(editedSettings);
      expect(fs.readFileSync(createdAbs, 'utf8')).toBe(editedCreated);
      expect(fs.existsSync(path.join(dir, '.platform', '.staging'))).toBe(false);
      // The edits are still there after the command that recovered (which then kept or refused to overwrite them).
      expect(fs.readFileSync(settings, 'utf8')).toContain('# mine: after the kill\n');
      expect(fs.readFileSync(createdAbs, 'utf8')).toBe(editedCreated);
      return;
    }
  }, 60_000);
});

describe('field: file modes', () => {
  it('a replaced file keeps its mode (chmod +x, read-only); a new script gets the mode its template declares', async () => {
    const dir = await scaffoldCopy(['infra', '--yes', '--stories', BASE.join(','), '--approve']);
    const mode = (rel: string) => fs.statSync(path.join(dir, rel)).mode & 0o777;
    // New files: a template whose output starts with an interpreter line is a script.
    for (const rel of ['bootstrap/render-values.sh', '.githooks/commit-msg']) {
      expect(fs.readFileSync(path.join(dir, rel), 'utf8').startsWith('#!')).toBe(true);
      expect(mode(rel) & 0o111, `${rel} is executable`).not.toBe(0);
    }
    expect(mode(SETTINGS) & 0o111).toBe(0);
    expect(mode('.platform/base/bootstrap/render-values.sh') & 0o111, 'a merge base is not a script').toBe(0);
    // A person's modes on files the next run replaces.
    const pf = path.join(dir, 'platform.yaml');
    fs.chmodSync(path.join(dir, SETTINGS), 0o755);
    fs.chmodSync(path.join(dir, 'bootstrap/render-values.sh'), 0o500);
    fs.chmodSync(pf, 0o444);
    const readOnlyBefore = fs.readFileSync(pf, 'utf8');
    fs.chmodSync(pf, 0o644);
    fs.writeFileSync(pf, readOnlyBefore.replace('    domain: infra.example.com\n', '    domain: infra3.example.com\n'));
    fs.chmodSync(pf, 0o444);
    const r = await kitInProcess(['regenerate', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, SETTINGS), 'utf8')).toContain('infra3.example.com');
    expect(mode(SETTINGS)).toBe(0o755);
    expect(mode('platform.yaml')).toBe(0o444);
    const a = await addStoryInProcess(['STORY-SEC-EXTERNAL-SECRETS-BASE', '--approve', '--dir', dir]);
    expect(a.status, a.stderr).toBe(0);
    expect(fs.readFileSync(pf, 'utf8')).toMatch(/STORY-SEC-EXTERNAL-SECRETS-BASE/);
    expect(mode('platform.yaml'), 'platform.yaml rewritten, still read-only').toBe(0o444);
    expect(mode('bootstrap/render-values.sh')).toBe(0o500);
  });
});
