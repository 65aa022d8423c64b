import type { StoryDef } from '../model/stories';
import { addDays, type DeliveryPlan, day, type Freeze, iso, planRange } from './model';
import type { GateStatus, StatusInfo } from './render';

// ---------------------------------------------------------------------------------------------------- a tiny SVG/XML writer

/** An element: name, attributes (undefined ones are left out) and children (elements or text). */
export interface XmlNode {
  name: string;
  attrs: Record<string, string | number | undefined>;
  children: (XmlNode | string)[];
}

/** Characters XML 1.0 does not allow at all (control characters other than tab, newline, carriage return). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text or an attribute value, safe inside an element or a double- or single-quoted attribute. */
export function escapeXml(s: string): string {
  return s
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function el(
  name: string,
  attrs: XmlNode['attrs'] = {},
  ...children: (XmlNode | string | undefined | false)[]
): XmlNode {
  return { name, attrs, children: children.filter((c): c is XmlNode | string => c !== undefined && c !== false) };
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The element as XML text: text children escaped, numbers rounded to 0.1, one element per line. */
export function toXml(node: XmlNode, indent = ''): string {
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v!)}"`)
    .join('');
  if (!node.children.length) return `${indent}<${node.name}${attrs}/>`;
  if (node.children.every((c) => typeof c === 'string'))
    return `${indent}<${node.name}${attrs}>${node.children.map((c) => escapeXml(c as string)).join('')}</${node.name}>`;
  const inner = node.children.map((c) =>
    typeof c === 'string' ? indent + '  ' + escapeXml(c) : toXml(c, indent + '  '),
  );
  return [`${indent}<${node.name}${attrs}>`, ...inner, `${indent}</${node.name}>`].join('\n');
}

// ---------------------------------------------------------------------------------------------------- status of a story

/** A story's state across the clusters it is added to, as the picture colours it. */
export type PictureStatus = 'not added' | 'draft' | 'approved' | 'partial';
/** The legend's swatches; `partial` only appears in pictures of an adopted repository that has such a story. */
export const PICTURE_STATUSES: readonly PictureStatus[] = ['not added', 'draft', 'approved'];

/**
 * Approved when approved on every cluster it is on; partial when not, and partial somewhere (adopted
 * Kustomizations deliver part of it: something of it runs); draft when added somewhere and not approved everywhere.
 */
export function pictureStatus(status: StatusInfo | undefined, id: string): PictureStatus {
  const states = Object.values(status?.stories[id] ?? {});
  if (!states.length) return 'not added';
  if (states.every((s) => s === 'approved' || s === 'approved+wired')) return 'approved';
  return states.includes('partial') ? 'partial' : 'draft';
}

const FILL: Record<PictureStatus, string> = {
  'not added': '#cbd5e1',
  draft: '#f59e0b',
  approved: '#16a34a',
  partial: '#0ea5e9',
};
const STROKE: Record<PictureStatus, string> = {
  'not added': '#94a3b8',
  draft: '#b45309',
  approved: '#166534',
  partial: '#0369a1',
};
const FREEZE_FILL = '#fecaca';
const GATE_FILL = '#7c3aed';
const SANS = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

// ---------------------------------------------------------------------------------------------------- Gantt: data

export interface GanttStoryRow {
  kind: 'story';
  id: string;
  seq: number;
  title: string;
  lane: string;
  track: string;
  sprint: number;
  status: PictureStatus;
  /** Per cluster, when a platform.yaml was read. */
  clusters: Record<string, string>;
  start: string;
  end: string;
}
export interface GanttSprintRow {
  kind: 'sprint';
  sprint: number;
  title: string;
  start: string;
  end: string;
  pushedBy?: string;
}
export type GanttRow = GanttStoryRow | GanttSprintRow;

export interface GanttGate {
  sprint: number;
  /** The sprint's last working day: the gate is decided then. */
  date: string;
  criteria: string[];
  readiness?: GateStatus;
}

export interface GanttData {
  title: string;
  /** First and last day on the time axis (Mondays .. Sundays around the plan and its freezes). */
  from: string;
  to: string;
  rows: GanttRow[];
  freezes: Freeze[];
  gates: GanttGate[];
  /** Whether story states come from a platform.yaml (else every story is "not added"). */
  withStatus: boolean;
  today?: string;
}

const bySeq = (a: StoryDef, b: StoryDef) => a.seq - b.seq;

/** The Gantt as data: one row per sprint, then one per story of the sprint in plan order; the freezes; the gates. */
export function ganttData(plan: DeliveryPlan, status?: StatusInfo, today?: string): GanttData {
  const { first, last } = planRange(plan);
  const sprints = [...plan.sprints].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.sprint - b.sprint,
  );
  const rows: GanttRow[] = [];
  for (const s of sprints) {
    rows.push({
      kind: 'sprint',
      sprint: s.sprint,
      title: s.title,
      start: s.start,
      end: s.end,
      ...(s.pushedBy ? { pushedBy: s.pushedBy } : {}),
    });
    for (const x of [...s.stories].sort(bySeq)) {
      rows.push({
        kind: 'story',
        id: x.id,
        seq: x.seq,
        title: x.title,
        lane: x.lane,
        track: x.track,
        sprint: s.sprint,
        status: pictureStatus(status, x.id),
        clusters: { ...(status?.stories[x.id] ?? {}) },
        start: s.start,
        end: s.end,
      });
    }
  }
  const freezes = [...plan.freezes].sort((a, b) => (a.from < b.from ? -1 : 1));
  let from = [first, ...freezes.map((f) => f.from)].sort()[0];
  let to = [last, ...freezes.map((f) => f.to)].sort().at(-1)!;
  while (day(from).getUTCDay() !== 1) from = iso(addDays(day(from), -1));
  while (day(to).getUTCDay() !== 0) to = iso(addDays(day(to), 1));
  const gates = sprints
    .filter((s) => s.gate.length)
    .map((s) => ({
      sprint: s.sprint,
      date: s.end,
      criteria: [...s.gate],
      ...(status?.gates?.[s.sprint] ? { readiness: status.gates[s.sprint] } : {}),
    }));
  return {
    title: 'Platform delivery plan',
    from,
    to,
    rows,
    freezes,
    gates,
    withStatus: Boolean(status),
    ...(today ? { today } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------- Gantt: drawing

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const short = (s: string) => `${MONTHS[day(s).getUTCMonth()]} ${day(s).getUTCDate()}`;
const daysBetween = (a: string, b: string) => Math.round((day(b).getTime() - day(a).getTime()) / 86_400_000);

/** Text cut to `max` characters with an ellipsis. */
const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max - 1) + '…' : s);

/** The legend: a swatch per status (and `partial` when a story is), the freeze, the gate. */
function legend(x: number, y: number, withStatus: boolean, plan = true, partial = false): XmlNode {
  const items: XmlNode[] = [];
  let cx = x;
  const add = (swatch: XmlNode, label: string) => {
    items.push(swatch, el('text', { x: cx + 20, y: y + 11, 'font-size': 12, fill: '#334155' }, label));
    cx += 20 + label.length * 6.6 + 22;
  };
  for (const s of partial ? [...PICTURE_STATUSES, 'partial' as const] : PICTURE_STATUSES) {
    add(
      el('rect', { x: cx, y: y + 1, width: 14, height: 12, rx: 2, fill: FILL[s], stroke: STROKE[s] }),
      withStatus ? s : s === 'not added' ? 'not added (no platform.yaml read)' : s,
    );
  }
  if (!plan) return el('g', { class: 'legend' }, ...items);
  add(
    el('rect', { x: cx, y: y, width: 14, height: 14, fill: FREEZE_FILL, stroke: '#ef4444', 'stroke-dasharray': '3 2' }),
    'change freeze',
  );
  add(el('path', { d: `M${cx + 7} ${y} l7 7 l-7 7 l-7 -7 z`, fill: GATE_FILL }), 'go/no-go gate');
  return el('g', { class: 'legend' }, ...items);
}

export interface GanttLayout {
  /** Pixels per day. */
  dayWidth: number;
  rowHeight: number;
  labelWidth: number;
}

/** The Gantt chart as a standalone SVG document (no script, no external reference). */
export function renderGanttSvg(data: GanttData, layout: Partial<GanttLayout> = {}): string {
  const { dayWidth = 8.5, rowHeight = 20, labelWidth = 400 } = layout;
  const top = 92;
  const days = daysBetween(data.from, data.to) + 1;
  const chartW = days * dayWidth;
  const width = Math.ceil(labelWidth + chartW + 110); // room for the last sprint's dates
  const height = top + data.rows.length * rowHeight + 36;
  const xOf = (d: string) => labelWidth + daysBetween(data.from, d) * dayWidth;
  const bottom = top + data.rows.length * rowHeight;
  const parts: XmlNode[] = [];

  parts.push(el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  const first = data.rows.map((r) => r.start).sort()[0] ?? data.from;
  const last =
    data.rows
      .map((r) => r.end)
      .sort()
      .at(-1) ?? data.to;
  parts.push(
    el(
      'text',
      { x: 16, y: 28, 'font-size': 20, 'font-weight': 700, fill: '#0f172a' },
      `${data.title}: ${short(first)}, ${first.slice(0, 4)} – ${short(last)}, ${last.slice(0, 4)}`,
    ),
  );
  const partial = data.rows.some((r) => r.kind === 'story' && r.status === 'partial');
  parts.push(legend(16, 44, data.withStatus, true, partial));

  // Zebra rows for the sprints and weekend shading.
  const grid: XmlNode[] = [];
  data.rows.forEach((r, i) => {
    if (r.kind === 'sprint')
      grid.push(el('rect', { x: 0, y: top + i * rowHeight, width, height: rowHeight, fill: '#eef2ff' }));
  });
  for (let d = 0; d < days; d++) {
    const date = iso(addDays(day(data.from), d));
    const wd = day(date).getUTCDay();
    if (wd === 6)
      grid.push(
        el('rect', {
          x: labelWidth + d * dayWidth,
          y: top,
          width: 2 * dayWidth,
          height: bottom - top,
          fill: '#f8fafc',
        }),
      );
    if (wd === 1) {
      const x = labelWidth + d * dayWidth;
      grid.push(el('line', { x1: x, y1: top - 6, x2: x, y2: bottom, stroke: '#e2e8f0' }));
      grid.push(el('text', { x: x + 2, y: top - 10, 'font-size': 10, fill: '#64748b' }, short(date)));
    }
    // Month names on the 1st, and on the first day when the next 1st is not close.
    if (date.endsWith('-01') || (d === 0 && day(date).getUTCDate() < 22)) {
      const x = labelWidth + d * dayWidth;
      grid.push(
        el(
          'text',
          { x: x + 2, y: top - 24, 'font-size': 11, 'font-weight': 600, fill: '#334155' },
          `${MONTHS[day(date).getUTCMonth()]} ${date.slice(0, 4)}`,
        ),
      );
      if (d > 0)
        grid.push(el('line', { x1: x, y1: top - 34, x2: x, y2: bottom, stroke: '#94a3b8', 'stroke-width': 1 }));
    }
  }
  parts.push(el('g', { class: 'grid' }, ...grid));

  // Freezes: shaded columns over every row, named at the top.
  parts.push(
    el(
      'g',
      { class: 'freezes' },
      ...data.freezes.flatMap((f) => {
        const x = xOf(f.from);
        const w = (daysBetween(f.from, f.to) + 1) * dayWidth;
        return [
          el(
            'rect',
            {
              class: 'freeze',
              x,
              y: top,
              width: w,
              height: bottom - top,
              fill: FREEZE_FILL,
              'fill-opacity': 0.7,
              stroke: '#ef4444',
              'stroke-dasharray': '4 3',
            },
            el('title', {}, `Change freeze ${f.from} – ${f.to}: ${f.name}`),
          ),
          el(
            'text',
            {
              x: x + w / 2 - 4,
              y: top + 8,
              'font-size': 11,
              'font-weight': 600,
              fill: '#b91c1c',
              transform: `rotate(90 ${x + w / 2 - 4} ${top + 8})`,
            },
            clip(`freeze: ${f.name}`, 60),
          ),
        ];
      }),
    ),
  );

  // Rows: sprint headers and story bars.
  const rows: XmlNode[] = [];
  data.rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    const mid = y + rowHeight / 2 + 4;
    if (r.kind === 'sprint') {
      rows.push(
        el(
          'text',
          { x: 8, y: mid, 'font-size': 12, 'font-weight': 700, fill: '#1e1b4b' },
          clip(`Sprint ${r.sprint} — ${r.title}`, 52),
        ),
      );
      const x = xOf(r.start);
      const w = (daysBetween(r.start, r.end) + 1) * dayWidth;
      rows.push(
        el(
          'rect',
          { class: 'sprint', x, y: y + 5, width: w, height: rowHeight - 10, rx: 3, fill: '#6366f1' },
          el(
            'title',
            {},
            `Sprint ${r.sprint}: ${r.start} – ${r.end}${r.pushedBy ? ` (moved past: ${r.pushedBy})` : ''}`,
          ),
        ),
      );
      rows.push(
        el(
          'text',
          { x: x + w + 6, y: mid, 'font-size': 10, fill: '#4338ca' },
          `${short(r.start)} – ${short(r.end)}${r.pushedBy ? ' (after the freeze)' : ''}`,
        ),
      );
      return;
    }
    rows.push(
      el(
        'text',
        { x: 22, y: mid, 'font-size': 11, fill: '#0f172a' },
        el('tspan', { 'font-weight': 600 }, `${r.seq}. `),
        clip(r.id, 40),
      ),
    );
    rows.push(el('text', { x: labelWidth - 8, y: mid, 'font-size': 9, fill: '#64748b', 'text-anchor': 'end' }, r.lane));
    const x = xOf(r.start);
    const w = (daysBetween(r.start, r.end) + 1) * dayWidth;
    const states = Object.entries(r.clusters)
      .map(([c, s]) => `${c}: ${s}`)
      .join(', ');
    rows.push(
      el(
        'rect',
        {
          class: 'story',
          'data-status': r.status,
          x,
          y: y + 3,
          width: w,
          height: rowHeight - 6,
          rx: 3,
          fill: FILL[r.status],
          stroke: STROKE[r.status],
        },
        el('title', {}, `${r.id}: ${r.title} (${r.status}${states ? `; ${states}` : ''})`),
      ),
    );
  });
  parts.push(el('g', { class: 'rows' }, ...rows));

  // Gates: a diamond on the sprint's row at its last day, a dashed line down through its stories.
  const gates: XmlNode[] = [];
  for (const g of data.gates) {
    const i = data.rows.findIndex((r) => r.kind === 'sprint' && r.sprint === g.sprint);
    if (i < 0) continue;
    const x = xOf(g.date) + dayWidth;
    const y = top + i * rowHeight + rowHeight / 2;
    let n = i + 1;
    while (n < data.rows.length && data.rows[n].kind === 'story') n++;
    const fill = g.readiness ? (g.readiness.ready ? '#16a34a' : '#dc2626') : GATE_FILL;
    gates.push(
      el('line', { x1: x, y1: y, x2: x, y2: top + n * rowHeight, stroke: GATE_FILL, 'stroke-dasharray': '2 2' }),
    );
    gates.push(
      el(
        'path',
        { class: 'gate', d: `M${num(x)} ${num(y - 7)} l7 7 l-7 7 l-7 -7 z`, fill, stroke: '#ffffff' },
        el(
          'title',
          {},
          `Go/No-Go gate, sprint ${g.sprint} (${g.date})${g.readiness ? (g.readiness.ready ? ': ready' : ': not ready') : ''}: ${g.criteria.join('; ')}`,
        ),
      ),
    );
  }
  parts.push(el('g', { class: 'gates' }, ...gates));

  if (data.today && data.today >= data.from && data.today <= data.to) {
    const x = xOf(data.today) + dayWidth / 2;
    parts.push(el('line', { x1: x, y1: top - 34, x2: x, y2: bottom, stroke: '#0ea5e9', 'stroke-width': 2 }));
    parts.push(el('text', { x: x + 3, y: bottom + 14, 'font-size': 10, fill: '#0369a1' }, `today ${data.today}`));
  }
  parts.push(
    el(
      'text',
      { x: 16, y: height - 10, 'font-size': 10, fill: '#64748b' },
      `Bars span each story's sprint (Monday – Friday). Gates are decided on the sprint's last day. Generated by create-platform-cluster.`,
    ),
  );

  const svg = el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      'font-family': SANS,
      role: 'img',
      'aria-label': data.title,
    },
    el('title', {}, data.title),
    ...parts,
  );
  return toXml(svg) + '\n';
}

// ---------------------------------------------------------------------------------------------------- dependency graph

export interface GraphNode {
  id: string;
  seq: number;
  sprint: number;
  status: PictureStatus;
  layer: number;
  /** Position in its layer, top to bottom. */
  order: number;
}
export interface GraphLayout {
  nodes: GraphNode[];
  /** from depends on to (to is drawn left of from). */
  edges: { from: string; to: string }[];
  layers: number;
}

/**
 * A layered layout of the scheduled stories: a story's layer is one more than the deepest of its dependencies
 * (stories without dependencies in layer 0); within a layer, stories are ordered by the mean position of their
 * dependencies (two sweeps), ties by sprint and plan order, which keeps most edges short and uncrossed.
 */
export function layoutStoryGraph(plan: DeliveryPlan, status?: StatusInfo): GraphLayout {
  const stories = plan.sprints.flatMap((s) => [...s.stories].sort(bySeq).map((x) => ({ x, sprint: s.sprint })));
  const byId = new Map(stories.map((s) => [s.x.id, s]));
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle (the catalog has none): cut it here
    visiting.add(id);
    const deps = byId.get(id)!.x.dependsOn.filter((d) => byId.has(d));
    const l = deps.length ? Math.max(...deps.map(depth)) + 1 : 0;
    visiting.delete(id);
    layer.set(id, l);
    return l;
  };
  for (const s of stories) depth(s.x.id);
  const edges = stories.flatMap((s) => s.x.dependsOn.filter((d) => byId.has(d)).map((d) => ({ from: s.x.id, to: d })));
  const layers = Math.max(0, ...layer.values()) + 1;
  const columns: string[][] = Array.from({ length: layers }, () => []);
  for (const s of stories) columns[layer.get(s.x.id)!].push(s.x.id);
  const pos = new Map<string, number>();
  const place = () => {
    for (const col of columns) for (const [i, id] of col.entries()) pos.set(id, i);
  };
  place();
  const tie = (a: string, b: string) =>
    byId.get(a)!.sprint - byId.get(b)!.sprint || byId.get(a)!.x.seq - byId.get(b)!.x.seq;
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let l = 1; l < layers; l++) {
      const key = (id: string) => {
        const deps = byId.get(id)!.x.dependsOn.filter((d) => byId.has(d));
        return deps.length
          ? deps.reduce((a, d) => a + pos.get(d)! / Math.max(1, columns[layer.get(d)!].length), 0) / deps.length
          : 1;
      };
      columns[l].sort((a, b) => key(a) - key(b) || tie(a, b));
      place();
    }
  }
  const nodes = stories.map((s) => ({
    id: s.x.id,
    seq: s.x.seq,
    sprint: s.sprint,
    status: pictureStatus(status, s.x.id),
    layer: layer.get(s.x.id)!,
    order: pos.get(s.x.id)!,
  }));
  return { nodes, edges, layers };
}

/** The story dependency graph as an SVG document: layers top to bottom (dependencies first), nodes coloured by status. */
export function renderGraphSvg(g: GraphLayout, title = 'Story dependencies'): string {
  const nodeW = 236;
  const nodeH = 26;
  const gapX = 14;
  const gapY = 46;
  const top = 64;
  const perLayer = Array.from({ length: g.layers }, (_, l) => g.nodes.filter((n) => n.layer === l).length);
  const widest = Math.max(1, ...perLayer);
  const width = Math.max(900, 16 + widest * (nodeW + gapX) - gapX + 16);
  const height = top + g.layers * (nodeH + gapY) - gapY + 24;
  const at = new Map(
    g.nodes.map((n) => {
      // Each layer is centred horizontally.
      const rowW = perLayer[n.layer] * (nodeW + gapX) - gapX;
      return [n.id, { x: (width - rowW) / 2 + n.order * (nodeW + gapX), y: top + n.layer * (nodeH + gapY) }];
    }),
  );
  const parts: XmlNode[] = [el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' })];
  parts.push(el('text', { x: 16, y: 26, 'font-size': 18, 'font-weight': 700, fill: '#0f172a' }, title));
  parts.push(
    el(
      'text',
      { x: 16, y: 46, 'font-size': 12, fill: '#475569' },
      "An arrow A → B: B depends on A (A comes first). Rows: dependency depth. S<n>: the story's sprint.",
    ),
  );
  parts.push(
    legend(
      width - 560,
      34,
      g.nodes.some((n) => n.status !== 'not added'),
      false,
      g.nodes.some((n) => n.status === 'partial'),
    ),
  );
  parts.push(
    el(
      'defs',
      {},
      el(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        el('path', { d: 'M0 0 L10 5 L0 10 z', fill: '#64748b' }),
      ),
    ),
  );
  const edges: XmlNode[] = [];
  for (const e of g.edges) {
    const a = at.get(e.to)!; // the dependency, above
    const b = at.get(e.from)!;
    const x1 = a.x + nodeW / 2;
    const y1 = a.y + nodeH;
    const x2 = b.x + nodeW / 2;
    const y2 = b.y;
    const c = Math.max(20, (y2 - y1) / 2);
    edges.push(
      el('path', {
        class: 'edge',
        'data-from': e.to,
        'data-to': e.from,
        d: `M${num(x1)} ${num(y1)} C${num(x1)} ${num(y1 + c)} ${num(x2)} ${num(y2 - c)} ${num(x2)} ${num(y2)}`,
        fill: 'none',
        stroke: '#94a3b8',
        'stroke-opacity': 0.8,
        'stroke-width': 1.1,
        'marker-end': 'url(#arrow)',
      }),
    );
  }
  parts.push(el('g', { class: 'edges' }, ...edges));
  const nodes: XmlNode[] = [];
  for (const n of g.nodes) {
    const p = at.get(n.id)!;
    const dark = n.status !== 'not added';
    nodes.push(
      el(
        'g',
        { class: 'node', 'data-id': n.id, 'data-status': n.status },
        el('title', {}, `${n.seq}. ${n.id} (sprint ${n.sprint}, ${n.status})`),
        el('rect', {
          x: p.x,
          y: p.y,
          width: nodeW,
          height: nodeH,
          rx: 4,
          fill: FILL[n.status],
          stroke: STROKE[n.status],
        }),
        el(
          'text',
          { x: p.x + 6, y: p.y + nodeH / 2 + 4, 'font-size': 10.5, fill: dark ? '#ffffff' : '#0f172a' },
          clip(`${n.seq}. ${n.id}`, 34),
        ),
        el(
          'text',
          {
            x: p.x + nodeW - 5,
            y: p.y + nodeH / 2 + 4,
            'font-size': 9,
            fill: dark ? '#f1f5f9' : '#475569',
            'text-anchor': 'end',
          },
          `S${n.sprint}`,
        ),
      ),
    );
  }
  parts.push(el('g', { class: 'nodes' }, ...nodes));
  return (
    toXml(
      el(
        'svg',
        {
          xmlns: 'http://www.w3.org/2000/svg',
          width,
          height,
          viewBox: `0 0 ${width} ${height}`,
          'font-family': SANS,
          role: 'img',
          'aria-label': title,
        },
        el('title', {}, title),
        ...parts,
      ),
    ) + '\n'
  );
}
