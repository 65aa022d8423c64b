/**
 * walkCluster (helpers/flux.ts) with the kubectl runs batched: the same walk, the same result, one `kubectl kustomize`
 * per level of the walk instead of one per Flux Kustomization. kubectl's start-up is most of a small build, so the
 * all-stories platform walks in a handful of runs instead of ~45 per cluster.
 *
 * How a batch stays exact: each folder is built through its own wrapper kustomization whose nameSuffix is a token no
 * name holds (`--zq<i>q`); kustomize builds the folder alone first, so removing the token from the output gives back
 * the folder's own output, byte for byte (the token also marks which folder each object came from). Namespaces, CRDs
 * and APIServices keep their names under nameSuffix: folders that (statically) hold the same one go in different
 * batches, and such an object is given to the one folder of its batch that holds it. Whenever anything is not as
 * expected (the batch fails, an object cannot be placed), the batch's folders are built one by one with kustomize()
 * of helpers/flux.ts, so a failure reads exactly as there.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RepoReader } from '../../src/check/discover';
import {
  type FluxKs,
  type K8sObject,
  kustomize,
  parseObjects,
  requireKubectl,
  settingsIn,
  type WalkItem,
  walkRoot,
  walkStep,
} from './flux';
import { tmpDir } from './fs';

/** Kinds kustomize's nameSuffix leaves alone. */
const UNSUFFIXED = new Set(['Namespace', 'CustomResourceDefinition', 'APIService']);
const TOKEN = /--zq(\d+)q/g;
const token = (i: number) => `--zq${i}q`;

type Built = { text: string; objects: K8sObject[] };

/** kubectl runs so far: batches built, and batches that fell back to one run per folder (a test asserts on them). */
export const batchStats = { batches: 0, fallbacks: 0, singles: 0 };

/** kind/name of the objects nameSuffix leaves alone, as the library's static build of the folder sees them. */
function fixedIds(reader: RepoReader, rel: string): Set<string> {
  const out = new Set<string>();
  try {
    for (const o of reader.build(rel).objects) if (UNSUFFIXED.has(o.kind)) out.add(`${o.kind}/${o.name}`);
  } catch {
    // no prediction: the batch either builds or falls back
  }
  return out;
}

/** One batch: every folder through a suffixed wrapper, split back by the token. undefined when anything is off. */
function buildBatch(dirs: string[], fixed: Set<string>[]): Map<string, Built> | undefined {
  const at = tmpDir('cpc-kbatch-');
  try {
    const entries = dirs.map((d, i) => {
      const entry = path.join(at, `p${i}`);
      fs.mkdirSync(entry);
      const k = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [path.relative(entry, d)],
        nameSuffix: token(i),
      };
      fs.writeFileSync(path.join(entry, 'kustomization.yaml'), stringify(k));
      return `p${i}`;
    });
    const all = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: entries };
    fs.writeFileSync(path.join(at, 'kustomization.yaml'), stringify(all));
    const r = spawnSync('kubectl', ['kustomize', at], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) return undefined;
    const docs: string[][] = dirs.map(() => []);
    for (const doc of r.stdout.split(/^---\n/m)) {
      if (!doc.trim()) continue;
      const marks = new Set([...doc.matchAll(TOKEN)].map((m) => Number(m[1])));
      let owner: number | undefined;
      if (marks.size === 1) owner = [...marks][0];
      else if (marks.size === 0) {
        const o = parseObjects(doc)[0];
        const holders = fixed.flatMap((f, i) => (o && f.has(`${o.kind}/${o.metadata?.name}`) ? [i] : []));
        if (holders.length === 1) owner = holders[0];
      }
      if (owner === undefined || owner >= dirs.length) return undefined;
      docs[owner].push(doc.replace(TOKEN, ''));
    }
    const out = new Map<string, Built>();
    dirs.forEach((d, i) => {
      const text = docs[i].join('---\n');
      out.set(d, { text, objects: parseObjects(text) });
    });
    return out;
  } finally {
    fs.rmSync(at, { recursive: true, force: true });
  }
}

/**
 * `kubectl kustomize` of every folder (absolute paths), in as few runs as the folders allow. The batches are planned
 * from the library's static build of each folder under repo; `source` names the repo folder whose objects a folder
 * outside repo builds (a temporary kustomization around it), absolute.
 */
export function kustomizeMany(
  repo: string,
  dirs: string[],
  source: (dir: string) => string = (d) => d,
): Map<string, Built> {
  requireKubectl();
  const out = new Map<string, Built>();
  const todo = [...new Set(dirs)];
  if (todo.length === 1) {
    batchStats.singles++;
    return out.set(todo[0], kustomize(todo[0]));
  }
  const reader = new RepoReader(repo);
  // Batches whose folders share no Namespace, CRD or APIService (kustomize refuses the same id twice).
  const batches: { dirs: string[]; fixed: Set<string>[]; ids: Set<string> }[] = [];
  for (const d of todo) {
    const ids = fixedIds(reader, path.relative(repo, source(d)).split(path.sep).join('/'));
    let b = batches.find((x) => ![...ids].some((id) => x.ids.has(id)));
    if (!b) batches.push((b = { dirs: [], fixed: [], ids: new Set() }));
    b.dirs.push(d);
    b.fixed.push(ids);
    for (const id of ids) b.ids.add(id);
  }
  for (const b of batches) {
    const built = b.dirs.length > 1 ? buildBatch(b.dirs, b.fixed) : undefined;
    if (b.dirs.length > 1) batchStats[built ? 'batches' : 'fallbacks']++;
    if (!built) batchStats.singles += b.dirs.length;
    for (const d of b.dirs) out.set(d, built?.get(d) ?? kustomize(d));
  }
  return out;
}

/** walkCluster of helpers/flux.ts, level by level, each level's folders built by kustomizeMany. */
export function walkClusterBatched(
  repo: string,
  cluster: string,
  opts: { substitute?: boolean } = {},
): Map<string, FluxKs> {
  const out = new Map<string, FluxKs>();
  let level: WalkItem[] = [walkRoot(cluster)];
  let settings: Record<string, string> | undefined;
  while (level.length) {
    // The same checks, in the same order, as the one-by-one walk, before anything is built.
    const seen = new Set(out.keys());
    for (const k of level) {
      if (seen.has(k.name)) throw new Error(`cluster ${cluster}: Flux Kustomization ${k.name} is declared twice`);
      seen.add(k.name);
      if (!k.external && !fs.existsSync(path.join(repo, k.path)))
        throw new Error(`cluster ${cluster}: ${k.name}.spec.path ${k.path} does not exist`);
    }
    const builds = kustomizeMany(
      repo,
      level.filter((k) => !k.external).map((k) => path.join(repo, k.path)),
    );
    const next: WalkItem[] = [];
    for (const k of level) {
      if (k.external) {
        out.set(k.name, { ...k, text: '', objects: [], unresolved: [] });
        continue;
      }
      const built = builds.get(path.join(repo, k.path))!;
      settings ??= settingsIn(built);
      const { ks, children } = walkStep(k, built, settings, opts);
      out.set(k.name, ks);
      next.push(...children);
    }
    level = next;
  }
  return out;
}
