import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Document, isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import { isClusterScoped } from '../core/kinds';
import { KUSTOMIZATION_FILES } from '../core/kustomization-files';
import { applyGenerators, buildOptedOut } from './generators';
import type { Build, Obj } from './objects';
import { applyPatches, isFluxKustomization, isMapLike, kustomizationPatches, type Selector } from './patches';
import type { Finding } from './types';
import { docVars, scanVars, substitutionDisabled } from './vars';

/**
 * What `check` reads at most, whatever the tree, so that it ends in bounded time and memory. Past a bound it
 * reports a finding and goes on with what it has; it never expands further.
 */
export const LIMITS = {
  /** Bytes of one file (a manifest, patch, generator source); a larger one is not read. */
  maxFileBytes: 8 * 1024 * 1024,
  /** Kustomizations nested in one build (resources/components inside resources/components ...). */
  maxDepth: 32,
  /** Objects one build may hold (the reference platform's largest build has a few hundred). */
  maxObjects: 20_000,
  /** Files one build may read, and YAML files one walk of the repository lists. */
  maxFiles: 20_000,
  /** Folder levels the repository walks descend. */
  maxFolderDepth: 64,
};

/** Where a kustomization entry really points: a repo-relative real path, or why it cannot be followed. */
export type Resolved =
  | { ok: true; rel: string; dir: boolean }
  | { ok: false; code: 'PATH_OUTSIDE_REPO' | 'SYMLINK_LOOP' | 'RESOURCE_MISSING'; detail: string };

/** `inner` is `outer` or below it (repo-relative POSIX paths, '' = the root). */
const within = (inner: string, outer: string) => outer === '' || inner === outer || inner.startsWith(outer + '/');

/** Kinds kustomize treats as cluster-scoped (no namespace is applied to them): the list of core/kinds.ts. */
export { isClusterScoped } from '../core/kinds';

/**
 * Reads a repository once (files cached) and builds kustomize paths statically, as far as the checks need:
 * resources, components, generators (their files are scanned for variables), namespace; a folder without a
 * kustomization.yaml gets Flux's generated one (every manifest below it).
 */
/** A build's own copy: parents set `via` and `namespace` on the objects they take. */
const copyOf = (b: Build): Build => ({
  objects: b.objects.map((o) => ({ ...o })),
  files: new Set(b.files),
  findings: [...b.findings],
});

/** Deepest flow nesting (`[`/`{`) in a text; the YAML parser exhausts the heap on a few thousand levels. */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return max;
}
const MAX_FLOW_DEPTH = 1000;

/** Findings after which a path is not handed to kubectl: kustomize refuses it too, or could block or run away on it. */
export const REFUSED_BUILD = new Set([
  'KUSTOMIZE_CYCLE',
  'PATH_OUTSIDE_REPO',
  'SYMLINK_LOOP',
  'NESTING_TOO_DEEP',
  'BUILD_TOO_LARGE',
]);

export class RepoReader {
  private readonly parsed = new Map<string, { docs: Document[]; lc: LineCounter; text: string } | null>();
  readonly findings: Finding[] = [];
  private readonly reported = new Set<string>();
  /** Static builds per real folder: no folder is expanded twice, however many paths and entries reach it. */
  private readonly builds = new Map<string, Build>();
  /** Files text() refused to read (not a regular file, over LIMITS.maxFileBytes). */
  readonly refused = new Set<string>();
  private realRootCache?: string;

  constructor(readonly root: string) {}

  private get realRoot(): string {
    return (this.realRootCache ??= fs.realpathSync(this.root));
  }

  private report(f: Finding): void {
    const key = `${f.code}|${f.file}|${f.line}|${f.message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.findings.push(f);
  }

  /**
   * Resolve `entry` (relative to the folder `dir`) as Flux would find it in the repository's artifact: symlinks
   * followed, and refused when the result leaves the repository, loops, or does not exist.
   */
  resolve(dir: string, entry: string): Resolved {
    if (path.posix.isAbsolute(entry))
      return {
        ok: false,
        code: 'PATH_OUTSIDE_REPO',
        detail: `${entry} is absolute: kustomize refuses it (new root '${entry}' cannot be absolute) and Flux builds inside the repository only`,
      };
    const rel = path.posix.normalize(path.posix.join(dir, entry)).replace(/^\.$/, '').replace(/\/$/, '');
    if (rel === '..' || rel.startsWith('../'))
      return {
        ok: false,
        code: 'PATH_OUTSIDE_REPO',
        detail: `${entry} leaves the repository (${path.join(this.root, rel)}): Flux builds from the repository's artifact, where it does not exist`,
      };
    let real: string;
    try {
      real = fs.realpathSync(this.abs(rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP')
        return {
          ok: false,
          code: 'SYMLINK_LOOP',
          detail: `${entry} is a symlink loop (${this.linkChain(rel).join(' -> ')}): evalsymlink failure: too many links`,
        };
      if (code === 'ENAMETOOLONG')
        return {
          ok: false,
          code: 'SYMLINK_LOOP',
          detail: `${entry} resolves to a name too long to follow (${this.linkChain(rel).join(' -> ')})`,
        };
      const chain = this.linkChain(rel);
      return {
        ok: false,
        code: 'RESOURCE_MISSING',
        detail:
          chain.length > 1
            ? `${entry} is a symlink to ${chain[chain.length - 1]}, which does not exist`
            : `${entry} does not exist`,
      };
    }
    const back = path.relative(this.realRoot, real);
    if (back === '..' || back.startsWith('..' + path.sep) || path.isAbsolute(back)) {
      return {
        ok: false,
        code: 'PATH_OUTSIDE_REPO',
        detail: `${entry} is a symlink to ${real}, outside the repository: Flux builds from the repository's artifact, where it does not exist`,
      };
    }
    let dirFlag = false;
    try {
      dirFlag = fs.statSync(real).isDirectory();
    } catch {
      return { ok: false, code: 'RESOURCE_MISSING', detail: `${entry} does not exist` };
    }
    return { ok: true, rel: back.split(path.sep).join('/'), dir: dirFlag };
  }

  /** The symlinks a repo-relative path goes through, as written (at most 40 hops, as the kernel follows). */
  private linkChain(rel: string): string[] {
    const chain = [rel];
    let at = this.abs(rel);
    for (let i = 0; i < 40; i++) {
      let target: string;
      try {
        if (!fs.lstatSync(at).isSymbolicLink()) break;
        target = fs.readlinkSync(at);
      } catch {
        break;
      }
      at = path.resolve(path.dirname(at), target);
      const shown = path.relative(this.root, at).split(path.sep).join('/');
      const again = chain.includes(shown);
      chain.push(shown.startsWith('..') ? at : shown);
      if (again) break;
    }
    return chain;
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  exists(rel: string): boolean {
    return fs.existsSync(this.abs(rel));
  }

  isDir(rel: string): boolean {
    try {
      return fs.statSync(this.abs(rel)).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * A file's text, bounded: a file over LIMITS.maxFileBytes, or one that is not a regular file (a FIFO would block
   * forever), is reported once and read as empty.
   */
  text(rel: string): string {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.abs(rel));
    } catch {
      return '';
    }
    if (!st.isFile()) {
      this.refused.add(rel);
      this.report({
        code: 'FILE_NOT_REGULAR',
        severity: 'error',
        file: rel,
        message: `${rel} is not a regular file (a device, socket or pipe); not read`,
        hint: 'list manifest files and folders only',
      });
      return '';
    }
    if (st.size > LIMITS.maxFileBytes) {
      this.refused.add(rel);
      this.report({
        code: 'FILE_TOO_LARGE',
        severity: 'error',
        file: rel,
        message: `${rel} has ${st.size} bytes, over the ${LIMITS.maxFileBytes}-byte limit of check; not read`,
        hint: 'split it, or keep large data out of the GitOps repository (Flux stores every applied object in etcd, whose request limit is 1.5 MiB)',
      });
      return '';
    }
    return fs.readFileSync(this.abs(rel), 'utf8');
  }

  /** Parse a YAML file (cached); a file that does not parse is reported once as YAML_INVALID. */
  parse(rel: string): { docs: Document[]; lc: LineCounter; text: string } | null {
    if (this.parsed.has(rel)) return this.parsed.get(rel)!;
    const text = this.text(rel);
    const lc = new LineCounter();
    if (flowDepth(text) > MAX_FLOW_DEPTH) {
      this.report({
        code: 'YAML_INVALID',
        severity: 'error',
        file: rel,
        line: 1,
        message: `nested deeper than ${MAX_FLOW_DEPTH} levels of [ ] / { }; not parsed`,
        hint: 'no manifest nests this deep; Flux refuses it too',
      });
      this.parsed.set(rel, null);
      return null;
    }
    // merge: `<<: *anchor` keys are resolved, as kustomize's YAML reader (go-yaml) does before anything sees the object.
    // logLevel error: the yaml library's warnings (a template's `{{ .X }}` read as a map key) are not the check's
    // output; Node would print them to stderr on any repository that has one (Heavybullets8/heavy-ops).
    const docs = parseAllDocuments(text, {
      lineCounter: lc,
      uniqueKeys: false,
      merge: true,
      logLevel: 'error',
    }) as Document[];
    const bad = docs.find((d) => d.errors.length);
    let out: { docs: Document[]; lc: LineCounter; text: string } | null = { docs, lc, text };
    if (bad) {
      const e = bad.errors[0];
      if (!this.reported.has(rel)) {
        this.reported.add(rel);
        this.findings.push({
          code: 'YAML_INVALID',
          severity: 'error',
          file: rel,
          line: lc.linePos(e.pos[0]).line,
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
          hint: 'fix the syntax; Flux cannot apply this file',
        });
      }
      out = null;
    }
    this.parsed.set(rel, out);
    return out;
  }

  /**
   * A document as plain data. Aliases that expand too far (a "billion laughs" YAML bomb) are reported as
   * YAML_INVALID on the file, once, instead of being expanded: undefined then.
   */
  toJS(rel: string, doc: Document, lc: LineCounter): unknown {
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      if (!this.reported.has(rel)) {
        this.reported.add(rel);
        const line = lc.linePos(doc.contents?.range?.[0] ?? 0).line;
        this.findings.push({
          code: 'YAML_INVALID',
          severity: 'error',
          file: rel,
          line,
          message: `cannot be read: ${(e as Error).message.split('\n')[0]}`,
          hint: 'write the values out instead of expanding aliases this far; kustomize and Flux refuse it too',
        });
      }
      return undefined;
    }
  }

  /** The API objects in one YAML file. */
  objectsOf(rel: string): Obj[] {
    const p = this.parse(rel);
    if (!p) return [];
    const out: Obj[] = [];
    for (const doc of p.docs) {
      const raw = this.toJS(rel, doc, p.lc) as Record<string, any> | null | undefined;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || typeof raw.kind !== 'string') continue;
      const start = doc.contents?.range?.[0] ?? 0;
      const line = p.lc.linePos(start).line;
      const lineOf = (keys: (string | number)[]) => {
        for (let n = keys.length; n > 0; n--) {
          // The line of the key itself (a block value starts on the next line).
          const parent = n > 1 ? doc.getIn(keys.slice(0, n - 1), true) : doc.contents;
          if (isMap(parent)) {
            const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === keys[n - 1]);
            const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
            if (r) return p.lc.linePos(r[0]).line;
          }
          const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          if (node?.range) return p.lc.linePos(node.range[0]).line;
        }
        return line;
      };
      out.push({
        apiVersion: String(raw.apiVersion ?? ''),
        kind: raw.kind,
        name: String(raw.metadata?.name ?? ''),
        namespace: raw.metadata?.namespace,
        raw,
        file: rel,
        line,
        lineOf,
        // Flux substitutes the object as kustomize re-serialised it: no comments, nothing when it opted out.
        vars: substitutionDisabled(raw) ? [] : docVars(doc, p.lc, p.text, rel),
      });
    }
    return out;
  }

  kustomizationFile(dir: string): string | undefined {
    for (const f of KUSTOMIZATION_FILES)
      if (fs.existsSync(this.abs(path.posix.join(dir, f)))) return path.posix.join(dir, f);
    return undefined;
  }

  /**
   * Build a folder statically (repo-relative, POSIX). Each real folder is expanded once and kept; the caller gets
   * its own copies of the objects (parents set `via` and `namespace` on them).
   */
  build(dir: string): Build {
    const r = this.resolve('', dir);
    if (!r.ok || !r.dir) return { objects: [], files: new Set(), findings: [] };
    return copyOf(this.expand(r.rel, []));
  }

  /**
   * One real folder, with the chain of folders being expanded above it. An entry whose real folder is one of
   * those, or contains one, is a cycle, refused the way kustomize refuses it ("cycle detected: candidate root
   * contains visited root"); a chain longer than LIMITS.maxDepth stops there.
   */
  private expand(dir: string, chain: { dir: string; file: string }[]): Build {
    const memo = this.builds.get(dir);
    if (memo) return memo;
    const out: Build = { objects: [], files: new Set(), findings: [] };
    const kfile = this.kustomizationFile(dir);
    const here = [...chain, { dir, file: kfile ?? `${dir || '.'}/ (no kustomization.yaml)` }];
    /** A sub-folder reached from `at`: refused when it closes a cycle or nests too deep, else expanded (memoised). */
    const descend = (sub: string, entry: string, at: { file: string; line: number }): Build | undefined => {
      const hit = here.findIndex((c) => within(c.dir, sub));
      if (hit >= 0) {
        const files = [...here.slice(hit).map((c) => c.file), this.kustomizationFile(sub) ?? `${sub || '.'}/`];
        out.findings.push({
          code: 'KUSTOMIZE_CYCLE',
          severity: 'error',
          ...at,
          message:
            `${entry} closes a cycle: ${files.join(' -> ')} (kustomize: cycle detected: candidate root ` +
            `./${sub} contains visited root ./${here[hit].dir})`,
          hint: 'remove the entry: a kustomization may list folders below or beside it, never itself or a folder above one it is built from',
        });
        return undefined;
      }
      if (here.length >= LIMITS.maxDepth) {
        out.findings.push({
          code: 'NESTING_TOO_DEEP',
          severity: 'error',
          ...at,
          message: `${entry} would nest kustomizations ${here.length + 1} deep, over the limit of ${LIMITS.maxDepth} check follows: ${here
            .slice(0, 3)
            .map((c) => c.file)
            .join(' -> ')} -> ... -> ${kfile ?? dir}`,
          hint: 'flatten the layout; nothing below this entry was checked',
        });
        return undefined;
      }
      return this.expand(sub, here);
    };
    if (!kfile) {
      // Flux generates a kustomization.yaml with every manifest below the path.
      for (const f of this.manifestsBelow(dir, out.findings)) {
        if (f.endsWith('/')) {
          const sub = descend(f.slice(0, -1), f, {
            file: `${f}${path.posix.basename(this.kustomizationFile(f.slice(0, -1)) ?? '')}`,
            line: 1,
          });
          if (sub) this.merge(out, sub, undefined, dir);
        } else {
          this.add(out, this.objectsOf(f), f, dir);
        }
      }
      this.builds.set(dir, out);
      return out;
    }
    out.files.add(kfile);
    const p = this.parse(kfile);
    if (!p?.docs[0]) {
      this.builds.set(dir, out);
      return out;
    }
    const k = (this.toJS(kfile, p.docs[0], p.lc) ?? {}) as Record<string, any>;
    const doc = p.docs[0];
    const lineOf = (keys: (string | number)[]) => {
      const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? p.lc.linePos(node.range[0]).line : 1;
    };
    /** A file entry (patch, generator source, resource file) resolved inside the repository, or a finding. */
    const fileAt = (entry: string, at: (string | number)[], what: string, hint: string): string | undefined => {
      const r = this.resolve(dir, entry);
      if (r.ok) return r.rel;
      out.findings.push({
        code: r.code,
        severity: 'error',
        file: kfile,
        line: lineOf(at),
        message: r.code === 'RESOURCE_MISSING' ? `${what} ${r.detail}` : `${what} ${r.detail}`,
        hint:
          r.code === 'RESOURCE_MISSING'
            ? hint
            : r.code === 'SYMLINK_LOOP'
              ? 'fix or remove the symlink'
              : 'keep every path inside the repository (copy what it needs into it)',
      });
      return undefined;
    };
    const entries: [string, (string | number)[]][] = [];
    (Array.isArray(k.resources) ? k.resources : []).forEach((r: unknown, i: number) => {
      entries.push([String(r), ['resources', i]]);
    });
    (Array.isArray(k.components) ? k.components : []).forEach((r: unknown, i: number) => {
      entries.push([String(r), ['components', i]]);
    });
    for (const [entry, at] of entries) {
      if (/^[a-z]+:\/\//.test(entry) || /^(github\.com|gitlab\.com)\//.test(entry)) continue; // remote: not checked offline
      const rel = fileAt(
        entry,
        at,
        `${at[0]} entry`,
        `create ${path.posix.normalize(path.posix.join(dir, entry))} or remove the entry`,
      );
      if (rel === undefined) continue;
      const via = { file: kfile, line: lineOf(at) };
      if (this.isDir(rel)) {
        const sub = descend(rel, `${at[0]} entry ${entry}`, via);
        if (sub) this.merge(out, sub, via, dir);
      } else {
        this.add(out, this.objectsOf(rel), rel, dir, via);
      }
    }
    patchFluxKustomizations(this, dir, k, out.objects); // kustomize patches on the Flux Kustomizations (patches.ts)
    // Patch files are part of the build too: their ${VAR}s are substituted like the rest.
    const patchFiles: [string, (string | number)[]][] = [];
    (Array.isArray(k.patches) ? k.patches : []).forEach((pt: any, i: number) => {
      if (typeof pt?.path === 'string') patchFiles.push([pt.path, ['patches', i, 'path']]);
    });
    (Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : []).forEach((pt: unknown, i: number) => {
      if (typeof pt === 'string' && !pt.includes('\n')) patchFiles.push([pt, ['patchesStrategicMerge', i]]);
    });
    (Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : []).forEach((pt: any, i: number) => {
      if (typeof pt?.path === 'string') patchFiles.push([pt.path, ['patchesJson6902', i, 'path']]);
    });
    // The kustomization's own strings that reach the output (inline patches, labels, images, ...), comments left out;
    // its generators' strings belong to the objects they generate.
    const own = docVars(doc, p.lc, p.text, kfile, {
      skip: (keys) => keys.length === 1 && (keys[0] === 'configMapGenerator' || keys[0] === 'secretGenerator'),
      yamlInside: (keys) => ['patches', 'patchesStrategicMerge', 'patchesJson6902'].includes(String(keys[0])),
    });
    if (own.length)
      out.objects.push({
        apiVersion: '',
        kind: '(patch)',
        name: kfile,
        raw: { generated: true },
        file: kfile,
        line: 1,
        lineOf: () => 1,
        vars: own,
      });
    for (const [pf, at] of patchFiles) {
      const rel = fileAt(
        pf,
        at,
        'patch',
        `create ${path.posix.normalize(path.posix.join(dir, pf))} or remove the patch`,
      );
      if (rel === undefined) continue;
      out.files.add(rel);
      const pp = this.parse(rel);
      const vars = pp ? pp.docs.flatMap((d) => docVars(d, pp.lc, pp.text, rel)) : scanVars(this.text(rel), rel);
      if (vars.length)
        out.objects.push({
          apiVersion: '',
          kind: '(patch)',
          name: rel,
          raw: { generated: true },
          file: rel,
          line: 1,
          lineOf: () => 1,
          vars,
        });
    }
    // Generators: their source files are part of the build, their keys the generated objects' data.
    applyGenerators(
      {
        kfile,
        k,
        doc,
        lc: p.lc,
        text: p.text,
        lineOf,
        fileAt,
        read: (rel) => this.text(rel),
        uses: (rel) => out.files.add(rel),
        dir,
      },
      out.objects,
    );
    // commonAnnotations / commonLabels / labels with Flux's opt-out: nothing this folder builds is substituted.
    if (buildOptedOut(k)) out.objects = out.objects.map((o) => ({ ...o, vars: [] }));
    if (typeof k.namespace === 'string') {
      for (const o of out.objects) if (!isClusterScoped(o.kind)) o.namespace = k.namespace;
      // kustomize's namespace transformer also renames Namespace objects to that namespace: the common
      // components/namespace pattern ships one Namespace named `_` that every app folder includes.
      for (const o of out.objects) if (o.kind === 'Namespace' && o.apiVersion === 'v1') o.name = k.namespace;
    }
    this.builds.set(dir, out);
    return out;
  }

  /** Objects of one file into a build, within LIMITS.maxObjects / maxFiles. */
  private add(into: Build, objects: Obj[], file: string, dir: string, via?: { file: string; line: number }): void {
    if (!this.room(into, objects.length, 1, dir)) return;
    into.files.add(file);
    for (const o of objects) into.objects.push(via ? { ...o, via } : o);
  }

  /** A memoised sub-build into a build: copies of its objects (with the entry that brought them), within the limits. */
  private merge(into: Build, b: Build, via: { file: string; line: number } | undefined, dir: string): void {
    into.findings.push(...b.findings);
    if (!this.room(into, b.objects.length, b.files.size, dir)) return;
    for (const o of b.objects) into.objects.push(via ? { ...o, via } : { ...o });
    for (const f of b.files) into.files.add(f);
  }

  private room(into: Build, objects: number, files: number, dir: string): boolean {
    if (into.objects.length + objects <= LIMITS.maxObjects && into.files.size + files <= LIMITS.maxFiles) return true;
    if (!into.findings.some((f) => f.code === 'BUILD_TOO_LARGE')) {
      into.findings.push({
        code: 'BUILD_TOO_LARGE',
        severity: 'error',
        file: this.kustomizationFile(dir) ?? (dir || '.'),
        line: this.kustomizationFile(dir) ? 1 : undefined,
        message: `the build of ./${dir} holds over ${LIMITS.maxObjects} objects or ${LIMITS.maxFiles} files, the limits of check; the rest was not checked`,
        hint: 'split it into several Flux Kustomizations, or look for a folder listed many times',
      });
    }
    return false;
  }

  /** YAML files below a folder for Flux's generated kustomization; a sub-folder with its own kustomization is one entry (ending in /). */
  manifestsBelow(dir: string, findings?: Finding[]): string[] {
    const out: string[] = [];
    const walk = (d: string, depth: number) => {
      if (!this.walkable(d, depth, out.length, findings)) return;
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(this.abs(d), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of list.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.name.startsWith('.')) continue;
        const rel = path.posix.join(d, e.name);
        if (e.isDirectory()) {
          if (this.kustomizationFile(rel)) out.push(rel + '/');
          else walk(rel, depth + 1);
        } else if (/\.ya?ml$/.test(e.name)) out.push(rel);
      }
    };
    walk(dir, 0);
    return out;
  }

  /** Every YAML file of the repository outside hidden folders (for reachability); `names` widens what counts. */
  allYamlFiles(names: RegExp = /\.ya?ml$/): string[] {
    const out: string[] = [];
    const walk = (d: string, depth: number) => {
      if (!this.walkable(d, depth, out.length)) return;
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(this.abs(d), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of list) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        const rel = d ? path.posix.join(d, e.name) : e.name;
        if (e.isDirectory()) walk(rel, depth + 1);
        else if (names.test(e.name)) out.push(rel);
      }
    };
    walk('', 0);
    return out.sort();
  }

  /**
   * Whether a walk may enter folder `d` (symlinks are never followed by walks: Dirent.isDirectory() is false for
   * them). Past LIMITS.maxFolderDepth or LIMITS.maxFiles the walk stops there, with a finding.
   */
  private walkable(d: string, depth: number, files: number, findings: Finding[] = this.findings): boolean {
    if (depth > LIMITS.maxFolderDepth) {
      const f: Finding = {
        code: 'NESTING_TOO_DEEP',
        severity: 'error',
        file: d,
        message: `${d} is ${depth} folders deep, over the limit of ${LIMITS.maxFolderDepth} check walks; not read`,
        hint: 'flatten the layout',
      };
      if (findings === this.findings) this.report(f);
      else if (!findings.some((x) => x.code === f.code && x.file === f.file)) findings.push(f);
      return false;
    }
    if (files >= LIMITS.maxFiles) {
      this.report({
        code: 'BUILD_TOO_LARGE',
        severity: 'error',
        file: d,
        message: `over ${LIMITS.maxFiles} YAML files under one walk, the limit of check; ${d} and the rest were not read`,
        hint: 'keep only manifests in the GitOps repository',
      });
      return false;
    }
    return true;
  }
}

/**
 * kustomize's own patches on the Flux Kustomizations of one static build: those of each component (in order; a
 * component's patches apply to everything the including kustomization has accumulated, so budimanjojo/home-cluster's
 * `components/envsubst` gives every app Kustomization of a namespace its postBuild), then the kustomization's own
 * (skipped for a Component: they apply where it is included). Only Flux Kustomization objects are patched (the walk
 * reads them); the objects are this build's copies, so their `raw` is replaced in place.
 */
export function patchFluxKustomizations(reader: RepoReader, dir: string, k: Record<string, any>, objects: Obj[]): void {
  if (!objects.some((o) => isFluxKustomization(o.raw))) return;
  const readFrom = (base: string) => (entry: string) => {
    const r = reader.resolve(base, entry);
    return r.ok && !r.dir ? reader.text(r.rel) : undefined;
  };
  const entries: { patch: string; target?: Selector }[] = [];
  for (const c of Array.isArray(k.components) ? k.components : []) {
    const r = reader.resolve(dir, String(c));
    const kfile = r.ok && r.dir ? reader.kustomizationFile(r.rel) : undefined;
    const p = kfile ? reader.parse(kfile) : null;
    const ck = p && kfile && p.docs[0] ? reader.toJS(kfile, p.docs[0], p.lc) : undefined;
    if (r.ok && isMapLike(ck)) entries.push(...kustomizationPatches(ck, readFrom(r.rel)));
  }
  if (k.kind !== 'Component') entries.push(...kustomizationPatches(k, readFrom(dir)));
  if (!entries.length) return;
  for (const o of objects) {
    if (!isFluxKustomization(o.raw)) continue;
    const r = applyPatches(o.raw, entries);
    if (r.raw && r.applied.length) o.raw = r.raw;
  }
}
