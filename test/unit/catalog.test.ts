import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { componentEntriesFromYaml } from '../../src/model/components';
import { VARIABLES } from '../../src/model/variables';

interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}
interface Component {
  id: string;
  clusters?: string[];
  area: string;
  lane: string;
  namespace: string;
  chart?: { name: string; url: string; version: string; repoType?: string };
  dependsOn: string[];
  healthChecks: Ref[];
  resources?: (Ref & { notes?: string })[];
}
interface Story {
  id: string;
  seq: number;
  title: string;
  sprint: number;
  track: string;
  lane: string;
  kind: string;
  clusters: string[];
  dependsOn: string[];
  implements?: string;
  uses: string[];
  components: Component[];
  variables: { name: string; default: string; description: string }[];
  acceptance: string[];
}

const root = path.resolve(__dirname, '../..');
// A story names its components by id; each one's entry, as written, is templates/components/<area>/<id>/component.yaml.
const entries = componentEntriesFromYaml();
const catalogText = [
  fs.readFileSync(path.resolve(__dirname, '../../catalog/stories.yaml'), 'utf8'),
  ...[...entries.values()].map((e) => JSON.stringify(e)),
].join('\n');
const stories: Story[] = parse(
  fs.readFileSync(path.resolve(__dirname, '../../catalog/stories.yaml'), 'utf8'),
).stories.map((s: Omit<Story, 'components'> & { components: string[] }) => ({
  ...s,
  components: s.components.map((id) => entries.get(id) as Component),
}));
const foundation: { id: string }[] = parse(
  fs.readFileSync(path.join(root, 'catalog/components.yaml'), 'utf8'),
).components;
const FOUNDATION = new Set(foundation.map((c) => c.id));
const ROLES = ['infra', 'apps'];

/**
 * Transcribed by hand from the delivery schedule (shared/seed/platform-delivery-schedule.md): the story of each
 * sequence number, its sprint, and whether the sprint lists it on its critical path. (Every numbered story is on
 * a critical path; the "parallel options" of the schedule are side tasks, not stories.)
 */
const SCHEDULE: [number, string, number, 'critical' | 'parallel'][] = [
  [1, 'STORY-BOOT-TALOS', 1, 'critical'],
  [2, 'STORY-BOOT-CRDS', 1, 'critical'],
  [3, 'STORY-BOOT-CORE', 1, 'critical'],
  [4, 'STORY-GITOPS-SELF-MGMT-FLUX', 1, 'critical'],
  [5, 'STORY-SEC-EXTERNAL-SECRETS-BASE', 1, 'critical'],
  [6, 'STORY-OPS-RELOADER-ALL-CLUSTERS', 1, 'critical'],
  [7, 'STORY-BOOT-AUTOMATION-ALIGN', 1, 'critical'],
  [8, 'STORY-NET-CILIUM-CORE-GITOPS', 2, 'critical'],
  [9, 'STORY-NET-CILIUM-IPAM', 2, 'critical'],
  [10, 'STORY-NET-CILIUM-GATEWAY', 2, 'critical'],
  [11, 'STORY-DNS-COREDNS-BASE', 2, 'critical'],
  [12, 'STORY-SEC-CERT-MANAGER-ISSUERS', 2, 'critical'],
  [13, 'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL', 2, 'critical'],
  [14, 'STORY-STO-ROOK-CEPH-OPERATOR', 3, 'critical'],
  [15, 'STORY-STO-ROOK-CEPH-CLUSTER', 3, 'critical'],
  [16, 'STORY-STO-OPENEBS-BASE', 3, 'critical'],
  [17, 'STORY-OBS-VM-STACK', 3, 'critical'],
  [18, 'STORY-OBS-VICTORIA-LOGS', 3, 'critical'],
  [19, 'STORY-OBS-FLUENT-BIT', 3, 'critical'],
  [20, 'STORY-OBS-VM-STACK-IMPLEMENT', 4, 'critical'],
  [21, 'STORY-OBS-VICTORIA-LOGS-IMPLEMENT', 4, 'critical'],
  [22, 'STORY-OBS-FLUENT-BIT-IMPLEMENT', 4, 'critical'],
  [23, 'STORY-NET-CILIUM-BGP', 4, 'critical'],
  [24, 'STORY-NET-CILIUM-BGP-CP-IMPLEMENT', 4, 'critical'],
  [25, 'STORY-NET-SPEGEL-REGISTRY-MIRROR', 4, 'critical'],
  [26, 'STORY-DB-CNPG-OPERATOR', 5, 'critical'],
  [27, 'STORY-DB-CNPG-SHARED-CLUSTER', 5, 'critical'],
  [28, 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER', 5, 'critical'],
  [29, 'STORY-SEC-NP-BASELINE', 5, 'critical'],
  [30, 'STORY-SEC-SPIRE-CILIUM-AUTH', 5, 'critical'],
  [31, 'STORY-IDP-KEYCLOAK-OPERATOR', 5, 'critical'],
  [32, 'STORY-NET-CILIUM-CLUSTERMESH', 6, 'critical'],
  [33, 'STORY-NET-CLUSTERMESH-DNS', 6, 'critical'],
  [34, 'STORY-STO-APPS-OPENEBS-BASE', 6, 'critical'],
  [35, 'STORY-STO-APPS-ROOK-CEPH-OPERATOR', 6, 'critical'],
  [36, 'STORY-STO-APPS-ROOK-CEPH-CLUSTER', 6, 'critical'],
  [37, 'STORY-CICD-GITHUB-ARC', 6, 'critical'],
  [38, 'STORY-CICD-GITLAB-APPS', 7, 'critical'],
  [39, 'STORY-APP-HARBOR', 7, 'critical'],
  [40, 'STORY-TENANCY-BASELINE', 7, 'critical'],
  [41, 'STORY-BACKUP-VOLSYNC-APPS', 7, 'critical'],
];

/** Design stories and the implementation story that carries each out (from the schedule's titles). */
const DESIGNS: Record<string, string> = {
  'STORY-OBS-VM-STACK-IMPLEMENT': 'STORY-OBS-VM-STACK',
  'STORY-OBS-VICTORIA-LOGS-IMPLEMENT': 'STORY-OBS-VICTORIA-LOGS',
  'STORY-OBS-FLUENT-BIT-IMPLEMENT': 'STORY-OBS-FLUENT-BIT',
  'STORY-NET-CILIUM-BGP-CP-IMPLEMENT': 'STORY-NET-CILIUM-BGP',
};
const BOOTSTRAP = ['STORY-BOOT-TALOS', 'STORY-BOOT-CRDS', 'STORY-BOOT-CORE', 'STORY-BOOT-AUTOMATION-ALIGN'];

const byId = new Map(stories.map((s) => [s.id, s]));
/** Component id -> seq of the story defining it (foundation components: 0). */
const definedAt = new Map<string, number>([...FOUNDATION].map((id) => [id, 0]));
const componentOf = new Map<string, { story: Story; component: Component }>();
for (const s of stories) {
  for (const c of s.components ?? []) {
    definedAt.set(c.id, s.seq);
    componentOf.set(c.id, { story: s, component: c });
  }
}

/** Cluster roles a component is present on once every story up to `seq` is done. */
function clustersAt(id: string, seq: number): Set<string> {
  if (FOUNDATION.has(id)) return new Set(ROLES);
  const def = componentOf.get(id);
  if (!def) return new Set();
  const out = new Set(def.component.clusters ?? def.story.clusters);
  for (const s of stories) if (s.seq <= seq && s.uses.includes(id)) for (const c of s.clusters) out.add(c);
  return out;
}

describe('story catalog (catalog/stories.yaml)', () => {
  it('has exactly the 41 stories of the plan, seq 1..41 in order, with valid unique ids', () => {
    expect(stories).toHaveLength(41);
    expect(stories.map((s) => s.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    const ids = stories.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^STORY-[A-Z0-9]+(-[A-Z0-9]+)+$/);
  });

  it('matches the delivery schedule: story per seq, sprint 1..7 and critical/parallel track', () => {
    const actual = stories.map((s) => [s.seq, s.id, s.sprint, s.track]);
    expect(actual).toEqual(SCHEDULE);
    for (const s of stories) {
      expect(s.sprint).toBeGreaterThanOrEqual(1);
      expect(s.sprint).toBeLessThanOrEqual(7);
    }
  });

  it('has the required fields with allowed values on every story', () => {
    for (const s of stories) {
      const where = `${s.id}`;
      expect(s.title, where).toMatch(/\S/);
      expect(['infra', 'apps', 'cross-platform'], where).toContain(s.lane);
      expect(['manifests', 'design', 'bootstrap'], where).toContain(s.kind);
      expect(['critical', 'parallel'], where).toContain(s.track);
      expect(s.clusters.length, where).toBeGreaterThan(0);
      for (const c of s.clusters) expect(ROLES, where).toContain(c);
      expect(Array.isArray(s.dependsOn) && Array.isArray(s.uses) && Array.isArray(s.components), where).toBe(true);
      expect(Array.isArray(s.variables), where).toBe(true);
      expect(s.acceptance.length, where).toBeGreaterThanOrEqual(3);
      expect(s.acceptance.length, where).toBeLessThanOrEqual(6);
    }
  });

  it('only depends on stories that exist and come earlier', () => {
    for (const s of stories) {
      expect(new Set(s.dependsOn).size, s.id).toBe(s.dependsOn.length);
      for (const d of s.dependsOn) {
        expect(byId.has(d), `${s.id} dependsOn unknown ${d}`).toBe(true);
        expect(byId.get(d)!.seq, `${s.id} dependsOn later ${d}`).toBeLessThan(s.seq);
      }
    }
  });

  it('keeps component ids unique across the catalog and catalog/components.yaml, in DNS-1123 form', () => {
    const ids = [...FOUNDATION, ...stories.flatMap((s) => s.components.map((c) => c.id))];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('references only foundation components or components of the same or an earlier story', () => {
    for (const s of stories) {
      for (const u of s.uses) {
        expect(definedAt.has(u), `${s.id} uses unknown ${u}`).toBe(true);
        expect(definedAt.get(u)!, `${s.id} uses later ${u}`).toBeLessThanOrEqual(s.seq);
      }
      for (const c of s.components) {
        for (const d of c.dependsOn) {
          expect(definedAt.has(d), `${c.id} dependsOn unknown ${d}`).toBe(true);
          expect(definedAt.get(d)!, `${c.id} dependsOn later ${d}`).toBeLessThanOrEqual(s.seq);
          expect(d, `${c.id} depends on itself`).not.toBe(c.id);
        }
      }
    }
  });

  it('never lets a component depend on one that is absent from a cluster it runs on', () => {
    for (const s of stories) {
      for (const c of s.components) {
        const mine = clustersAt(c.id, s.seq);
        for (const d of c.dependsOn) {
          const theirs = clustersAt(d, s.seq);
          for (const cluster of mine)
            expect(theirs.has(cluster), `${c.id} on ${cluster} dependsOn ${d}, absent there`).toBe(true);
        }
      }
    }
  });

  it('describes every component completely (lane, namespace, pinned chart source, health checks)', () => {
    for (const s of stories) {
      for (const c of s.components) {
        const where = `${s.id}/${c.id}`;
        expect(['infrastructure', 'workloads'], where).toContain(c.lane);
        expect(c.area, where).toMatch(/^[a-z0-9-]+$/);
        expect(c.namespace, where).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(Array.isArray(c.dependsOn) && Array.isArray(c.healthChecks), where).toBe(true);
        if (c.clusters) for (const cl of c.clusters) expect(s.clusters, where).toContain(cl);
        if (c.lane === 'workloads')
          expect(c.clusters ?? s.clusters, `${where}: workloads lane exists on apps clusters only`).toEqual(['apps']);
        if (c.chart) {
          expect(c.chart.name, where).toMatch(/\S/);
          expect(String(c.chart.version), where).toMatch(/^v?\d+\.\d+\.\d+/);
          if (c.chart.url.startsWith('oci://')) expect(c.chart.repoType, where).toBeUndefined();
          else {
            expect(c.chart.url, where).toMatch(/^https:\/\//);
            expect(c.chart.repoType, where).toBe('helm');
          }
        } else {
          expect(c.resources?.length ?? 0, `${where}: a manifests-only component lists its resources`).toBeGreaterThan(
            0,
          );
        }
        for (const r of [...c.healthChecks, ...(c.resources ?? [])]) {
          expect(r.apiVersion && r.kind && r.name, `${where}: ${JSON.stringify(r)}`).toBeTruthy();
        }
      }
    }
  });

  it('delivers credentials only through ExternalSecrets', () => {
    for (const s of stories) {
      for (const c of s.components) {
        for (const r of c.resources ?? []) expect(r.kind, `${c.id}: plain Secret ${r.name}`).not.toBe('Secret');
      }
    }
  });

  it('gives design and bootstrap stories no components, and ties implement stories to their design', () => {
    for (const s of stories) {
      if (s.kind === 'design' || s.kind === 'bootstrap') expect(s.components, s.id).toEqual([]);
      if (BOOTSTRAP.includes(s.id)) expect(s.kind, s.id).toBe('bootstrap');
      if (Object.values(DESIGNS).includes(s.id)) expect(s.kind, s.id).toBe('design');
      if (s.id in DESIGNS) {
        expect(s.implements, s.id).toBe(DESIGNS[s.id]);
        expect(s.dependsOn, s.id).toContain(DESIGNS[s.id]);
        expect(s.components.length, s.id).toBeGreaterThan(0);
      } else {
        expect(s.implements, s.id).toBeUndefined();
      }
    }
    expect(stories.filter((s) => s.kind === 'design').map((s) => s.seq)).toEqual([17, 18, 19, 23]);
    expect(stories.filter((s) => s.kind === 'bootstrap').map((s) => s.seq)).toEqual([1, 2, 3, 7]);
  });

  it('reuses the infra storage components on apps instead of copying them (34-36)', () => {
    expect(byId.get('STORY-STO-APPS-OPENEBS-BASE')!.uses).toContain('openebs');
    expect(byId.get('STORY-STO-APPS-ROOK-CEPH-OPERATOR')!.uses).toContain('rook-ceph-operator');
    expect(byId.get('STORY-STO-APPS-ROOK-CEPH-CLUSTER')!.uses).toContain('rook-ceph-cluster');
    for (const seq of [34, 35, 36]) expect(stories[seq - 1].components).toEqual([]);
  });

  it('declares story variables that do not shadow derived ones and agree wherever they repeat', () => {
    const seen = new Map<string, string>();
    for (const s of stories) {
      for (const v of s.variables) {
        expect(v.name, s.id).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect(v.name in VARIABLES, `${s.id}: ${v.name} is derived already`).toBe(false);
        expect(typeof v.default, `${s.id}: ${v.name}`).toBe('string');
        expect(v.description, `${s.id}: ${v.name}`).toMatch(/\S/);
        if (seen.has(v.name)) expect(v.default, `${s.id}: ${v.name} default differs`).toBe(seen.get(v.name));
        seen.set(v.name, v.default);
      }
    }
  });

  it('references only derived variables or ones declared by the same or an earlier story', () => {
    const declaredAt = new Map<string, number>();
    for (const s of stories) for (const v of s.variables) if (!declaredAt.has(v.name)) declaredAt.set(v.name, s.seq);
    for (const s of stories) {
      const text = JSON.stringify([s.components, s.acceptance]);
      for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        const name = m[1];
        if (name in VARIABLES) continue;
        expect(declaredAt.has(name), `${s.id}: \${${name}} is declared nowhere`).toBe(true);
        expect(declaredAt.get(name)!, `${s.id}: \${${name}} is declared by a later story`).toBeLessThanOrEqual(s.seq);
      }
    }
  });

  it('uses neutral defaults only (no domain or address of the reference repository)', () => {
    expect(catalogText).not.toMatch(/monosense/i);
    expect(catalogText).not.toMatch(/\b10\.25\.\d+\.\d+/);
  });
});
