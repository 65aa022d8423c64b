/**
 * Bad input through the real processes: one smoke per bin that its exit code, stderr and the untouched files are
 * what the library's error says (commander's own usage errors exit 2 through process.exit; a library error through
 * runAction), and the checks that live only in a bin's action. Every other case runs in process:
 * test/unit/tests-bad-input.test.ts.
 */
import * as fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, snapshot, tmpDir } from './helpers/fs';
import { createTreeWithPlatform } from './helpers/platform';

/** [case, bin, args, what stderr must say] — each must exit 2 and change nothing. */
const BAD: [string, 'create-platform-cluster' | 'add-story' | 'platform-kit', string[], RegExp][] = [
  [
    'create: unknown option (commander)',
    'create-platform-cluster',
    ['stg', '--colour', 'red', '--yes'],
    /unknown option/,
  ],
  [
    'create: cluster id 0 (the library)',
    'create-platform-cluster',
    ['stg', '--cluster-id', '0', '--yes'],
    /clusterId \(--cluster-id\): cluster id 0 must be an integer from 1 to 255/,
  ],
  [
    'add-story: unknown story id (the library)',
    'add-story',
    ['STORY-NET-CILIUM-IPAMS'],
    /unknown story STORY-NET-CILIUM-IPAMS[\s\S]*did you mean: STORY-NET-CILIUM-IPAM/,
  ],
  ['add-story: no story id (the bin)', 'add-story', [], /no story id given/],
  ['add-story: ids and --all together (the bin)', 'add-story', ['STORY-BOOT-TALOS', '--all'], /not both/],
  [
    'platform-kit: approve a story that was never added',
    'platform-kit',
    ['approve', 'STORY-BOOT-TALOS'],
    /is not in platform\.yaml: add it first with add-story STORY-BOOT-TALOS/,
  ],
];

describe('bad input to each bin: exit 2, a clear message, zero bytes changed', () => {
  let repo: string;
  let before: Record<string, string>;
  beforeAll(() => {
    repo = createTreeWithPlatform(['infra', 'apps']);
    before = snapshot(repo);
  });

  it.each(BAD)('%s', (_name, bin, args, message) => {
    const r = cli(bin, [...args, '--dir', repo]);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });

  it('create-platform-cluster --dir that is a file', () => {
    const file = `${tmpDir()}/file`;
    fs.writeFileSync(file, 'x');
    const r = cli('create-platform-cluster', ['infra', '--yes', '--dir', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists and is not a directory/);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });
});
