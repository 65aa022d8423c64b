// On an adopted repository the component that reads an approved story's switch may be the repository's own (home-ops
// delivers cilium itself): add-story --approve, approve and regenerate print what to set by hand, and the story's
// document says it too (so the pull request does). A draft asks nothing; a repository the tool generated never gets
// the block (its cilium reads the switch from cluster-settings). The commands run in process.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adopt } from '../src/commands/adopt';
import { createClusters } from '../src/commands/create-cluster';
import { ROOT, tmpDir } from './helpers/fs';
import { addStoryInProcess, kitInProcess } from './helpers/in-process';

const IPAM = 'STORY-NET-CILIUM-IPAM';
const HEADER = 'to do by hand (your own components read these settings';
const LINE =
  'cluster cluster: cilium (your Kustomization cilium, kubernetes/apps/kube-system/cilium/ks.yaml) — set ' +
  "l2announcements.enabled: true (the tool's cilium reads ${CILIUM_L2_ANNOUNCEMENTS}; STORY-NET-CILIUM-IPAM)";
const doc = (dir: string) => fs.readFileSync(path.join(dir, 'docs', 'stories', `${IPAM}.md`), 'utf8');

describe('what to set by hand for an approved story', () => {
  it('home-ops (cilium is its own): approve and regenerate print it, the document lists it', {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(tmpDir('adopt-handover-'), 'repo');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'adopt', 'home-ops'), dir, { recursive: true });
    adopt({ dir, yes: true });

    const draft = await addStoryInProcess([IPAM, '--dir', dir]);
    expect(draft.status, draft.stderr).toBe(0);
    expect(draft.stdout).not.toContain(HEADER);
    expect(doc(dir)).not.toContain('## To do by hand');

    const approved = await kitInProcess(['approve', IPAM, '--dir', dir]);
    expect(approved.status, approved.stderr).toBe(0);
    const lines = approved.stdout.trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([expect.stringContaining(HEADER), `  ${LINE}`]);
    expect(doc(dir)).toContain(`## To do by hand\n`);
    expect(doc(dir)).toContain(`\n- ${LINE}\n`);

    const again = await kitInProcess(['regenerate', '--dir', dir]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout.trimEnd().split('\n').slice(-2)).toEqual([expect.stringContaining(HEADER), `  ${LINE}`]);
    // --check stays one line for CI.
    const check = await kitInProcess(['regenerate', '--check', '--dir', dir]);
    expect(check.stdout).not.toContain(HEADER);

    // Taken back to draft: nothing to set, in the output or the document.
    const back = await kitInProcess(['unapprove', IPAM, '--dir', dir]);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).not.toContain(HEADER);
    expect(doc(dir)).not.toContain('## To do by hand');
  });

  it('a repository the tool generated: approve prints no such block, the document has no such section', {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(tmpDir('handover-default-'), 'platform');
    createClusters({ dir, clusters: [{ name: 'apps' }], stories: { ids: [IPAM], approve: false } });
    const approved = await kitInProcess(['approve', IPAM, '--dir', dir, '--with-deps']);
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).not.toContain(HEADER);
    expect(doc(dir)).not.toContain('## To do by hand');
  });

  it("a person's uncommitted edit of a wiring file: kept, and the plan says the tool only added its line", {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(tmpDir('adopt-uncommitted-'), 'repo');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'adopt', 'home-ops'), dir, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    adopt({ dir, yes: true });
    git('add', '-A');
    git('commit', '-qm', 'adopted');
    const wiring = path.join(dir, 'kubernetes', 'apps', 'kube-system', 'kustomization.yaml');
    // Uncommitted: a comment of the person's, and the file turned to CRLF by an editor.
    const edited = `# kube-system apps, reviewed weekly\n${fs.readFileSync(wiring, 'utf8')}`.replace(/\n/g, '\r\n');
    fs.writeFileSync(wiring, edited);
    const r = await addStoryInProcess([IPAM, '--approve', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('kubernetes/apps/kube-system/kustomization.yaml  ('));
    expect(line).toMatch(
      /UPDATE +kubernetes\/apps\/kube-system\/kustomization\.yaml {2}\(edited in place: added resources entry/,
    );
    expect(line).toContain('your uncommitted edits stay');
    expect(line).not.toContain("the tool's own");
    const after = fs.readFileSync(wiring, 'utf8');
    expect(after.startsWith('# kube-system apps, reviewed weekly\r\n')).toBe(true);
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    expect(after.split('\r\n').length).toBe(edited.split('\r\n').length + 1);
  });
});
