// Wiring the tool's components into an adopted repository: the structural edits of the files its people own (a
// kustomization.yaml's resources entry, a Flux Kustomization document of a file the cluster applies), computed each
// run from the file as it is (generate/wiring-edit.ts does the edits, keeping every other byte). What is wanted comes
// from generate/adopted.ts: per file, each entry or document the tool wants there or not.
import * as path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors';
import { SYSTEM_NAMESPACES } from '../model/components';
import type { Layout } from '../model/layout';
import type { PlatformSpec } from '../model/schema';
import { clustersSharingWiring, type WiredComponent } from '../model/shared-wiring';
import {
  addResource,
  type DocumentKey,
  type FileStyle,
  listDocuments,
  newKustomization,
  removeDocument,
  removeResource,
  styleOf,
  upsertDocument,
  WiringEditError,
} from './wiring-edit';

/** A person's file the tool edits structurally: never in the manifest, so regenerate never deletes or merges it. */
export interface WiringEdit {
  path: string;
  /** The file's new text (LF; the plan writes it with the file's own line ending); absent: the file is deleted. */
  after?: string;
  /** What line was added or removed, and why. */
  reason: string;
}

/** What the render reads of the repository: a file's text (LF), or undefined when it does not exist. */
export type Look = (p: string) => string | undefined;

/** One resources entry of a wiring file: wanted by the clusters listed (none: the tool's entry goes). */
export interface ListWant {
  want: boolean;
  clusters: string[];
  id: string;
  ns: string;
  /** The component, as model/shared-wiring.ts places it (which clusters share its wiring file). */
  comp: WiredComponent;
}

/** One Flux Kustomization document of a wiring file: `doc` its text when wanted, else it goes. */
export interface DocWant {
  doc?: string;
  key: DocumentKey;
  id: string;
  cluster: string;
}

/** A file a person may have written in a way the edits do not take on: bad input, nothing written. */
function edit<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof WiringEditError)
      throw new UsageError(`${e.message}: the tool cannot wire its component there; nothing was written`);
    throw e;
  }
}

/** A file's text as the edits go: undefined, it does not exist; null, the edits delete it. */
type Edited = { text: string | undefined | null; reasons: string[] };

/** Resources entries added or removed (and, for a new namespace folder, the folder's files and its parent's entry). */
export function listEdits(
  spec: PlatformSpec,
  layout: Layout,
  look: Look,
  lists: Map<string, Map<string, ListWant>>,
  deliveredOn: (cluster: string) => Map<string, unknown>,
): WiringEdit[] {
  const texts = new Map<string, Edited>();
  const get = (p: string) => {
    if (!texts.has(p)) texts.set(p, { text: look(p), reasons: [] });
    return texts.get(p)!;
  };
  for (const [file, entries] of lists) {
    for (const [entry, e] of entries) {
      const f = get(file);
      if (e.want) {
        // A shared file wires the component on every cluster that applies it: each must have approved it (approve
        // says so first with the same rule, model/shared-wiring.ts; this holds for a platform.yaml edited by hand too).
        const sharing = clustersSharingWiring(spec, e.comp, e.clusters[0]).clusters;
        const others = sharing.filter((n) => !e.clusters.includes(n) && !deliveredOn(n).has(e.id));
        if (others.length)
          throw new UsageError(
            `${file} is applied by ${[...e.clusters, ...others].join(', ')}: wiring ${e.id} there wires it on all of them; ` +
              `approve its story on ${others.join(', ')} too (nothing was written)`,
          );
        if (f.text == null) newFolder(spec, layout, file, e.ns, get);
        const before = f.text;
        f.text = edit(() =>
          f.text == null
            ? newKustomization([entry], {}, neighbourStyle(spec, file, look), { file })
            : addResource(f.text, entry, { file }),
        );
        if (f.text !== before)
          f.reasons.push(`added resources entry ${entry} (${e.id}, approved on ${e.clusters.join(', ')})`);
      } else if (f.text != null) {
        const text = f.text;
        f.text = edit(() => removeResource(text, entry, { file }));
        if (f.text === text) continue;
        f.reasons.push(`removed resources entry ${entry} (${e.id} is not approved here any more)`);
        dropFolder(spec, file, e.ns, get, look);
      }
    }
  }
  const out: WiringEdit[] = [];
  for (const [p, f] of texts)
    if (f.reasons.length && f.text !== undefined)
      out.push({ path: p, ...(f.text === null ? {} : { after: f.text }), reason: f.reasons.join('; ') });
  return out;
}

/**
 * The style of a new wiring file: a sibling's (the kustomization.yaml of another folder next to the new one that an
 * adopted Kustomization lives in), so the new file looks like its neighbours.
 */
function neighbourStyle(spec: PlatformSpec, file: string, look: Look): Partial<FileStyle> {
  const parent = path.posix.dirname(path.posix.dirname(file));
  for (const c of Object.values(spec.clusters)) {
    for (const a of c.adopted ?? []) {
      if (!a.file.startsWith(`${parent}/`)) continue;
      const sibling = `${parent}/${a.file.slice(parent.length + 1).split('/')[0]}/${path.posix.basename(file)}`;
      const text = look(sibling);
      if (text !== undefined && sibling !== file) return styleOf(text);
    }
  }
  return {};
}

/** What newFolder writes for a namespace folder: its kustomization.yaml (before any entry) and its namespace.yaml. */
function folderText(spec: PlatformSpec, file: string, ns: string, look: Look): string {
  const style = neighbourStyle(spec, file, look);
  return newKustomization(['./namespace.yaml'], { namespace: ns }, style, { file });
}
const namespaceText = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`;

/** A resources entry for a folder, written the way the file's other entries are (./x or x, x/ or x). */
function folderEntry(text: string, name: string): string {
  const entries = [...text.matchAll(/^\s*-\s+(\S+)\s*$/gm)].map((m) => m[1]);
  const dot = entries.filter((e) => e.startsWith('./')).length * 2 >= entries.length;
  const slash = entries.length > 0 && entries.filter((e) => e.endsWith('/')).length * 2 > entries.length;
  return `${dot ? './' : ''}${name}${slash ? '/' : ''}`;
}

/**
 * A wiring file that does not exist yet: its folder is new. Where the namespace folder declares the namespace and
 * its Kustomizations' namespace (home-ops), the new folder gets both, as its siblings have; and a parent
 * kustomization.yaml that lists its folders lists this one too.
 */
function newFolder(spec: PlatformSpec, layout: Layout, file: string, ns: string, get: (p: string) => Edited): void {
  const dir = path.posix.dirname(file);
  const f = get(file);
  const look: Look = (p) => get(p).text ?? undefined;
  if (layout.kustomization.namespace === '{namespace}' && !SYSTEM_NAMESPACES.has(ns)) {
    f.text = folderText(spec, file, ns, look);
    f.reasons.push(`created for namespace ${ns}`);
    const nsFile = get(`${dir}/namespace.yaml`);
    if (nsFile.text == null) {
      nsFile.text = namespaceText(ns);
      nsFile.reasons.push(`created: Namespace ${ns}, declared by its folder as the other namespace folders do`);
    }
  }
  const parentFile = `${path.posix.dirname(dir)}/kustomization.yaml`;
  const parent = get(parentFile);
  const text = parent.text;
  if (text == null) return;
  const entry = folderEntry(text, path.posix.basename(dir));
  parent.text = edit(() => addResource(text, entry, { file: parentFile }));
  if (parent.text !== text) parent.reasons.push(`added resources entry ${entry} (the new folder ${dir})`);
}

/**
 * The last entry left a folder newFolder made exactly as it made it: the folder goes again (its kustomization.yaml,
 * its namespace.yaml and its parent's entry), so unapprove takes back exactly what approve added. A folder a person
 * has changed since stays.
 */
function dropFolder(spec: PlatformSpec, file: string, ns: string, get: (p: string) => Edited, look: Look): void {
  const dir = path.posix.dirname(file);
  const f = get(file);
  const nsFile = get(`${dir}/namespace.yaml`);
  if (f.text !== folderText(spec, file, ns, look) || nsFile.text !== namespaceText(ns)) return;
  f.text = null;
  f.reasons.push(`deleted: the folder of namespace ${ns} holds nothing else`);
  nsFile.text = null;
  nsFile.reasons.push(`deleted with ${file}`);
  const parentFile = `${path.posix.dirname(dir)}/kustomization.yaml`;
  const parent = get(parentFile);
  const text = parent.text;
  if (text == null) return;
  const entry = folderEntry(text, path.posix.basename(dir));
  parent.text = edit(() => removeResource(text, entry, { file: parentFile }));
  if (parent.text !== text) parent.reasons.push(`removed resources entry ${entry} (the folder ${dir} is gone)`);
}

/** Whether a file holds the document `key` names. */
const holds = (text: string | undefined, key: DocumentKey, file: string) =>
  text !== undefined &&
  edit(() => listDocuments(text, { file })).some(
    (k) => k.kind === key.kind && k.name === key.name && (k.namespace ?? '') === (key.namespace ?? ''),
  );

/** Flux Kustomization documents added, replaced or removed in the files their clusters apply. */
export function docEdits(look: Look, docs: Map<string, Map<string, DocWant>>): WiringEdit[] {
  const out: WiringEdit[] = [];
  for (const [file, named] of docs) {
    let text = look(file);
    const reasons: string[] = [];
    for (const [name, d] of named) {
      const before = text;
      if (d.doc !== undefined) {
        const had = holds(text, d.key, file);
        const doc = d.doc;
        text = edit(() => upsertDocument(before ?? '', parse(doc), d.key, { file }));
        if (text !== before)
          reasons.push(`${had ? 'replaced' : 'added'} Flux Kustomization ${name} (${d.id} on ${d.cluster})`);
      } else if (before !== undefined && holds(before, d.key, file)) {
        text = edit(() => removeDocument(before, d.key, { file }));
        reasons.push(`removed Flux Kustomization ${name} (${d.id} is not approved on ${d.cluster} any more)`);
      }
    }
    if (reasons.length && text !== undefined) out.push({ path: file, after: text, reason: reasons.join('; ') });
  }
  return out;
}
