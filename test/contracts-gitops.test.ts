import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { addStories, createClusters, loadCatalog } from '../src';
import { transitiveDeps } from '../src/model/stories';
import { substitute } from '../src/model/variables';
import { type K8sObject, substituteText } from './helpers/flux';
import { kustomizeMany, walkClusterBatched } from './helpers/flux-batch';
import { tmpDir } from './helpers/fs';

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
  for (const m of text.matchAll(
    /kubectl --namespace (\S+) create secret generic (\S+)((?: --from-(?:literal|file)=[^=\s]+=\S*)+)/g,
  )) {
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

/**
 * The part of bootstrap/README.md or bootstrap/bootstrap.sh that concerns cluster c (both are shared files); the
 * whole file when it has no per-cluster part (then it must hold for every cluster).
 */
function clusterPart(text: string, file: string, c: string): string {
  if (file.endsWith('.md')) return text.split(/^ {3}Cluster `/m).find((s) => s.startsWith(`${c}\``)) ?? text;
  const at = text.indexOf('create_bootstrap_secrets() {');
  const m = at < 0 ? null : new RegExp(`\\n {4}${c}\\)\\n([\\s\\S]*?)\\n {6};;`).exec(text.slice(at));
  return m ? m[1] : text;
}

const parseAll = (text: string): K8sObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object');

describe('Flux can clone a private repository (Git credential at bootstrap, sync.pullSecret)', () => {
  const CASES = [
    {
      name: 'https',
      url: 'https://git.example.com/platform/gitops.git',
      keys: ['username', 'password'],
      fluxUrl: 'https://git.example.com/platform/gitops.git',
    },
    {
      name: 'ssh',
      url: 'ssh://git@git.example.com:2222/platform/gitops.git',
      keys: ['identity', 'known_hosts'],
      fluxUrl: 'ssh://git@git.example.com:2222/platform/gitops.git',
    },
    {
      name: 'scp',
      url: 'git@github.com:platform/gitops.git',
      keys: ['identity', 'known_hosts'],
      fluxUrl: 'ssh://git@github.com/platform/gitops.git',
    },
  ];
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({
      dir: repo,
      clusters: CASES.map((c) => ({ name: c.name, role: 'infra' as const, gitUrl: c.url })),
    });
    addStories({ dir: repo, ids: withDeps(BOOT), approve: true });
  }, 120_000);

  it.each(CASES)(
    'git-credential-wired-and-created: $name URL -> FluxInstance pullSecret that bootstrap creates with the keys Flux reads',
    (c) => {
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
    },
  );

  it('git-credential-dry-run-checks-first: the dry run checks for the Git credential before creating it, without printing it', () => {
    const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'https', '--dry-run', '--phase', 'core'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, GIT_PASSWORD: 'hunter2-secret' },
    });
    expect(r.status, r.stderr).toBe(0);
    const check = r.stdout.indexOf('kubectl --namespace flux-system get secret flux-system');
    const create = r.stdout.indexOf('kubectl --namespace flux-system create secret generic flux-system');
    expect(check, 'checks for the Secret first').toBeGreaterThan(-1);
    expect(create, 'then creates it').toBeGreaterThan(check);
    expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
  });
  it('git-credential-created-idempotently (against a stub kubectl): created once from the environment, never touched again', () => {
    const stub = tmpDir('stub-');
    const log = path.join(stub, 'calls.log');
    const kubeconfig = path.join(stub, 'kubeconfig');
    fs.writeFileSync(kubeconfig, '');
    // kubectl: Secrets exist only when STUB_SECRETS_EXIST is set; FluxInstance Ready (so no helmfile sync is needed)
    fs.writeFileSync(
      path.join(stub, 'kubectl'),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${log}"\ncase "$*" in *"get secret"*) [ -n "\${STUB_SECRETS_EXIST:-}" ] ;; *) exit 0 ;; esac\n`,
      { mode: 0o755 },
    );
    for (const tool of ['helm', 'helmfile'])
      fs.writeFileSync(path.join(stub, tool), '#!/usr/bin/env bash\nexit 0\n', { mode: 0o755 });
    const env = {
      ...process.env,
      PATH: `${stub}:${process.env.PATH}`,
      BOOTSTRAP_KUBECONFIG: kubeconfig,
      GIT_USERNAME: 'git',
      GIT_PASSWORD: 'hunter2-secret',
      SECRET_STORE_CONNECT_TOKEN: 'connect-secret',
    };
    const first = spawnSync('bash', ['bootstrap/bootstrap.sh', 'https', '--phase', 'core'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    expect(first.status, first.stderr).toBe(0);
    const calls = fs.readFileSync(log, 'utf8');
    expect(calls).toContain(
      '--namespace flux-system create secret generic flux-system --from-literal=username=git --from-literal=password=hunter2-secret',
    );
    expect(first.stdout + first.stderr, 'values are masked in the output').not.toMatch(/hunter2-secret|connect-secret/);
    fs.writeFileSync(log, '');
    const again = spawnSync('bash', ['bootstrap/bootstrap.sh', 'https', '--phase', 'core'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...env, STUB_SECRETS_EXIST: '1' },
    });
    expect(again.status, again.stderr).toBe(0);
    expect(fs.readFileSync(log, 'utf8'), 'a re-run creates nothing').not.toContain('create secret');
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
    providers = fs
      .readdirSync(path.join(probe, 'kubernetes/infrastructure/security/cluster-secret-store/variants'))
      .sort();
    createClusters({
      dir: repo,
      clusters: providers.map((p, i) => ({ name: `c${i + 1}`, role: 'infra' as const, secretStore: p as any })),
    });
    addStories({ dir: repo, ids: withDeps(STORE, BOOT), approve: true });
  }, 180_000);

  it('store-credential-keys-match-every-provider: each Secret key a ClusterSecretStore reads is created by bootstrap README and script', () => {
    expect(providers.length).toBeGreaterThanOrEqual(6);
    const variant = (p: string) =>
      path.join(repo, `kubernetes/infrastructure/security/cluster-secret-store/variants/${p}`);
    const builds = kustomizeMany(repo, providers.map(variant)); // one kubectl run for every variant
    providers.forEach((p, i) => {
      const c = `c${i + 1}`;
      const docs = ['bootstrap/README.md', 'bootstrap/bootstrap.sh'].map((f) => ({
        f,
        made: createdSecrets(clusterPart(read(repo, f), f, c)),
      }));
      const built = builds.get(variant(p))!;
      const sub = substituteText(built.text, settingsOf(repo, c));
      expect(sub.unresolved, p).toEqual([]);
      const store = parseAll(sub.text).find((o) => o.kind === 'ClusterSecretStore')!;
      const refs = secretRefs(store.spec, 'external-secrets');
      expect(refs.length, `${p}: the store authenticates with a Secret`).toBeGreaterThan(0);
      for (const { f, made } of docs) {
        for (const r of refs) {
          expect(
            made.get(`${r.ns}/${r.name}`)?.has(r.key),
            `${f} (${p}): creates key ${r.key} of Secret ${r.ns}/${r.name}`,
          ).toBe(true);
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
      const r = spawnSync('bash', ['bootstrap/bootstrap.sh', c, '--render-values', out], {
        cwd: repo,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const hfDir = path.join(out, 'bootstrap', c);
      const hf = parse(fs.readFileSync(path.join(hfDir, 'helmfile.yaml'), 'utf8'));
      const settings = settingsOf(repo, c);
      let sawEdit = false;
      for (const rel of hf.releases) {
        // what helmfile reads for this release, merged in order
        const merged = Object.assign(
          {},
          ...rel.values.map((v: string) => parse(fs.readFileSync(path.resolve(hfDir, v), 'utf8')) ?? {}),
        );
        // the source every values file is rendered from is the Flux component's own values file in the repo
        const sources = rel.values.map((v: string) => path.relative(out, path.resolve(hfDir, v)));
        for (const s of sources)
          expect(s, `${c}/${rel.name}: values come from the Flux component`).toMatch(
            /^kubernetes\/.+\/app\/helm-values\.yaml$/,
          );
        const expected = Object.assign(
          {},
          ...sources.map((s: string) => parse(substitute(read(repo, s), settings, s)) ?? {}),
        );
        expect(merged, `${c}/${rel.name}`).toEqual(expected);
        if (rel.name === 'coredns') {
          expect(merged.bootstrapDriftProbe).toBe(`${settings.CLUSTER_NAME}-edited`);
          sawEdit = true;
        }
      }
      expect(sawEdit, `${c}: coredns is bootstrapped`).toBe(true);
      expect(
        fs.existsSync(path.join(repo, 'bootstrap', c, 'values')),
        `${c}: no second copy of the values in git`,
      ).toBe(false);
    }
  });

  it('bootstrap-values-unresolved-variable-fails: a ${VAR} with no value stops the core phase, even in a dry run', () => {
    const edited = 'kubernetes/infrastructure/gitops/flux-operator/app/helm-values.yaml';
    const before = read(repo, edited);
    fs.appendFileSync(path.join(repo, edited), 'probe: "${NO_SUCH_SETTING}"\n');
    try {
      const r = spawnSync('bash', ['bootstrap/bootstrap.sh', 'infra', '--dry-run', '--phase', 'core'], {
        cwd: repo,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('${NO_SUCH_SETTING}');
    } finally {
      fs.writeFileSync(path.join(repo, edited), before);
    }
  });

  it('bootstrap-core-keeps-order: releases in foundation order with needs, synced by the dry run from the rendered copy', () => {
    const hf = parse(read(repo, 'bootstrap/infra/helmfile.yaml'));
    const order = [...cat.components.values()]
      .map((e) => e.component)
      .filter((x) => x.bootstrap !== undefined)
      .sort((a, b) => a.bootstrap! - b.bootstrap!)
      .map((x) => x.id);
    expect(hf.releases.map((r: any) => r.name)).toEqual(order);
    hf.releases.forEach((r: any, i: number) => {
      expect(r.needs ?? [], r.name).toEqual(i ? [`${hf.releases[i - 1].namespace}/${hf.releases[i - 1].name}`] : []);
    });
    // the flux walk still sees the same values the bootstrap renders (one source)
    const w = walkClusterBatched(repo, 'infra', { substitute: true });
    expect(w.has('flux-instance')).toBe(true);
  });
});

describe('Flux notifications, task runner and the secrets page, on a platform with the notifications wired', () => {
  const CERT = 'STORY-SEC-CERT-MANAGER-ISSUERS';
  const GIT = {
    infra: 'https://gitlab.example.com/platform/gitops.git',
    apps: 'git@github.com:platform/gitops.git',
  } as const;
  let repo: string;
  const walks = new Map<string, ReturnType<typeof walkClusterBatched>>();
  beforeAll(() => {
    repo = path.join(tmpDir(), 'platform');
    createClusters({
      dir: repo,
      clusters: [
        { name: 'infra', gitUrl: GIT.infra },
        { name: 'apps', role: 'apps' as const, gitUrl: GIT.apps },
      ],
    });
    addStories({ dir: repo, ids: withDeps(CERT, BOOT), approve: true });
    for (const c of ['infra', 'apps']) walks.set(c, walkClusterBatched(repo, c, { substitute: true }));
  }, 300_000);

  /** Every object a cluster applies, with the namespace Flux gives it (targetNamespace wins). */
  function applied(c: string): (K8sObject & { ns: string; ks: string })[] {
    const w = walks.get(c)!;
    const out: (K8sObject & { ns: string; ks: string })[] = [];
    for (const k of w.values()) {
      const self = k.parent
        ? w.get(k.parent)!.objects.find((o) => o.kind === 'Kustomization' && o.metadata.name === k.name)
        : undefined;
      const target = (self as any)?.spec?.targetNamespace as string | undefined;
      for (const o of k.objects) out.push({ ...o, ns: target ?? o.metadata.namespace ?? 'default', ks: k.name });
    }
    return out;
  }
  const findObj = (c: string, kind: string, name: string) => {
    const o = applied(c).find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${c}: no ${kind} ${name}`);
    return o as any;
  };

  it.each(['infra', 'apps'])(
    'flux-receiver-routed-and-typed (%s): Receiver typed by the Git host, token from an ExternalSecret, /hook/ routed on the external Gateway',
    (c) => {
      for (const k of walks.get(c)!.values()) expect(k.unresolved, `${c}/${k.name}`).toEqual([]);
      const host = new URL(GIT[c as 'infra' | 'apps'].replace(/^git@([^:]+):/, 'ssh://git@$1/')).hostname;
      const expectedType = host === 'github.com' ? 'github' : host.split('.').includes('gitlab') ? 'gitlab' : 'generic';
      const rcv = applied(c).find((o) => o.kind === 'Receiver')! as any;
      expect(rcv, `${c}: a Receiver`).toBeDefined();
      expect(rcv.spec.type).toBe(expectedType);
      // it reconciles the GitRepository the FluxInstance syncs (Flux names it after its namespace)
      expect(rcv.spec.resources).toContainEqual(
        expect.objectContaining({ kind: 'GitRepository', name: 'flux-system' }),
      );
      const es = applied(c).find(
        (o) =>
          o.kind === 'ExternalSecret' &&
          o.ns === rcv.ns &&
          ((o as any).spec.target?.name ?? o.metadata.name) === rcv.spec.secretRef.name,
      ) as any;
      expect(es, `${c}: an ExternalSecret fills ${rcv.spec.secretRef.name}`).toBeDefined();
      expect(
        es.spec.data.map((d: any) => d.secretKey),
        'the Receiver reads key token',
      ).toContain('token');
      // route: notification-controller's Service webhook-receiver (port 80), path /hook/, on a Gateway listener that exists
      const route = applied(c).find((o) => o.kind === 'HTTPRoute' && o.ns === rcv.ns) as any;
      expect(route, `${c}: an HTTPRoute in ${rcv.ns}`).toBeDefined();
      const rule = route.spec.rules.find((r: any) =>
        r.backendRefs?.some((b: any) => b.name === 'webhook-receiver' && b.port === 80),
      );
      expect(rule, 'routes to webhook-receiver:80').toBeDefined();
      expect(rule.matches.map((m: any) => m.path.value)).toEqual(['/hook/']);
      const ref = route.spec.parentRefs[0];
      const gw = findObj(c, 'Gateway', ref.name);
      expect(gw.ns).toBe(ref.namespace);
      expect(ref.name, 'the external Gateway').toBe('external');
      const listener = gw.spec.listeners.find((l: any) => l.name === ref.sectionName);
      expect(listener.allowedRoutes.namespaces.from).toBe('All');
      const suffix = String(listener.hostname).replace(/^\*/, '');
      for (const h of route.spec.hostnames)
        expect(
          h.endsWith(suffix) && !h.slice(0, -suffix.length).includes('.'),
          `${h} is served by ${listener.hostname}`,
        ).toBe(true);
    },
  );

  it.each(['infra', 'apps'])(
    'flux-alerts-cover-every-source (%s): error events of every Kustomization, HelmRelease and the Git source go to the configured Provider',
    (c) => {
      const objs = applied(c);
      const settings = settingsOf(repo, c);
      const alerts = objs.filter((o) => o.kind === 'Alert') as any[];
      expect(alerts.length).toBeGreaterThan(0);
      const covered = (kind: string, name: string, ns: string) =>
        alerts.some(
          (a) =>
            a.spec.eventSeverity === 'error' &&
            a.spec.eventSources.some(
              (s: any) => s.kind === kind && (s.name === '*' || s.name === name) && (s.namespace ?? a.ns) === ns,
            ),
        );
      const kinds = ['Kustomization', 'HelmRelease', 'GitRepository'];
      const sources = objs.filter(
        (o) =>
          kinds.includes(o.kind) &&
          (o.kind !== 'Kustomization' || o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')),
      );
      expect(sources.filter((o) => o.kind === 'HelmRelease').length).toBeGreaterThan(3);
      for (const o of sources)
        expect(covered(o.kind, o.metadata.name, o.ns), `${c}: ${o.kind} ${o.ns}/${o.metadata.name}`).toBe(true);
      // the FluxInstance's own GitRepository (not in the repo, made by flux-operator in flux-system)
      expect(covered('GitRepository', 'flux-system', 'flux-system')).toBe(true);
      for (const a of alerts) {
        const p = objs.find(
          (o) => o.kind === 'Provider' && o.metadata.name === a.spec.providerRef.name && o.ns === a.ns,
        ) as any;
        expect(p, `${c}: Provider ${a.spec.providerRef.name}`).toBeDefined();
        expect(p.spec.type).toBe(settings.FLUX_ALERT_PROVIDER_TYPE);
        const es = objs.find(
          (o) =>
            o.kind === 'ExternalSecret' &&
            o.ns === p.ns &&
            ((o as any).spec.target?.name ?? o.metadata.name) === p.spec.secretRef.name,
        );
        expect(es, `${c}: the Provider's Secret comes from an ExternalSecret`).toBeDefined();
      }
    },
  );

  it("justfile-from-cluster-list: one justfile names every cluster, runs the bootstrap phases in the script's order and the day-2 commands", () => {
    const just = read(repo, 'justfile');
    const clusters = Object.keys(parse(read(repo, 'platform.yaml')).clusters);
    expect(/^clusters := '([^']*)'$/m.exec(just)?.[1].split(' ')).toEqual(clusters);
    const phases = /^PHASES="([^"]+)"$/m.exec(read(repo, 'bootstrap/bootstrap.sh'))![1].split(' ');
    expect(just).toContain(phases.join(' -> '));
    const recipes = [...just.matchAll(/^([a-z][\w-]*)(?: [^:\n]*)?:(?!=)/gm)].map((m) => m[1]);
    for (const r of [
      'bootstrap',
      'bootstrap-phase',
      'talos-genconfig',
      'talos-apply',
      'talos-bootstrap',
      'kubeconfig',
      'talos-upgrade',
      'talos-upgrade-k8s',
      'reconcile',
      'check',
      'regenerate',
    ])
      expect(recipes, r).toContain(r);
    expect(just).toMatch(/talhelper genconfig/);
    expect(just).toMatch(/platform-kit'\n/);
    expect(just).toMatch(/check --build --dir \./);
    for (const c of clusters)
      for (const p of ['talos/<c>/talconfig.yaml', 'bootstrap/<c>/helmfile.yaml'])
        expect(fs.existsSync(path.join(repo, p.replace('<c>', c))), p).toBe(true);
  });

  it('secrets-page-from-the-render: docs/design/secrets.md lists every ExternalSecret key with its backend item and the bootstrap Secrets, per cluster', () => {
    const doc = read(repo, 'docs/design/secrets.md');
    for (const c of ['infra', 'apps']) {
      const section = doc.split(/^## Cluster /m).find((s) => s.startsWith(`${c} `))!;
      expect(section, c).toBeDefined();
      const ess = applied(c).filter((o) => o.kind === 'ExternalSecret') as any[];
      expect(ess.length).toBeGreaterThan(2);
      for (const es of ess) {
        const target = `${es.ns}/${es.spec.target?.name ?? es.metadata.name}`;
        for (const d of es.spec.data ?? []) {
          expect(section, `${c}: ${target} ${d.secretKey}`).toContain(
            `| \`${target}\` | \`${d.secretKey}\` | \`${d.remoteRef.key}\` | ${d.remoteRef.property ?? '(whole value)'} |`,
          );
        }
        for (const d of es.spec.dataFrom ?? [])
          expect(section, `${c}: ${target} dataFrom`).toMatch(
            new RegExp(`\\| \`${target}\` \\| [^|]+ \\| \`${d.extract.key}\` \\|`),
          );
      }
      // what a person creates by hand: the Secrets bootstrap creates for this cluster, every key
      for (const [secret, keys] of createdSecrets(clusterPart(read(repo, 'bootstrap/README.md'), 'README.md', c))) {
        for (const k of keys.keys())
          expect(section, `${c}: bootstrap ${secret} ${k}`).toContain(`| \`${secret}\` | \`${k}\` |`);
      }
      expect(section).toContain(`talos/${c}/talsecret.sops.yaml`);
    }
  });
});
