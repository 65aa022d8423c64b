import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli, tmpDir } from './helpers/fs';
import { ADD_STORY_BIN, drive, KEY, seen } from './helpers/prompts-pty';

/**
 * Issue 16, item 3: add-story with no id picks from a list on a terminal. The rest of that item (--with-deps,
 * approve/unapprove with several ids, no id without a terminal) runs in process: test/unit/story-rules.test.ts.
 */

function newRepo(): string {
  const dir = path.join(tmpDir('story-cli-'), 'repo');
  const r = cli('create-platform-cluster', ['infra', 'apps', '--yes', '--dir', dir]);
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

const platform = (dir: string): any => parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));

describe('add-story with no id', () => {
  it("on a terminal: a list to filter, showing each story's status per cluster; Enter adds the one picked", () => {
    const dir = newRepo();
    const approved = 'STORY-BOOT-TALOS';
    expect(cli('add-story', [approved, '--approve', '--cluster', 'infra', '--dir', dir]).status).toBe(0);
    const state = platform(dir).stories[approved].clusters;
    const wanted = 'STORY-NET-CILIUM-IPAM';
    const r = drive(
      ADD_STORY_BIN,
      [
        ['Story to add', 'boot-talos'],
        // The status comes from platform.yaml: approved on infra, not added on apps.
        [`❯ ${approved} [\\s\\S]*?sprint \\d+ · infra: ${state.infra}, apps: not added`, KEY.CTRL_U],
        ['Story to add', 'cilium ipam'],
        [`❯ ${wanted} `, KEY.ENTER],
      ],
      ['--dir', dir],
    );
    expect(r.status, seen(r)).toBe(0);
    expect(r.output).toContain(`${wanted} `);
    const p = platform(dir);
    for (const st of Object.values(p.stories[wanted].clusters)) expect(st).toBe('draft');
  });
});
