import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../core/errors';
import { KUSTOMIZATION_FILES } from '../core/kustomization-files';
import { compareText } from '../core/text-order';
import { kustomizeError } from './build';
import { type RepoWalk, valueMap, walkRepo } from './check';
import { REFUSED_BUILD } from './discover';
import type { Ks } from './ks';
import type { Obj } from './objects';
import { subst } from './vars';

/**
 * platform-kit diff: what a pull request changes in what Flux applies. Every Flux Kustomization of every cluster is
 * built at the base ref (a detached git worktree in a temp folder) and in the work tree, as kustomize-controller
 * builds it (kubectl kustomize, LoadRestrictionsNone, the Kustomization's own patches/namespace/components, then
 * postBuild substitution), and the objects are compared by cluster, Kustomization, group, kind, namespace and name.
 */

export interface DiffOptions {
  /** The GitOps repository (a git work tree, or a folder inside one). */
  dir: string;
  /** A commit-ish of that repository: the pull request's base. */
  base: string;
  clusterPaths?: string[];
  /** Only these clusters. */
  clusters?: string[];
  /** Build every path on both sides, even where no file it reads changed. */
  full?: boolean;
  progress?: (done: number, total: number) => void;
}

/** One object: `id` is `<Kustomization namespace/name> <Kind[.group]> <namespace/>name`. */
export interface DiffObject {
  id: string;
  kustomization: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface DiffChanged extends DiffObject {
  /** Unified diff of the object's YAML (Secret values and SOPS ciphertext masked). */
  diff: string;
}

export interface ClusterDiff {
  added: DiffObject[];
  removed: DiffObject[];
  changed: DiffChanged[];
}

/** A Kustomization that could not be built on one side: its objects are not compared. */
export interface DiffBuildError {
  side: 'base' | 'head';
  cluster: string;
  kustomization: string;
  path: string;
  message: string;
}

export interface DiffResult {
  /** The ref as given, and the commit it named. */
  base: string;
  baseCommit: string;
  clusters: Record<string, ClusterDiff>;
  errors: DiffBuildError[];
  /** builds: kubectl runs; unchanged: builds skipped because nothing they read or substitute changed. */
  summary: {
    clusters: number;
    added: number;
    removed: number;
    changed: number;
    errors: number;
    builds: number;
    unchanged: number;
  };
}

/** One kubectl kustomize run at most. */
const KUBECTL_TIMEOUT_MS = 180_000;
const SUBSTITUTE = 'kustomize.toolkit.fluxcd.io/substitute';
export const MASK = '**masked**';
export const MASK_CHANGED = '**masked, changed**';

const git = (cwd: string, args: string[]) =>
  spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** The parts of a Flux Kustomization's spec that change its build (kustomize-controller adds them to the kustomization). */
function overlayOf(k: Ks, parentValues: Record<string, string> | undefined): Record<string, unknown> {
  const spec = k.obj?.raw.spec ?? {};
  const out: Record<string, unknown> = {};
  for (const key of [
    'targetNamespace',
    'namePrefix',
    'nameSuffix',
    'patches',
    'images',
    'components',
    'commonMetadata',
  ]) {
    if (spec[key] !== undefined && !(Array.isArray(spec[key]) && spec[key].length === 0)) out[key] = spec[key];
  }
  // The parent's postBuild substituted the child's spec before Flux read it.
  if (!parentValues || Object.keys(out).length === 0) return out;
  try {
    return parse(subst(stringify(out), parentValues)) as Record<string, unknown>;
  } catch {
    return out; // a value that breaks the YAML: Flux fails on it too; the build shows the spec as written
  }
}

/** The values a Kustomization substitutes, with those that come from a Secret masked (never printed). */
function valuesOf(k: Ks, objects: Obj[]): Record<string, string> {
  const values = valueMap(k, objects);
  const from = new Map<string, string>();
  for (const s of k.postBuild?.substituteFrom ?? []) {
    const hit = objects.find(
      (o) => o.kind === s.kind && o.name === s.name && (o.namespace ?? k.namespace) === k.namespace,
    );
    for (const key of [...Object.keys(hit?.raw.data ?? {}), ...Object.keys(hit?.raw.stringData ?? {})])
      from.set(key, s.kind);
  }
  for (const key of Object.keys(k.postBuild?.substitute ?? {})) from.delete(key);
  for (const [key, kind] of from) if (kind === 'Secret') values[key] = MASK;
  return values;
}

/** The line of kubectl's error that says what went wrong (the innermost kustomize cause), with repo-relative paths. */
export function errorLine(stderr: string, roots: [string, string][]): string {
  // The same reading of kubectl's stderr as check --build (warnings skipped, klog's "command failed" unpacked).
  let line = kustomizeError(stderr);
  // kustomize nests every level it recursed through; the innermost is the file that failed. The directory
  // fallback it tries after a file fails ("must build at directory") is noise.
  const at = line.lastIndexOf("accumulating resources from '");
  if (at > 0) line = line.slice(at);
  line = line.replace(/'?: must build at directory: .*$/, '');
  for (const [from, to] of roots) line = line.split(from).join(to);
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

interface Job {
  side: 'base' | 'head';
  key: string;
  root: string;
  dir: string;
  overlay: Record<string, unknown>;
  /** The Flux Kustomizations built from it, each with the values its postBuild substitutes. */
  users: { cluster: string; k: Ks; values?: Record<string, string> }[];
  stdout?: string;
  error?: string;
  /** Files (and folders) the build reads, as far as the static walk knows. */
  deps: Set<string>;
  /** Some Flux Kustomization built from it creates others (their specs come from its output). */
  parentOf?: boolean;
}

/** Files changed between the base commit and the work tree (tracked or not), relative to the repository root. */
function changedFiles(top: string, rel: string, sha: string): string[] {
  const out: string[] = [];
  const d = git(top, ['diff', '--name-only', '--no-renames', '-z', sha, '--']);
  const u = git(top, ['ls-files', '--others', '--exclude-standard', '-z']);
  if (d.status !== 0 || u.status !== 0) return ['']; // unknown: everything counts as changed
  for (const f of [...d.stdout.split('\0'), ...u.stdout.split('\0')].filter(Boolean))
    out.push(path.posix.relative(rel, f));
  return out;
}

/** Folders a build depends on: those of every file it reads, and any ../ folder its kustomization files name. */
function depsOf(root: string, k: Ks): Set<string> {
  const out = new Set<string>([k.path]);
  for (const f of k.build?.files ?? []) {
    out.add(f);
    const dir = path.posix.dirname(f);
    out.add(dir === '.' ? '' : dir);
    if (!/(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(f)) continue;
    let text = '';
    try {
      text = fs.readFileSync(path.join(root, f), 'utf8');
    } catch {
      continue;
    }
    // Fields the static walk does not follow (replacements, transformers, configurations, ...) may name files
    // outside the folder; their folders count too.
    for (const m of text.matchAll(/(?:\.\.\/)+[^\s"',\]}]*/g))
      out.add(path.posix.normalize(path.posix.join(dir, path.posix.dirname(m[0] + 'x'))).replace(/^\.$/, ''));
  }
  return out;
}

const touches = (deps: Set<string>, changed: string[]) =>
  changed.some((f) => [...deps].some((d) => d === '' || f === d || f.startsWith(d + '/') || d.startsWith('..')));

/** Objects of one build, keyed by group/kind/namespace/name, after Flux's postBuild substitution. */
function objectsOf(
  text: string,
  values: Record<string, string> | undefined,
): { objects: Map<string, Record<string, any>>; error?: string } {
  const objects = new Map<string, Record<string, any>>();
  for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
    if (doc.errors.length) return { objects, error: `the build output is not YAML: ${doc.errors[0].message}` };
    let obj = doc.toJS() as Record<string, any> | null;
    if (!obj || typeof obj !== 'object') continue;
    const meta = obj.metadata ?? {};
    const disabled = meta.annotations?.[SUBSTITUTE] === 'disabled' || meta.labels?.[SUBSTITUTE] === 'disabled';
    if (values && !disabled) {
      // Flux substitutes each object's YAML text, then reads it again.
      const src = text.slice(doc.range[0], doc.range[2]);
      const out = parseAllDocuments(subst(src, values), { logLevel: 'error' });
      const first = Array.isArray(out) ? out[0] : out;
      if (!first || first.errors.length)
        return {
          objects,
          error: `${obj.kind} ${meta.name}: not YAML after postBuild substitution${first?.errors.length ? `: ${first.errors[0].message}` : ''}`,
        };
      obj = first.toJS() as Record<string, any>;
    }
    const group = String(obj.apiVersion ?? '').includes('/') ? String(obj.apiVersion).split('/')[0] : '';
    objects.set(`${group}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, obj);
  }
  return { objects };
}

/** Copies of the two sides with Secret values and SOPS ciphertext replaced by a marker (changed or not). */
export function masked(
  a: Record<string, any> | undefined,
  b: Record<string, any> | undefined,
): [Record<string, any> | undefined, Record<string, any> | undefined] {
  const secretish = (o?: Record<string, any>) =>
    o && ((o.kind === 'Secret' && String(o.apiVersion) === 'v1') || o.sops !== undefined);
  if (!secretish(a) && !secretish(b)) return [a, b];
  const clone = (o?: Record<string, any>) => (o ? (JSON.parse(JSON.stringify(o)) as Record<string, any>) : undefined);
  const [x, y] = [clone(a), clone(b)];
  // Flux decrypts SOPS documents and drops the sops block; its MAC and date change on every edit.
  for (const o of [x, y]) if (o) delete o.sops;
  const isSecret = (o?: Record<string, any>) => o?.kind === 'Secret';
  for (const field of ['data', 'stringData']) {
    const bx = isSecret(x) ? x?.[field] : undefined;
    const by = isSecret(y) ? y?.[field] : undefined;
    const keys = new Set([...Object.keys(bx ?? {}), ...Object.keys(by ?? {})]);
    for (const key of keys) {
      const same = bx && by && key in bx && key in by && JSON.stringify(bx[key]) === JSON.stringify(by[key]);
      if (bx && key in bx) bx[key] = MASK;
      if (by && key in by) by[key] = same || !(bx && key in bx) ? MASK : MASK_CHANGED;
    }
  }
  // Any other encrypted value (a SOPS-encrypted ConfigMap or custom resource).
  const walk = (p: any, q: any): [any, any] => {
    const enc = (v: unknown) => typeof v === 'string' && v.startsWith('ENC[');
    if (enc(p) || enc(q)) return [p === undefined ? p : MASK, q === undefined ? q : p === q ? MASK : MASK_CHANGED];
    if (p && q && typeof p === 'object' && typeof q === 'object') {
      for (const key of new Set([...Object.keys(p), ...Object.keys(q)])) [p[key], q[key]] = walk(p[key], q[key]);
      return [p, q];
    }
    if (p && typeof p === 'object') for (const key of Object.keys(p)) p[key] = walk(p[key], undefined)[0];
    if (q && typeof q === 'object') for (const key of Object.keys(q)) q[key] = walk(undefined, q[key])[1];
    return [p, q];
  };
  const [p, q] = walk(x, y);
  return [p, q];
}

const refOf = (ks: string, o: Record<string, any>): DiffObject => {
  const apiVersion = String(o.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const namespace = o.metadata?.namespace;
  const name = String(o.metadata?.name ?? '');
  return {
    id: `${ks} ${group ? `${o.kind}.${group}` : o.kind} ${namespace ? `${namespace}/` : ''}${name}`,
    kustomization: ks,
    apiVersion,
    kind: String(o.kind),
    ...(namespace ? { namespace } : {}),
    name,
  };
};

/** Run `fn` with a detached worktree of `sha`; the worktree is removed afterwards, also on an error or a signal. */
async function withBaseTree<T>(
  top: string,
  sha: string,
  fn: (tree: string) => Promise<T>,
  children: Set<ChildProcess>,
): Promise<T> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-diff-'));
  const tree = path.join(tmp, 'base');
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of children) c.kill('SIGKILL');
    git(top, ['worktree', 'remove', '--force', tree]);
    fs.rmSync(tmp, { recursive: true, force: true });
    git(top, ['worktree', 'prune']);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  try {
    // Hooks of the repository do not run: a post-checkout hook has no business in a read-only diff.
    const add = spawnSync(
      'git',
      ['-C', top, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', '--quiet', tree, sha],
      { encoding: 'utf8' },
    );
    if (add.status !== 0)
      throw new UsageError(
        `--base: git worktree add failed: ${(add.stderr || add.error?.message || '').trim().split('\n')[0]}`,
      );
    return await fn(tree);
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
    cleanup();
  }
}

/** platform-kit diff: added, removed and changed objects of every cluster between the base ref and the work tree. */
export async function diff(opts: DiffOptions): Promise<DiffResult> {
  const root = path.resolve(opts.dir);
  if (!fs.existsSync(root)) throw new UsageError(`--dir ${opts.dir}: no such directory (${root})`);
  if (!fs.statSync(root).isDirectory()) throw new UsageError(`--dir ${opts.dir}: ${root} is a file, not a directory`);
  const topR = git(root, ['rev-parse', '--show-toplevel']);
  if (topR.status !== 0)
    throw new UsageError(`--dir ${opts.dir}: not inside a git repository (diff compares against a git ref)`);
  const top = fs.realpathSync(topR.stdout.trim());
  const rel = path.relative(top, fs.realpathSync(root)).split(path.sep).join('/');
  if (!opts.base || opts.base.startsWith('-'))
    throw new UsageError(`--base ${opts.base}: give a branch, tag or commit`);
  const shaR = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${opts.base}^{commit}`]);
  if (shaR.status !== 0)
    throw new UsageError(
      `--base ${opts.base}: no such commit in ${top} (in CI, fetch it first: actions/checkout with fetch-depth: 0, or git fetch origin <branch>)`,
    );
  const sha = shaR.stdout.trim();

  const head = walkRepo({ dir: root, clusterPaths: opts.clusterPaths });
  const children = new Set<ChildProcess>();
  return withBaseTree(
    top,
    sha,
    async (tree) => {
      const baseRoot = path.join(tree, rel);
      let base: RepoWalk | undefined;
      try {
        base = fs.existsSync(baseRoot) ? walkRepo({ dir: baseRoot, clusterPaths: opts.clusterPaths }) : undefined;
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        base = undefined; // no cluster at the base yet: everything is added
      }
      const names = [...new Set([...head.clusters.keys(), ...(base?.clusters.keys() ?? [])])];
      for (const c of opts.clusters ?? [])
        if (!names.includes(c)) throw new UsageError(`--cluster ${c}: no such cluster (clusters: ${names.join(', ')})`);
      const wanted = opts.clusters?.length ? names.filter((n) => opts.clusters!.includes(n)) : names;

      // Every Flux Kustomization to build, per side, with its depth below the cluster's entry.
      const errors: DiffBuildError[] = [];
      interface Unit {
        side: 'base' | 'head';
        cluster: string;
        k: Ks;
        w: RepoWalk;
        objects: Obj[];
        depth: number;
        parentOf: boolean;
      }
      const units: Unit[] = [];
      const collect = (side: 'base' | 'head', w: RepoWalk | undefined) => {
        for (const cluster of wanted) {
          const all = w?.walks.get(cluster);
          if (!all) continue;
          const objects = [...all.values()].flatMap((k) => k.build?.objects ?? []);
          for (const k of all.values()) {
            if (k.external) continue;
            if (!k.build) {
              errors.push({
                side,
                cluster,
                kustomization: k.id,
                path: `./${k.path}`,
                message: `spec.path ./${k.path} does not exist`,
              });
              continue;
            }
            const refused = k.build.findings.find((f) => REFUSED_BUILD.has(f.code));
            if (refused) {
              errors.push({ side, cluster, kustomization: k.id, path: `./${k.path}`, message: refused.message });
              continue;
            }
            let depth = 0;
            for (let p = k.parent; p && depth < all.size; p = all.get(p)?.parent) depth++;
            const parentOf = [...all.values()].some((c) => c.parent === k.id && !c.external);
            units.push({ side, cluster, k, w: w!, objects, depth, parentOf });
          }
        }
      };
      collect('head', head);
      collect('base', base);

      // Objects per side, cluster and Kustomization.
      type Side = Map<string, Map<string, Map<string, Record<string, any>>>>; // cluster -> ks -> key -> object
      const sides: Record<'base' | 'head', Side> = { base: new Map(), head: new Map() };
      const failed = new Set<string>(); // cluster\0ks
      for (const e of errors) failed.add(`${e.cluster}\0${e.kustomization}`);
      /** A child Flux Kustomization as its parent's build gives it to Flux: the parent's patches applied, substituted. */
      const built = (u: Unit): Record<string, any> | undefined => {
        const out = u.k.parent ? sides[u.side].get(u.cluster)?.get(u.k.parent) : undefined;
        return (
          out?.get(`kustomize.toolkit.fluxcd.io/Kustomization/${u.k.namespace}/${u.k.name}`) ??
          out?.get(`kustomize.toolkit.fluxcd.io/Kustomization//${u.k.name}`)
        );
      };
      const changed = opts.full ? [] : changedFiles(top, rel, sha);
      let builds = 0;
      let unchanged = 0;
      // Inside the base worktree's temp folder: one cleanup (also on a signal) removes both.
      const tmp = fs.mkdtempSync(path.join(path.dirname(tree), 'build-'));
      // Paths in kubectl's errors: repo-relative on both sides.
      const roots: [string, string][] = [
        [baseRoot, ''],
        [fs.realpathSync(root), ''],
        [root, ''],
        [tmp, '<generated>'],
      ].map(([from, to]) => [from + path.sep, to && to + '/']);
      try {
        // Level by level from the entry: a child is built with its spec as its parent's build emits it.
        const depths = [...new Set(units.map((u) => u.depth))].sort((a, b) => a - b);
        for (const depth of depths) {
          // One job per side and distinct (path, spec overlay); Kustomizations sharing both share the build.
          const jobs = new Map<string, Job>();
          for (const u of units.filter((x) => x.depth === depth)) {
            const real = built(u);
            const all = u.w.walks.get(u.cluster)!;
            const parent = u.k.parent ? all.get(u.k.parent) : undefined;
            const k: Ks =
              real && u.k.obj ? { ...u.k, obj: { ...u.k.obj, raw: real }, postBuild: real.spec?.postBuild } : u.k;
            const overlay = overlayOf(k, !real && parent?.postBuild ? valuesOf(parent, u.objects) : undefined);
            const key = `${u.side}\0${k.path}\0${JSON.stringify(overlay)}`;
            const job = jobs.get(key) ?? {
              side: u.side,
              key,
              root: u.w.root,
              dir: k.path,
              overlay,
              users: [],
              deps: new Set<string>(),
            };
            job.users.push({ cluster: u.cluster, k, values: k.postBuild ? valuesOf(k, u.objects) : undefined });
            job.parentOf ||= u.parentOf;
            for (const d of depsOf(u.w.root, k)) job.deps.add(d);
            jobs.set(key, job);
          }
          // A base build whose files did not change is the head build: run it once. When the same Kustomizations use
          // it on both sides with the same substitution values, their objects are the same: nothing to build or
          // compare (unless a child needs its output).
          const twin = new Map<Job, Job>();
          const same = new Set<Job>();
          if (!opts.full) {
            const usersOf = (j: Job) =>
              JSON.stringify(
                j.users
                  .map((u) => [u.cluster, u.k.id, u.values ?? null])
                  .sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b))),
              );
            for (const j of jobs.values()) {
              if (j.side !== 'base') continue;
              const h = jobs.get(`head${j.key.slice(4)}`);
              if (!h || touches(new Set([...j.deps, ...h.deps]), changed)) continue;
              if (!j.parentOf && !h.parentOf && usersOf(j) === usersOf(h)) {
                same.add(j);
                same.add(h);
              } else twin.set(j, h);
            }
          }
          const toRun = [...jobs.values()].filter((j) => !twin.has(j) && !same.has(j));
          builds += toRun.length;
          unchanged += same.size / 2;
          await runJobs(toRun, tmp, children, opts.progress, roots);
          for (const [j, h] of twin) Object.assign(j, { stdout: h.stdout, error: h.error });
          for (const j of jobs.values()) {
            if (same.has(j)) continue;
            for (const { cluster, k, values } of j.users) {
              const fail = (message: string) => {
                errors.push({ side: j.side, cluster, kustomization: k.id, path: `./${k.path}`, message });
                failed.add(`${cluster}\0${k.id}`);
              };
              if (j.error !== undefined) {
                fail(j.error);
                continue;
              }
              const r = objectsOf(j.stdout ?? '', values);
              if (r.error) {
                fail(r.error);
                continue;
              }
              const side = sides[j.side];
              if (!side.has(cluster)) side.set(cluster, new Map());
              side.get(cluster)!.set(k.id, r.objects);
            }
          }
        }
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }

      const clusters: Record<string, ClusterDiff> = {};
      for (const cluster of wanted) {
        const out: ClusterDiff = { added: [], removed: [], changed: [] };
        const b = sides.base.get(cluster) ?? new Map();
        const h = sides.head.get(cluster) ?? new Map();
        const kss = [...new Set([...b.keys(), ...h.keys()])].sort();
        for (const ks of kss) {
          if (failed.has(`${cluster}\0${ks}`)) continue; // reported as a build error; a diff would be noise
          const bo = b.get(ks) ?? new Map<string, Record<string, any>>();
          const ho = h.get(ks) ?? new Map<string, Record<string, any>>();
          for (const key of [...new Set([...bo.keys(), ...ho.keys()])].sort()) {
            const [x, y] = [bo.get(key), ho.get(key)];
            if (!x) out.added.push(refOf(ks, y!));
            else if (!y) out.removed.push(refOf(ks, x));
            else {
              const [mx, my] = masked(x, y);
              const [tx, ty] = [stringify(mx), stringify(my)];
              if (tx === ty) continue;
              const ref = refOf(ks, y);
              const patch = createTwoFilesPatch(`base/${ref.id}`, `head/${ref.id}`, tx, ty, undefined, undefined, {
                context: 3,
              });
              out.changed.push({ ...ref, diff: patch.replace(/^=+\n/, '') });
            }
          }
        }
        clusters[cluster] = out;
      }
      errors.sort(
        (a, b) =>
          compareText(a.cluster, b.cluster) ||
          compareText(a.side, b.side) ||
          compareText(a.kustomization, b.kustomization),
      );
      const all = Object.values(clusters);
      return {
        base: opts.base,
        baseCommit: sha,
        clusters,
        errors,
        summary: {
          clusters: all.length,
          added: all.reduce((n, c) => n + c.added.length, 0),
          removed: all.reduce((n, c) => n + c.removed.length, 0),
          changed: all.reduce((n, c) => n + c.changed.length, 0),
          errors: errors.length,
          builds,
          unchanged,
        },
      };
    },
    children,
  );
}

/** kubectl kustomize every job, one per core; each job gets its stdout or its error line. */
async function runJobs(
  jobs: Job[],
  tmp: string,
  children: Set<ChildProcess>,
  progress: DiffOptions['progress'],
  roots: [string, string][],
): Promise<void> {
  let n = 0;
  const yamlList = (list: string[]) =>
    stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: list });
  const target = (j: Job): string => {
    const abs = path.join(j.root, j.dir || '.');
    const hasFile = KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(abs, f)));
    let at = abs;
    if (!hasFile) {
      // Flux generates a kustomization listing every manifest below the path; so do we, outside the tree.
      at = fs.mkdtempSync(path.join(tmp, 'gen-'));
      const files: string[] = [];
      const walk = (d: string) => {
        let list: fs.Dirent[] = [];
        try {
          list = fs.readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of list.sort((a, b) => (a.name < b.name ? -1 : 1))) {
          if (e.name.startsWith('.')) continue;
          const p = path.join(d, e.name);
          if (e.isDirectory()) {
            if (KUSTOMIZATION_FILES.some((f) => fs.existsSync(path.join(p, f)))) files.push(p);
            else walk(p);
          } else if (/\.ya?ml$/.test(e.name) && /^kind:/m.test(fs.readFileSync(p, 'utf8'))) files.push(p);
        }
      };
      walk(abs);
      fs.writeFileSync(path.join(at, 'kustomization.yaml'), yamlList(files.map((f) => path.relative(at, f))));
    }
    if (Object.keys(j.overlay).length === 0) return at;
    // The Flux Kustomization's own build settings, as kustomize-controller adds them.
    const o = j.overlay as Record<string, any>;
    const dir = fs.mkdtempSync(path.join(tmp, 'ks-'));
    const k: Record<string, unknown> = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: [path.relative(dir, at)],
    };
    if (o.targetNamespace) k.namespace = o.targetNamespace;
    if (o.namePrefix) k.namePrefix = o.namePrefix;
    if (o.nameSuffix) k.nameSuffix = o.nameSuffix;
    if (o.patches) k.patches = o.patches;
    if (o.images) k.images = o.images;
    if (o.components) k.components = (o.components as string[]).map((c) => path.relative(dir, path.join(abs, c)));
    if (o.commonMetadata?.labels) k.labels = [{ pairs: o.commonMetadata.labels, includeSelectors: false }];
    if (o.commonMetadata?.annotations) k.commonAnnotations = o.commonMetadata.annotations;
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), stringify(k));
    return dir;
  };
  const run = (j: Job) =>
    new Promise<void>((resolve) => {
      let at: string;
      try {
        at = target(j);
      } catch (e) {
        j.error = `could not prepare the build: ${(e as Error).message}`;
        return resolve();
      }
      const child = spawn('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', at], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: KUBECTL_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      });
      children.add(child);
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', (e) => {
        j.error = `kubectl could not run: ${e.message} (install kubectl; it carries kustomize)`;
      });
      child.on('close', (code, signal) => {
        children.delete(child);
        if (code === 0) j.stdout = Buffer.concat(out).toString('utf8');
        else
          j.error ??= signal
            ? `kubectl kustomize did not finish within ${KUBECTL_TIMEOUT_MS / 1000} s (killed)`
            : errorLine(err, roots);
        progress?.(++n, jobs.length);
        resolve();
      });
    });
  const limit = Math.max(1, Math.min(jobs.length, (os.availableParallelism?.() ?? os.cpus().length) || 2));
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) await run(jobs[next++]);
    }),
  );
}

/** Text report: per cluster, added/removed/changed objects with a unified diff of each changed one; summary last. */
export function formatDiff(r: DiffResult): string {
  const out: string[] = [];
  for (const [cluster, c] of Object.entries(r.clusters)) {
    if (!c.added.length && !c.removed.length && !c.changed.length) continue;
    out.push(
      `=== cluster ${cluster}: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed`,
    );
    // Lines start with + and - so that a ```diff block (the pull request comment) colours them.
    for (const o of c.added) out.push(`+ added    ${o.id}`);
    for (const o of c.removed) out.push(`- removed  ${o.id}`);
    for (const o of c.changed) out.push(`~ changed  ${o.id}`, ...o.diff.trimEnd().split('\n'));
  }
  if (r.errors.length) {
    out.push('build failures (those Kustomizations are not compared):');
    for (const e of r.errors)
      out.push(
        `  ${e.side === 'base' ? `base ${r.base}` : 'work tree'}: cluster ${e.cluster}, ${e.kustomization} (${e.path}): ${e.message}`,
      );
  }
  const s = r.summary;
  out.push(
    `diff against ${r.base} (${r.baseCommit.slice(0, 12)}): ${s.added} added, ${s.removed} removed, ` +
      `${s.changed} changed object${s.changed === 1 ? '' : 's'} on ${s.clusters} ` +
      `cluster${s.clusters === 1 ? '' : 's'}${s.errors ? `; ${s.errors} build failure${s.errors === 1 ? '' : 's'}` : ''}`,
  );
  return out.join('\n');
}

/** The --json shape: `{ base, baseCommit, clusters: { <c>: { added, removed, changed: [{ id, diff, ... }] } }, errors, summary }`. */
export function diffJson(r: DiffResult): string {
  return JSON.stringify(r, null, 2);
}
