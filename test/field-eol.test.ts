import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addStories, createClusters, regenerate } from '../src';
import { ROOT, snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/*
 * Field conditions for line endings and encodings, with real git: clones whose checkout is CRLF
 * (core.autocrlf=true, or a .gitattributes `eol=crlf`), and a person's file saved in ISO-8859-1.
 * A template change arrives as a repo-local override under .platform/templates/ (what a team does between package
 * upgrades); a settings change as an edit of platform.yaml. Expected values are derived from the built-in template
 * and platform.yaml, never written out.
 */

const STORIES = [
  'STORY-BOOT-TALOS',
  'STORY-BOOT-CRDS',
  'STORY-BOOT-CORE',
  'STORY-GITOPS-SELF-MGMT-FLUX',
  'STORY-OPS-RELOADER-ALL-CLUSTERS',
  'STORY-SEC-EXTERNAL-SECRETS-BASE',
];
const RELOADER_TEMPLATE = 'components/operations/reloader/helm-values.yaml.hbs';
const RELOADER_VALUES = 'kubernetes/infrastructure/operations/reloader/app/helm-values.yaml';
const RELOADER_PDB = 'kubernetes/infrastructure/operations/reloader/app/pdb.yaml';
const SETTINGS = 'kubernetes/clusters/infra/cluster-settings.yaml';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpDir('home-'),
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

let origin: string;

/** The generated repository, committed; `attributes` replaces its .gitattributes (a team's own rule). */
function originWith(attributes: string): string {
  const dir = path.join(tmpDir('eol-origin-'), 'platform');
  fs.cpSync(origin, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '.gitattributes'), attributes);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'our line-ending rule');
  return dir;
}

function cloneOf(src: string, ...config: string[]): string {
  const dir = path.join(tmpDir('eol-clone-'), 'platform');
  git(path.dirname(dir), 'clone', '-q', ...config.flatMap((c) => ['-c', c]), src, dir);
  return dir;
}

const bytes = (dir: string, p: string) => fs.readFileSync(path.join(dir, p));
const text = (dir: string, p: string) => fs.readFileSync(path.join(dir, p), 'utf8');
/** Line breaks that are not CRLF. */
const bareLf = (s: string) => (s.match(/(?<!\r)\n/g) ?? []).length;

/** The reloader values template with one value changed, written into the repository as an override (CRLF when asked). */
function overrideReloader(dir: string, crlf: boolean): { from: string; to: string } {
  const builtin = fs.readFileSync(path.join(ROOT, 'templates', RELOADER_TEMPLATE), 'utf8');
  const from = 'cpu: 10m';
  const to = 'cpu: 20m';
  expect(builtin).toContain(from);
  const file = path.join(dir, '.platform/templates', RELOADER_TEMPLATE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const changed = builtin.replace(from, to);
  fs.writeFileSync(file, crlf ? changed.replace(/\n/g, '\r\n') : changed);
  return { from, to };
}

/** A settings change in platform.yaml as a person's editor saves it (the file's own line endings kept). */
function changeDomain(dir: string): string {
  const raw = text(dir, 'platform.yaml');
  const old = parse(raw).clusters.infra.domain as string;
  const now = `new-${old}`;
  fs.writeFileSync(path.join(dir, 'platform.yaml'), raw.replace(`domain: ${old}`, `domain: ${now}`));
  return now;
}

/** A person's lines added to a generated file, with the file's own line endings. */
function appendLines(dir: string, p: string, lines: string[]): void {
  const raw = text(dir, p);
  const nl = raw.includes('\r\n') ? '\r\n' : '\n';
  fs.writeFileSync(path.join(dir, p), raw + lines.map((l) => l + nl).join(''));
}

async function expectCheckUpToDate(dir: string): Promise<void> {
  const r = await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir]);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('up to date');
}

/**
 * The CRLF scenario shared by (1) and (2): a template change and a settings change in a CRLF checkout, a person's
 * CRLF edit elsewhere. Returns the regenerate result and the snapshot before it.
 */
async function crlfScenario(dir: string) {
  // Precondition: the checkout really is CRLF (else the test proves nothing).
  expect(text(dir, RELOADER_VALUES)).toContain('\r\n');
  expect(bareLf(text(dir, RELOADER_VALUES))).toBe(0);
  const mine = ['# ours: one pod may go during drains, agreed with the app teams'];
  appendLines(dir, RELOADER_PDB, mine);
  const edited = bytes(dir, RELOADER_PDB);
  const { to } = overrideReloader(dir, true);
  const domain = changeDomain(dir);
  const before = snapshot(dir);
  const r = regenerate({ dir });
  const after = snapshot(dir);
  const listed = new Set(
    r.plan.changes
      .filter((c) => ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'UNMERGED'].includes(c.action))
      .map((c) => c.path),
  );
  // Nothing the plan did not list was touched.
  const touched = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k] && !k.endsWith('/'));
  expect(touched.filter((k) => !listed.has(k))).toEqual([]);
  // Template change and settings change applied.
  expect(text(dir, RELOADER_VALUES)).toContain(to);
  expect(parse(text(dir, SETTINGS)).data.CLUSTER_DOMAIN).toBe(domain);
  // The person's edit kept, and their file untouched.
  expect(bytes(dir, RELOADER_PDB).equals(edited)).toBe(true);
  expect(text(dir, RELOADER_PDB)).toContain(mine[0] + '\r\n');
  // Every file the run rewrote keeps the CRLF it had: no bare LF in any of them.
  for (const p of [RELOADER_VALUES, SETTINGS, 'platform.yaml'])
    expect(bareLf(text(dir, p)), `${p} has LF lines`).toBe(0);
  // Only edited files are kept; every untouched generated file was compared as the person sees it.
  const kept = r.plan.changes.filter((c) => c.action === 'KEEP').map((c) => c.path);
  expect(kept.filter((p) => p !== RELOADER_PDB && p !== '.gitattributes')).toEqual([]);
  await expectCheckUpToDate(dir);
  return r;
}

beforeAll(() => {
  origin = path.join(tmpDir('eol-gen-'), 'platform');
  createClusters({ dir: origin, clusters: [{ name: 'infra' }, { name: 'apps' }] });
  addStories({ dir: origin, ids: STORIES, approve: true });
  git(origin, 'init', '-q', '-b', 'main');
  git(origin, 'add', '-A');
  git(origin, 'commit', '-q', '-m', 'generated');
}, 120_000);

describe('line endings and encodings in the field', () => {
  it('(1) core.autocrlf=true clone: template and settings changes applied, CRLF edits kept, --check up to date, no KEEP for untouched files', async () => {
    // The team's rule leaves endings to each checkout (text=auto without eol), so autocrlf makes it CRLF.
    const dir = cloneOf(originWith('* text=auto\n'), 'core.autocrlf=true');
    await crlfScenario(dir);
  }, 120_000);

  it('(2) .gitattributes "* text eol=crlf": changes applied, edits kept; add-story --approve then check has no APPROVED_NOT_WIRED', async () => {
    const dir = cloneOf(originWith('* text eol=crlf\n'));
    await crlfScenario(dir);
    const add = await runInProcess('add-story', ['STORY-NET-CILIUM-CORE-GITOPS', '--approve', '--dir', dir]);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    const check = await runInProcess('platform-kit', ['check', '--dir', dir]);
    expect(check.stdout + check.stderr).not.toContain('APPROVED_NOT_WIRED');
    expect(check.status, check.stdout + check.stderr).toBe(0);
    // New files are written with the ending the repository asks for.
    const created = git(dir, 'status', '--porcelain', '--untracked-files=all')
      .split('\n')
      .filter((l) => l.startsWith('??') && !l.includes('.platform/'))
      .map((l) => l.slice(3));
    expect(created.length).toBeGreaterThan(0);
    for (const p of created) expect(bareLf(text(dir, p)), `${p} was created with LF`).toBe(0);
    await expectCheckUpToDate(dir);
  }, 180_000);

  it('(3) an edited file with ISO-8859-1 bytes survives byte for byte and is reported, never merged as text', async () => {
    const dir = cloneOf(origin);
    const latin1 = Buffer.concat([
      bytes(dir, RELOADER_VALUES),
      Buffer.from('# r\xe9sum\xe9 of the drain policy: see the wiki\n', 'latin1'),
    ]);
    expect(latin1.includes(0xe9)).toBe(true);
    fs.writeFileSync(path.join(dir, RELOADER_VALUES), latin1);
    overrideReloader(dir, false);
    const r = await runInProcess('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(bytes(dir, RELOADER_VALUES).equals(latin1), 'the file changed').toBe(true);
    expect(bytes(dir, RELOADER_VALUES).includes(Buffer.from('\ufffd', 'utf8'))).toBe(false);
    expect(r.stdout).toMatch(new RegExp(`^KEEP +${RELOADER_VALUES.replace(/[./]/g, '\\$&')} .*not valid UTF-8`, 'm'));
    // The plan says the same on the next run (nothing silently "up to date" about it).
    const again = await runInProcess('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(again.stdout).toMatch(/KEEP .*reloader\/app\/helm-values\.yaml .*not valid UTF-8/);
    expect(bytes(dir, RELOADER_VALUES).equals(latin1)).toBe(true);
  }, 120_000);

  it('(4) a CRLF file merged with a template change keeps CRLF on every line, with the edit and the change', async () => {
    const dir = cloneOf(originWith('* text=auto\n'), 'core.autocrlf=true');
    expect(text(dir, RELOADER_VALUES)).toContain('\r\n');
    const mine = ['extraLabels:', '  team: platform # ours'];
    appendLines(dir, RELOADER_VALUES, mine);
    const { to } = overrideReloader(dir, true);
    const r = regenerate({ dir });
    expect(r.plan.changes.find((c) => c.path === RELOADER_VALUES)?.action).toBe('MERGE');
    const merged = text(dir, RELOADER_VALUES);
    expect(merged).toContain(to);
    expect(merged).toContain(mine.map((l) => l + '\r\n').join(''));
    expect(bareLf(merged), 'lines written with LF').toBe(0);
    expect(parse(merged).reloader.deployment.resources.requests.cpu).toBe(to.split(': ')[1]);
    await expectCheckUpToDate(dir);
  }, 120_000);

  it('(5) a new repository states its rule in .gitattributes (git applies it); a .gitattributes a person wrote before is adopted, not in the way', async () => {
    // git itself says what the generated rule means for the files the tool writes, even with core.autocrlf=true.
    const clone = cloneOf(origin, 'core.autocrlf=true');
    const attrs = git(clone, 'check-attr', 'text', 'eol', '--', RELOADER_VALUES, 'bootstrap/render-values.sh');
    expect(attrs).toContain(`${RELOADER_VALUES}: eol: lf`);
    expect(attrs).toContain('bootstrap/render-values.sh: eol: lf');
    expect(bareLf(text(clone, RELOADER_VALUES))).toBeGreaterThan(0);
    expect(text(clone, RELOADER_VALUES)).not.toContain('\r\n');
    // A repository from before the tool wrote one: the person's .gitattributes stays byte for byte, no CONFLICT.
    const dir = path.join(tmpDir('eol-old-'), 'platform');
    fs.cpSync(origin, dir, { recursive: true });
    fs.rmSync(path.join(dir, '.git'), { recursive: true });
    const manifestFile = path.join(dir, '.platform/manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    expect(manifest.files['.gitattributes']).toBeDefined();
    delete manifest.files['.gitattributes'];
    delete manifest.inputs;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    fs.rmSync(path.join(dir, '.platform/base/.gitattributes'));
    const theirs = '# ours: Windows admins edit these\r\n*.ps1 text eol=crlf\r\n';
    fs.writeFileSync(path.join(dir, '.gitattributes'), theirs);
    const r = await runInProcess('platform-kit', ['regenerate', '--verbose', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^KEEP +\.gitattributes .*written by a person/m);
    expect(text(dir, '.gitattributes')).toBe(theirs);
    await expectCheckUpToDate(dir);
  }, 120_000);
});
