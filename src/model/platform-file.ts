import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isNode, isScalar, isSeq, type LineCounter, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { toLf } from '../core/eol';
import { UsageError } from '../core/errors';
import { readStrictYaml } from '../core/yaml';
import { GENERATOR_VERSION } from '../version';
import type { Problem } from './problem';
import {
  ClusterSchema,
  type ClusterSpec,
  type CustomStory,
  PlatformSchema,
  type PlatformSpec,
  STORY_ID,
  StorySchema,
  type StoryState,
} from './schema';
import { validatePlatform } from './validate';

export const PLATFORM_FILE = 'platform.yaml';

/**
 * Where platform.yaml's editors find its JSON Schema: the copy shipped in the package (schemas/platform.schema.json),
 * installed in the repository's node_modules by its package.json (the tool pinned as a dev dependency). A path
 * relative to platform.yaml (yaml-language-server resolves it from the file's folder): it works offline, and it is
 * always the schema of the version the repository pins, unlike a URL (none is published, and `@latest` would
 * disagree with an older pin). Before `npm ci` an editor just has no schema.
 */
export const SCHEMA_REF = './node_modules/create-platform-cluster/schemas/platform.schema.json';
export const SCHEMA_MODELINE = `# yaml-language-server: $schema=${SCHEMA_REF}`;
/** A yaml-language-server schema line, whatever schema it names (a person may point it elsewhere). */
const ANY_SCHEMA_MODELINE = /^[ \t]*#[ \t]*yaml-language-server[ \t]*:.*\$schema=/m;

/**
 * The text with the schema line on top when it has none. A file that already has one (the tool's, or one a person
 * pointed at another schema, on any line) is returned as it is: the line is never doubled, never moved, and the
 * comments a person wrote at the top stay, below it.
 */
export function withSchemaModeline(text: string): string {
  if (ANY_SCHEMA_MODELINE.test(text)) return text;
  const bom = text.startsWith('\ufeff') ? '\ufeff' : '';
  return `${bom}${SCHEMA_MODELINE}\n${text.slice(bom.length)}`;
}

/**
 * platform.yaml as a YAML Document (comments and order kept) and its model. The document is the only state: every
 * change goes through edit(), and `spec` is derived from the document again after it (once, when next read), so the
 * two can never disagree. The model is the schema's reading of the document (its defaults filled in); a document
 * the schema refuses (an edit with a bad value, found by validatePlatform next) is read as it is.
 */
export class PlatformFile {
  private derived: PlatformSpec | undefined;

  /**
   * @param doc the document; change it only through edit().
   * @param spec its model when the caller already has it (parsePlatform: the schema's result), else derived.
   * @param source the exact text read from disk (null: there was no file; undefined: built in memory). The commit
   *   replaces platform.yaml only while it still holds this text, so a line saved since the read is never lost.
   */
  constructor(
    readonly doc: Document,
    spec?: PlatformSpec,
    readonly source?: string | null,
  ) {
    this.derived = spec;
  }

  get spec(): PlatformSpec {
    this.derived ??= specOf(this.doc);
    return this.derived;
  }

  /** Change the document (Document API: comments and key order elsewhere survive); the model follows. */
  edit<T>(change: (doc: Document) => T): T {
    try {
      return change(this.doc);
    } finally {
      this.derived = undefined;
    }
  }

  /**
   * Change one cluster or one story of the document and nothing else: only that entry of the model is read again
   * (by the schema of a cluster or a story), so recording forty stories one by one does not read the whole file
   * forty times. An entry the schema refuses leaves the whole model to be derived again.
   */
  editEntry<T>(at: ['clusters' | 'stories', string], change: (doc: Document) => T): T {
    const before = this.derived;
    try {
      return change(this.doc);
    } finally {
      this.derived = before && entryChanged(before, this.doc, at);
    }
  }

  /**
   * Add settings (keys the cluster does not have) to one cluster: the model takes them as they are, without reading
   * the cluster again (a scaffold adds settings ~70 times, and each read of a cluster went through its whole schema).
   */
  editSettings<T>(cluster: string, added: Record<string, string>, change: (doc: Document) => T): T {
    const before = this.derived;
    if (!before || Object.keys(added).some((k) => k in (before.clusters[cluster]?.settings ?? {})))
      return this.editEntry(['clusters', cluster], change);
    let done = false;
    try {
      const out = change(this.doc);
      done = true;
      return out;
    } finally {
      // a change that threw part of the way: the entry is read again from what the document holds
      this.derived =
        (done ? settingsAdded(before, cluster, added) : undefined) ??
        entryChanged(before, this.doc, ['clusters', cluster]);
    }
  }
}

/**
 * The model after settings were added to a cluster: the schema reads a cluster's settings as a record of strings, so
 * its reading of the changed entry is the entry with those keys after the others (the document's order). Undefined
 * (read the entry again) when a value is not a string or the cluster is not in the model.
 */
function settingsAdded(spec: PlatformSpec, cluster: string, added: Record<string, string>): PlatformSpec | undefined {
  const entry = spec.clusters[cluster];
  if (!entry || Object.values(added).some((v) => typeof v !== 'string')) return undefined;
  const clusters = { ...spec.clusters, [cluster]: { ...entry, settings: { ...entry.settings, ...added } } };
  return { ...spec, clusters };
}

/** The model with one entry read again from the document; undefined (derive it all) when the schema refuses it. */
function entryChanged(
  spec: PlatformSpec,
  doc: Document,
  [map, name]: ['clusters' | 'stories', string],
): PlatformSpec | undefined {
  const node = doc.getIn([map, name]);
  const entries: Record<string, unknown> = { ...spec[map] };
  if (node === undefined) delete entries[name];
  else {
    if (map === 'stories' && !STORY_ID.test(name)) return undefined;
    const value: unknown = isNode(node) ? node.toJS(doc, { maxAliasCount: 0 }) : node;
    const parsed = (map === 'clusters' ? ClusterSchema : StorySchema).safeParse(value);
    if (!parsed.success) return undefined;
    entries[name] = parsed.data;
  }
  return { ...spec, [map]: entries } as PlatformSpec;
}

/** The model of a document: the schema's reading, or (refused by the schema) the data with the schema's defaults. */
function specOf(doc: Document): PlatformSpec {
  const raw = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>;
  const parsed = PlatformSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const clusters = (raw.clusters ?? {}) as Record<string, Record<string, unknown>>;
  for (const c of Object.values(clusters)) if (c && typeof c === 'object') c.settings ??= {};
  return { ...raw, clusters, stories: raw.stories ?? {} } as PlatformSpec;
}

/** The line of a field: the line of its key when it is a map entry (a block value starts below it), else of its node. */
function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const last = path[n - 1];
    if (n > 0 && typeof last === 'string') {
      const line = keyLine(doc, lc, path.slice(0, n - 1), last);
      if (line !== undefined) return line;
    }
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function dotted(path: (string | number | symbol)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + String(p))).join('');
}

/** The line of a key itself in the map at `path` (an unknown key is reported where it is written). */
function keyLine(doc: Document, lc: LineCounter, path: (string | number)[], key: string): number | undefined {
  const map = path.length ? doc.getIn(path, true) : doc.contents;
  if (!isMap(map)) return undefined;
  const pair = map.items.find((it) => isScalar(it.key) && String(it.key.value) === key);
  const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/**
 * Parse, schema-check and validate platform.yaml text; every error names the file, line and field path. `source`
 * is the text as read from disk (see PlatformFile), when it differs from `text` (a CRLF file read as LF).
 */
export function parsePlatform(text: string, file = PLATFORM_FILE, source?: string | null): PlatformFile {
  const { pf, lc } = readPlatform(text, file, source);
  const problems = validatePlatform(pf.spec);
  if (problems.length) throw problemsError(problems, file, pf.doc, lc);
  return pf;
}

/**
 * Parse and schema-check platform.yaml text, without the whole-model validation: for a text this command generated
 * from a model it validated already (the platform.yaml of a plan, commands/outcome.ts).
 */
export function readPlatform(
  text: string,
  file = PLATFORM_FILE,
  source?: string | null,
): { pf: PlatformFile; lc: LineCounter } {
  // The tool's one strict reader (core/yaml.ts): a duplicate key is an error, and the first alias is found.
  const { doc, lc, errors, alias } = readStrictYaml(text);
  if (errors.length)
    throw new UsageError(
      `${file} is not valid YAML`,
      errors.slice(0, 5).map((e) => `${file}:${e.line}: ${e.message}`),
    );
  if (doc.contents === null) {
    const expected = 'expected the platform: apiVersion, kind, generator, clusters and stories (restore it from git)';
    throw new UsageError(`${file} is empty`, [`${file}:1: (root): ${expected}`]);
  }
  // platform.yaml takes no alias: a value is written out where it is used, so every field reads as it is, and no
  // alias can expand into a YAML bomb.
  if (alias) {
    const where = `${file}:${alias.line}: ${dotted(alias.path) || '(root)'}`;
    throw new UsageError(`${file} uses a YAML alias`, [
      `${where}: alias *${alias.source} is not supported in ${file}; write the value out where it is used`,
    ]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new UsageError(`${file} cannot be read`, [(e as Error).message]);
  }
  const parsed = PlatformSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${file} does not match the schema`,
      parsed.error.issues.map((i) => {
        const path = i.path as (string | number)[];
        if (i.code === 'unrecognized_keys') {
          const keys = (i as { keys: string[] }).keys;
          const line = keyLine(doc, lc, path, keys[0]) ?? lineOf(doc, lc, path);
          const merge = keys.includes('<<') ? '; merge keys (<<) are not supported, write the fields out' : '';
          return `${file}:${line ?? 1}: ${dotted(path) || '(root)'}: ${i.message} (${keys.join(', ')})${merge}`;
        }
        const line = lineOf(doc, lc, path);
        // A bad map key (a story id, a sprint number): say what the key should look like, not only that it is bad.
        const why =
          i.code === 'invalid_key'
            ? ((i as { issues?: { message: string }[] }).issues ?? []).map((x) => `: ${x.message}`).join('')
            : '';
        return `${file}:${line ?? 1}: ${dotted(path) || '(root)'}: ${i.message}${why}`;
      }),
    );
  }
  return { pf: new PlatformFile(doc, parsed.data, source), lc };
}

function pathOf(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^(.*?)\[(\d+)\]$/.exec(part);
    if (m) out.push(m[1], Number(m[2]));
    else out.push(part);
  }
  return out;
}

/**
 * A problem's dotted field as a path in the document, matching map keys as written: a key may itself hold a dot or
 * a bracket (a hand-written cluster name such as `../apps`), so the longest key that fits is taken at each level.
 */
function pathIn(doc: Document, field: string): (string | number)[] {
  const out: (string | number)[] = [];
  let node: unknown = doc.contents;
  let rest = field;
  while (rest) {
    if (isSeq(node)) {
      const m = /^\[(\d+)\]\.?/.exec(rest);
      if (!m) break;
      out.push(Number(m[1]));
      node = node.items[Number(m[1])];
      rest = rest.slice(m[0].length);
    } else if (isMap(node)) {
      const keys = node.items
        .flatMap((it) => (isScalar(it.key) ? [String(it.key.value)] : []))
        .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`));
      if (!keys.length) break;
      const k = keys.sort((a, b) => b.length - a.length)[0];
      out.push(k);
      node = node.get(k, true);
      rest = rest.slice(k.length).replace(/^\./, '');
    } else break;
  }
  return rest ? [...out, ...pathOf(rest)] : out;
}

export function problemsError(problems: Problem[], file?: string, doc?: Document, lc?: LineCounter): UsageError {
  return new UsageError(
    file ? `${file} is not valid` : 'invalid input',
    problems.map((p) => {
      const line = doc && lc ? lineOf(doc, lc, pathIn(doc, p.path)) : undefined;
      return `${file && line ? `${file}:${line}: ` : ''}${p.path}: ${p.message}`;
    }),
  );
}

/** A new, empty platform.yaml document; `source` as in PlatformFile (null: the repository has none). */
export function newPlatform(source?: null): PlatformFile {
  const spec: PlatformSpec = {
    apiVersion: 'platform.create-platform-cluster.dev/v1alpha1',
    kind: 'Platform',
    generator: { name: 'create-platform-cluster', version: GENERATOR_VERSION },
    clusters: {},
    stories: {},
  };
  const doc = new Document(spec);
  doc.commentBefore =
    ' The source of truth of this GitOps repository: clusters, their settings, and the stories on each.\n' +
    ' Edit it by hand or with create-platform-cluster / add-story / platform-kit; comments and order are kept.';
  return new PlatformFile(doc, spec, source);
}

/**
 * platform.yaml of a repository, or undefined when there is none. A CRLF checkout is read as LF (the plan compares
 * and writes line endings, core/eol.ts); the exact text read is kept as the file's `source` (compare-and-swap).
 * With `validate: false` only the YAML and the schema are checked: for a command that validates the platform after
 * its edit (commands/session.ts), so the whole model is validated once.
 */
export function loadPlatform(root: string, opts: { validate?: boolean } = {}): PlatformFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, PLATFORM_FILE), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR')
      throw new UsageError(
        `${PLATFORM_FILE} is a folder, not a file (in ${root}); move it aside or restore ${PLATFORM_FILE} from git (nothing was written)`,
      );
    throw e;
  }
  return opts.validate === false
    ? readPlatform(toLf(text), PLATFORM_FILE, text).pf
    : parsePlatform(toLf(text), PLATFORM_FILE, text);
}

/** Add (or replace) a cluster, and record this version as the file's writer. Edits pf and returns it. */
export function setCluster(pf: PlatformFile, name: string, cluster: ClusterSpec): PlatformFile {
  const { settings, ...rest } = cluster;
  const value = Object.keys(settings).length ? { ...rest, settings } : rest;
  pf.editEntry(['clusters', name], (doc) => {
    if (!isMap(doc.get('clusters', true))) doc.set('clusters', doc.createNode({}));
    (doc.get('clusters', true) as YAMLMap).set(name, doc.createNode(value));
  });
  setGeneratorVersion(pf);
  return pf;
}

/** Record this version of the tool as the one that last wrote the file. */
export function setGeneratorVersion(pf: PlatformFile): void {
  if (pf.spec.generator.version !== GENERATOR_VERSION)
    pf.edit((doc) => doc.setIn(['generator', 'version'], GENERATOR_VERSION));
}

export function platformToString(pf: PlatformFile): string {
  return withSchemaModeline(pf.doc.toString({ lineWidth: 0, indentSeq: true }));
}

/**
 * The text to write for platform.yaml: the file as it is on disk when it holds exactly the values of the text the
 * tool would write (only formatting differs: a comment after a value, flow or JSON style, quoting, indentation),
 * else the tool's text (an editor's byte order mark is dropped either way). So formatting alone is never rewritten
 * and never counts as drift in `regenerate --check`.
 * Either way the text has the schema line on top (withSchemaModeline): a file written before it had one gets it.
 */
export function keepFormatting(onDisk: string | undefined, rendered: string): string {
  if (onDisk === undefined || onDisk === rendered) return rendered;
  // A byte order mark is not formatting a person chose: it is dropped, the rest kept as written.
  if (onDisk.startsWith('\ufeff')) onDisk = onDisk.slice(1);
  const value = (text: string): unknown => {
    const { doc, errors } = readStrictYaml(text);
    if (errors.length || doc.warnings.length) return undefined;
    try {
      return doc.toJS({ maxAliasCount: 0 });
    } catch {
      return undefined;
    }
  };
  const before = value(onDisk);
  if (before === undefined || !isDeepStrictEqual(before, value(rendered))) return rendered;
  // The `# renovate:` line above each chart pin is not formatting: it is what Renovate reads to bump that pin, so in a
  // file that carries them, a pin that lost its line gets it back. A file written without any (JSON style, say) is the
  // person's choice of format and stays as it is.
  const annotations = (text: string) =>
    text
      .split(/\r?\n/)
      .filter((l) => /^\s*# renovate:/.test(l))
      .map((l) => l.trim());
  const kept = new Set(annotations(onDisk));
  // The schema line is the tool's too: a file without one gets it (platformToString gives it to `rendered`).
  return kept.size === 0 || annotations(rendered).every((a) => kept.has(a)) ? withSchemaModeline(onDisk) : rendered;
}

function ensureMap(doc: Document, path: string[]): YAMLMap {
  let node = doc.contents as unknown as YAMLMap;
  for (const key of path) {
    let next: unknown = node.get(key, true);
    if (!isMap(next)) {
      next = doc.createNode({});
      node.set(key, next);
    }
    node = next as YAMLMap;
    node.flow = false; // an empty `{}` written by a person or by us becomes block style once it has entries
  }
  return node;
}

/** Set a story's state on clusters (and its definition, for a custom story). Edits pf. */
export function setStoryState(
  pf: PlatformFile,
  id: string,
  states: Record<string, StoryState>,
  custom?: CustomStory,
): void {
  pf.editEntry(['stories', id], (doc) => {
    const clusters = ensureMap(doc, ['stories', id, 'clusters']);
    for (const [c, st] of Object.entries(states)) clusters.set(c, st);
    if (custom) (doc.getIn(['stories', id]) as YAMLMap).set('custom', doc.createNode(custom));
  });
}

/**
 * Add settings a cluster does not have yet, each with its description as a comment; existing values and
 * their comments are never touched. Returns the keys added. Edits pf.
 */
export function addSettingDefaults(
  pf: PlatformFile,
  cluster: string,
  vars: { name: string; default: string; description: string }[],
): string[] {
  const current = pf.spec.clusters[cluster].settings;
  const todo = vars.filter((v) => current[v.name] === undefined);
  if (todo.length === 0) return [];
  const added = Object.fromEntries(todo.map((v) => [v.name, v.default]));
  pf.editSettings(cluster, added, (doc) => {
    const map = ensureMap(doc, ['clusters', cluster, 'settings']);
    for (const v of todo) {
      const pair = doc.createPair(v.name, v.default);
      (pair.key as Scalar).commentBefore = ` ${v.description}`;
      map.items.push(pair as Pair<unknown, unknown>);
    }
  });
  return todo.map((v) => v.name);
}
