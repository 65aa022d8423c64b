// Layout detection: where this repository keeps its components and how its clusters wire them, generalised from
// what every cluster reaches (one observation per component Kustomization) into the templates of model/layout.ts.
//
// A template is found position by position over the observations' paths (same number of segments): a segment
// equal in every observation stays literal; else it is the placeholder whose value equals it in every observation
// ({id}, {cluster}, {namespace}, {lane}, in that order); else it varies freely and is {area}. The template most
// observations fit wins; the others are listed as exceptions, with their files.
import * as path from 'node:path';
import { KUSTOMIZATION_FILES } from '../core/kustomization-files';
import {
  DEFAULT_KS_NAMESPACE,
  DEFAULT_LAYOUT,
  type Layout,
  type LayoutVars,
  match,
  place,
  placementProblem,
} from '../model/layout';
import { type Claim, componentFolder, type KsView, type RepoView, type Why } from './view';

/** Folder words that name a lane, and the tool's lane each stands for. */
export const LANE_WORDS: Record<string, 'infrastructure' | 'workloads'> = {
  infrastructure: 'infrastructure',
  infra: 'infrastructure',
  platform: 'infrastructure',
  core: 'infrastructure',
  apps: 'workloads',
  workloads: 'workloads',
  applications: 'workloads',
};

/** One component Kustomization as the layout sees it. */
export interface Observation {
  cluster: string;
  name: string;
  /** The Flux Kustomization's own namespace (metadata.namespace, or the one its kustomization.yaml sets). */
  ksNamespace: string;
  /** The component folder, its Flux Kustomization's file and spec.path (repo-relative). */
  component: string;
  file: string;
  line: number;
  specPath: string;
  vars: LayoutVars;
  /** How its cluster comes to apply it: a kustomization.yaml entry, or the file itself being applied. */
  wiring: { mode: 'list'; file: string; entry: string; line: number } | { mode: 'document'; file: string };
}

export interface LayoutResult extends Claim<Layout> {
  /** Observations that fit the detected layout, of all. */
  fit: { fits: number; of: number; exceptions: { name: string; cluster: string; file: string; differs: string[] }[] };
  /**
   * Why the layout cannot place a new component (model/layout.ts placementProblem, on a probe component of area
   * networking in kube-system): add-story and approve refuse until platform.yaml's layout is corrected. Absent: it can.
   */
  problem?: string;
}

const read = (view: RepoView, rel: string): Record<string, any> | undefined => {
  const p = view.walk.reader.parse(rel);
  const doc = p?.docs[0];
  const js = doc && p ? view.walk.reader.toJS(rel, doc, p.lc) : undefined;
  return js && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, any>) : undefined;
};

/**
 * The kustomization.yaml entry that puts a component into its parent's build: the one naming the component folder
 * (our layout: a cluster's lane list names the folder, whose kustomization.yaml names ks.yaml) or else the one
 * naming the Kustomization's file (home-ops: the namespace folder lists ./<app>/ks.yaml). None: the file is applied
 * as a document of a folder Flux builds without a kustomization.yaml (clusters/<name>/*.yaml).
 */
function wiringOf(view: RepoView, parent: KsView | undefined, k: KsView): Observation['wiring'] {
  const file = k.ks.obj!.file;
  const folder = componentFolder(k.ks)!;
  const hits: { file: string; entry: string; line: number; names: 'folder' | 'file' }[] = [];
  for (const f of parent?.ks.build?.files ?? []) {
    if (!KUSTOMIZATION_FILES.includes(path.posix.basename(f))) continue;
    const k8s = read(view, f);
    const entries: unknown[] = Array.isArray(k8s?.resources) ? k8s!.resources : [];
    entries.forEach((e, i) => {
      const r = view.walk.reader.resolve(path.posix.dirname(f).replace(/^\.$/, ''), String(e));
      if (!r.ok) return;
      const p = view.walk.reader.parse(f);
      const node = p?.docs[0]?.getIn(['resources', i], true) as { range?: [number, number, number] } | undefined;
      const line = node?.range && p ? p.lc.linePos(node.range[0]).line : 1;
      if (r.rel === folder && folder !== path.posix.dirname(f))
        hits.push({ file: f, entry: String(e), line, names: 'folder' });
      else if (r.rel === file) hits.push({ file: f, entry: String(e), line, names: 'file' });
    });
  }
  const best = hits.find((h) => h.names === 'folder') ?? hits[0];
  return best ? { mode: 'list', file: best.file, entry: best.entry, line: best.line } : { mode: 'document', file };
}

/** The lane word of a component: the first folder of its path that names a lane. */
function laneWord(p: string): string | undefined {
  return p.split('/').find((s) => LANE_WORDS[s] !== undefined);
}

/** Every component Kustomization of every cluster (not the entries, not the lanes that create others). */
export function observations(view: RepoView): Observation[] {
  const out: Observation[] = [];
  for (const c of view.clusters) {
    const byId = new Map(c.kustomizations.map((k) => [k.ks.id, k]));
    for (const k of c.kustomizations) {
      if (k.entry || k.lane || k.external || !k.ks.obj) continue;
      const component = componentFolder(k.ks)!;
      const id = path.posix.basename(component);
      const lane =
        laneWord(component) ?? laneWord(path.posix.basename(k.ks.obj.file, path.posix.extname(k.ks.obj.file)));
      out.push({
        cluster: c.name,
        name: k.ks.name,
        ksNamespace: k.ks.id.split('/')[0],
        component,
        file: k.ks.obj.file,
        line: k.ks.obj.line,
        specPath: k.ks.path.replace(/\/+$/, ''),
        vars: { cluster: c.name, id, namespace: k.namespace, lane },
        wiring: wiringOf(view, k.ks.parent ? byId.get(k.ks.parent) : undefined, k),
      });
    }
  }
  return out;
}

/** Split a path into segments; a file's extension is kept apart so that its stem can be a placeholder. */
function segments(p: string): { segs: string[]; ext: string } {
  const segs = p.split('/');
  const last = segs[segs.length - 1];
  const ext = /\.(ya?ml)$/.test(last) ? last.slice(last.lastIndexOf('.')) : '';
  if (ext) segs[segs.length - 1] = last.slice(0, -ext.length);
  return { segs, ext };
}

const ORDER = ['id', 'cluster', 'namespace', 'lane', 'area'] as const;

/**
 * The template of a set of paths (one per observation), generalised as the header says. `component` paths start
 * with their observation's component folder where `within` is set: that prefix is written {component}.
 */
export function generalise(
  items: { p: string; vars: LayoutVars; component?: string }[],
  area: 'many' | 'one' | 'none' = 'one',
): { template: string; fits: boolean[] } {
  const inside = (it: { p: string; component?: string }) =>
    it.component !== undefined && (it.p === it.component || it.p.startsWith(it.component + '/'));
  const rel = items.map((it) => (inside(it) ? `{component}${it.p.slice(it.component!.length)}` : it.p));
  // Group by shape (segments, extension, and the first two folders with the cluster's name or a lane word read as
  // any cluster or lane): the most
  // common shape wins, the others do not fit it. kubernetes/bases/x/y is not kubernetes/infrastructure/x/y. Where
  // {area} may span folders (component folders: networking/cilium/core), deep paths of any length share a shape.
  const shapes = rel.map((p, i) => {
    const { segs, ext } = segments(p);
    const deep = segs.length >= 4 && !segs[0].startsWith('.') && segs[0] !== '{component}';
    const v = items[i].vars;
    const root = deep
      ? segs
          .slice(0, 2)
          .map((s) => (s === v.cluster ? '{cluster}' : LANE_WORDS[s] !== undefined && s === v.lane ? '{lane}' : s))
          .join('/')
      : '';
    return `${area === 'many' && deep ? '*' : segs.length}|${ext}|${root}`;
  });
  const count = new Map<string, number>();
  for (const s of shapes) count.set(s, (count.get(s) ?? 0) + 1);
  const shape = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
  const idx = rel.map((_, i) => i).filter((i) => shapes[i] === shape);
  if (!idx.length) return { template: '', fits: [] };
  const split = idx.map((i) => segments(rel[i]));
  const fits = rel.map((_, i) => shapes[i] === shape);
  /** One position (a segment index, or from the end when negative): literal, a placeholder, {area} or the majority. */
  const at = (pos: number): string | undefined => {
    const vals = split.map((s) => s.segs[pos < 0 ? s.segs.length + pos : pos]);
    if (vals.every((v) => v === vals[0])) return vals[0];
    const holds = (name: (typeof ORDER)[number]) =>
      idx.map((i, j) => items[i].vars[name] !== undefined && items[i].vars[name] === vals[j]);
    const ph = ORDER.find((name) => holds(name).every(Boolean));
    if (ph) return `{${ph}}`;
    if (area === 'many') return undefined;
    // No placeholder holds for all. The one that holds for most wins over the most common literal when it holds for
    // more observations (haraldkoch: a Kustomization file is mostly <id>.yaml, a few hold two apps): a literal there
    // would place every new component into one existing file. The others do not fit. Component folders (`many`)
    // keep a free {area}; elsewhere a free segment would be filled with the component's area, which it is not.
    const best = ORDER.map((name) => ({ name, hits: holds(name) })).sort(
      (a, b) => b.hits.filter(Boolean).length - a.hits.filter(Boolean).length,
    )[0];
    const major = mostCommon(vals);
    const count = (xs: boolean[]) => xs.filter(Boolean).length;
    if (count(best.hits) > count(vals.map((v) => v === major))) {
      for (const [j, i] of idx.entries()) if (!best.hits[j]) fits[i] = false;
      return `{${best.name}}`;
    }
    if (area === 'one') return undefined;
    for (const [j, i] of idx.entries()) if (vals[j] !== major) fits[i] = false;
    return major;
  };
  const lengths = new Set(split.map((s) => s.segs.length));
  if (lengths.size > 1 && area === 'many') {
    const one = commonDepth(items, idx, split, rel.length);
    if (one) return one;
  }
  const out: string[] = [];
  if (lengths.size === 1) {
    for (let pos = 0; pos < split[0].segs.length; pos++) out.push(at(pos) ?? '{area}');
  } else {
    // Varying depth: the common head, then one {area} for the folders between, then the last segment.
    const min = Math.min(...lengths);
    for (let pos = 0; pos < min - 1; pos++) {
      const v = at(pos);
      if (v === undefined) break;
      out.push(v);
    }
    out.push('{area}', at(-1) ?? '{area}');
  }
  return { template: out.join('/') + split[0].ext, fits };
}

/**
 * Component folders of several depths. When most are of one depth and follow a template with no free {area} there
 * (budimanjojo: cluster/apps/{namespace}/{id}, a few apps one folder deeper), that template is the layout and the
 * deeper ones are exceptions: a free {area} in between would put every new component a folder too deep. Undefined:
 * no such depth (monosense's nested areas need the free {area}).
 */
function commonDepth(
  items: { p: string; vars: LayoutVars; component?: string }[],
  idx: number[],
  split: { segs: string[] }[],
  all: number,
): { template: string; fits: boolean[] } | undefined {
  const depth = mostCommon(split.map((x) => String(x.segs.length)));
  const same = idx.filter((_, j) => String(split[j].segs.length) === depth);
  if (same.length * 2 <= idx.length) return undefined;
  const one = generalise(
    same.map((i) => items[i]),
    'many',
  );
  if (one.template.includes('{area}')) return undefined;
  return {
    template: one.template,
    fits: Array.from({ length: all }, (_, i) => same.includes(i) && one.fits[same.indexOf(i)]),
  };
}

/** A part of the layout generalised over the observations: its template, and which observations fit it. */
interface Part {
  template: string;
  fits: boolean[];
}

/** Every part of the layout, generalised: folders, the Kustomization's file and path, the wiring file and entry. */
interface Parts {
  components: Part;
  file: Part;
  specPath: Part;
  wiringFile: Part;
  entry: Part;
  /** The wiring mode most observations that fit the component folders share. */
  mode: 'list' | 'document';
  /** The observations (with their index) whose component folder fits. */
  core: { o: Observation; i: number }[];
}

/**
 * The component folders decide which observations make the layout (the rest are exceptions); among those, how they
 * are wired decides the rest: the wiring file and entry are generalised over that mode only.
 */
function layoutParts(obs: Observation[]): Parts {
  const components = generalise(
    obs.map((o) => ({ p: o.component, vars: o.vars })),
    'many',
  );
  // Each fitting observation's {area} (the folders the component template's {area} spans): the other parts may name
  // it (haraldkoch: kubernetes/{cluster}/apps/{area}/{id}.yaml next to kubernetes/apps/base/{area}/{id}).
  const core = obs.map((o, i) => ({ o: withArea(o, components.template), i })).filter(({ i }) => components.fits[i]);
  const mode = mostCommon(core.map(({ o }) => o.wiring.mode)) as 'list' | 'document';
  const sameMode = core.filter(({ o }) => o.wiring.mode === mode);
  const wiringFit = generalise(
    sameMode.map(({ o }) => ({
      p: o.wiring.file,
      vars: o.vars,
      component: mode === 'document' ? o.component : undefined,
    })),
  );
  const entryFit = generalise(
    sameMode.map(({ o }) => ({
      p: mode === 'list' ? (o.wiring as { entry: string }).entry.replace(/\/$/, '') : '-',
      vars: o.vars,
    })),
  );
  /** A part generalised over a subset, read back on every observation (outside the subset: does not fit). */
  const onAll = (fit: Part, over = sameMode): Part => ({
    template: fit.template,
    fits: obs.map((_, i) => over.findIndex((x) => x.i === i)).map((j) => j >= 0 && fit.fits[j]),
  });
  const ofCore = (f: (o: Observation) => { p: string; vars: LayoutVars; component?: string }) =>
    onAll(
      generalise(
        core.map(({ o }) => f(o)),
        'none',
      ),
      core,
    );
  return {
    components,
    file: ofCore((o) => ({ p: o.file, vars: o.vars, component: o.component })),
    specPath: ofCore((o) => ({ p: o.specPath, vars: o.vars, component: o.component })),
    wiringFile: onAll(wiringFit),
    entry: onAll(entryFit),
    mode,
    core,
  };
}

/** An observation with its {area} read from the component template (none when the template has no {area}). */
function withArea(o: Observation, template: string): Observation {
  const area = template.includes('{area}') ? match(template, o.component)?.area : undefined;
  return area === undefined ? o : { ...o, vars: { ...o.vars, area } };
}

/** Each observation's Kustomization name as a template ({id} where the component's folder name is in it). */
function nameTemplates(obs: Observation[]): string[] {
  return obs.map((o) =>
    o.name === o.vars.id
      ? '{id}'
      : o.vars.id && o.name.includes(o.vars.id)
        ? o.name.replace(o.vars.id, '{id}')
        : o.name,
  );
}

/** Evidence: one line per part, naming an observation that shows it. */
function evidence(obs: Observation[], parts: Parts, layout: Layout): Why[] {
  const first =
    obs.find((_, i) => parts.components.fits[i] && parts.file.fits[i] && parts.wiringFile.fits[i]) ?? obs[0];
  const why: Why[] = [
    {
      file: first.file,
      line: first.line,
      fact: `component ${first.name} of ${first.cluster} lives in ${first.component}: components at ${layout.components}`,
    },
    {
      file: first.file,
      line: first.line,
      fact: `its Flux Kustomization is in ${first.file}, spec.path ./${first.specPath}, named ${first.name}`,
    },
  ];
  if (first.wiring.mode === 'list')
    why.push({
      file: first.wiring.file,
      line: first.wiring.line,
      fact: `wired by the entry ${first.wiring.entry} of ${first.wiring.file}`,
    });
  else
    why.push({
      file: first.file,
      fact: `wired as a document of ${first.file}, which its cluster applies with no kustomization.yaml listing it`,
    });
  return why;
}

/** Observations that do not fit one of the parts, with what differs. */
function exceptionsOf(
  obs: Observation[],
  parts: Parts,
  names: string[],
  name: string,
): LayoutResult['fit']['exceptions'] {
  const exceptions: LayoutResult['fit']['exceptions'] = [];
  obs.forEach((o, i) => {
    const differs: string[] = [];
    if (!parts.components.fits[i]) differs.push(`component folder ${o.component}`);
    if (!parts.file.fits[i]) differs.push(`Kustomization file ${o.file}`);
    if (!parts.specPath.fits[i]) differs.push(`spec.path ${o.specPath}`);
    const as = o.wiring.mode === 'list' ? 'a list entry' : 'a document';
    if (!parts.wiringFile.fits[i])
      differs.push(o.wiring.mode === parts.mode ? `wired by ${o.wiring.file}` : `wired as ${as} of ${o.wiring.file}`);
    else if (parts.mode === 'list' && !parts.entry.fits[i])
      differs.push(`entry ${(o.wiring as { entry: string }).entry}`);
    if (names[i] !== name) differs.push(`name ${o.name}`);
    if (differs.length) exceptions.push({ name: o.name, cluster: o.cluster, file: o.file, differs });
  });
  return exceptions;
}

/** The layout of a repository, with the observations behind each part; the tool's own when nothing is observed. */
export function detectLayout(view: RepoView): LayoutResult {
  const obs = observations(view);
  const why: Why[] = [];
  const clusters = generalise(view.clusters.map((c) => ({ p: c.entry.path, vars: { cluster: c.name } })));
  for (const c of view.clusters)
    why.push({
      file: c.entry.obj?.file,
      line: c.entry.obj?.line,
      fact: `cluster ${c.name} syncs ./${c.entry.path} (${c.entry.found})`,
    });
  if (!obs.length) {
    why.push({ fact: "no component Kustomization reached: the tool's own layout is recorded" });
    return {
      // '.': the cluster syncs the repository's root (bo0tzz/kube), not the tool's kubernetes/clusters/{cluster}.
      value: {
        ...DEFAULT_LAYOUT,
        clusters: clusters.template || (view.clusters.length ? '.' : DEFAULT_LAYOUT.clusters),
      },
      why,
      fit: { fits: 0, of: 0, exceptions: [] },
    };
  }
  const parts = layoutParts(obs);
  const { core, mode } = parts;
  const names = nameTemplates(obs);
  const name = mostCommon(core.map(({ i }) => names[i]));
  const wiringFile = parts.wiringFile.template;
  const layout: Layout = {
    clusters: clusters.template || '.',
    components: parts.components.template,
    kustomization: { file: parts.file.template, path: parts.specPath.template, name },
    wiring: {
      mode,
      file: wiringFile,
      ...(mode === 'list' && parts.entry.template ? { entry: parts.entry.template } : {}),
      perCluster: wiringFile.includes('{cluster}'),
    },
    settings: [],
  };
  // Where the Flux Kustomizations live: flux-system (the default, left unsaid), or the component's namespace (home-ops:
  // the namespace folder's kustomization.yaml sets it), or another namespace they share.
  const ksNamespace = mostCommon(
    core.map(({ o }) => (o.ksNamespace === o.vars.namespace ? '{namespace}' : o.ksNamespace)),
  );
  if (ksNamespace !== DEFAULT_KS_NAMESPACE) layout.kustomization.namespace = ksNamespace;
  const lanes = lanesOf(obs, layout);
  if (lanes) layout.lanes = lanes;
  why.push(...evidence(obs, parts, layout));
  const exceptions = exceptionsOf(obs, parts, names, name);
  const probe = place(layout, {
    cluster: view.clusters[0].name,
    lane: 'infrastructure',
    area: 'networking',
    namespace: 'kube-system',
    id: 'example',
  });
  const problem = placementProblem(layout, probe);
  return {
    value: layout,
    why,
    fit: { fits: obs.length - exceptions.length, of: obs.length, exceptions },
    ...(problem ? { problem } : {}),
  };
}

function mostCommon<T extends string>(xs: T[]): T {
  const count = new Map<T, number>();
  for (const x of xs) count.set(x, (count.get(x) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

/** The lane words seen where a template says {lane}: the tool's lane -> the repository's word. */
function lanesOf(obs: Observation[], layout: Layout): Layout['lanes'] | undefined {
  const all = [
    layout.components,
    layout.kustomization.file,
    layout.kustomization.path,
    layout.wiring.file,
    layout.wiring.entry ?? '',
  ].join(' ');
  if (!all.includes('{lane}')) return undefined;
  const out: NonNullable<Layout['lanes']> = {};
  for (const o of obs) {
    const word = o.vars.lane;
    if (word && LANE_WORDS[word] && out[LANE_WORDS[word]] === undefined) out[LANE_WORDS[word]] = word;
  }
  return out;
}
