// Error messages that say what is wrong with the value given (issue 16: the story-id message recited a rule to an id
// that followed it; zod's raw "Invalid option" for --secret-store 1password; check --dir missing said "not a directory").
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../src';
import { ClusterAnswersSchema, providerMessage } from '../src/model/answers';
import { STORY_ID } from '../src/model/schema';
import { storyIdProblem } from '../src/model/story-rules';
import { tmpDir } from './helpers/fs';

describe('story id: the message names what is wrong with this id', () => {
  const cases: [string, RegExp][] = [
    ['STORY-FOO', /one part after STORY- \(FOO\); it needs an area and a name/],
    ['story-net-foo', /lower-case letters \(write STORY-NET-FOO\)/],
    ['STORY-NET_FOO', /holds "_"/],
    ['STORY-NET--FOO', /empty part/],
    ['STORY-NET-FOO-', /empty part/],
    ['TASK-NET-FOO', /does not start with STORY-/],
    ['STORY-NET FOO', /spaces/],
  ];
  for (const [id, re] of cases) {
    it(id, () => {
      expect(STORY_ID.test(id)).toBe(false);
      const why = storyIdProblem(id);
      expect(why).toMatch(re);
      // Never the old rule recited to an id made of exactly those characters.
      if (/^[A-Z0-9-]+$/.test(id)) expect(why).not.toMatch(/only capital letters/);
    });
  }

  it('through the CLI, and nothing is written', () => {
    const dir = tmpDir('cpc-msg-');
    let err = '';
    try {
      execFileSync(process.execPath, [path.resolve('lib/cli/add-story.js'), 'STORY-FOO', '--dir', dir], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
      expect((e as { status: number }).status).toBe(2);
    }
    expect(err).toMatch(/story id "STORY-FOO": it has one part after STORY-/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('--secret-store: an unknown provider names the id meant', () => {
  it('1password -> onepassword, every id listed', () => {
    const r = ClusterAnswersSchema.safeParse({ name: 'infra', secretStore: '1password' });
    expect(r.success).toBe(false);
    const msg = r.error!.issues[0].message;
    expect(msg).toBe(providerMessage('1password'));
    expect(msg).toMatch(
      /^1password is not a provider id \(did you mean onepassword\?\); use one of onepassword, vault, /,
    );
  });
  it('an unknown name gets no guess', () => {
    expect(providerMessage('keepass')).not.toMatch(/did you mean/);
  });
  it('a known id still parses', () => {
    expect(ClusterAnswersSchema.safeParse({ name: 'infra', secretStore: 'vault' }).success).toBe(true);
  });
});

describe('check --dir: a missing folder and a file are told apart', () => {
  it('missing', async () => {
    const dir = path.join(tmpDir('cpc-msg-'), 'absent');
    await expect(check({ dir })).rejects.toThrow(/no such directory/);
  });
  it('a file', async () => {
    const f = path.join(tmpDir('cpc-msg-'), 'file.yaml');
    fs.writeFileSync(f, 'a: 1\n');
    await expect(check({ dir: f })).rejects.toThrow(/is a file, not a directory/);
  });
});
