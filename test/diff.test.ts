import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument, stringify } from 'yaml';
import { approveStory, createClusters, type DiffResult, diffRepo, unapproveStory } from '../src';
import { walkRepo } from '../src/check/check';
import { formatDiff } from '../src/check/diff';
import { loadCatalog } from '../src/model/stories';
import { ROOT, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/*
 * platform-kit diff on real git repositories with real kubectl. Fixture: infra + apps with harbor, the VictoriaMetrics
 * stack and what they depend on approved, then STORY-APP-HARBOR back to a draft on infra, committed as the base. Each test clones it, changes one
 * thing, and compares what diff reports with what the change means, read from the files. The bin is spawned where
 * the process is the subject (its one smoke, with --json; Ctrl-C); elsewhere it runs in process, and the text report
 * is formatDiff of the result (what the bin prints without --json).
 */

const CLI = path.join(ROOT, 'lib', 'cli', 'platform-kit.js');
const STORY = 'STORY-APP-HARBOR';
const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
let base: string;

/** The ids and every story they depend on, read from the catalog. */
function withDependencies(ids: string[]): string[] {
  const cat = loadCatalog();
  const want = new Set<string>();
  const visit = (id: string) => {
    if (want.has(id)) return;
    want.add(id);
    for (const d of cat.byId.get(id)!.dependsOn) visit(d);
  };
  for (const id of ids) visit(id);
  return [...want];
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: ENV });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A fresh clone of the fixture repository to change. */
function clone(): string {
  const dir = path.join(tmpDir(), 'repo');
  git(os.tmpdir(), 'clone', '-q', base, dir);
  return dir;
}

const commitAll = (dir: string, msg: string) => {
  git(dir, 'add', '-A');
  return git(dir, 'commit', '-qm', msg);
};
const worktrees = (dir: string) =>
  git(dir, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree ')).length;
const diffTemps = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('cpc-diff-'));
const kubectl = (dir: string) => {
  const r = spawnSync('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS());
};
/** diff's id of an object: `<Kustomization ns/name> <Kind[.group]> <namespace/>name`. */
const idOf = (ks: string, o: any) => {
  const group = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '';
  return `${ks} ${group ? `${o.kind}.${group}` : o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
};
const ids = (r: DiffResult, cluster: string, what: 'added' | 'removed' | 'changed') =>
  r.clusters[cluster][what].map((o) => o.id).sort();

/** The Flux Kustomization file of the story's one component, and its spec. */
function harborKs(dir: string): { file: string; spec: any; name: string } {
  const hits = spawnSync(
    'git',
    ['-C', dir, 'grep', '-l', '^kind: Kustomization', '--', 'kubernetes/infrastructure/*/harbor/ks.yaml'],
    { encoding: 'utf8' },
  )
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  expect(hits).toHaveLength(1);
  const o = parse(fs.readFileSync(path.join(dir, hits[0]), 'utf8'));
  return { file: hits[0], spec: o.spec, name: o.metadata.name };
}

beforeAll(() => {
  base = path.join(tmpDir(), 'platform');
  // The stories the tests change (harbor, and the VictoriaMetrics stack whose VM_RETENTION_PERIOD they set) with
  // everything they depend on: 18 of the 41, so each diff builds less than half the reference platform's paths.
  createClusters({
    dir: base,
    clusters: [{ name: 'infra' }, { name: 'apps' }],
    stories: { ids: withDependencies([STORY, 'STORY-OBS-VM-STACK-IMPLEMENT']), approve: true },
  });
  unapproveStory({ id: STORY, dir: base });
  git(base, 'init', '-q', '-b', 'main');
  commitAll(base, 'reference platform, harbor a draft');
}, 240_000);

describe('platform-kit diff', () => {
  it('approving a story: exactly the objects of its Flux Kustomization and its lane entry are added, plus the alert that now watches its namespace', () => {
    const dir = clone();
    const ks = harborKs(dir);
    approveStory({ id: STORY, dir });
    // Expected from the files: the component's own build (kubectl kustomize of its spec.path, namespaced to
    // targetNamespace), its Flux Kustomization in the infra lane, and each entry-folder object whose text changed.
    const own = kubectl(path.join(dir, ks.spec.path)).map((o) => {
      if (!o.metadata.namespace && o.kind !== 'Namespace' && ks.spec.targetNamespace)
        o.metadata.namespace = ks.spec.targetNamespace;
      return idOf(`flux-system/${ks.name}`, o);
    });
    const lane = 'flux-system/infrastructure Kustomization.kustomize.toolkit.fluxcd.io flux-system/' + ks.name;
    const entryChanged: string[] = [];
    for (const f of git(dir, 'diff', '--name-only', 'HEAD')
      .split('\n')
      .filter(
        (f) =>
          f.startsWith('kubernetes/clusters/infra/') &&
          !f.endsWith('kustomization.yaml') &&
          !f.includes('/infrastructure/'),
      )) {
      const before = parseAllDocuments(git(dir, 'show', `HEAD:${f}`)).map((d) => d.toJS());
      const after = parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS());
      for (const o of after)
        if (!before.some((b) => JSON.stringify(b) === JSON.stringify(o)))
          entryChanged.push(idOf('flux-system/flux-system', o));
    }
    expect(entryChanged.length).toBeGreaterThan(0); // the alert lists harbor's namespace

    const r = spawnSync(process.execPath, [CLI, 'diff', '--base', 'HEAD', '--dir', dir, '--json'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as DiffResult;
    expect(j.base).toBe('HEAD');
    expect(Object.keys(j.clusters).sort()).toEqual(['apps', 'infra']);
    expect(ids(j, 'infra', 'added')).toEqual([...own, lane].sort());
    expect(ids(j, 'infra', 'removed')).toEqual([]);
    expect(ids(j, 'infra', 'changed')).toEqual(entryChanged.sort());
    for (const c of j.clusters.infra.changed)
      expect(c.diff).toMatch(new RegExp(`^\\+ .*namespace: ${ks.spec.targetNamespace}$`, 'm'));
    // The story runs on infra only: apps is untouched.
    expect(j.clusters.apps).toEqual({ added: [], removed: [], changed: [] });
    expect(j.errors).toEqual([]);
    expect(j.summary).toMatchObject({ added: own.length + 1, removed: 0, changed: entryChanged.length, errors: 0 });
    // Text: one line per object, the summary last.
    const lines = formatDiff(j).trim().split('\n');
    expect(
      lines
        .filter((l) => l.startsWith('+ added '))
        .map((l) => l.replace(/^\+ added +/, ''))
        .sort(),
    ).toEqual([...own, lane].sort());
    expect(lines[lines.length - 1]).toBe(
      `diff against HEAD (${git(dir, 'rev-parse', 'HEAD').trim().slice(0, 12)}): ${own.length + 1} added, 0 ` +
        `removed, ${entryChanged.length} changed object${entryChanged.length === 1 ? '' : 's'} on 2 clusters`,
    );
  }, 240_000);

  it('a cluster setting changed: its ConfigMap and every object that substitutes it change on that cluster only, the same as with --full', async () => {
    const dir = clone();
    // Every file that uses the variable; each is a values file of a configMapGenerator, so its ConfigMap changes.
    const users = git(dir, 'grep', '-lF', '${VM_RETENTION_PERIOD}', '--', 'kubernetes').split('\n').filter(Boolean);
    expect(users.length).toBeGreaterThan(0);
    // Three more objects using it next to the first: Flux leaves the two marked substitute: disabled as written.
    const app = path.dirname(users[0]);
    const cm = (name: string, meta: object) =>
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, ...meta },
        data: { retention: '${VM_RETENTION_PERIOD}' },
      });
    fs.writeFileSync(path.join(dir, app, 'diff-plain.yaml'), cm('diff-plain', {}));
    fs.writeFileSync(
      path.join(dir, app, 'diff-annotated.yaml'),
      cm('diff-annotated', { annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } }),
    );
    fs.writeFileSync(
      path.join(dir, app, 'diff-labelled.yaml'),
      cm('diff-labelled', { labels: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } }),
    );
    const kfile = path.join(dir, app, 'kustomization.yaml');
    const k = parseDocument(fs.readFileSync(kfile, 'utf8'));
    for (const f of ['diff-plain.yaml', 'diff-annotated.yaml', 'diff-labelled.yaml'])
      (k.get('resources') as any).add(`./${f}`);
    fs.writeFileSync(kfile, k.toString());
    commitAll(dir, 'three ConfigMaps that use VM_RETENTION_PERIOD');
    const file = path.join(dir, 'kubernetes/clusters/infra/cluster-settings.yaml');
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    const old = String(doc.getIn(['data', 'VM_RETENTION_PERIOD']));
    const now = old === '45d' ? '60d' : '45d';
    doc.setIn(['data', 'VM_RETENTION_PERIOD'], now);
    fs.writeFileSync(file, doc.toString());

    const r = await diffRepo({ dir, base: 'HEAD' });
    expect(r.errors).toEqual([]);
    expect(r.clusters.apps).toEqual({ added: [], removed: [], changed: [] });
    expect(ids(r, 'infra', 'added')).toEqual([]);
    expect(ids(r, 'infra', 'removed')).toEqual([]);
    const changed = r.clusters.infra.changed;
    expect(
      changed.find((c) => c.id === 'flux-system/flux-system ConfigMap flux-system/cluster-settings')?.diff,
    ).toContain(`+  VM_RETENTION_PERIOD: ${now}`);
    const substituted = changed.filter((c) => c.kustomization !== 'flux-system/flux-system');
    expect(substituted).toHaveLength(users.length + 1);
    expect(substituted.map((c) => c.name)).toContain('diff-plain');
    expect(substituted.map((c) => c.name)).not.toContain('diff-annotated');
    expect(substituted.map((c) => c.name)).not.toContain('diff-labelled');
    for (const c of substituted) {
      expect(c.kind).toBe('ConfigMap');
      expect(c.diff).toMatch(new RegExp(`^-.*"?${old}"?$`, 'm'));
      expect(c.diff).toMatch(new RegExp(`^\\+.*"?${now}"?$`, 'm'));
    }
    expect(changed).toHaveLength(users.length + 2);
    // Builds whose files did not change are not run twice (nor at all when their values are the same too), and
    // that gives exactly what building everything on both sides gives.
    const full = await diffRepo({ dir, base: 'HEAD', full: true, clusters: ['infra'] });
    expect(full.clusters.infra).toEqual(r.clusters.infra);
    expect(r.summary.builds).toBeLessThan(full.summary.builds);
  }, 400_000);

  it("a lane's spec.patches reach its children: each child Flux Kustomization and every HelmRelease it builds " +
    "change with the lane's HelmRelease defaults", async () => {
    const dir = clone();
    const file = path.join(dir, 'kubernetes/clusters/infra/infrastructure.yaml');
    const lane = parse(fs.readFileSync(file, 'utf8'));
    const inner = parse(parse(lane.spec.patches[0].patch).spec.patches[0].patch);
    const old = inner.spec.upgrade.remediation.retries;
    const text = fs.readFileSync(file, 'utf8');
    const at = new RegExp(`^(\\s+retries: )${old}$`, 'm');
    expect(text.match(new RegExp(at.source, 'gm'))).toHaveLength(1); // the upgrade retries, nothing else
    fs.writeFileSync(file, text.replace(at, `$1${old + 2}`));
    // Expected from the walk: the lane's children on infra, and the HelmReleases each of them builds.
    const walk = walkRepo({ dir }).walks.get('infra')!;
    // Every child's object changes (an external one's too: the lane emits it); the built ones' HelmReleases change.
    const children = [...walk.values()].filter((k) => k.parent === `flux-system/${lane.metadata.name}`);
    expect(children.length).toBeGreaterThan(0);
    const releases = children
      .filter((k) => !k.external)
      .flatMap((k) =>
        (k.build?.objects ?? [])
          .filter((o) => o.kind === 'HelmRelease')
          .map(
            (o) =>
              `${k.id} HelmRelease.helm.toolkit.fluxcd.io ${o.namespace ?? k.obj?.raw.spec.targetNamespace}/${o.name}`,
          ),
      );
    expect(releases.length).toBeGreaterThan(0);

    const r = await diffRepo({ dir, base: 'HEAD', clusters: ['infra'] });
    expect(r.errors).toEqual([]);
    const kss = [
      `flux-system/flux-system Kustomization.kustomize.toolkit.fluxcd.io flux-system/${lane.metadata.name}`,
      ...children.map((k) => `flux-system/${lane.metadata.name} Kustomization.kustomize.toolkit.fluxcd.io ${k.id}`),
    ];
    expect(ids(r, 'infra', 'changed')).toEqual([...kss, ...releases].sort());
    for (const c of r.clusters.infra.changed.filter((x) => x.kind === 'HelmRelease')) {
      expect(c.diff.split('\n').filter((l) => /^[-+] /.test(l))).toEqual([
        `-      retries: ${old}`,
        `+      retries: ${old + 2}`,
      ]);
    }
  }, 400_000);

  it('Secrets: keys and a changed/unchanged marker, never a value; SOPS ciphertext and its sops block are never printed', async () => {
    const dir = clone();
    const ks = harborKs(dir);
    approveStory({ id: STORY, dir });
    const app = path.join(dir, ks.spec.path);
    const plain = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-plain' },
      stringData: { user: 'admin-unchanged', password: 'hunter2-old' },
    };
    const sops = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-sops' },
      type: 'Opaque',
      data: {
        token: 'ENC[AES256_GCM,data:AAAAold,iv:ivold,tag:tagold,type:str]',
        keep: 'ENC[AES256_GCM,data:KEEPkeep,iv:k,tag:k,type:str]',
      },
      sops: {
        mac: 'ENC[AES256_GCM,data:MACold,iv:m,tag:m,type:str]',
        lastmodified: '2026-01-01T00:00:00Z',
        version: '3.9.0',
      },
    };
    const write = () => {
      fs.writeFileSync(path.join(app, 'demo-plain.yaml'), stringify(plain));
      fs.writeFileSync(path.join(app, 'demo.sops.yaml'), stringify(sops));
    };
    write();
    const kfile = path.join(app, 'kustomization.yaml');
    const k = parseDocument(fs.readFileSync(kfile, 'utf8'));
    (k.get('resources') as any).add('./demo-plain.yaml');
    (k.get('resources') as any).add('./demo.sops.yaml');
    fs.writeFileSync(kfile, k.toString());
    commitAll(dir, 'harbor with two secrets');
    plain.stringData.password = 'hunter2-new';
    (plain.stringData as Record<string, string>).extra = 's3cret-added';
    sops.data.token = 'ENC[AES256_GCM,data:BBBBnew,iv:ivnew,tag:tagnew,type:str]';
    sops.sops.mac = 'ENC[AES256_GCM,data:MACnew,iv:m2,tag:m2,type:str]';
    write();

    const r = await diffRepo({ dir, base: 'HEAD' });
    const ksId = `flux-system/${ks.name}`;
    const ns = ks.spec.targetNamespace;
    expect(ids(r, 'infra', 'changed')).toEqual([`${ksId} Secret ${ns}/demo-plain`, `${ksId} Secret ${ns}/demo-sops`]);
    const d = (name: string) => r.clusters.infra.changed.find((c) => c.name === name)!.diff;
    const changedLines = (t: string) =>
      t
        .split('\n')
        .filter((l) => /^[-+] /.test(l))
        .sort();
    expect(changedLines(d('demo-plain'))).toEqual(
      ['+  extra: "**masked**"', '+  password: "**masked, changed**"', '-  password: "**masked**"'].sort(),
    );
    expect(changedLines(d('demo-sops'))).toEqual(['+  token: "**masked, changed**"', '-  token: "**masked**"']);
    const text = formatDiff(r) + JSON.stringify(r);
    for (const secret of [
      'hunter2',
      'admin-unchanged',
      's3cret',
      'AAAA',
      'BBBB',
      'KEEP',
      'MAC',
      'ENC[',
      'lastmodified',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('user: "**masked**"'); // an unchanged key is shown as context, masked
  }, 240_000);

  it('a substitution value that comes from a Secret is substituted masked, never as its value', async () => {
    const dir = clone();
    const entry = 'kubernetes/clusters/infra';
    const lane = parse(fs.readFileSync(path.join(dir, entry, 'infrastructure.yaml'), 'utf8'));
    const fromSecret = lane.spec.postBuild.substituteFrom.find((s: any) => s.kind === 'Secret');
    expect(fromSecret).toBeDefined(); // the lanes read a Secret after cluster-settings: its keys win
    const users = git(dir, 'grep', '-lF', '${VM_RETENTION_PERIOD}', '--', 'kubernetes').split('\n').filter(Boolean);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: fromSecret.name, namespace: 'flux-system' },
      stringData: { VM_RETENTION_PERIOD: '99d-from-the-secret' },
    };
    fs.writeFileSync(path.join(dir, entry, 'diff-secret.yaml'), stringify(secret));
    const kfile = path.join(dir, entry, 'kustomization.yaml');
    const k = parseDocument(fs.readFileSync(kfile, 'utf8'));
    (k.get('resources') as any).add('./diff-secret.yaml');
    fs.writeFileSync(kfile, k.toString());

    const r = await diffRepo({ dir, base: 'HEAD', clusters: ['infra'] });
    expect(r.errors).toEqual([]);
    expect(ids(r, 'infra', 'added')).toEqual([`flux-system/flux-system Secret flux-system/${fromSecret.name}`]);
    const changed = r.clusters.infra.changed;
    expect(changed).toHaveLength(users.length);
    for (const c of changed) expect(c.diff).toMatch(/^\+.*"\*\*masked\*\*"$/m);
    expect(JSON.stringify(r)).not.toContain('99d-from-the-secret');
  }, 240_000);

  it('a build failure on either side is reported (side, Kustomization, path, the kustomize error) and that Kustomization is not compared', async () => {
    const dir = clone();
    const ks = harborKs(dir);
    approveStory({ id: STORY, dir });
    commitAll(dir, 'harbor approved');
    const kfile = path.join(dir, ks.spec.path, 'kustomization.yaml');
    const good = fs.readFileSync(kfile, 'utf8');
    const k = parseDocument(good);
    (k.get('resources') as any).add('./missing.yaml');
    fs.writeFileSync(kfile, k.toString());

    const expectOne = (r: DiffResult, side: 'base' | 'head') => {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({
        side,
        cluster: 'infra',
        kustomization: `flux-system/${ks.name}`,
        path: `./${ks.spec.path.replace(/^\.\//, '')}`,
      });
      expect(r.errors[0].message).toContain("'./missing.yaml'");
      expect(r.errors[0].message).toContain(
        `${ks.spec.path.replace(/^\.\//, '')}/missing.yaml: no such file or directory`,
      );
      expect(r.errors[0].message).not.toContain(os.tmpdir());
      expect(r.clusters.infra.removed.filter((o) => o.kustomization === `flux-system/${ks.name}`)).toEqual([]);
      expect(r.summary.errors).toBe(1);
    };
    // harbor is on infra only: apps would only be built to be equal.
    expectOne(await diffRepo({ dir, base: 'HEAD', clusters: ['infra'] }), 'head');
    // The bin's text report (no --json) has the failure; a report's findings are not in the exit code.
    const cli = await runInProcess('platform-kit', ['diff', '--base', 'HEAD', '--dir', dir, '--cluster', 'infra']);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`work tree: cluster infra, flux-system/${ks.name}`);
    // Broken at the base, fixed in the work tree.
    commitAll(dir, 'broken');
    fs.writeFileSync(kfile, good);
    expectOne(await diffRepo({ dir, base: 'HEAD', clusters: ['infra'] }), 'base');
  }, 240_000);

  it('a bad ref exits 2 with a clear message and leaves no worktree or temp folder behind', async () => {
    const dir = base; // only read
    const temps = diffTemps();
    for (const ref of ['no-such-branch', 'HEAD~5', '--upload-pack=x']) {
      const r = await runInProcess('platform-kit', ['diff', '--base', ref, '--dir', dir]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--base .*(no such commit|give a branch)/);
      expect(r.stdout).toBe('');
    }
    const notGit = tmpDir();
    const r = await runInProcess('platform-kit', ['diff', '--base', 'HEAD', '--dir', notGit]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not inside a git repository');
    expect(worktrees(dir)).toBe(1);
    expect(diffTemps()).toEqual(temps);
  });

  it('Ctrl-C while building removes the base worktree and its temp folder', async () => {
    const dir = clone();
    const child = spawn(process.execPath, [CLI, 'diff', '--base', 'HEAD', '--dir', dir, '--full'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let at = '';
    for (let i = 0; i < 600 && !at; i++) {
      await new Promise((r) => setTimeout(r, 100));
      at =
        git(dir, 'worktree', 'list', '--porcelain')
          .split('\n')
          .filter((l) => l.startsWith('worktree '))
          .map((l) => l.slice(9))[1] ?? '';
    }
    expect(at).not.toBe('');
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(worktrees(dir)).toBe(1);
    expect(fs.existsSync(path.dirname(at))).toBe(false);
  }, 120_000);
});

describe('the generated workflow posts the diff on pull requests', () => {
  // The fixture's workflow (read only).
  let wf: any;
  let job: any;
  beforeAll(() => {
    wf = parse(fs.readFileSync(path.join(base, '.github/workflows/platform-check.yaml'), 'utf8'));
    job = wf.jobs.diff;
  });
  const step = (name: string) => job.steps.find((s: any) => s.name === name);

  it('runs platform-kit diff against the pull request base with the full history, allowed to write pull request comments only', () => {
    expect(job.if).toBe("github.event_name == 'pull_request'");
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(job.steps.find((s: any) => String(s.uses).startsWith('actions/checkout')).with['fetch-depth']).toBe(0);
    const run = step('platform-kit diff');
    expect(run.env.BASE_SHA).toBe('${{ github.event.pull_request.base.sha }}');
    expect(run.run).toContain('platform-kit diff --base "$BASE_SHA" --dir .');
  });

  /** Run the github-script step with a fake GitHub client. */
  async function post(output: string, existing: { id: number; body: string; user: { type: string } }[]) {
    const file = path.join(tmpDir(), 'diff.txt');
    fs.writeFileSync(file, output);
    const calls: [string, any][] = [];
    const github = {
      paginate: async () => existing,
      rest: {
        issues: {
          listComments: 'list',
          updateComment: async (a: any) => calls.push(['update', a]),
          createComment: async (a: any) => calls.push(['create', a]),
        },
      },
    };
    const context = { repo: { owner: 'o', repo: 'r' }, payload: { pull_request: { number: 7 } } };
    const s = step('comment on the pull request');
    process.env.DIFF_FILE = file;
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
    await new AsyncFunction('require', 'github', 'context', s.with.script)(
      createRequire(path.join(ROOT, 'package.json')),
      github,
      context,
    );
    delete process.env.DIFF_FILE;
    return calls;
  }

  it("one comment, created once then edited, within GitHub's 65536 characters, in a collapsed block whose fence no manifest closes", async () => {
    const summary = 'diff against abc (abc): 1 added, 0 removed, 1 changed object on 1 cluster';
    const long =
      Array.from({ length: 5000 }, (_, i) => `+  line ${i} of a big ConfigMap with \`\`\`\` in it`).join('\n') +
      `\n${summary}\n`;
    const created = await post(long, [{ id: 1, body: 'someone else', user: { type: 'User' } }]);
    expect(created).toHaveLength(1);
    expect(created[0][0]).toBe('create');
    const body: string = created[0][1].body;
    expect(created[0][1].issue_number).toBe(7);
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body).toContain(summary);
    expect(body).toContain('<details>');
    expect(body).toContain('`````diff'); // longer than the 4 backticks inside
    const edited = await post(`${summary}\n`, [
      { id: 1, body: 'someone else', user: { type: 'User' } },
      { id: 9, body: body, user: { type: 'Bot' } },
    ]);
    expect(edited.map(([what, a]) => [what, a.comment_id])).toEqual([['update', 9]]);
  });
});
