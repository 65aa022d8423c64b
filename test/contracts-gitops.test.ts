import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStories, createClusters, loadCatalog, substitute, transitiveDeps } from '../src';
import { tmpDir } from './helpers/fs';
import { K8sObject, kustomize, substituteText, walkCluster } from './helpers/flux';

/*
 * Contracts between the GitOps/bootstrap pieces: what Flux, the ClusterSecretStore and the bootstrap helmfile read
 * must be what the bootstrap (bootstrap/README.md, bootstrap/bootstrap.sh) provides. Expectations come from the
 * generated objects themselves (what a controller reads), never from the generator's own data.
 */

const cat = loadCatalog();
const BOOT = 'STORY-BOOT-AUTOMATION-ALIGN';
const STORE = 'STORY-SEC-EXTERNAL-SECRETS-BASE';

/** A story and everything it depends on, in catalog order. */
function withDeps(...ids: string[]): string[] {
  const all = new Set<string>();
  for (const id of ids) {
    all.add(id);
    for (const d of transitiveDeps(cat, id)) all.add(d);
  }
  return cat.stories.map((s) => s.id).filter((id) => all.has(id));
}

const read = (repo: string, f: string) => fs.readFileSync(path.join(repo, f), 'utf8');

function settingsOf(repo: string, c: string): Record<string, string> {
  return parse(read(repo, `kubernetes/clusters/${c}/cluster-settings.yaml`)).data;
}

/**
 * Secrets a bootstrap document or script creates, in the one form the check rule recognises:
 * `kubectl --namespace <ns> create secret generic <name> --from-literal=<key>=... --from-file=<key>=...`.
 */
function createdSecrets(text: string): Map<string, Map<string, 'literal' | 'file'>> {
  const out = new Map<string, Map<string, 'literal' | 'file'>>();
  for (const m of text.matchAll(/kubectl --namespace (\S+) create secret generic (\S+)((?: --from-(?:literal|file)=[^=\s]+=\S*)+)/g)) {
    const keys = out.get(`${m[1]}/${m[2]}`) ?? new Map();
    for (const k of m[3].matchAll(/--from-(literal|file)=([^=\s]+)=/g)) keys.set(k[2], k[1] as 'literal' | 'file');
    out.set(`${m[1]}/${m[2]}`, keys);
  }
  return out;
}

/** Every Secret reference (name + key, namespace) anywhere inside an object. */
function secretRefs(o: unknown, defaultNs: string, out: { ns: string; name: string; key: string }[] = []) {
  if (Array.isArray(o)) for (const x of o) secretRefs(x, defaultNs, out);
  else if (o && typeof o === 'object') {
    const r = o as Record<string, unknown>;
    if (typeof r.name === 'string' && typeof r.key === 'string' && (r.type === undefined || r.type === 'Secret')) {
      out.push({ ns: typeof r.namespace === 'string' ? r.namespace : defaultNs, name: r.name, key: r.key });
    }
    for (const v of Object.values(r)) secretRefs(v, defaultNs, out);
  }
  return out;
}

/** The part of bootstrap/README.md or bootstrap/bootstrap.sh that concerns cluster c (both are shared files). */
function clusterPart(text: string, file: string, c: string): string {
  if (file.endsWith('.md')) {
    const part = text.split(/^ {3}Cluster `/m).find((s) => s.startsWith(`${c}\``));
    if (!part) throw new Error(`${file} has no section for cluster ${c}`);
    return part;
  }
  const body = text.slice(text.indexOf('create_bootstrap_secrets() {'));
  const m = new RegExp(`\\n {4}${c}\\)\\n([\\s\\S]*?)\\n {6};;`).exec(body);
  if (!m) throw new Error(`${file} creates no Secrets for cluster ${c}`);
  return m[1];
}

const parseAll = (text: string): K8sObject[] => parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o && typeof o === 'object');

describe('Flux can clone a private repository (Git credential at bootstrap, sync.pullSecret)', () => {
  const CASES = [
    { name: 'https', url: 'https://git.example.com/platform/gitops.git', keys: ['username', 'password'], fluxUrl: 'https://git.example.com/platform/gitops.git' },
    { name: 'ssh', url: 'ssh://git@git.example.com:2222/platform/gitops.git', keys: ['identity', 'known_hosts'], fluxUrl: 'ssh://git@git.example.com:2222/platform/gitops.git' },
    { name: 'scp', url: 'git@github.com:platform/gitops.git', keys: ['identity', 'known_hosts'], fluxUrl: 'ssh://git@github.com/platform/gitops.git' },
  ];
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({ dir: repo, clusters: CASES.map((c) => ({ name: c.name, role: 'infra' as const, gitUrl: c.url })) });
    addStories({ dir: repo, ids: withDeps(BOOT), approve: true });
  }, 120_000);

  it.each(CASES)('git-credential-wired-and-created: $name URL -> FluxInstance pullSecret that bootstrap creates with the keys Flux reads', (c) => {
    // What the HelmRelease gets: the component's values, substituted with the cluster's settings as Flux does.
    const valuesFile = 'kubernetes/infrastructure/gitops/flux-instance/app/helm-values.yaml';
    const sub = substituteText(read(repo, valuesFile), settingsOf(repo, c.name));
    expect(sub.unresolved).toEqual([]);
    const sync = parse(sub.text).instance.sync;
    expect(sync.url, 'Flux clones only URLs with a scheme').toBe(c.fluxUrl);
    expect(typeof sync.pullSecret, 'sync.pullSecret is set').toBe('string');
    const ns = cat.components.get('flux-instance')!.component.namespace;
    // Flux's GitRepository reads identity + known_hosts for ssh://, username + password for https://.
    for (const f of ['bootstrap/README.md', 'bootstrap/bootstrap.sh']) {
      const keys = createdSecrets(clusterPart(read(repo, f), f, c.name)).get(`${ns}/${sync.pullSecret}`);
      expect(keys, `${f} creates Secret ${ns}/${sync.pullSecret}`).toBeDefined();
      expect([...keys!.keys()].sort(), f).toEqual([...c.keys].sort());
      if (c.name !== 'https') expect([...keys!.values()], `${f}: key files`).toEqual(['file', 'file']);
    }
  });

  it('git-credential-created-idempotently: bootstrap.sh creates the Git credential only when missing, without printing it', () => {
    const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'https', '--dry-run', '--phase', 'core'], { cwd: repo, encoding: 'utf8', timeout: 60_000, env: { ...process.env, GIT_PASSWORD: 'hunter2-secret' } });
    expect(r.status, r.stderr).toBe(0);
    const check = r.stdout.indexOf('kubectl --namespace flux-system get secret flux-system');
    const create = r.stdout.indexOf('kubectl --namespace flux-system create secret generic flux-system');
    expect(check, 'checks for the Secret first').toBeGreaterThan(-1);
    expect(create, 'then creates it').toBeGreaterThan(check);
    expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
  });
});

describe('the secret-store credential bootstrap creates is the one every store variant reads', () => {
  let repo: string;
  let providers: string[];
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    // the providers are the variant folders the generator ships
    const probe = path.join(tmpDir(), 'probe');
    createClusters({ dir: probe, clusters: [{ name: 'infra' }] });
    addStories({ dir: probe, ids: withDeps(STORE), approve: true });
    providers = fs.readdirSync(path.join(probe, 'kubernetes/infrastructure/security/cluster-secret-store/variants')).sort();
    createClusters({ dir: repo, clusters: providers.map((p, i) => ({ name: `c${i + 1}`, role: 'infra' as const, secretStore: p as any })) });
    addStories({ dir: repo, ids: withDeps(STORE, BOOT), approve: true });
  }, 180_000);

  it('store-credential-keys-match-every-provider: each Secret key a ClusterSecretStore reads is created by bootstrap README and script', () => {
    expect(providers.length).toBeGreaterThanOrEqual(6);
    providers.forEach((p, i) => {
      const c = `c${i + 1}`;
      const docs = ['bootstrap/README.md', 'bootstrap/bootstrap.sh'].map((f) => ({ f, made: createdSecrets(clusterPart(read(repo, f), f, c)) }));
      const built = kustomize(path.join(repo, `kubernetes/infrastructure/security/cluster-secret-store/variants/${p}`));
      const sub = substituteText(built.text, settingsOf(repo, c));
      expect(sub.unresolved, p).toEqual([]);
      const store = parseAll(sub.text).find((o) => o.kind === 'ClusterSecretStore')!;
      const refs = secretRefs(store.spec, 'external-secrets');
      expect(refs.length, `${p}: the store authenticates with a Secret`).toBeGreaterThan(0);
      for (const { f, made } of docs) {
        for (const r of refs) {
          expect(made.get(`${r.ns}/${r.name}`)?.has(r.key), `${f} (${p}): creates key ${r.key} of Secret ${r.ns}/${r.name}`).toBe(true);
        }
      }
    });
  });
});

describe('bootstrap values cannot drift from the Flux values', () => {
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({ dir: repo, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({ dir: repo, ids: withDeps(BOOT), approve: true });
  }, 120_000);

  it('bootstrap-values-follow-helm-values-edits: an edit to a component helm-values.yaml reaches what bootstrap syncs, substituted per cluster', () => {
    const edited = 'kubernetes/infrastructure/networking/coredns/app/helm-values.yaml';
    fs.appendFileSync(path.join(repo, edited), 'bootstrapDriftProbe: "${CLUSTER_NAME}-edited"\n');
    for (const c of ['infra', 'apps']) {
      const out = path.join(tmpDir(), `render-${c}`);
      const r = spawnSync('bash', ['bootstrap/bootstrap.sh', c, '--render-values', out], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const hfDir = path.join(out, 'bootstrap', c);
      const hf = parse(fs.readFileSync(path.join(hfDir, 'helmfile.yaml'), 'utf8'));
      const settings = settingsOf(repo, c);
      let sawEdit = false;
      for (const rel of hf.releases) {
        // what helmfile reads for this release, merged in order
        const merged = Object.assign({}, ...rel.values.map((v: string) => parse(fs.readFileSync(path.resolve(hfDir, v), 'utf8')) ?? {}));
        // the source every values file is rendered from is the Flux component's own values file in the repo
        const sources = rel.values.map((v: string) => path.relative(out, path.resolve(hfDir, v)));
        for (const s of sources) expect(s, `${c}/${rel.name}: values come from the Flux component`).toMatch(/^kubernetes\/.+\/app\/helm-values\.yaml$/);
        const expected = Object.assign({}, ...sources.map((s: string) => parse(substitute(read(repo, s), settings, s)) ?? {}));
        expect(merged, `${c}/${rel.name}`).toEqual(expected);
        if (rel.name === 'coredns') {
          expect(merged.bootstrapDriftProbe).toBe(`${settings.CLUSTER_NAME}-edited`);
          sawEdit = true;
        }
      }
      expect(sawEdit, `${c}: coredns is bootstrapped`).toBe(true);
      expect(fs.existsSync(path.join(repo, 'bootstrap', c, 'values')), `${c}: no second copy of the values in git`).toBe(false);
    }
  });

  it('bootstrap-values-unresolved-variable-fails: a ${VAR} with no value stops the core phase, even in a dry run', () => {
    const edited = 'kubernetes/infrastructure/gitops/flux-operator/app/helm-values.yaml';
    const before = read(repo, edited);
    fs.appendFileSync(path.join(repo, edited), 'probe: "${NO_SUCH_SETTING}"\n');
    try {
      const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'infra', '--dry-run', '--phase', 'core'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('${NO_SUCH_SETTING}');
    } finally {
      fs.writeFileSync(path.join(repo, edited), before);
    }
  });

  it('bootstrap-core-keeps-order: releases in foundation order with needs, synced by the dry run from the rendered copy', () => {
    const hf = parse(read(repo, 'bootstrap/infra/helmfile.yaml'));
    const order = [...cat.components.values()].map((e) => e.component).filter((x) => x.bootstrap !== undefined).sort((a, b) => a.bootstrap! - b.bootstrap!).map((x) => x.id);
    expect(hf.releases.map((r: any) => r.name)).toEqual(order);
    hf.releases.forEach((r: any, i: number) => expect(r.needs ?? [], r.name).toEqual(i ? [`${hf.releases[i - 1].namespace}/${hf.releases[i - 1].name}`] : []));
    // the flux walk still sees the same values the bootstrap renders (one source)
    const w = walkCluster(repo, 'infra', { substitute: true });
    expect(w.has('flux-instance')).toBe(true);
  });
});
