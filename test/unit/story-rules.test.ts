/**
 * The story rules through the commands, in process (helpers/in-process.ts runs each bin's own commander program):
 * approval needs approved dependencies, --with-deps brings them along in plan order, approve/unapprove take several
 * ids all or nothing, unknown ids and bad custom stories are refused with nothing written, settings defaults land in
 * platform.yaml. Moved from test/stories.test.ts and test/story-cli-deps.test.ts, which keep what needs kubectl or a
 * terminal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addStories, addStory, createClusters, loadCatalog } from '../../src';
import { transitiveDeps } from '../../src/model/stories';
import { snapshot, tmpDir } from '../helpers/fs';
import { runInProcess as run } from '../helpers/in-process';
import { createTreeWithPlatform } from '../helpers/platform';

const cat = loadCatalog();
const CLUSTERS = ['infra', 'apps'] as const;
const seq = (id: string) => cat.byId.get(id)!.seq;

/** A repository with clusters infra and apps, defaults everywhere. */
const newRepo = (): string => createTreeWithPlatform(['infra', 'apps']);

const platform = (dir: string): any => parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));

/** The "  STORY-… on c, d" lines of the dependency list, as ids in the order printed. */
const listed = (stdout: string) => [...stdout.matchAll(/^ {2}(STORY-[A-Z0-9-]+) on /gm)].map((m) => m[1]);

describe('approval rules', () => {
  it('refuses to approve a story whose dependencies are not approved, listing them, and writes nothing', async () => {
    const repo = newRepo();
    addStory({ dir: repo, id: 'STORY-NET-CILIUM-GATEWAY' });
    const before = snapshot(repo);
    const r = await run('platform-kit', ['approve', 'STORY-NET-CILIUM-GATEWAY', '--dir', repo]);
    expect(r.status).toBe(2);
    for (const c of CLUSTERS) {
      for (const d of ['STORY-NET-CILIUM-IPAM', 'STORY-NET-CILIUM-CORE-GITOPS', 'STORY-BOOT-CRDS'])
        expect(r.stderr).toContain(`${d} is not added on ${c}`);
    }
    expect(snapshot(repo)).toEqual(before);
  });

  it('an unknown story id fails with the nearest ids and changes nothing', async () => {
    const repo = newRepo();
    const before = snapshot(repo);
    const r = await run('add-story', ['STORY-NET-CILIUM-GATWAY', '--dir', repo]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown story STORY-NET-CILIUM-GATWAY');
    expect(r.stderr).toMatch(/did you mean: STORY-NET-CILIUM-GATEWAY/);
    expect(snapshot(repo)).toEqual(before);
    const bad = await run('add-story', ['story-lower', '--dir', repo]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('STORY-AREA-NAME');
    expect(snapshot(repo)).toEqual(before);
  });

  it("adds the story's variables with defaults to platform.yaml, keeping existing values and comments", async () => {
    const repo = newRepo();
    const file = path.join(repo, 'platform.yaml');
    const text = fs.readFileSync(file, 'utf8').replace('clusters:\n', '# our clusters, hand-written note\nclusters:\n');
    fs.writeFileSync(file, text);
    addStory({ dir: repo, id: 'STORY-NET-CILIUM-BGP-CP-IMPLEMENT', clusters: ['infra'] });
    let p = parse(fs.readFileSync(file, 'utf8'));
    expect(p.clusters.infra.settings).toMatchObject({ BGP_LOCAL_ASN: '64512', BGP_PEER_ASN: '64500' });
    expect(p.clusters.apps.settings ?? {}).not.toHaveProperty('BGP_LOCAL_ASN');
    // a person sets a value; adding the story to apps does not touch infra's value
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('BGP_PEER_ASN: "64500"', 'BGP_PEER_ASN: "65001" # our upstream router'),
    );
    addStory({ dir: repo, id: 'STORY-NET-CILIUM-BGP-CP-IMPLEMENT' });
    const after = fs.readFileSync(file, 'utf8');
    p = parse(after);
    expect(p.clusters.infra.settings.BGP_PEER_ASN).toBe('65001');
    expect(p.clusters.apps.settings.BGP_PEER_ASN).toBe('64500');
    expect(after).toContain('# our clusters, hand-written note');
    expect(after).toContain('# our upstream router');
    expect(after).toMatch(/# Autonomous system|# .*ASN/);
  });
});

describe('cross-cluster defaults', () => {
  it("a default that names another cluster's address follows that cluster's domain in platform.yaml", async () => {
    const dir = path.join(tmpDir(), 'platform');
    createClusters({
      dir,
      clusters: [{ name: 'core', role: 'infra', domain: 'core.lab.example.net' }, { name: 'apps' }],
    });
    addStories({ dir, ids: ['STORY-OBS-VM-STACK-IMPLEMENT', 'STORY-CICD-GITLAB-APPS'] });
    const p = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
    expect(p.clusters.apps.settings.VM_REMOTE_WRITE_URL).toBe(
      'https://metrics.core.lab.example.net/insert/0/prometheus/api/v1/write',
    );
    // Keycloak's public name is one level below the zone of the infra cluster's domain (core.lab.example.net and
    // apps.example.com share no zone, so it is the parent of core's domain)
    expect(p.clusters.apps.settings.OIDC_ISSUER_URL).toBe('https://sso.lab.example.net/realms/platform');
  });
});

describe('custom stories', () => {
  it('rejects a custom story that reuses a catalog id or component, or misses flags, writing nothing', async () => {
    const repo = newRepo();
    const before = snapshot(repo);
    const a = await run('add-story', [
      'STORY-NET-CILIUM-GATEWAY',
      '--custom',
      '--dir',
      repo,
      '--title',
      'x',
      '--lane',
      'apps',
      '--component',
      'x',
      '--namespace',
      'x',
    ]);
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('is a catalog story');
    const b = await run('add-story', [
      'STORY-APP-X',
      '--custom',
      '--dir',
      repo,
      '--title',
      'x',
      '--lane',
      'infra',
      '--component',
      'cilium',
      '--namespace',
      'x',
    ]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('component cilium is already defined');
    const c = await run('add-story', ['STORY-APP-X', '--custom', '--dir', repo, '--title', 'x']);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('missing --lane');
    const d = await run('add-story', [
      'STORY-APP-X',
      '--custom',
      '--dir',
      repo,
      '--title',
      'x',
      '--lane',
      'apps',
      '--component',
      'Bad_Name',
      '--namespace',
      'x',
    ]);
    expect(d.status).toBe(2);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('platform-kit stories and add-story --dry-run', () => {
  it("lists the 41 stories in plan order with sprint, lane and each cluster's status, as text and as JSON", async () => {
    const repo = newRepo();
    addStories({ dir: repo, ids: ['STORY-BOOT-TALOS', 'STORY-BOOT-CRDS'], approve: true });
    addStory({ dir: repo, id: 'STORY-STO-ROOK-CEPH-OPERATOR' });
    const j = await run('platform-kit', ['stories', '--json', '--dir', repo]);
    expect(j.status, j.stderr).toBe(0);
    const list = JSON.parse(j.stdout) as { id: string; seq: number; sprint: number; status: Record<string, string> }[];
    expect(list.map((s) => s.id)).toEqual(cat.stories.map((s) => s.id));
    expect(list.map((s) => s.seq)).toEqual([...Array(41).keys()].map((i) => i + 1));
    expect(list.find((s) => s.id === 'STORY-BOOT-CRDS')!.status).toEqual({ infra: 'approved', apps: 'approved' });
    expect(list.find((s) => s.id === 'STORY-STO-ROOK-CEPH-OPERATOR')!.status).toEqual({ infra: 'draft' });
    expect(list.find((s) => s.id === 'STORY-APP-HARBOR')!.status).toEqual({});
    const t = await run('platform-kit', ['stories', '--dir', repo]);
    expect(t.stdout).toMatch(/^14 +3 +STORY-STO-ROOK-CEPH-OPERATOR +manifests +infra +infra:draft$/m);
  });

  it('--dry-run prints the plan with the files the story would create and writes nothing', async () => {
    const repo = newRepo();
    const before = snapshot(repo);
    const r = await run('add-story', ['--verbose', 'STORY-OPS-RELOADER-ALL-CLUSTERS', '--dry-run', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^CREATE +kubernetes\/infrastructure\/operations\/reloader\/ks\.yaml$/m);
    expect(r.stdout).toMatch(/^CREATE +docs\/stories\/STORY-OPS-RELOADER-ALL-CLUSTERS\.md$/m);
    expect(r.stdout).toContain('dry run: nothing was written');
    expect(snapshot(repo)).toEqual(before);
  });
});

describe('--with-deps', () => {
  it('platform-kit approve STORY-NET-CILIUM-IPAM: refused without it (the error names --with-deps), approves the chain with it', async () => {
    const dir = newRepo();
    const id = 'STORY-NET-CILIUM-IPAM';
    expect((await run('add-story', [id, '--dir', dir])).status).toBe(0);
    const before = snapshot(dir);
    const refused = await run('platform-kit', ['approve', id, '--dir', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--with-deps');
    expect(snapshot(dir)).toEqual(before);

    const r = await run('platform-kit', ['approve', id, '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const deps = [...transitiveDeps(cat, id)];
    const order = listed(r.stdout);
    // Every dependency, each once, in plan order.
    expect([...order].sort()).toEqual([...deps].sort());
    expect(order).toEqual([...order].sort((a, b) => seq(a) - seq(b)));
    const p = platform(dir);
    for (const d of [...deps, id])
      for (const [c, st] of Object.entries(p.stories[d].clusters)) expect(st, `${d} on ${c}`).toBe('approved');
    expect(r.stdout).toMatch(new RegExp(`approved ${id} on infra, apps`));
  });

  it('add-story STORY-BACKUP-VOLSYNC-APPS --cluster apps --approve --with-deps approves what it needs, on apps and where its dependencies run', async () => {
    const dir = newRepo();
    const id = 'STORY-BACKUP-VOLSYNC-APPS';
    const before = snapshot(dir);
    const refused = await run('add-story', [id, '--cluster', 'apps', '--approve', '--dir', dir]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--with-deps');
    expect(snapshot(dir)).toEqual(before);

    const r = await run('add-story', [id, '--cluster', 'apps', '--approve', '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    expect(p.stories[id].clusters).toEqual({ apps: 'approved' });
    const roles: Record<string, string> = Object.fromEntries(
      Object.entries(p.clusters).map(([n, c]: [string, any]) => [n, c.role]),
    );
    for (const d of transitiveDeps(cat, id)) {
      const states = p.stories[d]?.clusters ?? {};
      expect(Object.values(states), `${d} approved somewhere`).toContain('approved');
      // A dependency of the apps role is approved on apps itself.
      if (cat.byId.get(d)!.clusters.includes(roles.apps as 'infra' | 'apps') && listed(r.stdout).includes(d))
        expect(states.apps, d).toBe('approved');
    }
    const order = listed(r.stdout);
    expect(order).toEqual([...order].sort((a, b) => seq(a) - seq(b)));
    // The story itself is reported on the cluster asked for, not on those its dependencies went to.
    expect(r.stdout).toMatch(new RegExp(`approved ${id} on apps:`));
  });

  it('add-story --with-deps without --approve adds the missing dependencies as drafts', async () => {
    const dir = newRepo();
    const id = 'STORY-NET-CILIUM-GATEWAY';
    const r = await run('add-story', [id, '--with-deps', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    const deps = [...transitiveDeps(cat, id)];
    expect([...listed(r.stdout)].sort()).toEqual([...deps].sort());
    for (const d of [...deps, id]) for (const st of Object.values(p.stories[d].clusters)) expect(st, d).toBe('draft');
  });
});

describe('approve / unapprove with several ids', () => {
  const chain = [
    'STORY-BOOT-TALOS',
    'STORY-BOOT-CRDS',
    'STORY-BOOT-CORE',
    'STORY-GITOPS-SELF-MGMT-FLUX',
    'STORY-NET-CILIUM-CORE-GITOPS',
    'STORY-NET-CILIUM-IPAM',
  ];

  it('approves several at once (a dependency named in the same call counts), and refuses all when one cannot be approved', async () => {
    const dir = newRepo();
    expect((await run('add-story', [...chain, '--dir', dir])).status).toBe(0);
    const before = snapshot(dir);
    // Without the first story of the chain, the second cannot be approved: nothing is, not even the others.
    const partial = await run('platform-kit', ['approve', ...chain.slice(1), '--dir', dir]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain(`${chain[0]} is draft on`);
    expect(snapshot(dir)).toEqual(before);
    // Given in any order, all of them together are approved.
    const r = await run('platform-kit', ['approve', ...[...chain].reverse(), '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    for (const id of chain) for (const st of Object.values(p.stories[id].clusters)) expect(st, id).toBe('approved');
  });

  it('unapproves a story together with the one that depends on it; the dependency alone is refused', async () => {
    const dir = newRepo();
    expect((await run('add-story', [...chain, '--approve', '--dir', dir])).status).toBe(0);
    const [dep, leaf] = chain.slice(-2);
    const before = snapshot(dir);
    const alone = await run('platform-kit', ['unapprove', dep, '--dir', dir]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain(`${leaf} is approved on`);
    expect(snapshot(dir)).toEqual(before);
    const r = await run('platform-kit', ['unapprove', dep, leaf, '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const p = platform(dir);
    for (const id of [dep, leaf]) for (const st of Object.values(p.stories[id].clusters)) expect(st, id).toBe('draft');
  });
});

describe('add-story with no id', () => {
  it('without a terminal: exit 2, says how to name ids', async () => {
    const dir = newRepo();
    const r = await run('add-story', ['--dir', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no story id given');
    expect(r.stderr).toContain('--all');
    expect(r.stderr).toContain(`platform-kit stories --dir ${dir}`);
  });
});
