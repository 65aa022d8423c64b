import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/**
 * Issue 16, item 4: colour only on a terminal; a dry run tells what the real run does with a kept file and the
 * manifest; a conflict is never reported as "regenerated"; add-story on an approved story says so.
 */

const BIN = (b: string) => path.join(ROOT, 'lib', 'cli', `${b}.js`);
const ESC = '\x1b[';
const RELOADER_VALUES = 'kubernetes/infrastructure/operations/reloader/app/helm-values.yaml';
const STORIES = [
  'STORY-BOOT-TALOS',
  'STORY-BOOT-CRDS',
  'STORY-BOOT-CORE',
  'STORY-GITOPS-SELF-MGMT-FLUX',
  'STORY-OPS-RELOADER-ALL-CLUSTERS',
];

/** The process environment without the colour switches, plus `extra`. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR']) if (!(k in extra)) delete e[k];
  return e;
}

function run(bin: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN(bin), ...args], {
    encoding: 'utf8',
    env: env(extra),
    input: '',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run in a pseudo-terminal (test/helpers/pty-drive.py, no conversation): what a person sees on a terminal. */
function onTty(bin: string, args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(
    'python3',
    [path.join(ROOT, 'test/helpers/pty-drive.py'), '[]', '--', process.execPath, BIN(bin), ...args],
    {
      encoding: 'utf8',
      env: env(extra),
      timeout: 60_000,
    },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// Colour is decided by the process's terminal and environment, so only the colour test spawns; the rest runs in process.
let base: Promise<string> | undefined;

/** A copy of cluster infra with STORIES approved (made once per file). */
async function repo(): Promise<string> {
  base ??= (async () => {
    const dir = path.join(tmpDir('output-'), 'platform');
    expect((await runInProcess('create-platform-cluster', ['infra', '--yes', '--dir', dir])).status).toBe(0);
    const r = await runInProcess('add-story', [...STORIES, '--approve', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    return dir;
  })();
  const dir = path.join(tmpDir('output-'), 'platform');
  fs.cpSync(await base, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

describe('output colour', () => {
  it('output-colour: piped output has no escape codes; NO_COLOR none on a terminal either; a terminal gets colour', () => {
    const piped = run('create-platform-cluster', [
      'infra',
      '--yes',
      '--dry-run',
      '--dir',
      path.join(tmpDir('output-'), 'p'),
    ]);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('dry run: nothing was written');
    expect(piped.stdout + piped.stderr).not.toContain('\x1b');

    const tty = onTty('create-platform-cluster', [
      'infra',
      '--yes',
      '--dry-run',
      '--dir',
      path.join(tmpDir('output-'), 't'),
    ]);
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toContain('dry run: nothing was written');
    // The create count is green (SGR 32), the header bold.
    expect(tty.stdout).toMatch(/\x1b\[32m +\d+\x1b\[39m/);
    expect(tty.stdout).toContain(`${ESC}1m`);

    const noColour = onTty(
      'create-platform-cluster',
      ['infra', '--yes', '--dry-run', '--dir', path.join(tmpDir('output-'), 'n')],
      { NO_COLOR: '1' },
    );
    expect(noColour.status, noColour.stderr).toBe(0);
    expect(noColour.stdout).toContain('dry run: nothing was written');
    expect(noColour.stdout).not.toContain('\x1b');

    const forced = run(
      'create-platform-cluster',
      ['infra', '--yes', '--dry-run', '--dir', path.join(tmpDir('output-'), 'f')],
      { FORCE_COLOR: '1' },
    );
    expect(forced.stdout).toMatch(/\x1b\[32m +\d+\x1b\[39m/);
  });
});

describe('output of --dry-run', () => {
  it('output-dry-run-keep: a file a person edited is reported kept (no diff undoing the edit), and the real run keeps it', async () => {
    const dir = await repo();
    const file = path.join(dir, RELOADER_VALUES);
    const mine = fs.readFileSync(file, 'utf8').replace('cpu: 10m', 'cpu: 50m # measured');
    fs.writeFileSync(file, mine);
    // A change of platform.yaml too, so the manifest's hashes change: that is one line, not a diff.
    const pf = path.join(dir, 'platform.yaml');
    fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace('branch: main', 'branch: trunk'));
    const dry = await runInProcess('platform-kit', ['regenerate', '--dry-run', '--dir', dir]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`^ +keep +${RELOADER_VALUES.replace(/[./]/g, '\\$&')} +\\(kept as you have it, not rewritten`, 'm'),
    );
    expect(dry.stdout).not.toContain(`a/${RELOADER_VALUES}`);
    expect(dry.stdout).not.toContain('-        cpu: 50m # measured');
    // The manifest: one bookkeeping line, no diff of hashes.
    expect(dry.stdout).toMatch(/^\.platform\/: manifest updated/m);
    expect(dry.stdout).not.toContain('manifest.json');
    expect(dry.stdout).not.toMatch(/^[-+] +"[^"]+": "[0-9a-f]{64}"/m);
    // What the dry run shows for the files it would write is still there.
    expect(dry.stdout).toMatch(/^\+ +GIT_BRANCH: trunk$/m);
    // And the real run does what the dry run said: the edit stays byte for byte.
    const real = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(real.status, real.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(mine);
  });
});

describe('output of a conflict', () => {
  it('output-conflict: regenerate says which files conflict and that markers were written, never "regenerated", exit 1', async () => {
    const dir = await repo();
    const file = path.join(dir, RELOADER_VALUES);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('cpu: 10m', 'cpu: 50m # measured'));
    const override = path.join(dir, '.platform/templates/components/operations/reloader');
    fs.mkdirSync(override, { recursive: true });
    const tpl = fs.readFileSync(
      path.join(ROOT, 'templates/components/operations/reloader/helm-values.yaml.hbs'),
      'utf8',
    );
    expect(tpl).toContain('cpu: 10m');
    fs.writeFileSync(path.join(override, 'helm-values.yaml.hbs'), tpl.replace('cpu: 10m', 'cpu: 20m'));

    const before = snapshot(dir);
    const dry = await runInProcess('platform-kit', ['regenerate', '--dry-run', '--dir', dir]);
    expect(dry.status).toBe(1);
    expect(dry.stdout + dry.stderr).not.toMatch(/regenerated/);
    expect(dry.stderr).toMatch(/^conflict: 1 file where your edits and the new render overlap; .*nothing was written/m);
    expect(dry.stderr).toContain(`  - ${RELOADER_VALUES}`);
    expect(dry.stdout).toMatch(/conflict markers would be written/);
    expect(snapshot(dir)).toEqual(before);

    const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(/regenerated/);
    expect(r.stderr).toMatch(
      /^conflict: 1 file where your edits and the new render overlap; written with conflict markers/m,
    );
    expect(r.stderr).toContain(`  - ${RELOADER_VALUES}`);
    expect(r.stdout).toMatch(/^wrote 1 file, deleted 0 in .*; not done: 1 file with conflicts to resolve/m);
    // True: the markers are in the file.
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<{7} .*\(yours\)$/m);

    // Run again before resolving: nothing is written and it says the markers are from before.
    const again = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(again.status).toBe(1);
    expect(again.stdout + again.stderr).not.toMatch(/regenerated|nothing to do/);
    expect(again.stdout).toMatch(/^nothing written/m);
    expect(again.stderr).toMatch(
      /^conflict: 1 file still holds conflict markers from an earlier merge \(left as they are\):/m,
    );
  });
});

describe('output of add-story', () => {
  it('output-add-story-approved: on an approved story it says approved on the cluster and does not suggest approve', async () => {
    const id = 'STORY-OPS-RELOADER-ALL-CLUSTERS';
    const dir = await repo();
    const r = await runInProcess('add-story', [id, '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/draft|platform-kit approve/);
    const clusters = Object.keys(
      (require('yaml') as typeof import('yaml')).parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'))
        .stories[id].clusters,
    );
    expect(r.stdout).toContain(`nothing to do: ${id} already approved on ${clusters.join(', ')}`);
    // A draft story still gets the suggestion.
    const d = await runInProcess('add-story', ['STORY-SEC-EXTERNAL-SECRETS-BASE', '--dir', dir]);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(
      /^next: review docs\/stories\/STORY-SEC-EXTERNAL-SECRETS-BASE\.md, then platform-kit approve STORY-SEC-EXTERNAL-SECRETS-BASE/m,
    );
  });
});
