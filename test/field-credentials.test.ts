// No credentials in Git (issue 14, "Credentials are written in plain text").
//
// 1. Input: a Git URL with user info and a setting whose name or value is a credential are refused with exit 2,
//    nothing written, a message naming the flag / field and pointing at the secret store, and without echoing the
//    credential. Through every door: --git-url, --set, --answers, and platform.yaml as regenerate loads it.
//    ssh://git@host and git@host:path are user names, not credentials, and stay accepted.
// 2. The rule has no false positives on the tool's own settings: every catalog variable (name and default) and every
//    derived variable of a generated platform passes, and the generated platform checks clean.
// 3. `platform-kit check` finds plain-text credentials in any Flux repository: the dirty fixture's `# expect:` lines,
//    exactly; the clean fixture (negative control), the generated platform and the two home-ops corpora: none.
//
// Token-shaped values are built here at run time from their documented formats, so none is committed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { Finding } from '../src';
import { addStories, check, createClusters, loadCatalog, parsePlatform, UsageError } from '../src';
import { credentialName, credentialValue } from '../src/core/credentials';
import { VARIABLES } from '../src/model/variables';
import { snapshot, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const FIXTURES = path.join(__dirname, 'fixtures', 'check-credentials');
const CODES = new Set(['SECRET_NOT_ENCRYPTED', 'URL_CREDENTIALS', 'TOKEN_IN_GIT', 'SETTING_CREDENTIAL']);

/** Deterministic filler of n characters from an alphabet (no randomness: the tests must be reproducible). */
const fill = (n: number, alphabet = 'A1b2C3d4E5f6G7h8J9k0mNpQrStUvWxYz') =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join('');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** One synthetic value per well-known format (the documented prefix and length). */
const TOKENS: Record<string, string> = {
  GITHUB_TOKEN: 'ghp_' + fill(36),
  GITHUB_FINE_GRAINED: 'github_pat_' + fill(22) + '_' + fill(59),
  GITLAB_TOKEN: 'glpat-' + fill(20),
  SLACK_TOKEN: 'xoxb-' + fill(12, '0123456789') + '-' + fill(24),
  AWS_KEY_ID: 'AKIA' + fill(16, 'ABCDEFGHJKLMNPQRSTUVWXYZ234567'),
  JWT: `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url('{"sub":"1234567890","name":"ci"}')}.${fill(43)}`,
  PEM_BODY: fill(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
};

/** A copy of a fixture with its token markers filled in. */
function fixture(name: 'clean' | 'dirty'): string {
  const dir = path.join(tmpDir('cpc-creds-'), name);
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        fs.writeFileSync(
          p,
          fs.readFileSync(p, 'utf8').replace(/__([A-Z_]+)__/g, (m, k: string) => TOKENS[k] ?? m),
        );
    }
  };
  walk(dir);
  return dir;
}

/** `file:line CODE` for every `# expect: CODE ...` marker of a fixture copy. */
function expected(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        fs.readFileSync(p, 'utf8')
          .split('\n')
          .forEach((l, i) => {
            const m = /# expect: ([A-Z_ ]+)$/.exec(l);
            for (const code of m ? m[1].trim().split(/\s+/) : []) out.push(`${path.relative(dir, p)}:${i + 1} ${code}`);
          });
    }
  };
  walk(dir);
  return out.sort();
}

const credentialFindings = (list: Finding[]) => list.filter((f) => CODES.has(f.code));
const places = (list: Finding[]) =>
  credentialFindings(list)
    .map((f) => `${f.file}:${f.line} ${f.code}`)
    .sort();

/** Fake credentials as a person would type them, none a placeholder. */
const SECRET_VALUE = 'Zq7-plain-credential-81';

describe('credentials refused at input (exit 2, nothing written)', () => {
  const refused = async (args: string[], what: RegExp) => {
    const dir = path.join(tmpDir('cpc-creds-'), 'repo');
    const r = await runInProcess('create-platform-cluster', ['infra', '--yes', '--dir', dir, ...args]);
    expect(r.status, r.stderr).toBe(2);
    expect(fs.existsSync(dir), 'nothing may be written').toBe(false);
    expect(r.stderr).toMatch(what);
    expect(r.stderr).toMatch(/secret store/);
    return r;
  };

  it.each([
    ['user:token@ over https', `https://deploy:${SECRET_VALUE}@git.example.org/team/gitops.git`],
    ['token@ over https', `https://${SECRET_VALUE}@git.example.org/team/gitops.git`],
    ['a GitHub token as user', `https://${TOKENS.GITHUB_TOKEN}@github.com/team/gitops.git`],
    ['a password over ssh', `ssh://git:${SECRET_VALUE}@git.example.org/team/gitops.git`],
    [
      'an example-looking password (a Git URL is used as written)',
      'https://ci:changeme@git.example.org/team/gitops.git',
    ],
  ])('--git-url with %s is refused, naming --git-url, without echoing the credential', async (_what, url) => {
    const r = await refused(
      ['--git-url', url],
      /clusters\.infra\.git\.url \(--git-url\): the Git URL carries a credential/,
    );
    const secret = url.replace(/^[a-z]+:\/\/(?:[^:@]*:)?([^@]*)@.*$/, '$1');
    expect(r.stderr + r.stdout).not.toContain(secret);
  });

  it.each([
    ['ssh://git@', 'ssh://git@git.example.org/team/gitops.git'],
    ['scp-like git@host:', 'git@github.com:team/gitops.git'],
    ['https without user info', 'https://github.com/team/gitops.git'],
  ])('--git-url %s is not a credential and is accepted', async (_what, url) => {
    const r = await runInProcess('create-platform-cluster', [
      'infra',
      '--yes',
      '--dry-run',
      '--dir',
      path.join(tmpDir('cpc-creds-'), 'repo'),
      '--git-url',
      url,
    ]);
    expect(r.status, r.stderr).toBe(0);
  });

  it.each([
    ['DB_PASSWORD', SECRET_VALUE],
    ['GITHUB_TOKEN', SECRET_VALUE],
    ['S3_SECRET_KEY', SECRET_VALUE],
    ['GRAFANA_API_KEY', SECRET_VALUE],
    ['SSH_PRIVATE_KEY', SECRET_VALUE],
  ])(
    '--set %s=… (a credential by its name) is refused, naming --set and the cluster-secrets item',
    async (key, value) => {
      const r = await refused(
        ['--set', `${key}=${value}`],
        new RegExp(`clusters\\.infra\\.settings\\.${key} \\(--set ${key}=…\\): ${key} looks like a credential`),
      );
      expect(r.stderr).toContain('item kubernetes/infra/cluster-secrets');
      expect(r.stderr).toContain('ExternalSecret flux-system/cluster-secrets');
      expect(r.stderr).not.toContain(value);
    },
  );

  it.each(Object.entries(TOKENS).filter(([k]) => k !== 'PEM_BODY'))(
    '--set NOTE=<%s> (a credential by its value) is refused',
    async (_k, token) => {
      const r = await refused(
        ['--set', `NOTE=${token}`],
        /clusters\.infra\.settings\.NOTE \(--set NOTE=…\): NOTE looks like a credential \(its value looks like /,
      );
      expect(r.stderr).not.toContain(token);
    },
  );

  it('--set with a URL carrying a password is refused', async () => {
    await refused(
      ['--set', `WEBHOOK_URL=https://hook:${SECRET_VALUE}@hooks.example.org/x`],
      /WEBHOOK_URL looks like a credential \(its value looks like a URL with a password/,
    );
  });

  it('an --answers file with a Git URL with user info and a credential setting is refused', async () => {
    const dir = path.join(tmpDir('cpc-creds-'), 'repo');
    const answers = path.join(tmpDir('cpc-creds-'), 'answers.yaml');
    fs.writeFileSync(
      answers,
      `clusters:\n  - name: apps\n    gitUrl: https://ci:${SECRET_VALUE}@git.example.org/t/g.git\n    ` +
        `settings:\n      HARBOR_ADMIN_PASSWORD: ${SECRET_VALUE}\n`,
    );
    const r = await runInProcess('create-platform-cluster', ['--answers', answers, '--yes', '--dir', dir]);
    expect(r.status, r.stderr).toBe(2);
    expect(fs.existsSync(dir)).toBe(false);
    expect(r.stderr).toContain('clusters.apps.git.url (--git-url)');
    expect(r.stderr).toContain('clusters.apps.settings.HARBOR_ADMIN_PASSWORD');
    expect(r.stderr).not.toContain(SECRET_VALUE);
  });

  it('platform.yaml edited to hold a credential: regenerate refuses it with file:line, writes nothing, and check reports it', async () => {
    const dir = path.join(tmpDir('cpc-creds-'), 'repo');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
    const file = path.join(dir, 'platform.yaml');
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.setIn(['clusters', 'infra', 'settings', 'CLOUDFLARE_API_TOKEN'], SECRET_VALUE);
    doc.setIn(['clusters', 'infra', 'git', 'url'], `https://${SECRET_VALUE}@git.example.org/t/g.git`);
    fs.writeFileSync(file, doc.toString());
    const text = fs.readFileSync(file, 'utf8');
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const before = snapshot(dir);
    const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(r.status, r.stderr).toBe(2);
    expect(snapshot(dir)).toEqual(before);
    expect(r.stderr).toContain(
      `platform.yaml:${lineOf('CLOUDFLARE_API_TOKEN')}: clusters.infra.settings.CLOUDFLARE_API_TOKEN: CLOUDFLARE_API_TOKEN looks like a credential`,
    );
    expect(r.stderr).toContain(
      `platform.yaml:${lineOf('url: https://')}: clusters.infra.git.url: the Git URL carries a credential`,
    );
    expect(() => parsePlatform(text)).toThrow(UsageError);
    const c = await runInProcess('platform-kit', ['check', '--dir', dir, '--json']);
    const found = places(JSON.parse(c.stdout).findings);
    expect(found).toEqual(
      [
        `platform.yaml:${lineOf('url: https://')} URL_CREDENTIALS`,
        `platform.yaml:${lineOf('CLOUDFLARE_API_TOKEN')} SETTING_CREDENTIAL`,
      ].sort(),
    );
  });
});

describe("the tool's own settings are not credentials", () => {
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmpDir('cpc-creds-'), 'platform');
    createClusters({ dir: repo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({ dir: repo, ids: loadCatalog().stories.map((s) => s.id), approve: true });
  }, 240_000);

  it('every catalog variable (name and default) and every derived variable passes the credential rule', () => {
    const cat = loadCatalog();
    const names = [...cat.variables.keys(), ...Object.keys(VARIABLES)];
    expect(names.length).toBeGreaterThan(Object.keys(VARIABLES).length);
    expect(names.filter(credentialName)).toEqual([]);
    expect(
      [...cat.variables.values()]
        .filter((v) => credentialValue(String(v.default ?? '')) !== undefined)
        .map((v) => v.name),
    ).toEqual([]);
  });

  it('every setting of the generated platform (cluster-settings of both clusters) passes, and it checks without a credential finding', async () => {
    let seen = 0;
    for (const c of ['infra', 'apps']) {
      const cm = parseDocument(
        fs.readFileSync(path.join(repo, 'kubernetes', 'clusters', c, 'cluster-settings.yaml'), 'utf8'),
      ).toJS();
      for (const [k, v] of Object.entries<string>(cm.data)) {
        seen++;
        expect(credentialName(k), k).toBe(false);
        expect(credentialValue(String(v)), k).toBeUndefined();
      }
    }
    expect(seen).toBeGreaterThan(2 * Object.keys(VARIABLES).length);
    const r = await check({ dir: repo });
    expect(credentialFindings(r.findings)).toEqual([]);
  });
});

describe('platform-kit check: plain-text credentials in any Flux repository', () => {
  it('reports every seeded credential of the dirty fixture at its line, and nothing else', async () => {
    const dir = fixture('dirty');
    const want = expected(dir);
    expect(want.length).toBeGreaterThanOrEqual(15);
    for (const code of CODES)
      expect(
        want.some((w) => w.endsWith(` ${code}`)),
        code,
      ).toBe(true);
    const r = await check({ dir, clusterPaths: ['clusters/dev'] });
    expect(places(r.findings)).toEqual(want);
    // A finding never repeats the credential it found.
    const text = JSON.stringify(r.findings);
    for (const t of Object.values(TOKENS)) expect(text).not.toContain(t);
    expect(text).not.toContain('hunter2');
  });

  it('negative control: SOPS Secrets, ExternalSecrets, placeholders, ${VAR} references and example values are not reported', async () => {
    const dir = fixture('clean');
    const r = await check({ dir, clusterPaths: ['clusters/dev'] });
    expect(credentialFindings(r.findings)).toEqual([]);
  });

  it('the CLI exits 1 on the dirty fixture and reports the codes', async () => {
    const r = await runInProcess('platform-kit', [
      'check',
      '--dir',
      fixture('dirty'),
      '--cluster-path',
      'clusters/dev',
    ]);
    expect(r.status).toBe(1);
    for (const code of CODES) expect(r.stdout + r.stderr).toContain(code);
  });
});
