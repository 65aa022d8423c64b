import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { walkTree } from '../core/paths';
import { BUILTIN_TEMPLATES } from '../core/render';
import { CATALOG_DIR, readCatalogCache } from './catalog-cache';
import { DEFAULT_LAYOUT, type Placement, place } from './layout';
import { ROLES } from './roles';

export { CATALOG_DIR };

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const AREA = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const HealthCheck = z.strictObject({ apiVersion: z.string(), kind: z.string(), name: z.string() });

/** An object a component's manifests must contain (checked by the tests against the kustomize build). */
export const ResourceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  notes: z.string().optional(),
});

export const ChartSchema = z
  .strictObject({
    name: z.string().min(1),
    url: z.string().min(1),
    version: z.string().min(1),
    /** oci: OCIRepository + chartRef (default); helm: HelmRepository + chart.spec, for charts with no OCI home. */
    repoType: z.enum(['oci', 'helm']).default('oci'),
  })
  .refine((c) => (c.repoType === 'oci' ? c.url.startsWith('oci://') : /^https:\/\//.test(c.url)), {
    message: 'an oci chart url starts with oci://, a helm repository url with https://',
  })
  .meta({
    description: 'The Helm chart: name, url (oci://… or, with repoType helm, https://…) and version.',
    // The refinement above, for an editor (JSON Schema of platform.yaml).
    if: { type: 'object', properties: { repoType: { type: 'string', const: 'helm' } }, required: ['repoType'] },
    then: { type: 'object', properties: { url: { type: 'string', pattern: '^https://' } } },
    else: { type: 'object', properties: { url: { type: 'string', pattern: '^oci://' } } },
  });

/** Manifests that live in another Git repository (pinned tag), applied by the component's Flux Kustomization. */
export const GitSourceSchema = z.strictObject({
  url: z.string().startsWith('https://'),
  tag: z.string().min(1),
  path: z.string().min(1),
});

export const ComponentSchema = z.strictObject({
  id: z
    .string()
    .max(63)
    .regex(DNS_LABEL)
    .meta({ description: 'Component id (a DNS-1123 label): its folder and Flux Kustomization name.' }),
  area: z
    .string()
    .max(120)
    .regex(AREA)
    .meta({ description: 'Folder of the component under its lane (e.g. apps, networking/gateway).' }),
  lane: z
    .enum(['infrastructure', 'workloads'])
    .meta({ description: 'Flux lane of the component: infrastructure, or workloads (apps clusters).' }),
  namespace: z.string().max(63).regex(DNS_LABEL).meta({ description: 'Namespace the component runs in.' }),
  description: z
    .string()
    .max(300)
    .regex(/^[^\x00-\x1f\x7f]*$/, 'one line of text (no control characters)')
    .meta({ description: 'One line saying what the component is.' }),
  chart: ChartSchema.optional(),
  source: GitSourceSchema.optional().meta({
    description: 'Manifests from another Git repository: https url, pinned tag, path.',
  }),
  /** Template of the chart values; defaults to components/<area>/<id>/helm-values.yaml. */
  values: z.string().optional(),
  prune: z.boolean().default(true),
  dependsOn: z.array(z.string()).default([]),
  healthChecks: z.array(HealthCheck).default([]),
  bootstrap: z.number().int().positive().optional(),
  /** Narrows the story's cluster roles for this component. */
  clusters: z.array(z.enum(ROLES)).optional(),
  resources: z.array(ResourceSchema).default([]),
  /** A variable whose value picks the sub-folder variants/<value> Flux builds (object shape differs per cluster). */
  variantBy: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /** Pod Security level enforced on the namespace (privileged: host paths, raw devices; default: the cluster's). */
  podSecurity: z.enum(['privileged', 'baseline', 'restricted']).optional(),
  /** Further labels of the namespace (e.g. the opt-in label of the network-policy baseline). */
  namespaceLabels: z
    .record(
      z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/),
      z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/),
    )
    .optional(),
  /** HelmRelease install/upgrade timeout for slow charts. */
  timeout: z
    .string()
    .regex(/^[0-9]+[smh]$/)
    .optional(),
  /** kustomize Components shipped by another component (its folder + path) that this one's ./app includes. */
  includes: z
    .array(z.strictObject({ component: z.string().regex(DNS_LABEL), path: z.string().regex(/^[a-z0-9][-a-z0-9/]*$/) }))
    .optional(),
  /** postBuild.substitute of the Flux Kustomization: this component's values for the included Components' knobs. */
  substitute: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string().regex(/^[^\x00-\x1f\x7f"'\\$]*$/)).optional(),
});
export type Component = z.infer<typeof ComponentSchema>;

let cached: Component[] | undefined;

/** The foundation components every cluster gets (catalog/components.yaml), validated. */
export function foundationComponents(): Component[] {
  if (cached) return cached;
  const hit = readCatalogCache();
  if (hit) return (cached = hit.components as Component[]);
  return (cached = foundationComponentsFromYaml());
}

/** foundationComponents without the cache: parse and validate catalog/components.yaml. */
export function foundationComponentsFromYaml(): Component[] {
  const raw = parse(fs.readFileSync(path.join(CATALOG_DIR, 'components.yaml'), 'utf8')) as { components: unknown };
  const list = z.array(ComponentSchema).parse(raw.components);
  const ids = new Set(list.map((c) => c.id));
  for (const c of list) {
    for (const d of c.dependsOn) if (!ids.has(d)) throw new Error(`catalog: component ${c.id} depends on unknown ${d}`);
  }
  return list;
}

/** The file next to a component's templates that holds its catalog entry (a story component's data). */
export const COMPONENT_FILE = 'component.yaml';

/**
 * The catalog entries of the story components, by id, as written: each in templates/components/<area>/<id>/component.yaml,
 * next to the files it renders (catalog/stories.yaml names a story's components by id). Validated with the stories.
 */
export function componentEntriesFromYaml(root = BUILTIN_TEMPLATES): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const rel of walkTree(path.join(root, 'components')).files.filter(
    (f) => path.posix.basename(f) === COMPONENT_FILE,
  )) {
    const file = `components/${rel}`;
    const entry = parse(fs.readFileSync(path.join(root, file), 'utf8')) as { id?: unknown; area?: unknown } | null;
    // The folder is where the tool looks for the component's templates: it must be the one its area and id name.
    const named = entry && typeof entry.id === 'string' && typeof entry.area === 'string';
    const where = named
      ? `${componentTemplateDir({ area: entry.area as string, id: entry.id as string })}/${COMPONENT_FILE}`
      : undefined;
    if (where !== file)
      throw new Error(`templates/${file}: its area and id must name its folder (components/<area>/<id>/)`);
    out.set(entry!.id as string, entry);
  }
  return out;
}

/**
 * A component's placement by create-platform-cluster's own layout (model/layout.ts place(), the one code path for
 * both layouts). Its folder is the same on every cluster; `cluster` matters only for the wiring file.
 */
export function defaultPlacement(c: Pick<Component, 'lane' | 'area' | 'id' | 'namespace'>, cluster = ''): Placement {
  return place(DEFAULT_LAYOUT, { cluster, lane: c.lane, area: c.area, namespace: c.namespace, id: c.id });
}

/** Repo-relative folder of a component (create-platform-cluster's layout). */
export function componentDir(c: Pick<Component, 'lane' | 'area' | 'id'>): string {
  // Asked for every file of every component by the render and the design docs: placed once per component.
  const key = `${c.lane}\0${c.area}\0${c.id}`;
  let dir = componentDirs.get(key);
  if (dir === undefined) {
    dir = place(DEFAULT_LAYOUT, { cluster: '', lane: c.lane, area: c.area, namespace: '', id: c.id }).dir;
    componentDirs.set(key, dir);
  }
  return dir;
}

const componentDirs = new Map<string, string>();

/** Template folder of a component (relative to a template root). */
export function componentTemplateDir(c: Pick<Component, 'area' | 'id'>): string {
  return `components/${c.area}/${c.id}`;
}

/** Namespaces that exist on every cluster before Flux runs; components never declare them. */
export const SYSTEM_NAMESPACES = new Set(['kube-system', 'flux-system', 'default']);
