// Contract rules: what one object expects from another (a source artifact, a status condition, a Secret key, a
// DNS record, one owner per object, values unique per cluster). They read the static builds the walk made and
// never guess: a rule stays silent where the repository does not show the whole picture.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, parse as parseYaml } from 'yaml';
import { leadingFluxVar } from '../core/flux-vars';
import { overlaps, parseCidr } from '../core/net';
import type { RepoReader } from './discover';
import { excludesFolder, parseIgnore } from './gitignore';
import type { Build, Obj } from './objects';
import type { Finding } from './types';
import { subst } from './vars';

/** A Flux Kustomization of one cluster as the contract rules see it. */
export interface KsView {
  id: string;
  name: string;
  namespace: string;
  /** spec.path, substituted and normalised, repo-relative ('' is the root). */
  path: string;
  obj?: Obj;
  build?: Build;
  external: boolean;
  /** The cluster its objects land in: '' for this one, `kubeConfig <ns>/<name>` for one spec.kubeConfig names. */
  target: string;
  /** Values its postBuild substitutes ({} without postBuild). */
  values: Record<string, string>;
  /** The ConfigMaps/Secrets those values come from (for file:line of a setting). */
  sources: Obj[];
}

export type Walks = Map<string, KsView[]>;

function deepSubst(v: unknown, values: Record<string, string>): any {
  if (typeof v === 'string') return subst(v, values);
  if (Array.isArray(v)) return v.map((x) => deepSubst(x, values));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [subst(k, values), deepSubst(x, values)]));
  return v;
}
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
/** kubectl flags that take a value: the token after one is that value, not a positional argument. */
const VALUE_FLAGS = new RegExp(
  String.raw`^(--context|--kubeconfig|--type|-o|--output|--dry-run|--cert|--key|--docker-\w+|--url|--username|` +
    '--password|--bearer-token|--ca-file|--private-key-file)$',
);
const unresolved = (s: string) => s.includes('${') || s.includes('{{') || s.includes('$(');
const at = (o: Obj, keys: (string | number)[]) => ({ file: o.file, line: o.lineOf(keys) });
const getIn = (v: any, keys: (string | number)[]): any =>
  keys.reduce((x, k) => (x && typeof x === 'object' ? x[k] : undefined), v);
const isKind = (o: Obj, group: string, kind: string) =>
  o.kind === kind && (o.apiVersion.split('/').length === 2 ? o.apiVersion.split('/')[0] : '') === group;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Objects of one Kustomization's build, each with the namespace Flux applies it in. */
const appliedCache = new WeakMap<KsView, { o: Obj; ns: string; raw: any }[]>();
function applied(k: KsView): { o: Obj; ns: string; raw: any }[] {
  const hit = appliedCache.get(k);
  if (hit) return hit;
  const target = str(k.obj?.raw.spec?.targetNamespace);
  const out = (k.build?.objects ?? [])
    .filter((o) => o.kind !== '(patch)')
    .map((o) => ({ o, ns: subst(target ?? o.namespace ?? 'default', k.values), raw: deepSubst(o.raw, k.values) }));
  appliedCache.set(k, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Helm values as the chart sees them: valuesFrom ConfigMaps (literal, or generated from a file) then spec.values.

interface ValuesSrc {
  data: any;
  file: string;
  line: (keys: (string | number)[]) => number;
}

const valuesCache = new WeakMap<KsView, Map<Obj, ValuesSrc[]>>();
function helmValues(reader: RepoReader, hr: Obj, k: KsView): ValuesSrc[] {
  let perKs = valuesCache.get(k);
  if (!perKs) valuesCache.set(k, (perKs = new Map()));
  const hit = perKs.get(hr);
  if (hit) return hit;
  const out: ValuesSrc[] = [];
  perKs.set(hr, out);
  const objects = k.build?.objects ?? [];
  for (const vf of Array.isArray(hr.raw.spec?.valuesFrom) ? hr.raw.spec.valuesFrom : []) {
    if (vf?.kind !== 'ConfigMap' || typeof vf.name !== 'string' || vf.targetPath) continue;
    const key = str(vf.valuesKey) ?? 'values.yaml';
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.name === vf.name);
    if (!cm) continue;
    const file = cm.sourceFiles?.[key];
    if (file) {
      const parsed = reader.parse(file);
      if (!parsed) continue;
      const doc = parsed.docs[0];
      if (!doc) continue;
      // Substituted after parsing (Flux substitutes the text; the strings that matter here are the same).
      const data = deepSubst(reader.toJS(file, doc, parsed.lc), k.values);
      out.push({ data, file, line: (keys) => lineInDoc(doc, parsed.lc, keys) });
    } else if (typeof cm.raw.data?.[key] === 'string') {
      const lc = new LineCounter();
      const text = subst(cm.raw.data[key], k.values);
      try {
        const doc = parseDocument(text, { lineCounter: lc, logLevel: 'error' });
        const base = cm.lineOf(['data', key]);
        out.push({ data: doc.toJS(), file: cm.file, line: (keys) => base + lineInDoc(doc, lc, keys) });
      } catch {}
    }
  }
  if (hr.raw.spec?.values && typeof hr.raw.spec.values === 'object') {
    out.push({
      data: deepSubst(hr.raw.spec.values, k.values),
      file: hr.file,
      line: (keys) => hr.lineOf(['spec', 'values', ...keys]),
    });
  }
  return out;
}

function lineInDoc(doc: any, lc: LineCounter, keys: (string | number)[]): number {
  for (let n = keys.length; n >= 0; n--) {
    const node = n ? doc.getIn(keys.slice(0, n), true) : doc.contents;
    if (node?.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** Whether a HelmRelease's values (inline or from generated ConfigMaps) mention a word, without parsing them. */
function valuesMention(reader: RepoReader, hr: Obj, k: KsView, words: string[]): boolean {
  const texts: string[] = [];
  if (hr.raw.spec?.values) texts.push(JSON.stringify(hr.raw.spec.values));
  for (const vf of Array.isArray(hr.raw.spec?.valuesFrom) ? hr.raw.spec.valuesFrom : []) {
    const cm = (k.build?.objects ?? []).find((o) => o.kind === 'ConfigMap' && o.name === vf?.name);
    if (!cm) continue;
    const file = cm.sourceFiles?.[str(vf.valuesKey) ?? 'values.yaml'];
    if (file) texts.push(reader.text(file));
    else if (cm.raw.data) texts.push(JSON.stringify(cm.raw.data));
  }
  return texts.some((t) => words.some((w) => t.includes(w)));
}

/** The last value source defining a path (Helm merges valuesFrom first, spec.values last). */
function valueAt(srcs: ValuesSrc[], keys: (string | number)[]): { value: any; file: string; line: number } | undefined {
  for (let i = srcs.length - 1; i >= 0; i--) {
    const v = getIn(srcs[i].data, keys);
    if (v !== undefined) return { value: v, file: srcs[i].file, line: srcs[i].line(keys) };
  }
  return undefined;
}

/** The chart a HelmRelease installs: chart.spec.chart, or the last segment of its chartRef OCIRepository's URL. */
function chartOf(hr: Obj, objects: Obj[]): string {
  const c = str(hr.raw.spec?.chart?.spec?.chart);
  if (c) return c.split('/').pop()!;
  const ref = hr.raw.spec?.chartRef;
  if (ref?.kind === 'OCIRepository') {
    const repo = objects.find((o) => o.kind === 'OCIRepository' && o.name === ref.name);
    const url = str(repo?.raw.spec?.url);
    if (url) return url.replace(/\/+$/, '').split('/').pop()!;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------------------------
// 1. GitRepository spec.ignore that removes the path a Kustomization builds

function checkSourceIgnore(reader: RepoReader, cluster: string, list: KsView[], findings: Finding[]): void {
  const objs = list.flatMap(applied);
  for (const k of list) {
    const spec = k.obj?.raw.spec;
    if (!spec || !k.path) continue;
    const ref = spec.sourceRef ?? {};
    if ((ref.kind ?? 'GitRepository') !== 'GitRepository') continue;
    const name = subst(String(ref.name ?? ''), k.values);
    const ns = subst(String(ref.namespace ?? k.namespace), k.values);
    const repo = objs.find(
      (x) =>
        x.o.kind === 'GitRepository' &&
        x.o.apiVersion.startsWith('source.toolkit.fluxcd.io/') &&
        x.o.name === name &&
        (x.o.namespace ?? x.ns) === ns,
    );
    const ignore = repo && str(repo.raw.spec?.ignore);
    if (!repo || !ignore) continue;
    const patterns = parseIgnore(ignore);
    const hit = excludesFolder(patterns, k.path);
    if (!hit) continue;
    const g = repo.o;
    const keyLine = g.lineOf(['spec', 'ignore']);
    const block = /[|>][-+]?\d?\s*$/.test(lineText(reader, g.file, keyLine));
    const line = block ? keyLine + 1 + hit.pattern.index : keyLine;
    const dotted = patterns.filter((p) => /^!?\.\//.test(p.text));
    const why = dotted.length
      ? ` (${dotted.map((p) => `\`${p.text}\``).join(', ')} never matches: source-controller matches ignore ` +
        `patterns segment by segment, go-git style, and \`.\` is a literal segment)`
      : '';
    findings.push({
      code: 'SOURCE_IGNORE_EXCLUDES_PATH',
      severity: 'error',
      cluster,
      file: g.file,
      line,
      message:
        `GitRepository ${ns}/${name}: spec.ignore pattern \`${hit.pattern.text}\` excludes every ` +
        `manifest below ./${k.path}${why}; the artifact holds no manifest under ./${k.path}, so Flux Kustomization ${k.id} ` +
        `fails ("kustomization path not found") or applies nothing, and everything waiting for it stays not Ready`,
      hint: dotted.length
        ? `anchor re-includes at the repository root without \`./\`: ${dotted.map((p) => `\`${p.text.replace(/^(!?)\.\//, '$1/')}\``).join(', ')}`
        : hit.pattern.isGlob
          ? `re-include the path (\`!/${k.path}\`) after \`${hit.pattern.text}\``
          : `a pattern without a slash matches that name at any depth: anchor it at the root ` +
            `(\`/${hit.pattern.text}\`) or re-include \`!/${k.path}/**\` after it`,
    });
  }
}

function lineText(reader: RepoReader, file: string, line: number): string {
  try {
    return reader.text(file).split('\n')[line - 1] ?? '';
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. healthChecks on kinds whose status has no Ready condition

/**
 * Kinds whose status carries no Ready condition (nor Reconciling/Stalled). kstatus, which Flux uses for health
 * checks, then has nothing to wait for: such an object is Current as soon as it exists ('passes'), or, for a kind
 * whose Current state needs something that never comes on its own, never ('waits').
 */
export const NOT_READY_AWARE: {
  group: string;
  kind: string;
  status: string;
  flux: 'passes' | 'waits';
  current?: string;
  failed?: string;
  instead?: string;
}[] = [
  {
    group: 'dragonflydb.io',
    kind: 'Dragonfly',
    status: 'status.phase only',
    flux: 'passes',
    current: "status.phase == 'ready'",
  },
  {
    group: 'ceph.rook.io',
    kind: 'CephBlockPool',
    status: 'status.phase only',
    flux: 'passes',
    current: "status.phase == 'Ready'",
    failed: "status.phase == 'Failure'",
  },
  {
    group: 'ceph.rook.io',
    kind: 'CephFilesystem',
    status: 'status.phase only',
    flux: 'passes',
    current: "status.phase == 'Ready'",
    failed: "status.phase == 'Failure'",
  },
  {
    group: 'ceph.rook.io',
    kind: 'CephObjectStore',
    status: 'status.phase only',
    flux: 'passes',
    current: "status.phase == 'Ready'",
    failed: "status.phase == 'Failure'",
  },
  {
    group: 'actions.github.com',
    kind: 'AutoscalingRunnerSet',
    status: 'runner counts only',
    flux: 'passes',
    current: 'has(status.currentRunners)',
  },
  { group: 'actions.github.com', kind: 'AutoscalingListener', status: 'no conditions', flux: 'passes' },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    status: 'Accepted/Programmed conditions, no Ready',
    flux: 'passes',
    current: "status.conditions.filter(e, e.type == 'Programmed').all(e, e.status == 'True')",
  },
  {
    group: 'gateway.networking.k8s.io',
    kind: 'HTTPRoute',
    status: 'per-parent conditions only',
    flux: 'passes',
    current: "status.parents.all(p, p.conditions.exists(c, c.type == 'Accepted' && c.status == 'True'))",
  },
  {
    group: 'cilium.io',
    kind: 'CiliumBGPClusterConfig',
    status: 'fault conditions only',
    flux: 'passes',
    instead:
      'drop the entry: sessions are per node (CiliumBGPNodeConfig status), nothing on this object says the peering is up',
  },
  {
    group: 'cilium.io',
    kind: 'CiliumBGPPeerConfig',
    status: 'fault conditions only',
    flux: 'passes',
    instead:
      'drop the entry: sessions are per node (CiliumBGPNodeConfig status), nothing on this object says the peering is up',
  },
  {
    group: 'cilium.io',
    kind: 'CiliumLoadBalancerIPPool',
    status: 'fault conditions only',
    flux: 'passes',
    current: "!status.conditions.exists(c, c.type == 'cilium.io/PoolConflict' && c.status == 'True')",
  },
  { group: 'volsync.backube', kind: 'ReplicationSource', status: 'Synchronizing condition, no Ready', flux: 'passes' },
  {
    group: 'volsync.backube',
    kind: 'ReplicationDestination',
    status: 'Synchronizing condition, no Ready',
    flux: 'passes',
  },
  {
    group: 'snapshot.storage.k8s.io',
    kind: 'VolumeSnapshot',
    status: 'status.readyToUse only',
    flux: 'passes',
    current: 'status.readyToUse == true',
  },
  { group: 'postgresql.cnpg.io', kind: 'Pooler', status: 'instance count only', flux: 'passes' },
  { group: 'postgresql.cnpg.io', kind: 'ScheduledBackup', status: 'schedule times only', flux: 'passes' },
  {
    group: 'k8s.keycloak.org',
    kind: 'KeycloakRealmImport',
    status: 'Done/Started/HasErrors conditions, no Ready',
    flux: 'passes',
    current: "status.conditions.filter(e, e.type == 'Done').all(e, e.status == 'True')",
    failed: "status.conditions.filter(e, e.type == 'HasErrors').all(e, e.status == 'True')",
  },
];

function checkHealthChecks(cluster: string, list: KsView[], findings: Finding[]): void {
  for (const k of list) {
    const spec = k.obj?.raw.spec;
    if (!spec || !Array.isArray(spec.healthChecks)) continue;
    const exprs: any[] = Array.isArray(spec.healthCheckExprs) ? spec.healthCheckExprs : [];
    spec.healthChecks.forEach((hc: any, i: number) => {
      const apiVersion = str(hc?.apiVersion) ?? '';
      const kind = str(hc?.kind) ?? '';
      const known = NOT_READY_AWARE.find((x) => x.kind === kind && x.group === groupOf(apiVersion));
      if (!known) return;
      if (exprs.some((e) => e?.apiVersion === apiVersion && e?.kind === kind)) return;
      const what = `${kind} ${hc.namespace ? subst(String(hc.namespace), k.values) + '/' : ''}${subst(String(hc.name ?? ''), k.values)}`;
      const effect =
        known.flux === 'passes'
          ? `kstatus finds no Ready condition and calls it Current as soon as it exists: Flux passes this ` +
            `health check at once, and everything that dependsOn ${k.id} starts before the ${kind} works`
          : `kstatus never calls it Current on its own: Flux waits for it until the timeout, every reconcile, and ${k.id} never gets Ready`;
      const example = known.current
        ? `{apiVersion: ${apiVersion}, kind: ${kind}, current: "${known.current}"${known.failed ? `, failed: "${known.failed}"` : ''}}`
        : undefined;
      findings.push({
        code: 'HEALTHCHECK_WITHOUT_READY',
        severity: 'warning',
        cluster,
        ...at(k.obj!, ['spec', 'healthChecks', i]),
        message: `${k.id} health-checks ${what}, whose status has ${known.status}; ${effect}`,
        hint: example
          ? `add a healthCheckExprs entry, e.g. ${example}`
          : (known.instead ??
            `add a healthCheckExprs entry for ${apiVersion} ${kind}, or health-check what it creates (a Deployment, a StatefulSet) instead`),
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Secret keys read but provided by nothing in the repository

interface Provider {
  /** undefined: the keys cannot be known from the repository. */
  keys?: Set<string>;
  what: string;
}
interface Reader {
  ns: string;
  name: string;
  /** Alternatives: the read succeeds when every key of one alternative exists. */
  keys: string[][];
  what: string;
  /** What happens when the key is missing. */
  effect: string;
  file: string;
  line: number;
}

/** Text files where people keep bootstrap commands. */
const DOC_FILE = /(\.(md|sh|bash|txt|just|mk)|^justfile|^Justfile|^Makefile|^Taskfile\.ya?ml|\.taskfile\.ya?ml)$/;

/** `kubectl ... create secret ...` lines of the repository's docs and scripts (continuations joined). */
export function bootstrapSecrets(
  root: string,
): { ns?: string; name: string; keys?: Set<string>; file: string; line: number }[] {
  const out: { ns?: string; name: string; keys?: Set<string>; file: string; line: number }[] = [];
  const walk = (rel: string, depth: number) => {
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth < 8) walk(r, depth + 1);
        continue;
      }
      if (!DOC_FILE.test(e.name)) continue;
      let text: string;
      try {
        const st = fs.statSync(path.join(root, r));
        if (!st.isFile() || st.size > 512 * 1024) continue; // a FIFO named notes.md would block the read forever
        text = fs.readFileSync(path.join(root, r), 'utf8');
      } catch {
        continue;
      }
      if (!text.includes('create secret')) continue;
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        let cmd = lines[i];
        const start = i;
        while (/\\\s*$/.test(cmd) && i + 1 < lines.length) cmd = cmd.replace(/\\\s*$/, ' ') + lines[++i];
        const parsed = parseCreateSecret(cmd);
        if (parsed) out.push({ ...parsed, file: r, line: start + 1 });
      }
    }
  };
  walk('', 0);
  return out;
}

/** One `kubectl create secret generic|tls|docker-registry NAME ...` (or `flux create secret ...`: keys unknown). */
export function parseCreateSecret(cmd: string): { ns?: string; name: string; keys?: Set<string> } | undefined {
  const m =
    /\b(kubectl|flux)\b(.*?)\bcreate\s+secret\s+(generic|tls|docker-registry|git|helm|oci|notation|proxy)?\s*(.*)$/.exec(
      cmd,
    );
  if (!m) return undefined;
  const tokens = (m[2] + ' ' + m[4]).match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  const unq = (t: string) => t.replace(/^["']|["']$/g, '').replace(/(["'])/g, '');
  let ns: string | undefined;
  let name: string | undefined;
  let keys: Set<string> | undefined = m[1] === 'kubectl' ? new Set() : undefined;
  if (m[1] === 'kubectl' && m[3] === 'tls') keys = new Set(['tls.crt', 'tls.key']);
  if (m[1] === 'kubectl' && m[3] === 'docker-registry') keys = new Set(['.dockerconfigjson']);
  const restOfM2 = m[2].match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)?.length ?? 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = unq(tokens[i]);
    const val = () => (t.includes('=') ? t.slice(t.indexOf('=') + 1) : unq(tokens[++i] ?? ''));
    if (/^(-n|--namespace)(=|$)/.test(t)) ns = val();
    else if (/^--from-literal(=|$)/.test(t)) {
      const kv = val();
      if (keys) keys.add(kv.split('=')[0]);
    } else if (/^--from-file(=|$)/.test(t)) {
      const kv = val();
      if (kv.includes('=')) keys?.add(kv.split('=')[0]);
      else keys = undefined; // key is the file's basename, or every file of a folder
    } else if (/^--from-env-file(=|$)/.test(t)) {
      val();
      keys = undefined;
    } else if (t.startsWith('-')) {
      if (!t.includes('=') && i + 1 < tokens.length && !unq(tokens[i + 1]).startsWith('-') && VALUE_FLAGS.test(t)) i++;
    } else if (!name && i >= restOfM2) name = t;
  }
  if (!name || /[;|&><]/.test(name)) return undefined;
  if (keys && [...keys].some(unresolvedShell)) keys = undefined;
  return { ns: ns && !unresolvedShell(ns) ? ns : ns ? '*' : undefined, name: unresolvedShell(name) ? '*' : name, keys };
}
const unresolvedShell = (s: string) => /[$`{}<>]/.test(s);

/** An object of a Flux Kustomization's build as it is applied: its namespace, substituted content, name and spec. */
interface AppliedObj {
  o: Obj;
  ns: string;
  raw: any;
  name: string;
  spec: any;
}

/** Where a pod template's spec sits in each workload kind (a Map: a kind is the repository's text, `constructor` too). */
const POD_SPEC_PATHS = new Map<string, string[]>([
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].map((kind): [string, string[]] => [
    kind,
    ['spec', 'template', 'spec'],
  ]),
  ['CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  ['Pod', ['spec']],
]);

/** Kinds that make a Secret whose keys the repository does not show (sealed, or pulled from a vault). */
const OPAQUE_PROVIDER_KINDS = new Set(['SealedSecret', 'OnePasswordItem', 'VaultStaticSecret', 'PushSecret']);

/**
 * Every Secret key something in the cluster's build reads (a secret store, chart values, a pod, a Flux source) that
 * none of the Secret's providers (the bootstrap docs, a Secret, an ExternalSecret, a Certificate ...) gives.
 */
function checkSecretKeys(
  reader: RepoReader,
  cluster: string,
  list: KsView[],
  docs: ReturnType<typeof bootstrapSecrets>,
  findings: Finding[],
): void {
  const providers = new Map<string, Provider[]>(); // ns/name (ns may be *)
  const add = (ns: string, name: string, p: Provider) => {
    const key = `${ns}/${name}`;
    providers.set(key, [...(providers.get(key) ?? []), p]);
  };
  const readers: Reader[] = [];
  for (const d of docs) add(d.ns ?? '*', d.name, { keys: d.keys, what: `${d.file}:${d.line}` });
  for (const k of list) {
    for (const { o, ns, raw } of applied(k)) {
      const a: AppliedObj = { o, ns, raw, name: String(raw.metadata?.name ?? o.name), spec: raw.spec ?? {} };
      const made = secretProvided(a);
      if (made) add(made.ns, made.name, made.provider);
      readers.push(...secretReaders(reader, k, a));
    }
  }
  for (const r of readers) {
    const finding = unprovidedKey(cluster, r, providers);
    if (finding) findings.push(finding);
  }
}

/** The Secret an object makes, and the keys it gives (undefined when the repository cannot tell them). */
function secretProvided({
  o,
  ns,
  raw,
  name,
  spec,
}: AppliedObj): { ns: string; name: string; provider: Provider } | undefined {
  if (o.kind === 'Secret' && o.apiVersion === 'v1') {
    const keys = o.raw.generated
      ? undefined
      : new Set([...Object.keys(raw.data ?? {}), ...Object.keys(raw.stringData ?? {})]);
    return { ns, name, provider: { keys, what: `Secret in ${o.file}` } };
  }
  if (o.kind === 'ExternalSecret' && groupOf(o.apiVersion) === 'external-secrets.io') {
    return {
      ns,
      name: str(spec.target?.name) ?? name,
      provider: { keys: externalSecretKeys(spec), what: `ExternalSecret ${ns}/${name} (${o.file})` },
    };
  }
  if (o.kind === 'ClusterExternalSecret') {
    const target = str(spec.externalSecretSpec?.target?.name) ?? str(spec.externalSecretName) ?? name;
    return { ns: '*', name: target, provider: { what: `ClusterExternalSecret ${name}` } };
  }
  if (o.kind === 'Certificate' && groupOf(o.apiVersion) === 'cert-manager.io' && str(spec.secretName)) {
    return {
      ns,
      name: spec.secretName,
      provider: { keys: new Set(['tls.crt', 'tls.key', 'ca.crt']), what: `Certificate ${ns}/${name}` },
    };
  }
  if (OPAQUE_PROVIDER_KINDS.has(o.kind))
    return { ns, name: str(spec.template?.metadata?.name) ?? name, provider: { what: `${o.kind} ${ns}/${name}` } };
  return undefined;
}

/** The keys of the Secret an ExternalSecret makes, or undefined when they depend on what the store holds. */
export function externalSecretKeys(spec: any): Set<string> | undefined {
  const policy = spec.target?.creationPolicy ?? 'Owner';
  const tpl = spec.target?.template;
  const dataKeys: string[] = (Array.isArray(spec.data) ? spec.data : []).map((d: any) => String(d?.secretKey));
  const tplKeys = Object.keys(tpl?.data ?? {});
  if (policy === 'Merge' || policy === 'None' || (Array.isArray(tpl?.templateFrom) && tpl.templateFrom.length))
    return undefined;
  // With a template (mergePolicy Replace, the default) the Secret holds exactly the templated keys.
  if (tplKeys.length && tpl.mergePolicy !== 'Merge') return new Set(tplKeys);
  if (Array.isArray(spec.dataFrom) && spec.dataFrom.length) return undefined;
  return new Set([...dataKeys, ...tplKeys]);
}

/** The Secret keys an object reads, each with what breaks when the key is missing. */
function secretReaders(reader: RepoReader, k: KsView, a: AppliedObj): Reader[] {
  const { o, ns, raw, name, spec } = a;
  const out: Reader[] = [];
  if (
    (o.kind === 'ClusterSecretStore' || o.kind === 'SecretStore') &&
    groupOf(o.apiVersion) === 'external-secrets.io'
  ) {
    walkRefs(spec.provider, ['spec', 'provider'], (ref, keys) => {
      const rns = str(ref.namespace) ?? (o.kind === 'SecretStore' ? ns : undefined);
      if (!rns) return;
      const effect = `the store stays not Ready, so no ExternalSecret using ${name} syncs`;
      out.push({
        ns: rns,
        name: String(ref.name),
        keys: [[String(ref.key)]],
        what: `${o.kind} ${name}`,
        effect,
        ...at(o, keys),
      });
    });
  }
  if (o.kind === 'HelmRelease' && groupOf(o.apiVersion) === 'helm.toolkit.fluxcd.io')
    out.push(...helmReleaseReaders(reader, k, a));
  const podSpecPath = POD_SPEC_PATHS.get(o.kind);
  if (podSpecPath) {
    walkSecretKeyRefs(getIn(raw, podSpecPath), podSpecPath, (ref, keys) => {
      const effect = 'the pod stays in CreateContainerConfigError';
      out.push({
        ns,
        name: String(ref.name),
        keys: [[String(ref.key)]],
        what: `${o.kind} ${ns}/${name}`,
        effect,
        ...at(o, keys),
      });
    });
  }
  out.push(...fluxSourceReaders(a));
  return out;
}

/** A HelmRelease reads secretKeyRefs in its values (the pods its chart renders) and the Secrets of its valuesFrom. */
function helmReleaseReaders(reader: RepoReader, k: KsView, { o, ns, name, spec }: AppliedObj): Reader[] {
  const out: Reader[] = [];
  const relNs = str(spec.targetNamespace) ?? ns;
  for (const src of valuesMention(reader, o, k, ['secretKeyRef']) ? helmValues(reader, o, k) : []) {
    walkSecretKeyRefs(src.data, [], (ref, keys) => {
      const effect = 'the pods the chart renders with it stay in CreateContainerConfigError';
      const what = `HelmRelease ${ns}/${name} values`;
      out.push({
        ns: relNs,
        name: String(ref.name),
        keys: [[String(ref.key)]],
        what,
        effect,
        file: src.file,
        line: src.line(keys),
      });
    });
  }
  (Array.isArray(spec.valuesFrom) ? spec.valuesFrom : []).forEach((vf: any, i: number) => {
    if (vf?.kind !== 'Secret' || typeof vf.name !== 'string' || vf.optional) return;
    const effect = 'helm-controller cannot compose the values and the release fails';
    const what = `HelmRelease ${ns}/${name} valuesFrom`;
    out.push({
      ns,
      name: vf.name,
      keys: [[str(vf.valuesKey) ?? 'values.yaml']],
      what,
      effect,
      ...at(o, ['spec', 'valuesFrom', i]),
    });
  });
  return out;
}

/** The credentials Secret of a Flux source (GitRepository, the FluxInstance's sync, OCIRepository), when it names one. */
function fluxSourceReaders({ o, ns, name, spec }: AppliedObj): Reader[] {
  const source = groupOf(o.apiVersion) === 'source.toolkit.fluxcd.io';
  const secretRef = ['spec', 'secretRef', 'name'];
  if (o.kind === 'GitRepository' && source && str(spec.secretRef?.name) && !spec.provider) {
    const effect = 'source-controller cannot authenticate and the source stays not Ready';
    return [
      {
        ns,
        name: spec.secretRef.name,
        keys: gitKeys(String(spec.url ?? '')),
        what: `GitRepository ${ns}/${name}`,
        effect,
        ...at(o, secretRef),
      },
    ];
  }
  if (o.kind === 'FluxInstance' && str(spec.sync?.pullSecret) && !spec.sync.provider) {
    const keys = spec.sync.kind === 'OCIRepository' ? [['.dockerconfigjson']] : gitKeys(String(spec.sync.url ?? ''));
    const effect = 'source-controller cannot clone the repository: Flux never syncs the cluster';
    return [
      {
        ns,
        name: spec.sync.pullSecret,
        keys,
        what: `FluxInstance ${ns}/${name} sync`,
        effect,
        ...at(o, ['spec', 'sync', 'pullSecret']),
      },
    ];
  }
  if (o.kind === 'OCIRepository' && source && str(spec.secretRef?.name)) {
    const effect = 'source-controller cannot pull and the source stays not Ready';
    return [
      {
        ns,
        name: spec.secretRef.name,
        keys: [['.dockerconfigjson']],
        what: `OCIRepository ${ns}/${name}`,
        effect,
        ...at(o, secretRef),
      },
    ];
  }
  return [];
}

/**
 * The finding for a read key no provider gives; none when a name is unresolved, the Secret has no provider in the
 * repository, or one of its providers' keys are unknown.
 */
function unprovidedKey(cluster: string, r: Reader, providers: Map<string, Provider[]>): Finding | undefined {
  if (unresolved(r.name) || unresolved(r.ns) || r.keys.some((alt) => alt.some(unresolved))) return undefined;
  const ps = [`${r.ns}/${r.name}`, `*/${r.name}`, `${r.ns}/*`, '*/*'].flatMap((key) => providers.get(key) ?? []);
  if (ps.length === 0 || ps.some((p) => !p.keys)) return undefined;
  const have = new Set(ps.flatMap((p) => [...p.keys!]));
  if (r.keys.some((alt) => alt.every((key) => have.has(key)))) return undefined;
  const want = r.keys.map((alt) => alt.join(' + ')).join(' or ');
  const gives = `(${ps.map((p) => p.what).join('; ')}) give only ${[...have].sort().join(', ') || 'no keys'}`;
  return {
    code: 'SECRET_KEY_UNPROVIDED',
    severity: 'error',
    cluster,
    file: r.file,
    line: r.line,
    message: `${r.what} reads key ${want} of Secret ${r.ns}/${r.name}, but its providers in the repository ${gives}: ${r.effect}`,
    hint: `give the Secret the key ${want} where it is made, or read a key it has`,
  };
}

function gitKeys(url: string): string[][] {
  if (/^ssh:\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url)) return [['identity', 'known_hosts']];
  if (/^https?:\/\//.test(url)) return [['username', 'password'], ['bearerToken']];
  return [];
}

/** `{name, key}` references below an ESO provider block (auth secretRefs, caProvider of type Secret). */
function walkRefs(v: any, keys: (string | number)[], fn: (ref: any, keys: (string | number)[]) => void): void {
  if (!v || typeof v !== 'object') return;
  if (
    !Array.isArray(v) &&
    typeof v.name === 'string' &&
    typeof v.key === 'string' &&
    (v.type === undefined || v.type === 'Secret') &&
    v.kind !== 'ConfigMap'
  ) {
    fn(v, [...keys, 'key']);
    return;
  }
  for (const [k, x] of Object.entries(v)) walkRefs(x, [...keys, Array.isArray(v) ? Number(k) : k], fn);
}

function walkSecretKeyRefs(v: any, keys: (string | number)[], fn: (ref: any, keys: (string | number)[]) => void): void {
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    const here = [...keys, Array.isArray(v) ? Number(k) : k];
    if (
      k === 'secretKeyRef' &&
      x &&
      typeof x === 'object' &&
      typeof (x as any).name === 'string' &&
      typeof (x as any).key === 'string'
    ) {
      if (!(x as any).optional) fn(x, [...here, 'key']);
    } else walkSecretKeyRefs(x, here, fn);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. HTTPRoute hostnames no DNS source publishes

interface DnsSource {
  what: string;
  /** Serves its zones authoritatively (rfc2136 server, k8s-gateway): a name missing there is NXDOMAIN for whoever asks it. */
  authoritative: boolean;
  zones: string[];
  domains: string[];
  exclude: string[];
  httproutes: boolean;
  crd: boolean;
  gatewayName?: string;
  gatewayNamespace?: string;
  /** A filter we do not model (label/annotation/regex filters): publication cannot be decided. */
  unmodelled?: string;
  /** How it holds its zones, for messages. */
  holds?: string;
}

const under = (host: string, domain: string) => {
  const d = domain
    .replace(/^\*?\./, '')
    .replace(/\.$/, '')
    .toLowerCase();
  const h = host.replace(/\.$/, '').toLowerCase();
  return h === d || h.endsWith('.' + d);
};

function externalDnsSource(name: string, srcs: ValuesSrc[]): DnsSource | undefined {
  const v = (keys: string[]) => valueAt(srcs, keys)?.value;
  const sources = v(['sources']);
  const providerVal = v(['provider']);
  const provider = typeof providerVal === 'string' ? providerVal : str(providerVal?.name);
  if (!Array.isArray(sources) || !provider) return undefined;
  const args: string[] = (Array.isArray(v(['extraArgs'])) ? v(['extraArgs']) : []).map(String);
  const arg = (flag: string) => args.filter((a) => a.startsWith(`--${flag}=`)).map((a) => a.slice(flag.length + 3));
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
  const s: DnsSource = {
    what: `external-dns ${name} (${provider})`,
    authoritative: provider === 'rfc2136',
    zones: [],
    domains: [...list(v(['domainFilters'])), ...arg('domain-filter')],
    exclude: [...list(v(['excludeDomains'])), ...arg('exclude-domains')],
    httproutes: sources.includes('gateway-httproute'),
    crd: sources.includes('crd'),
    gatewayName: arg('gateway-name')[0],
    gatewayNamespace: arg('gateway-namespace')[0] ?? str(v(['gatewayNamespace'])),
  };
  s.zones = provider === 'rfc2136' ? (arg('rfc2136-zone').length ? arg('rfc2136-zone') : s.domains) : s.domains;
  if (provider === 'rfc2136')
    s.holds =
      `writes the zone into the DNS server ` +
      `${arg('rfc2136-host')[0] ?? str(v(['rfc2136', 'host'])) ?? '(rfc2136 host)'}, which answers for it authoritatively`;
  const unknown = [
    'regex-domain-filter',
    'gateway-label-filter',
    'label-filter',
    'annotation-filter',
    'zone-name-filter',
  ].filter((f) => arg(f).length);
  if (str(v(['labelFilter'])) || str(v(['annotationFilter']))) unknown.push('labelFilter/annotationFilter');
  if (unknown.length) s.unmodelled = unknown.join(', ');
  return s;
}

function k8sGatewaySource(name: string, srcs: ValuesSrc[]): DnsSource | undefined {
  const domain = valueAt(srcs, ['domain'])?.value;
  if (typeof domain !== 'string' && !Array.isArray(domain)) return undefined;
  const domains = (Array.isArray(domain) ? domain.map(String) : domain.split(/[\s,]+/)).filter(Boolean);
  const watched = valueAt(srcs, ['watchedResources'])?.value;
  const httproutes = !Array.isArray(watched) || watched.length === 0 || watched.includes('HTTPRoute');
  return {
    what: `k8s-gateway ${name}`,
    authoritative: true,
    zones: domains,
    domains,
    exclude: [],
    httproutes,
    crd: false,
    holds: 'answers for the zone authoritatively',
  };
}

function checkDns(reader: RepoReader, cluster: string, list: KsView[], findings: Finding[]): void {
  const sources: DnsSource[] = [];
  const endpoints: string[] = [];
  const routes: { o: Obj; ns: string; raw: any }[] = [];
  for (const k of list) {
    const objs = applied(k);
    for (const x of objs) {
      if (x.o.kind === 'HelmRelease' && groupOf(x.o.apiVersion) === 'helm.toolkit.fluxcd.io') {
        const chart = chartOf(x.o, k.build?.objects ?? []);
        const dnsChart =
          chart === 'k8s-gateway' ||
          chart === 'k8s_gateway' ||
          chart === 'external-dns' ||
          /external-dns/.test(x.o.name);
        if (!dnsChart && !valuesMention(reader, x.o, k, ['txtOwnerId'])) continue;
        const srcs = helmValues(reader, x.o, k);
        const s =
          chart === 'k8s-gateway' || chart === 'k8s_gateway'
            ? k8sGatewaySource(x.o.name, srcs)
            : chart === 'external-dns' || /external-dns/.test(x.o.name) || valueAt(srcs, ['txtOwnerId'])
              ? externalDnsSource(x.o.name, srcs)
              : undefined;
        if (s) sources.push(s);
      } else if (x.o.kind === 'DNSEndpoint') {
        for (const e of Array.isArray(x.raw.spec?.endpoints) ? x.raw.spec.endpoints : [])
          if (typeof e?.dnsName === 'string') endpoints.push(e.dnsName);
      } else if (x.o.kind === 'HTTPRoute' && groupOf(x.o.apiVersion) === 'gateway.networking.k8s.io') routes.push(x);
    }
  }
  if (sources.length === 0 || sources.some((s) => s.unmodelled)) return; // nothing to model, or a filter we cannot evaluate
  const coveredByEndpoint = (host: string) =>
    endpoints.some((d) => (d.startsWith('*.') ? host.split('.').slice(1).join('.') === d.slice(2) : d === host));
  for (const r of routes) {
    const parents: { name: string; ns: string }[] = (Array.isArray(r.raw.spec?.parentRefs) ? r.raw.spec.parentRefs : [])
      .filter((p: any) => (p?.kind ?? 'Gateway') === 'Gateway')
      .map((p: any) => ({ name: String(p.name), ns: String(p.namespace ?? r.ns) }));
    (Array.isArray(r.raw.spec?.hostnames) ? r.raw.spec.hostnames : []).forEach((h: unknown, i: number) => {
      if (typeof h !== 'string' || unresolved(h) || h.startsWith('*')) return;
      const covers = (s: DnsSource) =>
        (s.domains.length === 0 || s.domains.some((d) => under(h, d))) && !s.exclude.some((d) => under(h, d));
      const publishes = (s: DnsSource) =>
        covers(s) &&
        ((s.httproutes &&
          parents.some(
            (p) => (!s.gatewayName || s.gatewayName === p.name) && (!s.gatewayNamespace || s.gatewayNamespace === p.ns),
          )) ||
          (s.crd && coveredByEndpoint(h)));
      const by = sources.filter(publishes);
      const where = at(r.o, ['spec', 'hostnames', i]);
      const via = parents.map((p) => `${p.ns}/${p.name}`).join(', ') || 'no Gateway';
      if (by.length === 0) {
        findings.push({
          code: 'HOSTNAME_NOT_PUBLISHED',
          severity: 'warning',
          cluster,
          ...where,
          message:
            `HTTPRoute ${r.ns}/${r.o.name} serves ${h} on ${via}, but no DNS source on ${cluster} ` +
            `publishes it (${sources.map((s) => s.what).join(', ')}): clients get NXDOMAIN`,
          hint: 'attach the route to a Gateway an external-dns instance watches, widen a domain filter, or add a DNSEndpoint',
        });
        return;
      }
      const zone = sources.find((s) => s.authoritative && s.zones.some((z) => under(h, z)) && !by.includes(s));
      if (zone && !by.some((s) => s.authoritative && s.zones.some((z) => under(h, z)))) {
        findings.push({
          code: 'HOSTNAME_NOT_IN_INTERNAL_ZONE',
          severity: 'error',
          cluster,
          ...where,
          message:
            `HTTPRoute ${r.ns}/${r.o.name} serves ${h} on ${via}; ${by.map((s) => s.what).join(', ')} ` +
            `publish${by.length === 1 ? 'es' : ''} it, but not ${zone.what}, which ${zone.holds} ` +
            `(zone ${zone.zones.find((z) => under(h, z))}): resolvers that send that zone there (in-cluster CoreDNS, the LAN) ` +
            `get NXDOMAIN for ${h}`,
          hint: `let ${zone.what} publish routes of ${via} too (e.g. drop or widen its --gateway-name filter), or keep the name out of that zone`,
        });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. One Namespace, several Kustomizations, different metadata

function checkNamespaces(cluster: string, list: KsView[], findings: Finding[]): void {
  const seen = new Map<
    string,
    { k: KsView; o: Obj; labels: Record<string, string>; annotations: Record<string, string> }[]
  >();
  for (const k of list) {
    const common = k.obj?.raw.spec?.commonMetadata ?? {};
    for (const { o, raw } of applied(k)) {
      if (o.kind !== 'Namespace' || o.apiVersion !== 'v1') continue;
      // One Namespace per cluster it lands in: the hub's `production` and a spoke's are two (fluxcd/flux2-hub-spoke-example).
      const name = `${k.target ? `${k.target}|` : ''}${String(raw.metadata?.name ?? o.name)}`;
      const labels = { ...(raw.metadata?.labels ?? {}), ...deepSubst(common.labels ?? {}, k.values) };
      const annotations = { ...(raw.metadata?.annotations ?? {}), ...deepSubst(common.annotations ?? {}, k.values) };
      const list2 = seen.get(name) ?? [];
      if (!list2.some((x) => x.k.id === k.id)) list2.push({ k, o, labels, annotations });
      seen.set(name, list2);
    }
  }
  for (const [key, decls] of seen) {
    if (decls.length < 2) continue;
    const name = key.slice(key.lastIndexOf('|') + 1);
    const first = decls[0];
    for (const d of decls.slice(1)) {
      const diff = (a: Record<string, string>, b: Record<string, string>) =>
        [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => String(a[key]) !== String(b[key])).sort();
      const dl = diff(first.labels, d.labels);
      const da = diff(first.annotations, d.annotations);
      if (!dl.length && !da.length) continue;
      findings.push({
        code: 'NAMESPACE_METADATA_CONFLICT',
        severity: 'warning',
        cluster,
        file: d.o.file,
        line: d.o.line,
        message:
          `Namespace ${name} is applied by ${first.k.id} (${first.o.file}) and ${d.k.id} with ` +
          `different ${[dl.length ? `labels (${dl.join(', ')})` : '', da.length ? `annotations (${da.join(', ')})` : '']
            .filter(Boolean)
            .join(' and ')}: ` +
          'both apply it with the same field manager, so each reconcile removes what the other set and the metadata ' +
          'flip-flops (pod-security or network-policy selectors on those labels come and go)',
        hint: 'declare the Namespace in one Kustomization only, or give every declaration the same labels and annotations (commonMetadata counts too)',
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 6. Values that must differ between clusters

interface Fact {
  value: string;
  file: string;
  line: number;
  /** The setting it came from (${NAME}), when it came from one. */
  setting?: string;
}

/** Where a value came from: the setting's own line when the field is `${NAME}`, else the field. */
function factOf(
  rawValue: unknown,
  value: unknown,
  k: KsView,
  fallback: { file: string; line: number },
): Fact | undefined {
  const v = str(value);
  if (v === undefined || unresolved(v)) return undefined;
  const name = typeof rawValue === 'string' ? leadingFluxVar(rawValue.trim()) : undefined;
  if (name) {
    const src = [...k.sources].reverse().find((s) => s.raw.data?.[name] !== undefined);
    if (src) return { value: v, file: src.file, line: src.lineOf(['data', name]), setting: name };
  }
  return { value: v, ...fallback };
}

function clusterFacts(
  reader: RepoReader,
  list: KsView[],
): { ids: Fact[]; asns: Fact[]; podCidrs: Fact[]; mesh: boolean } {
  const out = { ids: [] as Fact[], asns: [] as Fact[], podCidrs: [] as Fact[], mesh: false };
  for (const k of list) {
    for (const { o, raw } of applied(k)) {
      if (isKind(o, 'cilium.io', 'CiliumBGPClusterConfig')) {
        (Array.isArray(raw.spec?.bgpInstances) ? raw.spec.bgpInstances : []).forEach((b: any, i: number) => {
          const f = factOf(
            o.raw.spec?.bgpInstances?.[i]?.localASN,
            b?.localASN,
            k,
            at(o, ['spec', 'bgpInstances', i, 'localASN']),
          );
          if (f) out.asns.push(f);
        });
      } else if (isKind(o, 'cilium.io', 'CiliumBGPPeeringPolicy')) {
        (Array.isArray(raw.spec?.virtualRouters) ? raw.spec.virtualRouters : []).forEach((b: any, i: number) => {
          const f = factOf(
            o.raw.spec?.virtualRouters?.[i]?.localASN,
            b?.localASN,
            k,
            at(o, ['spec', 'virtualRouters', i, 'localASN']),
          );
          if (f) out.asns.push(f);
        });
      } else if (o.kind === 'HelmRelease' && chartOf(o, k.build?.objects ?? []) === 'cilium') {
        const srcs = helmValues(reader, o, k);
        const rawSrcs = srcs.map((s) => ({ ...s, data: rawValuesOf(reader, s, o) }));
        const id = valueAt(srcs, ['cluster', 'id']);
        if (id) {
          const f = factOf(valueAt(rawSrcs, ['cluster', 'id'])?.value, id.value, k, id);
          if (f && f.value !== '0') out.ids.push(f);
        }
        const pods = valueAt(srcs, ['ipam', 'operator', 'clusterPoolIPv4PodCIDRList']);
        if (pods) {
          const rawPods = valueAt(rawSrcs, ['ipam', 'operator', 'clusterPoolIPv4PodCIDRList'])?.value;
          const vals = Array.isArray(pods.value) ? pods.value : String(pods.value).split(',');
          vals.forEach((c: unknown, i: number) => {
            const f = factOf(Array.isArray(rawPods) ? rawPods[i] : rawPods, str(c)?.trim(), k, pods);
            if (f) out.podCidrs.push(f);
          });
        }
        const cm = valueAt(srcs, ['clustermesh', 'useAPIServer'])?.value;
        if (cm === true || cm === 'true') out.mesh = true;
      }
    }
  }
  return out;
}

/** The same value source before substitution (to see which setting a field names). */
function rawValuesOf(reader: RepoReader, s: ValuesSrc, hr: Obj): any {
  if (s.file === hr.file) return hr.raw.spec?.values;
  try {
    return parseYaml(reader.text(s.file));
  } catch {
    return undefined;
  }
}

function checkClusterUnique(reader: RepoReader, walks: Walks, findings: Finding[]): void {
  const facts = [...walks].map(([c, list]) => ({
    c,
    ...clusterFacts(reader, list),
    settings: Object.assign({}, ...list.map((k) => k.values)) as Record<string, string>,
  }));
  for (let i = 0; i < facts.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [facts[i], facts[j]];
      for (const fa of a.asns) {
        const fb = b.asns.find((x) => x.value === fa.value);
        if (!fb) continue;
        findings.push({
          code: 'BGP_ASN_REUSED',
          severity: 'warning',
          cluster: a.c,
          file: fa.file,
          line: fa.line,
          message:
            `local BGP ASN ${fa.value} of ${a.c} is also the local ASN of ${b.c} ` +
            `(${fb.file}:${fb.line}): a router peering with both drops each cluster's routes at the other ` +
            '(its own ASN is already in the AS path), so LoadBalancer IPs of one cluster are unreachable from the other',
          hint: `give each cluster its own private ASN (64512-65534)${fa.setting ? ` in ${fa.setting} of its settings` : ''}`,
        });
        break;
      }
      // Settings CLUSTER_ID / POD_CIDR are checked by CLUSTER_ID_REUSED / CIDR_OVERLAP on the settings already.
      for (const fa of a.ids) {
        if (fa.setting === 'CLUSTER_ID') continue;
        const fb = b.ids.find((x) => x.value === fa.value);
        if (!fb) continue;
        // The id matters to ClusterMesh only: two clusters that do not both mesh may share it (szinn/k8s-homelab's
        // main and staging both keep id 1); it is then a note for the day they are meshed.
        const meshed =
          (a.mesh || a.settings.CLUSTERMESH_ENABLED === 'true') &&
          (b.mesh || b.settings.CLUSTERMESH_ENABLED === 'true');
        findings.push({
          code: 'CLUSTER_ID_REUSED',
          severity: meshed ? 'error' : 'info',
          cluster: a.c,
          file: fa.file,
          line: fa.line,
          message: meshed
            ? `Cilium cluster.id ${fa.value} of ${a.c} is also the id of ${b.c} (${fb.file}:${fb.line}); ` +
              `ClusterMesh needs a unique id per cluster and refuses to connect the two`
            : `Cilium cluster.id ${fa.value} of ${a.c} is also the id of ${b.c} (${fb.file}:${fb.line}); ` +
              `harmless while they are not meshed, refused by ClusterMesh once they are`,
          hint: 'give each cluster its own cluster.id (1-255)',
        });
        break;
      }
      if (
        !(a.mesh || a.settings.CLUSTERMESH_ENABLED === 'true') ||
        !(b.mesh || b.settings.CLUSTERMESH_ENABLED === 'true')
      )
        continue;
      for (const fa of a.podCidrs) {
        if (fa.setting === 'POD_CIDR' || fa.setting === 'SERVICE_CIDR') continue;
        for (const fb of b.podCidrs) {
          const x = parseCidr(fa.value);
          const y = parseCidr(fb.value);
          if (typeof x === 'string' || typeof y === 'string' || !overlaps(x, y)) continue;
          findings.push({
            code: 'CIDR_OVERLAP',
            severity: 'error',
            cluster: a.c,
            file: fa.file,
            line: fa.line,
            message: `pod CIDR ${fa.value} of ${a.c} overlaps pod CIDR ${fb.value} of ${b.c} (${fb.file}:${fb.line}); ClusterMesh routes pods across clusters`,
            hint: 'use disjoint pod CIDRs on meshed clusters',
          });
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

export function contractFindings(reader: RepoReader, walks: Walks): Finding[] {
  const findings: Finding[] = [];
  const docs = bootstrapSecrets(reader.root);
  for (const [cluster, list] of walks) {
    checkSourceIgnore(reader, cluster, list, findings);
    checkHealthChecks(cluster, list, findings);
    checkSecretKeys(reader, cluster, list, docs, findings);
    checkDns(reader, cluster, list, findings);
    checkNamespaces(cluster, list, findings);
  }
  checkClusterUnique(reader, walks, findings);
  return findings;
}
