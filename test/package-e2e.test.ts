// Issue 16, "Done when": the packed tarball, installed in an empty folder, scaffolds a repository in which a commit
// with a story id of the plan passes the commit-msg hook (one without is refused) and `npx platform-kit check` exits 0,
// with no network beyond the two `npm install`s. Also item 1: no EBADENGINE on this Node, a footprint of at most
// 25 MB, none of the schema model packages installed.
//
// The network: `npm install` of the tarball is the only step that may reach the registry (for the tool's
// dependencies; --prefer-offline). Every later step runs with npm pointed at a closed local port and offline, so an
// `npx` that tried to download anything (the hook, `npx create-platform-cluster`, `npx platform-kit`) fails.
//
// How `npx platform-kit` finds the tool in the generated repository: it is installed there as a dev dependency from
// the same tarball (`npm install --save-dev <tgz>`), which is what a team does in its GitOps repository (the
// generated package.json pins the tool; `npm ci` installs it). Nesting the repository under the first install folder
// would not do: once the repository has its own package.json, npx looks no further up than it.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, tmpDir } from './helpers/fs';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** PATH without any node_modules/.bin (vitest runs under npx: the hook must not find a tool on PATH by accident). */
const PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((p) => !/node_modules[\\/]\.bin/.test(p))
  .join(path.delimiter);

const base: NodeJS.ProcessEnv = {
  ...process.env,
  PATH,
  CI: 'true',
  NO_COLOR: '1',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};
for (const k of Object.keys(base))
  if (
    /^(npm_(config|package|lifecycle)_|npm_command$|npm_execpath$|INIT_CWD$)/.test(k) &&
    !/^npm_config_(update_notifier|fund|audit)$/.test(k)
  )
    delete base[k];
/** After the install: npm offline and its registry a closed port, so any download fails at once. */
const offline: NodeJS.ProcessEnv = {
  ...base,
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  GIT_AUTHOR_NAME: 'e2e',
  GIT_AUTHOR_EMAIL: 'e2e@example.com',
  GIT_COMMITTER_NAME: 'e2e',
  GIT_COMMITTER_EMAIL: 'e2e@example.com',
};

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
}
const out = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

/** Sum of the sizes of every file under dir (what the files take, independent of the file system's block size). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(abs);
    else if (e.isFile()) total += fs.statSync(abs).size;
  }
  return total;
}

let work: string;
let tgz: string;
let installDir: string;
let install: SpawnSyncReturns<string>;

beforeAll(() => {
  work = tmpDir('cpc-e2e-');
  const packed = run(NPM, ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], ROOT, base);
  expect(packed.status, out(packed)).toBe(0);
  tgz = path.join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  installDir = path.join(work, 'install');
  fs.mkdirSync(installDir);
  fs.writeFileSync(path.join(installDir, 'package.json'), '{ "private": true }\n');
  install = run(
    NPM,
    ['install', tgz, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'],
    installDir,
    base,
  );
  expect(install.status, out(install)).toBe(0);
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball installed in an empty folder', () => {
  it('installs with no EBADENGINE warning on this Node (engines of the tool and of every dependency)', () => {
    expect(`${install.stdout}\n${install.stderr}`).not.toMatch(/EBADENGINE/);
    const installed = JSON.parse(
      fs.readFileSync(path.join(installDir, 'node_modules', pkg.name, 'package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(installed.engines.node).toBe('>= 20.19.0');
  });

  it('takes at most 25 MB with its dependencies, and the schema model packages are not among them', () => {
    const nm = path.join(installDir, 'node_modules');
    expect(bytesUnder(nm) / 1024 / 1024).toBeLessThanOrEqual(25);
    expect(fs.existsSync(path.join(nm, 'kubernetes-models'))).toBe(false);
    expect(fs.existsSync(path.join(nm, '@kubernetes-models'))).toBe(false);
  });

  it('scaffolds with npx create-platform-cluster, commits with a story id (and refuses one without) and ' +
    'checks clean with npx platform-kit check, offline', () => {
    const repo = path.join(work, 'platform');
    const created = run(
      NPX,
      ['create-platform-cluster', 'infra', 'apps', '--yes', '--stories', 'all', '--approve', '--dir', repo],
      installDir,
      offline,
    );
    expect(created.status, out(created)).toBe(0);
    const platform = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8')) as {
      stories: Record<string, unknown>;
    };
    const story = Object.keys(platform.stories)[0];
    expect(story).toMatch(/^STORY-/);

    // A clone of the repository: git init, the hooks installed as the repository says, everything added.
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['add', '-A'],
    ]) {
      const r = run('git', args, repo, offline);
      expect(r.status, out(r)).toBe(0);
    }
    const hooks = run('sh', ['.githooks/install.sh'], repo, offline);
    expect(hooks.status, out(hooks)).toBe(0);
    expect(run('git', ['config', 'core.hooksPath'], repo, offline).stdout.trim()).toBe('.githooks');

    // Without the tool in the repository: the hook alone decides, with no network.
    const refused = run('git', ['commit', '-q', '-m', 'initial scaffold'], repo, offline);
    expect(refused.status, out(refused)).not.toBe(0);
    expect(run('git', ['rev-parse', '--verify', '-q', 'HEAD'], repo, offline).status).not.toBe(0);
    const unknown = run('git', ['commit', '-q', '-m', 'STORY-NOT-IN-THE-PLAN: scaffold'], repo, offline);
    expect(unknown.status, out(unknown)).not.toBe(0);
    const committed = run('git', ['commit', '-q', '-m', `${story}: scaffold the platform`], repo, offline);
    expect(committed.status, out(committed)).toBe(0);
    expect(run('git', ['log', '-1', '--format=%s'], repo, offline).stdout.trim()).toBe(
      `${story}: scaffold the platform`,
    );

    // The tool as the repository's dev dependency, from the same tarball (its dependencies from npm's cache).
    const dev = run(
      NPM,
      ['install', '--save-dev', tgz, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'],
      repo,
      base,
    );
    expect(dev.status, out(dev)).toBe(0);
    expect(`${dev.stdout}\n${dev.stderr}`).not.toMatch(/EBADENGINE/);

    const check = run(NPX, ['platform-kit', 'check'], repo, offline);
    expect(check.status, out(check)).toBe(0);

    // With the tool there, the hook still passes a story id and refuses a message without one, offline.
    const again = run('git', ['commit', '-q', '--allow-empty', '-m', `${story}: second commit`], repo, offline);
    expect(again.status, out(again)).toBe(0);
    const bad = run('git', ['commit', '-q', '--allow-empty', '-m', 'no story id'], repo, offline);
    expect(bad.status, out(bad)).not.toBe(0);
  }, 600_000);
});
