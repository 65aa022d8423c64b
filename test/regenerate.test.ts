import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addStories, createClusters, regenerate } from '../src';
import { ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess as run } from './helpers/in-process';

/**
 * Scenario matrix for platform-kit regenerate with real files. A "new version of the package's templates" is a
 * copy of templates/ with a change, passed as the template root (what an upgrade of the package does).
 * In process: the commands run through their own commander programs (helpers/in-process.ts), not spawned. It stays
 * in the e2e project all the same: each case scaffolds a repository with six approved stories and a copy of the
 * templates, seconds of work that the unit project's budget (README: seconds) has no room for.
 */

const RELOADER_VALUES = 'kubernetes/infrastructure/operations/reloader/app/helm-values.yaml';
const RELOADER_PDB = 'kubernetes/infrastructure/operations/reloader/app/pdb.yaml';
const STORIES = [
  'STORY-BOOT-TALOS',
  'STORY-BOOT-CRDS',
  'STORY-BOOT-CORE',
  'STORY-GITOPS-SELF-MGMT-FLUX',
  'STORY-OPS-RELOADER-ALL-CLUSTERS',
  'STORY-SEC-EXTERNAL-SECRETS-BASE',
];

function repo(): string {
  const dir = path.join(tmpDir(), 'platform');
  createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }] });
  addStories({ dir, ids: STORIES, approve: true });
  return dir;
}

/** A copy of the built-in templates, changed by `edit` (a new package version). */
function newTemplates(edit: (root: string) => void): string {
  const root = path.join(tmpDir('tpl-'), 'templates');
  fs.cpSync(path.join(ROOT, 'templates'), root, { recursive: true });
  edit(root);
  return root;
}

const read = (dir: string, p: string) => fs.readFileSync(path.join(dir, p), 'utf8');
const write = (dir: string, p: string, text: string) => fs.writeFileSync(path.join(dir, p), text);
const replaceIn = (file: string, from: string, to: string) => {
  const text = fs.readFileSync(file, 'utf8');
  expect(text.includes(from), `${file} contains ${from}`).toBe(true);
  fs.writeFileSync(file, text.replace(from, to));
};

/** Every line a person wrote is still in the file, in the same order. */
function expectLinesKept(text: string, lines: string[]): void {
  let at = 0;
  const have = text.split('\n');
  for (const l of lines) {
    const i = have.indexOf(l, at);
    expect(i, `line lost or reordered: ${JSON.stringify(l)}\n--- file ---\n${text}`).toBeGreaterThanOrEqual(0);
    at = i + 1;
  }
}

/** A second regenerate with the same inputs writes nothing. */
function expectSecondRunIdle(dir: string, templateRoots?: string[]): void {
  const before = snapshot(dir);
  const again = regenerate({ dir, templateRoots });
  expect(again.changed, 'second run would change something').toBe(false);
  expect(snapshot(dir)).toEqual(before);
}

describe('platform-kit regenerate: scenario matrix', () => {
  it('untouched repository, same templates: nothing to do; --check exits 0', async () => {
    const dir = repo();
    const before = snapshot(dir);
    const r = await run('platform-kit', ['regenerate', '--check', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('check: up to date');
    const r2 = await run('platform-kit', ['regenerate', '--dir', dir]);
    expect(r2.status).toBe(0);
    expect(r2.stdout).toContain('nothing to do');
    expect(snapshot(dir)).toEqual(before);
  });

  it('non-overlapping edit + template change: both present, reported MERGE, exit 0', async () => {
    const dir = repo();
    const mine = ['  # we run info in prod; debug only while chasing an incident', '  logLevel: info'];
    replaceIn(path.join(dir, RELOADER_VALUES), '  logLevel: info', mine.join('\n'));
    write(dir, RELOADER_VALUES, read(dir, RELOADER_VALUES) + 'extraLabels:\n  team: platform # ours\n');
    const tpl = newTemplates((t) =>
      replaceIn(path.join(t, 'components/operations/reloader/helm-values.yaml.hbs'), 'cpu: 10m', 'cpu: 20m'),
    );
    const r = regenerate({ dir, templateRoots: [tpl] });
    expect(r.unresolved).toEqual([]);
    expect(r.plan.changes.find((c) => c.path === RELOADER_VALUES)!.action).toBe('MERGE');
    const text = read(dir, RELOADER_VALUES);
    expectLinesKept(text, [...mine, 'extraLabels:', '  team: platform # ours']);
    expect(text).toContain('cpu: 20m');
    expect(parse(text).reloader.deployment.resources.requests.cpu).toBe('20m');
    expectSecondRunIdle(dir, [tpl]);
  });

  it('overlapping edit: conflict markers with the base shown, the file listed, exit 1; no other file changes', async () => {
    const dir = repo();
    replaceIn(path.join(dir, RELOADER_VALUES), 'cpu: 10m', 'cpu: 50m # measured in prod');
    const before = snapshot(dir);
    const tplDir = newTemplates((t) =>
      replaceIn(path.join(t, 'components/operations/reloader/helm-values.yaml.hbs'), 'cpu: 10m', 'cpu: 20m'),
    );
    // Through the CLI with a repo-local override of the same file (the other source of template change).
    const override = path.join(dir, '.platform/templates/components/operations/reloader');
    fs.mkdirSync(override, { recursive: true });
    fs.copyFileSync(
      path.join(tplDir, 'components/operations/reloader/helm-values.yaml.hbs'),
      path.join(override, 'helm-values.yaml.hbs'),
    );
    const r = await run('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^UNMERGED +${RELOADER_VALUES.replace(/[./]/g, '\\$&')}`, 'm'));
    expect(r.stderr).toContain(`- ${RELOADER_VALUES}`);
    const text = read(dir, RELOADER_VALUES);
    expect(text).toMatch(
      /<<<<<<< .*\(yours\)\n +cpu: 50m # measured in prod\n\|{7} .*\(generated last time\)\n +cpu: 10m\n={7}\n +cpu: 20m\n>>>>>>> .*\(generated now\)/,
    );
    const after = snapshot(dir);
    const changed = Object.keys({ ...before, ...after }).filter(
      (k) => before[k] !== after[k] && !k.startsWith('.platform/'),
    );
    expect(changed).toEqual([RELOADER_VALUES]);
    // Until a person resolves it, regenerate keeps it and keeps saying so (exit 1), changing nothing.
    const again = await run('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(again.status).toBe(1);
    expect(again.stdout).toMatch(/KEEP .*reloader\/app\/helm-values\.yaml .*conflict markers/);
    expect(snapshot(dir)).toEqual(after);
    // Resolved by the person: their line wins, and the next run is idle with exit 0.
    write(
      dir,
      RELOADER_VALUES,
      text.replace(/<<<<<<< [\s\S]*?>>>>>>> [^\n]*\n/, '        cpu: 50m # measured in prod\n'),
    );
    const done = await run('platform-kit', ['regenerate', '--dir', dir]);
    expect(done.status, done.stdout + done.stderr).toBe(0);
    expectLinesKept(read(dir, RELOADER_VALUES), ['        cpu: 50m # measured in prod']);
  });

  it('edited file, template output unchanged: kept as is', async () => {
    const dir = repo();
    replaceIn(path.join(dir, RELOADER_PDB), 'minAvailable: 1', 'minAvailable: 1 # keep one during drains');
    const before = snapshot(dir);
    const r = regenerate({ dir });
    expect(r.plan.changes.find((c) => c.path === RELOADER_PDB)!.action).toBe('KEEP');
    expect(r.changed).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a generated file a person deleted stays deleted and is reported, even when its template changes', async () => {
    const dir = repo();
    fs.rmSync(path.join(dir, RELOADER_PDB));
    const tpl = newTemplates((t) =>
      replaceIn(path.join(t, 'components/operations/reloader/app/pdb.yaml'), 'minAvailable: 1', 'minAvailable: 2'),
    );
    const r = regenerate({ dir, templateRoots: [tpl] });
    const c = r.plan.changes.find((x) => x.path === RELOADER_PDB)!;
    expect([c.action, c.reason]).toEqual(['KEEP', 'deleted since it was generated; left deleted']);
    expect(fs.existsSync(path.join(dir, RELOADER_PDB))).toBe(false);
    expectSecondRunIdle(dir, [tpl]);
  });

  it('a settings change in platform.yaml reaches every file that uses it, edited ones by merge', async () => {
    const dir = repo();
    const settingsFile = 'kubernetes/clusters/apps/cluster-settings.yaml';
    const talos = 'talos/apps/talconfig.yaml';
    write(dir, talos, read(dir, talos) + '# our rack: B2\n');
    const pf = path.join(dir, 'platform.yaml');
    replaceIn(pf, 'domain: apps.example.com', 'domain: apps.lab.example.net');
    const r = regenerate({ dir });
    expect(r.unresolved).toEqual([]);
    expect(parse(read(dir, settingsFile)).data.CLUSTER_DOMAIN).toBe('apps.lab.example.net');
    // No generated file (outside the tool's own state) still carries the old domain.
    const stale = Object.keys(snapshot(dir)).filter(
      (f) => !f.endsWith('/') && !f.startsWith('.platform/') && read(dir, f).includes('apps.example.com'),
    );
    expect(stale).toEqual([]);
    expectLinesKept(read(dir, talos), ['# our rack: B2']);
    expectSecondRunIdle(dir);
  });

  it('a repo-local override under .platform/templates/ is picked up and is never itself treated as generated', async () => {
    const dir = repo();
    const override = path.join(dir, '.platform/templates/components/operations/reloader/app');
    fs.mkdirSync(override, { recursive: true });
    fs.writeFileSync(
      path.join(override, 'pdb.yaml'),
      '---\n# our PDB\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ' +
        'reloader\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: reloader\n',
    );
    const r = await run('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^UPDATE +kubernetes\/infrastructure\/operations\/reloader\/app\/pdb\.yaml$/m);
    expect(parse(read(dir, RELOADER_PDB)).spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { app: 'reloader' } },
    });
    const manifest = JSON.parse(read(dir, '.platform/manifest.json'));
    expect(Object.keys(manifest.files).some((f) => f.startsWith('.platform/templates'))).toBe(false);
    expectSecondRunIdle(dir);
    // A symbolic link in the overrides is refused: a template must not read from outside the repository.
    fs.symlinkSync('/etc/hostname', path.join(override, 'leak.yaml'));
    const before = snapshot(dir);
    const bad = await run('platform-kit', ['regenerate', '--dir', dir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('template overrides may not be symbolic links');
    expect(snapshot(dir)).toEqual(before);
  });

  it("a template renamed between versions: the person's edits follow the content to the new path", async () => {
    const dir = repo();
    const oldPath = 'kubernetes/infrastructure/operations/reloader/app/pdb.yaml';
    const newPath = 'kubernetes/infrastructure/operations/reloader/app/poddisruptionbudget.yaml';
    replaceIn(path.join(dir, oldPath), 'minAvailable: 1', 'minAvailable: 1 # reviewed by SRE');
    const tpl = newTemplates((t) => {
      const d = path.join(t, 'components/operations/reloader/app');
      fs.renameSync(path.join(d, 'pdb.yaml'), path.join(d, 'poddisruptionbudget.yaml'));
    });
    const r = regenerate({ dir, templateRoots: [tpl] });
    expect(r.unresolved).toEqual([]);
    expect(fs.existsSync(path.join(dir, oldPath))).toBe(false);
    expectLinesKept(read(dir, newPath), ['  minAvailable: 1 # reviewed by SRE']);
    expect(read(dir, 'kubernetes/infrastructure/operations/reloader/app/kustomization.yaml')).toContain(
      './poddisruptionbudget.yaml',
    );
    expectSecondRunIdle(dir, [tpl]);
  });

  it('no longer generated: deleted when untouched, kept and reported when edited; files nobody generated are never touched', async () => {
    const dir = repo();
    const mineOnly = 'kubernetes/infrastructure/operations/reloader/app/notes.md';
    write(dir, mineOnly, 'our runbook\n');
    replaceIn(path.join(dir, RELOADER_PDB), 'minAvailable: 1', 'minAvailable: 1 # ours');
    // The story leaves platform.yaml (a person removed it by hand): its files are no longer generated.
    const pf = path.join(dir, 'platform.yaml');
    const doc = parse(read(dir, 'platform.yaml'));
    delete doc.stories['STORY-OPS-RELOADER-ALL-CLUSTERS'];
    const text = read(dir, 'platform.yaml').replace(/ {2}STORY-OPS-RELOADER-ALL-CLUSTERS:\n( {4}.*\n)+/, '');
    expect(parse(text).stories).toEqual(doc.stories);
    fs.writeFileSync(pf, text);
    const r = regenerate({ dir });
    const by = (p: string) => r.plan.changes.find((c) => c.path === p)!;
    expect(by(RELOADER_VALUES).action).toBe('DELETE');
    expect([by(RELOADER_PDB).action, by(RELOADER_PDB).reason]).toEqual([
      'KEEP',
      'no longer generated, but edited since; kept',
    ]);
    expect(fs.existsSync(path.join(dir, RELOADER_VALUES))).toBe(false);
    expectLinesKept(read(dir, RELOADER_PDB), ['  minAvailable: 1 # ours']);
    expect(read(dir, mineOnly)).toBe('our runbook\n');
    expect(read(dir, 'kubernetes/clusters/infra/infrastructure/kustomization.yaml')).not.toContain('reloader');
    expectSecondRunIdle(dir);
  });

  it('a new generated file where a person already made one: not overwritten, CONFLICT, exit 1, nothing written', async () => {
    const dir = repo();
    const extra = 'kubernetes/infrastructure/operations/reloader/app/servicemonitor.yaml';
    write(dir, extra, '# mine\n');
    const tpl = newTemplates((t) =>
      fs.writeFileSync(
        path.join(t, 'components/operations/reloader/app/servicemonitor.yaml'),
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      ),
    );
    const before = snapshot(dir);
    expect(() => regenerate({ dir, templateRoots: [tpl] })).toThrow(/did not generate are in the way/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--check exits 1 and lists what would change; --dry-run shows the diff; neither writes', async () => {
    const dir = repo();
    const pf = path.join(dir, 'platform.yaml');
    replaceIn(pf, 'domain: infra.example.com', 'domain: infra.lab.example.net');
    const before = snapshot(dir);
    const c = await run('platform-kit', ['regenerate', '--verbose', '--check', '--dir', dir]);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/^UPDATE +kubernetes\/clusters\/infra\/cluster-settings\.yaml$/m);
    expect(c.stdout).toContain('check: the repository is not what platform.yaml and the templates generate');
    const d = await run('platform-kit', ['regenerate', '--dry-run', '--dir', dir]);
    expect(d.status).toBe(0);
    expect(d.stdout).toContain('+  CLUSTER_DOMAIN: infra.lab.example.net');
    expect(snapshot(dir)).toEqual(before);
  });

  it('add-story and create-platform-cluster reconcile the same way: an edited file is merged, not lost', async () => {
    const dir = repo();
    const settingsFile = 'kubernetes/clusters/infra/cluster-settings.yaml';
    write(dir, settingsFile, read(dir, settingsFile) + '# reviewed 2026-11 by the platform team\n');
    const r = await run('add-story', [
      '--verbose',
      'STORY-NET-CILIUM-CORE-GITOPS',
      'STORY-NET-CILIUM-IPAM',
      '--approve',
      '--dir',
      dir,
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^MERGE +kubernetes\/clusters\/infra\/cluster-settings\.yaml/m);
    const text = read(dir, settingsFile);
    expectLinesKept(text, ['# reviewed 2026-11 by the platform team']);
    expect(parse(text).data.LB_L2_INTERFACES).toBe('^(eth|en|bond).+');
    const c = await run('create-platform-cluster', ['stg', '--role', 'apps', '--yes', '--dir', dir]);
    expect(c.status, c.stdout + c.stderr).toBe(0);
    expectLinesKept(read(dir, settingsFile), ['# reviewed 2026-11 by the platform team']);
  });
});
