import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars/runtime';
import { toLf } from './eol';
import { UsageError } from './errors';
import { OVERRIDES_DIR } from './paths';
import {
  COMPILE_OPTIONS,
  type PrecompiledTemplates,
  precompiledTemplates,
  TEMPLATE_SUFFIX,
  type TemplatePack,
  templatePack,
} from './precompiled';
import { quoteScalar, toYaml, yamlProblem } from './yaml';

/** Root of the package's built-in templates (same relative place from src/ and lib/). */
export const BUILTIN_TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');

interface Loaded {
  /** The file's text: rendered with the data (a `.hbs` template) or the file as it is (any other file). */
  fn: (data: object) => string;
  /** Its YAML output is parsed after every render (templates not from the package). */
  checked: boolean;
  /** How errors name a template that is not one of the package's: `.platform/templates/<name>` for a repo override. */
  override?: string;
}

/**
 * Why the YAML a template rendered cannot be written: a syntax error or a duplicate key, or an alias (the tool
 * writes every value out, and an alias could expand into a YAML bomb where the files are read). Undefined when fine.
 */
function renderedYamlProblem(out: string): string | undefined {
  const p = yamlProblem(out);
  if (!p) return undefined;
  if (p.alias !== undefined)
    return `the YAML it renders uses an alias (*${p.alias}, line ${p.line}); write the value out where it is used`;
  return `the YAML it renders does not parse: line ${p.line}: ${p.message}`;
}

function indentBlock(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => (l.length ? pad + l : l))
    .join('\n');
}

/**
 * An engine with our helpers: the Handlebars runtime alone (enough for precompiled templates), or, when a
 * template has to be compiled here (a repo override, an edited template), the full Handlebars with its compiler.
 */
function makeEngine(full = false): typeof Handlebars {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hb = full ? (require('handlebars') as typeof Handlebars).create() : Handlebars.create();
  // {{q value}}: a YAML-safe scalar; every interpolated value in a template goes through it.
  // Strict mode does not cover helper arguments, so a missing value is caught here instead of rendering "null".
  hb.registerHelper('q', (v: unknown, options: Handlebars.HelperOptions & { loc?: { start: { line: number } } }) => {
    if (v === undefined) throw new Error(`a value passed to q is missing (line ${options?.loc?.start.line ?? '?'})`);
    return quoteScalar(v);
  });
  // {{yaml value indent}}: block YAML of structured data, indented to sit under a key.
  hb.registerHelper('yaml', (v: unknown, spaces: unknown) => {
    const n = typeof spaces === 'number' ? spaces : 0;
    return indentBlock(toYaml(v).trimEnd(), n).trimStart();
  });
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('includes', (list: unknown, v: unknown) => Array.isArray(list) && list.includes(v));
  return hb;
}

/**
 * Renders Handlebars templates from a list of roots (repo-local overrides first, then built-in),
 * each compiled once per renderer with noEscape and strict data.
 */
export class TemplateRenderer {
  private readonly hb = makeEngine();
  private compiler?: typeof Handlebars;
  private readonly cache = new Map<string, Loaded>();
  private readonly folders: Folders;

  /**
   * @param roots template folders, first match wins (repo overrides first, then the built-in templates)
   * @param precompiled the built-in `.hbs` templates compiled ahead of time (default: the build's lib/built/templates.cjs,
   *   absent when running from src/); false compiles every template at run time
   */
  constructor(
    private readonly roots: string[] = [BUILTIN_TEMPLATES],
    private readonly precompiled: PrecompiledTemplates | false | undefined = precompiledTemplates(),
    /** the built-in template folder as the build packed it (default: lib/built/templates.json); false reads the folder */
    private readonly pack: TemplatePack | false | undefined = templatePack(),
  ) {
    this.folders = new Folders(pack || undefined);
  }

  /**
   * A template by its output name: `<name>.hbs` is rendered, `<name>` is copied as it is; the first root that has
   * either wins (an override of either kind shadows the built-in file of either kind).
   */
  private load(name: string): Loaded {
    const hit = this.cache.get(name);
    if (hit) return hit;
    for (const root of this.roots) {
      const found = templateFileIn(root, name, this.folders);
      if (!found) continue;
      const override = root === BUILTIN_TEMPLATES ? undefined : overrideName(root, found.rel);
      if (override && fs.statSync(found.file).isDirectory())
        throw overrideError(override, 'a folder where a template file belongs');
      // An override checked out with CRLF (core.autocrlf) renders LF like the built-in templates (core/eol.ts).
      const packed = !override && this.pack ? this.pack.copied[found.rel] : undefined;
      const read = () =>
        override ? toLf(fs.readFileSync(found.file, 'utf8')) : (packed ?? fs.readFileSync(found.file, 'utf8'));
      // Built-in templates are covered by the test suite, which parses and kustomize-builds every output of
      // them; parsing each of their renders again at run time was a third of a scaffold's time. Templates
      // from anywhere else (repo overrides) are parsed after every render.
      const fn = found.render ? this.compiled(root, name, read) : constant(read());
      const entry: Loaded = { fn, checked: root !== BUILTIN_TEMPLATES, override };
      this.cache.set(name, entry);
      return entry;
    }
    throw new Error(`template not found: ${name} (looked in ${this.roots.join(', ')})`);
  }

  /**
   * A `.hbs` template's function: precompiled by the build for a built-in one when there is one (its text is then
   * not read), else compiled here.
   */
  private compiled(root: string, name: string, text: () => string): (data: object) => string {
    const spec = root === BUILTIN_TEMPLATES && this.precompiled ? this.precompiled[name] : undefined;
    return spec ? this.hb.template(spec) : (this.compiler ??= makeEngine(true)).compile(text(), COMPILE_OPTIONS);
  }

  /** Output names of the template files directly inside a template folder (union over the roots), sorted; [] when none. */
  files(dir: string): string[] {
    return this.entries(dir, (e) => e.isFile());
  }

  /** Sub-folders of a template folder (union over the roots), sorted. */
  dirs(dir: string): string[] {
    return this.entries(dir, (e) => e.isDirectory());
  }

  /** Every template file under a folder, recursively, as paths relative to it. */
  walk(dir: string): string[] {
    const out = this.files(dir);
    for (const d of this.dirs(dir)) out.push(...this.walk(`${dir}/${d}`).map((f) => `${d}/${f}`));
    return out.sort();
  }

  /** A template's text as written, before rendering (first root that has it, as `<name>.hbs` or `<name>`). */
  source(name: string): string {
    for (const root of this.roots) {
      const found = templateFileIn(root, name, this.folders);
      if (found && fs.statSync(found.file).isFile()) return fs.readFileSync(found.file, 'utf8');
    }
    throw new Error(`template not found: ${name} (looked in ${this.roots.join(', ')})`);
  }

  /** Whether a root has the template (as `<name>.hbs` or `<name>`) or a folder of that name. */
  exists(name: string): boolean {
    return this.roots.some(
      (root) =>
        this.folders.exists(path.join(root, name)) || this.folders.exists(path.join(root, name + TEMPLATE_SUFFIX)),
    );
  }

  private entries(dir: string, keep: (e: Entry) => boolean): string[] {
    const names = new Set<string>();
    for (const root of this.roots) {
      const list = this.folders.list(path.join(root, dir));
      if (!list) continue;
      // Listed by output name: `helmrelease.yaml.hbs` is the template of `helmrelease.yaml`.
      for (const e of list) if (keep(e)) names.add(e.isFile() ? outputName(e.name) : e.name);
    }
    return [...names].sort();
  }

  /**
   * Render a template. YAML outputs of templates from outside the package (repo overrides) are parsed before
   * they are returned, so a broken override never reaches disk. A template of the package that fails is a bug of
   * the tool (a plain Error); an override that fails (a Handlebars syntax error, a value or partial that does not
   * exist, output that is not YAML or holds an alias) is bad input, a UsageError naming it.
   */
  render(name: string, data: object): string {
    let out: string;
    const t = this.load(name);
    try {
      out = t.fn(data);
    } catch (e) {
      if (t.override) throw overrideError(t.override, (e as Error).message);
      throw new Error(`template ${name}: ${(e as Error).message}`);
    }
    if (t.checked && /\.ya?ml(\.hbs)?$/.test(name)) {
      const problem = renderedYamlProblem(out);
      if (problem) throw overrideError(t.override ?? name, problem);
    }
    return out.endsWith('\n') ? out : out + '\n';
  }
}

/** How errors name a template that is not the package's: `.platform/templates/<name>` in a repository, else its name. */
function overrideName(root: string, name: string): string {
  return path.basename(root) === 'templates' && path.basename(path.dirname(root)) === '.platform'
    ? `${OVERRIDES_DIR}/${name}`
    : name;
}

/** A template override that cannot be rendered: its name, the first line of why, and the rest (a parse error's excerpt). */
function overrideError(shown: string, reason: string): UsageError {
  const [first, ...rest] = reason.split('\n').filter((l) => l.trim() !== '');
  return new UsageError(`template ${shown}: ${first}`, [
    ...rest,
    'fix the template override, or delete it to render the built-in template again; nothing was written',
  ]);
}

/** The output name of a template file: without its `.hbs` suffix (a file without one is copied under its own name). */
export function outputName(file: string): string {
  return file.endsWith(TEMPLATE_SUFFIX) ? file.slice(0, -TEMPLATE_SUFFIX.length) : file;
}

/**
 * The file of a template in one root: `<name>.hbs` (rendered) or `<name>` (copied); undefined when neither exists.
 * A root holding both is refused: which one applies would be a guess.
 */
function templateFileIn(
  root: string,
  name: string,
  folders: Folders,
): { file: string; rel: string; render: boolean } | undefined {
  const hbs = path.join(root, name + TEMPLATE_SUFFIX);
  const plain = path.join(root, name);
  const hasHbs = folders.exists(hbs);
  const hasPlain = folders.exists(plain);
  if (hasHbs && hasPlain) {
    const shown = root === BUILTIN_TEMPLATES ? name : overrideName(root, name);
    throw new UsageError(
      `template ${shown}: both ${path.basename(name)} (copied) and ${path.basename(name)}${TEMPLATE_SUFFIX} (rendered) exist`,
      ['keep one of them; nothing was written'],
    );
  }
  if (hasHbs) return { file: hbs, rel: name + TEMPLATE_SUFFIX, render: true };
  if (hasPlain) return { file: plain, rel: name, render: false };
  return undefined;
}

const constant = (text: string) => () => text;

/** What the renderer asks of a folder's entry (an fs.Dirent, or one of the build's pack). */
type Entry = Pick<fs.Dirent, 'name' | 'isFile' | 'isDirectory' | 'isSymbolicLink'>;

const packedEntry = (name: string, isDir: boolean): Entry => ({
  name,
  isFile: () => !isDir,
  isDirectory: () => isDir,
  isSymbolicLink: () => false,
});
const BUILTIN_PREFIX = BUILTIN_TEMPLATES + path.sep;

/**
 * The built-in template folders' listings, each read once per renderer: a scaffold asks ~250 times for a folder's
 * entries and ~400 times whether a template file exists, over a few dozen folders of the package, which does not
 * change while the tool runs. Folders of other roots (a repository's overrides, a test's) are read at each call.
 * `exists` answers as fs.existsSync does (a link is followed; a folder that cannot be listed for another reason than
 * being absent is asked directly).
 */
class Folders {
  private readonly listed = new Map<string, Map<string, Entry> | 'absent' | 'unreadable'>();

  /** @param pack the built-in folder's listings as the build packed them (then the folder is not read) */
  constructor(private readonly pack?: TemplatePack) {}

  private read(dir: string): Map<string, Entry> | 'absent' | 'unreadable' {
    const builtin = dir === BUILTIN_TEMPLATES || dir.startsWith(BUILTIN_PREFIX);
    let hit = builtin ? this.listed.get(dir) : undefined;
    if (hit === undefined) {
      if (builtin && this.pack) {
        const rel = dir === BUILTIN_TEMPLATES ? '' : dir.slice(BUILTIN_PREFIX.length).split(path.sep).join('/');
        const entries = this.pack.dirs[rel];
        hit = entries ? new Map(entries.map(([name, isDir]) => [name, packedEntry(name, isDir)])) : 'absent';
      } else {
        try {
          hit = new Map(fs.readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e]));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          hit = code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'unreadable';
        }
      }
      if (builtin) this.listed.set(dir, hit);
    }
    return hit;
  }

  /** The entries of a folder, undefined when it cannot be listed. */
  list(dir: string): Entry[] | undefined {
    const hit = this.read(dir);
    return typeof hit === 'string' ? undefined : [...hit.values()];
  }

  exists(file: string): boolean {
    const hit = this.read(path.dirname(file));
    if (hit === 'absent') return false;
    if (hit === 'unreadable') return fs.existsSync(file);
    const e = hit.get(path.basename(file));
    return e !== undefined && (!e.isSymbolicLink() || fs.existsSync(file));
  }
}
