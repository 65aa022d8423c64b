// The table of cluster fields (model/cluster-fields.ts) is the one place flags, prompts, answers keys, the help's
// defaults and the editor descriptions come from: each test here fails when one of them stops following it.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { defineCreate } from '../src/cli/create-command';
import { runCreate } from '../src/cli/create-run';
import {
  answerKeyForPath,
  answersFromCluster,
  applyAnswers,
  ClusterAnswersSchema,
  flagForPath,
} from '../src/model/answers';
import { answersKeysHelp, CLUSTER_FIELDS, flagHelp, optionName } from '../src/model/cluster-fields';
import { DEFAULT_GIT, defaultCluster } from '../src/model/defaults';
import { platformJsonSchema } from '../src/model/json-schema';
import type { ClusterSpec, PlatformSpec } from '../src/model/schema';

const EMPTY: PlatformSpec = {
  apiVersion: 'platform.create-platform-cluster.dev/v1alpha1',
  kind: 'Platform',
  generator: { name: 'create-platform-cluster', version: '0' },
  clusters: {},
  stories: {},
};

const at = (c: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);

/** A value for each field that no default has, so a field set at the wrong path shows. */
function otherValue(key: string, kind: string): unknown {
  if (kind === 'int') return 77;
  if (kind === 'nodes') return [{ name: 'n-1', ip: '10.9.9.9', controlPlane: false, installDisk: '/dev/vdb' }];
  if (key === 'role') return 'infra';
  if (key === 'secretStore') return 'vault';
  return `value-of-${key}`;
}

function createCommand(): Command {
  return defineCreate(new Command('create-platform-cluster'), { out: () => {}, err: () => {} } as never, () => {});
}

describe('fields: one table of cluster fields', () => {
  it('gives create one flag per field, with the help text and default the table holds, in the order of the table', () => {
    const options = createCommand().options;
    const fieldFlags = options.map((o) => o.long).filter((l) => CLUSTER_FIELDS.some((f) => f.flag === l));
    expect(fieldFlags).toEqual(CLUSTER_FIELDS.map((f) => f.flag));
    for (const f of CLUSTER_FIELDS) {
      const o = options.find((x) => x.long === f.flag)!;
      expect(o.flags).toBe(`${f.flag} ${f.arg}`);
      expect(o.description).toBe(flagHelp(f));
      expect(o.attributeName()).toBe(optionName(f.flag));
      if ('defaultHelp' in f) expect(o.description).toContain(`default: ${f.defaultHelp}`);
    }
  });

  it('reads a repeated flag (--node) as a list and the others as one value', () => {
    const cmd = createCommand();
    cmd.action(() => {});
    cmd.parse(
      ['--node', 'name=a,ip=1.2.3.4', '--node', 'name=b,ip=1.2.3.5', '--lb-range', '1.2.3.200-1.2.3.239', 'x'],
      { from: 'user' },
    );
    expect(cmd.opts().node).toEqual(['name=a,ip=1.2.3.4', 'name=b,ip=1.2.3.5']);
    expect(cmd.opts().lbRange).toBe('1.2.3.200-1.2.3.239');
  });

  it("lists the table's keys in the --answers help, and an answers file accepts exactly those, name and settings", () => {
    expect(Object.keys(ClusterAnswersSchema.shape)).toEqual(['name', ...CLUSTER_FIELDS.map((f) => f.key), 'settings']);
    const help = createCommand().options.find((o) => o.long === '--answers')!.description;
    expect(help).toContain(answersKeysHelp());
    for (const f of CLUSTER_FIELDS) expect(help).toMatch(new RegExp(`\\b${f.key}\\b`));
    expect(ClusterAnswersSchema.safeParse({ name: 'x', loadBalancer: '1' }).success).toBe(false);
  });

  it("sets each answer at its field's path of platform.yaml, and nothing else", () => {
    const base = defaultCluster(EMPTY, 'apps');
    for (const f of CLUSTER_FIELDS) {
      const value = otherValue(f.key, f.kind);
      const out = applyAnswers(base, { name: 'apps', [f.key]: value });
      expect(at(out, f.path), f.key).toEqual(value);
      for (const g of CLUSTER_FIELDS)
        if (g !== f) expect(at(out, g.path), `${f.key} left ${g.key}`).toEqual(at(base, g.path));
    }
    // The base is not changed through the copy.
    expect(base).toEqual(defaultCluster(EMPTY, 'apps'));
  });

  it("reads a cluster back into answers that give exactly that cluster, keys in the table's order", () => {
    const c: ClusterSpec = defaultCluster(EMPTY, 'infra');
    const a = answersFromCluster('infra', c);
    expect(Object.keys(a)).toEqual(['name', ...CLUSTER_FIELDS.map((f) => f.key)]);
    expect(applyAnswers(defaultCluster(EMPTY, 'other'), a)).toEqual(c);
  });

  it('names the flag and the prompt of every field path an error reports', () => {
    for (const f of CLUSTER_FIELDS) {
      expect(flagForPath(`clusters.apps.${f.path}`)).toBe(f.flag);
      expect(answerKeyForPath(`clusters.apps.${f.path}`)).toBe(f.key);
    }
    expect(flagForPath('clusters.apps.nodes[1].ip')).toBe('--node');
    expect(flagForPath('clusters.apps.settings.LOG_LEVEL')).toBe('--set LOG_LEVEL=…');
  });

  it("describes each field in the JSON Schema of platform.yaml with the table's description", () => {
    const schema = platformJsonSchema() as { properties: { clusters: { additionalProperties: unknown } } };
    const cluster = schema.properties.clusters.additionalProperties;
    for (const f of CLUSTER_FIELDS) {
      const down = (s: unknown, k: string) => (s as { properties: Record<string, unknown> }).properties[k];
      const node = f.path.split('.').reduce<unknown>(down, cluster) as { description?: string };
      expect(node.description, f.path).toBe(f.description);
    }
  });

  it('describes in --help the defaults defaultCluster takes', () => {
    const help = (key: string) => (CLUSTER_FIELDS.find((f) => f.key === key) as { defaultHelp?: string }).defaultHelp!;
    const onNet = (h: string, net: string) =>
      h.replace(/(^|-)\.(\d+)/g, (_m, dash: string, n: string) => `${dash}${net}${n}`);
    const c = defaultCluster(EMPTY, 'apps');
    const net = '192.168.1.';
    expect(help('domain').replace('<name>', 'apps')).toBe(c.domain);
    expect(help('nodeCidr').replace('<id>', String(c.clusterId))).toBe(c.network.nodeCidr);
    expect(onNet(help('nodeGateway').split(' ')[0], net)).toBe(c.network.nodeGateway);
    expect(onNet(help('loadBalancerRange'), net)).toBe(c.network.loadBalancerRange);
    expect(onNet(help('gatewayExternal'), net)).toBe(c.network.gatewayIps.external);
    expect(onNet(help('gatewayInternal'), net)).toBe(c.network.gatewayIps.internal);
    expect(help('apiEndpoint').replace('<node network .10>', `${net}10`).replace(', a Talos VIP', '')).toBe(
      c.apiEndpoint,
    );
    expect(help('podCidr').startsWith(`first free of ${c.network.podCidr.replace('.0.0/16', '/16')}`)).toBe(true);
    expect(c.nodes.filter((n) => n.controlPlane)).toHaveLength(
      Number(/^(\d+) control planes$/.exec(help('nodes'))![1]),
    );
    expect(help('role')).toBe('infra for names starting with "infra", else apps');
    expect([defaultCluster(EMPTY, 'infra').role, c.role]).toEqual(['infra', 'apps']);
    // "lowest free": with cluster id 1 taken the next cluster gets 2, on the next free node network and pod /16.
    const second = defaultCluster({ ...EMPTY, clusters: { apps: c } }, 'b');
    expect([second.clusterId, second.network.nodeCidr, second.network.podCidr]).toEqual([
      2,
      '192.168.2.0/24',
      '10.246.0.0/16',
    ]);
  });

  it('says in --help the git defaults the tool takes', () => {
    const url = CLUSTER_FIELDS.find((f) => f.key === 'gitUrl')!;
    const branch = CLUSTER_FIELDS.find((f) => f.key === 'gitBranch')!;
    expect(flagHelp(url)).toContain(DEFAULT_GIT.url);
    expect(branch.defaultHelp).toBe(DEFAULT_GIT.branch);
    expect(defaultCluster(EMPTY, 'apps').git).toEqual(DEFAULT_GIT);
  });

  it("refuses per-cluster flags with several names, in the table's order, and takes the shared git and secret store flags", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fields-'));
    const io = { out: () => {}, err: () => {} } as never;
    try {
      await expect(
        runCreate(['a', 'b'], { dir, podCidr: '10.1.0.0/16', domain: 'x.example.com' }, io, false),
      ).rejects.toThrow(/^--domain, --pod-cidr set one cluster's values; with several names use --answers$/);
      // Shared flags pass that rule; without --yes the run then stops at the values not given (nothing is written).
      const shared = { dir, gitUrl: 'https://git.example.com/x.git', gitBranch: 'dev', secretStore: 'vault' };
      await expect(runCreate(['a', 'b'], shared, io, false)).rejects.toThrow(/not asking/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads --cluster-id as an integer and says what it must be otherwise', async () => {
    const io = { out: () => {}, err: () => {} } as never;
    const run = runCreate(['a'], { dir: os.tmpdir(), clusterId: 'seven' }, io, false);
    await expect(run).rejects.toThrow('--cluster-id "seven": must be an integer from 1 to 255');
  });
});
