import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, type ExpectStatic, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT, snapshot, tmpDir } from '../helpers/fs';
import { type Bin, runInProcess } from '../helpers/in-process';

/**
 * Hostile and malformed input (issue 7), for every command: names, story ids, component fields, template overrides
 * and manifest entries that try to leave the repository; symbolic links that lead out of it; values that try to
 * inject YAML; bad or overlapping CIDRs; duplicate ids; unknown stories, clusters, sprints and options; a hand-broken
 * platform.yaml, manifest or commit journal; a broken --answers file or template override. Each refused case must
 * exit 2 with a message that names the field, print no stack trace, and leave every byte of the repository (and of
 * the folder outside it) as it was.
 * The cases of test/unit/tests-bad-input.test.ts are not repeated here.
 * In process (helpers/in-process.ts: each bin's own commander program, output and exit code captured), one case at a
 * time; the spawned bins are smoke-tested in test/bad-input.test.ts.
 */

type Base = 'clusters' | 'stories' | 'infra';

const run = runInProcess;

/** A Node.js stack frame: a refusal is a message, never a crash. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

const BASES = {} as Record<Base, string>;

beforeAll(async () => {
  const make = async (dir: string, ...steps: string[][]) => {
    for (const [bin, ...rest] of steps) {
      const r = await run(bin as Bin, [...rest, '--dir', dir]);
      if (r.status !== 0) throw new Error(`${bin} ${rest.join(' ')}: ${r.stderr}`);
    }
    return dir;
  };
  const fresh = () => path.join(tmpDir('hostile-'), 'platform');
  BASES.clusters = await make(fresh(), [CREATE, 'infra', 'apps', '--yes']);
  BASES.infra = await make(fresh(), [CREATE, 'infra', '--yes']);
  BASES.stories = fresh();
  fs.cpSync(BASES.clusters, BASES.stories, { recursive: true });
  await make(
    BASES.stories,
    [ADD, 'STORY-BOOT-TALOS'],
    [
      ADD,
      'STORY-APP-DEMO',
      '--custom',
      '--title',
      'Demo',
      '--lane',
      'apps',
      '--component',
      'demo',
      '--namespace',
      'demo',
      '--chart-url',
      'oci://ghcr.io/example/charts/demo',
      '--chart-version',
      '1.0.0',
    ],
  );
});

/** A fresh copy of a base repository (symbolic links copied as links). */
function copyOf(base: Base): string {
  const dir = path.join(tmpDir('hostile-'), 'platform');
  fs.cpSync(BASES[base], dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

interface Hostile {
  name: string;
  bin: Bin;
  /** `{repo}` and `{outside}` are replaced by the two folders; `--dir {repo}` is added unless the args have a --dir. */
  args: string[];
  message: RegExp | ((repo: string) => RegExp);
  base?: Base;
  /** Make the repository (and the folder outside it) hostile before the command runs. */
  setup?: (repo: string, outside: string) => void | Promise<void>;
}

const h = (
  name: string,
  bin: Bin,
  args: string[],
  message: Hostile['message'],
  opts: Partial<Hostile> = {},
): Hostile => ({ name, bin, args, message, ...opts });

/** Run a case and assert: exit 2, the message, no stack trace, zero bytes changed in the repository and outside it. */
async function expectRefused(k: Hostile, expect: ExpectStatic): Promise<void> {
  const outside = tmpDir('outside-');
  fs.writeFileSync(path.join(outside, 'keep.txt'), 'keep me\n');
  const repo = copyOf(k.base ?? 'clusters');
  await k.setup?.(repo, outside);
  const before = snapshot(repo);
  const beforeOutside = snapshot(outside);
  const args = k.args.map((a) => a.replaceAll('{repo}', repo).replaceAll('{outside}', outside));
  const r = await run(k.bin, args.includes('--dir') ? args : [...args, '--dir', repo]);
  expect(r.stderr).toMatch(typeof k.message === 'function' ? k.message(repo) : k.message);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.status, r.stderr).toBe(2);
  expect(snapshot(repo)).toEqual(before);
  expect(snapshot(outside)).toEqual(beforeOutside);
}

const write = (file: string, text: string | Buffer) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const editFile = (file: string, edit: (t: string) => string) => {
  const t = fs.readFileSync(file, 'utf8');
  const next = edit(t);
  if (next === t) throw new Error(`the edit of ${file} changed nothing`);
  fs.writeFileSync(file, next);
};
const editPlatform = (edit: (t: string) => string) => (repo: string) =>
  editFile(path.join(repo, 'platform.yaml'), edit);
/** 1-based line of the nth line containing needle, for messages that name file:line. */
const lineOf = (text: string, needle: string, nth = 1) => {
  const hits = text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits.length < nth) throw new Error(`${needle} not in the text`);
  return hits[nth - 1];
};
const platformLine = (repo: string, needle: string, nth = 1) =>
  lineOf(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'), needle, nth);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const answers = (yaml: string) => (_repo: string, outside: string) => write(path.join(outside, 'answers.yaml'), yaml);

const CREATE = 'create-platform-cluster' as const;
const KIT = 'platform-kit' as const;
const ADD = 'add-story' as const;
const CUSTOM = ['STORY-APP-X', '--custom', '--title', 't', '--lane', 'apps', '--component', 'x', '--namespace', 'x'];
const CHART = ['--chart-url', 'oci://ghcr.io/example/charts/x', '--chart-version', '1.0.0'];
const BOMB =
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n' +
  'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n';

// ---------------------------------------------------------------------------------------------------------------
// 1. Path traversal and absolute paths: cluster names, story ids, --cluster, custom components, --dir, template paths
// ---------------------------------------------------------------------------------------------------------------
const PATHS: Hostile[] = [
  h(
    'cluster name: an absolute path',
    CREATE,
    ['/etc', '--yes'],
    /cluster name \(NAME\): "\/etc" is not a DNS-1123 label/,
  ),
  h('cluster name: "."', CREATE, ['.', '--yes'], /cluster name \(NAME\): "\." is not a DNS-1123 label/),
  h('cluster name: ".."', CREATE, ['..', '--yes'], /cluster name \(NAME\): "\.\." is not a DNS-1123 label/),
  h('cluster name: non-ASCII', CREATE, ['stäg', '--yes'], /cluster name \(NAME\): "stäg" is not a DNS-1123 label/),
  h(
    'cluster name: 41 characters (it prefixes other names)',
    CREATE,
    ['a'.repeat(41), '--yes'],
    /cluster name \(NAME\): "a{41}" is longer than 40 characters/,
  ),
  h(
    'new-cluster: ../../etc/passwd',
    KIT,
    ['new-cluster', '../../etc/passwd', '--yes'],
    /cluster name \(NAME\): "\.\.\/\.\.\/etc\/passwd" is not a DNS-1123 label/,
  ),
  h(
    'new-cluster --answers: an absolute path as a name',
    KIT,
    ['new-cluster', '--answers', '{outside}/answers.yaml', '--yes'],
    /cluster name \(NAME\): "\/tmp\/evil" is not a DNS-1123 label/,
    {
      setup: answers('clusters:\n  - name: /tmp/evil\n'),
    },
  ),
  h(
    'platform.yaml: a cluster key with a path',
    KIT,
    ['regenerate'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, '../apps:')}: clusters\\.\\.\\./apps: cluster name "\\.\\./apps" is not a DNS-1123 label`,
      ),
    {
      setup: editPlatform((t) => t.replace('\n  apps:\n', '\n  ../apps:\n')),
    },
  ),
  h(
    '--stories: a path as a story id',
    CREATE,
    ['stg', '--yes', '--stories', '../STORY-X'],
    /story id "\.\.\/STORY-X": it is a path, not a story id; a story id looks like STORY-AREA-NAME/,
  ),
  h(
    '--dir: a symbolic link to the repository',
    CREATE,
    ['stg', '--yes', '--dir', '{outside}/link'],
    /--dir .*\/link: is a symbolic link; pass the real directory/,
    {
      setup: (repo, outside) => fs.symlinkSync(repo, path.join(outside, 'link')),
    },
  ),
  h(
    '--dir: a folder under a file (create)',
    CREATE,
    ['stg', '--yes', '--dir', '{repo}/platform.yaml/sub'],
    /--dir .*\/platform\.yaml\/sub: .*\/platform\.yaml is not a directory/,
  ),
  h(
    'add-story: an absolute path as a story id',
    ADD,
    ['/etc/passwd'],
    /story id "\/etc\/passwd": it is a path, not a story id; a story id looks like STORY-AREA-NAME/,
    { base: 'stories' },
  ),
  h(
    'add-story --cluster ../infra',
    ADD,
    ['STORY-BOOT-CRDS', '--cluster', '../infra'],
    /--cluster: no such cluster in platform\.yaml: \.\.\/infra \(clusters: infra, apps\)/,
    { base: 'stories' },
  ),
  h(
    'approve ../STORY-BOOT-TALOS',
    KIT,
    ['approve', '../STORY-BOOT-TALOS'],
    /story id "\.\.\/STORY-BOOT-TALOS": it is a path, not a story id; a story id looks like/,
    { base: 'stories' },
  ),
  h(
    'unapprove --cluster /abs',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS', '--cluster', '/abs'],
    /--cluster: no such cluster in platform\.yaml: \/abs/,
    { base: 'stories' },
  ),
  h(
    'platform.yaml: a story key with a path',
    ADD,
    ['STORY-BOOT-CRDS'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, '../STORY-X')}: stories\\.\\.\\./STORY-X: Invalid key in record: a story id looks like STORY-AREA-NAME`,
      ),
    {
      setup: editPlatform((t) => t.replace('stories: {}', 'stories:\n  ../STORY-X:\n    clusters: { infra: draft }')),
    },
  ),
  h('custom: --namespace ../x', ADD, [...CUSTOM, '--namespace', '../x'], /components\.0\.namespace: Invalid string/),
  h('custom: --area ../../etc', ADD, [...CUSTOM, '--area', '../../etc'], /components\.0\.area: Invalid string/),
  h('custom: --needs ../x', ADD, [...CUSTOM, '--needs', '../x'], /component x depends on unknown component \.\.\/x/),
  h('custom: --depends-on ../STORY-X', ADD, [...CUSTOM, '--depends-on', '../STORY-X'], /dependsOn\.0: Invalid string/),
  h(
    'custom: --chart-name ../../x',
    ADD,
    [...CUSTOM, ...CHART, '--chart-name', '../../x'],
    /components\.0\.chart\.name: chart name "\.\.\/\.\.\/x": letters, digits/,
  ),
  h(
    'platform.yaml: a custom values template ../../../etc/hostname (read from outside the repository)',
    KIT,
    ['regenerate'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, 'values: ../')}: ` +
          `stories\\.STORY-APP-DEMO\\.custom\\.components\\[0\\]\\.values: "(\\.\\./)+etc/hostname": a template path`,
      ),
    {
      base: 'stories',
      setup: editPlatform((t) =>
        t.replace(
          '          dependsOn: []\n',
          '          dependsOn: []\n          values: ../../../../../../../../etc/hostname\n',
        ),
      ),
    },
  ),
  h(
    'platform.yaml: an absolute custom values template',
    ADD,
    ['STORY-BOOT-CRDS'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, 'values: /')}: stories\\.STORY-APP-DEMO\\.custom\\.components\\[0\\]\\.values: "/etc/hostname": a template path`,
      ),
    {
      base: 'stories',
      setup: editPlatform((t) =>
        t.replace('          dependsOn: []\n', '          dependsOn: []\n          values: /etc/hostname\n'),
      ),
    },
  ),
  h(
    'platform.yaml: a custom git source path ../..',
    KIT,
    ['approve', 'STORY-APP-DEMO'],
    /stories\.STORY-APP-DEMO\.custom\.components\[0\]\.source\.path: "\.\.\/\.\.\/etc": a relative path inside the git repository/,
    {
      base: 'stories',
      setup: editPlatform((t) =>
        t.replace(
          '          dependsOn: []\n',
          '          dependsOn: []\n          source: { url: "https://github.com/example/x", tag: v1.0.0, path: ../../etc }\n',
        ),
      ),
    },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 2. Symbolic links that lead out of the repository: the outside folder is byte-identical afterwards
// ---------------------------------------------------------------------------------------------------------------
/** Move a path of the repository to the outside folder and leave a symbolic link to it in its place. */
const linkOut = (rel: string, as: string) => (repo: string, outside: string) => {
  const target = path.join(outside, as);
  fs.cpSync(path.join(repo, rel), target, { recursive: true });
  fs.rmSync(path.join(repo, rel), { recursive: true });
  fs.symlinkSync(target, path.join(repo, rel));
};
const REFUSE_LINK = (rel: string) =>
  new RegExp(`refusing to follow the symbolic link ${esc(rel)} \\(it may lead outside the repository\\)`);
/** An interrupted commit's journal that, followed, would move a backup over talos/infra/talconfig.yaml. */
const journal = (dir: string, entries: unknown, backup = true) => {
  write(path.join(dir, 'journal.json'), JSON.stringify({ pid: 1, entries }));
  if (backup) write(path.join(dir, 'old', '0'), 'clusterName: not-ours\n');
};
const TALCONFIG_ENTRY = [{ i: 0, path: 'talos/infra/talconfig.yaml', hadOriginal: true, deletes: false }];

const SYMLINKS: Hostile[] = [
  h(
    'a generated file is a link to a file outside (regenerate)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('kubernetes/clusters/infra/cluster-settings.yaml'),
    {
      setup: linkOut('kubernetes/clusters/infra/cluster-settings.yaml', 'cluster-settings.yaml'),
    },
  ),
  h('kubernetes/ is a link to a folder outside (add-story)', ADD, ['STORY-BOOT-CRDS'], REFUSE_LINK('kubernetes'), {
    base: 'stories',
    setup: linkOut('kubernetes', 'kubernetes'),
  }),
  h(
    'docs/ is a link to a folder outside (add-story writes docs/stories/)',
    ADD,
    ['STORY-BOOT-CRDS'],
    REFUSE_LINK('docs'),
    { base: 'stories', setup: linkOut('docs', 'docs') },
  ),
  h('talos/infra is a link to a folder outside (create)', CREATE, ['stg', '--yes'], REFUSE_LINK('talos/infra'), {
    setup: linkOut('talos/infra', 'talos-infra'),
  }),
  h(
    'a bootstrap helmfile is a link to a file outside (approve)',
    KIT,
    ['approve', 'STORY-BOOT-TALOS'],
    REFUSE_LINK('bootstrap/infra/helmfile.yaml'),
    {
      base: 'stories',
      setup: linkOut('bootstrap/infra/helmfile.yaml', 'helmfile.yaml'),
    },
  ),
  h(
    'platform.yaml is a link to a file outside (new-cluster)',
    KIT,
    ['new-cluster', 'stg', '--yes'],
    REFUSE_LINK('platform.yaml'),
    { setup: linkOut('platform.yaml', 'platform.yaml') },
  ),
  h(
    '.platform is a link to a folder outside (approve)',
    KIT,
    ['approve', 'STORY-BOOT-TALOS'],
    REFUSE_LINK('.platform'),
    { base: 'stories', setup: linkOut('.platform', 'state') },
  ),
  h(
    '.platform/base is a link to a folder outside (unapprove)',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS'],
    REFUSE_LINK('.platform/base'),
    { base: 'stories', setup: linkOut('.platform/base', 'base') },
  ),
  h(
    '.platform/manifest.json is a link to a file outside (unapprove)',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS'],
    REFUSE_LINK('.platform/manifest.json'),
    { base: 'stories', setup: linkOut('.platform/manifest.json', 'manifest.json') },
  ),
  h(
    '.platform/templates is a link to a folder of templates outside (regenerate)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('.platform/templates'),
    {
      setup: (repo, outside) => {
        write(path.join(outside, 'templates', 'cluster', 'kubernetes', 'kustomization.yaml'), 'leaked: true\n');
        fs.mkdirSync(path.join(repo, '.platform'), { recursive: true });
        fs.symlinkSync(path.join(outside, 'templates'), path.join(repo, '.platform', 'templates'));
      },
    },
  ),
  h(
    'a folder inside .platform/templates is a link outside (new-cluster)',
    KIT,
    ['new-cluster', 'stg', '--yes'],
    /\.platform\/templates\/cluster: template overrides may not be symbolic links/,
    {
      setup: (repo, outside) => {
        write(path.join(outside, 'cluster', 'kubernetes', 'kustomization.yaml'), 'leaked: true\n');
        fs.mkdirSync(path.join(repo, '.platform', 'templates'), { recursive: true });
        fs.symlinkSync(path.join(outside, 'cluster'), path.join(repo, '.platform', 'templates', 'cluster'));
      },
    },
  ),
  h(
    '.platform is a link to a folder outside holding an interrupted commit (its journal is not followed)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('.platform'),
    {
      setup: (repo, outside) => {
        linkOut('.platform', 'state')(repo, outside);
        journal(path.join(outside, 'state', '.staging', '1'), TALCONFIG_ENTRY);
      },
    },
  ),
  h(
    '.platform is a link to a folder outside holding a file named lock (the lock is neither taken nor removed there)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('.platform'),
    {
      setup: (repo, outside) => {
        linkOut('.platform', 'state')(repo, outside);
        write(path.join(outside, 'state', 'lock'), 'not a lock of the tool\n');
      },
    },
  ),
  h(
    '.platform/manifest.json is a link to a file outside (regenerate: its fast path does not read it)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('.platform/manifest.json'),
    { setup: linkOut('.platform/manifest.json', 'manifest.json') },
  ),
  h(
    '.platform/templates is a link to the very overrides the last run used, now outside (regenerate: its fast path does not hash them)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('.platform/templates'),
    {
      setup: async (repo, outside) => {
        await regeneratedWithOverride(repo);
        linkOut('.platform/templates', 'templates')(repo, outside);
      },
    },
  ),
  h(
    'a folder of .platform/templates is a link to the very overrides the last run used, now outside (regenerate)',
    KIT,
    ['regenerate'],
    /\.platform\/templates\/repo: template overrides may not be symbolic links/,
    {
      setup: async (repo, outside) => {
        await regeneratedWithOverride(repo);
        linkOut('.platform/templates/repo', 'repo')(repo, outside);
      },
    },
  ),
  h(
    '.platform/manifest.json is a link to a file outside (regenerate --check)',
    KIT,
    ['regenerate', '--check'],
    REFUSE_LINK('.platform/manifest.json'),
    { setup: linkOut('.platform/manifest.json', 'manifest.json') },
  ),
  h(
    'a staging folder is a link to a folder outside holding a journal (add-story)',
    ADD,
    ['STORY-BOOT-CRDS'],
    /\.platform\/\.staging\/1 is not a folder the tool made \(a file or a symbolic link\)/,
    {
      base: 'stories',
      setup: (repo, outside) => {
        journal(path.join(outside, 'staging'), TALCONFIG_ENTRY);
        fs.mkdirSync(path.join(repo, '.platform', '.staging'), { recursive: true });
        fs.symlinkSync(path.join(outside, 'staging'), path.join(repo, '.platform', '.staging', '1'));
      },
    },
  ),
  h(
    'a manifest entry through a link to a file outside with its recorded hash (regenerate would delete it)',
    KIT,
    ['regenerate'],
    REFUSE_LINK('talos/infra/patches'),
    {
      setup: (repo, outside) => {
        linkOut('talos/infra/patches', 'patches')(repo, outside);
        const mf = path.join(repo, '.platform', 'manifest.json');
        const m = JSON.parse(fs.readFileSync(mf, 'utf8'));
        m.files['talos/infra/patches/keep.txt'] = createHashOf(path.join(outside, 'keep.txt'));
        fs.copyFileSync(path.join(outside, 'keep.txt'), path.join(outside, 'patches', 'keep.txt'));
        fs.writeFileSync(mf, JSON.stringify(m));
      },
    },
  ),
];

/** A template override (.gitignore gets a line) that a regenerate has rendered: the fast path's fingerprint holds it. */
async function regeneratedWithOverride(repo: string): Promise<void> {
  write(
    path.join(repo, '.platform', 'templates', 'repo', 'gitignore'),
    fs.readFileSync(path.join(ROOT, 'templates', 'repo', 'gitignore'), 'utf8') + '# ours\n',
  );
  const r = await run(KIT, ['regenerate', '--dir', repo]);
  if (r.status !== 0 || !fs.readFileSync(path.join(repo, '.gitignore'), 'utf8').endsWith('# ours\n'))
    throw new Error(`regenerate with an override: ${r.stderr}`);
}

function createHashOf(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// 3. YAML injection: values that would change the YAML they land in are refused, naming the field
// ---------------------------------------------------------------------------------------------------------------
const SET_REFUSED =
  /settings\.X \(--set X=…\): value of X may not contain quotes, backslashes, control characters or "\$\{", and is at most 4096 characters/;
const setPlain = (why: string) =>
  new RegExp(`settings\\.X \\(--set X=…\\): value of X may not have ${why}: Flux substitutes settings into YAML text`);
const INJECTION: Hostile[] = [
  h('--set: a double quote', CREATE, ['stg', '--yes', '--set', 'X=a"b'], SET_REFUSED),
  h('--set: a backslash', CREATE, ['stg', '--yes', '--set', 'X=a\\nb'], SET_REFUSED),
  h('--set: an escape character', CREATE, ['stg', '--yes', '--set', 'X=a\x1b[31mb'], SET_REFUSED),
  h('--set: NEL (U+0085, a YAML 1.1 line break)', CREATE, ['stg', '--yes', '--set', 'X=a\u0085b: c'], SET_REFUSED),
  h(
    '--set: LINE SEPARATOR (U+2028, a line break for go-yaml)',
    CREATE,
    ['stg', '--yes', '--set', 'X=a\u2028injected: true'],
    SET_REFUSED,
  ),
  h('--set: 4097 characters', CREATE, ['stg', '--yes', '--set', `X=${'y'.repeat(4097)}`], SET_REFUSED),
  h(
    '--set: ": " and " #" (a key and a comment where Flux substitutes unquoted)',
    CREATE,
    ['stg', '--yes', '--set', 'X=a: b # c'],
    setPlain('": ", " #" or a trailing ":" in it'),
  ),
  h(
    '--set: "{{x}}" (a flow mapping unquoted)',
    CREATE,
    ['stg', '--yes', '--set', 'X={{x}}'],
    setPlain('a leading YAML indicator \\("\\{"\\)'),
  ),
  h('--set: an anchor', CREATE, ['stg', '--yes', '--set', 'X=&anchor'], setPlain('a leading YAML indicator \\("&"\\)')),
  h(
    '--set: padded with spaces',
    CREATE,
    ['stg', '--yes', '--set', 'X= padded '],
    setPlain('leading or trailing spaces'),
  ),
  h(
    '--set into a boolean the bootstrap values substitute unquoted',
    CREATE,
    ['stg', '--yes', '--set', 'CILIUM_GATEWAY_API=true: injected'],
    /settings\.CILIUM_GATEWAY_API \(--set CILIUM_GATEWAY_API=…\): value of CILIUM_GATEWAY_API may not have ": "/,
  ),
  h(
    '--answers: a settings value with ": "',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /clusters\.stg\.settings\.X \(--set X=…\): value of X may not have ": "/,
    {
      setup: answers('clusters:\n  - name: stg\n    settings: { X: "a: b" }\n'),
    },
  ),
  h(
    'platform.yaml: a settings value with " #"',
    KIT,
    ['regenerate'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, 'LOG_X')}: clusters\\.infra\\.settings\\.LOG_X: value of LOG_X may not have`,
      ),
    {
      setup: editPlatform((t) =>
        t.replace(
          '      provider: onepassword\n  apps:',
          '      provider: onepassword\n    settings:\n      LOG_X: "debug # and more"\n  apps:',
        ),
      ),
    },
  ),
  h(
    '--git-url with " #"',
    CREATE,
    ['stg', '--yes', '--git-url', 'https://git.example.com/x.git # y'],
    /git\.url \(--git-url\): .* is not a git URL/,
  ),
  h(
    '--git-branch with ": "',
    CREATE,
    ['stg', '--yes', '--git-branch', 'a: b'],
    /git\.branch \(--git-branch\): "a: b" is not a valid git branch name/,
  ),
  h(
    'custom --title with LINE SEPARATOR (a new YAML line in ks.yaml for go-yaml)',
    ADD,
    [...CUSTOM, '--title', 'x\u2028injected: true'],
    /title: one line of text \(no control characters or line separators\)/,
  ),
  h(
    'custom --chart-version with a newline (a key in helm-values.yaml)',
    ADD,
    [...CUSTOM, ...CHART, '--chart-version', '1.0.0\ninjected: true'],
    /components\.0\.chart\.version: chart version "1\.0\.0\\ninjected: true"/,
  ),
  h(
    'custom --chart-url with a newline',
    ADD,
    [...CUSTOM, ...CHART, '--chart-url', 'oci://ghcr.io/a/b\nx: y'],
    /components\.0\.chart\.url: chart url "oci:\/\/ghcr\.io\/a\/b\\nx: y"/,
  ),
  h(
    'custom --chart-name with a newline (a key in helmrepository.yaml)',
    ADD,
    [...CUSTOM, '--chart-url', 'https://charts.example.com', '--chart-version', '1.0.0', '--chart-name', 'b\ninj: 1'],
    /components\.0\.chart\.name: chart name "b\\ninj: 1"/,
  ),
  h(
    'platform.yaml: a custom chart version with a newline',
    KIT,
    ['regenerate'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, 'version: "1.0.0')}: stories\\.STORY-APP-DEMO\\.custom\\.components\\[0\\]\\.chart\\.version: chart version`,
      ),
    {
      base: 'stories',
      setup: editPlatform((t) =>
        t.replace('            version: 1.0.0\n', '            version: "1.0.0\\ninjected: true"\n'),
      ),
    },
  ),
  h(
    'platform.yaml: a custom title with LINE SEPARATOR',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS'],
    /stories\.STORY-APP-DEMO\.custom\.title: one line of text/,
    {
      base: 'stories',
      setup: editPlatform((t) => t.replace('      title: Demo\n', '      title: "Demo\\Linjected: true"\n')),
    },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 4. CIDRs: wrong family, wrong size, not canonical, overlapping in one cluster or across clusters
// ---------------------------------------------------------------------------------------------------------------
const CIDRS: Hostile[] = [
  h(
    'IPv6 pod CIDR',
    CREATE,
    ['stg', '--yes', '--pod-cidr', 'fd00::/48'],
    /podCidr \(--pod-cidr\): fd00::\/48 is an IPv6 network; the platform's node, pod and service networks are IPv4/,
  ),
  h(
    'IPv6 node CIDR',
    CREATE,
    ['stg', '--yes', '--node-cidr', 'fd00:1::/64'],
    /nodeCidr \(--node-cidr\): fd00:1::\/64 is an IPv6 network/,
  ),
  h(
    'pod CIDR /0',
    CREATE,
    ['stg', '--yes', '--pod-cidr', '0.0.0.0/0'],
    /podCidr \(--pod-cidr\): 0\.0\.0\.0\/0 overlaps serviceCidr 10\.249\.0\.0\/16 of the same cluster/,
  ),
  h(
    'pod CIDR /32',
    CREATE,
    ['stg', '--yes', '--pod-cidr', '10.50.0.0/32'],
    /podCidr \(--pod-cidr\): 10\.50\.0\.0\/32 is too small: every node gets a \/24 of the pod CIDR, so 3 nodes need at least a \/22/,
  ),
  h(
    'prefix with a leading zero (/016)',
    CREATE,
    ['stg', '--yes', '--pod-cidr', '10.50.0.0/016'],
    /podCidr \(--pod-cidr\): "10\.50\.0\.0\/016" is not written canonically \(write 10\.50\.0\.0\/16\)/,
  ),
  h(
    'node CIDR inside its own pod CIDR',
    CREATE,
    ['stg', '--yes', '--node-cidr', '10.248.0.0/24'],
    /podCidr \(--pod-cidr\): 10\.248\.0\.0\/16 overlaps nodeCidr 10\.248\.0\.0\/24 of the same cluster/,
  ),
  h(
    "node CIDR overlapping another cluster's service CIDR",
    CREATE,
    ['stg', '--yes', '--node-cidr', '10.245.1.0/24'],
    /nodeCidr \(--node-cidr\): 10\.245\.1\.0\/24 overlaps serviceCidr 10\.245\.0\.0\/16 of cluster infra/,
  ),
  h(
    '--answers: two new clusters with one pod CIDR',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /clusters\.dev\.network\.podCidr \(--pod-cidr\): 10\.50\.0\.0\/16 overlaps podCidr 10\.50\.0\.0\/16 of cluster stg \(ClusterMesh/,
    {
      setup: answers(
        'clusters:\n  - { name: stg, podCidr: 10.50.0.0/16, serviceCidr: 10.51.0.0/16 }\n  - { name: dev, podCidr: 10.50.0.0/16, serviceCidr: 10.52.0.0/16 }\n',
      ),
    },
  ),
  h(
    "--answers: one cluster's service CIDR is the other's pod CIDR",
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /clusters\.dev\.network\.serviceCidr \(--service-cidr\): 10\.50\.0\.0\/16 overlaps podCidr 10\.50\.0\.0\/16 of cluster stg/,
    {
      setup: answers(
        'clusters:\n  - { name: stg, podCidr: 10.50.0.0/16, serviceCidr: 10.51.0.0/16 }\n  - { name: dev, podCidr: 10.52.0.0/16, serviceCidr: 10.50.0.0/16 }\n',
      ),
    },
  ),
  h(
    // Two clusters on one node network take apart blocks of addresses by default; the same range and node given
    // for both are refused.
    '--answers: two clusters on one node network, the same range and node given',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    new RegExp(
      String.raw`clusters\.dev\.network\.loadBalancerRange \(--lb-range\): .* overlaps the load-balancer range of cluster ` +
        String.raw`stg[\s\S]*node IP 192\.168\.9\.11 is also a node of cluster stg`,
    ),
    {
      setup: answers(
        'clusters:\n' +
          '  - { name: stg, nodeCidr: 192.168.9.0/24 }\n' +
          '  - { name: dev, nodeCidr: 192.168.9.0/24, loadBalancerRange: 192.168.9.200-192.168.9.239, ' +
          'gatewayExternal: 192.168.9.220, gatewayInternal: 192.168.9.221, apiEndpoint: "https://192.168.9.10:6443", ' +
          'nodes: [{ name: dev-cp-1, ip: 192.168.9.11, controlPlane: true, installDisk: /dev/sda }] }\n',
      ),
    },
  ),
  h(
    'platform.yaml: apps given the pod CIDR of infra',
    KIT,
    ['regenerate'],
    (repo) =>
      new RegExp(
        `platform\\.yaml:${platformLine(repo, 'podCidr: 10.244.0.0/16', 2)}: ` +
          `clusters\\.apps\\.network\\.podCidr: 10\\.244\\.0\\.0/16 overlaps podCidr 10\\.244\\.0\\.0/16 of cluster infra`,
      ),
    {
      setup: editPlatform((t) => t.replace('podCidr: 10.246.0.0/16', 'podCidr: 10.244.0.0/16')),
    },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 5. Duplicate ids
// ---------------------------------------------------------------------------------------------------------------
const DUPLICATES: Hostile[] = [
  h('the same new cluster twice on the command line', CREATE, ['stg', 'stg', '--yes'], /cluster stg is given twice/),
  h(
    'the same cluster twice in --answers',
    KIT,
    ['new-cluster', '--answers', '{outside}/answers.yaml', '--yes'],
    /cluster stg is given twice/,
    { setup: answers('clusters:\n  - name: stg\n  - name: stg\n') },
  ),
  h(
    'one cluster id for two clusters in --answers',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /clusters\.dev\.clusterId \(--cluster-id\): cluster id 9 is already used by cluster stg/,
    {
      setup: answers('clusters:\n  - { name: stg, clusterId: 9 }\n  - { name: dev, clusterId: 9 }\n'),
    },
  ),
  h(
    'two nodes with one name',
    CREATE,
    ['stg', '--yes', '--node', 'name=n1,ip=192.168.3.11', '--node', 'name=n1,ip=192.168.3.12'],
    /nodes\[1\]\.name \(--node\): node name n1 is used twice/,
  ),
  h(
    'platform.yaml: a node IP of another cluster',
    KIT,
    ['regenerate'],
    /clusters\.apps\.nodes\[0\]\.ip: node IP 192\.168\.1\.11 is also a node of cluster infra/,
    {
      setup: editPlatform((t) => t.replace('ip: 192.168.2.11', 'ip: 192.168.1.11')),
    },
  ),
  h(
    'custom: a component id another custom story defines',
    ADD,
    [
      'STORY-APP-OTHER',
      '--custom',
      '--title',
      'Other',
      '--lane',
      'apps',
      '--component',
      'demo',
      '--namespace',
      'other',
    ],
    /stories\.STORY-APP-OTHER\.custom: component demo is already defined by STORY-APP-DEMO/,
    { base: 'stories' },
  ),
  h(
    'custom: a component id a catalog story defines',
    ADD,
    [
      'STORY-APP-OTHER',
      '--custom',
      '--title',
      'Other',
      '--lane',
      'infra',
      '--component',
      'openebs',
      '--namespace',
      'other',
    ],
    /component openebs is already defined by STORY-STO-OPENEBS-BASE/,
    { base: 'stories' },
  ),
  h(
    'platform.yaml: a duplicate key',
    ADD,
    ['STORY-BOOT-CRDS'],
    (repo) =>
      new RegExp(
        `platform\\.yaml is not valid YAML[\\s\\S]*platform\\.yaml:${platformLine(repo, 'role: apps # again')}: Map keys must be unique`,
      ),
    {
      setup: editPlatform((t) => t.replace('    role: infra\n', '    role: infra\n    role: apps # again\n')),
    },
  ),
  h(
    '--set: one key twice with different values',
    CREATE,
    ['stg', '--yes', '--set', 'X=a', '--set', 'X=b'],
    /--set X: given twice with different values \("a" and "b"\); give it once/,
  ),
  h(
    '--answers: a duplicate key',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /--answers .*\/answers\.yaml:4: Map keys must be unique/,
    {
      setup: answers('clusters:\n  - name: stg\n    role: infra\n    role: apps\n'),
    },
  ),
  h(
    'add-story --custom: an existing custom story with another definition (its files would go)',
    ADD,
    ['STORY-APP-DEMO', '--custom', '--title', 'Demo', '--lane', 'apps', '--component', 'other', '--namespace', 'demo'],
    new RegExp(
      String.raw`STORY-APP-DEMO is already a custom story with another definition; nothing was written[\s\S]*edit ` +
        String.raw`stories\.STORY-APP-DEMO\.custom in platform\.yaml and run platform-kit regenerate`,
    ),
    { base: 'stories' },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 6. Unknown story ids, clusters, roles, sprints, formats and options
// ---------------------------------------------------------------------------------------------------------------
const UNKNOWN: Hostile[] = [
  h(
    'approve an unknown story',
    KIT,
    ['approve', 'STORY-NOPE-NOPE'],
    /unknown story STORY-NOPE-NOPE; nothing was written[\s\S]*did you mean:/,
    { base: 'stories' },
  ),
  h(
    'approve on a cluster that does not exist',
    KIT,
    ['approve', 'STORY-BOOT-TALOS', '--cluster', 'stg'],
    /--cluster: no such cluster in platform\.yaml: stg \(clusters: infra, apps\)/,
    { base: 'stories' },
  ),
  h(
    'approve on a cluster the story is not on',
    KIT,
    ['approve', 'STORY-APP-DEMO', '--cluster', 'infra'],
    /STORY-APP-DEMO is not on infra: add it first with add-story STORY-APP-DEMO --cluster infra/,
    { base: 'stories' },
  ),
  h(
    'add a story whose role no cluster has',
    ADD,
    ['STORY-CICD-GITLAB-APPS'],
    /STORY-CICD-GITLAB-APPS targets clusters of role apps, and platform\.yaml has none; pass --cluster NAME/,
    { base: 'infra' },
  ),
  h(
    '--stories: an unknown story',
    CREATE,
    ['stg', '--yes', '--stories', 'STORY-NOPE-NOPE'],
    /unknown story STORY-NOPE-NOPE/,
  ),
  h(
    '--stories: ids and all',
    CREATE,
    ['stg', '--yes', '--stories', 'all,STORY-BOOT-TALOS'],
    /--stories: pass story ids or all, not both/,
  ),
  h('--approve without --stories', CREATE, ['stg', '--yes', '--approve'], /--approve goes with --stories/),
  h(
    '--answers: an unknown role',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /does not match the schema[\s\S]*clusters\.0\.role: Invalid option/,
    { setup: answers('clusters:\n  - { name: stg, role: db }\n') },
  ),
  h('gate 0', KIT, ['gate', '0'], /sprint "0": not a sprint of the plan \(1\.\.7\)/, { base: 'stories' }),
  h('gate abc', KIT, ['gate', 'abc'], /sprint "abc": give the sprint number \(e\.g\. 1\)/, { base: 'stories' }),
  h('gate without a sprint', KIT, ['gate'], /missing required argument 'sprint'/),
  h(
    'gate --dir is a file',
    KIT,
    ['gate', '1', '--dir', '{repo}/platform.yaml'],
    /--dir .*platform\.yaml: exists and is not a directory/,
  ),
  h(
    'gate --dir is a symbolic link',
    KIT,
    ['gate', '1', '--dir', '{outside}/link'],
    /--dir .*link: is a symbolic link/,
    { setup: (repo, outside) => fs.symlinkSync(repo, path.join(outside, 'link')) },
  ),
  h(
    'graph --cluster that does not exist',
    KIT,
    ['graph', '--cluster', 'stg'],
    /--cluster stg: no such cluster \(clusters: apps, infra\)/,
  ),
  h('graph --format bogus', KIT, ['graph', '--format', 'bogus'], /--format bogus: use mermaid or dot/),
  h('plan --format MD', KIT, ['plan', '--format', 'MD'], /--format MD: use md, json, mermaid/),
  h('plan with an unknown option', KIT, ['plan', '--colour'], /unknown option '--colour'/),
  h('lint-commit without a message', KIT, ['lint-commit'], /missing required argument 'message-or-file'/),
  h(
    'check --cluster-path ../..',
    KIT,
    ['check', '--cluster-path', '../..'],
    /--cluster-path \.\.\/\.\.: must be a folder inside the repository/,
  ),
  h(
    'check --cluster-path outside the repository (absolute)',
    KIT,
    ['check', '--cluster-path', '{outside}/*'],
    /--cluster-path .*: must be a folder inside the repository/,
  ),
  h(
    'check --cluster-path with two *',
    KIT,
    ['check', '--cluster-path', 'kubernetes/*/x/*'],
    /at most one \* \(the cluster name\)/,
  ),
  h('approve without a story id', KIT, ['approve'], /missing required argument 'ids'/, { base: 'stories' }),
  h(
    'unapprove with an unknown option',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS', '--colour'],
    /unknown option '--colour'/,
    { base: 'stories' },
  ),
  h('regenerate with an unknown option', KIT, ['regenerate', '--colour'], /unknown option '--colour'/),
  h('check with an unknown option', KIT, ['check', '--colour'], /unknown option '--colour'/),
  h(
    'graph --format without a value',
    KIT,
    ['graph', '--dir', '{repo}', '--format'],
    /option '--format <format>' argument missing/,
  ),
  h('stories with an unknown option', KIT, ['stories', '--colour'], /unknown option '--colour'/),
  h(
    'new-cluster with an unknown option',
    KIT,
    ['new-cluster', 'stg', '--yes', '--colour'],
    /unknown option '--colour'/,
  ),
  h(
    'stories --dir a folder that does not exist',
    KIT,
    ['stories', '--dir', '{outside}/nope'],
    /no platform\.yaml in .*\/nope/,
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 7. A corrupt or hand-broken platform.yaml: every command that reads it says file, line and field
// ---------------------------------------------------------------------------------------------------------------
interface Corruption {
  name: string;
  /** New content of platform.yaml from the current one. */
  edit: (t: string) => string | Buffer;
  /** What stderr must say, from the corrupted text. */
  message: (t: string) => RegExp;
}
const READERS: [string, Bin, string[]][] = [
  ['add-story', ADD, ['STORY-BOOT-CRDS']],
  ['approve', KIT, ['approve', 'STORY-BOOT-TALOS']],
  ['unapprove', KIT, ['unapprove', 'STORY-BOOT-TALOS']],
  ['regenerate', KIT, ['regenerate']],
  ['new-cluster', KIT, ['new-cluster', 'stg', '--yes']],
  ['create-platform-cluster', CREATE, ['stg', '--yes']],
  ['stories', KIT, ['stories']],
  ['plan', KIT, ['plan']],
  ['gate', KIT, ['gate', '1']],
  ['lint-commit', KIT, ['lint-commit', 'STORY-BOOT-TALOS: x']],
  ['lint-pr-title', KIT, ['lint-pr-title', 'STORY-BOOT-TALOS: x']],
];
const at = (t: string, needle: string) => lineOf(t, needle);
const EVERY_COMMAND: Corruption[] = [
  {
    name: 'a YAML bomb (billion laughs)',
    edit: (t) => BOMB + t,
    message: () =>
      /platform\.yaml uses a YAML alias[\s\S]*platform\.yaml:2: b\[0\]: alias \*a is not supported in platform\.yaml/,
  },
];
const ONCE: [Corruption, number][] = [
  [
    {
      name: 'an empty file',
      edit: () => '',
      message: () => /platform\.yaml is empty[\s\S]*platform\.yaml:1: \(root\)/,
    },
    0,
  ],
  [
    {
      name: 'a list at the top',
      edit: () => '- a\n- b\n',
      message: () => /platform\.yaml:1: \(root\): Invalid input: expected object, received array/,
    },
    1,
  ],
  [
    {
      name: 'binary garbage',
      edit: () => Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256)),
      message: () => /platform\.yaml(:\d+: .*| is not valid YAML)/,
    },
    2,
  ],
  [
    {
      name: 'an alias',
      edit: (t) =>
        t
          .replace('    domain: infra.example.com', '    domain: &d infra.example.com')
          .replace('    domain: apps.example.com', '    domain: *d'),
      message: (t) =>
        new RegExp(`platform\\.yaml:${at(t, 'domain: *d')}: clusters\\.apps\\.domain: alias \\*d is not supported`),
    },
    3,
  ],
  [
    {
      name: 'a merge key',
      edit: (t) => t.replace('  apps:\n    role: apps\n', '  apps:\n    <<: { role: apps }\n'),
      message: (t) =>
        new RegExp(
          `platform\\.yaml:${at(t, '<<:')}: clusters\\.apps: Unrecognized key: "<<"[\\s\\S]*merge keys \\(<<\\) are not supported`,
        ),
    },
    4,
  ],
  [
    {
      name: 'tabs for indentation',
      edit: (t) => t.replace('    role: infra', '\trole: infra'),
      message: (t) =>
        new RegExp(
          `platform\\.yaml is not valid YAML[\\s\\S]*platform\\.yaml:${at(t, '\trole')}: Tabs are not allowed`,
        ),
    },
    5,
  ],
  [
    {
      name: 'stories as a list',
      edit: (t) => t.replace('stories:\n', 'stories:\n  - x\nstoriez:\n'),
      message: (t) =>
        new RegExp(`platform\\.yaml:${at(t, 'stories:')}: stories: Invalid input: expected record, received array`),
    },
    6,
  ],
  [
    {
      name: 'a number as a settings value',
      edit: (t) =>
        t.replace(
          '      provider: onepassword\n  apps:',
          '      provider: onepassword\n    settings:\n      LOG_LEVEL: 5\n  apps:',
        ),
      message: (t) =>
        new RegExp(
          `platform\\.yaml:${at(t, 'LOG_LEVEL: 5')}: clusters\\.infra\\.settings\\.LOG_LEVEL: Invalid input: expected string, received number`,
        ),
    },
    7,
  ],
  [
    {
      name: 'a NUL byte',
      edit: (t) => t.replace('kind: Platform', 'kind: Plat\0form'),
      message: () => /platform\.yaml(:\d+: kind| is not valid YAML)/,
    },
    10,
  ],
  [
    {
      name: 'an unknown top-level key',
      edit: (t) => t + 'extras: 1\n',
      message: (t) => new RegExp(`platform\\.yaml:${at(t, 'extras: 1')}: \\(root\\): Unrecognized key: "extras"`),
    },
    10,
  ],
  [
    {
      name: 'a second document',
      edit: (t) => t + '---\nkind: Other\n',
      message: (t) =>
        new RegExp(
          `platform\\.yaml is not valid YAML[\\s\\S]*platform\\.yaml:${at(t, '---')}: Source contains multiple documents`,
        ),
    },
    0,
  ],
  [
    {
      name: 'a date that does not exist (2025-02-30)',
      edit: (t) => t + 'plan:\n  start: 2025-02-30\n',
      message: (t) => new RegExp(`platform\\.yaml:${at(t, '2025-02-30')}: plan\\.start: not a calendar date`),
    },
    7,
  ],
  [
    {
      name: 'a date out of range (2025-13-45)',
      edit: (t) => t + 'plan:\n  sprintStarts:\n    "2": 2025-13-45\n',
      message: (t) =>
        new RegExp(`platform\\.yaml:${at(t, '2025-13-45')}: plan\\.sprintStarts\\.2: not a calendar date`),
    },
    8,
  ],
  [
    {
      name: 'a freeze that ends before it starts',
      edit: (t) => t + 'plan:\n  freezes:\n    - { from: 2026-01-10, to: 2025-12-20, name: x }\n',
      message: (t) =>
        new RegExp(
          `platform\\.yaml:${at(t, 'from: 2026')}: plan\\.freezes\\[0\\]\\.to: a freeze ends on or after the day it starts`,
        ),
    },
    9,
  ],
  [
    {
      name: 'a story moved to sprint 1000000 (every sprint would be drawn)',
      edit: (t) => t + 'plan:\n  sprints:\n    STORY-BOOT-TALOS: 1000000\n',
      message: (t) => new RegExp(`platform\\.yaml:${at(t, '1000000')}: plan\\.sprints\\.STORY-BOOT-TALOS: Too big`),
    },
    7,
  ],
  [
    {
      name: 'a cluster key that is an absolute path',
      edit: (t) => t.replace('\n  apps:\n', '\n  /etc:\n'),
      message: (t) =>
        new RegExp(`platform\\.yaml:${at(t, '/etc:')}: clusters\\./etc: cluster name "/etc" is not a DNS-1123 label`),
    },
    4,
  ],
  [
    {
      name: 'a story state of the wrong type',
      edit: (t) => t.replace('      infra: draft', '      infra: [draft]'),
      message: (t) =>
        new RegExp(
          `platform\\.yaml:${at(t, 'infra: [draft]')}: stories\\.STORY-BOOT-TALOS\\.clusters\\.infra: Invalid option`,
        ),
    },
    6,
  ],
];
const CORRUPT: Hostile[] = [
  ...EVERY_COMMAND.flatMap((c) => READERS.map(([cmd, bin, args]) => ({ c, cmd, bin, args }))),
  ...ONCE.map(([c, i]) => ({ c, cmd: READERS[i][0], bin: READERS[i][1], args: READERS[i][2] })),
]
  .map(({ c, cmd, bin, args }) => {
    let corrupted = '';
    return h(`${c.name} (${cmd})`, bin, args, () => c.message(corrupted), {
      base: 'stories',
      setup: (repo) => {
        const file = path.join(repo, 'platform.yaml');
        const next = c.edit(fs.readFileSync(file, 'utf8'));
        fs.writeFileSync(file, next);
        corrupted = typeof next === 'string' ? next : next.toString('latin1');
      },
    });
  })
  .concat([
    h(
      'a folder in the place of platform.yaml (regenerate)',
      KIT,
      ['regenerate'],
      /platform\.yaml is a folder, not a file/,
      {
        setup: (repo) => {
          fs.rmSync(path.join(repo, 'platform.yaml'));
          fs.mkdirSync(path.join(repo, 'platform.yaml'));
        },
      },
    ),
  ]);

// ---------------------------------------------------------------------------------------------------------------
// 8. A hand-broken .platform/manifest.json and commit journal (.platform/.staging/)
// ---------------------------------------------------------------------------------------------------------------
const HASH = '0'.repeat(64);
const manifest = (text: string | ((m: Record<string, unknown>) => unknown)) => (repo: string) => {
  const file = path.join(repo, '.platform', 'manifest.json');
  fs.writeFileSync(
    file,
    typeof text === 'string' ? text : JSON.stringify(text(JSON.parse(fs.readFileSync(file, 'utf8')))),
  );
};
const withEntry = (key: string, hash = HASH) =>
  manifest((m) => ({ ...m, files: { ...(m.files as object), [key]: hash } }));
const NOT_OURS = (key: string) =>
  new RegExp(`\\.platform/manifest\\.json: ${esc(JSON.stringify(key))} is not a path the tool generates`);
const STATE: Hostile[] = [
  h(
    'manifest: not JSON (regenerate)',
    KIT,
    ['regenerate'],
    /\.platform\/manifest\.json is not valid JSON; restore it from git/,
    { setup: manifest('{"files": {') },
  ),
  h(
    'manifest: a byte order mark (approve)',
    KIT,
    ['approve', 'STORY-BOOT-TALOS'],
    /\.platform\/manifest\.json is not valid JSON/,
    { base: 'stories', setup: (repo) => editFile(path.join(repo, '.platform', 'manifest.json'), (t) => '\ufeff' + t) },
  ),
  h(
    'manifest: a list at the top (new-cluster)',
    KIT,
    ['new-cluster', 'stg', '--yes'],
    /\.platform\/manifest\.json has no "files" map/,
    { setup: manifest('[]') },
  ),
  h('manifest: "files" is a list (regenerate)', KIT, ['regenerate'], /\.platform\/manifest\.json has no "files" map/, {
    setup: manifest((m) => ({ ...m, files: [] })),
  }),
  h(
    'manifest: "files" is a string (unapprove)',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS'],
    /\.platform\/manifest\.json has no "files" map/,
    { base: 'stories', setup: manifest((m) => ({ ...m, files: 'x' })) },
  ),
  h(
    'manifest: "version" is an object (create)',
    CREATE,
    ['stg', '--yes'],
    /\.platform\/manifest\.json: "version" is not a string/,
    { setup: manifest((m) => ({ ...m, version: { a: 1 } })) },
  ),
  h('manifest: an empty path (regenerate)', KIT, ['regenerate'], NOT_OURS(''), { setup: withEntry('') }),
  h('manifest: a "." segment (add-story)', ADD, ['STORY-BOOT-CRDS'], NOT_OURS('kubernetes/./x.yaml'), {
    base: 'stories',
    setup: withEntry('kubernetes/./x.yaml'),
  }),
  h('manifest: a backslash path (regenerate)', KIT, ['regenerate'], NOT_OURS('..\\..\\outside.txt'), {
    setup: withEntry('..\\..\\outside.txt'),
  }),
  h(
    'manifest: a merge base entry (regenerate)',
    KIT,
    ['regenerate'],
    NOT_OURS('.platform/base/talos/infra/talconfig.yaml'),
    { setup: withEntry('.platform/base/talos/infra/talconfig.yaml') },
  ),
  h(
    'manifest: a folder in its place (regenerate)',
    KIT,
    ['regenerate'],
    /\.platform\/manifest\.json is a folder, not the file the tool keeps there/,
    {
      setup: (repo) => {
        fs.rmSync(path.join(repo, '.platform', 'manifest.json'));
        fs.mkdirSync(path.join(repo, '.platform', 'manifest.json'));
      },
    },
  ),
  h(
    'journal: not JSON (regenerate)',
    KIT,
    ['regenerate'],
    /\.platform\/\.staging\/1\/journal\.json: not valid JSON; it is not what an interrupted run leaves/,
    {
      setup: (repo) => write(path.join(repo, '.platform', '.staging', '1', 'journal.json'), '{"entries": ['),
    },
  ),
  h('journal: no entries list (add-story)', ADD, ['STORY-BOOT-CRDS'], /journal\.json: no "entries" list/, {
    base: 'stories',
    setup: (repo) => write(path.join(repo, '.platform', '.staging', '1', 'journal.json'), '{"entries": {"0": 1}}'),
  }),
  h(
    'journal: an entry outside the repository (regenerate)',
    KIT,
    ['regenerate'],
    /journal\.json: "\.\.\/\.\.\/outside\/keep\.txt" is not a path the tool writes/,
    {
      setup: (repo) =>
        journal(path.join(repo, '.platform', '.staging', '1'), [
          { i: 0, path: '../../outside/keep.txt', hadOriginal: true, deletes: false },
        ]),
    },
  ),
  h(
    'journal: an entry for the lock (approve)',
    KIT,
    ['approve', 'STORY-BOOT-TALOS'],
    /journal\.json: "\.platform\/lock" is not a path the tool writes/,
    {
      base: 'stories',
      setup: (repo) =>
        journal(path.join(repo, '.platform', '.staging', '1'), [
          { i: 0, path: '.platform/lock', hadOriginal: false, deletes: false },
        ]),
    },
  ),
  h(
    'journal: a backup number that is a path (regenerate)',
    KIT,
    ['regenerate'],
    /journal\.json: an entry of the wrong shape/,
    {
      setup: (repo, outside) =>
        journal(
          path.join(repo, '.platform', '.staging', '1'),
          [
            {
              i: path.relative(path.join(repo, '.platform', '.staging', '1', 'old'), path.join(outside, 'keep.txt')),
              path: 'talos/infra/talconfig.yaml',
              hadOriginal: true,
              deletes: false,
            },
          ],
          false,
        ),
    },
  ),
  h(
    'journal: where a file waits (t) given as a path (regenerate)',
    KIT,
    ['regenerate'],
    /journal\.json: an entry of the wrong shape/,
    {
      setup: (repo) =>
        journal(path.join(repo, '.platform', '.staging', '1'), [
          { i: 0, path: 'talos/infra/talconfig.yaml', hadOriginal: false, deletes: false, t: '../../outside' },
        ]),
    },
  ),
  h(
    'journal: an entry through a link to a folder outside (create)',
    CREATE,
    ['stg', '--yes'],
    REFUSE_LINK('talos/infra/patches'),
    {
      setup: (repo, outside) => {
        linkOut('talos/infra/patches', 'patches')(repo, outside);
        journal(path.join(repo, '.platform', '.staging', '1'), [
          { i: 0, path: 'talos/infra/patches/machine.yaml', hadOriginal: true, deletes: false },
        ]);
      },
    },
  ),
  h(
    'journal: a file where a staging folder belongs (unapprove)',
    KIT,
    ['unapprove', 'STORY-BOOT-TALOS'],
    /\.platform\/\.staging\/1 is not a folder the tool made/,
    {
      base: 'stories',
      setup: (repo) => write(path.join(repo, '.platform', '.staging', '1'), 'x'),
    },
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// 9. A broken --answers file or template override: the file (and line) named, nothing written
// ---------------------------------------------------------------------------------------------------------------
/** [failure kind, the override's text, what stderr must say after `template .platform/templates/<path>: `] */
const BROKEN_TEMPLATES: [string, string, string][] = [
  ['a Handlebars syntax error', 'kind: Kustomization\n{{#if cluster}}\n', 'Parse error on line 3'],
  ['a value the template data lacks (strict mode)', 'kind: {{nope}}\n', '"nope" not defined'],
  ['a partial that does not exist', '{{> header}}\nkind: Kustomization\n', 'The partial header could not be found'],
  [
    'output that is not YAML',
    'kind: a: b\n',
    'the YAML it renders does not parse: line 1: Nested mappings are not allowed',
  ],
  ['an alias in its output', 'a: &x 1\nb: *x\n', 'the YAML it renders uses an alias \\(\\*x, line 2\\)'],
];
/** [command, bin, args, the template overridden, base] */
const TEMPLATE_RUNS: [string, Bin, string[], string, Base][] = [
  ['regenerate', KIT, ['regenerate'], 'cluster/kubernetes/clusters/__cluster__/kustomization.yaml.hbs', 'clusters'],
  ['add-story', ADD, ['STORY-BOOT-CRDS'], 'component/ks.yaml.hbs', 'stories'],
];
const BROKEN: Hostile[] = [
  h(
    '--answers: a YAML syntax error',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /--answers .*\/answers\.yaml:3: Nested mappings are not allowed/,
    {
      setup: answers('clusters:\n  - name: stg\n    role: infra: apps\n'),
    },
  ),
  h(
    '--answers: a YAML bomb (billion laughs)',
    CREATE,
    ['--answers', '{outside}/answers.yaml', '--yes'],
    /--answers .*\/answers\.yaml:2: alias \*a is not supported in an answers file/,
    {
      setup: answers(BOMB + 'clusters:\n  - name: stg\n'),
    },
  ),
  ...BROKEN_TEMPLATES.flatMap(([kind, text, reason]) =>
    TEMPLATE_RUNS.map(([cmd, bin, args, tpl, base]) =>
      h(
        `template override .platform/templates/${tpl}: ${kind} (${cmd})`,
        bin,
        args,
        new RegExp(`template \\.platform/templates/${esc(tpl)}: ${reason}`),
        {
          base,
          setup: (repo) => write(path.join(repo, '.platform', 'templates', tpl), text),
        },
      ),
    ),
  ),
];

describe('hostile input: exit 2, a clear message, zero bytes changed (in the repository and outside it)', () => {
  describe('path traversal and absolute paths', () => {
    it.for(PATHS)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('symbolic links that lead outside the repository', () => {
    it.for(SYMLINKS)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('YAML injection through values', () => {
    it.for(INJECTION)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('invalid and overlapping CIDRs', () => {
    it.for(CIDRS)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('duplicate ids', () => {
    it.for(DUPLICATES)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('unknown stories, clusters, roles, sprints, formats and options', () => {
    it.for(UNKNOWN)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('a corrupt or hand-broken platform.yaml, reported with file, line and field', () => {
    it.for(CORRUPT)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('a hand-broken manifest or commit journal', () => {
    it.for(STATE)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
  describe('a broken --answers file or template override', () => {
    it.for(BROKEN)('$name', async (k, { expect }) => expectRefused(k, expect));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 10. Values that are accepted: they land verbatim, every written YAML file parses, and nothing else is injected
// ---------------------------------------------------------------------------------------------------------------
/** [case, value] — each one a --set of one new cluster; each must read back as exactly itself. */
const ACCEPTED: [string, string][] = [
  ['a colon and a hash without spaces', 'a:b#c'],
  ['handlebars after the first character', 'x{{y}} {{{z}}}'],
  ['anchor and alias characters after the first', 'x &a *b'],
  ['YAML 1.1 boolean word', 'yes'],
  ['null', 'null'],
  ['a hex number', '0x10'],
  ['tilde', '~'],
  ['empty', ''],
  ['a dollar without a brace', '$HOME $ {x}'],
  ['unicode and emoji', 'héllo wörld ✓ 🚀 ∑ 日本語'],
  ['a zero-width space and a right-to-left mark', 'a\u200bb\u200fc'],
  ['4096 characters', 'x'.repeat(4096)],
  ['document markers after the first character', 'a --- ... ---'],
  ['a percent and an at sign after the first', '100% of x@y'],
  ['a negative number', '-1'],
  ['a cron schedule', '0 0 2 * * *'],
];

const parsesEveryYaml = (dir: string): string[] => {
  const bad: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (/\.ya?ml$/.test(e.name)) {
        const docs = parseAllDocuments(fs.readFileSync(abs, 'utf8'), { uniqueKeys: true });
        for (const doc of 'errors' in docs ? [docs] : docs)
          if (doc.errors.length) bad.push(`${path.relative(dir, abs)}: ${doc.errors[0].message}`);
      }
    }
  };
  walk(dir);
  return bad;
};

describe('accepted values round-trip exactly, and every written YAML file still parses', () => {
  let repo: string;
  let platform: {
    clusters: Record<string, { settings: Record<string, string> }>;
    stories: Record<string, { custom: { title: string; components: { description: string }[] } }>;
  };
  let settings: Record<string, string>;
  const TITLE = `Demo: "quoted" 'single' # not a comment {{x}} &a *b ✓ 🚀 ${'é'.repeat(120)}`;
  beforeAll(async () => {
    repo = copyOf('clusters');
    const sets = ACCEPTED.flatMap(([, v], i) => ['--set', `V${String(i).padStart(2, '0')}=${v}`]);
    const created = await run(CREATE, ['stg', '--yes', ...sets, '--dir', repo]);
    if (created.status !== 0) throw new Error(created.stderr);
    const story = await run(ADD, [
      'STORY-APP-ODD',
      '--custom',
      '--title',
      TITLE,
      '--lane',
      'apps',
      '--component',
      'odd',
      '--namespace',
      'odd',
      '--chart-url',
      'oci://ghcr.io/example/charts/odd',
      '--chart-version',
      '1.2.3+build.4',
      '--dir',
      repo,
    ]);
    if (story.status !== 0) throw new Error(story.stderr);
    platform = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
    settings = parse(fs.readFileSync(path.join(repo, 'kubernetes/clusters/stg/cluster-settings.yaml'), 'utf8')).data;
  });

  it.each(ACCEPTED.map(([name, v], i) => [name, v, `V${String(i).padStart(2, '0')}`] as const))(
    '--set %s: in platform.yaml and cluster-settings exactly as given',
    (_n, value, key) => {
      expect(platform.clusters.stg.settings[key]).toBe(value);
      expect(settings[key]).toBe(value);
    },
  );

  it('a custom title with quotes, "#", "{{", anchors and unicode: verbatim in platform.yaml and the story document', () => {
    expect(platform.stories['STORY-APP-ODD'].custom.title).toBe(TITLE);
    expect(platform.stories['STORY-APP-ODD'].custom.components[0].description).toBe(TITLE);
    expect(fs.readFileSync(path.join(repo, 'docs/stories/STORY-APP-ODD.md'), 'utf8').split('\n')[0]).toBe(
      `# STORY-APP-ODD: ${TITLE}`,
    );
  });

  it('the title sits in a comment of ks.yaml and injects nothing; the chart version in helm-values.yaml neither', () => {
    const ks = fs.readFileSync(path.join(repo, 'kubernetes/workloads/apps/odd/ks.yaml'), 'utf8');
    expect(ks).toContain(TITLE);
    expect(Object.keys(parse(ks))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(
      parse(fs.readFileSync(path.join(repo, 'kubernetes/workloads/apps/odd/app/helm-values.yaml'), 'utf8')),
    ).toEqual({});
  });

  it('every YAML file written parses (no duplicate keys, no syntax error)', () => {
    expect(parsesEveryYaml(repo)).toEqual([]);
  });

  it('a second run reads every value back unchanged: regenerate --check is up to date', async () => {
    const r = await run(KIT, ['regenerate', '--check', '--dir', repo]);
    expect(r.stdout).toMatch(/check: up to date/);
    expect(r.status, r.stderr).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 11. Input that is tolerated on purpose: harmless, and said so by the bytes
// ---------------------------------------------------------------------------------------------------------------
describe('tolerated input: a repeated id is taken once, a byte order mark is read as YAML allows', () => {
  it('the same story twice on the command line writes exactly what once does', async ({ expect }) => {
    const once = copyOf('clusters');
    const twice = copyOf('clusters');
    const a = await run(ADD, ['STORY-BOOT-CRDS', '--dir', once]);
    const b = await run(ADD, ['STORY-BOOT-CRDS', 'STORY-BOOT-CRDS', '--dir', twice]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(snapshot(twice)).toEqual(snapshot(once));
  });

  it('the same --cluster twice writes exactly what once does', async ({ expect }) => {
    const once = copyOf('clusters');
    const twice = copyOf('clusters');
    const a = await run(ADD, ['STORY-BOOT-CRDS', '--cluster', 'infra', '--dir', once]);
    const b = await run(ADD, ['STORY-BOOT-CRDS', '--cluster', 'infra', '--cluster', 'infra', '--dir', twice]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(snapshot(twice)).toEqual(snapshot(once));
  });

  it('a byte order mark on platform.yaml: read as YAML allows, and regenerate writes the file without it, otherwise unchanged', async ({
    expect,
  }) => {
    const repo = copyOf('clusters');
    const file = path.join(repo, 'platform.yaml');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, '\ufeff' + text);
    const r = await run(KIT, ['regenerate', '--dir', repo]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// 12. check reads whatever a repository holds: a YAML bomb in a manifest is a finding with file and line, not a crash
// ---------------------------------------------------------------------------------------------------------------
describe('check and gate on a YAML bomb in the repository: a finding with file and line (exit 1), no crash', () => {
  it.for([
    [
      'check',
      ['check'],
      /error +YAML_INVALID kubernetes\/clusters\/apps\/kustomization\.yaml:1 cannot be read: Excessive alias count/,
    ],
    ['gate', ['gate', '1'], /check: YAML_INVALID in kubernetes\/clusters\/apps\/kustomization\.yaml:1[\s\S]*not ready/],
  ] as const)('%s', async ([, args, message], { expect }) => {
    const repo = copyOf('clusters');
    fs.writeFileSync(path.join(repo, 'kubernetes/clusters/apps/kustomization.yaml'), BOMB + 'resources: []\n');
    const before = snapshot(repo);
    const r = await run(KIT, [...args, '--dir', repo]);
    expect(r.stdout).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.status, r.stderr).toBe(1);
    expect(snapshot(repo)).toEqual(before);
  });
});

// corpus: 199 cases — 174 refused with exit 2 (24 paths, 19 symbolic links, 21 YAML injection, 11 CIDRs, 11 duplicate ids,
// 29 unknown ids/options, 29 corrupt platform.yaml, 18 manifest/journal, 12 broken --answers files and template overrides),
// 20 accepted values that round-trip, 3 tolerated repeats, 2 check/gate findings on a YAML bomb.
