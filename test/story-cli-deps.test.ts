import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadCatalog } from '../src';
import { transitiveDeps } from '../src/model/stories';
import { cli, snapshot, tmpDir } from './helpers/fs';
import { ADD_STORY_BIN, drive, KEY, seen } from './helpers/prompts-pty';

/**
 * Issue 16, item 3: --with-deps (add-story, approve) brings the missing dependencies along in plan order and lists
 * them; approve/unapprove take several ids, all or nothing; add-story with no id picks from a list on a terminal.
 */

const cat = loadCatalog();
const seq = (id: string) => cat.byId.get(id)!.seq;

function newRepo(): string {
  const dir = path.join(tmpDir('story-cli-'), 'repo');
  const r = cli('create-platform-cluster', ['infra', 'apps', '--yes', '--dir', dir]);
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

const platform = (dir: string): any => parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));

/** The "  STORY-… on c, d" lines of the dependency list, as ids in the order printed. */
const listed = (stdout: string) => [...stdout.matchAll(/^ {2}(STORY-[A-Z0-9-]+) on /gm)].map((m) => m[1]);

describe('--with-deps', () => {
  it('platform-kit approve STORY-NET-CILIUM-IPAM: refused without it (the error names --with-deps), approves the chain with it', () => {
    const dir = newRepo();
    const id = 'STORY-NET-CILIUM-IPAM';
    expect(cli('add-story', [id, '--dir', dir]).status).toBe(0);
    const before = snapshot(dir);
    const refused = cli('platform-kit', ['approve', id, '--dir', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--with-deps');
    expect(snapshot(dir)).toEqual(before);

    const r = cli('platform-kit', ['approve', id, '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const deps = [...transitiveDeps(cat, id)];
    const order = listed(r.stdout);
    // Every dependency, each once, in plan order.
    expect([...order].sort()).toEqual([...deps].sort());
    expect(order).toEqual([...order].sort((a, b) => seq(a) - seq(b)));
    const p = platform(dir);
    for (const d of [...deps, id]) for (const [c, st] of Object.entries(p.stories[d].clusters)) expect(st, `${d} on ${c}`).toBe('approved');
    expect(r.stdout).toMatch(new RegExp(`approved ${id} on infra, apps`));
  });

  it('add-story STORY-BACKUP-VOLSYNC-APPS --cluster apps --approve --with-deps approves what it needs, on apps and where its dependencies run', () => {
    const dir = newRepo();
    const id = 'STORY-BACKUP-VOLSYNC-APPS';
    const before = snapshot(dir);
    const refused = cli('add-story', [id, '--cluster', 'apps', '--approve', '--dir', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--with-deps');
    expect(snapshot(dir)).toEqual(before);

    const r = cli('add-story', [id, '--cluster', 'apps', '--approve', '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    expect(p.stories[id].clusters).toEqual({ apps: 'approved' });
    const roles: Record<string, string> = Object.fromEntries(Object.entries(p.clusters).map(([n, c]: [string, any]) => [n, c.role]));
    for (const d of transitiveDeps(cat, id)) {
      const states = p.stories[d]?.clusters ?? {};
      expect(Object.values(states), `${d} approved somewhere`).toContain('approved');
      // A dependency of the apps role is approved on apps itself.
      if (cat.byId.get(d)!.clusters.includes(roles.apps) && listed(r.stdout).includes(d)) expect(states.apps, d).toBe('approved');
    }
    const order = listed(r.stdout);
    expect(order).toEqual([...order].sort((a, b) => seq(a) - seq(b)));
    // The story itself is reported on the cluster asked for, not on those its dependencies went to.
    expect(r.stdout).toMatch(new RegExp(`approved ${id} on apps:`));
  });

  it('add-story --with-deps without --approve adds the missing dependencies as drafts', () => {
    const dir = newRepo();
    const id = 'STORY-NET-CILIUM-GATEWAY';
    const r = cli('add-story', [id, '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    const deps = [...transitiveDeps(cat, id)];
    expect([...listed(r.stdout)].sort()).toEqual([...deps].sort());
    for (const d of [...deps, id]) for (const st of Object.values(p.stories[d].clusters)) expect(st, d).toBe('draft');
  });
});

describe('approve / unapprove with several ids', () => {
  const chain = ['STORY-BOOT-TALOS', 'STORY-BOOT-CRDS', 'STORY-BOOT-CORE', 'STORY-GITOPS-SELF-MGMT-FLUX', 'STORY-NET-CILIUM-CORE-GITOPS', 'STORY-NET-CILIUM-IPAM'];

  it('approves several at once (a dependency named in the same call counts), and refuses all when one cannot be approved', () => {
    const dir = newRepo();
    expect(cli('add-story', [...chain, '--dir', dir]).status).toBe(0);
    const before = snapshot(dir);
    // Without the first story of the chain, the second cannot be approved: nothing is, not even the others.
    const partial = cli('platform-kit', ['approve', ...chain.slice(1), '--dir', dir]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain(`${chain[0]} is draft on`);
    expect(snapshot(dir)).toEqual(before);
    // Given in any order, all of them together are approved.
    const r = cli('platform-kit', ['approve', ...[...chain].reverse(), '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    for (const id of chain) for (const st of Object.values(p.stories[id].clusters)) expect(st, id).toBe('approved');
  });

  it('unapproves a story together with the one that depends on it; the dependency alone is refused', () => {
    const dir = newRepo();
    expect(cli('add-story', [...chain, '--approve', '--dir', dir]).status).toBe(0);
    const [dep, leaf] = chain.slice(-2);
    const before = snapshot(dir);
    const alone = cli('platform-kit', ['unapprove', dep, '--dir', dir]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain(`${leaf} is approved on`);
    expect(snapshot(dir)).toEqual(before);
    const r = cli('platform-kit', ['unapprove', dep, leaf, '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    for (const id of [dep, leaf]) for (const st of Object.values(p.stories[id].clusters)) expect(st, id).toBe('draft');
  });
});

describe('add-story with no id', () => {
  it('without a terminal: exit 2, says how to name ids', () => {
    const dir = newRepo();
    const r = cli('add-story', ['--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no story id given');
    expect(r.stderr).toContain('--all');
    expect(r.stderr).toContain(`platform-kit stories --dir ${dir}`);
  });

  it('on a terminal: a list to filter, showing each story\'s status per cluster; Enter adds the one picked', () => {
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
