import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { answerProblems, answersFromCluster } from '../src/model/answers';
import { defaultCluster } from '../src/model/defaults';
import { validatePlatform } from '../src/model/validate';
import { snapshot, tmpDir } from './helpers/fs';
import { scaffoldCopy } from './helpers/platform';
import { CREATE_BIN, drive, KEY, seen } from './helpers/prompts-pty';

/**
 * Issue 16, item 3: each answer is checked at its prompt by the rules of the whole platform (cross-field and
 * cross-cluster included), what the final validation still refuses is asked again alone, a summary and a confirm
 * come before writing, and Ctrl-C leaves nothing behind.
 */

const { ENTER, CTRL_C, CTRL_U } = KEY;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A repository with cluster infra (defaults), made without a terminal: a copy of one in-process scaffold per file. */
async function repoWithInfra(): Promise<{ dir: string; infra: any }> {
  const dir = await scaffoldCopy(['infra', '--yes']);
  return { dir, infra: readPlatform(dir).clusters.infra };
}

function readPlatform(dir: string): any {
  return parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
}

/** Count the prompts with this label that were answered (inquirer prints "✔ <label>" once per answer taken). */
const answered = (output: string, label: string) => output.split('\n').filter((l) => l.includes(`✔ ${label}`)).length;

describe('prompts: each answer is checked where it is typed', () => {
  it('refuses a cluster id, a gateway off the node network, a pod CIDR of another cluster and a node spec as Git URL at their prompts', async () => {
    const { dir, infra } = await repoWithInfra();
    const offNet = '10.99.0.1';
    const r = drive(
      CREATE_BIN,
      [
        ['Role of apps', ENTER],
        ['DNS domain', ENTER],
        ['Cluster id', `${infra.clusterId}${ENTER}`],
        [`cluster id ${infra.clusterId} is already used by cluster infra`, CTRL_U + ENTER],
        ['Node network CIDR', ENTER],
        ['Node network gateway', offNet + ENTER],
        [`${esc(offNet)} is outside the node network`, CTRL_U + ENTER],
        ['Pod CIDR', infra.network.podCidr + ENTER],
        [
          `${esc(infra.network.podCidr)} overlaps podCidr ${esc(infra.network.podCidr)} of cluster infra`,
          CTRL_U + ENTER,
        ],
        ['Service CIDR', ENTER],
        ['Load-balancer range', ENTER],
        ['External gateway IP', ENTER],
        ['Internal gateway IP', ENTER],
        ['Kubernetes API endpoint', ENTER],
        ['Nodes \\(', ENTER],
        ['Git repository URL', `name=apps-cp-1,ip=${infra.nodes[0].ip}${ENTER}`],
        ['is not a git URL', CTRL_U + ENTER],
        ['Git branch', ENTER],
        ['External Secrets provider', ENTER],
        ['Write \\d+ files', ENTER],
      ],
      ['apps', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    const apps = readPlatform(dir).clusters.apps;
    // Each wrong answer was refused at its prompt and the default taken after it: nothing wrong reached the file.
    expect(apps.clusterId).not.toBe(infra.clusterId);
    expect(apps.network.nodeGateway).not.toBe(offNet);
    expect(apps.network.podCidr).not.toBe(infra.network.podCidr);
    expect(apps.git.url).toBe(infra.git.url);
    // Every prompt was answered exactly once: nothing was asked twice after the end.
    for (const label of ['DNS domain', 'Cluster id', 'Node network gateway', 'Pod CIDR', 'Git repository URL'])
      expect(answered(r.output, label), `${label}\n${seen(r)}`).toBe(1);
  });

  it('re-asks a wrong CIDR at its prompt: a service CIDR overlapping the pod CIDR typed before', async () => {
    const { dir } = await repoWithInfra();
    const pod = '10.60.0.0/16';
    const r = drive(
      CREATE_BIN,
      [
        ['Role of apps', ENTER],
        ['DNS domain', ENTER],
        ['Cluster id', ENTER],
        ['Node network CIDR', ENTER],
        ['Node network gateway', ENTER],
        ['Pod CIDR', pod + ENTER],
        ['Service CIDR', '10.60.128.0/20' + ENTER],
        [`overlaps serviceCidr 10\\.60\\.128\\.0/20 of the same cluster`, CTRL_U + '10.61.0.0/16' + ENTER],
        ['Load-balancer range', ENTER],
        ['External gateway IP', ENTER],
        ['Internal gateway IP', ENTER],
        ['Kubernetes API endpoint', ENTER],
        ['Nodes \\(', ENTER],
        ['Git repository URL', ENTER],
        ['Git branch', ENTER],
        ['External Secrets provider', ENTER],
        ['Write \\d+ files', ENTER],
      ],
      ['apps', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    const apps = readPlatform(dir).clusters.apps;
    expect(apps.network.podCidr).toBe(pod);
    expect(apps.network.serviceCidr).toBe('10.61.0.0/16');
  });

  it('asks again only for the field the final validation names (a --pod-cidr flag that overlaps another cluster)', async () => {
    const { dir, infra } = await repoWithInfra();
    const r = drive(
      CREATE_BIN,
      [
        ['Role of apps', ENTER],
        ['DNS domain', ENTER],
        ['Cluster id', ENTER],
        ['Node network CIDR', ENTER],
        ['Node network gateway', ENTER],
        ['Service CIDR', '10.71.0.0/16' + ENTER],
        ['Load-balancer range', ENTER],
        ['External gateway IP', ENTER],
        ['Internal gateway IP', ENTER],
        ['Kubernetes API endpoint', ENTER],
        ['Nodes \\(', ENTER],
        ['Git repository URL', ENTER],
        ['Git branch', ENTER],
        ['External Secrets provider', ENTER],
        ['asking again for them', ''],
        ['Pod CIDR', '10.70.0.0/16' + ENTER],
        ['Write \\d+ files', ENTER],
      ],
      ['apps', '--pod-cidr', infra.network.podCidr, '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output).toContain(
      `clusters.apps.network.podCidr (--pod-cidr): ${infra.network.podCidr} overlaps podCidr ${infra.network.podCidr} of cluster infra`,
    );
    const apps = readPlatform(dir).clusters.apps;
    expect(apps.network.podCidr).toBe('10.70.0.0/16');
    // The other answers were kept: each asked once.
    expect(apps.network.serviceCidr).toBe('10.71.0.0/16');
    for (const label of ['DNS domain', 'Service CIDR', 'Nodes', 'External Secrets provider'])
      expect(answered(r.output, label), `${label}\n${seen(r)}`).toBe(1);
    expect(answered(r.output, 'Pod CIDR')).toBe(1);
  });
});

describe('prompts: summary, confirm and Ctrl-C', () => {
  it('shows the answers and asks before writing; "n" writes nothing and exits 130', async () => {
    const { dir } = await repoWithInfra();
    const before = snapshot(dir);
    const domain = 'apps.corp.example';
    const r = drive(
      CREATE_BIN,
      [
        ['Role of apps', ENTER],
        ['DNS domain', domain + ENTER],
        ['Cluster id', ENTER],
        ['Node network CIDR', ENTER],
        ['Node network gateway', ENTER],
        ['Pod CIDR', ENTER],
        ['Service CIDR', ENTER],
        ['Load-balancer range', ENTER],
        ['External gateway IP', ENTER],
        ['Internal gateway IP', ENTER],
        ['Kubernetes API endpoint', ENTER],
        ['Nodes \\(', ENTER],
        ['Git repository URL', ENTER],
        ['Git branch', ENTER],
        ['External Secrets provider', ENTER],
        ['Write \\d+ files.*\\(Y/n\\)', 'n' + ENTER],
      ],
      ['apps', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(130);
    expect(r.output).toMatch(new RegExp(`cluster apps:[\\s\\S]*domain +${esc(domain)}`));
    expect(r.output).toMatch(/files: \d+ to create, \d+ to update, \d+ to delete/);
    expect(r.output).toContain('cancelled, nothing written');
    expect(snapshot(dir)).toEqual(before);
  });

  it('Ctrl-C at a prompt says "cancelled, nothing written" on stderr, exits 130 and leaves the folder as it was', async () => {
    const { dir } = await repoWithInfra();
    const before = snapshot(dir);
    const r = drive(
      CREATE_BIN,
      [
        ['Role of apps', ENTER],
        ['DNS domain', ENTER],
        ['Cluster id', ENTER],
        ['Node network CIDR', '10.1'],
        ['Node network CIDR 10\\.1', CTRL_C],
      ],
      ['apps', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(130);
    expect(r.output).toContain('cancelled, nothing written');
    expect(r.output).not.toContain('User force closed');
    expect(snapshot(dir)).toEqual(before);
  });

  it('with --yes on a terminal: no prompt, no confirm', () => {
    const dir = path.join(tmpDir('prompts-'), 'repo');
    const r = drive(CREATE_BIN, [], ['infra', '--yes', '--dir', dir]);
    expect(r.status, seen(r)).toBe(0);
    expect(r.output).not.toMatch(/Write \d+ files/);
    expect(fs.existsSync(path.join(dir, 'platform.yaml'))).toBe(true);
  });
});

describe('answerProblems: the prompts use the rules of the whole platform', () => {
  it('a node IP off the node network: the same message validatePlatform gives, at the Nodes prompt', () => {
    const spec: any = {
      apiVersion: 'platform.create-platform-cluster.dev/v1alpha1',
      kind: 'Platform',
      generator: { name: 'create-platform-cluster', version: '0' },
      clusters: {},
      stories: {},
    };
    const d = defaultCluster(spec, 'edge', 'apps');
    const nodes = [{ name: 'edge-cp-1', ip: '172.16.0.5', controlPlane: true, installDisk: '/dev/sda' }];
    const whole = validatePlatform({ ...spec, clusters: { edge: { ...d, nodes } } }).filter((p) =>
      p.path.startsWith('clusters.edge.nodes'),
    );
    expect(whole.length).toBeGreaterThan(0);
    const { nodes: _n, ...answers } = answersFromCluster('edge', d);
    expect(answerProblems(spec, answers, 'nodes', nodes)).toEqual(whole.map((p) => p.message));
    // Fields not answered yet do not count: with no node network answered, the same node IP is fine.
    expect(answerProblems(spec, { name: 'edge', role: 'apps' }, 'nodes', nodes)).toEqual([]);
  });
});
