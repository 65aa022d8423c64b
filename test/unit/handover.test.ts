// What a person must set by hand on an adopted repository (src/generate/handover.ts): the variables an approved
// story declares that a catalog component delivered by the repository's own Kustomization reads in the tool's
// templates, with the key path there and the value. On a hand-built spec and the real catalog and templates.
import { describe, expect, it } from 'vitest';
import { TemplateRenderer } from '../../src/core/render';
import { handoverItems } from '../../src/generate/handover';
import { handoverBlock, handoverLine } from '../../src/model/handover';
import type { AdoptedComponent, PlatformSpec, StoryState } from '../../src/model/schema';
import { loadCatalog } from '../../src/model/stories';

const cat = loadCatalog();
const r = new TemplateRenderer();
const IPAM = 'STORY-NET-CILIUM-IPAM';
const DNS = 'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL';

/** An adopted Flux Kustomization as adopt records it (home-ops' folders). */
const adopted = (name: string, component?: string): AdoptedComponent => ({
  name,
  namespace: 'flux-system',
  file: `kubernetes/apps/kube-system/${name}/ks.yaml`,
  path: `kubernetes/apps/kube-system/${name}/app`,
  targetNamespace: 'kube-system',
  dependsOn: [],
  ...(component ? { component } : {}),
});

/** One apps cluster `home` with these adopted entries, settings and story states. */
function spec(
  entries: AdoptedComponent[],
  stories: Record<string, StoryState>,
  settings: Record<string, string> = {},
): PlatformSpec {
  const home = { role: 'apps', settings, adopted: entries } as unknown as PlatformSpec['clusters'][string];
  const recorded = Object.fromEntries(Object.entries(stories).map(([id, st]) => [id, { clusters: { home: st } }]));
  return { clusters: { home }, stories: recorded } as unknown as PlatformSpec;
}

describe('handoverItems', () => {
  it('cilium adopted, IPAM approved: one item, l2announcements.enabled set to true, and its line', () => {
    const items = handoverItems(spec([adopted('cilium', 'cilium')], { [IPAM]: 'approved' }), cat, r);
    expect(items).toEqual([
      {
        cluster: 'home',
        stories: [IPAM],
        variable: 'CILIUM_L2_ANNOUNCEMENTS',
        value: 'true',
        component: 'cilium',
        kustomization: { name: 'cilium', namespace: 'flux-system', file: 'kubernetes/apps/kube-system/cilium/ks.yaml' },
        places: [{ what: 'HelmRelease values', path: 'l2announcements.enabled', value: 'true' }],
      },
    ]);
    expect(handoverLine(items[0])).toBe(
      'cluster home: cilium (your Kustomization cilium, kubernetes/apps/kube-system/cilium/ks.yaml) — set ' +
        "l2announcements.enabled: true (the tool's cilium reads ${CILIUM_L2_ANNOUNCEMENTS}; STORY-NET-CILIUM-IPAM)",
    );
    expect(handoverBlock(items)).toHaveLength(2);
    expect(handoverBlock([])).toEqual([]);
  });

  it('nothing when cilium is not adopted, when the adopted entry delivers nothing, or when the story is a draft', () => {
    expect(handoverItems(spec([], { [IPAM]: 'approved' }), cat, r)).toEqual([]);
    expect(handoverItems(spec([adopted('my-cni')], { [IPAM]: 'approved' }), cat, r)).toEqual([]);
    expect(handoverItems(spec([adopted('cilium', 'cilium')], { [IPAM]: 'draft' }), cat, r)).toEqual([]);
    expect(handoverItems(spec([adopted('cilium', 'cilium')], {}), cat, r)).toEqual([]);
  });

  it('an entry that also delivers a component (its `also`): that component is read through the same Kustomization', () => {
    const cilium = { ...adopted('cilium', 'cilium'), also: ['cilium-lb-ipam'] };
    const items = handoverItems(spec([cilium], { [IPAM]: 'approved' }), cat, r);
    // cilium-lb-ipam, delivered by the same Kustomization, reads only plain values (LB_L2_INTERFACES): the person's
    // pool and policy hold their own, so only cilium's switch is listed.
    expect(items.map((i) => [i.component, i.variable, i.kustomization.name])).toEqual([
      ['cilium', 'CILIUM_L2_ANNOUNCEMENTS', 'cilium'],
    ]);
  });

  it("the cluster's own value of a toggle wins (L2 retired on that cluster)", () => {
    const items = handoverItems(
      spec([adopted('cilium', 'cilium')], { [IPAM]: 'approved' }, { CILIUM_L2_ANNOUNCEMENTS: 'false' }),
      cat,
      r,
    );
    expect(items.map((i) => [i.variable, i.value, i.places[0].value])).toEqual([
      ['CILIUM_L2_ANNOUNCEMENTS', 'false', 'false'],
    ]);
  });

  it("only switches: a toggle inside a list item is found with the block's plain values; other plain values are theirs", () => {
    const entries = [adopted('coredns', 'coredns'), adopted('lb-ipam', 'cilium-lb-ipam')];
    const items = handoverItems(
      spec(
        entries,
        { [IPAM]: 'approved', [DNS]: 'approved' },
        { INTERNAL_DNS_ZONE: 'home.example.org', RFC2136_HOST: '10.0.0.53' },
      ),
      cat,
      r,
    );
    // The zone switches on CoreDNS's second server block, which forwards it to RFC2136_HOST: the person's CoreDNS
    // has no such block, so the forward target is part of the same to-do (a plain value of the story, in the block).
    // LB_L2_INTERFACES (the L2 policy) is a plain value outside any switched block: the person's own, no item.
    expect(items.map((i) => [i.component, i.variable, i.stories, i.places])).toEqual([
      [
        'coredns',
        'INTERNAL_DNS_ZONE',
        [DNS],
        [
          { what: 'HelmRelease values', path: 'servers[1].zones[0].zone', value: 'home.example.org' },
          { what: 'HelmRelease values', path: 'servers[1].plugins[1].parameters', value: '. 10.0.0.53' },
        ],
      ],
    ]);
    expect(handoverLine(items[0])).toContain(
      'set servers[1].zones[0].zone: home.example.org, servers[1].plugins[1].parameters: . 10.0.0.53 (',
    );
  });
});
