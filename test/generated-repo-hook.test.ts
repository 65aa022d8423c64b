import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { createClusters } from '../src';
import { lintStoryLine } from '../src/delivery/story-id';
import { STORY_IDS_FILE } from '../src/generate/platform';
import { loadPlatform } from '../src/model/platform-file';
import { catalogFor } from '../src/model/wiring';
import { ROOT, tmpDir } from './helpers/fs';
import { addStoryInProcess, kitInProcess } from './helpers/in-process';

const ids = (dir: string) =>
  fs
    .readFileSync(path.join(dir, STORY_IDS_FILE), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));

/** A PATH with only what the hook may need offline: git and POSIX text tools; no node, npm or npx. */
function offlinePath(): string {
  const bin = tmpDir('offline-bin-');
  for (const tool of ['git', 'sh', 'tr', 'grep', 'head', 'sed']) {
    const where = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    expect(where, tool).not.toBe('');
    fs.symlinkSync(where, path.join(bin, tool));
  }
  for (const absent of ['node', 'npx', 'npm']) expect(fs.existsSync(path.join(bin, absent))).toBe(false);
  return bin;
}

let withCustomStory: Promise<string> | undefined;

/** Clusters infra and apps with a custom story, made once per file (in process: the hook is the subject here). */
function customStoryRepo(): Promise<string> {
  withCustomStory ??= (async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    const r = await addStoryInProcess([
      'STORY-APP-PODINFO',
      '--custom',
      '--title',
      'podinfo for the demo',
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
      '--cluster',
      'apps',
      '--dir',
      dir,
    ]);
    expect(r.status, r.stderr).toBe(0);
    return dir;
  })();
  return withCustomStory;
}

/** A copy of customStoryRepo() as a git repository with the generated hook installed. */
async function repoWithHook(): Promise<string> {
  const dir = path.join(tmpDir(), 'p');
  fs.cpSync(await customStoryRepo(), dir, { recursive: true, preserveTimestamps: true });
  expect(spawnSync('git', ['-C', dir, 'init', '-q', '-b', 'main']).status).toBe(0);
  const install = spawnSync('sh', ['.githooks/install.sh'], { cwd: dir, encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);
  return dir;
}

function commit(dir: string, message: string, pathDirs: string): { ok: boolean; out: string } {
  const file = path.join(tmpDir('msg-'), 'message');
  fs.writeFileSync(file, message);
  const env = {
    ...process.env,
    PATH: pathDirs,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  const r = spawnSync('git', ['-C', dir, 'commit', '-q', '--allow-empty', '--allow-empty-message', '-F', file], {
    env,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

/** Commit messages around every branch of the rule; which pass is decided by lint-commit, not written here. */
const MESSAGES = [
  'STORY-BOOT-TALOS: initial scaffold',
  'STORY-BOOT-TALOS',
  'STORY-BOOT-TALOS:no space',
  'STORY-BOOT-TALOS\tafter a tab',
  'STORY-APP-HARBOR add the registry',
  'STORY-APP-PODINFO: the custom story',
  'STORY-APP-PODINF: a typo of the custom story',
  'STORY-NET-CILIUM-GATWAY: typo',
  'STORY-BOOT-TALOS-EXTRA: longer than a known id',
  'story-boot-talos: lower case',
  'Story-Boot-Talos: mixed case',
  'STORY-NET: too short',
  'STORY-BOOT-TALOS,comma',
  ':STORY-BOOT-TALOS',
  'implement Gateway API routes',
  '   STORY-BOOT-TALOS: leading blanks',
  '\n\n  \t\nSTORY-BOOT-TALOS: after blank lines',
  '# Please enter the commit message\n\nSTORY-BOOT-CRDS: pin charts\n',
  '# comment only\n',
  ' # not a comment: it does not start with #\nSTORY-BOOT-TALOS: x',
  'STORY-BOOT-TALOS: windows line ending\r\n\r\nbody\r\n',
  '',
  "Merge branch 'story/story-boot-crds'",
  'Merge pull request #12 from team/story-boot-crds',
  "Merge remote-tracking branch 'origin/main'",
  "Merge tag 'v1'",
  'Merged the branch',
  'Revert "STORY-BOOT-CRDS: pin charts"',
  'Revert "anything at all"',
  'Revert STORY-BOOT-CRDS',
  'fixup! STORY-BOOT-TALOS: initial scaffold',
  'squash! STORY-BOOT-TALOS: initial scaffold',
  'amend! STORY-BOOT-TALOS: initial scaffold',
];

describe('generated repository: the commit-msg hook', () => {
  it('.githooks/story-ids lists exactly the ids lint-commit knows (catalog + custom stories of platform.yaml)', async () => {
    const dir = await repoWithHook();
    const known = [...catalogFor(loadPlatform(dir)!.spec).byId.keys()].sort();
    expect(ids(dir)).toEqual(known);
    expect(ids(dir)).toContain('STORY-APP-PODINFO');
  });

  it('without the tool installed, with no node/npx on PATH, the hook decides every message as lint-commit does', async () => {
    const dir = await repoWithHook();
    const cat = catalogFor(loadPlatform(dir)!.spec);
    const PATH = offlinePath();
    const verdicts = MESSAGES.map((m) => ({
      m,
      hook: commit(dir, m, PATH),
      lint: lintStoryLine(m, cat, 'commit message'),
    }));
    for (const v of verdicts) {
      expect(v.hook.ok, `${JSON.stringify(v.m)}: hook said ${v.hook.out.trim()} / lint-commit: ${v.lint.message}`).toBe(
        v.lint.ok,
      );
      // A refusal says why, in lint-commit's words for the same cases.
      if (!v.lint.ok && /must start with the story|upper case|is empty/.test(v.lint.message))
        expect(v.hook.out).toContain(v.lint.message.split(/[,(]/)[0].trim());
      if (!v.lint.ok && /not a story of the plan/.test(v.lint.message))
        expect(v.hook.out).toContain(`${v.lint.id ?? v.m.split(':')[0]} is not a story of the plan`);
    }
    // The table exercises both outcomes.
    expect(verdicts.filter((v) => v.lint.ok).length).toBeGreaterThan(5);
    expect(verdicts.filter((v) => !v.lint.ok).length).toBeGreaterThan(5);
  });

  it('with the tool installed (node_modules/.bin/platform-kit) the hook runs lint-commit and agrees with the CLI', async () => {
    const dir = await repoWithHook();
    const bin = path.join(dir, 'node_modules', '.bin');
    fs.mkdirSync(bin, { recursive: true });
    const marker = path.join(tmpDir('marker-'), 'ran');
    fs.writeFileSync(
      path.join(bin, 'platform-kit'),
      `#!/bin/sh\necho x >> "${marker}"\nexec "${process.execPath}" "${path.join(ROOT, 'lib/cli/platform-kit.js')}" "$@"\n`,
      { mode: 0o755 },
    );
    const sample = MESSAGES.filter((_, i) => i % 3 === 0);
    for (const m of sample) {
      const hook = commit(dir, m, `${path.dirname(process.execPath)}:${process.env.PATH}`);
      const file = path.join(tmpDir('msg-'), 'm');
      fs.writeFileSync(file, m);
      const lint = await kitInProcess(['lint-commit', file, '--dir', dir]);
      expect(hook.ok, `${JSON.stringify(m)}: ${hook.out}`).toBe(lint.status === 0);
    }
    expect(fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length).toBe(sample.length);
  });

  it('regenerate rewrites .githooks/story-ids when a custom story is defined in platform.yaml, and the hook then accepts it', async () => {
    const dir = await repoWithHook();
    const PATH = offlinePath();
    expect(commit(dir, 'STORY-APP-WHOAMI: a new custom story', PATH).ok).toBe(false);
    const file = path.join(dir, 'platform.yaml');
    // A second custom story written by hand: the podinfo definition under another id, component and namespace.
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    const podinfo = JSON.parse(
      JSON.stringify(doc.getIn(['stories', 'STORY-APP-PODINFO'], false)).replaceAll('podinfo', 'whoami'),
    );
    doc.setIn(['stories', 'STORY-APP-WHOAMI'], podinfo);
    fs.writeFileSync(file, doc.toString());
    const r = await kitInProcess(['regenerate', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(ids(dir)).toEqual([...catalogFor(loadPlatform(dir)!.spec).byId.keys()].sort());
    expect(ids(dir)).toContain('STORY-APP-WHOAMI');
    expect(commit(dir, 'STORY-APP-WHOAMI: a new custom story', PATH).ok).toBe(true);
  });

  it('the hook, the workflow and the justfile never fetch the tool with npx --package', () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }], stories: { ids: ['STORY-BOOT-AUTOMATION-ALIGN'] } });
    for (const f of [
      '.githooks/commit-msg',
      '.github/workflows/platform-check.yaml',
      'justfile',
      'bootstrap/README.md',
    ]) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/npx\s+(--yes\s+)?--package|create-platform-cluster@/);
    }
  });
});
