// src/check/patches.ts: a Flux Kustomization's spec.patches as kustomize applies them. The selector and merge rules
// are checked against kustomize itself (kubectl kustomize builds the same objects with the same patches), so the
// expected objects come from the real tool, not from this file.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import {
  applyJson6902,
  applyPatches,
  kustomizationPatches,
  matchesSelector,
  mergePatch,
  selects,
} from '../src/check/patches';
import { tmpDir } from './helpers/fs';

const ks = (
  name: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    namespace?: string;
    spec?: Record<string, unknown>;
  } = {},
) => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: {
    name,
    ...(extra.namespace ? { namespace: extra.namespace } : {}),
    ...(extra.labels ? { labels: extra.labels } : {}),
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  },
  spec: {
    interval: '1h',
    path: `./apps/${name}`,
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
    ...(extra.spec ?? {}),
  },
});

/** Objects a parent builds: Flux Kustomizations of every shape the selectors look at, and one HelmRelease. */
const OBJECTS = [
  ks('app-echo', { labels: { tier: 'web', team: 'a' }, namespace: 'flux-system' }),
  ks('app-whoami', { labels: { tier: 'db' }, annotations: { 'example.com/substitute': 'cluster' } }),
  ks('my-app-echo', {
    namespace: 'default',
    spec: { postBuild: { substitute: { APP: 'my-app' } }, dependsOn: [{ name: 'app-echo' }] },
  }),
  ks('cluster-settings-user', {
    labels: { team: 'b' },
    spec: { patches: [{ patch: 'own', target: { kind: 'Deployment' } }] },
  }),
  {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'app-echo', namespace: 'flux-system' },
    spec: { interval: '1h' },
  },
];

const smp = (body: Record<string, unknown>) =>
  stringify({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: '_' }, ...body });

/** spec.patches lists a parent might carry (each run on its own, and all together in order). */
const PATCH_SETS: Record<string, unknown[]> = {
  'postBuild for every child (the home-ops pattern)': [
    {
      patch: smp({
        spec: {
          postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] },
          decryption: { provider: 'sops', secretRef: { name: 'sops-age' } },
        },
      }),
      target: { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization' },
    },
  ],
  'child patches replaced by the parent patches (a list is replaced whole)': [
    {
      patch: smp({ spec: { patches: [{ patch: 'from-parent', target: { kind: 'HelmRelease' } }] } }),
      target: { kind: 'Kustomization' },
    },
  ],
  'name regex, anchored': [{ patch: smp({ spec: { wait: true } }), target: { kind: 'Kustomization', name: 'app-.*' } }],
  'namespace and version': [
    { patch: smp({ spec: { timeout: '5m' } }), target: { version: 'v1', namespace: 'flux-system' } },
  ],
  'label selectors': [
    { patch: smp({ spec: { force: true } }), target: { labelSelector: 'tier in (web,db),team!=b' } },
    { patch: smp({ spec: { suspend: true } }), target: { labelSelector: '!tier' } },
    {
      patch: smp({ metadata: { name: '_', labels: { patched: 'yes' } } }),
      target: { kind: 'Kustomization', labelSelector: 'team' },
    },
  ],
  'annotation selector': [
    {
      patch: smp({ spec: { postBuild: { substituteFrom: [{ kind: 'Secret', name: 'cluster-secrets' }] } } }),
      target: { annotationSelector: 'example.com/substitute=cluster' },
    },
  ],
  'merge into an existing map, null removes a key': [
    {
      patch: smp({ spec: { postBuild: { substitute: { EXTRA: 'x', APP: null } }, prune: null } }),
      target: { name: 'my-app-echo' },
    },
  ],
  'targetless strategic merge names its object': [
    {
      patch: stringify({
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'app-whoami' },
        spec: { interval: '5m' },
      }),
    },
  ],
  'JSON6902 add, replace, remove': [
    {
      patch: stringify([
        {
          op: 'add',
          path: '/spec/postBuild',
          value: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }] },
        },
        { op: 'replace', path: '/spec/interval', value: '10m' },
        { op: 'remove', path: '/spec/prune' },
        { op: 'add', path: '/spec/components', value: ['../../components/common'] },
        { op: 'add', path: '/spec/components/-', value: '../../components/extra' },
      ]),
      target: { kind: 'Kustomization', name: 'app-echo' },
    },
    {
      patch: JSON.stringify([{ op: 'add', path: '/spec/dependsOn/0', value: { name: 'first' } }]),
      target: { name: 'my-app-echo', kind: 'Kustomization' },
    },
  ],
};

/** What kustomize makes of OBJECTS with these patches (objects keyed kind/name). */
function kustomize(patches: unknown[]): Map<string, Record<string, any>> {
  const dir = tmpDir('cpc-patches-');
  fs.writeFileSync(path.join(dir, 'objects.yaml'), OBJECTS.map((o) => stringify(o)).join('---\n'));
  fs.writeFileSync(
    path.join(dir, 'kustomization.yaml'),
    stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['objects.yaml'],
      patches,
    }),
  );
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return new Map(
    parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Record<string, any>)
      .map((o) => [`${o.kind}/${o.metadata.name}`, o]),
  );
}

describe('spec.patches applied as kustomize applies them', () => {
  const sets = Object.entries(PATCH_SETS);
  it.each([...sets, ['all of them, in order', sets.flatMap(([, p]) => p)] as [string, unknown[]]])(
    '%s',
    (_name, patches) => {
      const want = kustomize(patches);
      let changed = 0;
      for (const o of OBJECTS) {
        const r = applyPatches(o, patches);
        expect(r.errors).toEqual([]);
        expect(r.raw, `${o.kind}/${o.metadata.name}`).toEqual(want.get(`${o.kind}/${o.metadata.name}`));
        if (r.applied.length) changed++;
      }
      // every patch set selects something, or the comparison above proves little
      expect(changed).toBeGreaterThan(0);
    },
  );

  it('reports a JSON6902 patch without target, a nameless strategic merge and a replace of a missing path, as kustomize refuses them', () => {
    const nameless = applyPatches(OBJECTS[0], [
      {
        patch: 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  wait: true\n',
        target: { kind: 'Kustomization' },
      },
    ]);
    expect(nameless.errors.map((e) => e.index)).toEqual([0]);
    expect(nameless.raw).toEqual(OBJECTS[0]);
    const noTarget = applyPatches(OBJECTS[0], [{ patch: '- op: add\n  path: /spec/wait\n  value: true\n' }]);
    expect(noTarget.errors.map((e) => e.index)).toEqual([0]);
    const missing = applyPatches(OBJECTS[0], [
      { patch: '- op: replace\n  path: /spec/nothing\n  value: 1\n', target: { kind: 'Kustomization' } },
    ]);
    expect(missing.errors.map((e) => e.index)).toEqual([0]);
    expect(missing.raw).toEqual(OBJECTS[0]);
  });

  it('drops an object a `$patch: delete` targets', () => {
    const r = applyPatches(OBJECTS[1], [{ patch: smp({ $patch: 'delete' }), target: { name: 'app-whoami' } }]);
    expect(r.raw).toBeUndefined();
    expect(
      applyPatches(OBJECTS[0], [{ patch: smp({ $patch: 'delete' }), target: { name: 'app-whoami' } }]).raw,
    ).toEqual(OBJECTS[0]);
  });
});

describe('selectors', () => {
  it('match name, kind, group and namespace as anchored regexes', () => {
    const o = OBJECTS[0];
    expect(selects({ name: 'app-.*' }, o)).toBe(true);
    expect(selects({ name: 'app' }, o)).toBe(false); // anchored: not a substring match
    expect(selects({ name: 'echo' }, o)).toBe(false);
    expect(selects({ name: 'app-echo|other' }, o)).toBe(true);
    expect(
      selects(
        { group: 'kustomize\\.toolkit\\.fluxcd\\.io', version: 'v1', kind: 'Kustomization', namespace: 'flux-.*' },
        o,
      ),
    ).toBe(true);
    expect(selects({ group: 'helm.toolkit.fluxcd.io' }, o)).toBe(false);
    expect(selects({ namespace: 'default' }, o)).toBe(false);
    expect(selects({ name: '([' }, o)).toBe(false); // an invalid regex selects nothing
  });

  it('read Kubernetes label selectors', () => {
    const l = { tier: 'web', team: 'a' };
    expect(matchesSelector('tier=web', l)).toBe(true);
    expect(matchesSelector('tier==web,team=a', l)).toBe(true);
    expect(matchesSelector('tier=db', l)).toBe(false);
    expect(matchesSelector('tier!=db', l)).toBe(true);
    expect(matchesSelector('absent!=x', l)).toBe(true);
    expect(matchesSelector('tier in (db, web)', l)).toBe(true);
    expect(matchesSelector('tier notin (web)', l)).toBe(false);
    expect(matchesSelector('absent notin (web)', l)).toBe(true);
    expect(matchesSelector('team', l)).toBe(true);
    expect(matchesSelector('!team', l)).toBe(false);
    expect(matchesSelector('', undefined)).toBe(true);
    expect(matchesSelector('team', undefined)).toBe(false);
  });
});

describe('merge and JSON6902 primitives', () => {
  it('merge maps, replace lists, honour $patch: replace', () => {
    expect(mergePatch({ a: { b: 1, c: [1, 2] } }, { a: { c: [3], d: 4 } })).toEqual({ a: { b: 1, c: [3], d: 4 } });
    expect(mergePatch({ a: { b: 1, c: 2 } }, { a: { $patch: 'replace', d: 4 } })).toEqual({ a: { d: 4 } });
    expect(mergePatch({ a: { b: 1 }, e: 1 }, { a: { $patch: 'delete' } })).toEqual({ e: 1 });
  });

  it('move, copy and test', () => {
    expect(
      applyJson6902({ a: { b: 1 } }, [
        { op: 'copy', from: '/a/b', path: '/c' },
        { op: 'move', from: '/a', path: '/d' },
        { op: 'test', path: '/c', value: 1 },
      ]),
    ).toEqual({ c: 1, d: { b: 1 } });
    expect(() => applyJson6902({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow();
    expect(applyJson6902({ 'a/b': { '~': 1 } }, [{ op: 'replace', path: '/a~1b/~0', value: 2 }])).toEqual({
      'a/b': { '~': 2 },
    });
  });
});

describe('kustomizationPatches', () => {
  it('reads patches (inline and path), patchesStrategicMerge (one entry per document) and patchesJson6902 in that order', () => {
    const files: Record<string, string> = {
      'two.yaml': smp({ spec: { wait: true } }) + '---\n' + smp({ spec: { force: true } }),
      'ops.yaml': '- op: add\n  path: /spec/suspend\n  value: true\n',
    };
    const k = {
      patches: [
        { patch: smp({ spec: { timeout: '1m' } }), target: { kind: 'Kustomization' } },
        { path: 'ops.yaml', target: { name: 'app-echo' } },
        { path: 'gone.yaml' },
      ],
      patchesStrategicMerge: ['two.yaml'],
      patchesJson6902: [{ path: 'ops.yaml', target: { kind: 'Kustomization', name: 'my-app-echo' } }],
    };
    const entries = kustomizationPatches(k, (f) => files[f]);
    expect(
      entries.map((e) => [e.target?.name ?? e.target?.kind ?? '-', e.patch.includes('op: add') ? 'ops' : 'smp']),
    ).toEqual([
      ['Kustomization', 'smp'],
      ['app-echo', 'ops'],
      ['-', 'smp'],
      ['-', 'smp'],
      ['my-app-echo', 'ops'],
    ]);
    // the two documents of two.yaml are two patches (each names `_`, so without a target they select nothing)
    expect(applyPatches(OBJECTS[0], entries).raw!.spec).toEqual({ ...OBJECTS[0].spec, timeout: '1m', suspend: true });
  });
});
