import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Finding } from './types';

/** A `${VAR}` reference in a file. */
export interface VarRef {
  name: string;
  /** `${VAR:=x}` / `${VAR:-x}`: never missing. */
  hasDefault: boolean;
  file: string;
  line: number;
}

/** One object of a static kustomize build, with where it came from. */
export interface Obj {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  raw: Record<string, any>;
  file: string;
  line: number;
  /** Line of a field inside the object (path of keys/indexes), or the object's line. */
  lineOf: (p: (string | number)[]) => number;
  vars: VarRef[];
  /** The outermost kustomization entry that brought this object into the build. */
  via?: { file: string; line: number };
  /** configMapGenerator/secretGenerator objects: data key -> repo-relative source file (`files:` entries). */
  sourceFiles?: Record<string, string>;
}

export interface Build {
  objects: Obj[];
  /** Every repo file the build read. */
  files: Set<string>;
  findings: Finding[];
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const VAR = /(\$?)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=][^}]*)?\}/g;

/** Kinds kustomize treats as cluster-scoped (no namespace is applied to them). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'VolumeSnapshotClass', 'PersistentVolume',
  'ClusterSecretStore', 'ClusterIssuer', 'GatewayClass', 'CiliumLoadBalancerIPPool', 'CiliumL2AnnouncementPolicy', 'CiliumBGPClusterConfig',
  'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement', 'CiliumClusterwideNetworkPolicy', 'PriorityClass', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService', 'IngressClass', 'RuntimeClass', 'ClusterPolicy',
]);
export const isClusterScoped = (kind: string) => CLUSTER_SCOPED.has(kind);

export function scanVars(text: string, file: string, firstLine = 1): VarRef[] {
  const out: VarRef[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (/^\s*#/.test(l)) return; // comments are not substituted in any way that matters here
    for (const m of l.matchAll(VAR)) {
      if (m[1] === '$') continue; // $${VAR} is an escape
      out.push({ name: m[2], hasDefault: Boolean(m[3]), file, line: firstLine + i });
    }
  });
  return out;
}

/**
 * Reads a repository once (files cached) and builds kustomize paths statically, as far as the checks need:
 * resources, components, generators (their files are scanned for variables), namespace; a folder without a
 * kustomization.yaml gets Flux's generated one (every manifest below it).
 */
export class RepoReader {
  private readonly parsed = new Map<string, { docs: Document[]; lc: LineCounter; text: string } | null>();
  readonly findings: Finding[] = [];
  private readonly reported = new Set<string>();

  constructor(readonly root: string) {}

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  exists(rel: string): boolean {
    return fs.existsSync(this.abs(rel));
  }

  isDir(rel: string): boolean {
    try {
      return fs.statSync(this.abs(rel)).isDirectory();
    } catch {
      return false;
    }
  }

  text(rel: string): string {
    return fs.readFileSync(this.abs(rel), 'utf8');
  }

  /** Parse a YAML file (cached); a file that does not parse is reported once as YAML_INVALID. */
  parse(rel: string): { docs: Document[]; lc: LineCounter; text: string } | null {
    if (this.parsed.has(rel)) return this.parsed.get(rel)!;
    const text = this.text(rel);
    const lc = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }) as Document[];
    const bad = docs.find((d) => d.errors.length);
    let out: { docs: Document[]; lc: LineCounter; text: string } | null = { docs, lc, text };
    if (bad) {
      const e = bad.errors[0];
      if (!this.reported.has(rel)) {
        this.reported.add(rel);
        this.findings.push({ code: 'YAML_INVALID', severity: 'error', file: rel, line: lc.linePos(e.pos[0]).line, message: `not valid YAML: ${e.message.split('\n')[0]}`, hint: 'fix the syntax; Flux cannot apply this file' });
      }
      out = null;
    }
    this.parsed.set(rel, out);
    return out;
  }

  /**
   * A document as plain data. Aliases that expand too far (a "billion laughs" YAML bomb) are reported as
   * YAML_INVALID on the file, once, instead of being expanded: undefined then.
   */
  toJS(rel: string, doc: Document, lc: LineCounter): unknown {
    try {
      return doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      if (!this.reported.has(rel)) {
        this.reported.add(rel);
        const line = lc.linePos(doc.contents?.range?.[0] ?? 0).line;
        this.findings.push({ code: 'YAML_INVALID', severity: 'error', file: rel, line, message: `cannot be read: ${(e as Error).message.split('\n')[0]}`, hint: 'write the values out instead of expanding aliases this far; kustomize and Flux refuse it too' });
      }
      return undefined;
    }
  }

  /** The API objects in one YAML file. */
  objectsOf(rel: string): Obj[] {
    const p = this.parse(rel);
    if (!p) return [];
    const out: Obj[] = [];
    for (const doc of p.docs) {
      const raw = this.toJS(rel, doc, p.lc) as Record<string, any> | null | undefined;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw) || typeof raw.kind !== 'string') continue;
      const start = doc.contents?.range?.[0] ?? 0;
      const end = doc.contents?.range?.[2] ?? p.text.length;
      const line = p.lc.linePos(start).line;
      const lineOf = (keys: (string | number)[]) => {
        for (let n = keys.length; n > 0; n--) {
          // The line of the key itself (a block value starts on the next line).
          const parent = n > 1 ? doc.getIn(keys.slice(0, n - 1), true) : doc.contents;
          if (isMap(parent)) {
            const pair = parent.items.find((it) => isScalar(it.key) && it.key.value === keys[n - 1]);
            const r = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
            if (r) return p.lc.linePos(r[0]).line;
          }
          const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          if (node && node.range) return p.lc.linePos(node.range[0]).line;
        }
        return line;
      };
      out.push({
        apiVersion: String(raw.apiVersion ?? ''),
        kind: raw.kind,
        name: String(raw.metadata?.name ?? ''),
        namespace: raw.metadata?.namespace,
        raw,
        file: rel,
        line,
        lineOf,
        vars: scanVars(p.text.slice(start, end), rel, line),
      });
    }
    return out;
  }

  kustomizationFile(dir: string): string | undefined {
    for (const f of KUSTOMIZATION_FILES) if (fs.existsSync(this.abs(path.posix.join(dir, f)))) return path.posix.join(dir, f);
    return undefined;
  }

  /** Build a folder statically (repo-relative, POSIX). */
  build(dir: string, seen: Set<string> = new Set()): Build {
    const out: Build = { objects: [], files: new Set(), findings: [] };
    if (seen.has(dir)) return out;
    seen.add(dir);
    const kfile = this.kustomizationFile(dir);
    if (!kfile) {
      // Flux generates a kustomization.yaml with every manifest below the path.
      for (const f of this.manifestsBelow(dir)) {
        if (f.endsWith('/')) this.merge(out, this.build(f.slice(0, -1), seen));
        else {
          out.files.add(f);
          out.objects.push(...this.objectsOf(f));
        }
      }
      return out;
    }
    out.files.add(kfile);
    const p = this.parse(kfile);
    if (!p || !p.docs[0]) return out;
    const k = (this.toJS(kfile, p.docs[0], p.lc) ?? {}) as Record<string, any>;
    const doc = p.docs[0];
    const lineOf = (keys: (string | number)[]) => {
      const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? p.lc.linePos(node.range[0]).line : 1;
    };
    const entries: [string, (string | number)[]][] = [];
    (Array.isArray(k.resources) ? k.resources : []).forEach((r: unknown, i: number) => entries.push([String(r), ['resources', i]]));
    (Array.isArray(k.components) ? k.components : []).forEach((r: unknown, i: number) => entries.push([String(r), ['components', i]]));
    for (const [entry, at] of entries) {
      if (/^[a-z]+:\/\//.test(entry) || /^(github\.com|gitlab\.com)\//.test(entry)) continue; // remote: not checked offline
      const rel = path.posix.normalize(path.posix.join(dir, entry));
      if (rel.startsWith('..') || !this.exists(rel)) {
        out.findings.push({ code: 'RESOURCE_MISSING', severity: 'error', file: kfile, line: lineOf(at), message: `${at[0]} entry ${entry} does not exist`, hint: `create ${rel} or remove the entry` });
        continue;
      }
      const sub = this.isDir(rel) ? this.build(rel, seen) : { objects: this.objectsOf(rel), files: new Set([rel]), findings: [] };
      const via = { file: kfile, line: lineOf(at) };
      for (const o of sub.objects) o.via = via;
      this.merge(out, sub);
    }
    // Patch files are part of the build too: their ${VAR}s are substituted like the rest.
    const patchFiles: [string, (string | number)[]][] = [];
    (Array.isArray(k.patches) ? k.patches : []).forEach((pt: any, i: number) => typeof pt?.path === 'string' && patchFiles.push([pt.path, ['patches', i, 'path']]));
    (Array.isArray(k.patchesStrategicMerge) ? k.patchesStrategicMerge : []).forEach((pt: unknown, i: number) => typeof pt === 'string' && !pt.includes('\n') && patchFiles.push([pt, ['patchesStrategicMerge', i]]));
    (Array.isArray(k.patchesJson6902) ? k.patchesJson6902 : []).forEach((pt: any, i: number) => typeof pt?.path === 'string' && patchFiles.push([pt.path, ['patchesJson6902', i, 'path']]));
    const own = scanVars(p.text, kfile); // inline patches, labels, namespace: whatever reaches the output
    if (own.length) out.objects.push({ apiVersion: '', kind: '(patch)', name: kfile, raw: { generated: true }, file: kfile, line: 1, lineOf: () => 1, vars: own });
    for (const [pf, at] of patchFiles) {
      const rel = path.posix.normalize(path.posix.join(dir, pf));
      if (!this.exists(rel)) {
        out.findings.push({ code: 'RESOURCE_MISSING', severity: 'error', file: kfile, line: lineOf(at), message: `patch ${pf} does not exist`, hint: `create ${rel} or remove the patch` });
        continue;
      }
      out.files.add(rel);
      const vars = scanVars(this.text(rel), rel);
      if (vars.length) out.objects.push({ apiVersion: '', kind: '(patch)', name: rel, raw: { generated: true }, file: rel, line: 1, lineOf: () => 1, vars });
    }
    // Generators: their source files are part of the build (and may use variables).
    for (const gen of ['configMapGenerator', 'secretGenerator'] as const) {
      (Array.isArray(k[gen]) ? k[gen] : []).forEach((g: any, gi: number) => {
        const vars: Obj['vars'] = [];
        const sourceFiles: Record<string, string> = {};
        (Array.isArray(g?.files) ? g.files : []).forEach((f: unknown, fi: number) => {
          const src = String(f).includes('=') ? String(f).split('=').slice(1).join('=') : String(f);
          const dataKey = String(f).includes('=') ? String(f).split('=')[0] : path.posix.basename(src);
          const rel = path.posix.normalize(path.posix.join(dir, src));
          if (!this.exists(rel)) {
            out.findings.push({ code: 'RESOURCE_MISSING', severity: 'error', file: kfile, line: lineOf([gen, gi, 'files', fi]), message: `${gen} file ${src} does not exist`, hint: `create ${rel} or remove it from ${gen}` });
            return;
          }
          out.files.add(rel);
          sourceFiles[dataKey] = rel;
          vars.push(...scanVars(this.text(rel), rel));
        });
        const name = String(g?.name ?? '');
        const line = lineOf([gen, gi]);
        out.objects.push({ apiVersion: 'v1', kind: gen === 'configMapGenerator' ? 'ConfigMap' : 'Secret', name, namespace: g?.namespace, raw: { apiVersion: 'v1', kind: gen === 'configMapGenerator' ? 'ConfigMap' : 'Secret', metadata: { name }, generated: true }, file: kfile, line, lineOf: () => line, vars, sourceFiles });
      });
    }
    if (typeof k.namespace === 'string') {
      for (const o of out.objects) if (!isClusterScoped(o.kind)) o.namespace = k.namespace;
    }
    return out;
  }

  private merge(into: Build, b: Build): void {
    into.objects.push(...b.objects);
    for (const f of b.files) into.files.add(f);
    into.findings.push(...b.findings);
  }

  /** YAML files below a folder for Flux's generated kustomization; a sub-folder with its own kustomization is one entry (ending in /). */
  manifestsBelow(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      let list: fs.Dirent[];
      try {
        list = fs.readdirSync(this.abs(d), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of list.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.name.startsWith('.')) continue;
        const rel = path.posix.join(d, e.name);
        if (e.isDirectory()) {
          if (this.kustomizationFile(rel)) out.push(rel + '/');
          else walk(rel);
        } else if (/\.ya?ml$/.test(e.name)) out.push(rel);
      }
    };
    walk(dir);
    return out;
  }

  /** Every YAML file of the repository outside hidden folders (for reachability). */
  allYamlFiles(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(this.abs(d), { withFileTypes: true })) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        const rel = d ? path.posix.join(d, e.name) : e.name;
        if (e.isDirectory()) walk(rel);
        else if (/\.ya?ml$/.test(e.name)) out.push(rel);
      }
    };
    walk('');
    return out.sort();
  }
}
