import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';
import { adoptedOn, storyStatusOn } from '../model/adopted';
import { type Component, componentDir } from '../model/components';
import { PLATFORM_FILE } from '../model/platform-file';
import type { AdoptedComponent, PlatformSpec } from '../model/schema';
import { placedOn } from '../model/shared-wiring';
import type { Catalog } from '../model/stories';
import { defaultTargets, storyComponentsFor, wiredComponents } from '../model/wiring';
import { buildPlan, type SprintPlan } from './model';

/** A story of the sprint on one of its clusters, as the gate saw it in platform.yaml. */
export interface GateStory {
  id: string;
  title: string;
  /**
   * cluster -> state in platform.yaml ('missing' when the story is not added there; 'partial' when it is not approved
   * and Kustomizations adopted from the repository deliver some of its components).
   */
  clusters: Record<string, 'approved' | 'draft' | 'partial' | 'missing'>;
  ok: boolean;
}

export interface StaticGate {
  ready: boolean;
  reasons: string[];
  stories: GateStory[];
}

/** One Flux object the live gate looked at. */
export interface LiveCheck {
  cluster: string;
  kind: 'Kustomization' | 'HelmRelease';
  /** namespace/name */
  name: string;
  ready: boolean | 'missing';
  message?: string;
}

export interface LiveGate {
  ready: boolean;
  reasons: string[];
  checks: LiveCheck[];
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with these arguments (without the `kubectl` itself). */
export type KubectlRunner = (args: string[]) => Promise<RunResult>;

/** The sprint of the plan, or a UsageError when it is not a sprint number of the plan. */
export function sprintOfPlan(spec: PlatformSpec, cat: Catalog, sprint: number | string): SprintPlan {
  const plan = buildPlan(cat, spec);
  const n = typeof sprint === 'number' ? sprint : /^[0-9]+$/.test(sprint.trim()) ? Number(sprint.trim()) : NaN;
  const found = Number.isInteger(n) ? plan.sprints.find((s) => s.sprint === n) : undefined;
  if (!found)
    throw new UsageError(
      `sprint ${JSON.stringify(String(sprint))}: not a sprint of the plan (1..${plan.sprints.length})`,
    );
  return found;
}

/**
 * Components the gate is about on each target cluster: what the sprint's stories put there, plus its live components
 * wired there; and the adopted Kustomizations that deliver any of them (their files are their authors').
 */
export function sprintScope(
  spec: PlatformSpec,
  cat: Catalog,
  sp: SprintPlan,
): { clusters: string[]; components: Component[]; adopted: AdoptedComponent[] } {
  const clusters = new Set<string>();
  const components = new Map<string, Component>();
  const adopted = new Map<string, AdoptedComponent>();
  const perCluster = new Map<string, Set<string>>();
  const add = (cl: string, c: Component) => {
    components.set(c.id, c);
    perCluster.set(cl, (perCluster.get(cl) ?? new Set()).add(c.id));
  };
  for (const story of sp.stories) {
    for (const cl of defaultTargets(spec, story)) {
      clusters.add(cl);
      for (const c of storyComponentsFor(cat, story, spec.clusters[cl].role)) add(cl, c);
    }
  }
  for (const cl of clusters) {
    for (const c of wiredComponents(spec, cat, cl)) if (sp.live.includes(c.id)) add(cl, c);
    for (const [id, a] of adoptedOn(spec, cl).delivered)
      if (perCluster.get(cl)?.has(id)) adopted.set(`${a.file}\0${adoptedId(a)}`, a);
  }
  return { clusters: [...clusters], components: [...components.values()], adopted: [...adopted.values()] };
}

/**
 * The sprint's go/no-go gate from platform.yaml and the files: every story of the sprint is added and approved on
 * each cluster whose role it names, every component it puts on a cluster is wired there and has its folder in `dir`.
 * A component a Kustomization adopted from the repository delivers (`clusters.<c>.adopted`, `component:`) is wired
 * by it: its authors' file must be there, not the tool's folder. A story that is only partly delivered that way
 * (partial) fails, naming the components missing.
 */
export function gateStatic(spec: PlatformSpec, cat: Catalog, sprint: number | SprintPlan, dir: string): StaticGate {
  const sp = typeof sprint === 'number' ? sprintOfPlan(spec, cat, sprint) : sprint;
  const reasons: string[] = [];
  const stories: GateStory[] = [];
  const folders = new Set<string>();
  for (const story of sp.stories) {
    const targets = defaultTargets(spec, story);
    const before = reasons.length;
    const states: GateStory['clusters'] = {};
    if (targets.length === 0)
      reasons.push(`${story.id} has no cluster of role ${story.clusters.join(' or ')} in ${PLATFORM_FILE}`);
    for (const cl of targets) {
      const status = storyStatusOn(spec, cat, story, cl);
      states[cl] = status?.state ?? 'missing';
      if (status?.state === 'partial') {
        // present: what adopted Kustomizations deliver and what approved stories wire.
        // waitsOn: what approve would refuse it for first (a story it depends on), said with the rest.
        const has = status.present.join(', ');
        const waits = status.waitsOn.length ? `; approving it waits on: ${status.waitsOn.join('; ')}` : '';
        reasons.push(
          status.missing.length
            ? `${story.id}: partial on ${cl}, missing ${status.missing.join(', ')} (there: ${has})${waits}`
            : `${story.id}: partial on ${cl}: every component it needs is there (${has}), but it is not approved there${waits}`,
        );
        continue;
      }
      if (!status) {
        reasons.push(`${story.id} is not added on ${cl}`);
        continue;
      }
      if (status.state !== 'approved') {
        reasons.push(`${story.id} is ${status.state} on ${cl}`);
        continue;
      }
      const delivered = adoptedOn(spec, cl).delivered;
      const wired = new Set(wiredComponents(spec, cat, cl).map((c) => c.id));
      for (const c of storyComponentsFor(cat, story, spec.clusters[cl].role)) {
        const adopted = delivered.get(c.id);
        if (adopted) {
          if (!folders.has(adopted.file) && !fs.existsSync(path.join(dir, adopted.file)))
            reasons.push(`${story.id}: ${adopted.file} (adopted Kustomization ${adoptedId(adopted)}) is missing`);
          folders.add(adopted.file);
          continue;
        }
        if (!wired.has(c.id)) reasons.push(`${story.id}: component ${c.id} is not wired on ${cl}`);
        // The tool's own folder: where its layout puts the component (an adopted repository's layout is place's
        // Placement; until then its components are checked by `check` in gateStaticWithCheck, not by folder).
        if (spec.layout) continue;
        const folder = componentDir(c);
        if (!folders.has(folder) && !fs.existsSync(path.join(dir, folder, 'ks.yaml')))
          reasons.push(`${story.id}: ${folder}/ks.yaml is missing`);
        folders.add(folder);
      }
    }
    stories.push({ id: story.id, title: story.title, clusters: states, ok: reasons.length === before });
  }
  return { ready: reasons.length === 0, reasons, stories };
}

/** namespace/name of an adopted Kustomization. */
const adoptedId = (a: AdoptedComponent) => `${a.namespace}/${a.name}`;

/** Runs `kubectl` (from PATH); a failure to start it is a status 127 with the error in stderr. */
export const kubectlRunner: KubectlRunner = (args) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (r: RunResult) => {
      if (!done) resolve(r);
      done = true;
    };
    const child = spawn('kubectl', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => finish({ status: 127, stdout, stderr: stderr + `kubectl: ${e.message}` }));
    child.on('close', (code, signal) =>
      finish({ status: code ?? 1, stdout, stderr: signal ? `${stderr}kubectl: killed by ${signal}` : stderr }),
    );
  });

interface FluxObject {
  metadata?: { name?: string; namespace?: string; generation?: number };
  spec?: { suspend?: boolean };
  status?: {
    observedGeneration?: number;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  };
}

/** stderr on one line. */
const oneLine = (s: string) => s.trim().replace(/\s*\n\s*/g, ' | ');

/** Ready as Flux reports it: condition Ready=True for the current generation, not suspended. */
function readiness(o: FluxObject): { ready: boolean; message?: string } {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return { ready: false, message: 'no Ready condition yet' };
  const text = [ready.reason, ready.message].filter(Boolean).join(': ');
  if (ready.status !== 'True') return { ready: false, message: text || `Ready=${ready.status}` };
  if (
    o.metadata?.generation !== undefined &&
    o.status?.observedGeneration !== undefined &&
    o.status.observedGeneration < o.metadata.generation
  ) {
    return {
      ready: false,
      message: `generation ${o.metadata.generation} not reconciled yet (observed ${o.status.observedGeneration})`,
    };
  }
  if (o.spec?.suspend) return { ready: false, message: 'suspended' };
  return { ready: true, message: text || undefined };
}

async function list(runner: KubectlRunner, args: string[]): Promise<{ items?: FluxObject[]; error?: string }> {
  let r: RunResult;
  try {
    r = await runner(args);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (r.status !== 0) return { error: oneLine(r.stderr) || `exit status ${r.status}` };
  try {
    const parsed = JSON.parse(r.stdout) as { items?: FluxObject[] };
    return { items: Array.isArray(parsed.items) ? parsed.items : [] };
  } catch {
    return { error: 'output is not JSON' };
  }
}

/**
 * The sprint's gate on the running clusters: on every cluster that wires any of the sprint's `live` components,
 * each of them has its Flux Kustomization (flux-system/<id>, or where the repository's layout puts it) Ready, and its HelmRelease (<namespace>/<id>) Ready
 * when it has a chart. kubectl runs with `--context <cluster>`; a kubectl failure is a reason, never a throw.
 */
export async function gateLive(
  spec: PlatformSpec,
  cat: Catalog,
  sprint: number | SprintPlan,
  runner: KubectlRunner = kubectlRunner,
): Promise<LiveGate> {
  const sp = typeof sprint === 'number' ? sprintOfPlan(spec, cat, sprint) : sprint;
  const reasons: string[] = [];
  const checks: LiveCheck[] = [];
  for (const cluster of Object.keys(spec.clusters)) {
    const wired = new Map(wiredComponents(spec, cat, cluster).map((c) => [c.id, c]));
    const live = sp.live.filter((id) => wired.has(id)).map((id) => wired.get(id)!);
    if (live.length === 0) continue;
    const ctx = ['--context', cluster, 'get'];
    const delivered = adoptedOn(spec, cluster).delivered;
    // Where each one's Flux Kustomization is: the adopted one that delivers it, else where the layout puts the tool's
    // (home-ops keeps both in the app's namespace, and may name them otherwise).
    const ksOf = (c: Component) => delivered.get(c.id) ?? placedOn(spec, c, cluster).ks;
    const where = live.some((c) => ksOf(c).namespace !== 'flux-system') ? ['-A'] : ['-n', 'flux-system'];
    const [ks, hr] = await Promise.all([
      list(runner, [...ctx, 'kustomizations.kustomize.toolkit.fluxcd.io', ...where, '-o', 'json']),
      list(runner, [...ctx, 'helmreleases.helm.toolkit.fluxcd.io', '-A', '-o', 'json']),
    ]);
    if (ks.error) reasons.push(`${cluster}: kubectl get kustomizations failed: ${ks.error}`);
    if (hr.error) reasons.push(`${cluster}: kubectl get helmreleases failed: ${hr.error}`);
    const look = (kind: LiveCheck['kind'], items: FluxObject[], namespace: string, name: string) => {
      const o = items.find((x) => x.metadata?.name === name && (x.metadata?.namespace ?? namespace) === namespace);
      const id = `${namespace}/${name}`;
      if (!o) {
        checks.push({ cluster, kind, name: id, ready: 'missing' });
        reasons.push(`${cluster}: ${kind} ${id} is missing`);
        return;
      }
      const r = readiness(o);
      checks.push({ cluster, kind, name: id, ready: r.ready, ...(r.message ? { message: r.message } : {}) });
      if (!r.ready) reasons.push(`${cluster}: ${kind} ${id} is not ready: ${r.message}`);
    };
    for (const c of live) {
      // A component an adopted Kustomization delivers: that Kustomization, under its authors' name. Its HelmRelease
      // is theirs too, and adopt does not record its name, so it is not looked up by the component's.
      const a = delivered.get(c.id);
      if (a) {
        if (ks.items) look('Kustomization', ks.items, a.namespace, a.name);
        continue;
      }
      const own = ksOf(c);
      if (ks.items) look('Kustomization', ks.items, own.namespace, own.name);
      if (c.chart && hr.items) look('HelmRelease', hr.items, c.namespace, c.id);
    }
  }
  return { ready: reasons.length === 0, reasons, checks };
}
