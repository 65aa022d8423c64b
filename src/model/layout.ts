// Where a repository keeps its components and how its clusters wire them: data, not code. create-platform-cluster's
// own layout is DEFAULT_LAYOUT; `platform-kit adopt` detects an existing repository's layout (adopt/layout.ts) and
// records it in platform.yaml, so that generated and adopted repositories are described the same way.
//
// Every path is a template over repo-relative POSIX paths with these placeholders:
//   {cluster}    the cluster's name (its entry folder's name)
//   {lane}       the repository's word for the component's lane (`lanes` maps the tool's lanes to it)
//   {area}       a grouping folder, or several (networking, security, networking/gateway, ...)
//   {namespace}  the namespace the component runs in
//   {id}         the component's folder name
//   {component}  the component folder itself (only in `kustomization.file` and `kustomization.path`)
import * as path from 'node:path';
import { z } from 'zod';

const PLACEHOLDER = /\{(cluster|lane|area|namespace|id|component)\}/g;
const TEMPLATE = /^[A-Za-z0-9._{}/-]+$/;
const template = (description: string) =>
  z
    .string()
    .min(1)
    .max(300)
    .regex(TEMPLATE, 'a path template: letters, digits, . _ - / and {placeholders}')
    .meta({ description });

export const LayoutSchema = z.strictObject({
  clusters: template('Entry folder of each cluster, e.g. kubernetes/clusters/{cluster}.'),
  components: template(
    'Folder of one component, e.g. kubernetes/{lane}/{area}/{id} or kubernetes/apps/{namespace}/{id}.',
  ),
  kustomization: z
    .strictObject({
      file: template("File holding the component's Flux Kustomization, e.g. {component}/ks.yaml."),
      path: template('Its spec.path (without ./), e.g. {component}/app.'),
      name: template('Its metadata.name, e.g. {id}.'),
      namespace: template(
        'Its metadata.namespace, e.g. flux-system (the default) or {namespace} (home-ops: the namespace folder sets it).',
      ).optional(),
    })
    .meta({ description: 'The Flux Kustomization of a component: where it is written, what it applies, its name.' }),
  wiring: z
    .strictObject({
      mode: z.enum(['list', 'document']).meta({
        description:
          "list: an entry in a kustomization.yaml's resources; document: the Flux Kustomization is a document of a file its cluster already applies.",
      }),
      file: template(
        "The file that wires a component (a kustomization.yaml for list; the Kustomization's file for document).",
      ),
      entry: template(
        "mode list: the resources entry, relative to the wiring file's folder, e.g. ./{id}/ks.yaml.",
      ).optional(),
      perCluster: z.boolean().meta({
        description:
          'true when each cluster has its own wiring file ({cluster} in file); false when the clusters share it.',
      }),
    })
    .meta({ description: 'How a cluster comes to apply a component.' }),
  lanes: z
    .strictObject({ infrastructure: z.string().min(1).max(63), workloads: z.string().min(1).max(63) })
    .partial()
    .optional()
    .meta({ description: "The repository's word for each of the tool's lanes, where {lane} is used." }),
  settings: z
    .array(
      z.strictObject({
        kind: z.enum(['ConfigMap', 'Secret']),
        name: z.string().min(1).max(253),
        file: template('The file declaring it, e.g. kubernetes/clusters/{cluster}/cluster-settings.yaml.'),
      }),
    )
    .meta({ description: 'Where the variables Flux substitutes (postBuild.substituteFrom) are declared.' }),
});

export type Layout = z.infer<typeof LayoutSchema>;
export type LayoutVars = Partial<Record<'cluster' | 'lane' | 'area' | 'namespace' | 'id' | 'component', string>>;

/** create-platform-cluster's own layout (README "The repository it generates"). */
export const DEFAULT_LAYOUT: Layout = {
  clusters: 'kubernetes/clusters/{cluster}',
  components: 'kubernetes/{lane}/{area}/{id}',
  kustomization: { file: '{component}/ks.yaml', path: '{component}/app', name: '{id}' },
  wiring: {
    mode: 'list',
    file: 'kubernetes/clusters/{cluster}/{lane}/kustomization.yaml',
    entry: '../../../{lane}/{area}/{id}',
    perCluster: true,
  },
  lanes: { infrastructure: 'infrastructure', workloads: 'workloads' },
  settings: [
    { kind: 'ConfigMap', name: 'cluster-settings', file: 'kubernetes/clusters/{cluster}/cluster-settings.yaml' },
    { kind: 'Secret', name: 'cluster-secrets', file: 'kubernetes/clusters/{cluster}/cluster-secrets.yaml' },
  ],
};

/** The placeholders a template uses. */
export function placeholders(t: string): string[] {
  return [...t.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** A template with its placeholders filled; throws on one that `vars` lacks (a layout bug, not bad input). */
export function fill(t: string, vars: LayoutVars): string {
  return t.replace(PLACEHOLDER, (_, k: keyof LayoutVars) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`layout template ${t}: no value for {${k}}`);
    return v;
  });
}

/**
 * The values of a template's placeholders in a concrete path, or undefined when the path does not fit it. A
 * placeholder stands for one folder name ({area}: one or more); one that appears twice must take the same value.
 */
export function match(t: string, p: string): LayoutVars | undefined {
  const names: string[] = [];
  const re = t.split(PLACEHOLDER).map((part, i) => {
    if (i % 2 === 1) {
      names.push(part);
      // {area} may span folders (networking/gateway), as a catalog component's area does; the others are one folder.
      return part === 'area' ? '(.+?)' : '([^/]+)';
    }
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  const m = new RegExp(`^${re.join('')}$`).exec(p);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    if (out[names[i]] !== undefined && out[names[i]] !== m[i + 1]) return undefined;
    out[names[i]] = m[i + 1];
  }
  return out as LayoutVars;
}

/** Where a component is placed: the tool's lane, the catalog's area, its namespace and id, on one cluster. */
export interface PlaceInput {
  cluster: string;
  lane: 'infrastructure' | 'workloads';
  area: string;
  namespace: string;
  id: string;
}

/** A component placed by a layout: its folder, its Flux Kustomization, how a cluster wires it, its settings. */
export interface Placement {
  /** The component folder (repo-relative). */
  dir: string;
  /** The Flux Kustomization: the file holding it, its spec.path (repo-relative, no ./), name and namespace. */
  ks: { file: string; path: string; name: string; namespace: string };
  /** How the cluster comes to apply it: `entry` (mode list) is relative to `file`'s folder. */
  wiring: { mode: 'list' | 'document'; file: string; entry?: string; perCluster: boolean };
  /** What its postBuild substitutes from (the layout's settings sources). */
  substituteFrom: { kind: 'ConfigMap' | 'Secret'; name: string }[];
}

/** Namespace of a component's Flux Kustomization when the layout says none. */
export const DEFAULT_KS_NAMESPACE = 'flux-system';

/**
 * A component's placement on a cluster by a layout: the one function both create-platform-cluster's own layout and
 * an adopted repository's go through. `{lane}` is the repository's word for the tool's lane (layout.lanes).
 */
export function place(layout: Layout, at: PlaceInput): Placement {
  const vars: LayoutVars = {
    cluster: at.cluster,
    lane: layout.lanes?.[at.lane] ?? at.lane,
    area: at.area,
    namespace: at.namespace,
    id: at.id,
  };
  const dir = fill(layout.components, vars);
  const withDir = { ...vars, component: dir };
  const k = layout.kustomization;
  const w = layout.wiring;
  return {
    dir,
    ks: {
      file: fill(k.file, withDir),
      path: fill(k.path, withDir),
      name: fill(k.name, withDir),
      namespace: fill(k.namespace ?? DEFAULT_KS_NAMESPACE, withDir),
    },
    wiring: {
      mode: w.mode,
      file: fill(w.file, withDir),
      ...(w.entry !== undefined ? { entry: fill(w.entry, withDir) } : {}),
      perCluster: w.perCluster,
    },
    substituteFrom: layout.settings.map((s) => ({ kind: s.kind, name: s.name })),
  };
}

/**
 * Why a placement cannot work, or undefined. Each component needs a folder of its own ({id} in components). In
 * mode list the wiring entry must name the Flux Kustomization's file,
 * or the component folder holding it (whose kustomization.yaml lists it: the tool's own layout), and each component
 * needs its own Kustomization file ({id} or {component} in kustomization.file), else two components' entries would
 * name one file; in mode document the Kustomization is a document of the wiring file itself. A layout edited by hand,
 * or detected from a repository whose components follow no one pattern, can break either rule: then nothing is
 * written (a new component whose entry names a file that does not exist breaks the build of everything it sits in).
 */
export function placementProblem(layout: Layout, p: Placement): string | undefined {
  if (!layout.components.includes('{id}'))
    return `components ${layout.components} is the same folder for every component (no {id}): each would write into ${p.dir}`;
  const own = /\{(id|component)\}/.test(layout.kustomization.file);
  if (p.wiring.mode === 'document')
    return p.wiring.file === p.ks.file
      ? undefined
      : `mode document wires the Flux Kustomization as a document of ${p.wiring.file}, but kustomization.file puts it in ${p.ks.file}`;
  if (p.wiring.entry === undefined) return `mode list needs wiring.entry (the resources entry of ${p.wiring.file})`;
  if (!own)
    return (
      `kustomization.file ${layout.kustomization.file} is the same file for every component ` +
      "(no {id} or {component}): each component's entry would name it"
    );
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(p.wiring.file), p.wiring.entry));
  if (target === p.ks.file || (target === p.dir && p.ks.file.startsWith(`${p.dir}/`))) return undefined;
  return `the entry ${p.wiring.entry} of ${p.wiring.file} names ${target}, but the Flux Kustomization is written to ${p.ks.file}`;
}
