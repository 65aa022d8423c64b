// adopt's rule 9, the store's name: the ClusterSecretStore the repository's ExternalSecrets read most is recorded as
// clusters.<c>.secretStore.name, and ${EXTERNAL_SECRET_STORE} follows it, so an ExternalSecret of a component the
// tool adds reads the store the repository has (onedr0p: onepassword-connect, read by 46), not one named after the
// provider that nobody created. Written into a temp copy of the home-ops fixture, as a repository's people would.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { infer } from '../../src/adopt/infer';
import { platformOf } from '../../src/commands/adopt';
import { parsePlatform } from '../../src/model/platform-file';
import { VARIABLES } from '../../src/model/variables';
import { ROOT, tmpDir } from '../helpers/fs';

const APP = 'kubernetes/apps/external-secrets/external-secrets/app';
const ECHO = 'kubernetes/apps/default/echo/app';
const store = (name: string, provider: object) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  metadata: { name },
  spec: { provider },
});
const externalSecret = (name: string, storeName: string) => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: storeName }, target: { name } },
});

/** The fixture with `docs` written to `file` in `app`, listed by the app's kustomization.yaml. */
function withObjects(dir: string, app: string, file: string, docs: object[]): void {
  fs.writeFileSync(path.join(dir, app, file), docs.map((d) => stringify(d)).join('---\n'));
  const k = path.join(dir, app, 'kustomization.yaml');
  fs.writeFileSync(k, fs.readFileSync(k, 'utf8').replace(/^resources:\n/m, `resources:\n  - ./${file}\n`));
}

describe('adopt: the name of the store the ExternalSecrets read', () => {
  it('two stores: the one the ExternalSecrets read is recorded, and ${EXTERNAL_SECRET_STORE} is its name', () => {
    const dir = path.join(tmpDir('adopt-store-'), 'repo');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'adopt', 'home-ops'), dir, { recursive: true });
    withObjects(dir, APP, 'stores.yaml', [
      store('vault-unused', { vault: { server: 'https://vault.example' } }),
      store('onepassword-connect', { onepassword: { connectHost: 'http://onepassword-connect:8080' } }),
    ]);
    withObjects(dir, ECHO, 'secrets.yaml', [
      externalSecret('echo-a', 'onepassword-connect'),
      externalSecret('echo-b', 'onepassword-connect'),
    ]);
    const a = infer(dir);
    for (const c of a.clusters) {
      expect(c.facts.secretStoreName?.value, c.name).toBe('onepassword-connect');
      expect(c.facts.secretStoreName?.why[0].fact).toContain('read by 2 ExternalSecret(s)');
      // The provider comes from the same store, not the first one declared.
      expect(c.facts.secretStore?.value, c.name).toBe('onepassword');
    }
    const spec = parsePlatform(platformOf(a).text).spec;
    for (const [name, c] of Object.entries(spec.clusters)) {
      expect(c.secretStore).toEqual({ provider: 'onepassword', name: 'onepassword-connect' });
      expect(VARIABLES.EXTERNAL_SECRET_STORE.value({ ...c, name } as never)).toBe('onepassword-connect');
    }
  });

  it('no store in the repository: no name, and ${EXTERNAL_SECRET_STORE} stays the provider (the store the tool creates)', () => {
    const dir = path.join(tmpDir('adopt-store-'), 'repo');
    fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'adopt', 'home-ops'), dir, { recursive: true });
    const spec = parsePlatform(platformOf(infer(dir), {}).text).spec;
    for (const [name, c] of Object.entries(spec.clusters)) {
      expect(c.secretStore.name).toBeUndefined();
      expect(VARIABLES.EXTERNAL_SECRET_STORE.value({ ...c, name } as never)).toBe(c.secretStore.provider);
    }
  });
});
