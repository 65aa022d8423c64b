import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adopt } from '../src/commands/adopt';
import { ROOT, tmpDir } from './helpers/fs';

/*
 * scripts/corpus.mjs runs `platform-kit check --json` on every repository folder of a corpus folder and prints one
 * Markdown table row per repository. Two tiny Git repositories of our own, in the classic bootstrap layout
 * (kubernetes/clusters/<name>/flux-system/gotk-sync.yaml) that every version of check finds without flags:
 *   clean   the entry and N app Kustomizations, each building one ConfigMap: no finding
 *   broken  the same, plus one Kustomization whose dependsOn names a Kustomization nobody defines (DEPENDS_ON_MISSING)
 * and one folder that is no Flux repository at all (check exits 2: the row says so, with check's message).
 */
function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

const ks = (name: string, p: string, dependsOn?: string) =>
  'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n' +
  `  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./${p}\n  prune: true\n` +
  '  sourceRef:\n    kind: GitRepository\n    name: flux-system\n' +
  (dependsOn ? `  dependsOn:\n    - name: ${dependsOn}\n` : '');

/** A Flux repository with one cluster `home`, apps app-1..app-N; `missing` adds a Kustomization waiting on it. Returns the Flux Kustomization count. */
function fluxRepo(dir: string, apps: number, missing?: string): number {
  write(
    dir,
    'kubernetes/clusters/home/flux-system/gotk-sync.yaml',
    'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\n' +
      'spec:\n  interval: 1h\n  url: https://git.example.com/home.git\n  ref:\n    branch: main\n---\n' +
      ks('flux-system', 'kubernetes/clusters/home'),
  );
  write(
    dir,
    'kubernetes/clusters/home/flux-system/kustomization.yaml',
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./gotk-sync.yaml\n',
  );
  const docs: string[] = [];
  for (let i = 1; i <= apps; i++) {
    docs.push(ks(`app-${i}`, `kubernetes/apps/app-${i}`));
    write(
      dir,
      `kubernetes/apps/app-${i}/kustomization.yaml`,
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./configmap.yaml\n',
    );
    write(
      dir,
      `kubernetes/apps/app-${i}/configmap.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}\n  namespace: default\ndata:\n  greeting: hello\n`,
    );
  }
  if (missing) docs.push(ks('waits', 'kubernetes/apps/app-1', missing));
  write(dir, 'kubernetes/clusters/home/apps.yaml', docs.map((d) => `---\n${d}`).join(''));
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'fixture');
  return 1 + apps + (missing ? 1 : 0);
}

/** The Markdown table on stdout: one object per row, keyed by the header cells. */
function tableRows(stdout: string): Record<string, string>[] {
  const lines = stdout.split('\n').filter((l) => l.startsWith('| '));
  const cells = (l: string) =>
    l
      .slice(2, -2)
      .split(' | ')
      .map((c) => c.trim());
  const head = cells(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(cells(l).map((c, i) => [head[i], c])));
}

describe('scripts/corpus.mjs', () => {
  it('prints one row per repository folder: commit, exit, entries, Kustomizations walked, findings by code; a ' +
    'check that exits 2 is a row with its message', () => {
    const corpus = tmpDir('cpc-corpus-');
    const cleanKs = fluxRepo(path.join(corpus, 'clean'), 3);
    const brokenKs = fluxRepo(path.join(corpus, 'broken'), 2, 'not-defined-anywhere');
    write(corpus, 'not-flux/README.md', 'no Flux here\n');
    const head = (d: string) =>
      execFileSync('git', ['-C', path.join(corpus, d), 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();

    const out = path.join(corpus, '..', `${path.basename(corpus)}-out.md`);
    const json = path.join(corpus, '..', `${path.basename(corpus)}-out.json`);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/corpus.mjs'), corpus, '--markdown', out, '--json', json],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = tableRows(r.stdout);
    expect(rows.map((x) => x.repository)).toEqual(['broken', 'clean', 'not-flux']); // folder name order

    const [broken, clean, notFlux] = rows;
    expect(clean).toMatchObject({
      commit: head('clean'),
      exit: '0',
      'Flux Ks walked': String(cleanKs),
      errors: '0',
      warnings: '0',
      'errors by code': '-',
    });
    expect(clean.entries).toContain('home');
    expect(broken).toMatchObject({
      commit: head('broken'),
      exit: '1',
      'Flux Ks walked': String(brokenKs),
      errors: '1',
      'errors by code': 'DEPENDS_ON_MISSING 1',
    });
    expect(notFlux.exit).toBe('2');
    expect(notFlux['errors by code']).toMatch(/^error: /);
    expect(notFlux.commit).toBe('-'); // not a Git repository
    // --markdown writes the same table
    expect(fs.readFileSync(out, 'utf8')).toContain(r.stdout.split('\n').filter((l) => l.startsWith('| clean |'))[0]);

    // --before: the defect fixed (the dependsOn removed), the second run says what changed against the first.
    const apps = path.join(corpus, 'broken/kubernetes/clusters/home/apps.yaml');
    fs.writeFileSync(
      apps,
      fs.readFileSync(apps, 'utf8').replace('  dependsOn:\n    - name: not-defined-anywhere\n', ''),
    );
    const again = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/corpus.mjs'), corpus, '--only', 'broken', '--before', json],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(again.status, again.stderr).toBe(0);
    const compared = again.stdout.split('\n').find((l) => l.startsWith('| broken |') && l.includes('→'));
    expect(compared).toBe(
      `| broken | ${head('broken')} → ${head('broken')} | 1 → 0 | 1 → 0 | 0 → 0 | DEPENDS_ON_MISSING 1 → 0 |`,
    );
  }, 240_000); // up to seven CLI runs (check, and graph where check --json has no `walked`) on a shared machine

  it('passes --cluster-path REPO=PATTERN to that repository only', () => {
    const corpus = tmpDir('cpc-corpus-');
    const n = fluxRepo(path.join(corpus, 'moved'), 1);
    const plain = fluxRepo(path.join(corpus, 'plain'), 2);
    fs.renameSync(path.join(corpus, 'moved/kubernetes/clusters'), path.join(corpus, 'moved/kubernetes/fleet'));
    const run = (...extra: string[]) =>
      tableRows(
        spawnSync(process.execPath, [path.join(ROOT, 'scripts/corpus.mjs'), corpus, ...extra], {
          cwd: ROOT,
          encoding: 'utf8',
        }).stdout,
      );
    // The entry folder kubernetes/fleet/home with spec.path ./kubernetes/clusters/home: found through the flag.
    fs.writeFileSync(
      path.join(corpus, 'moved/kubernetes/fleet/home/flux-system/gotk-sync.yaml'),
      fs
        .readFileSync(path.join(corpus, 'moved/kubernetes/fleet/home/flux-system/gotk-sync.yaml'), 'utf8')
        .replace('./kubernetes/clusters/home', './kubernetes/fleet/home'),
    );
    const [flagged, other] = run('--cluster-path', 'moved=kubernetes/fleet/*');
    expect(flagged).toMatchObject({
      repository: 'moved',
      '--cluster-path': 'kubernetes/fleet/*',
      exit: '0',
      errors: '0',
      'Flux Ks walked': String(n),
    });
    expect(other).toMatchObject({
      repository: 'plain',
      '--cluster-path': '-',
      exit: '0',
      errors: '0',
      'Flux Ks walked': String(plain),
    });
  }, 120_000);

  it('--adopt also runs adopt --dry-run --json per repository: a second table (clusters, stories approved / partial, ' +
    'components matched, adopted, layout) and the same in --json; an adopt that exits 2 is a row with its message', () => {
    const corpus = tmpDir('cpc-corpus-');
    // A fixture of issue 18 with catalog components, stories and a hand-written component, as a Git repository.
    // classic: two clusters, stories approved and partial, Flux Kustomizations as documents of per-cluster lane files.
    const classic = path.join(corpus, 'classic');
    fs.cpSync(path.join(ROOT, 'test/fixtures/adopt/classic'), classic, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', classic, ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'fixture');
    write(corpus, 'not-flux/README.md', 'no Flux here\n');
    // What the library infers on the same folder: the script must report it, not something of its own.
    const lib = adopt({ dir: classic, dryRun: true });
    const pairs = (status: string) =>
      lib.adoption.clusters.reduce((n, c) => n + c.match.stories.filter((s) => s.status === status).length, 0);

    const json = path.join(corpus, '..', `${path.basename(corpus)}-adopt.json`);
    const md = path.join(corpus, '..', `${path.basename(corpus)}-adopt.md`);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts/corpus.mjs'), corpus, '--adopt', '--json', json, '--markdown', md],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const [checkPart, adoptPart] = r.stdout.split('\nadopt --dry-run:\n');
    expect(tableRows(checkPart).map((x) => x.repository)).toEqual(['classic', 'not-flux']); // the check table as before
    const [row, notFlux] = tableRows(adoptPart);
    const approved = pairs('approved');
    expect(approved).toBeGreaterThan(0); // the fixture has stories all of whose components it wires
    expect(row).toMatchObject({
      repository: 'classic',
      commit: git('rev-parse', '--short', 'HEAD'),
      exit: '0',
      clusters: lib.adoption.clusters.map((c) => c.name).join(', '),
      'stories approved / partial': `${approved} / ${pairs('partial')}`,
      'components matched': String(lib.adoption.clusters.reduce((n, c) => n + c.match.matches.length, 0)),
      adopted: String(lib.adoption.clusters.reduce((n, c) => n + c.match.adopted.length, 0)),
      'components at': `\`${lib.adoption.layout.value.components}\``,
      fit: `${lib.adoption.layout.fit.fits}/${lib.adoption.layout.fit.of}`,
      'unproven fields': String(lib.unproven.length),
      note: '-',
    });
    const w = lib.adoption.layout.value.wiring;
    expect(w.mode).toBe('document');
    expect(row.wiring).toBe(`documents of \`${w.file}\` (${w.perCluster ? 'per cluster' : 'shared'})`);
    expect(notFlux).toMatchObject({ repository: 'not-flux', exit: '2', clusters: '-' });
    expect(notFlux.note).toMatch(/^error: no cluster entry found in \.: /); // the corpus path left out
    // --json: per repository the story ids by cluster, as the library has them; --markdown: the same table.
    const rows = JSON.parse(fs.readFileSync(json, 'utf8')).rows;
    expect(rows[0].adopt.approved).toEqual(
      Object.fromEntries(
        lib.adoption.clusters.map((c) => [
          c.name,
          c.match.stories.filter((s) => s.status === 'approved').map((s) => s.id),
        ]),
      ),
    );
    expect(rows[1].adopt).toMatchObject({ exit: 2 });
    expect(fs.readFileSync(md, 'utf8')).toContain(adoptPart.split('\n').find((l) => l.startsWith('| classic |')));
  }, 120_000); // four CLI runs (check and adopt on two folders) on a shared machine
});
