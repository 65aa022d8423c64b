import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { el, escapeXml, toXml } from '../src/delivery/svg';
import { ROOT } from './helpers/fs';
import { runInProcess } from './helpers/in-process';
import { expectedStatus, HOSTILE, pictureRepo } from './helpers/plan-picture';

const PLAN_YAML = parse(fs.readFileSync(path.join(ROOT, 'catalog', 'plan.yaml'), 'utf8')) as {
  sprints: { sprint: number; title: string; gate: string[] }[];
};

describe('the SVG writer escapes', () => {
  it('text and attribute values: & < > " \' and control characters', () => {
    expect(escapeXml(`a&b<c>d"e'f\u0001g`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;fg');
    expect(toXml(el('text', { 'data-x': `"><script>` }, HOSTILE))).toBe(
      `<text data-x="&quot;&gt;&lt;script&gt;">${escapeXml(HOSTILE)}</text>`,
    );
  });
});

describe('plan --format svg: a Gantt of the sprints (issue 16 item 5)', () => {
  let dir: string;
  let svg: string;
  let json: {
    sprints: {
      sprint: number;
      title: string;
      start: string;
      end: string;
      stories: { id: string; dependsOn: string[] }[];
      gate: string[];
    }[];
    freezes: { from: string; to: string; name: string }[];
  };
  beforeAll(async () => {
    dir = await pictureRepo();
    const r = await runInProcess('platform-kit', ['plan', '--format', 'svg', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    svg = r.stdout;
    json = JSON.parse((await runInProcess('platform-kit', ['plan', '--format', 'json', '--dir', dir])).stdout);
  });

  it('one bar per scheduled story, coloured by its state in platform.yaml', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const bars = [...svg.matchAll(/<rect class="story" data-status="([^"]+)"[^>]*>\s*<title>([A-Z0-9-]+):/g)].map(
      (m) => ({ status: m[1], id: m[2] }),
    );
    const ids = json.sprints.flatMap((s) => s.stories.map((x) => x.id));
    expect(bars.map((b) => b.id)).toEqual(ids);
    expect(ids).toContain('STORY-APP-ODD');
    const want = expectedStatus(dir);
    for (const b of bars) expect(b.status, b.id).toBe(want[b.id] ?? 'not added');
    expect(bars.filter((b) => b.status === 'approved').length).toBeGreaterThan(0);
    expect(bars.filter((b) => b.status === 'draft').length).toBeGreaterThan(0);
  });

  it('a sprint row per sprint with its title, the freeze shaded, a gate per sprint with criteria, a legend', () => {
    expect(svg.match(/<rect class="sprint"/g)).toHaveLength(json.sprints.length);
    for (const s of json.sprints) expect(svg).toContain(escapeXml(`Sprint ${s.sprint} — ${s.title}`).slice(0, 40));
    expect(svg.match(/<rect class="freeze"/g)).toHaveLength(json.freezes.length);
    for (const f of json.freezes) expect(svg).toContain(`Change freeze ${f.from} – ${f.to}`);
    const gated = PLAN_YAML.sprints.filter((s) => s.gate.length);
    expect(svg.match(/<path class="gate"/g)).toHaveLength(gated.length);
    for (const s of gated) expect(svg).toContain(escapeXml(s.gate.join('; ')));
    for (const label of ['not added', 'draft', 'approved', 'change freeze', 'go/no-go gate'])
      expect(svg).toContain(`>${label}</text>`);
  });

  it('the hostile custom title is escaped, never markup', () => {
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain(HOSTILE);
    expect(svg).toContain(escapeXml(HOSTILE));
  });

  it('html: one page, no script, no external reference; both pictures inline; the stories table', async () => {
    const r = await runInProcess('platform-kit', ['plan', '--format', 'html', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    const html = r.stdout;
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain(escapeXml(HOSTILE));
    expect(html).not.toContain(HOSTILE);
    const rows = [...html.matchAll(/<tr id="([A-Z0-9-]+)">/g)].map((m) => m[1]);
    expect(rows).toEqual(json.sprints.flatMap((s) => s.stories.map((x) => x.id)));
    // The dependency graph: a node per story, an edge per dependency between scheduled stories.
    expect(html.match(/<g class="node"/g)).toHaveLength(rows.length);
    const scheduled = new Set(rows);
    const deps = json.sprints.flatMap((s) =>
      s.stories.flatMap((x) => x.dependsOn.filter((d) => scheduled.has(d)).map((d) => `${d}>${x.id}`)),
    );
    expect(
      [...html.matchAll(/<path class="edge" data-from="([^"]+)" data-to="([^"]+)"/g)]
        .map((m) => `${m[1]}>${m[2]}`)
        .sort(),
    ).toEqual(deps.sort());
  });
});
