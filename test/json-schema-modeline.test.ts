import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PLATFORM_JSON_SCHEMA_FILE } from '../src/model/json-schema';
import { SCHEMA_MODELINE, withSchemaModeline } from '../src/model/platform-file';
import { ROOT, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/**
 * platform.yaml starts with `# yaml-language-server: $schema=<ref>`, so editors with the YAML language server (VS Code,
 * Neovim, Helix, JetBrains' LSP clients) complete and check it. The line is written by every command that writes the
 * file, exactly once, and a person's own comments at the top stay.
 */
const MODELINE = /^[ \t]*#[ \t]*yaml-language-server[ \t]*:.*\$schema=(\S+)/gm;
const modelines = (text: string) => [...text.matchAll(MODELINE)].map((m) => m[1]);
const platformOf = (dir: string) => fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8');

async function created(): Promise<string> {
  const dir = path.join(tmpDir('cpc-modeline-'), 'platform');
  const r = await runInProcess('create-platform-cluster', ['infra', '--yes', '--dir', dir]);
  expect(r.status, r.stderr).toBe(0);
  return dir;
}

describe('the schema line of platform.yaml', () => {
  it('modeline: on line 1 after create, after add-story, after regenerate, exactly once', async () => {
    const dir = await created();
    expect(platformOf(dir).split('\n')[0]).toBe(SCHEMA_MODELINE);
    expect(modelines(platformOf(dir))).toHaveLength(1);

    const add = await runInProcess('add-story', ['STORY-NET-CILIUM-IPAM', '--dir', dir]);
    expect(add.status, add.stderr).toBe(0);
    expect(platformOf(dir).split('\n')[0]).toBe(SCHEMA_MODELINE);
    expect(modelines(platformOf(dir))).toHaveLength(1);

    const more = await runInProcess('create-platform-cluster', ['apps', '--role', 'apps', '--yes', '--dir', dir]);
    expect(more.status, more.stderr).toBe(0);
    const regen = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(regen.status, regen.stderr).toBe(0);
    expect(platformOf(dir).split('\n')[0]).toBe(SCHEMA_MODELINE);
    expect(modelines(platformOf(dir))).toHaveLength(1);
    expect((await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir])).status).toBe(0);
  });

  it("modeline: a file without it (written before the tool had it) gets it on regenerate; a person's first-line comment stays below it", async () => {
    const dir = await created();
    const file = path.join(dir, 'platform.yaml');
    const mine = '# platform of team blue: ask #platform before changing networks';
    const old = platformOf(dir).split('\n').slice(1).join('\n');
    fs.writeFileSync(file, `${mine}\n${old}`);
    expect(modelines(platformOf(dir))).toHaveLength(0);
    // Missing, it is drift: the CI's regenerate --check says so, regenerate writes it back.
    expect((await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir])).status).toBe(1);
    const r = await runInProcess('platform-kit', ['regenerate', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(platformOf(dir)).toBe(`${SCHEMA_MODELINE}\n${mine}\n${old}`);
    // And a story added after that keeps both, once each.
    expect((await runInProcess('add-story', ['STORY-NET-CILIUM-IPAM', '--dir', dir])).status).toBe(0);
    const lines = platformOf(dir).split('\n');
    expect(lines.slice(0, 2)).toEqual([SCHEMA_MODELINE, mine]);
    expect(modelines(platformOf(dir))).toHaveLength(1);
  });

  it("modeline: a person's own schema line (another ref, below their comment) is kept where it is and not doubled", async () => {
    const dir = await created();
    const file = path.join(dir, 'platform.yaml');
    const theirs = '# yaml-language-server: $schema=https://schemas.example.com/platform.schema.json';
    const rest = platformOf(dir).split('\n').slice(1).join('\n');
    const text = `# our notes first\n${theirs}\n${rest}`;
    fs.writeFileSync(file, text);
    expect((await runInProcess('platform-kit', ['regenerate', '--check', '--dir', dir])).status).toBe(0);
    expect((await runInProcess('add-story', ['STORY-NET-CILIUM-IPAM', '--dir', dir])).status).toBe(0);
    const after = platformOf(dir);
    expect(after.split('\n').slice(0, 2)).toEqual(['# our notes first', theirs]);
    expect(modelines(after)).toEqual(['https://schemas.example.com/platform.schema.json']);
  });

  it('modeline: withSchemaModeline adds the line once and leaves a text that has one as it is', () => {
    const body = 'apiVersion: x\n';
    const once = withSchemaModeline(body);
    expect(once).toBe(`${SCHEMA_MODELINE}\n${body}`);
    expect(withSchemaModeline(once)).toBe(once);
    const spaced = `#   yaml-language-server:   $schema=../other.json\n${body}`;
    expect(withSchemaModeline(spaced)).toBe(spaced);
  });

  it('modeline: the ref resolves, from platform.yaml, to the schema the package ships once the repository installs the tool', async () => {
    const dir = await created();
    const [ref] = modelines(platformOf(dir));
    // What `npm ci` in the generated repository makes: node_modules/<package name> (here: this checkout).
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(dir, 'node_modules', pkg.name), 'dir');
    const resolved = path.resolve(dir, ref);
    expect(fs.realpathSync(resolved)).toBe(fs.realpathSync(path.join(ROOT, PLATFORM_JSON_SCHEMA_FILE)));
    const ajv = new Ajv({ strict: true });
    ajv.addKeyword('patternErrorMessage');
    const validate = ajv.compile(JSON.parse(fs.readFileSync(resolved, 'utf8')));
    expect(validate(parse(platformOf(dir))), JSON.stringify(validate.errors)).toBe(true);
  });
});
