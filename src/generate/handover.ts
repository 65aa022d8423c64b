// What a person must set by hand on an adopted repository for an approved story to work. Approving a story turns
// on the switches it declares (toggle variables such as CILIUM_L2_ANNOUNCEMENTS), and the tool's own components read
// them through ${VAR}. A component an adopted Kustomization delivers is
// the repository's people's: their files never read those variables, so the story would silently not work (an L2
// policy with L2 announcements off). This lists, per cluster, each such variable, the person's Kustomization, the
// place in the tool's own template that reads it (a YAML key path) and the value the tool would set there.
// Pure: platform.yaml's spec, the catalog and the templates in, plain data out.
import { isMap, isScalar, isSeq, type Node, parseAllDocuments } from 'yaml';
import type { TemplateRenderer } from '../core/render';
import { Tree } from '../core/tree';
import type { Component } from '../model/components';
import { deliveredBy } from '../model/delivered';
import type { HandoverItem } from '../model/handover';
import type { AdoptedComponent, ClusterModel, PlatformSpec } from '../model/schema';
import type { Catalog } from '../model/stories';
import { recordedStories } from '../model/wiring';
import { renderComponent } from './component';
import { toolValue } from './platform';

/** The catalog components an adopted entry delivers: the model's rule (`component`, then `also`). */
const componentsOf = (a: AdoptedComponent): string[] => deliveredBy(a);

/** component id -> the adopted Kustomization of the cluster that delivers it (the first recorded). */
function deliveredOn(spec: PlatformSpec, cluster: string): Map<string, AdoptedComponent> {
  const out = new Map<string, AdoptedComponent>();
  for (const a of spec.clusters[cluster].adopted ?? [])
    for (const id of componentsOf(a)) if (!out.has(id)) out.set(id, a);
  return out;
}

/** A key of a path: bare when it is a plain word, else quoted (`["kustomize.toolkit.fluxcd.io/prune"]`). */
const keyPart = (k: string, first: boolean) =>
  /^[A-Za-z0-9_-]+$/.test(k) ? `${first ? '' : '.'}${k}` : `[${JSON.stringify(k)}]`;

/** `${VAR}`, `${VAR:=x}`, `${VAR:-x}` of one variable, in a scalar. */
const reference = (v: string) => new RegExp(`\\$\\{${v}(?::?[-=][^}]*)?\\}`, 'g');

/** A scalar's text with each of these variables replaced by its value (others stay as written). */
const filled = (text: string, values: Map<string, string>) =>
  [...values].reduce((t, [v, value]) => t.replace(reference(v), () => value), text);

/** The outermost list item a key path is in (`servers[1]` of `servers[1].zones[0].zone`), or undefined. */
const listItemOf = (at: string) => /^[^[]*\[\d+\]/.exec(at)?.[0];

/** Every string scalar of a YAML node that holds a `${` reference, with its key path. */
function scalarsWithReferences(node: Node | null | undefined, at: string, out: { path: string; text: string }[]) {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      scalarsWithReferences(pair.value as Node, at + keyPart(key, at === ''), out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      scalarsWithReferences(item as Node, `${at}[${i}]`, out);
    });
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    out.push({ path: at, text: node.value });
  }
}

/** A string scalar of the tool's render holding a `${` reference: the object holding it, its key path, its text. */
interface Reference {
  what: string;
  path: string;
  text: string;
}

/**
 * A component as the tool's own render writes it, with the layout's defaults, into a scratch tree (so `.hbs`
 * templates are read as the YAML they produce): its YAML files' texts, and each file's references once it is parsed
 * (parsed only when it names a variable asked about: parsing is most of the cost).
 */
class Drawn {
  private readonly files = new Map<string, string>();
  private readonly parsed = new Map<string, Reference[]>();

  constructor(r: TemplateRenderer, cat: Catalog, comp: Component) {
    const scratch = new Tree();
    for (const f of renderComponent(scratch, r, comp, 'app', (id) => cat.components.get(id)?.component))
      if (/\.ya?ml$/.test(f)) this.files.set(f, scratch.read(f)!);
  }

  /** Where the render reads `variable`, in file order then document order; [] when nowhere. */
  placesOf(variable: string): Reference[] {
    const named = new RegExp(`\\$\\{${variable}[-}:=]`);
    const out: Reference[] = [];
    for (const [f, text] of this.files) {
      if (!named.test(text)) continue;
      let refs = this.parsed.get(f);
      if (!refs) this.parsed.set(f, (refs = referencesIn(f, text)));
      for (const x of refs)
        if (named.test(x.text) && !out.some((y) => y.what === x.what && y.path === x.path)) out.push(x);
    }
    return out;
  }
}

/**
 * Every string scalar of a rendered file holding `${`, with its key path and what holds it: `HelmRelease values` for
 * the chart values file, else the object's kind and name. Comments say nothing: only values are substituted by Flux.
 */
function referencesIn(file: string, text: string): Reference[] {
  const values = file.endsWith('/helm-values.yaml');
  const out: Reference[] = [];
  for (const doc of parseAllDocuments(text)) {
    const found: { path: string; text: string }[] = [];
    scalarsWithReferences(doc.contents as Node, '', found);
    if (!found.length) continue;
    const js = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    const what = values ? 'HelmRelease values' : `${js?.kind ?? 'document'} ${js?.metadata?.name ?? ''}`.trim();
    for (const x of found) out.push({ what, ...x });
  }
  return out;
}

/**
 * For each cluster and each story approved there: the variables the story declares that catalog components
 * delivered on the cluster by adopted Kustomizations read in the tool's own templates (see the header). Cluster
 * order, then the adopted entries' order, then the stories' and their variables' order.
 */
export function handoverItems(spec: PlatformSpec, cat: Catalog, r: TemplateRenderer): HandoverItem[] {
  const drawn = new Map<string, Drawn>();
  const drawnOf = (comp: Component) => {
    let got = drawn.get(comp.id);
    if (!got) drawn.set(comp.id, (got = new Drawn(r, cat, comp)));
    return got;
  };
  const out: HandoverItem[] = [];
  for (const name of Object.keys(spec.clusters)) {
    const c: ClusterModel = { ...spec.clusters[name], name };
    const delivered = deliveredOn(spec, name);
    if (!delivered.size) continue;
    // variable -> the approved stories declaring it, in catalog order
    const declared = new Map<string, string[]>();
    // every variable of those stories, switch or not: the plain values a switched-on block reads (below)
    const plain = new Set<string>();
    for (const st of recordedStories(spec, cat)) {
      if (spec.stories[st.id].clusters[name] !== 'approved') continue;
      // Only the switches a story turns on (toggle): the person's own component then lacks what the approval means
      // (Cilium's gatewayAPI.enabled). A plain value (an L2 interface list) is theirs already, in their own files;
      // telling them to put the tool's default there would be wrong advice.
      for (const v of st.variables) {
        if (v.toggle) declared.set(v.name, [...(declared.get(v.name) ?? []), st.id]);
        else plain.add(v.name);
      }
    }
    if (!declared.size) continue;
    for (const [id, a] of delivered) {
      const comp = cat.components.get(id)?.component;
      if (!comp) continue;
      const reads = drawnOf(comp);
      for (const [variable, stories] of declared) {
        const at = reads.placesOf(variable);
        const value = toolValue(spec, cat, c, variable);
        if (!at.length || value === undefined) continue;
        // A switch inside a list item turns that item on (CoreDNS's split-horizon server block): the plain values the
        // same item reads (the forward target RFC2136_HOST) are part of it, not the person's already.
        const blocks = at.map((p) => listItemOf(p.path)).filter((b): b is string => b !== undefined);
        const more = [...plain].flatMap((v) =>
          reads
            .placesOf(v)
            .filter((q) => at.every((p) => p.what !== q.what || p.path !== q.path))
            .filter((q) => blocks.some((b) => q.path.startsWith(`${b}.`) || q.path.startsWith(`${b}[`))),
        );
        const values = new Map([[variable, value]]);
        for (const v of plain) {
          const got = toolValue(spec, cat, c, v);
          if (got !== undefined) values.set(v, got);
        }
        out.push({
          cluster: name,
          stories,
          variable,
          value,
          component: id,
          kustomization: { name: a.name, namespace: a.namespace, file: a.file },
          places: [...at, ...more].map((p) => ({ what: p.what, path: p.path, value: filled(p.text, values) })),
        });
      }
    }
  }
  return out;
}
