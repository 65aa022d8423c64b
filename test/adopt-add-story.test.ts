// After `platform-kit adopt` (issue 18, round 2): regenerate --check is up to date, and a catalog story the
// repository lacks, added and approved, lands in the repository's layout, wired its way, builds with the real
// `kubectl kustomize` (check --build builds every Flux Kustomization path; the new folders are built here too) and
// check reports nothing new. Every file outside what the two runs planned is byte-identical, and unapprove takes
// back exactly what approve added. The library API runs in process (the bins are spawned by adopt-cli.test.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { check } from '../src';
import { adopt } from '../src/commands/adopt';
import { regenerate } from '../src/commands/regenerate';
import { addStory, approveStory, unapproveStory } from '../src/commands/stories';
import type { Plan } from '../src/core/plan';
import { place } from '../src/model/layout';
import { loadPlatform, PLATFORM_FILE } from '../src/model/platform-file';
import { loadCatalog } from '../src/model/stories';
import { ROOT, snapshot, tmpDir } from './helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');

function copyOf(name: string): string {
  const dir = path.join(tmpDir(`adopt-story-${name}-`), 'repo');
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const key = (f: { code: string; cluster?: string; file?: string; line?: number; message: string }) =>
  `${f.code}|${f.cluster}|${f.file}|${f.line}|${f.message}`;

const findings = async (dir: string) => (await check({ dir, build: true })).findings.map(key).sort();

/** The paths a plan writes or deletes that a person sees (not the tool's own .platform/ state). */
const touched = (plan: Plan) =>
  plan.changes.filter((c) => !['UNCHANGED', 'KEEP'].includes(c.action) && !c.internal).map((c) => c.path);

const kustomize = (dir: string) => execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });

// Spegel: a chart in kube-system that stands only on coredns (Talos runs it: no dependsOn) and on nothing the
// fixtures lack; Cilium SPIRE (home-ops): a namespace the repository does not have yet, so a new namespace folder.
const CASES: { fixture: string; story: string; component: string }[] = [
  { fixture: 'plan', story: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', component: 'spegel' },
  { fixture: 'home-ops', story: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', component: 'spegel' },
  { fixture: 'classic', story: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', component: 'spegel' },
  { fixture: 'home-ops', story: 'STORY-SEC-SPIRE-CILIUM-AUTH', component: 'cilium-spire' },
  // The cluster's secret store: a component built per provider (variantBy), its variant named in spec.path and its
  // health check's ${EXTERNAL_SECRET_STORE} written in (the parent Kustomization substitutes only the repository's).
  { fixture: 'home-ops', story: 'STORY-SEC-EXTERNAL-SECRETS-BASE', component: 'cluster-secret-store' },
  { fixture: 'plan', story: 'STORY-SEC-EXTERNAL-SECRETS-BASE', component: 'cluster-secret-store' },
  // Per-cluster Kustomization files over shared bases (haraldkoch/kochhaus-home, joryirving/home-ops), not all of
  // them following the pattern: the new one is kubernetes/apps/<cluster>/kube-system/spegel.yaml on each cluster,
  // listed as ./spegel.yaml next to the others (not written into another component's file, not named after its area).
  { fixture: 'shared-bases', story: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', component: 'spegel' },
];

describe.each(CASES)(
  'add-story and approve on the adopted $fixture fixture: $story',
  ({ fixture, story, component }) => {
    it('lands in the layout, wired, builds, checks as before; unapprove takes it back', {
      timeout: 120_000,
    }, async () => {
      const dir = copyOf(fixture);
      const before = await findings(dir);
      adopt({ dir, yes: true });
      const adopted = snapshot(dir);
      expect(regenerate({ dir, check: true }).changed).toBe(false);

      const spec = loadPlatform(dir)!.spec;
      const clusters = Object.keys(spec.clusters);
      const added = addStory({ dir, id: story, clusters });
      // A draft renders no component in an adopted repository: platform.yaml, the manifest and the story's document.
      const doc = `docs/stories/${story}.md`;
      expect(touched(added.plan).filter((p) => !p.startsWith('.platform/'))).toEqual([doc, PLATFORM_FILE]);
      // SPIRE stands on a story of the infra role (the network-policy baseline) that a single apps cluster cannot have.
      const approved = approveStory({ dir, id: story, clusters, force: story === 'STORY-SEC-SPIRE-CILIUM-AUTH' });
      expect(approved.written).toBe(true);
      const after = snapshot(dir);

      // Every file outside what the runs planned is byte-identical.
      const planned = new Set([...touched(added.plan), ...touched(approved.plan)]);
      for (const [p, h] of Object.entries(adopted))
        if (!planned.has(p) && !p.startsWith('.platform/')) expect(after[p], p).toBe(h);

      // It lands where the layout places it on each cluster, and the wiring names it.
      const comp = loadCatalog().components.get(component)!.component;
      for (const cluster of clusters) {
        const p = place(spec.layout!, {
          cluster,
          lane: comp.lane,
          area: comp.area,
          namespace: comp.namespace,
          id: comp.id,
        });
        expect(fs.existsSync(path.join(dir, p.ks.file)), p.ks.file).toBe(true);
        expect(planned.has(p.wiring.file), p.wiring.file).toBe(true);
        const wiring = fs.readFileSync(path.join(dir, p.wiring.file), 'utf8');
        if (p.wiring.mode === 'list') expect(wiring).toContain(`- ${p.wiring.entry}\n`);
        else expect(parseAllDocuments(wiring).map((d) => d.toJS().metadata.name)).toContain(p.ks.name);
        // Built with the real kubectl: the folder the Flux Kustomization applies, and the folder that lists it.
        expect(kustomize(path.join(dir, p.ks.path))).toBeDefined();
        if (p.wiring.mode === 'list')
          expect(kustomize(path.join(dir, path.dirname(p.wiring.file)))).toContain(p.ks.name);
      }
      // check --build: the same findings as before adopt, nothing new (no BUILD_FAILED, no dangling dependsOn).
      expect(await findings(dir)).toEqual(before);
      expect(regenerate({ dir, check: true }).changed).toBe(false);

      // unapprove: every file outside .platform/, platform.yaml and the draft's document is as adopt left it.
      unapproveStory({ dir, id: story, clusters, force: true });
      const back = snapshot(dir);
      const own = (p: string) => p.startsWith('.platform') || p === PLATFORM_FILE || p.startsWith('docs/');
      expect(Object.keys(back).filter((p) => p.startsWith('docs/'))).toEqual(['docs/', 'docs/stories/', doc]);
      const outside = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([p]) => !own(p)));
      expect(outside(back)).toEqual(outside(adopted));
    });
  },
);

describe('shared wiring on an adopted repository (the plan fixture: both clusters apply kubernetes/infrastructure)', () => {
  it('approving on one cluster only exits 2 naming the other and the shared file, and writes nothing', () => {
    const dir = copyOf('plan');
    adopt({ dir, yes: true });
    addStory({ dir, id: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', clusters: ['apps', 'infra'] });
    const draft = snapshot(dir);
    expect(() => approveStory({ dir, id: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', clusters: ['apps'] })).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(
          /also wires it on infra \(they share kubernetes\/infrastructure\/networking\/kustomization\.yaml\)/,
        ),
      }),
    );
    expect(snapshot(dir)).toEqual(draft);
  });
});

describe("the tool's wiring in a person's file on an adopted repository (the home-ops fixture)", () => {
  it('is computed from the file each run: an entry taken out by hand is out of date, and regenerate puts it back', () => {
    const dir = copyOf('home-ops');
    adopt({ dir, yes: true });
    addStory({ dir, id: 'STORY-NET-SPEGEL-REGISTRY-MIRROR', clusters: ['cluster'], approve: true });
    const file = path.join(dir, 'kubernetes/apps/kube-system/kustomization.yaml');
    const wired = fs.readFileSync(file, 'utf8');
    expect(wired).toContain('  - ./spegel/ks.yaml\n');
    expect(regenerate({ dir, check: true }).changed).toBe(false);
    fs.writeFileSync(file, wired.replace('  - ./spegel/ks.yaml\n', ''));
    const stale = regenerate({ dir, check: true });
    expect(stale.changed).toBe(true);
    expect(stale.plan.changes.find((c) => c.path === 'kubernetes/apps/kube-system/kustomization.yaml')?.reason).toMatch(
      /added resources entry/,
    );
    regenerate({ dir });
    expect(fs.readFileSync(file, 'utf8')).toBe(wired);
  });
});
