// Rendering into an adopted repository (platform.yaml has a `layout`, written by platform-kit adopt): only what the
// tool owns there. A component is the tool's on a cluster when a story approved there wires it and no Kustomization
// recorded in `clusters.<c>.adopted` delivers it; it is placed by the repository's layout (model/layout.ts place(),
// the same function the default layout goes through) and wired the repository's way by a structural edit of the
// person's file (a resources entry, or a document). Never the scaffold, lanes, cluster-settings, Talos, bootstrap,
// hooks or README: those belong to the repository's people.
import * as path from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import { UsageError } from '../core/errors';
import { KUSTOMIZATION_FILES } from '../core/kustomization-files';
import type { TemplateRenderer } from '../core/render';
import { Tree } from '../core/tree';
import type { Component } from '../model/components';
import { deliveredBy } from '../model/delivered';
import { type HandoverItem, handoverLine } from '../model/handover';
import { fill, type Layout, type Placement, place, placeholders, placementProblem } from '../model/layout';
import { type NamespacePlacement, namespacePlacements } from '../model/namespaces';
import { PLATFORM_FILE } from '../model/platform-file';
import type { AdoptedComponent, ClusterModel, PlatformSpec } from '../model/schema';
import type { Catalog } from '../model/stories';
import { findVariables } from '../model/variables';
import { variantValue } from '../model/variant-settings';
import { catalogFor, recordedStories, storyComponentsFor } from '../model/wiring';
import { type DocWant, docEdits, type ListWant, type Look, listEdits, type WiringEdit } from './adopted-wiring';
import { renderComponent } from './component';
import { handoverItems } from './handover';
import type { RenderResult } from './platform';
import { toolValue } from './platform';
import { renderStories } from './stories';

export type { Look, WiringEdit };

export interface AdoptedRender extends RenderResult {
  wiring: WiringEdit[];
  /** What the repository's people must set by hand for the approved stories (generate/handover.ts). */
  handover: HandoverItem[];
}

/** Catalog components an adopted Kustomization of the cluster delivers (adopt recorded them with `component:`). */
export function deliveredOn(spec: PlatformSpec, cluster: string): Map<string, AdoptedComponent> {
  const out = new Map<string, AdoptedComponent>();
  for (const a of spec.clusters[cluster].adopted ?? [])
    for (const id of deliveredBy(a)) if (!out.has(id)) out.set(id, a);
  return out;
}

/** Components of the stories recorded for the cluster's role that no adopted Kustomization there delivers. */
function candidatesOn(
  spec: PlatformSpec,
  cat: Catalog,
  cluster: string,
): Map<string, { comp: Component; approved: boolean }> {
  const c = spec.clusters[cluster];
  const delivered = deliveredOn(spec, cluster);
  const out = new Map<string, { comp: Component; approved: boolean }>();
  for (const s of recordedStories(spec, cat)) {
    const approved = spec.stories[s.id].clusters[cluster] === 'approved';
    for (const comp of storyComponentsFor(cat, s, c.role)) {
      if (delivered.has(comp.id)) continue;
      const was = out.get(comp.id);
      out.set(comp.id, { comp, approved: approved || Boolean(was?.approved) });
    }
  }
  return out;
}

/** The components the tool renders on a cluster of an adopted repository (see the header). */
export function ownedOn(spec: PlatformSpec, cat: Catalog, cluster: string): Component[] {
  return [...candidatesOn(spec, cat, cluster).values()].filter((x) => x.approved).map((x) => x.comp);
}

/** The Flux Kustomization a placement names, as a document of a multi-document file. */
const ksKey = (p: Placement) => ({
  kind: 'Kustomization',
  name: p.ks.name,
  namespace: p.ks.namespace,
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
});

const placeOn = (layout: Layout, cluster: string, comp: Component): Placement =>
  place(layout, { cluster, lane: comp.lane, area: comp.area, namespace: comp.namespace, id: comp.id });

/** The folder a resources entry of `file` names, repo-relative. */
const entryTarget = (file: string, entry: string) =>
  path.posix.normalize(path.posix.join(path.posix.dirname(file), entry));

/** Keys a settings file declares (ConfigMap/Secret data and stringData), read from the repository as it is. */
function declaredKeys(text: string | undefined, kind: string, name: string): string[] {
  if (text === undefined) return [];
  const out: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!isMap(doc.contents)) continue;
    const js = doc.toJS() as Record<string, any>;
    if (js?.kind !== kind || js?.metadata?.name !== name) continue;
    for (const k of ['data', 'stringData']) if (js[k] && typeof js[k] === 'object') out.push(...Object.keys(js[k]));
  }
  return out;
}

interface Rendered {
  files: Map<string, string>;
  /** mode document: the Flux Kustomization's text, for the wiring file. */
  ksDoc?: string;
}

/** The context of rendering one cluster of an adopted repository. */
interface OnCluster {
  spec: PlatformSpec;
  cat: Catalog;
  look: Look;
  c: ClusterModel;
  /** The components the tool owns on the cluster. */
  owned: Map<string, Component>;
}

/**
 * dependsOn: the Kustomizations that really deliver each dependency on this cluster (an adopted one by its name and
 * namespace, given when it differs). A dependency nothing delivers here (the foundation's coredns, which Talos runs)
 * is left out: Flux would wait for it forever.
 */
function dependsOnFor(on: OnCluster, comp: Component, p: Placement): { name: string; namespace?: string }[] {
  const layout = on.spec.layout!;
  const delivered = deliveredOn(on.spec, on.c.name);
  const out: { name: string; namespace?: string }[] = [];
  for (const d of comp.dependsOn) {
    const mine = on.owned.get(d);
    const theirs = delivered.get(d);
    const at = mine ? placeOn(layout, on.c.name, mine).ks : theirs;
    if (!at) continue;
    // One Kustomization of theirs can deliver two of the dependencies (cilium and its Gateway API CRDs): named once.
    if (out.some((o) => o.name === at.name && (o.namespace ?? p.ks.namespace) === at.namespace)) continue;
    out.push(at.namespace === p.ks.namespace ? { name: at.name } : { name: at.name, namespace: at.namespace });
  }
  return out;
}

/**
 * postBuild.substitute: every ${VAR} the files its Kustomization applies use that the layout's settings (as the
 * repository declares them) do not, with the value the tool's own generator gives it. None: bad input (exit 2).
 */
function substituteFor(
  on: OnCluster,
  comp: Component,
  p: Placement,
  files: Map<string, string>,
  variant?: string,
): Record<string, string> {
  const { spec, cat, c } = on;
  const declared = declaredOn(on);
  const used = new Set<string>();
  for (const [f, text] of files) {
    // What its Flux Kustomization applies: its app folder and its own variant, not kustomize Components or the
    // other variants.
    const own = variant !== undefined && f.startsWith(`${p.dir}/variants/${variant}/`);
    const other = f.startsWith(`${p.dir}/variants/`) && !own;
    if (f === p.ks.file || f.startsWith(`${p.dir}/components/`) || other) continue;
    if (!own && !f.startsWith(`${p.ks.path}/`)) continue;
    for (const v of findVariables(text).required) used.add(v);
  }
  const substitute: Record<string, string> = {};
  const missing: string[] = [];
  for (const v of [...used].sort()) {
    if (declared.has(v)) continue;
    const value = toolValue(spec, cat, c, v) ?? toggleValue(spec, cat, c, v);
    if (value === undefined) missing.push(v);
    else substitute[v] = value;
  }
  if (missing.length)
    throw new UsageError(
      `cluster ${c.name}: ${comp.id} uses variables that neither the repository's settings nor platform.yaml give a value`,
      missing.map(
        (m) => `\${${m}}: set clusters.${c.name}.settings.${m} (or declare it in the settings the layout names)`,
      ),
    );
  return substitute;
}

/**
 * Where its Namespace is declared: by the namespace folder (home-ops: its Kustomizations live in it), by the
 * repository when its own Kustomizations land there already, else in the component's own build.
 */
function namespaceOf(on: OnCluster, comp: Component): NamespacePlacement {
  if (on.spec.layout!.kustomization.namespace === '{namespace}') return 'none';
  if ((on.spec.clusters[on.c.name].adopted ?? []).some((a) => a.targetNamespace === comp.namespace)) return 'none';
  return namespacePlacements(on.cat).get(comp.id) === 'none' ? 'none' : 'app';
}

/**
 * Why the cluster's own entry would apply the component's files a second time, or undefined. An entry folder with no
 * kustomization.yaml is built by Flux from every YAML file below it (bo0tzz/kube syncs the repository's root that
 * way): a component folder there is applied by the entry and by its own Flux Kustomization, and so is a listed
 * Kustomization file. A document added to a file the entry applies (mode document) is how such a repository wires.
 */
function generatedEntryProblem(on: OnCluster, p: Placement): string | undefined {
  const t = on.spec.layout!.clusters;
  if (placeholders(t).some((x) => x !== 'cluster')) return undefined;
  const entry = t === '.' ? '' : fill(t, { cluster: on.c.name });
  const inEntry = (f: string) => entry === '' || f.startsWith(`${entry}/`);
  const hasKustomization = (dir: string) =>
    KUSTOMIZATION_FILES.some((f) => on.look(dir ? `${dir}/${f}` : f) !== undefined);
  /**
   * Flux's generated kustomization takes `item` (a file, or a folder as a whole): no kustomization.yaml from the entry
   * down to the folder holding it (one there lists what it applies, and the recursion stops).
   */
  const reached = (item: string) => {
    if (!inEntry(item)) return false;
    const rest = item
      .slice(entry ? entry.length + 1 : 0)
      .split('/')
      .slice(0, -1);
    for (let i = 0; i <= rest.length; i++)
      if (hasKustomization([entry, ...rest.slice(0, i)].filter(Boolean).join('/'))) return false;
    return true;
  };
  const where = entry ? `./${entry}` : 'the repository root';
  if (reached(p.dir))
    return `the cluster's entry ${where} has no kustomization.yaml, so Flux applies every YAML file below it: ${p.dir} would be applied twice`;
  if (p.wiring.mode === 'list' && reached(p.ks.file))
    return `the cluster's entry ${where} has no kustomization.yaml, so Flux applies ${p.ks.file} by itself and again through ${p.wiring.file}`;
  return undefined;
}

/**
 * Why a new wiring file would be applied by nothing, or undefined. A wiring file that does not exist yet is reached
 * through its folder's parent (newFolder lists it there) or, for a document, its own folder: one of the cluster's
 * adopted Kustomizations must live there, else the layout's templates name a tree the cluster does not sync
 * (tyriis/home-ops: the oci cluster's entry is under devenv/, the others' under kubernetes/).
 */
function unconnectedProblem(on: OnCluster, p: Placement): string | undefined {
  const adopted = on.spec.clusters[on.c.name].adopted ?? [];
  if (!adopted.length || on.look(p.wiring.file) !== undefined) return undefined;
  const dir = path.posix.dirname(p.wiring.file);
  const tree = p.wiring.mode === 'list' ? path.posix.dirname(dir) : dir;
  if (adopted.some((a) => a.file.startsWith(`${tree}/`))) return undefined;
  return `its wiring ${p.wiring.file} would be new, and no Kustomization of cluster ${on.c.name} lives under ./${tree}: nothing would apply it`;
}

/** One component on one cluster, placed and rendered into a scratch tree (so clusters sharing a file can be compared). */
function renderOne(on: OnCluster, r: TemplateRenderer, comp: Component): Rendered {
  const layout = on.spec.layout!;
  const p = placeOn(layout, on.c.name, comp);
  const problem = placementProblem(layout, p) ?? generatedEntryProblem(on, p) ?? unconnectedProblem(on, p);
  if (problem)
    throw new UsageError(`cluster ${on.c.name}: the layout in ${PLATFORM_FILE} cannot place ${comp.id}: ${problem}`, [
      `correct layout in ${PLATFORM_FILE} (docs/adopt-design.md: the layout as data) and run the command again; nothing was written`,
    ]);
  // A component with variants builds the cluster's own: named in its spec.path here (the repository's parent
  // Kustomization need not substitute the cluster's settings into it).
  const variant = comp.variantBy ? variantValue(on.spec, on.cat, on.c.name, comp.variantBy) : undefined;
  if (comp.variantBy && variant === undefined)
    throw new UsageError(
      `cluster ${on.c.name}: ${comp.id} is built per ${comp.variantBy}, which has no value; set clusters.${on.c.name}.settings.${comp.variantBy}`,
    );
  const unit =
    p.wiring.mode === 'list' && p.wiring.entry !== undefined && entryTarget(p.wiring.file, p.wiring.entry) === p.dir;
  if (comp.source && !unit)
    throw new UsageError(
      `component ${comp.id} comes from a git source, which needs a folder its cluster lists; ` +
        `layout ${layout.components} is wired by ${layout.wiring.entry ?? 'documents'} (nothing was written)`,
    );
  const dependsOn = dependsOnFor(on, comp, p);
  const nsPlacement = namespaceOf(on, comp);
  const wiredBy =
    p.wiring.mode === 'list'
      ? `the entry ${p.wiring.entry} of ${p.wiring.file}`
      : `being a document of ${p.wiring.file}, which cluster ${on.c.name} applies`;
  const lookup = (id: string) => on.cat.components.get(id)?.component;
  const draw = (substitute?: Record<string, string>): Rendered => {
    const scratch = new Tree();
    let ksDoc: string | undefined;
    const written = renderComponent(scratch, r, comp, nsPlacement, lookup, {
      placement: p,
      variant,
      dependsOn,
      substitute,
      wiredBy,
      unit,
      ...(p.wiring.mode === 'document' ? { ksDocument: (t: string) => (ksDoc = t) } : {}),
    });
    return { files: new Map(written.map((f) => [f, scratch.read(f)!])), ksDoc };
  };
  const first = draw();
  const substitute = substituteFor(on, comp, p, first.files, variant);
  const out = Object.keys(substitute).length ? draw(substitute) : first;
  // The Flux Kustomization itself is built by its parent, which substitutes only what the repository's settings
  // declare: a ${VAR} of its own (a health check's name) gets the tool's value written in.
  const ks = out.ksDoc ?? out.files.get(p.ks.file)!;
  const resolved = resolveOwnVariables(on, comp, ks);
  if (out.ksDoc !== undefined) out.ksDoc = resolved;
  else out.files.set(p.ks.file, resolved);
  return out;
}

/** Keys the layout's settings declare on the cluster, as the repository's files hold them. */
function declaredOn(on: OnCluster): Set<string> {
  const files = on.spec.layout!.settings.map((s) => ({ ...s, file: s.file.replace(/\{cluster\}/g, on.c.name) }));
  return new Set(files.flatMap((s) => declaredKeys(on.look(s.file), s.kind, s.name)));
}

/** A text with each ${VAR} the cluster's settings do not declare replaced by the tool's value for it. */
function resolveOwnVariables(on: OnCluster, comp: Component, text: string): string {
  const declared = declaredOn(on);
  const body = text.replace(/\n {2}postBuild:\n[\s\S]*$/, '');
  let out = body;
  for (const v of findVariables(body).required) {
    if (declared.has(v)) continue;
    const value = toolValue(on.spec, on.cat, on.c, v) ?? toggleValue(on.spec, on.cat, on.c, v);
    if (value === undefined)
      throw new UsageError(`cluster ${on.c.name}: ${comp.id}'s Flux Kustomization uses \${${v}}, which has no value`, [
        `set clusters.${on.c.name}.settings.${v}`,
      ]);
    out = out.split(`\${${v}}`).join(value);
  }
  return out + text.slice(body.length);
}

/** Two clusters share a file (the layout has no {cluster} in it) but the component needs other values on each. */
function sharedDiffers(
  file: string,
  id: string,
  a: { text: string; cluster: string },
  b: { text: string; cluster: string },
) {
  const la = a.text.split('\n');
  const lb = b.text.split('\n');
  const lines = la.flatMap((l, i) =>
    l !== lb[i] ? [`${a.cluster}: ${l.trim()} | ${b.cluster}: ${(lb[i] ?? '').trim()}`] : [],
  );
  return new UsageError(
    `${file} is shared by clusters ${a.cluster} and ${b.cluster}, but ${id} needs other values on each; nothing was written`,
    [
      ...lines.slice(0, 5),
      "declare the differing variables in each cluster's own settings (the layout's settings files), then approve again",
    ],
  );
}

/** A story's switch (a toggle variable) on a cluster where a story declaring it is approved. */
function toggleValue(spec: PlatformSpec, cat: Catalog, c: ClusterModel, v: string): string | undefined {
  for (const st of recordedStories(spec, cat)) {
    if (spec.stories[st.id].clusters[c.name] !== 'approved') continue;
    const decl = st.variables.find((x) => x.toggle && x.name === v);
    if (decl) return toolValue(spec, cat, c, v) ?? decl.default;
  }
  return undefined;
}

/** Render what the tool owns in an adopted repository and the edits that wire it (see the header). */
export function renderAdopted(spec: PlatformSpec, r: TemplateRenderer, look: Look): AdoptedRender {
  const cat = catalogFor(spec);
  const layout = spec.layout!;
  const tree = new Tree();
  const by = new Map<string, { text: string; cluster: string }>();
  const filesOf = new Map<string, string[]>();
  // Wiring wanted: file -> entry or document -> wanted (and on which cluster), from every cluster.
  const lists = new Map<string, Map<string, ListWant>>();
  const docs = new Map<string, Map<string, DocWant>>();
  for (const name of Object.keys(spec.clusters)) {
    const c: ClusterModel = { ...spec.clusters[name], name };
    const candidates = candidatesOn(spec, cat, name);
    const owned = new Map(ownedOn(spec, cat, name).map((x) => [x.id, x]));
    for (const { comp } of candidates.values()) {
      const p = placeOn(layout, name, comp);
      const mine = owned.has(comp.id);
      if (p.wiring.mode === 'list') {
        const entries = lists.get(p.wiring.file) ?? new Map();
        lists.set(p.wiring.file, entries);
        const e = entries.get(p.wiring.entry!) ?? { want: false, clusters: [], id: comp.id, ns: comp.namespace, comp };
        if (mine) {
          e.want = true;
          e.clusters.push(name);
        }
        entries.set(p.wiring.entry!, e);
      }
      if (!mine) {
        if (p.wiring.mode === 'document') {
          const d = docs.get(p.wiring.file) ?? new Map();
          if (!d.has(p.ks.name)) d.set(p.ks.name, { key: ksKey(p), id: comp.id, cluster: name });
          docs.set(p.wiring.file, d);
        }
        continue;
      }
      const out = renderOne({ spec, cat, look, c, owned }, r, comp);
      filesOf.set(comp.id, [...new Set([...(filesOf.get(comp.id) ?? []), ...out.files.keys()])]);
      for (const [f, text] of out.files) {
        const was = by.get(f);
        if (was && was.text !== text) throw sharedDiffers(f, comp.id, was, { text, cluster: name });
        by.set(f, { text, cluster: name });
        if (!was) tree.write(f, text);
      }
      if (out.ksDoc !== undefined) {
        const d = docs.get(p.wiring.file) ?? new Map();
        d.set(p.ks.name, { doc: out.ksDoc, key: ksKey(p), id: comp.id, cluster: name });
        docs.set(p.wiring.file, d);
      }
    }
  }
  const wiring = [...listEdits(spec, layout, look, lists, (c) => deliveredOn(spec, c)), ...docEdits(look, docs)];
  const handover = handoverItems(spec, cat, r);
  renderDocs(spec, cat, r, tree, filesOf, handover);
  return { tree, settings: {}, wiring, handover };
}

/**
 * The documents (docs/stories/<ID>.md, where a repository the tool generated has them: the add-story hint, a
 * reviewer and the gate look there) of the stories the tool renders: those with a component no adopted Kustomization
 * delivers on a cluster the story is on, draft included (the document is what a person reviews before approving).
 * A story the repository already runs whole is its people's: no document.
 */
function renderDocs(
  spec: PlatformSpec,
  cat: Catalog,
  r: TemplateRenderer,
  tree: Tree,
  filesOf: Map<string, string[]>,
  handover: HandoverItem[],
) {
  const only = new Set<string>();
  const wiredOn = new Map<string, string[]>();
  const clusters = Object.keys(spec.clusters);
  for (const name of clusters) {
    const candidates = candidatesOn(spec, cat, name);
    for (const st of recordedStories(spec, cat))
      if (st.components.some((x) => candidates.has(x.id)) && spec.stories[st.id].clusters[name]) only.add(st.id);
    const wired = [...ownedOn(spec, cat, name).map((x) => x.id), ...deliveredOn(spec, name).keys()];
    for (const id of new Set(wired)) wiredOn.set(id, [...(wiredOn.get(id) ?? []), name]);
  }
  if (!only.size) return;
  const dirOf = (comp: Component) => placeOn(spec.layout!, clusters[0], comp).dir;
  // Each story's document lists what its approval needs set by hand (so the pull request says it).
  const byHand = new Map<string, string[]>();
  for (const item of handover)
    for (const id of item.stories) byHand.set(id, [...(byHand.get(id) ?? []), handoverLine(item)]);
  renderStories(tree, r, spec, cat, filesOf, { only, dirOf, wiredOn, byHand });
}
