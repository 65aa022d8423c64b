import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { REFUSED_BUILD, type RepoReader } from './discover';
import type { Ks } from './ks';
import type { Build } from './objects';
import type { Finding } from './types';

/** One kubectl kustomize run (a batch of paths, or one path) at most. */
const KUBECTL_TIMEOUT_MS = 180_000;

/** kustomize-controller builds with this restrictor: a kustomization may read files outside its folder. */
const KUSTOMIZE = ['kustomize', '--load-restrictor', 'LoadRestrictionsNone'];

/**
 * Static findings after which kustomize is expected to fail on the path: such a path is built alone from the start,
 * so it never makes a batch fail and be split.
 */
const LIKELY_FAILING = new Set(['RESOURCE_MISSING', 'YAML_INVALID', 'FILE_NOT_REGULAR', 'FILE_TOO_LARGE']);

/** A Flux Kustomization that builds a job: its cluster and the walked object. */
interface Owner {
  cluster: string;
  k: Ks;
}

/** One distinct build: a path with the components Flux adds to it, and every Kustomization (on any cluster) that has it. */
interface Job {
  dir: string;
  components: string[];
  owners: Owner[];
  /** Ids (group, kind, name) of the objects a batch cannot rename apart (UNSUFFIXED kinds) the static walk found. */
  fixed: Set<string>;
  /** Build it alone: the static walk already sees a problem kustomize would fail on. */
  alone: boolean;
  /** Absolute folder kubectl builds (the path, or a generated kustomization), set on first use. */
  at?: string;
  /** Path strings written into generated kustomizations -> the repo-relative path they stand for. */
  written: Map<string, string>;
}

/**
 * spec.components of a Flux Kustomization, repo-relative. The walk may provide them on the Ks (`components`);
 * otherwise they are read from the object, relative to spec.path as kustomize-controller reads them.
 */
function componentsOf(k: Ks, reader: RepoReader): string[] {
  const given = (k as Ks & { components?: string[] }).components;
  if (Array.isArray(given)) return given;
  const spec = k.obj?.raw.spec ?? {};
  const raw: unknown[] = Array.isArray(spec.components) ? spec.components : [];
  return raw
    .filter((c): c is string => typeof c === 'string')
    .map((c) => path.posix.normalize(path.posix.join(k.path, c)))
    .filter((c) => !(spec.ignoreMissingComponents === true && !reader.isDir(c)));
}

/** A repo-relative path as the messages show it. */
const shown = (p: string) => (p ? `./${p}` : '.');

const idOf = (o: Build['objects'][number]) => `${o.apiVersion.split('/')[0]}|${o.kind}|${o.namespace ?? ''}|${o.name}`;

/**
 * Kinds kustomize's nameSuffix leaves alone. Each path of a batch gets its own nameSuffix after it is built, so that
 * the same object in two paths (an app template's `${APP}` objects before substitution) does not collide; objects of
 * these kinds still would, so paths sharing one are never batched together.
 */
const UNSUFFIXED = new Set(['Namespace', 'CustomResourceDefinition', 'APIService']);

/**
 * The error line of a failed `kubectl kustomize`: kustomize's deprecation warnings ("# Warning: 'patchesStrategicMerge'
 * is deprecated ...") and kubectl's log noise come first on stderr, the error after them (kubectl >= 1.30 logs it as
 * `E... run.go:72] "command failed" err="..."`, older ones print `error: ...`).
 */
export function kustomizeError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    const klog = /^([IWEF])\d{4} [\d:.]+\s+\d+ [^\]]*\] (.*)$/.exec(line);
    if (klog) {
      if (klog[1] !== 'E' && klog[1] !== 'F') continue;
      const failed = /^"command failed" err=(".*")$/.exec(klog[2]);
      if (!failed) return klog[2];
      try {
        return JSON.parse(failed[1]) as string;
      } catch {
        return failed[1].slice(1, -1).replace(/\\"/g, '"');
      }
    }
    const plain = /^error: (.*)$/.exec(line);
    if (plain) return plain[1];
  }
  // No error line: the first line that is not a warning.
  return lines.find((l) => !/^#?\s*warning:/i.test(l) && !/^[IW]\d{4} /.test(l)) ?? lines[0] ?? 'no error output';
}

/** The builds to run: one job per distinct path and components, with every Kustomization (owner) that has it. */
function buildJobs(reader: RepoReader, walks: Map<string, Map<string, Ks>>, refused: (b: Build) => boolean): Job[] {
  const jobs = new Map<string, Job>();
  for (const [cluster, all] of walks) {
    for (const k of all.values()) {
      if (!k.build || refused(k.build)) continue;
      const components = componentsOf(k, reader);
      const key = [k.path, ...components].join('\0');
      let job = jobs.get(key);
      if (!job) {
        const ids = new Set<string>();
        const fixed = new Set<string>();
        let dup = false;
        // The components' objects are part of the build: a duplicate with the path's own, or an UNSUFFIXED collision.
        // (The walk's static build holds them already when it gave the Ks its components.)
        const walked = Array.isArray((k as Ks & { components?: string[] }).components);
        const objects = walked
          ? k.build.objects
          : [...k.build.objects, ...components.flatMap((c) => (reader.isDir(c) ? reader.build(c).objects : []))];
        for (const o of objects) {
          if (o.kind === '(patch)') continue;
          const id = idOf(o);
          dup ||= ids.has(id);
          ids.add(id);
          if (UNSUFFIXED.has(o.kind)) fixed.add(`${o.apiVersion.split('/')[0]}|${o.kind}|${o.name}`);
        }
        const alone =
          dup || k.build.findings.some((f) => LIKELY_FAILING.has(f.code)) || components.some((c) => !reader.isDir(c));
        job = { dir: k.path, components, owners: [], fixed, alone, written: new Map() };
        jobs.set(key, job);
      }
      // Every Kustomization with this build gets the finding, on every cluster.
      job.owners.push({ cluster, k });
    }
  }
  return [...jobs.values()];
}

/**
 * Work units: each likely failure alone, the rest in about one batch per core whose objects do not collide; batches
 * first (the longest runs), the single builds fill in behind them.
 */
function workUnits(list: Job[], limit: number): Job[][] {
  const units: Job[][] = list.filter((j) => j.alone).map((j) => [j]);
  const batches: { items: Job[]; fixed: Set<string> }[] = Array.from({ length: limit }, () => ({
    items: [],
    fixed: new Set<string>(),
  }));
  list
    .filter((j) => !j.alone)
    .forEach((job, i) => {
      const fits = (b: (typeof batches)[number]) => ![...job.fixed].some((id) => b.fixed.has(id));
      let target = batches[i % limit];
      if (!fits(target)) target = batches.find(fits) ?? batches[batches.push({ items: [], fixed: new Set() }) - 1];
      target.items.push(job);
      for (const id of job.fixed) target.fixed.add(id);
    });
  units.unshift(...batches.map((b) => b.items).filter((b) => b.length));
  return units;
}

/** Run kubectl kustomize on a folder: resolves to {} on success, else its stderr (or why it could not run). */
const kubectl = (at: string): Promise<{ error?: string; spawnError?: Error }> =>
  new Promise<{ error?: string; spawnError?: Error }>((resolve) => {
    // Bounded too: a build that runs this long is reported, not waited for.
    const child = spawn('kubectl', [...KUSTOMIZE, at], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: KUBECTL_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ spawnError: e }));
    child.on('close', (code, signal) =>
      resolve(
        code === 0
          ? {}
          : { error: signal ? `kubectl kustomize did not finish within ${KUBECTL_TIMEOUT_MS / 1000} s (killed)` : err },
      ),
    );
  });

/**
 * kustomize-build every distinct Flux Kustomization path (with its spec.components) as kustomize-controller does:
 * `--load-restrictor LoadRestrictionsNone`, a kustomization generated where the path has none, components added.
 *
 * kubectl's start-up is most of a small build, so paths are built in batches: one generated kustomization per batch
 * lists the paths as resources, and kustomize builds each of them on its own before combining them, in order (each
 * renamed apart, see UNSUFFIXED, so that combining them never fails where each alone builds). When a batch fails,
 * the path kustomize names is built alone (a finding always comes from a build of that path alone), the paths before
 * it passed, and the rest is built again as a batch; a failure naming no path splits the batch in halves. A path the
 * static walk already sees failing is built alone from the start. Batches run one per core. Everything is read
 * before the first await, so the caller may run its own checks while kubectl works.
 */
export async function runBuilds(
  root: string,
  reader: RepoReader,
  walks: Map<string, Map<string, Ks>>,
  progress?: (d: number, t: number) => void,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  // A path whose static walk was refused (a cycle, a loop, outside the repository, a FIFO, over a bound) already has
  // its finding; kubectl would only fail on it too, or block reading a FIFO.
  const refused = (b: Build) =>
    b.findings.some((f) => REFUSED_BUILD.has(f.code)) || [...b.files].some((f) => reader.refused.has(f));
  const list = buildJobs(reader, walks, refused);
  if (list.length === 0) return findings;
  let done = 0;
  const tick = (n: number) => {
    done += n;
    progress?.(done, list.length);
  };
  const limit = Math.max(1, Math.min(list.length, (os.availableParallelism?.() ?? os.cpus().length) || 2));
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-check-')));
  const realRoot = fs.realpathSync(root);

  /** Write a generated kustomization in a new folder under tmp; entries are repo-relative, written relative to it. */
  const generate = (
    prefix: string,
    resources: string[],
    components: string[],
    written: Map<string, string>,
  ): string => {
    const gen = fs.mkdtempSync(path.join(tmp, prefix));
    const rel = (p: string) => {
      const r = path.relative(gen, path.join(realRoot, p));
      written.set(r, p);
      return r;
    };
    const doc: Record<string, unknown> = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: resources.map(rel),
    };
    if (components.length) doc.components = components.map(rel);
    fs.writeFileSync(path.join(gen, 'kustomization.yaml'), stringify(doc));
    return gen;
  };

  /** The folder kubectl builds for a job. */
  const buildRoot = (job: Job): string => {
    if (job.at) return job.at;
    if (reader.kustomizationFile(job.dir)) {
      // kustomize-controller appends spec.components to the path's kustomization; a wrapper around the path adds them
      // to the same objects without writing into the repository.
      job.at = job.components.length
        ? generate('wrap-', [job.dir], job.components, job.written)
        : path.join(realRoot, job.dir || '.');
    } else {
      // Flux generates a kustomization listing the manifests and the kustomization folders below the path.
      const manifests = reader
        .manifestsBelow(job.dir)
        .filter((f) => f.endsWith('/') || reader.objectsOf(f).length > 0)
        .map((f) => f.replace(/\/$/, ''));
      job.at = generate('gen-', manifests, job.components, job.written);
    }
    return job.at;
  };

  /** The error line with every path repo-relative: no temp folder, no absolute repository root. */
  const readable = (job: Job, stderr: string): string => {
    let msg = kustomizeError(stderr);
    const swaps: [string, string][] = [...job.written].map(([w, p]) => [w, shown(p)]);
    if (job.at?.startsWith(tmp)) swaps.push([job.at, shown(job.dir)]);
    for (const r of new Set([realRoot, root])) swaps.push([`${r}/`, ''], [r, '.']);
    swaps.push([tmp, '(generated)']);
    // Longest first, so that a path is never cut by a shorter one it contains.
    for (const [from, to] of swaps.sort((a, b) => b[0].length - a[0].length)) msg = msg.split(from).join(to);
    return msg;
  };

  let kubectlMissing = false;
  const cannotRun = (e: Error) => {
    if (!kubectlMissing)
      findings.push({
        code: 'BUILD_FAILED',
        severity: 'error',
        cluster: list[0].owners[0].cluster,
        message: `kubectl could not run: ${e.message}`,
        hint: 'install kubectl (it carries kustomize) or run without --build',
      });
    kubectlMissing = true;
  };

  /** Build one job alone; a failure is reported for every Kustomization that has it. */
  const single = async (job: Job) => {
    if (kubectlMissing) return tick(1);
    const r = await kubectl(buildRoot(job));
    if (r.spawnError) cannotRun(r.spawnError);
    else if (r.error !== undefined) {
      const msg = readable(job, r.error);
      const what = `${shown(job.dir)}${job.components.length ? ` with components ${job.components.map(shown).join(', ')}` : ''}`;
      // kustomize failed on the components themselves (a missing folder, a patch matching nothing): point at them.
      const field = job.components.length && /^accumulating components/.test(msg) ? 'components' : 'path';
      for (const { cluster, k } of job.owners) {
        const o = k.obj;
        const kfile = o ? undefined : reader.kustomizationFile(job.dir);
        findings.push({
          code: 'BUILD_FAILED',
          severity: 'error',
          cluster,
          file: o?.file ?? kfile ?? job.dir,
          line: o ? o.lineOf(['spec', field]) : kfile ? 1 : undefined,
          message: `kustomize build of ${what} (${k.id}) failed: ${msg}`,
          hint: 'run kubectl kustomize --load-restrictor LoadRestrictionsNone on that folder to see the whole error',
        });
      }
    }
    tick(1);
  };

  /** Build jobs together; on failure find the failing ones (see runBuilds). */
  const batch = async (items: Job[]): Promise<void> => {
    if (items.length === 0) return;
    if (items.length === 1 || kubectlMissing) {
      for (const j of items) await single(j);
      return;
    }
    const at = fs.mkdtempSync(path.join(tmp, 'batch-'));
    // Each path through its own wrapper: built alone first, then renamed apart (see UNSUFFIXED).
    const entries = items.map((j, i) => {
      const entry = `path-${i}`;
      fs.mkdirSync(path.join(at, entry));
      fs.writeFileSync(
        path.join(at, entry, 'kustomization.yaml'),
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: [path.relative(path.join(at, entry), buildRoot(j))],
          nameSuffix: `-b${i}`,
        }),
      );
      return entry;
    });
    fs.writeFileSync(
      path.join(at, 'kustomization.yaml'),
      stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: entries }),
    );
    const r = await kubectl(at);
    if (r.spawnError) return cannotRun(r.spawnError);
    if (r.error === undefined) return tick(items.length);
    // kustomize accumulates the batch's resources in order and stops at the first that fails, naming it.
    const err = kustomizeError(r.error);
    let first = -1;
    let firstAt = Infinity;
    items.forEach((j, i) => {
      const hit = Math.min(
        ...[entries[i], path.join(at, entries[i]), buildRoot(j)]
          .map((s) => err.indexOf(`'${s}'`))
          .map((n) => (n < 0 ? Infinity : n)),
      );
      if (hit < firstAt) [first, firstAt] = [i, hit];
    });
    if (first >= 0) {
      tick(first);
      await single(items[first]);
      await batch(items.slice(first + 1));
      return;
    }
    const half = Math.ceil(items.length / 2);
    await batch(items.slice(0, half));
    await batch(items.slice(half));
  };

  const units = workUnits(list, limit);
  try {
    let next = 0;
    const worker = async () => {
      while (next < units.length) await batch(units[next++]);
    };
    // All units start at once, up to a bound: the caller's static checks hold this thread, so a unit queued behind
    // another would only start when they end. The OS shares the cores among the processes.
    await Promise.all(Array.from({ length: Math.min(units.length, limit * 4) }, worker));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return findings;
}
