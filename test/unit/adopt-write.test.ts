// `platform-kit adopt` writes platform.yaml, .platform/adopt.json and an empty manifest and nothing else (issue 18): every other file
// is byte-identical afterwards (a hash of the whole tree before and after), `check` reports exactly what it did
// before, and platform.yaml reads back through the same validation as any platform.yaml.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src';
import { ADOPT_RECORD, adopt } from '../../src/commands/adopt';
import { createClusters } from '../../src/commands/create-cluster';
import { regenerate } from '../../src/commands/regenerate';
import { MANIFEST_FILE } from '../../src/core/manifest';
import { loadPlatform } from '../../src/model/platform-file';
import { ROOT, snapshot, tmpDir, writeTree } from '../helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');
const LAYOUTS = ['plan', 'home-ops', 'classic'];

function copyOf(name: string): string {
  const dir = path.join(tmpDir(`adopt-${name}-`), 'repo');
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const key = (f: { code: string; cluster?: string; file?: string; line?: number; message: string }) =>
  `${f.code}|${f.cluster}|${f.file}|${f.line}|${f.message}`;

describe.each(LAYOUTS)('adopt on the %s layout', (name) => {
  it('writes only platform.yaml, .platform/adopt.json and .platform/manifest.json; every other byte is unchanged', () => {
    const dir = copyOf(name);
    const before = snapshot(dir);
    const r = adopt({ dir, yes: true });
    expect(r.written).toBe(true);
    const after = snapshot(dir);
    const added = Object.keys(after)
      .filter((k) => !(k in before))
      .sort();
    expect(added).toEqual(['.platform/', ADOPT_RECORD, MANIFEST_FILE, 'platform.yaml'].sort());
    for (const [k, h] of Object.entries(before)) expect(after[k], k).toBe(h);
    expect(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8')).toBe(r.platform);
  });

  it('platform.yaml reads back valid, with the inferred layout, stories and adopted components', () => {
    const dir = copyOf(name);
    const r = adopt({ dir, yes: true });
    const spec = loadPlatform(dir)!.spec;
    expect(spec.layout).toEqual(r.adoption.layout.value);
    for (const c of r.adoption.clusters) {
      const approved = c.match.stories.filter((s) => s.status === 'approved').map((s) => s.id);
      for (const id of approved) expect(spec.stories[id]?.clusters[c.name]).toBe('approved');
      const recorded = Object.entries(spec.stories)
        .filter(([, s]) => s.clusters[c.name])
        .map(([id]) => id);
      expect(recorded.sort()).toEqual(approved.sort());
      // Every Kustomization the cluster reaches is either a component of an approved story or recorded as adopted.
      const storyOf = new Map(
        r.adoption.clusters.find((x) => x.name === c.name)!.match.matches.map((m) => [m.ks, m.story]),
      );
      const adopted = new Set((spec.clusters[c.name].adopted ?? []).map((a) => `${a.namespace}/${a.name}`));
      for (const id of c.match.kustomizations.keys()) {
        const story = storyOf.get(id);
        expect(adopted.has(id) || (story !== undefined && approved.includes(story)), `${c.name} ${id}`).toBe(true);
      }
      // Facts proven by a file are in platform.yaml as read.
      if (c.facts.podCidr) expect(spec.clusters[c.name].network.podCidr).toBe(c.facts.podCidr.value);
      if (c.facts.gitUrl) expect(spec.clusters[c.name].git.url).toBe(c.facts.gitUrl.value);
      // Settings carried over hold the repository's values; the rest is listed as skipped with a reason.
      for (const [k, v] of Object.entries(spec.clusters[c.name].settings)) expect(c.settings.values[k]).toBe(v);
      for (const k of Object.keys(c.settings.values)) {
        const kept = k in spec.clusters[c.name].settings;
        expect(kept || r.skipped.some((s) => s.cluster === c.name && s.key === k), `${c.name} ${k}`).toBe(true);
      }
    }
  });

  it('check reports exactly what it reported before', async () => {
    const dir = copyOf(name);
    const before = (await check({ dir })).findings.map(key).sort();
    adopt({ dir, yes: true });
    const after = (await check({ dir })).findings.map(key).sort();
    expect(after).toEqual(before);
  });

  it('regenerate --check is up to date right after adopt and regenerate writes nothing; create-platform-cluster refuses (exit 2, nothing written)', () => {
    const dir = copyOf(name);
    adopt({ dir, yes: true });
    const adopted = snapshot(dir);
    expect(regenerate({ dir, check: true }).changed).toBe(false);
    expect(regenerate({ dir }).written).toBe(false);
    expect(snapshot(dir)).toEqual(adopted);
    expect(() => createClusters({ dir, clusters: [{ name: 'extra' }] })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/adopted layout/) }),
    );
    expect(snapshot(dir)).toEqual(adopted);
  });

  it('refuses, writing nothing: without --yes while some field is unproven, and a second time', () => {
    const dir = copyOf(name);
    const before = snapshot(dir);
    const dry = adopt({ dir, dryRun: true });
    expect(dry.written).toBe(false);
    expect(snapshot(dir)).toEqual(before);
    if (dry.unproven.length) {
      expect(() => adopt({ dir })).toThrow(/no file proves/);
      expect(snapshot(dir)).toEqual(before);
    }
    adopt({ dir, yes: true });
    const once = snapshot(dir);
    expect(() => adopt({ dir, yes: true })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(snapshot(dir)).toEqual(once);
  });
});

describe("Kustomizations whose source is not the repository's (an upstream GitRepository, an ExternalArtifact)", () => {
  /** The home-ops fixture with two more apps in kube-system whose Flux Kustomizations build an upstream source. */
  function withUpstream(): string {
    const dir = copyOf('home-ops');
    const ks = (name: string, ns: string) =>
      [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata:',
        `  name: ${name}`,
        'spec:',
        '  interval: 1h',
        `  path: ./deploy/${name}`,
        '  prune: true',
        '  sourceRef:',
        '    kind: ExternalArtifact',
        `    name: ${name}`,
        '    namespace: flux-system',
        `  targetNamespace: ${ns}`,
        '',
      ].join('\n');
    for (const [name, ns] of [
      ['reloader', 'kube-system'],
      // rook-ceph-cluster on an apps cluster: STORY-STO-APPS-ROOK-CEPH-CLUSTER uses it, and it stands on the operator,
      // which nothing delivers here: that story stays partial, with the reason (it refused the whole adoption).
      ['rook-ceph-cluster', 'rook-ceph'],
    ]) {
      fs.mkdirSync(path.join(dir, 'kubernetes/apps/kube-system', name), { recursive: true });
      fs.writeFileSync(path.join(dir, 'kubernetes/apps/kube-system', name, 'ks.yaml'), ks(name, ns));
      fs.appendFileSync(path.join(dir, 'kubernetes/apps/kube-system/kustomization.yaml'), `  - ./${name}/ks.yaml\n`);
    }
    return dir;
  }

  it('are recorded, matched by name and namespace only, kept out of the layout; check reports what it did before', async () => {
    const dir = withUpstream();
    const before = (await check({ dir })).findings.map(key).sort();
    const r = adopt({ dir, yes: true });
    expect((await check({ dir })).findings.map(key).sort()).toEqual(before);
    const adopted = loadPlatform(dir)!.spec.clusters.cluster.adopted!;
    expect(adopted.find((a) => a.name === 'reloader')).toMatchObject({
      component: 'reloader',
      path: 'deploy/reloader',
    });
    const why = r.adoption.clusters[0].match.matches.find((m) => m.component === 'reloader')!.why.fact;
    expect(why).toMatch(
      /named after reloader and lands in namespace kube-system \(its source, ExternalArtifact reloader, is not in the repository\)/,
    );
    // The layout is the home-ops one, as without them: their spec.path is a folder of another source.
    const plain = adopt({ dir: copyOf('home-ops'), yes: true, dryRun: true });
    expect(r.adoption.layout.value).toEqual(plain.adoption.layout.value);
    expect(r.adoption.layout.fit).toEqual(plain.adoption.layout.fit);
    const rook = r.adoption.clusters[0].match.stories.find((s) => s.id === 'STORY-STO-APPS-ROOK-CEPH-CLUSTER')!;
    expect(rook).toMatchObject({ status: 'partial', note: expect.stringMatching(/depends on rook-ceph-operator/) });
  });
});

describe('a repository whose root Flux builds from every YAML file in it (bo0tzz/kube: gotk-sync with path ./)', () => {
  function rootSynced(): string {
    return writeTree(
      {
        'flux-system/gotk-sync.yaml': [
          'apiVersion: source.toolkit.fluxcd.io/v1',
          'kind: GitRepository',
          'metadata: { name: flux-system, namespace: flux-system }',
          'spec: { interval: 1m, url: "https://github.com/example/kube", ref: { branch: main } }',
          '---',
          'apiVersion: kustomize.toolkit.fluxcd.io/v1',
          'kind: Kustomization',
          'metadata: { name: flux-system, namespace: flux-system }',
          'spec: { interval: 10m, path: ./, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }',
          '',
        ].join('\n'),
        'apps/echo.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: echo, namespace: default }\ndata: { A: "1" }\n',
      },
      'adopt-root-',
    );
  }

  it('adopt refuses (exit 2, nothing written): Flux would apply platform.yaml as a manifest', () => {
    const dir = rootSynced();
    const before = snapshot(dir);
    expect(() => adopt({ dir, yes: true })).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(
          /builds the repository's root, which has no kustomization\.yaml, so Flux would apply platform\.yaml/,
        ),
      }),
    );
    expect(snapshot(dir)).toEqual(before);
    // With a kustomization.yaml at the root, Flux builds what it lists: adopt goes ahead.
    fs.writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      'resources:\n  - ./flux-system/gotk-sync.yaml\n  - ./apps/echo.yaml\n',
    );
    expect(adopt({ dir, yes: true }).written).toBe(true);
  });
});
