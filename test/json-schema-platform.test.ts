import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { UsageError } from '../src/core/errors';
import { platformJsonSchema } from '../src/model/json-schema';
import { parsePlatform } from '../src/model/platform-file';
import { cli, ROOT, tmpDir } from './helpers/fs';

/**
 * The JSON Schema an editor checks platform.yaml with must agree with the tool: every file the tool writes (and any
 * it accepts) passes it, and the mistakes it can see are mistakes the tool refuses too, at the same field.
 */
const ajv = new Ajv({ strict: true, allErrors: true });
ajv.addKeyword('patternErrorMessage');
const validate = ajv.compile(platformJsonSchema());

/** The fields (dotted, as the tool names them) the JSON Schema finds wrong, or [] when it accepts the value. */
function schemaErrors(value: unknown): string[] {
  if (validate(value)) return [];
  const fields = (validate.errors as ErrorObject[])
    // if/then/else and allOf report twice: the failing branch's own error is the one that names the field.
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const parts = e.instancePath
        .split('/')
        .slice(1)
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty));
      if (e.keyword === 'required') parts.push(String(e.params.missingProperty));
      if (e.keyword === 'propertyNames' || (e.propertyName !== undefined && parts.length === 0))
        parts.push(String(e.params.propertyName ?? e.propertyName));
      return parts
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '')
        .replace(/\.\[/g, '[');
    });
  return [...new Set(fields)];
}

/** The tool's verdict on the same value: its error lines, or [] when it accepts it. */
function toolErrors(value: unknown): string[] {
  try {
    parsePlatform(stringify(value));
    return [];
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return [e.message, ...e.details];
  }
}

let reference: any;
let withCustom: any;

beforeAll(() => {
  const dir = path.join(tmpDir('cpc-json-schema-'), 'platform');
  const r = cli('create-platform-cluster', [
    '--answers',
    path.join(ROOT, 'examples/reference-platform.answers.yaml'),
    '--stories',
    'all',
    '--approve',
    '--yes',
    '--dir',
    dir,
  ]);
  expect(r.status, r.stderr).toBe(0);
  reference = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
  const c = cli('add-story', [
    'STORY-APP-PODINFO',
    '--custom',
    '--title',
    'podinfo demo',
    '--lane',
    'apps',
    '--component',
    'podinfo',
    '--namespace',
    'podinfo',
    '--chart-url',
    'oci://ghcr.io/stefanprodan/charts/podinfo',
    '--chart-version',
    '6.9.2',
    '--dir',
    dir,
  ]);
  expect(c.status, c.stderr).toBe(0);
  withCustom = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
}, 180_000);

const clone = <T>(v: T): T => structuredClone(v);

describe('JSON Schema of platform.yaml against the tool', () => {
  it('json-schema accepts the platform.yaml the tool writes for the examples answers (reference platform, all stories)', () => {
    expect(toolErrors(reference)).toEqual([]);
    expect(schemaErrors(reference)).toEqual([]);
    expect(Object.keys(reference.clusters).length).toBeGreaterThan(1);
    expect(Object.keys(reference.stories).length).toBeGreaterThan(30);
  });

  it('json-schema accepts a custom story as add-story --custom writes it', () => {
    expect(withCustom.stories['STORY-APP-PODINFO'].custom).toBeDefined();
    expect(schemaErrors(withCustom)).toEqual([]);
  });

  it('json-schema accepts what the tool accepts where the pattern is loosest (spaces around a range, a minimal file)', () => {
    const p = clone(reference);
    const range = p.clusters.infra.network.loadBalancerRange as string;
    p.clusters.infra.network.loadBalancerRange = range.replace('-', ' - ');
    p.clusters.infra.settings.LOG_LEVEL = 'debug';
    expect(toolErrors(p)).toEqual([]);
    expect(schemaErrors(p)).toEqual([]);
    const minimal = { apiVersion: reference.apiVersion, kind: 'Platform', generator: reference.generator };
    expect(toolErrors(minimal)).toEqual([]);
    expect(schemaErrors(minimal)).toEqual([]);
  });

  // Each mistake: the editor flags the field, and the tool refuses the file naming that same field.
  const bad: [string, (p: any) => void, string][] = [
    ['unknown top-level key', (p) => (p.colour = 'blue'), 'colour'],
    ['missing apiVersion', (p) => delete p.apiVersion, 'apiVersion'],
    [
      'secret store not a provider',
      (p) => (p.clusters.apps.secretStore.provider = '1password'),
      'clusters.apps.secretStore.provider',
    ],
    ['role not a role', (p) => (p.clusters.apps.role = 'database'), 'clusters.apps.role'],
    ['cluster id 0', (p) => (p.clusters.apps.clusterId = 0), 'clusters.apps.clusterId'],
    ['cluster id 256', (p) => (p.clusters.apps.clusterId = 256), 'clusters.apps.clusterId'],
    [
      'pod CIDR not canonical',
      (p) => (p.clusters.apps.network.podCidr = '10.246.0.0/016'),
      'clusters.apps.network.podCidr',
    ],
    [
      'node CIDR without a prefix',
      (p) => (p.clusters.infra.network.nodeCidr = '192.168.1.0'),
      'clusters.infra.network.nodeCidr',
    ],
    [
      'node IP with a leading zero',
      (p) => (p.clusters.infra.nodes[0].ip = '192.168.1.011'),
      'clusters.infra.nodes[0].ip',
    ],
    [
      'install disk not a device',
      (p) => (p.clusters.infra.nodes[0].installDisk = 'sda'),
      'clusters.infra.nodes[0].installDisk',
    ],
    ['git URL over http', (p) => (p.clusters.infra.git.url = 'http://git.example.com/x.git'), 'clusters.infra.git.url'],
    [
      'settings key in lower case',
      (p) => (p.clusters.infra.settings.log_level = 'debug'),
      'clusters.infra.settings.log_level',
    ],
    [
      'settings value with ${',
      (p) => (p.clusters.infra.settings.LOG_LEVEL = '${OTHER}'),
      'clusters.infra.settings.LOG_LEVEL',
    ],
    [
      'settings value with ": "',
      (p) => (p.clusters.infra.settings.LOG_LEVEL = 'a: b'),
      'clusters.infra.settings.LOG_LEVEL',
    ],
    [
      'cluster name with capitals',
      (p) => {
        p.clusters.Apps = p.clusters.apps;
        delete p.clusters.apps;
      },
      'clusters.Apps',
    ],
    ['story id in lower case', (p) => (p.stories['story-x-y'] = { clusters: { apps: 'draft' } }), 'stories.story-x-y'],
    [
      'story state not a state',
      (p) => (p.stories['STORY-NET-CILIUM-IPAM'].clusters.infra = 'done'),
      'stories.STORY-NET-CILIUM-IPAM.clusters.infra',
    ],
    ['chart version as a number', (p) => (p.charts.cilium = 1.1), 'charts.cilium'],
    ['sprint weeks 9', (p) => (p.plan = { sprintWeeks: 9 }), 'plan.sprintWeeks'],
    ['plan start not a date', (p) => (p.plan = { start: '2.3.2026' }), 'plan.start'],
  ];
  it.each(bad)('json-schema and the tool both refuse: %s', (_name, mutate, field) => {
    const p = clone(reference);
    mutate(p);
    const tool = toolErrors(p);
    expect(tool.length, 'the tool accepts it').toBeGreaterThan(0);
    expect(tool.join('\n')).toContain(field);
    expect(schemaErrors(p)).toContain(field);
  });

  it('json-schema and the tool both refuse a helm-type custom chart with an oci:// url', () => {
    const p = clone(withCustom);
    p.stories['STORY-APP-PODINFO'].custom.components[0].chart.repoType = 'helm';
    const tool = toolErrors(p);
    expect(tool.join('\n')).toContain('stories.STORY-APP-PODINFO.custom.components[0].chart');
    expect(schemaErrors(p)).toContain('stories.STORY-APP-PODINFO.custom.components[0].chart.url');
  });
});
