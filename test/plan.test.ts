import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addStories,
  catalogFor,
  createClusters,
  defaultCluster,
  newPlatform,
  platformToString,
  setCluster,
} from '../src';
import { definePlan } from '../src/cli/plan-command';
import { planFindings } from '../src/delivery/checks';
import { buildPlan, type DeliveryPlan } from '../src/delivery/model';
import { formatRange, type PlanJson, planJson, renderPlan, statusOf } from '../src/delivery/render';
import { setStoryState } from '../src/model/platform-file';
import { CustomStorySchema, type PlatformSpec } from '../src/model/schema';
import { catalogWith } from '../src/model/stories';
import { ROOT, tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

// ------------------------------------------------------------------------------------------------ the seed

/** The seed schedule (shared/seed/platform-delivery-schedule.md), transcribed. */
const SEED = {
  freeze: { from: '2025-12-22', to: '2026-01-02', text: 'Dec 22, 2025 – Jan 2, 2026' },
  sprints: [
    {
      sprint: 1,
      title: 'Bootstrap & GitOps',
      start: '2025-10-27',
      end: '2025-11-07',
      text: 'Oct 27 – Nov 7, 2025',
      stories: [
        'STORY-BOOT-TALOS',
        'STORY-BOOT-CRDS',
        'STORY-BOOT-CORE',
        'STORY-GITOPS-SELF-MGMT-FLUX',
        'STORY-SEC-EXTERNAL-SECRETS-BASE',
        'STORY-OPS-RELOADER-ALL-CLUSTERS',
        'STORY-BOOT-AUTOMATION-ALIGN',
      ],
    },
    {
      sprint: 2,
      title: 'Networking Core & DNS',
      start: '2025-11-10',
      end: '2025-11-21',
      text: 'Nov 10 – Nov 21, 2025',
      stories: [
        'STORY-NET-CILIUM-CORE-GITOPS',
        'STORY-NET-CILIUM-IPAM',
        'STORY-NET-CILIUM-GATEWAY',
        'STORY-DNS-COREDNS-BASE',
        'STORY-SEC-CERT-MANAGER-ISSUERS',
        'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL',
      ],
    },
    {
      sprint: 3,
      title: 'Storage (Infra) & Observability Base',
      start: '2025-11-24',
      end: '2025-12-05',
      text: 'Nov 24 – Dec 5, 2025',
      stories: [
        'STORY-STO-ROOK-CEPH-OPERATOR',
        'STORY-STO-ROOK-CEPH-CLUSTER',
        'STORY-STO-OPENEBS-BASE',
        'STORY-OBS-VM-STACK',
        'STORY-OBS-VICTORIA-LOGS',
        'STORY-OBS-FLUENT-BIT',
      ],
    },
    {
      sprint: 4,
      title: 'Obs Implementation & Networking Advanced',
      start: '2025-12-08',
      end: '2025-12-19',
      text: 'Dec 8 – Dec 19, 2025',
      stories: [
        'STORY-OBS-VM-STACK-IMPLEMENT',
        'STORY-OBS-VICTORIA-LOGS-IMPLEMENT',
        'STORY-OBS-FLUENT-BIT-IMPLEMENT',
        'STORY-NET-CILIUM-BGP',
        'STORY-NET-CILIUM-BGP-CP-IMPLEMENT',
        'STORY-NET-SPEGEL-REGISTRY-MIRROR',
      ],
    },
    {
      sprint: 5,
      title: 'Databases, Security Advanced, IDP',
      start: '2026-01-05',
      end: '2026-01-16',
      text: 'Jan 5 – Jan 16, 2026',
      stories: [
        'STORY-DB-CNPG-OPERATOR',
        'STORY-DB-CNPG-SHARED-CLUSTER',
        'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
        'STORY-SEC-NP-BASELINE',
        'STORY-SEC-SPIRE-CILIUM-AUTH',
        'STORY-IDP-KEYCLOAK-OPERATOR',
      ],
    },
    {
      sprint: 6,
      title: 'Mesh & Apps Storage & CI/CD',
      start: '2026-01-19',
      end: '2026-01-30',
      text: 'Jan 19 – Jan 30, 2026',
      stories: [
        'STORY-NET-CILIUM-CLUSTERMESH',
        'STORY-NET-CLUSTERMESH-DNS',
        'STORY-STO-APPS-OPENEBS-BASE',
        'STORY-STO-APPS-ROOK-CEPH-OPERATOR',
        'STORY-STO-APPS-ROOK-CEPH-CLUSTER',
        'STORY-CICD-GITHUB-ARC',
      ],
    },
    {
      sprint: 7,
      title: 'CI/CD (part 2), Registry, Tenancy, Backup',
      start: '2026-02-02',
      end: '2026-02-13',
      text: 'Feb 2 – Feb 13, 2026',
      stories: ['STORY-CICD-GITLAB-APPS', 'STORY-APP-HARBOR', 'STORY-TENANCY-BASELINE', 'STORY-BACKUP-VOLSYNC-APPS'],
    },
  ],
  gates: [
    'Flux + External Secrets healthy',
    'Public HTTPS via Gateway + certs',
    'Persistent storage and base observability operational',
    'Mesh functional',
    'CI/CD + registry + tenancy + backups in place',
  ],
};

const SEED_FILE = [
  path.resolve(ROOT, '..', 'shared', 'seed', 'platform-delivery-schedule.md'),
  '/work/shared/seed/platform-delivery-schedule.md',
].find((f) => fs.existsSync(f));

const MONTH: Record<string, string> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};
/** `**Oct 27 – Nov 7, 2025**` or `**Dec 22, 2025 – Jan 2, 2026**` -> [from, to] as YYYY-MM-DD. */
function parseRange(line: string): [string, string] | undefined {
  const m = /^\*\*(\w{3}) (\d{1,2})(?:, (\d{4}))? – (\w{3}) (\d{1,2}), (\d{4})\*\*/.exec(line.trim());
  if (!m) return undefined;
  const d = (mon: string, dd: string, y: string) => `${y}-${MONTH[mon]}-${dd.padStart(2, '0')}`;
  return [d(m[1], m[2], m[3] ?? m[6]), d(m[4], m[5], m[6])];
}

interface ParsedSchedule {
  sprints: { sprint: number; title: string; start: string; end: string; stories: string[] }[];
  freezes: { from: string; to: string }[];
}

/** The sprint schedule section of the seed: sprint headings with their dates, numbered story lines, the freeze. */
function parseSeed(text: string): ParsedSchedule {
  const body = text.slice(text.indexOf('Sprint Schedule'), text.indexOf('Concurrency Notes'));
  const out: ParsedSchedule = { sprints: [], freezes: [] };
  const lines = body.split('\n');
  let inFreeze = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const h = /^###\s+(?:\S+\s+)?Sprint (\d+) — (.+)$/.exec(line);
    if (h) {
      const [start, end] = parseRange(lines[i + 1])!;
      out.sprints.push({ sprint: Number(h[1]), title: h[2].trim(), start, end, stories: [] });
      inFreeze = false;
      continue;
    }
    if (/^###\s.*Change Freeze/.test(line)) {
      inFreeze = true;
      continue;
    }
    if (inFreeze) {
      const r = parseRange(line);
      if (r) {
        out.freezes.push({ from: r[0], to: r[1] });
        inFreeze = false;
      }
      continue;
    }
    const s = /^\d+\. `(STORY-[A-Z0-9-]+)`/.exec(line);
    if (s && out.sprints.length) out.sprints[out.sprints.length - 1].stories.push(s[1]);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ helpers

const cat0 = catalogWith({});
const defaultPlan = () => buildPlan(cat0);

function platform(extra: Partial<PlatformSpec> = {}): PlatformSpec {
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  pf = setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  return { ...pf.spec, ...extra };
}

const CUSTOM = CustomStorySchema.parse({
  title: 'Demo app',
  lane: 'apps',
  dependsOn: ['STORY-STO-APPS-OPENEBS-BASE'],
  components: [{ id: 'demo-app', area: 'apps', lane: 'workloads', namespace: 'demo', description: 'a demo app' }],
});

const dates = (plan: DeliveryPlan) => plan.sprints.map((s) => [s.start, s.end]);
const codes = (spec: PlatformSpec) => planFindings(spec, catalogFor(spec)).map((f) => f.code);

// ------------------------------------------------------------------------------------------------ (a) the seed

describe('the default plan reproduces the seed schedule', () => {
  it('sprint dates, titles, story order per sprint and the freeze equal the transcribed seed', () => {
    const plan = defaultPlan();
    expect(
      plan.sprints.map((s) => ({
        sprint: s.sprint,
        title: s.title,
        start: s.start,
        end: s.end,
        stories: s.stories.map((x) => x.id),
      })),
    ).toEqual(SEED.sprints.map(({ text: _t, ...s }) => s));
    expect(plan.freezes.map((f) => ({ from: f.from, to: f.to }))).toEqual([
      { from: SEED.freeze.from, to: SEED.freeze.to },
    ]);
    expect(plan.sprints.map((s) => formatRange(s.start, s.end))).toEqual(SEED.sprints.map((s) => s.text));
    expect(formatRange(SEED.freeze.from, SEED.freeze.to)).toBe(SEED.freeze.text);
    // Sprint 5 is the one the freeze pushed.
    expect(plan.sprints.filter((s) => s.pushedBy).map((s) => s.sprint)).toEqual([5]);
  });

  it.skipIf(!SEED_FILE)('and equal the seed document itself (parsed)', () => {
    const seed = parseSeed(fs.readFileSync(SEED_FILE!, 'utf8'));
    expect(seed.sprints).toHaveLength(7);
    // The parse agrees with the transcription, so the transcription cannot drift from the seed.
    expect(seed.sprints).toEqual(SEED.sprints.map(({ text: _t, ...s }) => s));
    const plan = defaultPlan();
    expect(
      plan.sprints.map((s) => ({
        sprint: s.sprint,
        title: s.title,
        start: s.start,
        end: s.end,
        stories: s.stories.map((x) => x.id),
      })),
    ).toEqual(seed.sprints);
    expect(plan.freezes.map((f) => ({ from: f.from, to: f.to }))).toEqual(seed.freezes);
  });

  it('the markdown plan parses back to the same schedule', () => {
    const md = renderPlan(defaultPlan(), { format: 'md' });
    const back = parseSeed(md);
    expect(back.sprints).toEqual(SEED.sprints.map(({ text: _t, ...s }) => s));
    expect(back.freezes).toEqual([{ from: SEED.freeze.from, to: SEED.freeze.to }]);
  });
});

// ------------------------------------------------------------------------------------------------ (b) settings

describe('plan settings in platform.yaml move the dates', () => {
  it('a later start moves every sprint, and the freeze pushes the sprint it would hit', () => {
    const plan = buildPlan(cat0, platform({ plan: { start: '2025-11-03' } }));
    expect(dates(plan)).toEqual([
      ['2025-11-03', '2025-11-14'],
      ['2025-11-17', '2025-11-28'],
      ['2025-12-01', '2025-12-12'],
      ['2026-01-05', '2026-01-16'], // Dec 15 – Dec 26 would hit the freeze
      ['2026-01-19', '2026-01-30'],
      ['2026-02-02', '2026-02-13'],
      ['2026-02-16', '2026-02-27'],
    ]);
    expect(plan.sprints[3].pushedBy).toMatch(/Change freeze/);
  });

  it('3-week sprints', () => {
    const plan = buildPlan(cat0, platform({ plan: { sprintWeeks: 3 } }));
    expect(plan.sprintWeeks).toBe(3);
    expect(dates(plan)).toEqual([
      ['2025-10-27', '2025-11-14'],
      ['2025-11-17', '2025-12-05'],
      ['2026-01-05', '2026-01-23'], // Dec 8 – Dec 26 would hit the freeze
      ['2026-01-26', '2026-02-13'],
      ['2026-02-16', '2026-03-06'],
      ['2026-03-09', '2026-03-27'],
      ['2026-03-30', '2026-04-17'],
    ]);
    expect(renderPlan(plan, { format: 'md' })).toContain('**Oct 27 – Nov 14, 2025** | 3 weeks');
  });

  it('a second freeze pushes the sprints after it', () => {
    const freezes = [
      { from: '2025-12-22', to: '2026-01-02', name: 'Holidays' },
      { from: '2026-01-26', to: '2026-01-30', name: 'Offsite' },
    ];
    const plan = buildPlan(cat0, platform({ plan: { freezes } }));
    expect(dates(plan).slice(4)).toEqual([
      ['2026-01-05', '2026-01-16'],
      ['2026-02-02', '2026-02-13'], // Jan 19 – Jan 30 would hit the offsite
      ['2026-02-16', '2026-02-27'],
    ]);
    expect(plan.sprints[5].pushedBy).toBe('Offsite');
    const md = renderPlan(plan, { format: 'md' });
    const offsite = md.indexOf('### Change Freeze\n**Jan 26 – Jan 30, 2026**');
    expect(offsite).toBeGreaterThan(md.indexOf('### Sprint 5 —'));
    expect(offsite).toBeLessThan(md.indexOf('### Sprint 6 —'));
    expect(md).toContain('| **Change Freeze** | Jan 26 – Jan 30, 2026 (Offsite) |');
    expect(renderPlan(plan, { format: 'mermaid' })).toContain('Offsite :crit, freeze2, 2026-01-26, 2026-01-31');
  });

  it('plan.sprints moves a story, also past the last sprint (which adds a sprint)', () => {
    const plan = buildPlan(
      cat0,
      platform({ plan: { sprints: { 'STORY-NET-SPEGEL-REGISTRY-MIRROR': 5, 'STORY-BACKUP-VOLSYNC-APPS': 8 } } }),
    );
    expect(plan.sprints[3].stories.map((s) => s.id)).not.toContain('STORY-NET-SPEGEL-REGISTRY-MIRROR');
    expect(plan.sprints[4].stories.map((s) => s.id)[0]).toBe('STORY-NET-SPEGEL-REGISTRY-MIRROR');
    expect(plan.sprints).toHaveLength(8);
    expect(plan.sprints[7]).toMatchObject({ sprint: 8, title: 'Sprint 8', start: '2026-02-16', end: '2026-02-27' });
    expect(plan.sprints[7].stories.map((s) => s.id)).toEqual(['STORY-BACKUP-VOLSYNC-APPS']);
  });
});

// ------------------------------------------------------------------------------------------------ (c) checks

describe('plan checks (planFindings)', () => {
  it('the default plan has none, with or without stories recorded', () => {
    expect(codes(platform())).toEqual([]);
    const all = Object.fromEntries(cat0.stories.map((s) => [s.id, { clusters: { infra: 'draft' as const } }]));
    expect(codes(platform({ stories: all }))).toEqual([]);
  });

  it('PLAN_DEPENDENCY_ORDER: STORY-NET-CILIUM-GATEWAY in sprint 1, before the Cilium stories it depends on', () => {
    const spec = platform({ plan: { sprints: { 'STORY-NET-CILIUM-GATEWAY': 1 } } });
    const f = planFindings(spec, catalogFor(spec));
    expect(f.map((x) => x.code)).toEqual(['PLAN_DEPENDENCY_ORDER', 'PLAN_DEPENDENCY_ORDER']);
    expect(f[0]).toMatchObject({ severity: 'error', file: 'platform.yaml' });
    expect(f.map((x) => x.message).join('\n')).toContain(
      'STORY-NET-CILIUM-GATEWAY is scheduled in sprint 1, before STORY-NET-CILIUM-CORE-GITOPS (sprint 2)',
    );
  });

  it('PLAN_SPRINT_IN_FREEZE: sprint 5 pinned to 2025-12-22', () => {
    const spec = platform({ plan: { sprintStarts: { '5': '2025-12-22' } } });
    const f = planFindings(spec, catalogFor(spec));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: 'PLAN_SPRINT_IN_FREEZE', severity: 'error', file: 'platform.yaml' });
    expect(f[0].message).toContain('sprint 5 (2025-12-22 .. 2026-01-02)');
    // A pinned start the freeze does not touch is fine.
    expect(codes(platform({ plan: { sprintStarts: { '5': '2026-01-12' } } }))).toEqual([]);
  });

  it('PLAN_NO_SPRINT: a custom story without plan.sprints; with a sprint it is scheduled', () => {
    const stories = { 'STORY-APP-DEMO': { clusters: { apps: 'draft' as const }, custom: CUSTOM } };
    const spec = platform({ stories });
    const f = planFindings(spec, catalogFor(spec));
    expect(f).toEqual([
      expect.objectContaining({
        code: 'PLAN_NO_SPRINT',
        severity: 'warning',
        message: expect.stringContaining('STORY-APP-DEMO'),
      }),
    ]);
    const placed = platform({ stories, plan: { sprints: { 'STORY-APP-DEMO': 7 } } });
    expect(codes(placed)).toEqual([]);
    expect(buildPlan(catalogFor(placed), placed).sprints[6].stories.map((s) => s.id)).toContain('STORY-APP-DEMO');
    // Before the story it depends on: the order check sees custom stories too.
    expect(codes(platform({ stories, plan: { sprints: { 'STORY-APP-DEMO': 2 } } }))).toEqual(['PLAN_DEPENDENCY_ORDER']);
  });

  it('PLAN_UNKNOWN_STORY: plan.sprints names a story nobody defines', () => {
    const spec = platform({ plan: { sprints: { 'STORY-NOPE-THING': 2 } } });
    expect(planFindings(spec, catalogFor(spec))).toEqual([
      expect.objectContaining({
        code: 'PLAN_UNKNOWN_STORY',
        severity: 'error',
        message: expect.stringContaining('STORY-NOPE-THING'),
      }),
    ]);
  });
});

// ------------------------------------------------------------------------------------------------ (d) outputs

describe('renderPlan', () => {
  it('md: the 7 sprint headings with the seed dates, critical paths, parallel options, note, freeze, concurrency and gates', () => {
    const md = renderPlan(defaultPlan(), { format: 'md' });
    for (const s of SEED.sprints) {
      expect(md).toContain(`### Sprint ${s.sprint} — ${s.title}\n**${s.text}** | 2 weeks`);
    }
    expect(md.match(/^### Sprint \d+ — /gm)).toHaveLength(7);
    expect(md).toContain('### Change Freeze\n**Dec 22, 2025 – Jan 2, 2026**');
    expect(md.indexOf('### Change Freeze')).toBeGreaterThan(md.indexOf('### Sprint 4 —'));
    expect(md.indexOf('### Change Freeze')).toBeLessThan(md.indexOf('### Sprint 5 —'));
    expect(md).toContain('1. `STORY-BOOT-TALOS` — ');
    expect(md).toContain('41. `STORY-BACKUP-VOLSYNC-APPS` — ');
    expect(md).toContain('- Draft BGP design (23) in parallel during the sprint tail, once core Cilium is stable');
    expect(md).toContain('> **Note**: Nov 27 — Thanksgiving: pace scope accordingly');
    expect(md.indexOf('Nov 27 —')).toBeGreaterThan(md.indexOf('### Sprint 3 —'));
    expect(md.indexOf('Nov 27 —')).toBeLessThan(md.indexOf('### Sprint 4 —'));
    expect(md).toContain('| **DNS Stack** | Stories 11, 12, 13 benefit from Cilium Gateway (10)');
    expect(md).toContain('## Go/No-Go Gates');
    for (const g of SEED.gates) expect(md).toContain(`✓ ${g}`);
    expect(md).toContain('| **Sprint 6** | ✓ Mesh functional<br>✓ Apps storage ready<br>✓ ARC connected |');
    expect(md).not.toContain('Readiness');
  });

  it("md with status: each story's state per cluster and each sprint's gate readiness", () => {
    const md = renderPlan(defaultPlan(), {
      format: 'md',
      status: {
        clusters: ['infra', 'apps'],
        stories: { 'STORY-BOOT-TALOS': { infra: 'approved+wired', apps: 'draft' } },
        gates: {
          1: { ready: false, reasons: ['STORY-BOOT-CRDS is not added on infra'] },
          2: { ready: true, reasons: [] },
        },
      },
    });
    expect(md).toContain('1. `STORY-BOOT-TALOS` — ');
    expect(md).toMatch(/^1\. `STORY-BOOT-TALOS` — .* · infra: approved\+wired, apps: draft$/m);
    expect(md).toMatch(/^2\. `STORY-BOOT-CRDS` — .* · infra: —, apps: —$/m);
    expect(md).toContain('**Gate: not ready**\n- STORY-BOOT-CRDS is not added on infra');
    expect(md).toContain('**Gate: ready**');
    expect(md).toContain('| Sprint | Success Criteria | Readiness |');
    expect(md).toContain(
      '| **Sprint 1** | ✓ Flux + External Secrets healthy<br>✓ Bootstrap idempotent | not ready<br>STORY-BOOT-CRDS is not added on infra |',
    );
    expect(md).toContain(
      '| **Sprint 2** | ✓ Public HTTPS via Gateway + certs<br>✓ External/internal DNS resolved correctly | ready |',
    );
    expect(md).toContain('| **Sprint 3** | ✓ Persistent storage and base observability operational | — |');
  });

  it('json: a stable object that parses, with status and gate status when given', () => {
    const plan = defaultPlan();
    const j = JSON.parse(renderPlan(plan, { format: 'json' })) as PlanJson;
    expect(Object.keys(j)).toEqual(['start', 'sprintWeeks', 'freezes', 'sprints', 'unscheduled', 'concurrency']);
    expect(j).toMatchObject({
      start: '2025-10-27',
      sprintWeeks: 2,
      freezes: [{ from: '2025-12-22', to: '2026-01-02' }],
      unscheduled: [],
    });
    expect(j.sprints.map((s) => [s.sprint, s.start, s.end, s.stories.map((x) => x.id)])).toEqual(
      SEED.sprints.map((s) => [s.sprint, s.start, s.end, s.stories]),
    );
    expect(Object.keys(j.sprints[0])).toEqual([
      'sprint',
      'title',
      'start',
      'end',
      'stories',
      'parallel',
      'gate',
      'notes',
    ]);
    expect(Object.keys(j.sprints[4])).toEqual([
      'sprint',
      'title',
      'start',
      'end',
      'stories',
      'parallel',
      'gate',
      'notes',
      'pushedBy',
    ]);
    expect(j.sprints[1].stories[2]).toEqual({
      id: 'STORY-NET-CILIUM-GATEWAY',
      seq: 10,
      title: expect.any(String),
      track: 'critical',
      lane: 'cross-platform',
      dependsOn: ['STORY-BOOT-CRDS', 'STORY-NET-CILIUM-CORE-GITOPS', 'STORY-NET-CILIUM-IPAM'],
    });
    expect(j.sprints[2].notes).toEqual([{ date: '2025-11-27', text: 'Thanksgiving: pace scope accordingly' }]);
    expect(j.sprints[0].gate).toEqual(['Flux + External Secrets healthy', 'Bootstrap idempotent']);
    expect(j.concurrency).toHaveLength(5);
    // Same input, same bytes.
    expect(renderPlan(plan, { format: 'json' })).toBe(renderPlan(defaultPlan(), { format: 'json' }));

    const withStatus = planJson(plan, {
      stories: { 'STORY-BOOT-TALOS': { infra: 'approved+wired' } },
      gates: { 1: { ready: true, reasons: [] } },
    });
    expect(withStatus.sprints[0].stories[0].status).toEqual({ infra: 'approved+wired' });
    expect(withStatus.sprints[0].stories[1].status).toEqual({});
    expect(withStatus.sprints[0].gateStatus).toEqual({ ready: true, reasons: [] });
    expect(withStatus.sprints[1].gateStatus).toBeUndefined();
  });

  it('json: pinned sprints and unscheduled custom stories', () => {
    const spec = platform({
      stories: { 'STORY-APP-DEMO': { clusters: { apps: 'draft' }, custom: CUSTOM } },
      plan: { sprintStarts: { '2': '2025-11-17' } },
    });
    const j = planJson(buildPlan(catalogFor(spec), spec));
    expect(j.sprints[1]).toMatchObject({ start: '2025-11-17', pinned: true });
    expect(j.unscheduled).toEqual(['STORY-APP-DEMO']);
    expect(renderPlan(buildPlan(catalogFor(spec), spec), { format: 'md' })).toContain('## Not Scheduled');
  });

  it('mermaid: a Gantt chart with 41 story tasks and the freeze, then the dependency graph', () => {
    const mm = renderPlan(defaultPlan(), { format: 'mermaid' });
    expect(mm.startsWith('gantt\n')).toBe(true);
    expect(mm).toContain('  dateFormat YYYY-MM-DD');
    const gantt = mm.slice(0, mm.indexOf('graph LR'));
    expect(gantt.match(/^ {2}section Sprint \d+ /gm)).toHaveLength(7);
    const tasks = gantt.split('\n').filter((l) => /^ {2}\d+\. STORY-/.test(l));
    expect(tasks).toHaveLength(41);
    expect(tasks[0]).toBe('  1. STORY-BOOT-TALOS :s01, 2025-10-27, 2025-11-08');
    expect(tasks[40]).toBe('  41. STORY-BACKUP-VOLSYNC-APPS :s41, 2026-02-02, 2026-02-14');
    expect(gantt).toMatch(
      /^ {2}Change freeze \(holiday break\) - no production changes :crit, freeze1, 2025-12-22, 2026-01-03$/m,
    );
    expect(gantt.indexOf(':crit')).toBeGreaterThan(gantt.indexOf('section Sprint 4 '));
    expect(gantt.indexOf(':crit')).toBeLessThan(gantt.indexOf('section Sprint 5 '));
    // No task or section text may contain a colon besides the one before the task's data.
    for (const l of gantt
      .split('\n')
      .filter((x) => /^ {2}\S/.test(x) && !/^ {2}(title|dateFormat|axisFormat|section) /.test(x)))
      expect(l.split(':')).toHaveLength(2);

    const graph = mm.slice(mm.indexOf('graph LR'));
    expect(mm).toContain('%% Story dependencies: A --> B means story A depends on story B');
    expect(graph).toContain('S05 --> S02');
    expect(graph).toContain('S10 --> S08');
    expect(graph).not.toContain('S02 --> S05');
    const edges = graph.split('\n').filter((l) => / --> /.test(l));
    expect(edges).toHaveLength(cat0.stories.reduce((n, s) => n + s.dependsOn.length, 0));
    expect(graph.match(/^ {2}subgraph /gm)).toHaveLength(7);
  });

  it('mermaid with status marks delivered stories done', () => {
    const mm = renderPlan(defaultPlan(), {
      format: 'mermaid',
      status: {
        stories: {
          'STORY-BOOT-TALOS': { infra: 'approved+wired', apps: 'approved+wired' },
          'STORY-BOOT-CRDS': { infra: 'approved', apps: 'draft' },
        },
      },
    });
    expect(mm).toContain('1. STORY-BOOT-TALOS :done, s01,');
    expect(mm).toContain('2. STORY-BOOT-CRDS :active, s02,');
    expect(mm).toContain('3. STORY-BOOT-CORE :s03,');
  });
});

describe('statusOf', () => {
  it('draft, approved+wired, and absent when not added', () => {
    const spec = platform({
      stories: {
        'STORY-BOOT-TALOS': { clusters: { infra: 'approved', apps: 'draft' } },
        'STORY-SEC-EXTERNAL-SECRETS-BASE': { clusters: { infra: 'approved' } },
      },
    });
    const st = statusOf(spec, catalogFor(spec));
    expect(st).toEqual({
      'STORY-BOOT-TALOS': { infra: 'approved+wired', apps: 'draft' },
      'STORY-SEC-EXTERNAL-SECRETS-BASE': { infra: 'approved+wired' },
    });
  });
});

// ------------------------------------------------------------------------------------------------ (e) CLI

async function runPlan(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('platform-kit').exitOverride();
  definePlan(program, { out: (t) => out.push(t), err: (t) => err.push(t) });
  const before = process.exitCode;
  try {
    await program.parseAsync(['plan', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.exitCode = before;
  }
}

function repoWithPlatform(): string {
  const dir = tmpDir('cpc-plan-');
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  pf = setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  setStoryState(pf, 'STORY-BOOT-TALOS', { infra: 'approved', apps: 'approved' });
  setStoryState(pf, 'STORY-BOOT-CRDS', { infra: 'draft' });
  fs.writeFileSync(path.join(dir, 'platform.yaml'), platformToString(pf));
  return dir;
}

describe('platform-kit plan (definePlan)', () => {
  it("without platform.yaml: the catalog's default plan, md by default", async () => {
    const dir = tmpDir('cpc-plan-');
    const md = await runPlan(['--dir', dir]);
    expect(md.code).toBe(0);
    expect(md.out).toContain('### Sprint 1 — Bootstrap & GitOps\n**Oct 27 – Nov 7, 2025**');
    const js = await runPlan(['--dir', dir, '--format', 'json']);
    expect(js.code).toBe(0);
    expect(JSON.parse(js.out)).toEqual(JSON.parse(renderPlan(defaultPlan(), { format: 'json' })));
    const mm = await runPlan(['--dir', dir, '--format', 'mermaid']);
    expect(mm.out.startsWith('gantt')).toBe(true);
  });

  it('bad input: an unknown format, or --status without platform.yaml, exits 2', async () => {
    const dir = tmpDir('cpc-plan-');
    const bad = await runPlan(['--dir', dir, '--format', 'xml']);
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toContain('--format xml: use md, json, mermaid');
    const noSpec = await runPlan(['--dir', dir, '--status']);
    expect(noSpec).toMatchObject({ code: 2, out: '' });
    expect(noSpec.err).toMatch(/--status: no platform\.yaml/);
    const missing = await runPlan(['--dir', path.join(dir, 'nope')]);
    expect(missing.code).toBe(2);
  });

  it("--status: each story's state per cluster from platform.yaml (and gates when the gate module is there)", async () => {
    const dir = repoWithPlatform();
    const md = await runPlan(['--dir', dir, '--status']);
    expect(md.code).toBe(0);
    expect(md.out).toMatch(/^1\. `STORY-BOOT-TALOS` — .* · infra: approved\+wired, apps: approved\+wired$/m);
    expect(md.out).toMatch(/^2\. `STORY-BOOT-CRDS` — .* · infra: draft, apps: —$/m);
    const js = JSON.parse((await runPlan(['--dir', dir, '--status', '--format', 'json'])).out) as PlanJson;
    expect(js.sprints[0].stories[1].status).toEqual({ infra: 'draft' });
    const gate = js.sprints[0].gateStatus;
    if (gate) {
      expect(gate.ready).toBe(false);
      expect(gate.reasons.join('\n')).toContain('STORY-BOOT-CRDS');
    }
  });

  const wired = fs.readFileSync(path.join(ROOT, 'src', 'cli', 'platform-kit.ts'), 'utf8').includes('definePlan');
  it.skipIf(!wired)('the compiled bin: node lib/cli/platform-kit.js plan --format json', () => {
    const dir = tmpDir('cpc-plan-');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'lib', 'cli', 'platform-kit.js'), 'plan', '--format', 'json'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(renderPlan(defaultPlan(), { format: 'json' })));
    const bad = spawnSync(
      process.execPath,
      [path.join(ROOT, 'lib', 'cli', 'platform-kit.js'), 'plan', '--format', 'xml'],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
  });
});

describe('plan --status reads the wiring from the repository as it is', () => {
  it('an approved story whose lane entry a person removed shows as approved, not approved+wired', async () => {
    const dir = path.join(tmpDir(), 'p');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }] });
    addStories({
      dir,
      ids: [
        'STORY-BOOT-TALOS',
        'STORY-BOOT-CRDS',
        'STORY-BOOT-CORE',
        'STORY-GITOPS-SELF-MGMT-FLUX',
        'STORY-OPS-RELOADER-ALL-CLUSTERS',
      ],
      approve: true,
    });
    const lane = path.join(dir, 'kubernetes/clusters/infra/infrastructure/kustomization.yaml');
    fs.writeFileSync(
      lane,
      fs.readFileSync(lane, 'utf8').replace('  - ../../../infrastructure/operations/reloader\n', ''),
    );
    const r = await runInProcess('platform-kit', ['plan', '--status', '--format', 'json', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const story = JSON.parse(r.stdout).sprints[0].stories.find(
      (s: { id: string }) => s.id === 'STORY-OPS-RELOADER-ALL-CLUSTERS',
    );
    expect(story.status).toEqual({ infra: 'approved', apps: 'approved+wired' });
  });
});
