import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Line endings and encodings, decided in one place: compare what a person sees, write what the repository wants.
 *
 * - Renders are UTF-8 with LF. A file on disk is compared with its line endings normalised to LF, so a CRLF
 *   checkout (core.autocrlf=true, `eol=crlf`) of an untouched generated file is unchanged, not "edited".
 * - A file the tool rewrites keeps the ending it had; a new file gets the one git would check it out with
 *   (`.gitattributes` eol/text as `git check-attr` reports them, then core.autocrlf / core.eol).
 * - Merges run on LF text; the file's ending is restored afterwards.
 * - A file that is not valid UTF-8 is never decoded, compared or merged as text (decoding would put U+FFFD in
 *   place of its bytes): the plan keeps it and says so.
 */

export type Eol = 'lf' | 'crlf';

export interface FileText {
  /** The file as on disk, decoded as UTF-8 (equal to its bytes when utf8 is true). */
  raw: string;
  /** raw with every CRLF turned into LF: what the tool compares and merges. */
  text: string;
  /** The ending the file uses (CRLF when most of its line breaks are CRLF); undefined without line breaks. */
  eol?: Eol;
  /** False when the bytes are not valid UTF-8: raw and text are then not the file and must never be written. */
  utf8: boolean;
}

export const toLf = (s: string): string => (s.includes('\r\n') ? s.replace(/\r\n/g, '\n') : s);

/** LF text written with the given ending (lone CRs and existing CRLFs are left as they are). */
export function withEol(lfText: string, eol: Eol | undefined): string {
  return eol === 'crlf' ? lfText.replace(/\r?\n/g, '\r\n') : lfText;
}

/** The ending a text uses: CRLF when more of its line breaks are CRLF than bare LF. */
export function eolOf(s: string): Eol | undefined {
  const all = (s.match(/\n/g) ?? []).length;
  if (all === 0) return undefined;
  const crlf = (s.match(/\r\n/g) ?? []).length;
  return crlf * 2 > all ? 'crlf' : 'lf';
}

/** A file's bytes as the tool sees them. */
export function fileText(bytes: Buffer): FileText {
  const utf8 = isUtf8(bytes);
  const raw = bytes.toString('utf8');
  return { raw, text: toLf(raw), eol: eolOf(raw), utf8 };
}

/** The same view of a string that is known to be the file (in-memory readers in tests). */
export function stringText(raw: string): FileText {
  return { raw, text: toLf(raw), eol: eolOf(raw), utf8: true };
}

function isUtf8(b: Buffer): boolean {
  // node:buffer isUtf8 exists from Node 18.14; TextDecoder with fatal is the fallback.
  const fn = (require('node:buffer') as { isUtf8?: (b: Buffer) => boolean }).isUtf8;
  if (fn) return fn(b);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * False when git surely sees no work tree at dir: no `.git` (folder or file) in it or above it, and no GIT_DIR or
 * GIT_WORK_TREE naming one elsewhere. Then no git process is started (a scaffold into a fresh folder outside any
 * repository saves one); otherwise git decides.
 */
function mayBeInWorkTree(dir: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * The ending a NEW file gets at each path, as git would check it out. In a git work tree, `git check-attr` is the
 * authority (one batched call for all paths); outside one, the repository's root `.gitattributes` is read with the
 * same precedence for the simple patterns the tool writes. `pending` is a root .gitattributes the current plan is
 * about to write: it decides for the files written with it.
 */
export class EolPolicy {
  private readonly cache = new Map<string, Eol>();
  private config?: { autocrlf: string; eol: string };
  private gitTree?: boolean;

  constructor(
    private readonly root: string,
    private pending?: string,
  ) {}

  /** The .gitattributes the plan writes (or undefined when it keeps the one on disk). */
  setPending(text: string | undefined): void {
    this.pending = text;
    this.cache.clear();
  }

  /** Look up all paths at once (one git process), then eolFor answers from memory. */
  prepare(paths: string[]): void {
    const todo = paths.filter((p) => !this.cache.has(p));
    if (!todo.length) return;
    const attrs = this.pending === undefined && this.isGitTree() ? gitCheckAttr(this.root, todo) : undefined;
    const rules = attrs
      ? undefined
      : parseAttributes(this.pending ?? readIfFile(path.join(this.root, '.gitattributes')) ?? '');
    for (const p of todo) {
      const a = attrs?.get(p) ?? matchAttributes(rules!, p);
      this.cache.set(p, this.decide(a));
    }
  }

  eolFor(p: string): Eol {
    if (!this.cache.has(p)) this.prepare([p]);
    return this.cache.get(p)!;
  }

  private isGitTree(): boolean {
    if (this.gitTree === undefined) {
      const ask = fs.existsSync(this.root) && mayBeInWorkTree(this.root);
      const r = ask
        ? spawnSync('git', ['-C', this.root, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' })
        : undefined;
      this.gitTree = Boolean(r && !r.error && r.status === 0 && r.stdout.trim() === 'true');
    }
    return this.gitTree;
  }

  private gitConfig(): { autocrlf: string; eol: string } {
    if (!this.config) {
      const get = (key: string) => {
        if (!this.isGitTree()) return '';
        const r = spawnSync('git', ['-C', this.root, 'config', '--get', key], { encoding: 'utf8' });
        return r.status === 0 ? r.stdout.trim().toLowerCase() : '';
      };
      this.config = { autocrlf: get('core.autocrlf'), eol: get('core.eol') };
    }
    return this.config;
  }

  /** git's checkout conversion (gitattributes(5) "eol", git-config core.autocrlf / core.eol) for one path. */
  private decide(a: Attrs): Eol {
    if (a.text === 'unset') return 'lf'; // -text / binary: written as rendered
    if (a.eol === 'crlf' || a.eol === 'lf') return a.eol;
    const { autocrlf, eol } = this.gitConfig();
    const crlfByConfig =
      autocrlf === 'true' ||
      (autocrlf !== 'input' && eol === 'crlf') ||
      (autocrlf !== 'input' &&
        eol !== 'lf' &&
        eol !== 'crlf' &&
        process.platform === 'win32' &&
        (a.text === 'set' || a.text === 'auto'));
    if (a.text === 'set' || a.text === 'auto') return crlfByConfig ? 'crlf' : 'lf';
    // text unspecified: only core.autocrlf=true converts.
    return autocrlf === 'true' ? 'crlf' : 'lf';
  }
}

interface Attrs {
  text?: 'set' | 'unset' | 'auto';
  eol?: string;
}

function readIfFile(abs: string): string | undefined {
  try {
    return fs.readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/** `git check-attr -z --stdin text eol`: path -> attributes, or undefined when git cannot answer. */
function gitCheckAttr(root: string, paths: string[]): Map<string, Attrs> | undefined {
  const r = spawnSync('git', ['-C', root, 'check-attr', '-z', '--stdin', 'text', 'eol'], {
    input: paths.join('\0') + '\0',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) return undefined;
  const out = new Map<string, Attrs>();
  const f = r.stdout.split('\0');
  for (let i = 0; i + 2 < f.length; i += 3) {
    const [p, attr, value] = [f[i], f[i + 1], f[i + 2]];
    const a = out.get(p) ?? {};
    if (attr === 'text')
      a.text = value === 'set' ? 'set' : value === 'unset' ? 'unset' : value === 'auto' ? 'auto' : undefined;
    if (attr === 'eol' && value !== 'unspecified' && value !== 'unset') a.eol = value;
    out.set(p, a);
  }
  return out;
}

interface Rule {
  re: RegExp;
  attrs: Attrs;
}

/** Lines of a .gitattributes: pattern and the text/eol/binary attributes it sets (others are ignored). */
export function parseAttributes(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of toLf(text).split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [pattern, ...tokens] = t.split(/\s+/);
    const attrs: Attrs = {};
    for (const tok of tokens) {
      if (tok === 'text') attrs.text = 'set';
      else if (tok === '-text' || tok === 'binary') attrs.text = 'unset';
      else if (tok === 'text=auto') attrs.text = 'auto';
      else if (tok.startsWith('eol=')) attrs.eol = tok.slice(4);
    }
    rules.push({ re: globToRegExp(pattern), attrs });
  }
  return rules;
}

/** Later lines override earlier ones, attribute by attribute (gitattributes(5)). */
function matchAttributes(rules: Rule[], p: string): Attrs {
  const out: Attrs = {};
  for (const r of rules) {
    if (!r.re.test(p)) continue;
    if (r.attrs.text !== undefined) out.text = r.attrs.text;
    if (r.attrs.eol !== undefined) out.eol = r.attrs.eol;
  }
  return out;
}

/** A pattern without a slash matches the file name at any depth; with one, the path from the root. */
function globToRegExp(pattern: string): RegExp {
  const anchored = pattern.replace(/^\//, '').includes('/');
  const body = pattern
    .replace(/^\//, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((s) =>
      s === '**/'
        ? '(?:.*/)?'
        : s === '**'
          ? '.*'
          : s === '*'
            ? '[^/]*'
            : s === '?'
              ? '[^/]'
              : s.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`);
}
