import * as fs from 'node:fs';
import * as path from 'node:path';
import { toLf } from './eol';
import Handlebars from 'handlebars/runtime';
import { UsageError } from './errors';
import { COMPILE_OPTIONS, precompiledModuleText, precompiledTemplates, PRECOMPILED_FILE, templateHash } from './precompiled';
import { OVERRIDES_DIR } from './paths';
import { quoteScalar, toYaml, yamlProblem } from './yaml';

/** Root of the package's built-in templates (same relative place from src/ and lib/). */
export const BUILTIN_TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');

type Compiled = Handlebars.TemplateDelegate;


interface Loaded {
  fn: Compiled;
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
  if (p.alias !== undefined) return `the YAML it renders uses an alias (*${p.alias}, line ${p.line}); write the value out where it is used`;
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

  /**
   * @param roots template folders, first match wins (repo overrides first, then the built-in templates)
   * @param usePrecompiled take built-in templates from precompiled/templates.cjs where it matches (default true)
   */
  constructor(
    private readonly roots: string[] = [BUILTIN_TEMPLATES],
    private readonly usePrecompiled = true,
  ) {}

  private load(name: string): Loaded {
    const hit = this.cache.get(name);
    if (hit) return hit;
    for (const root of this.roots) {
      const file = path.join(root, name);
      if (fs.existsSync(file)) {
        const override = root === BUILTIN_TEMPLATES ? undefined : overrideName(root, name);
        if (override && fs.statSync(file).isDirectory()) throw overrideError(override, 'a folder where a template file belongs');
        // An override checked out with CRLF (core.autocrlf) renders LF like the built-in templates (core/eol.ts).
        const text = override ? toLf(fs.readFileSync(file, 'utf8')) : fs.readFileSync(file, 'utf8');
        const pre = root === BUILTIN_TEMPLATES && this.usePrecompiled ? precompiledTemplates()?.[name] : undefined;
        const fn = pre && pre.hash === templateHash(text) ? this.hb.template(pre.spec) : (this.compiler ??= makeEngine(true)).compile(text, COMPILE_OPTIONS);
        // Built-in templates are covered by the test suite, which parses and kustomize-builds every output of
        // them; parsing each of their renders again at run time was a third of a scaffold's time. Templates
        // from anywhere else (repo overrides) are parsed after every render.
        const entry: Loaded = { fn, checked: root !== BUILTIN_TEMPLATES, override };
        this.cache.set(name, entry);
        return entry;
      }
    }
    throw new Error(`template not found: ${name} (looked in ${this.roots.join(', ')})`);
  }

  /** Template files directly inside a template folder (union over the roots), sorted; [] when it does not exist. */
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

  /** A template's text as written, before rendering (first root that has it). */
  source(name: string): string {
    for (const root of this.roots) {
      const file = path.join(root, name);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return fs.readFileSync(file, 'utf8');
    }
    throw new Error(`template not found: ${name} (looked in ${this.roots.join(', ')})`);
  }

  exists(name: string): boolean {
    return this.roots.some((root) => fs.existsSync(path.join(root, name)));
  }

  private entries(dir: string, keep: (e: fs.Dirent) => boolean): string[] {
    const names = new Set<string>();
    for (const root of this.roots) {
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of list) if (keep(e)) names.add(e.name);
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
  return path.basename(root) === 'templates' && path.basename(path.dirname(root)) === '.platform' ? `${OVERRIDES_DIR}/${name}` : name;
}

/** A template override that cannot be rendered: its name, the first line of why, and the rest (a parse error's excerpt). */
function overrideError(shown: string, reason: string): UsageError {
  const [first, ...rest] = reason.split('\n').filter((l) => l.trim() !== '');
  return new UsageError(`template ${shown}: ${first}`, [...rest, 'fix the template override, or delete it to render the built-in template again; nothing was written']);
}

/** Rewrite precompiled/templates.cjs from the built-in templates; returns the file and the number of templates. */
export function writePrecompiledTemplates(): { file: string; count: number } {
  const { text, count } = precompiledModuleText(BUILTIN_TEMPLATES);
  fs.mkdirSync(path.dirname(PRECOMPILED_FILE), { recursive: true });
  fs.writeFileSync(PRECOMPILED_FILE, text);
  return { file: PRECOMPILED_FILE, count };
}
