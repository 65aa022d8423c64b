// One Placement for both layouts (issue 18, round 2): place(DEFAULT_LAYOUT, ...) is where create-platform-cluster
// writes and wires every catalog component (read from a repository it generated, not from the formula); place() on
// each fixture's detected layout is where that repository's own Kustomizations are; and generate() on an adopted
// repository, in memory, renders nothing but platform.yaml and the manifest until a story is approved there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { inferFrom } from '../../src/adopt/infer';
import { readRepo } from '../../src/adopt/view';
import { platformOf } from '../../src/commands/adopt';
import { createClusters } from '../../src/commands/create-cluster';
import { generate } from '../../src/commands/generate';
import { emptyManifest, MANIFEST_FILE, manifestToString } from '../../src/core/manifest';
import { walkTree } from '../../src/core/paths';
import { writes } from '../../src/core/plan';
import { BUILTIN_TEMPLATES } from '../../src/core/render';
import { DEFAULT_LAYOUT, type Layout, match, place, placementProblem } from '../../src/model/layout';
import { PLATFORM_FILE, parsePlatform, setStoryState } from '../../src/model/platform-file';
import { loadCatalog } from '../../src/model/stories';
import { wiredComponents } from '../../src/model/wiring';
import { GENERATOR_VERSION } from '../../src/version';
import { ROOT, tmpDir } from '../helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');
const resolveEntry = (file: string, entry: string) =>
  path.posix.normalize(path.posix.join(path.posix.dirname(file), entry));

describe('place(DEFAULT_LAYOUT) is where create-platform-cluster puts and wires every component', () => {
  it('every catalog component: its folder, Flux Kustomization (file, path, name, namespace, substituteFrom) and lane entry', () => {
    const dir = path.join(tmpDir('place-default-'), 'platform');
    const r = createClusters({
      dir,
      clusters: [{ name: 'infra' }, { name: 'apps' }],
      stories: { ids: 'all', approve: true },
    });
    expect(r.written).toBe(true);
    const pf = parsePlatform(fs.readFileSync(path.join(dir, PLATFORM_FILE), 'utf8'));
    const cat = loadCatalog();
    let seen = 0;
    for (const cluster of Object.keys(pf.spec.clusters)) {
      for (const comp of wiredComponents(pf.spec, cat, cluster)) {
        const p = place(DEFAULT_LAYOUT, {
          cluster,
          lane: comp.lane,
          area: comp.area,
          namespace: comp.namespace,
          id: comp.id,
        });
        // Today's folder, written out: kubernetes/<lane>/<area>/<id>.
        expect(p.dir).toBe(`kubernetes/${comp.lane}/${comp.area}/${comp.id}`);
        expect(placementProblem(DEFAULT_LAYOUT, p)).toBeUndefined();
        const ks = parse(fs.readFileSync(path.join(dir, p.ks.file), 'utf8'));
        expect(ks.metadata).toEqual({ name: p.ks.name, namespace: p.ks.namespace });
        if (!comp.source && !comp.variantBy) expect(ks.spec.path).toBe(`./${p.ks.path}`);
        expect(
          ks.spec.postBuild.substituteFrom.map((s: { kind: string; name: string }) => ({ kind: s.kind, name: s.name })),
        ).toEqual(p.substituteFrom);
        // The cluster's lane lists the entry, and the entry is the component folder (whose kustomization.yaml lists ks.yaml).
        const lane = parse(fs.readFileSync(path.join(dir, p.wiring.file), 'utf8'));
        expect(lane.resources, `${cluster} ${comp.id}`).toContain(p.wiring.entry);
        expect(resolveEntry(p.wiring.file, p.wiring.entry!)).toBe(p.dir);
        expect(parse(fs.readFileSync(path.join(dir, p.dir, 'kustomization.yaml'), 'utf8')).resources).toContain(
          './ks.yaml',
        );
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(40);
  });
});

/** The tool's lane of a repository's lane word (layout.lanes read backwards); the default lane when none is used. */
function toolLane(layout: Layout, word: string | undefined): 'infrastructure' | 'workloads' {
  const hit = Object.entries(layout.lanes ?? {}).find(([, w]) => w === word)?.[0];
  return (hit as 'infrastructure' | 'workloads' | undefined) ?? 'infrastructure';
}

describe.each(['plan', 'home-ops', 'classic'])('place() on the %s fixture layout', (name) => {
  const dir = path.join(FIXTURES, name);
  const adoption = inferFrom(readRepo(dir));
  const { spec, text } = platformOf(adoption);
  const layout = spec.layout!;

  it("places every component Kustomization adopt recorded exactly where the repository's people put it", () => {
    let seen = 0;
    for (const [cluster, c] of Object.entries(spec.clusters)) {
      for (const a of c.adopted ?? []) {
        const folder = path.posix.dirname(a.file) === a.path ? a.path : path.posix.dirname(a.file);
        const vars = match(layout.components, name === 'classic' ? a.path : folder);
        if (!vars) continue; // the entry and lanes: not components
        const p = place(layout, {
          cluster,
          lane: toolLane(layout, vars.lane),
          area: vars.area ?? '',
          namespace: a.targetNamespace,
          id: vars.id!,
        });
        expect(p.ks, a.file).toEqual({ file: a.file, path: a.path, name: a.name, namespace: a.namespace });
        expect(placementProblem(layout, p)).toBeUndefined();
        if (p.wiring.mode === 'list') {
          const listed: string[] = parse(fs.readFileSync(path.join(dir, p.wiring.file), 'utf8')).resources;
          expect(listed).toContain(p.wiring.entry);
          expect([p.dir, p.ks.file]).toContain(resolveEntry(p.wiring.file, p.wiring.entry!));
        } else {
          const docs = parseAllDocuments(fs.readFileSync(path.join(dir, p.wiring.file), 'utf8')).map((d) => d.toJS());
          expect(docs.map((d) => d.metadata.name)).toContain(p.ks.name);
        }
        expect(p.substituteFrom).toEqual(layout.settings.map((s) => ({ kind: s.kind, name: s.name })));
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(1);
  });

  it('generate() on the adopted tree renders only platform.yaml and the manifest; approved, a story adds its files, document and wiring', () => {
    const files = new Map<string, string>();
    for (const f of walkTree(dir).files) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    files.set(PLATFORM_FILE, text);
    files.set(MANIFEST_FILE, manifestToString(emptyManifest(GENERATOR_VERSION)));
    const current = { read: (p: string) => files.get(p) };
    const g = generate(parsePlatform(text), { current, templateRoots: [BUILTIN_TEMPLATES] });
    expect(writes(g.plan)).toEqual([]);
    expect(g.plan.changes.map((c) => c.path).sort()).toEqual([MANIFEST_FILE, PLATFORM_FILE]);

    const pf = parsePlatform(text);
    const clusters = Object.keys(pf.spec.clusters);
    setStoryState(
      pf,
      'STORY-NET-SPEGEL-REGISTRY-MIRROR',
      Object.fromEntries(clusters.map((c) => [c, 'approved' as const])),
    );
    const a = generate(pf, { current, templateRoots: [BUILTIN_TEMPLATES] });
    const spegel = loadCatalog().components.get('spegel')!.component;
    const placed = clusters.map((cluster) =>
      place(layout, { cluster, lane: spegel.lane, area: spegel.area, namespace: spegel.namespace, id: spegel.id }),
    );
    const written = writes(a.plan).filter((c) => !c.internal && c.path !== PLATFORM_FILE && c.path !== MANIFEST_FILE);
    // Its story document, where a generated repository has it.
    expect(written.filter((c) => c.path.startsWith('docs/')).map((c) => c.path)).toEqual([
      'docs/stories/STORY-NET-SPEGEL-REGISTRY-MIRROR.md',
    ]);
    for (const c of written.filter((x) => !x.path.startsWith('docs/'))) {
      const wiring = placed.some((p) => p.wiring.file === c.path);
      const inFolder = placed.some((p) => c.path.startsWith(`${p.dir}/`) || c.path === p.ks.file);
      expect(wiring || inFolder, c.path).toBe(true);
      // A person's wiring file is edited, never recorded as generated; the component's files are.
      expect(c.path in a.plan.manifest.files, c.path).toBe(!wiring);
      if (wiring) {
        expect(c.action).toBe('UPDATE');
        expect(c.reason).toMatch(/^added (resources entry|Flux Kustomization) /);
      } else expect(c.action).toBe('CREATE');
    }
    expect(new Set(written.filter((c) => c.action === 'UPDATE').map((c) => c.path))).toEqual(
      new Set(placed.map((p) => p.wiring.file)),
    );
  });
});

/** A pattern that matches `text` as it is written. */
const literal = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

/** A fixture adopted, as an in-memory tree: its files, the platform.yaml adopt writes, an empty manifest. */
function adoptedTree(name: string): {
  text: string;
  files: Map<string, string>;
  current: { read: (p: string) => string | undefined };
} {
  const dir = path.join(FIXTURES, name);
  const { text } = platformOf(inferFrom(readRepo(dir)));
  const files = new Map<string, string>();
  for (const f of walkTree(dir).files) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  files.set(PLATFORM_FILE, text);
  files.set(MANIFEST_FILE, manifestToString(emptyManifest(GENERATOR_VERSION)));
  return { text, files, current: { read: (p: string) => files.get(p) } };
}

describe('a layout that cannot place a component: nothing is written', () => {
  const dir = path.join(FIXTURES, 'home-ops');
  const { text } = platformOf(inferFrom(readRepo(dir)));
  const files = new Map<string, string>();
  for (const f of walkTree(dir).files) files.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  files.set(MANIFEST_FILE, manifestToString(emptyManifest(GENERATOR_VERSION)));
  const current = { read: (p: string) => files.get(p) };
  const spegel = {
    cluster: 'cluster',
    lane: 'infrastructure',
    area: 'networking',
    namespace: 'kube-system',
    id: 'spegel',
  } as const;

  // The layouts adopt wrote for haraldkoch/kochhaus-home before it read the majority: one app's file for every
  // component, and entries named after the area; and a document layout whose file is not the wiring file.
  const broken: [string, (l: Layout) => Layout, RegExp][] = [
    [
      'one file for every component',
      (l) => ({ ...l, kustomization: { ...l.kustomization, file: 'kubernetes/apps/default/echo/ks.yaml' } }),
      /kustomization\.file kubernetes\/apps\/default\/echo\/ks\.yaml is the same file for every component/,
    ],
    [
      'an entry that names another file',
      (l) => ({ ...l, wiring: { ...l.wiring, entry: './{area}.yaml' } }),
      literal(
        'the entry ./networking.yaml of kubernetes/apps/kube-system/kustomization.yaml names ' +
          'kubernetes/apps/kube-system/networking.yaml, but the Flux Kustomization is written to ' +
          'kubernetes/apps/kube-system/spegel/ks.yaml',
      ),
    ],
    [
      // fluxcd/flux2-multi-tenancy: its one component folder, infrastructure/kyverno-policies
      'one folder for every component',
      (l) => ({ ...l, components: 'kubernetes/apps/kyverno-policies' }),
      /components kubernetes\/apps\/kyverno-policies is the same folder for every component \(no \{id\}\)/,
    ],
    [
      'a document of a file that is not the wiring file',
      (l) => ({ ...l, wiring: { mode: 'document', file: 'kubernetes/apps/{namespace}/apps.yaml', perCluster: false } }),
      /mode document wires the Flux Kustomization as a document of kubernetes\/apps\/kube-system\/apps\.yaml/,
    ],
  ];

  it.each(broken)('%s: placementProblem says why, and generate() refuses before planning a write', (_, edit, why) => {
    const pf = parsePlatform(text);
    const layout = edit(pf.spec.layout!);
    expect(placementProblem(layout, place(layout, spegel))).toMatch(why);
    expect(placementProblem(pf.spec.layout!, place(pf.spec.layout!, spegel))).toBeUndefined();
    pf.edit((d) => d.set('layout', d.createNode(layout)));
    setStoryState(pf, 'STORY-NET-SPEGEL-REGISTRY-MIRROR', { cluster: 'approved' });
    files.set(PLATFORM_FILE, text);
    expect(() => generate(pf, { current, templateRoots: [BUILTIN_TEMPLATES] })).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(/the layout in platform\.yaml cannot place spegel: /),
      }),
    );
  });
});

describe('a component inside an entry folder Flux builds from every file (no kustomization.yaml): nothing is written', () => {
  it('the classic fixture with components placed under clusters/<cluster>/: generate() refuses, naming the folder', () => {
    const { text, files, current } = adoptedTree('classic');
    expect(files.has('clusters/production/kustomization.yaml')).toBe(false);
    const approveSpegel = (components?: string) => {
      const pf = parsePlatform(text);
      if (components) pf.edit((d) => d.setIn(['layout', 'components'], components));
      const clusters = Object.keys(pf.spec.clusters);
      setStoryState(
        pf,
        'STORY-NET-SPEGEL-REGISTRY-MIRROR',
        Object.fromEntries(clusters.map((c) => [c, 'approved' as const])),
      );
      return generate(pf, { current, templateRoots: [BUILTIN_TEMPLATES] });
    };
    // As detected ({lane}/{id}, outside the entry): it renders.
    expect(approveSpegel().plan.changes.some((c) => c.path.startsWith('infrastructure/spegel/'))).toBe(true);
    expect(() => approveSpegel('clusters/{cluster}/{lane}/{id}')).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(
          new RegExp(
            "the cluster's entry \\./clusters/\\w+ has no kustomization\\.yaml, so Flux applies every YAML file below it: " +
              'clusters/\\w+/\\w+/spegel would be applied twice',
          ),
        ),
      }),
    );
  });
});

describe("the component folder a wiring entry names lists the Flux Kustomization's own file (mirceanton/home-ops)", () => {
  it('kustomization.file {component}/app.ks.yaml, entry ./{id}: the folder kustomization.yaml lists ./app.ks.yaml', () => {
    const { text, current } = adoptedTree('home-ops');
    const pf = parsePlatform(text);
    pf.edit((d) => {
      d.setIn(['layout', 'kustomization', 'file'], '{component}/app.ks.yaml');
      d.setIn(['layout', 'wiring', 'entry'], './{id}');
    });
    setStoryState(pf, 'STORY-NET-SPEGEL-REGISTRY-MIRROR', { cluster: 'approved' });
    const g = generate(pf, { current, templateRoots: [BUILTIN_TEMPLATES] });
    const planned = (p: string) => g.plan.changes.find((c) => c.path === p)?.after;
    const unit = parse(planned('kubernetes/apps/kube-system/spegel/kustomization.yaml')!);
    expect(unit.resources).toEqual(['./app.ks.yaml']);
    expect(parse(planned('kubernetes/apps/kube-system/spegel/app.ks.yaml')!).kind).toBe('Kustomization');
    expect(planned('kubernetes/apps/kube-system/kustomization.yaml')).toContain('  - ./spegel\n');
  });
});

describe('a new wiring file no Kustomization of the cluster would reach: nothing is written (tyriis/home-ops oci)', () => {
  it('components and wiring moved to a tree the cluster does not sync: generate() refuses, naming the tree', () => {
    const { text, current } = adoptedTree('home-ops');
    const pf = parsePlatform(text);
    pf.edit((d) => {
      d.setIn(['layout', 'components'], 'kubernetes/other/{namespace}/{id}');
      d.setIn(['layout', 'wiring', 'file'], 'kubernetes/other/{namespace}/kustomization.yaml');
    });
    setStoryState(pf, 'STORY-NET-SPEGEL-REGISTRY-MIRROR', { cluster: 'approved' });
    expect(() => generate(pf, { current, templateRoots: [BUILTIN_TEMPLATES] })).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringContaining(
          'no Kustomization of cluster cluster lives under ./kubernetes/other: nothing would apply it',
        ),
      }),
    );
  });
});
