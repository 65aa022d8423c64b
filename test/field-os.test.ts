import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createClusters } from '../src/commands/create-cluster';
import { UsageError } from '../src/core/errors';
import { LOCK_FORMAT, withRepoLock } from '../src/core/lock';
import { defaultCluster, exhaustedDefaults } from '../src/model/defaults';
import { newPlatform, platformToString, setCluster } from '../src/model/platform-file';
import { cli, ROOT, snapshot, tmpDir } from './helpers/fs';
import { addStoryInProcess, createInProcess, kitInProcess } from './helpers/in-process';
import { scaffoldCopy } from './helpers/platform';

/**
 * Field conditions of the operating system: a reader that closes the pipe, special files given as --answers, a
 * read-only checkout, a full disk, a folder or a stranger's file where the lock belongs, Ctrl-C at a prompt, git
 * refusing a commit, a hand-formatted platform.yaml, and defaults that run out. Processes are real where the
 * process is the subject (pipes, signals, mounts, users, a read that could block forever); the rest runs in-process,
 * on copies of one scaffold per set of arguments.
 */

const BIN = (b: string) => path.join(ROOT, 'lib', 'cli', `${b}.js`);
const LOCK = '.platform/lock';

/** A fresh generated repository (one cluster unless told): a copy of the scaffold made once per file. */
const repo = (args: string[] = ['infra', '--yes']): Promise<string> => scaffoldCopy(args);

function bash(script: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    timeout: 90_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A private mount namespace is how these tests get a real read-only or full file system as root. */
function requireMountNamespace(): void {
  const r = spawnSync(
    'unshare',
    [
      '-m',
      'sh',
      '-c',
      'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && mount -o remount,ro "$d" && ! touch "$d/x" 2>/dev/null',
    ],
    { encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) {
    throw new Error(
      'test/field-os.test.ts needs "unshare -m" with mount rights (root or CAP_SYS_ADMIN) to make a real read-only / ' +
        `full file system: ${r.error?.message ?? r.stderr}`,
    );
  }
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** sha256 of every file under a folder, sorted: run inside a namespace, compared outside. */
const hashes = (dir: string, out: string) =>
  `(cd ${q(dir)} && find . -type f ! -name filler -print0 | sort -z | xargs -0 sha256sum) > ${q(out)}`;

describe('EPIPE: a reader that goes away ends the output quietly', () => {
  for (const [what, args] of [
    ['create --dry-run', ['infra', '--yes', '--dry-run']],
    ['a real scaffold', ['infra', 'apps', '--yes', '--stories', 'all', '--approve']],
  ] as const) {
    for (const reader of ['head -1', 'true']) {
      it(`${what} | ${reader}: no stack trace, exit 0, and the scaffold is complete`, async () => {
        const dir = path.join(tmpDir('cpc-os-'), 'p');
        const r = bash(
          `${q(process.execPath)} ${q(BIN('create-platform-cluster'))} ${args.join(' ')} --dir ${q(dir)} | ${reader}; echo "rc=\${PIPESTATUS[0]}" >&2`,
        );
        expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
        expect(r.stderr.trim()).toBe('rc=0');
        if (reader === 'head -1') expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
        if ((args as readonly string[]).includes('--dry-run')) expect(fs.existsSync(dir)).toBe(false);
        else expect((await kitInProcess(['regenerate', '--check', '--dir', dir])).status).toBe(0);
      });
    }
  }
});

describe('--answers reads only a regular file of bounded size (exit 2, at once)', () => {
  const base = tmpDir('cpc-os-');
  const fifo = path.join(base, 'fifo');
  spawnSync('mkfifo', [fifo]);
  const folder = path.join(base, 'folder');
  fs.mkdirSync(folder);
  const big = path.join(base, 'big.yaml');
  // A valid answers file padded with a comment to 10 MB: the size alone refuses it.
  fs.writeFileSync(big, 'clusters:\n  - name: infra\n' + '#'.repeat(10 * 1024 * 1024) + '\n');
  // The device and the FIFO run in a real process: read by mistake they block or never end, which only a process's
  // timeout can stop. The folder and the oversized file are refused in process (the message and exit code are the subject).
  for (const [what, file, rule] of [
    ['/dev/zero', '/dev/zero', /is not a regular file \(a device\)/],
    ['a FIFO nobody writes to', fifo, /is not a regular file \(a pipe\)/],
  ] as const) {
    it(`refuses ${what}`, () => {
      const dir = path.join(tmpDir('cpc-os-'), 'p');
      const started = Date.now();
      const r = spawnSync(
        process.execPath,
        [BIN('create-platform-cluster'), '--answers', file, '--yes', '--dir', dir],
        { encoding: 'utf8', timeout: 20_000, env: { ...process.env, CI: 'true' } },
      );
      expect(r.error, 'the command did not end within 20 s (it reads forever)').toBeUndefined();
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(rule);
      expect(r.stderr).toContain(`--answers ${file}`);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
  for (const [what, file, rule] of [
    ['a folder', folder, /is a folder/],
    ['a 10 MB file', big, /is \d+ bytes, more than an answers file can be \(1048576 bytes\)/],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const dir = path.join(tmpDir('cpc-os-'), 'p');
      const started = Date.now();
      const r = await createInProcess(['--answers', file, '--yes', '--dir', dir]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(rule);
      expect(r.stderr).toContain(`--answers ${file}`);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
});

describe('read-only commands take no lock and work on a read-only checkout', () => {
  // A read-only bind mount in a private mount namespace: writes fail with EROFS even for root (chmod does not stop root).
  // One shell line per command: run it, print "<command> => <exit> <stderr on one line>".
  const runLine = (c: string) =>
    `${q(process.execPath)} ${q(BIN('platform-kit'))} ${c} >/dev/null 2>/tmp/$$.err; echo "${c} => $? $(tr '\\n' ' ' </tmp/$$.err)"`;
  const inReadOnly = (dir: string, cmds: string[]) =>
    bash(
      `unshare -m bash -c ${q(`mount --bind ${q(dir)} ${q(dir)} && mount -o remount,bind,ro ${q(dir)} && cd ${q(dir)} || exit 99
if touch .probe 2>/dev/null; then echo "NOT READ-ONLY"; exit 98; fi
${cmds.map(runLine).join('\n')}`)}`,
    );
  const READ_ONLY = [
    'regenerate --check',
    'regenerate --dry-run',
    'check',
    'stories',
    'plan',
    'plan --status',
    'graph',
  ];

  it('up to date: every read-only command exits 0, and so does regenerate (nothing to do, nothing to lock)', () => {
    requireMountNamespace();
    // Scaffolded by the bin itself: the fast path compares the generator's fingerprint (its code, lib/ here), which
    // an in-process scaffold (src/) does not share.
    const dir = path.join(tmpDir('cpc-os-'), 'p');
    const made = cli('create-platform-cluster', [
      'infra',
      'apps',
      '--yes',
      '--stories',
      'all',
      '--approve',
      '--dir',
      dir,
    ]);
    expect(made.status, made.stderr).toBe(0);
    const r = inReadOnly(dir, [...READ_ONLY, 'regenerate']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' => ')),
    );
    // plan warns (stderr) that the catalog's default dates lie in the past: a warning, not a failure.
    for (const c of READ_ONLY)
      expect(lines[c], `${c}: ${lines[c]}`).toMatch(
        c.startsWith('plan') ? /^0\s*(warning: this plan lies in the past \(.*)?$/ : /^0\s*$/,
      );
    expect(lines.regenerate).toMatch(/^0\s*$/); // nothing to do: the fast path of a writing command
    expect(fs.existsSync(path.join(dir, LOCK))).toBe(false);
  });

  it('platform.yaml changed: --check exits 1 (drift), --dry-run 0, regenerate exits 3 naming the lock and EROFS', async () => {
    requireMountNamespace();
    const dir = await repo();
    const pf = path.join(dir, 'platform.yaml');
    fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace('domain: infra.example.com', 'domain: infra.example.org'));
    const before = snapshot(dir);
    const r = inReadOnly(dir, ['regenerate --check', 'regenerate --dry-run', 'regenerate']);
    const lines = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' => ')),
    );
    expect(lines['regenerate --check'], r.stdout).toMatch(/^1\s*$/);
    expect(lines['regenerate --dry-run'], r.stdout).toMatch(/^0\s*$/);
    expect(lines.regenerate).toMatch(
      /^3 error: \S*\.platform\/lock: the file system is read-only \(EROFS on open\); nothing was written/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('read-only commands refuse (not recover) a half-done commit, since recovering writes', async () => {
    const dir = await repo();
    fs.mkdirSync(path.join(dir, '.platform/.staging/1-abcd'), { recursive: true });
    const r = await kitInProcess(['regenerate', '--check', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /an interrupted commit is pending in \.platform\/\.staging.*run a writing command \(platform-kit regenerate\)/,
    );
  });
});

describe('the lock: its format, and what stands in its place reported plainly', () => {
  it('records its format version, pid, host and start time', async () => {
    const dir = await repo();
    const t0 = Date.now();
    const held = withRepoLock(dir, () => JSON.parse(fs.readFileSync(path.join(dir, LOCK), 'utf8')));
    expect(held).toMatchObject({ format: LOCK_FORMAT, pid: process.pid, host: os.hostname() });
    expect(Date.parse(held.started)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(Date.parse(held.started)).toBeLessThanOrEqual(Date.now());
    expect(fs.existsSync(path.join(dir, LOCK))).toBe(false);
  });

  const old = (file: string) => {
    const t = new Date(Date.now() - 60_000);
    fs.utimesSync(file, t, t);
  };
  const run = (dir: string) =>
    addStoryInProcess(['STORY-BOOT-TALOS', '--dir', dir], { env: { CPC_LOCK_WAIT_MS: '300' } });

  it('a lock in an unknown format is described (not "pid undefined on undefined") while fresh, and taken over once old', async () => {
    const dir = await repo();
    const lock = path.join(dir, LOCK);
    fs.writeFileSync(lock, JSON.stringify({ owner: 'someone' }));
    const r = await run(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/undefined/);
    expect(r.stderr).toMatch(
      /\.platform\/lock is not in a lock format this tool reads, last changed \d+ s ago; once it is 5 s old .* taken over; delete \.platform\/lock if no/,
    );
    old(lock);
    const again = await run(dir);
    expect(again.status, again.stderr).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('a lock from another host says so: its pid, host, age and how to remove it', async () => {
    const dir = await repo();
    const started = new Date(Date.now() - 90_000).toISOString();
    fs.writeFileSync(
      path.join(dir, LOCK),
      JSON.stringify({ format: 1, pid: 4242, host: 'builder-7', started, command: 'platform-kit approve X' }),
    );
    const before = snapshot(dir);
    const r = await run(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `pid 4242 on another host, builder-7 (this host cannot see whether it still runs; it expires 10 min after its start), started ${started}, `,
    );
    expect(r.stderr).toMatch(/, 9\d s ago: platform-kit approve X; lock format 1\)/);
    expect(r.stderr).toMatch(
      /delete \.platform\/lock if no create-platform-cluster, add-story or platform-kit command runs on this repository/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('a folder where the lock belongs is reported as one (no raw EISDIR), exit 1, nothing written, and left alone', async () => {
    const dir = await repo();
    const lock = path.join(dir, LOCK);
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'note'), 'someone keeps this\n');
    old(lock);
    const before = snapshot(dir);
    const r = await run(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/EISDIR/);
    expect(r.stderr).toMatch(
      /^error: \.platform\/lock is a folder, not the tool's lock file \(last changed \d+ s ago\); nothing was written; remove it \(rm -r \.platform\/lock\)/,
    );
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a full disk and a refused permission: one line naming the file, what happened, what was written', () => {
  /** Copy a repository into a tmpfs of `size`, fill it to `leaveKiB` free, run the command, hash before/after. */
  function onFullDisk(src: string, leaveKiB: number, args: string[]) {
    const work = tmpDir('cpc-os-');
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    const r = bash(
      `unshare -m bash -c ${q(`mount -t tmpfs -o size=32m tmpfs ${q(mnt)} && cp -a ${q(src)}/. ${q(mnt)}/ || exit 99
avail=$(df -k --output=avail ${q(mnt)} | tail -1)
fallocate -l $(( (avail - ${leaveKiB}) * 1024 )) ${q(mnt)}/filler || dd if=/dev/zero of=${q(mnt)}/filler bs=1k count=$((avail - ${leaveKiB})) 2>/dev/null
${hashes(mnt, path.join(work, 'before'))}
${q(process.execPath)} ${args.map(q).join(' ')} --dir ${q(mnt)} >/dev/null 2>${q(path.join(work, 'err'))}; echo $? > ${q(path.join(work, 'rc'))}
${hashes(mnt, path.join(work, 'after'))}`)}`,
    );
    expect(r.status, r.stderr).toBe(0);
    const read = (f: string) => fs.readFileSync(path.join(work, f), 'utf8');
    return { status: Number(read('rc')), stderr: read('err'), before: read('before'), after: read('after') };
  }

  it('ENOSPC while creating the lock: exit 3, the lock is named, no 0-byte lock is left behind', async () => {
    requireMountNamespace();
    const src = await repo();
    const pf = path.join(src, 'platform.yaml');
    fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace('domain: infra.example.com', 'domain: infra.example.org'));
    const r = onFullDisk(src, 0, [BIN('platform-kit'), 'regenerate']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        String.raw`^error: \S+\/\.platform\/lock: no space left on the device \(the disk or its quota is full\) \(ENOSPC on write\); ` +
          String.raw`nothing was written \(the lock \.platform\/lock could not be created\)$`,
      ),
    );
    expect(r.after).toBe(r.before); // no lock (empty or not) is left, nothing else changed
  });

  it('ENOSPC while staging a commit: exit 3, the file named, and every file as it was', async () => {
    requireMountNamespace();
    const src = await repo(['infra', 'apps', '--yes']);
    const r = onFullDisk(src, 64, [BIN('add-story'), '--all']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`^error: \.platform\/\.staging \(the new contents being staged before they are moved into place\): no space left on ` +
          String.raw`the device .*\(ENOSPC on \w+\); nothing was written \(what had been moved into place was put back\)`,
      ),
    );
    expect(r.after).toBe(r.before);
  });

  it('EACCES (an unprivileged user on a checkout it may not write): exit 3, permission denied, nothing written', async () => {
    const have = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
    if (have.error || have.status !== 0)
      throw new Error(
        'this test runs the CLI as user nobody with setpriv (util-linux); it is missing or not permitted',
      );
    const dir = await repo();
    // nobody may read the repository (and reach it) but not write it.
    for (let d = dir; d !== path.dirname(d) && d.startsWith(os.tmpdir()); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    const pf = path.join(dir, 'platform.yaml');
    fs.writeFileSync(pf, fs.readFileSync(pf, 'utf8').replace('domain: infra.example.com', 'domain: infra.example.org'));
    const before = snapshot(dir);
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        BIN('platform-kit'),
        'regenerate',
        '--dir',
        dir,
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: '/tmp' } },
    );
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr.trim()).toMatch(
      /^error: \S+\/\.platform\/lock: permission denied \(EACCES on open\); nothing was written/,
    );
    // ...while the read-only commands work for that user.
    const check = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        BIN('platform-kit'),
        'regenerate',
        '--check',
        '--dir',
        dir,
      ],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stderr).toBe(1);
    expect(check.stdout).toMatch(/check: the repository is not what platform.yaml and the templates generate/);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('Ctrl-C at a prompt', () => {
  it('prints "cancelled, nothing written" and exits 130', () => {
    const dir = path.join(tmpDir('cpc-os-'), 'p');
    const r = spawnSync(
      'python3',
      [
        path.join(ROOT, 'test/helpers/pty-drive.py'),
        JSON.stringify([['Cluster name', '\x03']]),
        '--',
        process.execPath,
        BIN('create-platform-cluster'),
        '--dir',
        dir,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, CI: 'false', TERM: 'xterm' },
        timeout: 55_000,
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(130);
    expect(r.stdout).toMatch(/cancelled, nothing written/);
    expect(r.stdout).not.toMatch(/ExitPromptError|\n\s+at /);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('add-story --git commits exactly its own change', () => {
  async function gitRepo(): Promise<{ dir: string; git: (...a: string[]) => string }> {
    const dir = await repo();
    const git = (...a: string[]) => {
      const r = spawnSync('git', ['-C', dir, ...a], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'sre@example.com');
    git('config', 'user.name', 'SRE');
    git('add', '-A');
    git('commit', '-q', '-m', 'init');
    return { dir, git };
  }

  it('an unrelated uncommitted edit of platform.yaml: refused (exit 2), nothing written, the edit and the branch untouched', async () => {
    const { dir, git } = await gitRepo();
    const pf = path.join(dir, 'platform.yaml');
    fs.appendFileSync(pf, '# my note, not ready to commit\n');
    const before = snapshot(dir);
    const head = git('rev-parse', 'HEAD');
    const r = await addStoryInProcess(['STORY-BOOT-TALOS', '--git', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /--git: a file the story writes has uncommitted changes .*Commit or stash them first; nothing was written\n {2}- platform\.yaml/,
    );
    expect(snapshot(dir)).toEqual(before);
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git('log', '--all', '-p').includes('my note')).toBe(false);
  });

  it('other uncommitted work stays out of the commit; the commit holds exactly the files the story wrote', async () => {
    const { dir, git } = await gitRepo();
    fs.writeFileSync(path.join(dir, 'NOTES.md'), 'draft\n');
    const r = await addStoryInProcess(['STORY-BOOT-TALOS', '--git', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const committed = git('show', '--name-only', '--format=', 'HEAD').split('\n').sort();
    expect(committed).not.toContain('NOTES.md');
    expect(committed).toContain('platform.yaml');
    expect(git('status', '--porcelain')).toBe('?? NOTES.md');
  });

  it('when git refuses the commit, the files it wrote are put back and unstaged (exit 1, says so)', async () => {
    const { dir, git } = await gitRepo();
    git('config', 'commit.gpgsign', 'true');
    git('config', 'gpg.program', 'false'); // signing fails: git commit fails after the story has written its files
    const before = snapshot(dir);
    const head = git('rev-parse', 'HEAD');
    const r = await addStoryInProcess(['STORY-BOOT-TALOS', '--git', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`--git: git commit failed: .*; the files it wrote were put back as they were and unstaged \(nothing written, nothing ` +
          String.raw`committed; still on branch story\/story-boot-talos\)`,
      ),
    );
    expect(r.stdout).not.toMatch(/nothing to commit/);
    expect(git('status', '--porcelain')).toBe('');
    expect(git('rev-parse', 'HEAD')).toBe(head);
    const ignoreGit = (s: Record<string, string>) =>
      Object.fromEntries(Object.entries(s).filter(([k]) => k !== '.git/' && !k.startsWith('.git/')));
    expect(ignoreGit(snapshot(dir))).toEqual(ignoreGit(before));
  });
});

describe('platform.yaml formatting alone is never rewritten and never drift', () => {
  const variants: [string, (text: string) => string][] = [
    ['a comment after a value', (t) => t.replace(/^( {4}domain: .*)$/m, '$1   # our public zone')],
    ['flow style', (t) => t.replace(/^( {4}git:)\n {6}url: (.*)\n {6}branch: (.*)$/m, '$1 { url: "$2", branch: $3 }')],
    // The first line, the editors' schema line, is the tool's: it stays above the JSON (json-schema-modeline.test.ts).
    ['JSON style', (t) => t.split('\n')[0] + '\n' + JSON.stringify(parse(t), null, 1) + '\n'],
  ];
  for (const [what, edit] of variants) {
    it(`${what}: regenerate --check is up to date and regenerate keeps the bytes`, async () => {
      const dir = await repo();
      const pf = path.join(dir, 'platform.yaml');
      const text = edit(fs.readFileSync(pf, 'utf8'));
      expect(text).not.toBe(fs.readFileSync(pf, 'utf8'));
      expect(parse(text)).toEqual(parse(fs.readFileSync(pf, 'utf8'))); // the edit changes formatting only
      fs.writeFileSync(pf, text);
      const check = await kitInProcess(['regenerate', '--check', '--dir', dir]);
      expect(check.status, check.stdout).toBe(0);
      expect(check.stdout).toMatch(/check: up to date/);
      const r = await kitInProcess(['regenerate', '--dir', dir]);
      expect(r.status, r.stderr).toBe(0);
      expect(fs.readFileSync(pf, 'utf8')).toBe(text);
      // Negative control: a real value change in the same style is drift and is applied.
      fs.writeFileSync(pf, text.replace('infra.example.com', 'infra.example.net'));
      expect((await kitInProcess(['regenerate', '--check', '--dir', dir])).status).toBe(1);
    });
  }
});

describe('default networks running out', () => {
  it('cluster 125 names the cause (no free default network) and the flags to pass, not a flag never passed', () => {
    const dir = tmpDir('cpc-os-');
    let pf = newPlatform();
    for (let i = 1; i <= 124; i++) pf = setCluster(pf, `c${i}`, defaultCluster(pf.spec, `c${i}`));
    const pods = Object.values(pf.spec.clusters).map((c) => c.network.podCidr);
    expect(new Set(pods).size).toBe(124); // every default pair is used once
    fs.writeFileSync(path.join(dir, 'platform.yaml'), platformToString(pf));
    let err: unknown;
    try {
      createClusters({ dir, clusters: [{ name: 'c125' }], dryRun: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const text = [(err as UsageError).message, ...(err as UsageError).details].join('\n');
    expect(text).toMatch(/cluster c125: the defaults have run out \(nothing was written\)/);
    expect(text).toMatch(
      /no free default pod\/service network: all 124 default pairs .* used by the 124 clusters in platform\.yaml; pass --pod-cidr and --service-cidr/,
    );
    expect(text).not.toMatch(/\(--pod-cidr\)/);
    // Control: with both networks given there is nothing missing.
    expect(exhaustedDefaults(pf.spec, { podCidr: '172.16.0.0/16', serviceCidr: '172.17.0.0/16' })).toEqual([]);
  });
});
