import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Ks } from './check';
import { Build, REFUSED_BUILD, RepoReader } from './discover';
import type { Finding } from './types';

/** One kubectl kustomize run (a batch of paths, or one path) at most. */
const KUBECTL_TIMEOUT_MS = 180_000;

/**
 * kustomize-build every distinct Flux Kustomization path once. kubectl's start-up is most of a small build, so
 * paths are built in batches: one generated kustomization per batch lists its paths as resources, and kustomize
 * builds each of them on its own before combining them. Paths whose objects share an id (kind, namespace, name)
 * never go into one batch, because combining them would fail where each alone builds. A batch that fails is
 * built again path by path, so a finding always comes from a build of that path alone. Batches run in parallel,
 * one per core.
 */
export async function runBuilds(root: string, reader: RepoReader, walks: Map<string, Map<string, Ks>>, findings: Finding[], progress?: (d: number, t: number) => void): Promise<void> {
  const jobs = new Map<string, { cluster: string; k: Ks }>();
  // A path whose static walk was refused (a cycle, a loop, outside the repository, a FIFO, over a bound) already has
  // its finding; kubectl would only fail on it too, or block reading a FIFO.
  const refused = (b: Build) => b.findings.some((f) => REFUSED_BUILD.has(f.code)) || [...b.files].some((f) => reader.refused.has(f));
  for (const [cluster, all] of walks) for (const k of all.values()) if (k.build && !jobs.has(k.path) && !refused(k.build)) jobs.set(k.path, { cluster, k });
  const list = [...jobs.entries()];
  let done = 0;
  const limit = Math.max(1, Math.min(list.length, (os.availableParallelism?.() ?? os.cpus().length) || 2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cpc-check-'));

  /** The folder kustomize should build for a path: the path itself, or a generated kustomization as Flux makes. */
  const buildRoot = (dir: string): { at: string; generated: boolean } => {
    if (reader.kustomizationFile(dir)) return { at: path.join(root, dir || '.'), generated: false };
    // Flux generates a kustomization.yaml listing every manifest below the path; do the same, outside the repo.
    const gen = fs.mkdtempSync(path.join(tmp, 'gen-'));
    const resources = reader
      .manifestsBelow(dir)
      .filter((f) => f.endsWith('/') || reader.objectsOf(f).length > 0)
      .map((f) => path.relative(gen, path.join(root, f.replace(/\/$/, ''))));
    fs.writeFileSync(path.join(gen, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\n`);
    return { at: gen, generated: true };
  };

  /** Run kubectl kustomize; resolves to undefined on success, else its error text. */
  const kubectl = (args: string[]) =>
    new Promise<{ error?: string; spawnError?: Error }>((resolve) => {
      // Bounded too: a build that runs this long is reported, not waited for.
      const child = spawn('kubectl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: KUBECTL_TIMEOUT_MS, killSignal: 'SIGKILL' });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('error', (e) => resolve({ spawnError: e }));
      child.on('close', (code, signal) => resolve(code === 0 ? {} : { error: signal ? `kubectl kustomize did not finish within ${KUBECTL_TIMEOUT_MS / 1000} s (killed)` : err }));
    });

  let kubectlMissing = false;
  const one = async (dir: string, job: { cluster: string; k: Ks }) => {
    const b = buildRoot(dir);
    const r = await kubectl(b.generated ? ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', b.at] : ['kustomize', b.at]);
    if (r.spawnError) {
      if (!kubectlMissing) findings.push({ code: 'BUILD_FAILED', severity: 'error', cluster: job.cluster, message: `kubectl could not run: ${r.spawnError.message}`, hint: 'install kubectl (it carries kustomize) or run without --build' });
      kubectlMissing = true;
    } else if (r.error !== undefined) {
      const o = job.k.obj;
      const msg = r.error.replace(/^E\d{4} [^\]]*\] /gm, '').trim().split('\n').slice(0, 3).join(' ');
      const kfile = o ? undefined : reader.kustomizationFile(dir);
      findings.push({ code: 'BUILD_FAILED', severity: 'error', cluster: job.cluster, file: o?.file ?? kfile ?? dir, line: o ? o.lineOf(['spec', 'path']) : kfile ? 1 : undefined, message: `kustomize build of ./${dir} (${job.k.id}) failed: ${msg}`, hint: 'run kubectl kustomize on that folder to see the whole error' });
    }
    progress?.(++done, list.length);
  };

  // Batches of paths whose objects do not collide, about one per core.
  const idsOf = (k: Ks) => new Set((k.build?.objects ?? []).map((o) => `${o.apiVersion.split('/')[0]}|${o.kind}|${o.namespace ?? ''}|${o.name}`));
  const batches: { items: [string, { cluster: string; k: Ks }][]; ids: Set<string> }[] = Array.from({ length: limit }, () => ({ items: [], ids: new Set<string>() }));
  list.forEach((item, i) => {
    const ids = idsOf(item[1].k);
    const fits = (b: (typeof batches)[number]) => ![...ids].some((id) => b.ids.has(id));
    let target = batches[i % limit];
    if (!fits(target)) target = batches.find(fits) ?? batches[batches.push({ items: [], ids: new Set() }) - 1];
    target.items.push(item);
    for (const id of ids) target.ids.add(id);
  });

  const runBatch = async (batch: (typeof batches)[number]) => {
    if (batch.items.length === 0) return;
    if (batch.items.length > 1 && !kubectlMissing) {
      const gen = fs.mkdtempSync(path.join(tmp, 'batch-'));
      const resources = batch.items.map(([dir]) => path.relative(gen, buildRoot(dir).at));
      fs.writeFileSync(path.join(gen, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((r) => `  - ${JSON.stringify(r)}`).join('\n')}\n`);
      const r = await kubectl(['kustomize', '--load-restrictor', 'LoadRestrictionsNone', gen]);
      if (!r.spawnError && r.error === undefined) {
        done += batch.items.length;
        progress?.(done, list.length);
        return;
      }
    }
    // One by one: the batch failed (or has one path), so find out which path and why.
    for (const [dir, job] of batch.items) await one(dir, job);
  };
  try {
    // Run the batches on `limit` workers.
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await runBatch(batches[next++]);
    };
    await Promise.all(Array.from({ length: limit }, worker));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
