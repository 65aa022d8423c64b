import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ClusterAnswersSchema } from '../src/model/answers';
import { cli, tmpDir } from './helpers/fs';
import { ADD_STORY_BIN, drive, KEY, seen } from './helpers/prompts-pty';

/** Issue 16, small input things: --help's answers format, the --custom lane where there is no apps cluster. */

const platform = (dir: string): any => parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));

describe('--help of create-platform-cluster describes the answers file itself', () => {
  const help = cli('create-platform-cluster', ['--help']).stdout.replace(/\s+/g, ' ');

  it('points to no file of the source tree, and names every key an answers file takes', () => {
    expect(help).not.toContain('examples/');
    for (const key of Object.keys(ClusterAnswersSchema.shape)) expect(help, key).toMatch(new RegExp(`\\b${key}\\b`));
  });

  it('its example is an answers file that works', () => {
    const example = /E\.g\. (clusters: \[.*?\}\])/.exec(help)?.[1];
    expect(example, help).toBeDefined();
    const dir = tmpDir('prompts-small-');
    const file = path.join(dir, 'answers.yaml');
    fs.writeFileSync(file, example + '\n');
    const r = cli('create-platform-cluster', ['--answers', file, '--yes', '--dir', path.join(dir, 'repo')]);
    expect(r.status, r.stderr).toBe(0);
    const spec = platform(path.join(dir, 'repo'));
    const want = parse(example!).clusters as { name: string }[];
    expect(Object.keys(spec.clusters)).toEqual(want.map((c) => c.name));
  });
});

describe('add-story --custom in a repository without an apps cluster', () => {
  function infraOnly(): string {
    const dir = path.join(tmpDir('prompts-small-'), 'repo');
    expect(cli('create-platform-cluster', ['infra', '--yes', '--dir', dir]).status).toBe(0);
    return dir;
  }

  it('on a terminal the lane defaults to infra (apps cannot be picked there)', () => {
    const dir = infraOnly();
    const r = drive(
      ADD_STORY_BIN,
      [
        ['Title of STORY-OPS-WHOAMI', 'Whoami' + KEY.ENTER],
        ['no apps cluster in this repository', ''],
        ['❯ infra', KEY.ENTER],
        ['Component name', KEY.ENTER],
        ['Namespace', KEY.ENTER],
        ['Chart repository', KEY.ENTER],
      ],
      ['STORY-OPS-WHOAMI', '--custom', '--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    const story = platform(dir).stories['STORY-OPS-WHOAMI'];
    expect(story.custom.lane).toBe('infra');
    expect(story.clusters).toEqual({ infra: 'draft' });
  });

  it('without a terminal, a missing --lane names the lanes this repository has', () => {
    const dir = infraOnly();
    const r = cli('add-story', [
      'STORY-OPS-WHOAMI',
      '--custom',
      '--title',
      'Whoami',
      '--component',
      'whoami',
      '--namespace',
      'whoami',
      '--dir',
      dir,
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('missing --lane');
    expect(r.stderr).toContain('infra clusters (--lane infra)');
    expect(r.stderr).not.toContain('--lane apps');
  });
});
