// check, graph, plan --status, gate and stories on the adopt fixtures after `platform-kit adopt` (issue 18): they read
// `clusters.<c>.adopted` (in process, temp copies). "Every reached" below is the model of the next round (helper
// "place"): adopt records every reached Kustomization that delivers a catalog component, with `component:`; until
// that lands, recordAll() writes those entries by hand into the platform.yaml adopt wrote.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlux } from '../../src/check/check';
import { formatGraph } from '../../src/check/format';
import { formatGraphs } from '../../src/check/graph-document';
import { type AdoptResult, adopt } from '../../src/commands/adopt';
import { check, withAdopted } from '../../src/commands/check';
import { addStory, approveStory } from '../../src/commands/stories';
import { gateLive, gateStatic } from '../../src/delivery/gate';
import {
  loadPlatform,
  PLATFORM_FILE,
  platformToString,
  setCluster,
  setStoryState,
} from '../../src/model/platform-file';
import type { AdoptedComponent } from '../../src/model/schema';
import { catalogFor } from '../../src/model/wiring';
import { ROOT, tmpDir } from '../helpers/fs';
import { kitInProcess } from '../helpers/in-process';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');
const LAYOUTS = ['plan', 'home-ops', 'classic'];
const CERT = 'STORY-SEC-CERT-MANAGER-ISSUERS';
const RELOADER = 'STORY-OPS-RELOADER-ALL-CLUSTERS';

function copyOf(name: string, edit?: (dir: string) => void): string {
  const dir = path.join(tmpDir(`adopted-${name}-`), 'repo');
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  edit?.(dir);
  return dir;
}

/** Adds to platform.yaml every Kustomization adopt matched to a catalog component and did not record (with `component:`). */
function recordAll(dir: string, r: AdoptResult): void {
  let pf = loadPlatform(dir)!;
  for (const c of r.adoption.clusters) {
    const list: AdoptedComponent[] = [...(pf.spec.clusters[c.name].adopted ?? [])];
    for (const m of c.match.matches) {
      const k = c.match.kustomizations.get(m.ks)!;
      const [namespace, name] = m.ks.split('/');
      if (list.some((a) => a.namespace === namespace && a.name === name && a.component === m.component)) continue;
      list.push({
        name,
        namespace,
        file: k.file,
        path: k.path,
        targetNamespace: k.namespace,
        dependsOn: k.dependsOn,
        component: m.component,
      });
    }
    pf = setCluster(pf, c.name, { ...pf.spec.clusters[c.name], adopted: list });
  }
  fs.writeFileSync(path.join(dir, PLATFORM_FILE), platformToString(pf));
}

/** platform.yaml without any `adopted` (the same repository as if nothing were adopted). */
function dropAdopted(dir: string): void {
  let pf = loadPlatform(dir)!;
  for (const [name, c] of Object.entries(pf.spec.clusters)) {
    const { adopted: _a, ...rest } = c;
    pf = setCluster(pf, name, rest);
  }
  fs.writeFileSync(path.join(dir, PLATFORM_FILE), platformToString(pf));
}

const key = (f: { code: string; cluster?: string; file?: string; line?: number; message: string }) =>
  `${f.code}|${f.cluster}|${f.file}|${f.line}|${f.message}`;

describe.each(LAYOUTS)('the %s fixture after adopt', (name) => {
  it('check: the same findings before adopt, after it, and with every delivering Kustomization recorded', async () => {
    const dir = copyOf(name);
    const before = (await check({ dir })).findings.map(key).sort();
    const r = adopt({ dir, yes: true });
    expect((await check({ dir })).findings.map(key).sort()).toEqual(before);
    recordAll(dir, r);
    const spec = loadPlatform(dir)!.spec;
    expect(Object.values(spec.clusters).some((c) => (c.adopted ?? []).some((a) => a.component))).toBe(true);
    expect((await check({ dir })).findings.map(key).sort()).toEqual(before);
  });

  it('stories --json: the partial stories adopt inferred, with what they have and lack; the approved ones approved', async () => {
    const dir = copyOf(name);
    const r = adopt({ dir, yes: true });
    recordAll(dir, r);
    const res = await kitInProcess(['stories', '--dir', dir, '--json']);
    expect(res.status).toBe(0);
    const list = JSON.parse(res.stdout) as {
      id: string;
      status: Record<string, string>;
      partial?: Record<string, { present: string[]; missing: string[]; waitsOn: string[] }>;
    }[];
    const byId = new Map(list.map((s) => [s.id, s]));
    let partials = 0;
    for (const c of r.adoption.clusters) {
      for (const s of c.match.stories) {
        const listed = byId.get(s.id)!;
        if (s.status === 'partial') {
          partials++;
          expect(listed.status[c.name], `${s.id} on ${c.name}`).toBe('partial');
          expect(listed.partial?.[c.name]).toMatchObject({ present: s.present, missing: s.missing });
          // What approve would refuse it for first, in its words: a story it depends on, not there.
          for (const w of listed.partial![c.name].waitsOn)
            expect(w).toMatch(new RegExp(`^STORY-[A-Z0-9-]+ (is (draft|not added) on ${c.name}$|\\(runs on )`));
        } else if (s.status === 'approved') expect(listed.status[c.name]).toBe('approved');
        else expect(listed.status[c.name], `${s.id} on ${c.name}`).toBeUndefined();
      }
    }
    expect(partials).toBeGreaterThan(0);
    // Without adopted Kustomizations the same repository has no partial story.
    dropAdopted(dir);
    const plain = JSON.parse((await kitInProcess(['stories', '--dir', dir, '--json'])).stdout) as typeof list;
    expect(plain.filter((s) => s.partial || Object.values(s.status).includes('partial'))).toEqual([]);
  });

  it('stories --adopted: the hand-written Kustomizations per cluster (no catalog component); the table names them', async () => {
    const dir = copyOf(name);
    recordAll(dir, adopt({ dir, yes: true }));
    const spec = loadPlatform(dir)!.spec;
    const expected: Record<string, AdoptedComponent[]> = {};
    for (const [c, cl] of Object.entries(spec.clusters)) {
      const hand = (cl.adopted ?? []).filter((a) => !a.component);
      if (hand.length) expected[c] = hand;
    }
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const json = await kitInProcess(['stories', '--adopted', '--json', '--dir', dir]);
    expect(JSON.parse(json.stdout)).toEqual(expected);
    const text = (await kitInProcess(['stories', '--adopted', '--dir', dir])).stdout;
    for (const [c, list] of Object.entries(expected))
      for (const a of list) expect(text).toMatch(new RegExp(`^${c} +${a.namespace}/${a.name} +${a.file} `, 'm'));
    const table = (await kitInProcess(['stories', '--dir', dir])).stdout;
    expect(table).toMatch(/^hand-written Kustomizations adopted for no story: .*stories --adopted/m);
    expect(table).toMatch(new RegExp(`^  ${CERT} on \\S+: has cert-manager; missing `, 'm'));
    // What keeps approve from taking it, on the same line: the stories it depends on that are not there.
    expect(table).toMatch(
      new RegExp(
        `^  ${CERT} on \\S+: .*; approving it waits on: STORY-SEC-EXTERNAL-SECRETS-BASE is not added on `,
        'm',
      ),
    );
  });

  it('plan --status: partial is its own state in the text, its legend, JSON, SVG and HTML', async () => {
    const dir = copyOf(name);
    recordAll(dir, adopt({ dir, yes: true }));
    const md = (await kitInProcess(['plan', '--status', '--dir', dir])).stdout;
    const clusters = Object.keys(loadPlatform(dir)!.spec.clusters);
    const line = md.split('\n').find((l) => l.includes(`\`${CERT}\``))!;
    for (const c of clusters) expect(line).toMatch(new RegExp(`${c}: partial \\(missing cert-manager-issuers, `));
    expect(md).toMatch(/^Story state per cluster: .*`partial` \(not approved; Kustomizations adopted/m);
    const json = JSON.parse((await kitInProcess(['plan', '--status', '--dir', dir, '--format', 'json'])).stdout);
    const story = json.sprints
      .flatMap((s: { stories: unknown[] }) => s.stories)
      .find((s: { id: string }) => s.id === CERT);
    for (const c of clusters) {
      expect(story.status[c]).toBe('partial');
      expect(story.partial[c].present).toEqual(['cert-manager']);
    }
    const svg = (await kitInProcess(['plan', '--status', '--dir', dir, '--format', 'svg'])).stdout;
    expect(svg).toMatch(/data-status="partial"/);
    expect(svg).toMatch(/>partial<\/text>/);
    const html = (await kitInProcess(['plan', '--dir', dir, '--format', 'html'])).stdout;
    expect(html).toContain('span.status.partial');
    expect(html).toMatch(/<span class="status partial">partial<\/span>/);
    // The same repository with nothing adopted: none of it.
    dropAdopted(dir);
    const plainMd = (await kitInProcess(['plan', '--status', '--dir', dir])).stdout;
    const plainSvg = (await kitInProcess(['plan', '--status', '--dir', dir, '--format', 'svg'])).stdout;
    expect(plainMd + plainSvg).not.toMatch(/partial/);
  });

  it('graph: the adopted Kustomizations and only they are marked; without adopted the graph is as before adopt', async () => {
    const dir = copyOf(name);
    const beforeMm = (await kitInProcess(['graph', '--dir', dir])).stdout;
    const beforeDot = (await kitInProcess(['graph', '--dir', dir, '--format', 'dot'])).stdout;
    recordAll(dir, adopt({ dir, yes: true }));
    const spec = loadPlatform(dir)!.spec;
    const mm = (await kitInProcess(['graph', '--dir', dir])).stdout;
    const dot = (await kitInProcess(['graph', '--dir', dir, '--format', 'dot'])).stdout;
    // DOT names nodes "<cluster>/<namespace>/<name>": exactly the adopted ones carry class="adopted".
    const marked = [...dot.matchAll(/^ +"([^"]+)" \[.*class="adopted"\];$/gm)].map((m) => m[1]).sort();
    const adopted = Object.entries(spec.clusters)
      .flatMap(([c, cl]) => (cl.adopted ?? []).map((a) => `${c}/${a.namespace}/${a.name}`))
      .sort();
    expect(marked).toEqual([...new Set(adopted)]);
    expect(dot).toMatch(/^ {2}\/\/ adopted \(yellow\): /m);
    const classLine = mm.split('\n').find((l) => l.startsWith('  class '))!;
    expect(classLine.split(' ')[3].split(',').length).toBe(marked.length);
    expect(mm).toMatch(/^ {2}classDef adopted /m);
    // Taking the marks away gives the graph before adopt, byte for byte.
    const unmarked = (s: string) =>
      s
        .split('\n')
        .filter((l) => !/^ {2}(%% adopted|\/\/ adopted|classDef adopted|class )/.test(l))
        .join('\n')
        .replace(/, style="filled", fillcolor="#fef9c3", class="adopted"/g, '')
        .replace(/, style="dashed,filled", fillcolor="#fef9c3", class="adopted"/g, ', style=dashed');
    expect(unmarked(mm)).toBe(beforeMm);
    expect(unmarked(dot)).toBe(beforeDot);
    dropAdopted(dir);
    expect((await kitInProcess(['graph', '--dir', dir])).stdout).toBe(beforeMm);
  });
});

describe('check on an adopted repository', () => {
  it("an adopted component's dependsOn on a Kustomization no cluster has is still reported", async () => {
    const dir = copyOf('classic', (d) => {
      const file = path.join(d, 'clusters', 'production', 'apps.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('- name: reloader', '- name: no-such-ks'));
    });
    const missing = (fs: { code: string; file?: string; message: string }[]) =>
      fs.filter((f) => f.code === 'DEPENDS_ON_MISSING' && f.message.includes('no-such-ks')).map(key);
    const before = missing((await check({ dir })).findings as never);
    expect(before.length).toBe(1);
    const r = adopt({ dir, yes: true });
    const hello = loadPlatform(dir)!.spec.clusters.production.adopted!.find((a) => a.name === 'hello')!;
    expect(hello.dependsOn).toEqual(['flux-system/no-such-ks']);
    expect(missing((await check({ dir })).findings as never)).toEqual(before);
    recordAll(dir, r);
    expect(missing((await check({ dir })).findings as never)).toEqual(before);
  });
});

describe('gate on an adopted repository', () => {
  it('a story delivered by adopted Kustomizations is wired (no tool folder asked); a partial one fails naming what is missing', async () => {
    const dir = copyOf('classic');
    recordAll(dir, adopt({ dir, yes: true }));
    const one = JSON.parse((await kitInProcess(['gate', '1', '--json', '--dir', dir])).stdout);
    const reloader = one.stories.find((s: { id: string }) => s.id === RELOADER);
    expect(reloader).toMatchObject({ ok: true, clusters: { production: 'approved', staging: 'approved' } });
    const two = await kitInProcess(['gate', '2', '--json', '--dir', dir]);
    expect(two.status).toBe(1);
    const gate = JSON.parse(two.stdout);
    expect(gate.stories.find((s: { id: string }) => s.id === CERT)).toMatchObject({
      ok: false,
      clusters: { production: 'partial', staging: 'partial' },
    });
    for (const c of ['production', 'staging'])
      expect(gate.reasons).toContain(
        `${CERT}: partial on ${c}, missing cert-manager-issuers, wildcard-certificate, flux-notifications (there: cert-manager)` +
          `; approving it waits on: STORY-SEC-EXTERNAL-SECRETS-BASE is not added on ${c}; STORY-NET-CILIUM-GATEWAY is not added on ${c}`,
      );
    const text = (await kitInProcess(['gate', '2', '--dir', dir])).stdout;
    expect(text).toMatch(new RegExp(`^ {2}✗ ${CERT} \\(production:partial staging:partial\\)$`, 'm'));
    expect(text).toMatch(new RegExp(`^ {6}${CERT}: partial on production, missing cert-manager-issuers`, 'm'));
  });

  it("the tool's folder is asked only of components no adopted Kustomization delivers", () => {
    const dir = copyOf('classic');
    recordAll(dir, adopt({ dir, yes: true }));
    // Without the layout the gate would look for the tool's own folders (a repository the tool generated).
    const spec = { ...loadPlatform(dir)!.spec, layout: undefined };
    const cat = catalogFor(spec);
    const folderReasons = (s: typeof spec) =>
      gateStatic(s, cat, 1, dir).reasons.filter((x) => x.startsWith(`${RELOADER}:`));
    expect(folderReasons(spec)).toEqual([]);
    const adopted = (c: string) => spec.clusters[c].adopted!.filter((a) => a.component !== 'reloader');
    const without = {
      ...spec,
      clusters: Object.fromEntries(
        Object.keys(spec.clusters).map((c) => [c, { ...spec.clusters[c], adopted: adopted(c) }]),
      ),
    };
    expect(folderReasons(without)).toEqual([
      `${RELOADER}: kubernetes/infrastructure/operations/reloader/ks.yaml is missing`,
    ]);
    // An adopted Kustomization's own file gone: that is what the gate asks of it.
    fs.rmSync(path.join(dir, 'clusters', 'production', 'infrastructure.yaml'));
    expect(folderReasons(spec)).toEqual([
      `${RELOADER}: clusters/production/infrastructure.yaml (adopted Kustomization flux-system/reloader) is missing`,
    ]);
  });
});

describe('gate of a story whose every component is there but not approved', () => {
  it('fails: partial, nothing missing, approve it', () => {
    const dir = copyOf('classic');
    recordAll(dir, adopt({ dir, yes: true }));
    const base = loadPlatform(dir)!.spec;
    const cat = catalogFor(base);
    // Every component of the reloader story is delivered by an adopted Kustomization; take its approval away.
    const spec = { ...base, stories: {} };
    const sprint = cat.stories.find((s) => s.id === RELOADER)!.sprint;
    const g = gateStatic(spec, cat, sprint, dir);
    expect(g.stories.find((s) => s.id === RELOADER)).toMatchObject({ ok: false, clusters: { production: 'partial' } });
    expect(g.reasons).toContain(
      `${RELOADER}: partial on production: every component it needs is there (reloader), but it is not approved there`,
    );
  });
});

describe('gate --live on an adopted repository', () => {
  it("asks for the adopted Kustomization under its authors' name and namespace, not the tool's", async () => {
    const dir = copyOf('home-ops');
    recordAll(dir, adopt({ dir, yes: true }));
    const spec = loadPlatform(dir)!.spec;
    const delivered = spec.clusters.cluster.adopted!.find((a) => a.component === 'external-secrets')!;
    expect(delivered.namespace).not.toBe('flux-system');
    const calls: string[][] = [];
    const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
    const g = await gateLive(spec, catalogFor(spec), 1, async (args) => {
      calls.push(args);
      const items = args.some((a) => a.startsWith('kustomizations'))
        ? [{ metadata: { name: delivered.name, namespace: delivered.namespace }, status: ready }]
        : [];
      return { status: 0, stdout: JSON.stringify({ items }), stderr: '' };
    });
    // Kustomizations are listed in every namespace, since the adopted one is not in flux-system.
    expect(calls.find((a) => a.some((x) => x.startsWith('kustomizations'))!)).toContain('-A');
    const about = g.checks.filter((c) => c.name.endsWith('/external-secrets'));
    expect(about).toEqual([
      { cluster: 'cluster', kind: 'Kustomization', name: `${delivered.namespace}/${delivered.name}`, ready: true },
    ]);
  });
});

describe('graph of a repository the tool generated', () => {
  it('nothing is adopted: the graphs are passed through untouched, and no line speaks of adoption', async () => {
    const dir = path.join(ROOT, 'examples', 'reference-platform');
    const r = await checkFlux({ dir });
    const graphs = withAdopted(dir, r.graphs);
    for (const c of r.clusters) expect(graphs[c]).toBe(r.graphs[c]);
    const all = [formatGraphs(graphs, r.clusters, 'mermaid'), formatGraphs(graphs, r.clusters, 'dot')];
    for (const c of r.clusters) all.push(formatGraph(c, graphs[c], 'mermaid'), formatGraph(c, graphs[c], 'dot'));
    for (const text of all) expect(text).not.toMatch(/adopted/);
  });
});

describe("the tool's own component on an adopted repository is looked for where the layout puts it", () => {
  const SPEGEL = 'STORY-NET-SPEGEL-REGISTRY-MIRROR';

  /** The home-ops fixture adopted, its layout naming Kustomizations `name` (a template), spegel approved. */
  function withSpegel(name: string): string {
    const dir = copyOf('home-ops');
    adopt({ dir, yes: true });
    const file = path.join(dir, PLATFORM_FILE);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/(\n {4}name: )"?\{id\}"?\n/, `$1"${name}"\n`));
    expect(loadPlatform(dir)!.spec.layout!.kustomization.name).toBe(name);
    addStory({ dir, id: SPEGEL, clusters: ['cluster'] });
    approveStory({ dir, id: SPEGEL, clusters: ['cluster'] });
    return dir;
  }

  it.each(['{id}', 'app-{id}'])(
    'check: spegel named %s is wired, not APPROVED_NOT_WIRED or DRAFT_WIRED',
    async (name) => {
      const dir = withSpegel(name);
      const codes = (await check({ dir })).findings.filter((f) => /WIRED/.test(f.code));
      expect(codes).toEqual([]);
      // Drafted again, its entry still in the wiring file: the check says so under the component's id.
      const pf = loadPlatform(dir)!;
      setStoryState(pf, SPEGEL, { cluster: 'draft' });
      fs.writeFileSync(path.join(dir, PLATFORM_FILE), platformToString(pf));
      const draft = (await check({ dir })).findings.filter((f) => f.code === 'DRAFT_WIRED');
      expect(draft.map((f) => f.message)).toEqual([
        `spegel of ${SPEGEL} is wired on cluster, but the story is not approved there`,
      ]);
    },
  );

  it('gate --live asks for its Kustomization in the namespace and under the name the layout gives it', async () => {
    const dir = withSpegel('app-{id}');
    const spec = loadPlatform(dir)!.spec;
    const calls: string[][] = [];
    const g = await gateLive(spec, catalogFor(spec), 4, async (args) => {
      calls.push(args);
      return { status: 0, stdout: JSON.stringify({ items: [] }), stderr: '' };
    });
    // home-ops keeps Flux Kustomizations in the app's namespace: kube-system/app-spegel, not flux-system/spegel.
    expect(g.checks.filter((c) => c.kind === 'Kustomization' && c.name.endsWith('spegel'))).toEqual([
      { cluster: 'cluster', kind: 'Kustomization', name: 'kube-system/app-spegel', ready: 'missing' },
    ]);
    expect(calls.find((a) => a.some((x) => x.startsWith('kustomizations')))).toContain('-A');
  });
});
