import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addStory, createClusters, loadCatalog } from '../src';
import { lintStoryLine } from '../src/delivery/story-id';
import { ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const cat = loadCatalog();
const git = (dir: string, ...args: string[]) =>
  spawnSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });

describe('story-id rule for commits and pull request titles', () => {
  it.each([
    ['STORY-NET-CILIUM-GATEWAY: implement Gateway API routes', true, /ok/],
    ['STORY-APP-HARBOR add registry', true, /ok/],
    ['STORY-BOOT-TALOS', true, /ok/],
    ['implement Gateway API routes', false, /must start with the story it delivers/],
    ['STORY-NET-CILIUM-GATWAY: typo', false, /not a story of the plan \(did you mean STORY-NET-CILIUM-GATEWAY/],
    ['story-net-cilium-gateway: lower case', false, /upper case: write STORY-NET-CILIUM-GATEWAY/],
    ['STORY-NET: too short', false, /must start with the story/],
    ['', false, /is empty/],
  ])('%j → ok=%s', (title, ok, message) => {
    const r = lintStoryLine(title, cat, 'pull request title');
    expect(r.ok).toBe(ok);
    expect(r.message).toMatch(message);
  });

  it('a commit message file: comment lines are ignored, git merge messages pass', () => {
    expect(
      lintStoryLine('# Please enter the commit message\n\nSTORY-BOOT-CRDS: pin charts\n', cat, 'commit message').ok,
    ).toBe(true);
    expect(lintStoryLine("Merge branch 'story/story-boot-crds'", cat, 'commit message').ok).toBe(true);
    expect(lintStoryLine("Merge branch 'x'", cat, 'pull request title').ok).toBe(false);
  });

  it('the CLIs exit 0 for a good line and 1 for a bad one; a custom story of platform.yaml is known', async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'apps' }] });
    expect(
      (await runInProcess('platform-kit', ['lint-pr-title', 'STORY-APP-PODINFO: demo', '--dir', dir])).status,
    ).toBe(1);
    const custom = [
      'STORY-APP-PODINFO',
      '--custom',
      '--title',
      'Podinfo',
      '--lane',
      'apps',
      '--component',
      'podinfo',
      '--namespace',
      'podinfo',
    ];
    expect((await runInProcess('add-story', [...custom, '--dir', dir])).status).toBe(0);
    expect(
      (await runInProcess('platform-kit', ['lint-pr-title', 'STORY-APP-PODINFO: demo', '--dir', dir])).status,
    ).toBe(0);
    const msg = path.join(tmpDir(), 'COMMIT_EDITMSG');
    fs.writeFileSync(msg, 'fix things\n# comment\n');
    const r = await runInProcess('platform-kit', ['lint-commit', msg, '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('must start with the story it delivers');
  });
});

describe('add-story --git and the commit-msg hook of the generated repository', () => {
  it('delivers a story on story/<id> with one commit "<ID>: scaffold …" holding exactly what it wrote', () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    expect(git(dir, 'init', '-q', '-b', 'main').status).toBe(0);
    expect(git(dir, 'add', '-A').status).toBe(0);
    expect(git(dir, 'commit', '-q', '-m', 'STORY-BOOT-TALOS: initial scaffold').status).toBe(0);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine, staged\n');
    git(dir, 'add', 'notes.txt');
    const r = addStory({ dir, id: 'STORY-OPS-RELOADER-ALL-CLUSTERS', git: true });
    expect(r.written).toBe(true);
    expect(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD').stdout.trim()).toBe('story/story-ops-reloader-all-clusters');
    const log = git(dir, 'log', '-1', '--format=%s').stdout.trim();
    expect(log).toBe(
      'STORY-OPS-RELOADER-ALL-CLUSTERS: scaffold Roll workloads automatically when their ConfigMaps or Secrets change (draft)',
    );
    expect(lintStoryLine(log, cat, 'commit message').ok).toBe(true);
    const files = git(dir, 'show', '--name-only', '--format=', 'HEAD').stdout.trim().split('\n');
    expect(files).toContain('kubernetes/infrastructure/operations/reloader/ks.yaml');
    expect(files).toContain('docs/stories/STORY-OPS-RELOADER-ALL-CLUSTERS.md');
    expect(files).toContain('platform.yaml');
    expect(files).not.toContain('notes.txt');
    expect(git(dir, 'diff', '--cached', '--name-only').stdout.trim()).toBe('notes.txt'); // a person's staged work stays staged
  });

  it('--git outside a git repository fails before writing anything', async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const before = snapshot(dir);
    const r = await runInProcess('add-story', ['STORY-BOOT-TALOS', '--git', '--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is not inside a git repository');
    expect(snapshot(dir)).toEqual(before);
  });

  it('the installed commit-msg hook refuses a commit without a story id and accepts one with it', () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    expect(git(dir, 'init', '-q', '-b', 'main').status).toBe(0);
    const install = spawnSync('sh', ['.githooks/install.sh'], { cwd: dir, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    expect(git(dir, 'config', 'core.hooksPath').stdout.trim()).toBe('.githooks');
    // platform-kit on PATH (as after npm i -g): the hook uses it instead of npx.
    const bin = tmpDir('bin-');
    fs.writeFileSync(
      path.join(bin, 'platform-kit'),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'lib/cli/platform-kit.js')}" "$@"\n`,
      { mode: 0o755 },
    );
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    spawnSync('git', ['-C', dir, 'add', '-A'], { env });
    const bad = spawnSync('git', ['-C', dir, 'commit', '-q', '-m', 'initial scaffold'], { env, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('must start with the story it delivers');
    const good = spawnSync('git', ['-C', dir, 'commit', '-q', '-m', 'STORY-BOOT-TALOS: initial scaffold'], {
      env,
      encoding: 'utf8',
    });
    expect(good.status, good.stderr).toBe(0);
  });
});
