/**
 * Bad input, in process (moved from the spawned cases of test/bad-input.test.ts, which keeps one spawned smoke per
 * bin): exit 2 and a message naming the field and the rule, with zero bytes changed. create-platform-cluster runs
 * through its own commander definition (helpers/in-process.ts); the story commands, regenerate and the custom-story
 * flags are called as library functions, their error formatted and mapped to an exit code as the bins do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CustomFlags, customFromFlags } from '../../src/cli/story-run';
import { regenerate } from '../../src/commands/regenerate';
import { addStories, approveStories, clusterRoles, unapproveStories } from '../../src/commands/stories';
import { exitCodeOf, formatError } from '../../src/core/errors';
import { snapshot, tmpDir } from '../helpers/fs';
import { createInProcess } from '../helpers/in-process';
import { createTreeWithPlatform, editPlatformYaml } from '../helpers/platform';

/** A library call as the bins end it: its exit code and what it prints on stderr. */
async function outcome(run: () => unknown): Promise<{ status: number; stderr: string }> {
  try {
    await run();
    return { status: 0, stderr: '' };
  } catch (e) {
    return { status: exitCodeOf(e), stderr: formatError(e) };
  }
}

/** [case, args after `create-platform-cluster`, what stderr must say] — each must exit 2 and change nothing. */
const BAD: [string, string[], RegExp][] = [
  ['name with upper case and underscore', ['Infra_1', '--yes'], /DNS-1123/],
  ['name longer than 63', ['a'.repeat(64), '--yes'], /longer than 63/],
  ['name with a path in it', ['../evil', '--yes'], /DNS-1123/],
  [
    'existing cluster with other values',
    ['infra', '--pod-cidr', '10.99.0.0/16', '--yes'],
    /already in platform\.yaml with other values[\s\S]*network\.podCidr/,
  ],
  ['cluster id already used', ['apps', '--cluster-id', '1', '--yes'], /cluster id 1 is already used by cluster infra/],
  [
    'cluster id 0',
    ['apps', '--cluster-id', '0', '--yes'],
    /clusterId \(--cluster-id\): cluster id 0 must be an integer from 1 to 255/,
  ],
  ['cluster id 256', ['apps', '--cluster-id', '256', '--yes'], /from 1 to 255/],
  ['cluster id not a number', ['apps', '--cluster-id', 'two', '--yes'], /--cluster-id "two": must be an integer/],
  [
    'malformed pod CIDR',
    ['apps', '--pod-cidr', '10.300.0.0/16', '--yes'],
    /podCidr \(--pod-cidr\): "10\.300\.0\.0\/16" is not a valid CIDR/,
  ],
  ['pod CIDR with host bits', ['apps', '--pod-cidr', '10.246.0.1/16', '--yes'], /host bits set/],
  ['pod CIDR without prefix', ['apps', '--pod-cidr', '10.246.0.0', '--yes'], /is not a CIDR/],
  [
    'pod CIDR overlapping another cluster',
    ['apps', '--pod-cidr', '10.244.0.0/16', '--yes'],
    /overlaps podCidr 10\.244\.0\.0\/16 of cluster infra \(ClusterMesh/,
  ],
  [
    'service CIDR overlapping its own pod CIDR',
    ['apps', '--pod-cidr', '10.246.0.0/15', '--yes'],
    /overlaps serviceCidr .* of the same cluster/,
  ],
  [
    'LB range outside the node network',
    ['apps', '--lb-range', '10.0.0.1-10.0.0.5', '--yes'],
    /outside the node network/,
  ],
  ['LB range backwards', ['apps', '--lb-range', '192.168.2.239-192.168.2.200', '--yes'], /ends before it starts/],
  ['LB range not a range', ['apps', '--lb-range', '192.168.2.0/24', '--yes'], /not an address range/],
  [
    'gateway IP outside the LB range',
    ['apps', '--gateway-external', '192.168.2.50', '--yes'],
    /outside the load-balancer range/,
  ],
  [
    'gateway IP outside the node network',
    ['apps', '--gateway-internal', '172.16.0.1', '--yes'],
    /172\.16\.0\.1 is outside the node network/,
  ],
  ['same IP for both gateways', ['apps', '--gateway-internal', '192.168.2.220', '--yes'], /equals the external one/],
  [
    'API endpoint over http',
    ['apps', '--api-endpoint', 'http://192.168.2.10:6443', '--yes'],
    /apiEndpoint \(--api-endpoint\)/,
  ],
  [
    'API endpoint with a path',
    ['apps', '--api-endpoint', 'https://k8s.example.com:6443/x', '--yes'],
    /not an API endpoint URL/,
  ],
  ['node with bad disk', ['apps', '--node', 'name=a1,ip=192.168.2.11,disk=sda', '--yes'], /not a device path/],
  ['node spec without key=value', ['apps', '--node', 'a1', '--yes'], /expected key=value pairs/],
  ['node spec with unknown key', ['apps', '--node', 'name=a1,ip=192.168.2.11,role=cp', '--yes'], /unknown key "role"/],
  [
    'no control-plane node',
    ['apps', '--node', 'name=w1,ip=192.168.2.11,controlPlane=false', '--yes'],
    /at least one node must be a control plane/,
  ],
  [
    'node IP outside the node network',
    ['apps', '--node', 'name=a1,ip=10.9.9.9', '--yes'],
    /10\.9\.9\.9 is outside the node network/,
  ],
  [
    'node IP inside the LB range',
    ['apps', '--node', 'name=a1,ip=192.168.2.210', '--yes'],
    /inside the load-balancer range/,
  ],
  ['node name with upper case', ['apps', '--node', 'name=Node1,ip=192.168.2.11', '--yes'], /node name "Node1"/],
  [
    'two nodes with one IP',
    ['apps', '--node', 'name=a1,ip=192.168.2.11', '--node', 'name=a2,ip=192.168.2.11', '--yes'],
    /used twice/,
  ],
  ['git URL with file scheme', ['apps', '--git-url', 'file:///etc/passwd', '--yes'], /not a git URL/],
  ['git branch with ..', ['apps', '--git-branch', 'a..b', '--yes'], /not a valid git branch name/],
  ['unknown secret store', ['apps', '--secret-store', 'keepass', '--yes'], /--secret-store/],
  ['unknown role', ['apps', '--role', 'db', '--yes'], /--role/],
  ['bad domain', ['apps', '--domain', 'Example..com', '--yes'], /not a DNS domain/],
  ['--set lower-case key', ['apps', '--set', 'foo=bar', '--yes'], /settings key "foo"/],
  ['--set a derived variable', ['apps', '--set', 'CLUSTER_ID=9', '--yes'], /CLUSTER_ID is derived/],
  ['--set value with a newline', ['apps', '--set', 'X=a\nb: c', '--yes'], /may not contain quotes/],
  ['--set value with ${', ['apps', '--set', 'X=${CLUSTER_ID}', '--yes'], /may not contain/],
  ['--set without =', ['apps', '--set', 'X', '--yes'], /expected KEY=VALUE/],
  [
    'missing values without a terminal',
    ['apps'],
    /not asking \(no terminal, CI=true or --no-interactive\)[\s\S]*--pod-cidr[\s\S]*--node/,
  ],
  ['no name without a terminal', ['--yes'], /missing cluster NAME/],
  [
    'per-cluster flag with two names',
    ['apps', 'stg', '--pod-cidr', '10.50.0.0/16', '--yes'],
    /with several names use --answers/,
  ],
  ['unknown option', ['apps', '--colour', 'red', '--yes'], /unknown option/],
];

describe('bad input: exit 2, a message naming the field and the rule, zero bytes changed', () => {
  let repo: string;
  let before: Record<string, string>;
  beforeAll(() => {
    repo = createTreeWithPlatform(['infra']);
    before = snapshot(repo);
  });

  it.each(BAD)('%s', async (_name, args, message) => {
    const r = await createInProcess([...args, '--dir', repo]);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });

  it('--dir that is a file', async () => {
    const file = path.join(tmpDir(), 'file');
    fs.writeFileSync(file, 'x');
    const r = await createInProcess(['infra', '--yes', '--dir', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists and is not a directory/);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('a symbolic link inside the repository that leads outside it', async () => {
    const outside = tmpDir('outside-');
    const repo2 = path.join(tmpDir(), 'p');
    fs.mkdirSync(repo2);
    fs.symlinkSync(outside, path.join(repo2, 'talos'));
    const before2 = snapshot(repo2);
    const r = await createInProcess(['infra', '--yes', '--dir', repo2]);
    expect(r.stderr).toMatch(/refusing to follow the symbolic link talos/);
    expect(r.status).toBe(2);
    expect(snapshot(repo2)).toEqual(before2);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  // The line a message names is where the text it breaks is in the file as written (1-based).
  const lineOf = (t: string, needle: string) => t.slice(0, t.indexOf(needle)).split('\n').length;
  it.each([
    [
      'a YAML syntax error',
      (t: string) => t.replace('clusters:', 'clusters: [oops'),
      (t: string) =>
        new RegExp(`platform\\.yaml is not valid YAML[\\s\\S]*platform\\.yaml:${lineOf(t, 'clusters:')}: `),
    ],
    [
      'an unknown key',
      (t: string) => t.replace('    domain: infra.example.com', '    domian: infra.example.com'),
      () => /platform\.yaml:\d+: clusters\.infra: Unrecognized key[\s\S]*domian/,
    ],
    [
      'a wrong type',
      (t: string) => t.replace('clusterId: 1', 'clusterId: one'),
      (t: string) => new RegExp(`platform\\.yaml:${lineOf(t, 'clusterId: 1')}: clusters\\.infra\\.clusterId: `),
    ],
    [
      'an invalid CIDR',
      (t: string) => t.replace('podCidr: 10.244.0.0/16', 'podCidr: 10.244.0.0/33'),
      () => /platform\.yaml:\d+: clusters\.infra\.network\.podCidr: .*not a valid CIDR/,
    ],
  ])('a hand-broken platform.yaml with %s is reported with file, line and field', async (_n, breakIt, message) => {
    const repo3 = createTreeWithPlatform(['infra']);
    const text = editPlatformYaml(repo3, breakIt);
    const before3 = snapshot(repo3);
    const r = await createInProcess(['apps', '--yes', '--dir', repo3]);
    expect(r.stderr).toMatch(message(text));
    expect(r.status).toBe(2);
    expect(snapshot(repo3)).toEqual(before3);
  });

  it('an --answers file that does not match the schema', async () => {
    const answers = path.join(tmpDir(), 'answers.yaml');
    fs.writeFileSync(answers, 'clusters:\n  - name: apps\n    podCider: 10.50.0.0/16\n');
    const r = await createInProcess(['--answers', answers, '--yes', '--dir', repo]);
    expect(r.stderr).toMatch(/does not match the schema[\s\S]*podCider/);
    expect(r.status).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('files a person made are never overwritten', () => {
  it('a file the tool did not generate in the way: exit 1, listed, nothing written', async () => {
    const repo = path.join(tmpDir(), 'p');
    fs.mkdirSync(path.join(repo, 'talos', 'infra'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'talos', 'infra', 'talconfig.yaml'), 'clusterName: mine\n');
    const before = snapshot(repo);
    const r = await createInProcess(['infra', '--yes', '--dir', repo]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/did not generate are in the way[\s\S]*talos\/infra\/talconfig\.yaml/);
    expect(snapshot(repo)).toEqual(before);
  });

  it('a generated file a person edited is kept and reported, the rest is updated', async () => {
    const repo = createTreeWithPlatform(['infra']);
    const file = path.join(repo, 'kubernetes/infrastructure/networking/cilium/app/helm-values.yaml');
    const mine = fs.readFileSync(file, 'utf8') + 'hubbleExtra: true # mine\n';
    fs.writeFileSync(file, mine);
    const r = await createInProcess(['--verbose', 'apps', '--yes', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^KEEP .*networking\/cilium\/app\/helm-values\.yaml {2}\(edited since it was generated/m);
    expect(fs.readFileSync(file, 'utf8')).toBe(mine);
    expect(fs.existsSync(path.join(repo, 'kubernetes/clusters/apps/kustomization.yaml'))).toBe(true);
  });
});

/** add-story --custom ID with these flags, as the bin runs it without a terminal. */
const custom = (id: string, flags: CustomFlags) => async (dir: string) =>
  addStories({ ids: [id], dir, custom: await customFromFlags(id, flags, false, clusterRoles(dir)) });
const app = { title: 'x', lane: 'apps', component: 'x', namespace: 'x' };

/** [case, the story command, what stderr must say] — each must exit 2 and change nothing (add-story, platform-kit). */
const BAD_STORY: [string, (dir: string) => unknown, RegExp][] = [
  [
    'lower-case story id',
    (dir) => addStories({ ids: ['story-net-x'], dir }),
    /story id "story-net-x": it has lower-case letters \(write STORY-NET-X\); a story id looks like STORY-AREA-NAME/,
  ],
  ['story id with a path in it', (dir) => addStories({ ids: ['STORY-../../etc'], dir }), /looks like STORY-AREA-NAME/],
  [
    'unknown story id',
    (dir) => addStories({ ids: ['STORY-NET-CILIUM-IPAMS'], dir }),
    /unknown story STORY-NET-CILIUM-IPAMS[\s\S]*did you mean: STORY-NET-CILIUM-IPAM/,
  ],
  [
    'unknown --cluster',
    (dir) => addStories({ ids: ['STORY-BOOT-TALOS'], clusters: ['stg'], dir }),
    /--cluster: no such cluster in platform\.yaml: stg \(clusters: infra, apps\)/,
  ],
  [
    'approve before dependencies',
    (dir) => addStories({ ids: ['STORY-SEC-EXTERNAL-SECRETS-BASE'], approve: true, dir }),
    /cannot be approved[\s\S]*STORY-BOOT-CRDS is not added on infra/,
  ],
  [
    'approve a story that was never added',
    (dir) => approveStories({ ids: ['STORY-BOOT-TALOS'], dir }),
    /is not in platform\.yaml: add it first with add-story STORY-BOOT-TALOS/,
  ],
  [
    'unapprove a story that was never added',
    (dir) => unapproveStories({ ids: ['STORY-BOOT-TALOS'], dir }),
    /is not in platform\.yaml/,
  ],
  ['custom: missing flags', custom('STORY-APP-X', { title: 'x' }), /missing --lane .*--component, --namespace/],
  [
    'custom: http chart url',
    custom('STORY-APP-X', { ...app, chartUrl: 'http://charts.example.com', chartVersion: '1.0.0' }),
    /oci chart url starts with oci:\/\/, a helm repository url with https:\/\//,
  ],
  [
    'custom: chart without version',
    custom('STORY-APP-X', { ...app, chartUrl: 'oci://ghcr.io/x/y' }),
    /needs --chart-version/,
  ],
  ['custom: unknown lane', custom('STORY-APP-X', { ...app, lane: 'db' }), /lane: Invalid option/],
  ['custom: bad namespace', custom('STORY-APP-X', { ...app, namespace: 'Bad_NS' }), /components\.0\.namespace/],
  ['custom: title with a newline', custom('STORY-APP-X', { ...app, title: 'x\nfoo: bar' }), /title: one line of text/],
  [
    'custom: waits on an unknown component',
    custom('STORY-APP-X', { ...app, needs: ['nope'] }),
    /component x depends on unknown component nope/,
  ],
  [
    'custom: depends on an unknown story',
    custom('STORY-APP-X', { ...app, dependsOn: ['STORY-NOPE-NOPE'] }),
    /depends on unknown story STORY-NOPE-NOPE/,
  ],
  ['custom: reuses a catalog id', custom('STORY-BOOT-TALOS', app), /is a catalog story/],
];

describe('bad input to the story commands: exit 2, a clear message, zero bytes changed', () => {
  let repo: string;
  let before: Record<string, string>;
  beforeAll(() => {
    repo = createTreeWithPlatform(['infra', 'apps']);
    before = snapshot(repo);
  });

  it.each(BAD_STORY)('%s', async (_name, run, message) => {
    const r = await outcome(() => run(repo));
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });

  it('add-story in a folder without platform.yaml', async () => {
    const empty = tmpDir();
    const r = await outcome(() => addStories({ ids: ['STORY-BOOT-TALOS'], dir: empty }));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no platform\.yaml in .*: create the repository first/);
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it.each([
    [
      'an unknown story',
      (t: string) => t.replace(/stories: \{\}/, 'stories:\n  STORY-NOT-THERE:\n    clusters: { infra: draft }'),
      /platform\.yaml:\d+: stories\.STORY-NOT-THERE: not a story of the catalog/,
    ],
    [
      'a status that is not draft or approved',
      (t: string) => t.replace(/stories: \{\}/, 'stories:\n  STORY-BOOT-TALOS:\n    clusters: { infra: done }'),
      /platform\.yaml:\d+: stories\.STORY-BOOT-TALOS\.clusters\.infra: Invalid option/,
    ],
    [
      'a story on a cluster that does not exist',
      (t: string) => t.replace(/stories: \{\}/, 'stories:\n  STORY-BOOT-TALOS:\n    clusters: { prod: draft }'),
      /platform\.yaml:\d+: stories\.STORY-BOOT-TALOS\.clusters\.prod: no cluster prod/,
    ],
    [
      'an approved story whose component waits on one not wired',
      (t: string) =>
        t.replace(/stories: \{\}/, 'stories:\n  STORY-NET-CILIUM-GATEWAY:\n    clusters: { infra: approved }'),
      /depends on cilium-lb-ipam, which is not wired on infra/,
    ],
  ])('a hand-edited platform.yaml with %s is refused with file, line and field', async (_n, edit, message) => {
    const repo3 = createTreeWithPlatform(['infra', 'apps']);
    const text = editPlatformYaml(repo3, edit);
    expect(text).toMatch(/stories: \{\}/);
    const before3 = snapshot(repo3);
    const r = await outcome(() => addStories({ ids: ['STORY-BOOT-TALOS'], dir: repo3 }));
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(repo3)).toEqual(before3);
  });
});

describe('hostile state files and names: refused before anything is written', () => {
  it.each([
    [
      'a manifest entry outside the repository',
      { '../../outside.txt': '0'.repeat(64) },
      /is not a path the tool generates/,
    ],
    ['an absolute manifest entry', { '/etc/hostname': '0'.repeat(64) }, /is not a path the tool generates/],
    [
      "a manifest entry pointing at the tool's own state",
      { '.platform/lock': '0'.repeat(64) },
      /is not a path the tool generates/,
    ],
    ['a manifest entry with a bad hash', { 'kubernetes/x.yaml': 'nothex' }, /bad hash/],
  ])('%s', async (_n, files, message) => {
    // The repository sits two folders below `outside`, so ../../outside.txt names a real file next to it.
    const outside = tmpDir('outside-');
    fs.writeFileSync(path.join(outside, 'outside.txt'), 'keep me\n');
    const dir = path.join(outside, 'a', 'platform');
    fs.mkdirSync(path.dirname(dir));
    fs.cpSync(createTreeWithPlatform(['infra']), dir, { recursive: true });
    const mf = path.join(dir, '.platform/manifest.json');
    const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
    Object.assign(m.files, files);
    fs.writeFileSync(mf, JSON.stringify(m));
    const before = snapshot(outside);
    const r = await outcome(() => regenerate({ dir }));
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(outside)).toEqual(before);
  });

  it.each([['../evil'], ['/abs'], ['a/b'], ['UPPER'], ['x'.repeat(70)]])(
    'a custom component id %j is refused',
    async (id) => {
      const dir = createTreeWithPlatform(['apps']);
      const before = snapshot(dir);
      const r = await outcome(() =>
        custom('STORY-APP-X', { title: 't', lane: 'apps', component: id, namespace: 'x' })(dir),
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/components\.0\.id/);
      expect(snapshot(dir)).toEqual(before);
    },
  );
});

// Moved from test/create-cluster.test.ts.
describe('create-platform-cluster --stories: refusals', () => {
  it.each([
    ['--approve without --stories', ['apps', '--yes', '--approve'], /--approve goes with --stories/],
    ['an unknown story', ['apps', '--yes', '--stories', 'STORY-NOPE-NOPE'], /unknown story STORY-NOPE-NOPE/],
    [
      'a story no named cluster can take',
      ['apps', '--yes', '--stories', 'STORY-DB-CNPG-SHARED-CLUSTER'],
      /none of apps has that role/,
    ],
    [
      'approving without the dependencies',
      ['apps', '--yes', '--stories', 'STORY-OPS-RELOADER-ALL-CLUSTERS', '--approve'],
      /cannot be approved[\s\S]*STORY-BOOT-CORE/,
    ],
    ['all with ids', ['apps', '--yes', '--stories', 'all,STORY-BOOT-TALOS'], /not both/],
  ])('refuses %s: exit 2, nothing written', async (_n, args, message) => {
    const dir = createTreeWithPlatform(['infra']);
    const before = snapshot(dir);
    const r = await createInProcess([...args, '--dir', dir]);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });
});
