import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../src/delivery/model';
import { PLAN_FORMATS } from '../src/delivery/render';
import { SECRET_PROVIDERS } from '../src/model/schema';
import { catalogWith } from '../src/model/stories';
import { ROOT, tmpDir } from './helpers/fs';
import { kitInProcess, runInProcess } from './helpers/in-process';

const cat = catalogWith({});
const IDS = cat.stories.map((s) => s.id);
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** A folder with a `platform-kit` on PATH that runs the compiled bin (what an installed package puts there). */
function binDir(): string {
  const dir = tmpDir('cpc-conv-bin-');
  const shim = path.join(dir, 'platform-kit');
  fs.writeFileSync(
    shim,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(ROOT, 'lib', 'bundle', 'platform-kit.js'))} "$@"\n`,
  );
  fs.chmodSync(shim, 0o755);
  return dir;
}

/** The completion script: printed in process (the shells that read it are real processes). */
async function script(shell: string): Promise<string> {
  const r = await kitInProcess(['completion', shell]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** Completions bash offers for a command line ending in `words` (the last word is the one being completed). */
function bashComplete(file: string, words: string[], env: Record<string, string> = {}, cwd?: string): string[] {
  const line = [
    `source ${JSON.stringify(file)}`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${JSON.stringify(words.join(' '))}`,
    'COMP_POINT=${#COMP_LINE}',
    `fn=$(complete -p ${words[0]} | sed -e 's/.*-F \\([^ ]*\\) .*/\\1/')`,
    '"$fn"',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = spawnSync('bash', ['-c', line], { encoding: 'utf8', env: { ...process.env, ...env }, cwd });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('platform-kit completion bash (issue 16 item 5)', () => {
  const file = path.join(tmpDir('cpc-conv-comp-'), 'platform-kit.bash');
  beforeAll(async () => fs.writeFileSync(file, await script('bash')));

  it('parses in bash and registers the three bins', () => {
    const r = spawnSync(
      'bash',
      ['-c', `source ${JSON.stringify(file)} && complete -p platform-kit add-story create-platform-cluster`],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('subcommands and options come from the commander definitions', async () => {
    const help = (await kitInProcess(['--help'])).stdout;
    const commands = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]+)/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(10);
    expect(bashComplete(file, ['platform-kit', '']).sort()).toEqual([...new Set(commands)].sort());
    expect(bashComplete(file, ['platform-kit', 'reg'])).toEqual(['regenerate']);
    const planHelp = (await kitInProcess(['plan', '--help'])).stdout;
    const planFlags = [...planHelp.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    expect(bashComplete(file, ['platform-kit', 'plan', '--']).sort()).toEqual([...new Set(planFlags)].sort());
    expect(bashComplete(file, ['add-story', '--ch'])).toEqual(['--chart-url', '--chart-name', '--chart-version']);
    expect(bashComplete(file, ['platform-kit', '-'])).toEqual(expect.arrayContaining(['-v', '--version']));
  });

  it('story ids from the catalog where an argument or option takes one', () => {
    const prefix = 'STORY-NET-CILIUM';
    const expected = IDS.filter((id) => id.startsWith(prefix));
    expect(expected.length).toBeGreaterThan(2);
    expect(bashComplete(file, ['platform-kit', 'approve', prefix])).toEqual(expected);
    expect(bashComplete(file, ['add-story', 'STORY-BOOT-CRDS', prefix])).toEqual(expected);
    expect(bashComplete(file, ['add-story', '--custom', '--depends-on', prefix])).toEqual(expected);
    expect(bashComplete(file, ['create-platform-cluster', 'infra', '--stories', 'al'])).toEqual(['all']);
  });

  it('values of --format, --secret-store, gate sprints, completion shells; an option value is not taken for a subcommand', () => {
    expect(bashComplete(file, ['platform-kit', 'plan', '--format', ''])).toEqual([...PLAN_FORMATS]);
    expect(bashComplete(file, ['platform-kit', 'graph', '--format', ''])).toEqual(['mermaid', 'dot']);
    expect(bashComplete(file, ['create-platform-cluster', '--secret-store', ''])).toEqual([...SECRET_PROVIDERS]);
    expect(bashComplete(file, ['platform-kit', 'gate', ''])).toEqual(
      buildPlan(cat).sprints.map((s) => String(s.sprint)),
    );
    expect(bashComplete(file, ['platform-kit', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    // An option's value is skipped, not read as the argument or the option being completed.
    expect(bashComplete(file, ['create-platform-cluster', '--role', 'apps', '--secret-store', 'v'])).toEqual(['vault']);
    expect(bashComplete(file, ['platform-kit', 'approve', '--dir', 'STORY-X', 'STORY-BOOT-T'])).toEqual([
      'STORY-BOOT-TALOS',
    ]);
  });

  it('--dir completes folders; --cluster asks platform-kit for the cluster names of --dir', async () => {
    const base = tmpDir('cpc-conv-dir-');
    fs.mkdirSync(path.join(base, 'repo-one'));
    fs.mkdirSync(path.join(base, 'repo-two'));
    fs.writeFileSync(path.join(base, 'repo-file'), '');
    expect(bashComplete(file, ['platform-kit', 'check', '--dir', 'repo-'], {}, base).sort()).toEqual([
      'repo-one',
      'repo-two',
    ]);
    const repo = path.join(base, 'platform');
    const made = await runInProcess('create-platform-cluster', ['infra', 'apps', 'apps-dev', '--yes', '--dir', repo]);
    expect(made.status, made.stderr).toBe(0);
    const env = { PATH: `${binDir()}:${process.env.PATH}` };
    expect(
      bashComplete(
        file,
        ['platform-kit', 'approve', 'STORY-BOOT-TALOS', '--dir', repo, '--cluster', 'app'],
        env,
      ).sort(),
    ).toEqual(['apps', 'apps-dev']);
    expect(bashComplete(file, ['add-story', '--cluster', ''], env, repo).sort()).toEqual(['apps', 'apps-dev', 'infra']);
    // No platform.yaml there: nothing, and no error.
    expect(bashComplete(file, ['add-story', '--cluster', ''], env, base)).toEqual([]);
  });

  it('an unknown shell exits 2 naming the choices', async () => {
    const r = await kitInProcess(['completion', 'tcsh']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('completion tcsh: use bash, zsh, fish');
  });
});

describe('platform-kit completion zsh / fish (issue 16 item 5)', () => {
  it('zsh: the script parses and registers a completion function per bin', async () => {
    const zsh = await script('zsh');
    expect(zsh.split('\n')[0]).toBe('#compdef create-platform-cluster add-story platform-kit');
    for (const id of IDS) expect(zsh).toContain(id);
    if (!has('zsh')) return; // zsh is not installed: the text checks above are what can be checked
    const file = path.join(tmpDir('cpc-conv-zsh-'), '_platform-kit');
    fs.writeFileSync(file, zsh);
    expect(spawnSync('zsh', ['-n', file], { encoding: 'utf8' }).status).toBe(0);
    const r = spawnSync(
      'zsh',
      [
        '-c',
        `autoload -U compinit; compinit -u -D; source ${JSON.stringify(file)}; print -- $_comps[platform-kit] ` +
          `$_comps[add-story] $_comps[create-platform-cluster]`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('_cpc_platform_kit _cpc_add_story _cpc_create_platform_cluster');
  });

  it('fish: the script parses; fish completes subcommands, --format values and story ids with it', async () => {
    const fish = await script('fish');
    for (const id of IDS) expect(fish).toContain(id);
    if (!has('fish')) return; // fish is not installed: the text checks above are what can be checked
    const file = path.join(tmpDir('cpc-conv-fish-'), 'platform-kit.fish');
    fs.writeFileSync(file, fish);
    expect(spawnSync('fish', ['-n', file], { encoding: 'utf8' }).status).toBe(0);
    const complete = (line: string) => {
      const r = spawnSync('fish', ['-c', `source ${JSON.stringify(file)}; complete -C ${JSON.stringify(line)}`], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
    };
    expect(complete('platform-kit appr')).toEqual(['approve']);
    expect(complete('platform-kit plan --format ').sort()).toEqual([...PLAN_FORMATS].sort());
    expect(complete('add-story STORY-NET-CILIUM-G')).toEqual(IDS.filter((id) => id.startsWith('STORY-NET-CILIUM-G')));
  });
});
