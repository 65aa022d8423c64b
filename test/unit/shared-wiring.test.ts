// The approve rule for shared wiring (src/model/shared-wiring.ts), on the real catalog: a layout whose wiring file
// has no {cluster} (home-ops: kubernetes/apps/{namespace}/kustomization.yaml) makes approving on one cluster wire
// every cluster that applies the file; the tool's own layout (one lane list per cluster) never does.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, type Layout } from '../../src/model/layout';
import type { PlatformSpec } from '../../src/model/schema';
import {
  clustersApplying,
  clustersSharingWiring,
  sharedWiringRefusal,
  wiringFileFor,
  wiringTree,
} from '../../src/model/shared-wiring';
import { loadCatalog } from '../../src/model/stories';

const cat = loadCatalog();

/** home-ops as adopt records it (docs/adopt-design.md): one namespace list that every cluster's tree includes. */
const HOME_OPS: Layout = {
  clusters: 'kubernetes/flux/{cluster}',
  components: 'kubernetes/apps/{namespace}/{id}',
  kustomization: { file: '{component}/ks.yaml', path: '{component}/app', name: '{id}' },
  wiring: {
    mode: 'list',
    file: 'kubernetes/apps/{namespace}/kustomization.yaml',
    entry: './{id}/ks.yaml',
    perCluster: false,
  },
  settings: [],
};

type Spec = Pick<PlatformSpec, 'clusters' | 'layout' | 'stories'>;
function spec(layout: Layout | undefined, stories: Spec['stories'] = {}): Spec {
  const cluster = (role: 'infra' | 'apps') => ({ role }) as unknown as PlatformSpec['clusters'][string];
  return { clusters: { main: cluster('apps'), infra: cluster('infra'), backup: cluster('apps') }, layout, stories };
}
const component = (story: string, id: string) => {
  const c = cat.byId.get(story)?.components.find((x) => x.id === id);
  if (!c) throw new Error(`catalog has no ${story} ${id}`);
  return c;
};
const SPEGEL = 'STORY-NET-SPEGEL-REGISTRY-MIRROR';
const ARC = 'STORY-CICD-GITHUB-ARC';
const VM = 'STORY-OBS-VM-STACK-IMPLEMENT';

describe('clustersSharingWiring', () => {
  it("the tool's own layout: each cluster has its own lane list, shared with no other", () => {
    for (const name of ['main', 'infra', 'backup']) {
      const shared = clustersSharingWiring(spec(undefined), component(SPEGEL, 'spegel'), name);
      expect(shared).toEqual({
        file: `kubernetes/clusters/${name}/infrastructure/kustomization.yaml`,
        clusters: [name],
      });
    }
    for (const s of cat.stories)
      for (const name of ['main', 'infra', 'backup'])
        expect(
          sharedWiringRefusal(spec(DEFAULT_LAYOUT), cat, { story: s.id, clusters: [name], action: 'approve' }),
        ).toBeUndefined();
  });

  it('a namespace list without {cluster}: every cluster with the lane shares it (workloads: apps clusters only)', () => {
    const infraLane = clustersSharingWiring(spec(HOME_OPS), component(SPEGEL, 'spegel'), 'backup');
    expect(infraLane).toEqual({
      file: 'kubernetes/apps/kube-system/kustomization.yaml',
      clusters: ['backup', 'main', 'infra'],
    });
    const workloads = clustersSharingWiring(spec(HOME_OPS), component(ARC, 'arc-controller'), 'main');
    expect(workloads).toEqual({ file: 'kubernetes/apps/arc-system/kustomization.yaml', clusters: ['main', 'backup'] });
  });

  it('the filled paths decide, not the perCluster flag; the caller may say which clusters apply the file', () => {
    const perCluster = {
      ...HOME_OPS,
      wiring: { ...HOME_OPS.wiring, file: 'kubernetes/{cluster}/apps/{namespace}/kustomization.yaml' },
    };
    expect(clustersSharingWiring(spec(perCluster), component(SPEGEL, 'spegel'), 'main').clusters).toEqual(['main']);
    const flagWrong = { ...HOME_OPS, wiring: { ...HOME_OPS.wiring, perCluster: true } };
    expect(clustersSharingWiring(spec(flagWrong), component(SPEGEL, 'spegel'), 'main').clusters).toEqual([
      'main',
      'infra',
      'backup',
    ]);
    const onlyMain = clustersSharingWiring(spec(HOME_OPS), component(SPEGEL, 'spegel'), 'main', {
      applies: (c, file) => c !== 'infra' && file.startsWith('kubernetes/apps/'),
    });
    expect(onlyMain.clusters).toEqual(['main', 'backup']);
    const placed = clustersSharingWiring(spec(HOME_OPS), component(SPEGEL, 'spegel'), 'main', {
      wiringFile: (c, cluster) => (cluster === 'backup' ? 'elsewhere.yaml' : `lists/${c.id}.yaml`),
    });
    expect(placed).toEqual({ file: 'lists/spegel.yaml', clusters: ['main', 'infra'] });
  });

  it('by default, where clusters record adopted Kustomizations, only those in the tree of the wiring file apply it', () => {
    const adopted = (file: string) => ({
      name: 'x',
      namespace: 'flux-system',
      file,
      path: '',
      targetNamespace: 'x',
      dependsOn: [],
    });
    const s = spec(HOME_OPS);
    // main and infra keep their apps under kubernetes/apps; backup builds another tree (kubernetes/lab)
    s.clusters.main = { ...s.clusters.main, adopted: [adopted('kubernetes/apps/default/atuin/ks.yaml')] };
    s.clusters.infra = { ...s.clusters.infra, adopted: [adopted('kubernetes/apps/kube-system/cilium/ks.yaml')] };
    s.clusters.backup = { ...s.clusters.backup, adopted: [adopted('kubernetes/lab/default/echo/ks.yaml')] };
    expect(wiringTree(HOME_OPS, component(SPEGEL, 'spegel'), 'main')).toBe('kubernetes/apps');
    expect(clustersApplying(s, 'kubernetes/apps')).toEqual(['main', 'infra']);
    expect(clustersApplying(s, 'elsewhere')).toEqual(['main', 'infra', 'backup']);
    expect(clustersSharingWiring(s, component(SPEGEL, 'spegel'), 'main').clusters).toEqual(['main', 'infra']);
    expect(sharedWiringRefusal(s, cat, { story: SPEGEL, clusters: ['main'], action: 'approve' })?.others).toEqual([
      'infra',
    ]);
    // backup builds another tree, yet the layout (the repository's) places its wiring in the same file: approving
    // there writes into the list main and infra apply, and the refusal names them
    expect(sharedWiringRefusal(s, cat, { story: SPEGEL, clusters: ['backup'], action: 'approve' })?.others).toEqual([
      'main',
      'infra',
    ]);
  });

  it('spans the tree of a lane for a layout with {lane}, and the whole repository for one that starts with {component}', () => {
    const lanes: Layout = {
      ...HOME_OPS,
      components: 'k8s/{lane}/{area}/{id}',
      wiring: { mode: 'list', file: 'k8s/{lane}/{area}/kustomization.yaml', perCluster: false },
    };
    expect(wiringTree(lanes, component(SPEGEL, 'spegel'), 'main')).toBe('k8s/infrastructure');
    expect(wiringTree(lanes, component(ARC, 'arc-controller'), 'main')).toBe('k8s/workloads');
    const doc: Layout = { ...lanes, wiring: { mode: 'document', file: '{component}/ks.yaml', perCluster: false } };
    expect(wiringTree(doc, component(SPEGEL, 'spegel'), 'main')).toBe('k8s/infrastructure');
    const flat: Layout = {
      ...HOME_OPS,
      components: '{id}',
      wiring: { mode: 'document', file: '{component}/ks.yaml', perCluster: false },
    };
    expect(wiringTree(flat, component(SPEGEL, 'spegel'), 'main')).toBe('');
  });

  it('fills {lane} through the layout lanes and {component} from the components template', () => {
    const lanes: Layout = {
      ...HOME_OPS,
      components: 'k8s/{lane}/{area}/{id}',
      wiring: { mode: 'document', file: '{component}/ks.yaml', perCluster: false },
      lanes: { infrastructure: 'platform' },
    };
    expect(wiringFileFor(lanes, component(SPEGEL, 'spegel'), 'main')).toBe('k8s/platform/networking/spegel/ks.yaml');
    expect(wiringFileFor(lanes, component(ARC, 'arc-controller'), 'main')).toBe(
      'k8s/workloads/cicd/arc-controller/ks.yaml',
    );
  });
});

describe('sharedWiringRefusal', () => {
  it('refuses approving on a subset, naming the others and the shared file, in the words of the brief', () => {
    const r = sharedWiringRefusal(spec(HOME_OPS), cat, { story: SPEGEL, clusters: ['main'], action: 'approve' });
    expect(r).toEqual({
      others: ['infra', 'backup'],
      files: ['kubernetes/apps/kube-system/kustomization.yaml'],
      message:
        'approving STORY-NET-SPEGEL-REGISTRY-MIRROR on main also wires it on infra and backup ' +
        '(they share kubernetes/apps/kube-system/kustomization.yaml): approve it on main, infra and backup together',
    });
    // ARC's own components are workloads (apps clusters); the network-policy baseline it uses is an
    // infrastructure component, in kube-system's list, which the infra cluster applies too
    const arc = sharedWiringRefusal(spec(HOME_OPS), cat, { story: ARC, clusters: ['backup'], action: 'approve' });
    expect(arc?.others).toEqual(['main', 'infra']);
    expect(arc?.files).toEqual([
      'kubernetes/apps/arc-system/kustomization.yaml',
      'kubernetes/apps/arc-runners/kustomization.yaml',
      'kubernetes/apps/kube-system/kustomization.yaml',
    ]);
    expect(arc?.message).toMatch(
      /\(they share kubernetes\/apps\/arc-system\/kustomization\.yaml, .* and kubernetes\/apps\/kube-system\/kustomization\.yaml\)/,
    );
    // once the baseline's own story is approved on infra, the entry is there already: infra gains nothing
    const baseline = spec(HOME_OPS, { 'STORY-SEC-NP-BASELINE': { clusters: { infra: 'approved' } } });
    expect(sharedWiringRefusal(baseline, cat, { story: ARC, clusters: ['backup'], action: 'approve' })?.others).toEqual(
      ['main'],
    );
  });

  it('lets it go ahead when every sharing cluster is in the request, or already in the state asked for', () => {
    const all = { story: SPEGEL, clusters: ['main', 'infra', 'backup'], action: 'approve' as const };
    expect(sharedWiringRefusal(spec(HOME_OPS), cat, all)).toBeUndefined();
    const approvedElsewhere = spec(HOME_OPS, {
      [SPEGEL]: { clusters: { infra: 'approved', backup: 'approved', main: 'draft' } },
    });
    expect(
      sharedWiringRefusal(approvedElsewhere, cat, { story: SPEGEL, clusters: ['main'], action: 'approve' }),
    ).toBeUndefined();
    expect(
      sharedWiringRefusal(spec(HOME_OPS), cat, { story: 'STORY-NOT-THERE', clusters: ['main'], action: 'approve' }),
    ).toBeUndefined();
  });

  it('refuses unapproving on a subset while another sharing cluster has it approved; a draft one does not count', () => {
    const both = spec(HOME_OPS, { [ARC]: { clusters: { main: 'approved', backup: 'approved' } } });
    const r = sharedWiringRefusal(both, cat, { story: ARC, clusters: ['main'], action: 'unapprove' });
    expect(r?.others).toEqual(['backup']);
    expect(r?.message).toMatch(
      /^unapproving STORY-CICD-GITHUB-ARC on main also unwires it on backup \(they share .*\): unapprove it on main and backup together$/,
    );
    const draft = spec(HOME_OPS, { [ARC]: { clusters: { main: 'approved', backup: 'draft' } } });
    expect(sharedWiringRefusal(draft, cat, { story: ARC, clusters: ['main'], action: 'unapprove' })).toBeUndefined();
  });

  it('counts a component narrowed to one role: approving the infra-only part on infra wires the apps clusters too', () => {
    // victoria-metrics-global is for infra clusters, but its namespace list is the one the apps clusters apply.
    const r = sharedWiringRefusal(spec(HOME_OPS), cat, { story: VM, clusters: ['infra'], action: 'approve' });
    expect(r?.others).toEqual(['main', 'backup']);
    expect(r?.files).toEqual(['kubernetes/apps/observability/kustomization.yaml']);
  });
});
