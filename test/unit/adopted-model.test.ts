// src/model/adopted.ts on hand-built platform.yaml specs (issue 18): what adopted Kustomizations deliver, which are
// hand-written, and each story's status on a cluster (approved, draft, partial with present/missing, absent).
import { describe, expect, it } from 'vitest';
import { adoptedOn, hasAdopted, storyStatuses, storyStatusOn } from '../../src/model/adopted';
import { defaultCluster } from '../../src/model/defaults';
import { DEFAULT_LAYOUT } from '../../src/model/layout';
import { newPlatform, setCluster } from '../../src/model/platform-file';
import type { AdoptedComponent, PlatformSpec } from '../../src/model/schema';
import { CLUSTERMESH_COMPONENT, CLUSTERMESH_STORY, validateClusters } from '../../src/model/validate';
import { catalogFor, storyComponentsFor } from '../../src/model/wiring';

/** One Kustomization as adopt records it; `component` when it delivers a catalog component. */
function ks(name: string, component?: string): AdoptedComponent {
  return {
    name,
    namespace: 'flux-system',
    file: `kubernetes/apps/${name}/ks.yaml`,
    path: `kubernetes/apps/${name}/app`,
    targetNamespace: name,
    dependsOn: [],
    ...(component ? { component } : {}),
  };
}

/** Clusters infra (role infra) and apps (role apps), each with these adopted Kustomizations and stories. */
function spec(
  adopted: { infra?: AdoptedComponent[]; apps?: AdoptedComponent[] },
  stories: PlatformSpec['stories'] = {},
): PlatformSpec {
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  pf = setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  const s: PlatformSpec = structuredClone(pf.spec);
  for (const c of ['infra', 'apps'] as const) if (adopted[c]) s.clusters[c].adopted = adopted[c];
  return { ...s, stories };
}

const CERT = 'STORY-SEC-CERT-MANAGER-ISSUERS';
const ARC = 'STORY-CICD-GITHUB-ARC'; // apps only; own arc-controller, arc-runners; uses network-policy-baseline
const NP = 'STORY-SEC-NP-BASELINE'; // infra only; own network-policy-baseline
const TENANCY = 'STORY-TENANCY-BASELINE'; // own tenant-baseline; uses network-policy-baseline

describe('adoptedOn', () => {
  it('splits adopted Kustomizations into delivered catalog components and hand-written ones', () => {
    const s = spec({ apps: [ks('echo'), ks('cm', 'cert-manager'), ks('cm-2', 'cert-manager'), ks('lane')] });
    const a = adoptedOn(s, 'apps');
    expect([...a.delivered.keys()]).toEqual(['cert-manager']);
    // Two Kustomizations deliver one component: the first recorded is the one the commands name.
    expect(a.delivered.get('cert-manager')?.name).toBe('cm');
    expect(a.handWritten.map((x) => x.name)).toEqual(['echo', 'lane']);
    expect(adoptedOn(s, 'infra')).toEqual({ delivered: new Map(), handWritten: [] });
    expect(adoptedOn(s, 'no-such-cluster')).toEqual({ delivered: new Map(), handWritten: [] });
    expect(hasAdopted(s)).toBe(true);
    expect(hasAdopted(spec({}))).toBe(false);
  });
});

describe('storyStatusOn', () => {
  it('approved and draft are what platform.yaml records; absent is undefined', () => {
    const s = spec({}, { [CERT]: { clusters: { infra: 'approved', apps: 'draft' } } });
    const cat = catalogFor(s);
    const story = cat.byId.get(CERT)!;
    expect(storyStatusOn(s, cat, story, 'infra')).toEqual({ state: 'approved' });
    expect(storyStatusOn(s, cat, story, 'apps')).toEqual({ state: 'draft' });
    expect(storyStatusOn(s, cat, cat.byId.get(ARC)!, 'apps')).toBeUndefined();
    expect(storyStatuses(s, cat)).toEqual(
      new Map([[CERT, { infra: { state: 'approved' }, apps: { state: 'draft' } }]]),
    );
  });

  it('partial: not approved, some of its own components delivered by adopted Kustomizations; the rest missing', () => {
    const s = spec({ apps: [ks('cert-manager', 'cert-manager'), ks('echo')] });
    const cat = catalogFor(s);
    const story = cat.byId.get(CERT)!;
    const all = storyComponentsFor(cat, story, 'apps').map((c) => c.id);
    expect(all).toContain('cert-manager');
    expect(storyStatusOn(s, cat, story, 'apps')).toEqual({
      state: 'partial',
      present: ['cert-manager'],
      missing: all.filter((id) => id !== 'cert-manager'),
      // approve's words for the stories it depends on that are not there (nothing else is approved on apps)
      waitsOn: [
        'STORY-SEC-EXTERNAL-SECRETS-BASE is not added on apps',
        'STORY-NET-CILIUM-GATEWAY is not added on apps',
      ],
    });
    // Nothing adopted on infra: absent there.
    expect(storyStatusOn(s, cat, story, 'infra')).toBeUndefined();
    expect(storyStatuses(s, cat).get(CERT)).toEqual({ apps: storyStatusOn(s, cat, story, 'apps') });
  });

  it('partial wins over draft; approved stays approved whatever is adopted', () => {
    const adopted = [ks('cert-manager', 'cert-manager')];
    const draft = spec({ apps: adopted }, { [CERT]: { clusters: { apps: 'draft' } } });
    const cat = catalogFor(draft);
    expect(storyStatusOn(draft, cat, cat.byId.get(CERT)!, 'apps')?.state).toBe('partial');
    const approved = spec({ apps: adopted }, { [CERT]: { clusters: { apps: 'approved' } } });
    expect(storyStatusOn(approved, cat, cat.byId.get(CERT)!, 'apps')).toEqual({ state: 'approved' });
  });

  it('a component the story only uses says nothing on its own; it counts as present once the story is partial', () => {
    const np = [ks('network-policy-baseline', 'network-policy-baseline')];
    const usesOnly = spec({ apps: np });
    const cat = catalogFor(usesOnly);
    const arc = cat.byId.get(ARC)!;
    expect(arc.uses).toContain('network-policy-baseline');
    expect(storyStatusOn(usesOnly, cat, arc, 'apps')).toBeUndefined();
    const both = spec({ apps: [...np, ks('arc-controller', 'arc-controller')] });
    const st = storyStatusOn(both, cat, arc, 'apps');
    expect(st).toMatchObject({ state: 'partial' });
    expect(st && 'present' in st && st.present.sort()).toEqual(['arc-controller', 'network-policy-baseline']);
    expect(st && 'missing' in st && st.missing).toEqual(['arc-runners']);
  });

  it("only stories that target the cluster's role: an adopted component on another role's cluster is not partial", () => {
    const s = spec({ apps: [ks('network-policy-baseline', 'network-policy-baseline')] });
    const cat = catalogFor(s);
    expect(cat.byId.get(NP)!.clusters).not.toContain('apps');
    expect(storyStatusOn(s, cat, cat.byId.get(NP)!, 'apps')).toBeUndefined();
    // The same Kustomization on infra, whose role NP targets: partial there, or approved when every component is.
    const infra = spec({ infra: [ks('network-policy-baseline', 'network-policy-baseline')] });
    const own = cat.byId.get(NP)!.components.filter((c) => !c.clusters || c.clusters.includes('infra'));
    const st = storyStatusOn(infra, cat, cat.byId.get(NP)!, 'infra');
    expect(st?.state).toBe('partial');
    expect(st && 'missing' in st && st.missing).toEqual(
      own.map((c) => c.id).filter((id) => id !== 'network-policy-baseline'),
    );
  });

  it('components of approved stories are present; every component there but not approved: partial, nothing missing', () => {
    const s = spec(
      { infra: [ks('tenant-baseline', 'tenant-baseline')] },
      { [NP]: { clusters: { infra: 'approved' } } },
    );
    const cat = catalogFor(s);
    const tenancy = cat.byId.get(TENANCY)!;
    const ids = storyComponentsFor(cat, tenancy, 'infra').map((c) => c.id);
    expect([...ids].sort()).toEqual(['network-policy-baseline', 'tenant-baseline']);
    // Nothing of its own is missing, yet approve would refuse it: it depends on a story not added there.
    expect(storyStatusOn(s, cat, tenancy, 'infra')).toEqual({
      state: 'partial',
      present: ids,
      missing: [],
      waitsOn: ['STORY-OBS-VM-STACK-IMPLEMENT is not added on infra'],
    });
    // Without NP approved, the used component is missing.
    const alone = spec({ infra: [ks('tenant-baseline', 'tenant-baseline')] });
    expect(storyStatusOn(alone, cat, tenancy, 'infra')).toEqual({
      state: 'partial',
      present: ['tenant-baseline'],
      missing: ['network-policy-baseline'],
      waitsOn: [`${NP} is not added on infra`, 'STORY-OBS-VM-STACK-IMPLEMENT is not added on infra'],
    });
  });

  it('hand-written Kustomizations make no story partial', () => {
    const s = spec({ infra: [ks('cert-manager'), ks('echo')], apps: [ks('arc-controller')] });
    const cat = catalogFor(s);
    expect(storyStatuses(s, cat)).toEqual(new Map());
  });
});

describe('ClusterMesh rules on an adopted repository: only for the clusters that mesh', () => {
  /** Both clusters on Cilium cluster id 1 and the same pod and service CIDRs, as two unmeshed home-labs have. */
  function twins(layout: boolean, stories: PlatformSpec['stories'] = {}, adopted: AdoptedComponent[] = []) {
    const s = spec({ infra: adopted, apps: adopted }, stories);
    s.clusters.apps = { ...s.clusters.apps, clusterId: s.clusters.infra.clusterId };
    s.clusters.apps.network = {
      ...s.clusters.apps.network,
      podCidr: s.clusters.infra.network.podCidr,
      serviceCidr: s.clusters.infra.network.serviceCidr,
    };
    return layout ? { ...s, layout: DEFAULT_LAYOUT } : s;
  }
  const mesh = (s: PlatformSpec) =>
    validateClusters(s)
      .map((p) => p.message)
      .filter((m) => /ClusterMesh/.test(m));

  it('a repository the tool generated: every cluster is built for the mesh, so ids and CIDRs must differ', () => {
    expect(mesh(twins(false))).toEqual([
      'cluster id 1 is already used by cluster infra (ClusterMesh needs an id per cluster)',
      expect.stringMatching(/^10\.\S+ overlaps podCidr .* of cluster infra \(ClusterMesh needs disjoint/),
      expect.stringMatching(/^10\.\S+ overlaps serviceCidr .* of cluster infra \(ClusterMesh needs disjoint/),
    ]);
  });

  it('adopted and not meshed (szinn/k8s-homelab): nothing to say; meshed by the story or by their own Kustomization: the same rules', () => {
    expect(mesh(twins(true))).toEqual([]);
    const approved = {
      [CLUSTERMESH_STORY]: { clusters: { infra: 'approved', apps: 'approved' } },
    } as PlatformSpec['stories'];
    expect(mesh(twins(true, approved))).toHaveLength(3);
    // Meshed on one cluster only: no pair meshes.
    const one = { [CLUSTERMESH_STORY]: { clusters: { infra: 'approved' } } } as PlatformSpec['stories'];
    expect(mesh(twins(true, one))).toEqual([]);
    expect(mesh(twins(true, {}, [ks('cilium-mesh', CLUSTERMESH_COMPONENT)]))).toHaveLength(3);
  });

  it("the story and component names are the catalog's", () => {
    const s = spec({});
    const cat = catalogFor(s);
    expect(cat.byId.get(CLUSTERMESH_STORY)!.components.map((c) => c.id)).toContain(CLUSTERMESH_COMPONENT);
  });
});
