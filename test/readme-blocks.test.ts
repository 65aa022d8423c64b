/**
 * The README cannot rot: every ```sh block of README.md is run as a reader would run it.
 *
 * Conventions (README.md follows them; a block that breaks one fails here with its line):
 * - The first two commands of the README are `npm ci && npm run reference` and `npm ci && npm test`. They are what CI
 *   runs, so they are not run again here: the test checks they are exactly those two and that both scripts exist.
 * - Every other ```sh block runs in a fresh temp folder T, from the empty folder T/work (holding a link `examples` to
 *   this repository's examples/, which the commands name as "inside this repository"): `--dir ../platform`,
 *   `../my-platform`, ... land in T, never in this checkout. The commands of one block run in order in the same T (a
 *   later one reads what an earlier one wrote); blocks share nothing.
 * - `create-platform-cluster`, `add-story` and `platform-kit` are this checkout's compiled CLIs (`node lib/cli/<name>.js`,
 *   compiled by the global setup), as is `node lib/cli/...`. Each command runs in bash (`set -o pipefail`) with stdin
 *   not a terminal and NO_COLOR set, so quoting, pipes and `&&` work as written.
 * - A command is a line that is not a comment, with `\` continuations joined. It must exit 0, unless its trailing
 *   comment starts with `# exit N` (an example of an error: it must exit N).
 * - A command whose trailing comment starts with `# needs a terminal` prompts: it is not run.
 * - Lines `# → TEXT` right after a command are its output: each TEXT must be a line of what it printed (stdout, then
 *   stderr; trimmed), in that order; `…` in TEXT stands for any characters.
 * - An HTML comment `<!-- readme-test: first: COMMAND -->` just above a block runs COMMAND before it (a block that
 *   continues from a repository the text already made, e.g. the Stories examples).
 * - A ```yaml block that is part of platform.yaml (all its top-level keys are platform.yaml fields) must pass the
 *   schema of those fields.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PlatformSchema } from '../src/model/schema';
import { ROOT, tmpDir } from './helpers/fs';

const README = path.join(ROOT, 'README.md');
const BINS = ['create-platform-cluster', 'add-story', 'platform-kit'] as const;

interface Command {
  /** 1-based line of README.md where the command starts. */
  line: number;
  text: string;
  exit: number;
  terminal: boolean;
  output: string[];
}

interface Block {
  line: number;
  lang: string;
  body: string[];
  first: string[];
}

/** The fenced blocks of a markdown text, with the `readme-test: first:` commands of the HTML comments above them. */
function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    // A fence may be indented (a block inside a list item): its lines lose that indentation.
    const open = /^( *)```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const indent = open[1].length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^ *```\s*$/.test(lines[i]); i++)
      body.push(lines[i].slice(Math.min(indent, lines[i].length - lines[i].trimStart().length)));
    const first: string[] = [];
    for (let j = start - 1; j >= 0 && /^ *<!--.*-->\s*$/.test(lines[j]); j--) {
      const m = /^ *<!--\s*readme-test:\s*first:\s*(.*?)\s*-->\s*$/.exec(lines[j]);
      if (m) first.unshift(m[1]);
    }
    out.push({ line: start + 1, lang: open[2], body, first });
  }
  return out;
}

/** The trailing comment of a shell line (an unquoted ` #`), or ''. */
function trailingComment(line: string): { code: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1])))
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
  }
  return { code: line.trimEnd(), comment: '' };
}

/** The commands of a ```sh block (see the conventions above). */
function commands(block: Block): Command[] {
  const out: Command[] = [];
  const { body } = block;
  for (let i = 0; i < body.length; i++) {
    const raw = body[i];
    const t = raw.trim();
    if (t === '') continue;
    if (t.startsWith('#')) {
      const expected = /^#\s*→\s?(.*)$/.exec(t);
      if (expected) {
        if (!out.length) throw new Error(`README.md:${block.line + 1 + i}: "# →" output line before any command`);
        out[out.length - 1].output.push(expected[1].trim());
      }
      continue;
    }
    const line = block.line + 1 + i;
    let { code, comment } = trailingComment(raw);
    const parts = [code];
    while (code.endsWith('\\') && i + 1 < body.length) {
      parts[parts.length - 1] = code.slice(0, -1).trimEnd();
      i++;
      ({ code, comment } = trailingComment(body[i]));
      parts.push(code.trim());
    }
    const exit = /^exit\s+(\d+)\b/.exec(comment);
    out.push({
      line,
      text: parts.join(' '),
      exit: exit ? Number(exit[1]) : 0,
      terminal: /^needs a terminal\b/.test(comment),
      output: [],
    });
  }
  return out;
}

/** `…` in an expected line stands for anything. */
function lineMatcher(expected: string): RegExp {
  return new RegExp(
    `^${expected
      .split('…')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

/** A folder of shims so that the bare command names run this checkout's CLIs. */
function shims(): string {
  const dir = tmpDir('cpc-readme-bin-');
  for (const bin of BINS) {
    const file = path.join(dir, bin);
    fs.writeFileSync(
      file,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(ROOT, 'lib', 'cli', `${bin}.js`))} "$@"\n`,
    );
    fs.chmodSync(file, 0o755);
  }
  return dir;
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

function run(text: string, cwd: string, bin: string): Ran {
  const script = `set -o pipefail\n${text.replace(/(^|[\s;&|(])node lib\/cli\//g, `$1node ${ROOT}/lib/cli/`)}`;
  const { CI: _ci, FORCE_COLOR: _fc, ...env } = process.env;
  const r = spawnSync('bash', ['-c', script], {
    cwd,
    input: '',
    encoding: 'utf8',
    env: { ...env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1' },
    timeout: 240_000,
  });
  return { status: r.status ?? -1, stdout: plain(r.stdout ?? ''), stderr: plain(r.stderr ?? '') };
}

/** Why a command's output does not show the README's `# →` lines, in order; undefined when it does. */
function outputMismatch(expected: string[], printed: string): string | undefined {
  const lines = printed.split('\n').map((l) => l.trim());
  let at = 0;
  for (const e of expected) {
    const re = lineMatcher(e);
    const found = lines.findIndex((l, k) => k >= at && re.test(l));
    if (found < 0)
      return `the README says it prints\n  ${e}\n${at ? '(after the lines before it) ' : ''}but it printed:\n${printed}`;
    at = found + 1;
  }
  return undefined;
}

const markdown = fs.readFileSync(README, 'utf8');
const all = blocks(markdown);
const sh = all.filter((b) => b.lang === 'sh');

describe('README.md: the shell blocks work as written', () => {
  it('readme: the first two commands are npm ci && npm run reference and npm ci && npm test (what CI runs), and both scripts exist', () => {
    const first = sh.slice(0, 2).flatMap((b) => commands(b).map((c) => c.text));
    expect(first).toEqual(['npm ci && npm run reference', 'npm ci && npm test']);
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['reference', 'test']));
  });

  const bin = shims();
  for (const block of sh.slice(2)) {
    it(`readme: the sh block at README.md:${block.line} runs as written`, () => {
      const t = tmpDir('cpc-readme-');
      const work = path.join(t, 'work');
      fs.mkdirSync(work);
      fs.symlinkSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), 'dir');
      const cmds = commands(block);
      expect(cmds.length, `README.md:${block.line}: a sh block without a command`).toBeGreaterThan(0);
      for (const setup of block.first) {
        const r = run(setup, work, bin);
        if (r.status !== 0)
          expect.fail(
            `README.md:${block.line}: its readme-test first command failed (exit ${r.status}): ${setup}\n${r.stderr || r.stdout}`,
          );
      }
      for (const c of cmds) {
        if (c.terminal) continue;
        const r = run(c.text, work, bin);
        if (r.status !== c.exit) {
          expect.fail(
            `README.md:${c.line}: exit ${r.status}, the README expects ` +
              `${c.exit}${c.exit ? ` ("# exit ${c.exit}")` : ''}:\n  ${c.text}\n${(r.stderr || r.stdout).trim().split('\n').slice(-12).join('\n')}`,
          );
        }
        const mismatch = c.output.length
          ? outputMismatch(c.output, `${r.stdout}${r.stdout.endsWith('\n') || !r.stdout ? '' : '\n'}${r.stderr}`)
          : undefined;
        if (mismatch) expect.fail(`README.md:${c.line}: ${c.text}\n${mismatch}`);
      }
    });
  }

  it('readme: every yaml block that is part of platform.yaml passes the schema of its fields', () => {
    const shape = PlatformSchema.shape as Record<
      string,
      { safeParse: (v: unknown) => { success: boolean; error?: { message: string } } }
    >;
    let checked = 0;
    for (const b of all.filter((x) => x.lang === 'yaml')) {
      const value = parse(b.body.join('\n')) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
      const keys = Object.keys(value);
      if (!keys.length || !keys.every((k) => k in shape)) continue;
      for (const k of keys) {
        const r = shape[k].safeParse((value as Record<string, unknown>)[k]);
        expect(r.success, `README.md:${b.line}: ${k}: ${r.error?.message}`).toBe(true);
      }
      checked++;
    }
    expect(checked, 'the README shows a plan: block of platform.yaml').toBeGreaterThan(0);
  });
});

describe('readme-blocks: the conventions read as documented', () => {
  const md = [
    'text',
    '<!-- readme-test: first: create-platform-cluster infra --yes --dir ../platform -->',
    '```sh',
    '# a comment',
    'platform-kit check --dir ../platform   # exit 1: findings',
    '# → … errors',
    'add-story X \\',
    "  --title 'a # b' --dir ../platform",
    'create-platform-cluster --dir ../p   # needs a terminal: prompts',
    '```',
  ].join('\n');
  it('readme-blocks: commands, continuations, exit codes, terminal marks, output lines and first commands', () => {
    const [b] = blocks(md);
    expect(b).toMatchObject({ line: 3, lang: 'sh', first: ['create-platform-cluster infra --yes --dir ../platform'] });
    expect(commands(b)).toEqual([
      { line: 5, text: 'platform-kit check --dir ../platform', exit: 1, terminal: false, output: ['… errors'] },
      { line: 7, text: "add-story X --title 'a # b' --dir ../platform", exit: 0, terminal: false, output: [] },
      { line: 9, text: 'create-platform-cluster --dir ../p', exit: 0, terminal: true, output: [] },
    ]);
  });
  it('readme-blocks: output lines match in order, … for any characters', () => {
    expect(outputMismatch(['a…c', 'd'], 'abc\nx\nd\n')).toBeUndefined();
    expect(outputMismatch(['d', 'a…c'], 'abc\nx\nd\n')).toMatch(/the README says it prints\n {2}a…c/);
    expect(outputMismatch(['abc'], 'abcd\n')).toMatch(/abc/);
  });
});
