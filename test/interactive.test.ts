import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, snapshot, tmpDir } from './helpers/fs';

/**
 * The prompt path in a real pseudo-terminal: test/helpers/pty-drive.py runs the compiled bin on a pty
 * and answers each prompt once it is on screen.
 */

const DRIVER = path.join(ROOT, 'test', 'helpers', 'pty-drive.py');
const BIN = path.join(ROOT, 'lib', 'cli', 'create-platform-cluster.js');

const ENTER = '\r';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const CTRL_C = '\x03';
const CTRL_U = '\x15';

/** [regex to wait for (ANSI stripped, searched after the previous match), text to type]. */
type Step = [string, string];

interface PtyResult {
  status: number;
  /** What the command wrote to the terminal, ANSI escapes removed. */
  output: string;
  /** The driver's own complaints (timeouts), with what it had seen. */
  stderr: string;
}

const stripAnsi = (s: string) =>
  s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, '');

function requirePython(): void {
  const r = spawnSync('python3', ['-c', 'import pty, termios, fcntl'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'test/interactive.test.ts needs python3 (with the pty module, i.e. a POSIX system) to drive the CLI in a pseudo-terminal: ' +
        (r.error ? r.error.message : r.stderr.trim()),
    );
  }
}

function drive(script: Step[], args: string[], env: Record<string, string> = {}, bin = BIN): PtyResult {
  requirePython();
  const r = spawnSync('python3', [DRIVER, JSON.stringify(script), '--', process.execPath, bin, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'false', TERM: 'xterm', ...env },
    timeout: 55_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: stripAnsi(r.stdout).replace(/\r\n/g, '\n'), stderr: r.stderr };
}

/** Explain a failure with everything the terminal showed. */
const seen = (r: PtyResult) => `exit ${r.status}\n--- terminal ---\n${r.output}\n--- driver ---\n${r.stderr}`;

/** Enter on every prompt from "DNS domain" up to (not including) "Pod CIDR". */
const DEFAULTS_BEFORE_POD_CIDR: Step[] = [
  ['DNS domain', ENTER],
  ['Cluster id', ENTER],
  ['Node network CIDR', ENTER],
  ['Node network gateway', ENTER],
];

/** Enter on every prompt after "Service CIDR". */
const DEFAULTS_AFTER_SERVICE_CIDR: Step[] = [
  ['Load-balancer range', ENTER],
  ['External gateway IP', ENTER],
  ['Internal gateway IP', ENTER],
  ['Kubernetes API endpoint', ENTER],
  ['Nodes \\(', ENTER],
  ['Git repository URL', ENTER],
  ['Git branch', ENTER],
  ['External Secrets provider', ENTER],
  // The summary, then the confirm before writing (Enter = yes).
  ['Write \\d+ files', ENTER],
];

function readPlatform(dir: string): any {
  const file = path.join(dir, 'platform.yaml');
  expect(fs.existsSync(file), 'platform.yaml was not written').toBe(true);
  return parse(fs.readFileSync(file, 'utf8'));
}

describe('create-platform-cluster prompts in a pseudo-terminal', () => {
  it('asks for the name, the role (select) and the values, takes typed answers and defaults', () => {
    const dir = tmpDir();
    const r = drive(
      [
        ['Cluster name', 'edge' + ENTER],
        // The default role of "edge" is apps: move away and back with the arrows to exercise the select.
        ['Role of edge', UP],
        ['❯ infra', DOWN],
        ['❯ apps', ENTER],
        ...DEFAULTS_BEFORE_POD_CIDR,
        ['Pod CIDR', '10.50.0.0/16' + ENTER],
        ['Service CIDR', '10.51.0.0/16' + ENTER],
        ...DEFAULTS_AFTER_SERVICE_CIDR,
      ],
      ['--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output, seen(r)).toContain('added cluster edge');

    const spec = readPlatform(dir);
    expect(Object.keys(spec.clusters)).toEqual(['edge']);
    const edge = spec.clusters.edge;
    expect(edge.role).toBe('apps');
    expect(edge.network.podCidr).toBe('10.50.0.0/16');
    expect(edge.network.serviceCidr).toBe('10.51.0.0/16');
    // Defaults were taken where Enter was pressed.
    expect(edge.domain).toBe('edge.example.com');
    expect(edge.git.branch).toBe('main');

    const clusterDir = path.join(dir, 'kubernetes', 'clusters', 'edge');
    expect(fs.existsSync(path.join(clusterDir, 'workloads.yaml')), 'an apps cluster gets workloads.yaml').toBe(true);
    const settings = parse(fs.readFileSync(path.join(clusterDir, 'cluster-settings.yaml'), 'utf8'));
    expect(settings.data.POD_CIDR).toBe('10.50.0.0/16');
    expect(settings.data.CLUSTER_NAME).toBe('edge');
  });

  it('shows a validation error for a bad CIDR and accepts a corrected one', () => {
    const dir = tmpDir();
    const r = drive(
      [
        ['Cluster name', 'edge' + ENTER],
        ['Role of edge', ENTER],
        ...DEFAULTS_BEFORE_POD_CIDR,
        ['Pod CIDR', '10.50.0.1/16' + ENTER],
        // parseCidr's message; the prompt stays on Pod CIDR with the bad text in the line.
        ['host bits set', CTRL_U],
        // The line is empty again: the default is shown.
        ['Pod CIDR \\(10\\.244\\.0\\.0/16\\)', '10.52.0.0/16' + ENTER],
        ['Service CIDR', ENTER],
        ...DEFAULTS_AFTER_SERVICE_CIDR,
      ],
      ['--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output).toContain('10.50.0.1/16 has host bits set (the network is 10.50.0.0/16)');
    expect(r.output).toMatch(/✔ Pod CIDR 10\.52\.0\.0\/16/);
    const edge = readPlatform(dir).clusters.edge;
    expect(edge.network.podCidr).toBe('10.52.0.0/16');
    expect(edge.role).toBe('apps');
  });

  it('Ctrl-C in the middle of the prompts writes nothing and exits non-zero', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'README.md'), 'mine\n');
    const before = snapshot(dir);
    const r = drive(
      [
        ['Cluster name', 'edge' + ENTER],
        ['Role of edge', ENTER],
        ...DEFAULTS_BEFORE_POD_CIDR,
        ['Pod CIDR', '10.5'],
        ['Pod CIDR 10\\.5', CTRL_C],
      ],
      ['--dir', dir],
    );
    expect(r.status, seen(r)).not.toBe(0);
    expect(r.status, `the driver timed out instead of the CLI ending\n${seen(r)}`).not.toBe(124);
    expect(snapshot(dir)).toEqual(before);
  });

  it('with CI=true on a terminal and no --yes, does not prompt and lists the missing flags', () => {
    const dir = tmpDir();
    const before = snapshot(dir);
    const r = drive([], ['edge', '--dir', dir], { CI: 'true' });
    expect(r.status, seen(r)).toBe(2);
    expect(r.output).toContain('cluster edge:');
    for (const flag of ['--role', '--pod-cidr', '--service-cidr', '--node', '--secret-store']) {
      expect(r.output, seen(r)).toContain(`  - ${flag}`);
    }
    expect(r.output, 'a prompt was shown').not.toMatch(/^\? /m);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('add-story --custom prompts in a pseudo-terminal', () => {
  it('asks for title, lane (select), component, namespace and chart, then records and renders the story', () => {
    const dir = path.join(tmpDir(), 'p');
    const made = spawnSync(process.execPath, [BIN, 'infra', 'apps', '--yes', '--dir', dir], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(made.status, made.stderr).toBe(0);
    const r = drive(
      [
        ['Title of STORY-APP-PODINFO', 'Podinfo demo' + ENTER],
        ['Lane', ENTER], // apps is first
        ['Component name', ENTER], // default: podinfo (last part of the id)
        ['Namespace', 'demo' + ENTER],
        ['Chart repository', 'oci://ghcr.io/stefanprodan/charts/podinfo' + ENTER],
        ['Chart name', ENTER],
        ['Chart version', '6.9.2' + ENTER],
      ],
      ['STORY-APP-PODINFO', '--custom', '--dir', dir],
      {},
      path.join(ROOT, 'lib', 'cli', 'add-story.js'),
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output, seen(r)).toContain('added (draft) STORY-APP-PODINFO on apps');
    const story = readPlatform(dir).stories['STORY-APP-PODINFO'];
    expect(story.clusters).toEqual({ apps: 'draft' });
    expect(story.custom).toMatchObject({
      title: 'Podinfo demo',
      lane: 'apps',
      components: [
        {
          id: 'podinfo',
          namespace: 'demo',
          lane: 'workloads',
          chart: { name: 'podinfo', version: '6.9.2', repoType: 'oci' },
        },
      ],
    });
    expect(fs.existsSync(path.join(dir, 'kubernetes/workloads/apps/podinfo/app/helmrelease.yaml'))).toBe(true);
  });
});
