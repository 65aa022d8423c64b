import { describe, expect, it } from 'vitest';
import type { PlatformSpec, StoryDef } from './stories-helpers';
import {
  approvedDependents,
  buildCatalogForTest,
  checkCatalog,
  defaultCluster,
  foundationComponents,
  loadCatalog,
  nearestStoryIds,
  newPlatform,
  renderPlatform,
  setCluster,
  TemplateRenderer,
  unmetDependencies,
  validatePlatform,
  wiredComponents,
} from './stories-helpers';

const cat = loadCatalog();

function platform(stories: PlatformSpec['stories'] = {}): PlatformSpec {
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  pf = setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  return { ...pf.spec, stories };
}

const approvedOn = (...clusters: string[]) => ({
  clusters: Object.fromEntries(clusters.map((c) => [c, 'approved' as const])),
});

function story(over: Partial<StoryDef>): StoryDef {
  return {
    id: 'STORY-X-ONE',
    seq: 100,
    title: 't',
    sprint: 1,
    track: 'critical',
    lane: 'infra',
    kind: 'manifests',
    clusters: ['infra'],
    dependsOn: [],
    uses: [],
    components: [],
    files: [],
    variables: [],
    acceptance: ['a'],
    ...over,
  } as StoryDef;
}

describe('catalog consistency rules (checkCatalog)', () => {
  it('the shipped catalog has none of the problems below', () => {
    expect(checkCatalog(cat.stories, foundationComponents())).toEqual([]);
  });

  it('reports a dependency on a later or unknown story, a duplicate component, and a use it does not depend on', () => {
    const comp = { ...cat.components.get('reloader')!.component };
    const a = story({ id: 'STORY-X-A', seq: 1, dependsOn: ['STORY-X-B', 'STORY-X-NOPE'] });
    const b = story({ id: 'STORY-X-B', seq: 2, components: [comp] });
    const c = story({ id: 'STORY-X-C', seq: 3, components: [comp] });
    const d = story({ id: 'STORY-X-D', seq: 4, uses: ['reloader'] });
    const problems = checkCatalog([a, b, c, d], foundationComponents());
    expect(problems).toContain('STORY-X-A: depends on STORY-X-B, which comes later in the plan');
    expect(problems).toContain('STORY-X-A: depends on unknown story STORY-X-NOPE');
    expect(problems).toContain('STORY-X-C: component reloader is already defined by STORY-X-B');
    expect(problems).toContain('STORY-X-D: uses reloader of STORY-X-C, which it does not depend on');
  });

  it('reports a component waiting on a component of a story it does not depend on, and shared namespaces that disagree', () => {
    const base = cat.components.get('cluster-secret-store')!.component;
    const a = story({
      id: 'STORY-X-A',
      seq: 1,
      components: [{ ...base, id: 'one', namespace: 'shared', podSecurity: 'privileged' }],
    });
    const b = story({
      id: 'STORY-X-B',
      seq: 2,
      components: [{ ...base, id: 'two', namespace: 'shared', dependsOn: ['one'] }],
    });
    const problems = checkCatalog([a, b], foundationComponents());
    expect(problems).toContain(
      'STORY-X-B: component two depends on one of STORY-X-A, which the story does not depend on',
    );
    expect(problems.some((p) => p.includes('namespace shared is (cluster default) here but privileged for one'))).toBe(
      true,
    );
  });

  it('refuses a story variable that shadows a derived one, or two defaults for one variable', () => {
    const a = story({
      id: 'STORY-X-A',
      seq: 1,
      variables: [
        { name: 'CLUSTER_DOMAIN', default: 'x', description: 'd', toggle: false },
        { name: 'FOO', default: '1', description: 'd', toggle: false },
      ],
    });
    const b = story({
      id: 'STORY-X-B',
      seq: 2,
      variables: [{ name: 'FOO', default: '2', description: 'd', toggle: false }],
    });
    const problems = checkCatalog([a, b], foundationComponents());
    expect(problems).toContain(
      'STORY-X-A: variable CLUSTER_DOMAIN is derived from platform.yaml and cannot be declared',
    );
    expect(problems).toContain('STORY-X-B: variable FOO has default "2", another story says "1"');
  });
});

describe('nearest story ids', () => {
  it('suggests the closest ids for a typo and for a fragment', () => {
    expect(nearestStoryIds(cat, 'STORY-NET-CILIUM-GATWAY')[0]).toBe('STORY-NET-CILIUM-GATEWAY');
    expect(nearestStoryIds(cat, 'STORY-APP-HARBR')[0]).toBe('STORY-APP-HARBOR');
    expect(nearestStoryIds(cat, 'story-boot-talos')[0]).toBe('STORY-BOOT-TALOS');
  });
});

describe('approval rule across clusters (unmetDependencies)', () => {
  it('a dependency that runs on the cluster must be approved there; one that runs elsewhere, on some cluster', () => {
    const gitlab = cat.byId.get('STORY-CICD-GITLAB-APPS')!;
    const all: PlatformSpec['stories'] = {};
    for (const d of gitlab.dependsOn) all[d] = approvedOn(...cat.byId.get(d)!.clusters);
    expect(unmetDependencies(platform(all), cat, gitlab, 'apps')).toEqual([]);
    // the shared database runs on infra only: approved nowhere -> reported as such
    const noDb = { ...all, 'STORY-DB-CNPG-SHARED-CLUSTER': { clusters: { infra: 'draft' as const } } };
    expect(unmetDependencies(platform(noDb), cat, gitlab, 'apps')).toEqual([
      'STORY-DB-CNPG-SHARED-CLUSTER (runs on infra) is not approved on any cluster',
    ]);
    // the mesh runs on both: approved on infra only is not enough for apps
    const meshInfraOnly = { ...all, 'STORY-NET-CILIUM-CLUSTERMESH': approvedOn('infra') };
    expect(unmetDependencies(platform(meshInfraOnly), cat, gitlab, 'apps')).toEqual([
      'STORY-NET-CILIUM-CLUSTERMESH is not added on apps',
    ]);
  });

  it('approvedDependents lists the approved stories that would lose a dependency', () => {
    const ipam = cat.byId.get('STORY-NET-CILIUM-IPAM')!;
    const spec = platform({
      'STORY-NET-CILIUM-IPAM': approvedOn('infra', 'apps'),
      'STORY-NET-CILIUM-GATEWAY': { clusters: { infra: 'approved', apps: 'draft' } },
    });
    expect(approvedDependents(spec, cat, ipam, 'infra')).toEqual(['STORY-NET-CILIUM-GATEWAY is approved on infra']);
    expect(approvedDependents(spec, cat, ipam, 'apps')).toEqual([]);
  });
});

describe('wiring and rendering', () => {
  it("a story that uses another story's component wires that same component on its own cluster", () => {
    const spec = platform({ 'STORY-STO-APPS-OPENEBS-BASE': approvedOn('apps') });
    expect(wiredComponents(spec, cat, 'apps').map((c) => c.id)).toContain('openebs');
    expect(wiredComponents(spec, cat, 'infra').map((c) => c.id)).not.toContain('openebs');
  });

  it('validation names the story to approve when a wired component would wait on a missing one', () => {
    const problems = validatePlatform(platform({ 'STORY-NET-CILIUM-GATEWAY': approvedOn('infra') }));
    expect(problems).toContainEqual({
      path: 'stories.STORY-NET-CILIUM-GATEWAY.clusters.infra',
      message:
        'component cilium-gateway depends on cilium-lb-ipam, which is not wired on infra (approve ' +
        'STORY-NET-CILIUM-IPAM, or a story that uses cilium-lb-ipam, on infra)',
    });
  });

  it('validation rejects unknown stories (with suggestions) and unknown clusters', () => {
    const problems = validatePlatform(platform({ 'STORY-NET-CILIUM-IPAMM': approvedOn('infra') }));
    expect(problems[0].message).toMatch(/not a story of the catalog \(did you mean STORY-NET-CILIUM-IPAM/);
    const p2 = validatePlatform(platform({ 'STORY-NET-CILIUM-IPAM': approvedOn('stg') }));
    expect(p2).toContainEqual({
      path: 'stories.STORY-NET-CILIUM-IPAM.clusters.stg',
      message: 'no cluster stg in platform.yaml',
    });
  });

  it('a toggle reaches cluster-settings only where its story is approved, and platform.yaml can override it', () => {
    const r = new TemplateRenderer();
    const spec = platform({ 'STORY-NET-CILIUM-IPAM': { clusters: { infra: 'approved', apps: 'draft' } } });
    const out = renderPlatform(spec, r);
    expect(out.settings.infra.CILIUM_L2_ANNOUNCEMENTS).toBe('true');
    expect(out.settings.apps).not.toHaveProperty('CILIUM_L2_ANNOUNCEMENTS');
    spec.clusters.infra.settings = { CILIUM_L2_ANNOUNCEMENTS: 'false' };
    expect(renderPlatform(spec, r).settings.infra.CILIUM_L2_ANNOUNCEMENTS).toBe('false');
  });

  it('a draft renders its folder and document but no lane lists it', () => {
    const out = renderPlatform(
      platform({ 'STORY-OPS-RELOADER-ALL-CLUSTERS': { clusters: { infra: 'draft', apps: 'draft' } } }),
      new TemplateRenderer(),
    );
    expect(out.tree.exists('kubernetes/infrastructure/operations/reloader/ks.yaml')).toBe(true);
    expect(out.tree.exists('docs/stories/STORY-OPS-RELOADER-ALL-CLUSTERS.md')).toBe(true);
    for (const c of ['infra', 'apps'])
      expect(out.tree.read(`kubernetes/clusters/${c}/infrastructure/kustomization.yaml`)).not.toContain('reloader');
  });

  it('the catalog used in tests is the shipped one', () => {
    expect(buildCatalogForTest).toBeTypeOf('function');
    expect(cat.stories).toHaveLength(41);
  });
});
