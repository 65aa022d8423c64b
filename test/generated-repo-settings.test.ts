import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { createClusters, loadCatalog } from '../src';
import { transitiveDeps } from '../src/model/stories';
import { requireKubectl } from './helpers/flux';
import { ROOT, tmpDir } from './helpers/fs';
import { kitInProcess } from './helpers/in-process';

/** The ClusterSecretStore's variant folders, one per provider, as the templates ship them. */
const VARIANTS_DIR = path.join(ROOT, 'templates/components/security/cluster-secret-store/variants');
const PROVIDERS = fs.readdirSync(VARIANTS_DIR).sort();
const STORE_STORY = 'STORY-SEC-EXTERNAL-SECRETS-BASE';
const cat = loadCatalog();
/** The secret-store story and everything it stands on, so it can be approved. */
const STORIES = [...transitiveDeps(cat, STORE_STORY), STORE_STORY];

/** SECRET_STORE_* variables a provider's variant templates use (read here from the files, not from the tool). */
function providerVars(provider: string): string[] {
  const out = new Set<string>();
  for (const f of fs.readdirSync(path.join(VARIANTS_DIR, provider))) {
    for (const m of fs
      .readFileSync(path.join(VARIANTS_DIR, provider, f), 'utf8')
      .matchAll(/\$\{(SECRET_STORE_[A-Z0-9_]+)\}/g))
      out.add(m[1]);
  }
  return [...out].sort();
}
const ALL_STORE_VARS = [...new Set(PROVIDERS.flatMap(providerVars))].sort();

const platformSettings = (dir: string, cluster: string) =>
  (parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8')).clusters[cluster].settings ?? {}) as Record<
    string,
    string
  >;
const clusterSettings = (dir: string, cluster: string) =>
  parse(fs.readFileSync(path.join(dir, `kubernetes/clusters/${cluster}/cluster-settings.yaml`), 'utf8')).data as Record<
    string,
    string
  >;
const storeKeys = (o: Record<string, string>) =>
  Object.keys(o)
    .filter((k) => k.startsWith('SECRET_STORE_'))
    .sort();

function setProvider(dir: string, cluster: string, provider: string, settings: Record<string, string> = {}): void {
  const file = path.join(dir, 'platform.yaml');
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  doc.setIn(['clusters', cluster, 'secretStore', 'provider'], provider);
  for (const [k, v] of Object.entries(settings)) doc.setIn(['clusters', cluster, 'settings', k], v);
  fs.writeFileSync(file, doc.toString());
}

describe('generated repository: settings only for the chosen secret-store provider', () => {
  it('the providers differ in the settings they use (the table below is not trivial)', () => {
    expect(PROVIDERS).toHaveLength(6);
    expect(ALL_STORE_VARS.length).toBeGreaterThan(2);
    expect(new Set(PROVIDERS.map((p) => providerVars(p).join())).size).toBeGreaterThan(2);
  });

  const title =
    '%s: exactly the variables its variant uses, every ${VAR} resolves, check --build clean with no unused store setting';
  it.each(PROVIDERS)(title, async (provider) => {
    requireKubectl();
    const dir = path.join(tmpDir(), 'p');
    createClusters({
      dir,
      clusters: [{ name: 'infra', secretStore: provider } as never],
      stories: { ids: STORIES, approve: true },
    });
    const want = providerVars(provider);
    expect(storeKeys(platformSettings(dir, 'infra'))).toEqual(want);
    expect(storeKeys(clusterSettings(dir, 'infra'))).toEqual(want);
    const r = await kitInProcess(['check', '--build', '--info', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: 0 errors, 0 warnings/);
    expect(r.stdout).not.toMatch(/SETTING_UNUSED.*SECRET_STORE_/);
    // regenerate has nothing to add back.
    const again = await kitInProcess(['regenerate', '--check', '--dir', dir]);
    expect(again.status, again.stdout + again.stderr).toBe(0);
  });

  it("a repository written with every provider's settings (as before) loses the unused defaults on regenerate, and they stay gone", async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({
      dir,
      clusters: [{ name: 'infra', secretStore: 'onepassword' } as never],
      stories: { ids: STORIES },
    });
    // What older versions wrote: every SECRET_STORE_* of the story, with its catalog default.
    const decl = new Map(cat.byId.get(STORE_STORY)!.variables.map((v) => [v.name, v.default]));
    const others = ALL_STORE_VARS.filter((v) => !providerVars('onepassword').includes(v));
    expect(others.length).toBeGreaterThan(0);
    setProvider(dir, 'infra', 'onepassword', Object.fromEntries(others.map((v) => [v, decl.get(v)!])));
    const r = await kitInProcess(['regenerate', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`clusters.infra.settings: removed ${others.join(', ')}`);
    expect(storeKeys(platformSettings(dir, 'infra'))).toEqual(providerVars('onepassword'));
    expect(storeKeys(clusterSettings(dir, 'infra'))).toEqual(providerVars('onepassword'));
    expect((await kitInProcess(['regenerate', '--check', '--dir', dir])).status).toBe(0);
    expect(storeKeys(platformSettings(dir, 'infra'))).toEqual(providerVars('onepassword'));
  });

  it("changing a cluster's provider drops the old defaults, adds the new ones, keeps a hand-set value and says so", async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({
      dir,
      clusters: [{ name: 'infra', secretStore: 'onepassword' } as never],
      stories: { ids: STORIES, approve: true },
    });
    const from = providerVars('onepassword');
    // A provider that uses none of 1Password's variables, and one that shares some.
    const to = PROVIDERS.find((p) => providerVars(p).every((v) => !from.includes(v)))!;
    expect(to).toBeDefined();
    const [hand, ...untouched] = from;
    setProvider(dir, 'infra', to, { [hand]: 'https://connect.corp.example' });
    const r = await kitInProcess(['regenerate', '--dir', dir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const settings = platformSettings(dir, 'infra');
    expect(settings[hand]).toBe('https://connect.corp.example'); // a person's value is never dropped
    expect(r.stderr).toContain(`warning: clusters.infra.settings.${hand} is set by hand`);
    for (const v of untouched) expect(settings[v], v).toBeUndefined();
    if (untouched.length) expect(r.stdout).toContain(`removed ${untouched.join(', ')}`);
    const now = providerVars(to);
    for (const v of now) expect(settings[v], v).toBeDefined();
    expect(r.stdout).toContain(`added ${now.join(', ')}`);
    // check --info reports the kept hand-set value and nothing else of the store.
    const info = await kitInProcess(['check', '--info', '--dir', dir]);
    const unused = [...info.stdout.matchAll(/SETTING_UNUSED .*?(SECRET_STORE_[A-Z_]+) is used by no manifest/g)].map(
      (m) => m[1],
    );
    expect(unused).toEqual([hand]);
    // Back to 1Password: the hand-set value is used again, the other provider's defaults go.
    setProvider(dir, 'infra', 'onepassword');
    const back = await kitInProcess(['regenerate', '--dir', dir]);
    expect(back.status, back.stdout + back.stderr).toBe(0);
    expect(storeKeys(platformSettings(dir, 'infra'))).toEqual(from);
    expect(platformSettings(dir, 'infra')[hand]).toBe('https://connect.corp.example');
    const info2 = await kitInProcess(['check', '--info', '--dir', dir]);
    expect(info2.stdout).not.toMatch(/SETTING_UNUSED.*SECRET_STORE_/);
  });
});
