import type { DeliveryPlan } from './model';
import { planRange } from './model';
import type { StatusInfo } from './render';
import { anyPartial, formatRange } from './render';
import {
  el,
  escapeXml,
  ganttData,
  layoutStoryGraph,
  pictureStatus,
  renderGanttSvg,
  renderGraphSvg,
  toXml,
  type XmlNode,
} from './svg';

export interface HtmlPlanOptions {
  status?: StatusInfo;
  /** YYYY-MM-DD: drawn as a line on the Gantt when inside the plan. */
  today?: string;
  /** A line under the title (e.g. which repository the states come from). */
  subtitle?: string;
  /** A warning shown at the top (e.g. the plan lies in the past). */
  warning?: string;
}

const CSS = `
:root { color-scheme: light; }
body { margin: 0; padding: 24px 32px; font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #0f172a; background: #f8fafc; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
p.sub { margin: 0 0 12px; color: #475569; }
p.warning { background: #fef3c7; border: 1px solid #f59e0b; padding: 8px 12px; border-radius: 6px; }
.figure { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 8px; overflow-x: auto; }
.figure svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: 13px; }
th, td { border: 1px solid #e2e8f0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2ff; }
td.deps { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; }
span.status { display: inline-block; white-space: nowrap; padding: 0 6px; border-radius: 4px; font-size: 12px; }
span.status.approved { background: #dcfce7; color: #166534; }
span.status.draft { background: #fef3c7; color: #92400e; }
span.status.not-added { background: #e2e8f0; color: #334155; }
tr.sprint td { background: #eef2ff; font-weight: 600; }
ul.freezes li, ul.gates li { margin: 2px 0; }
footer { margin-top: 24px; color: #64748b; font-size: 12px; }
`;

/** The partial state's colours, added only to the page of an adopted repository that has a partial story. */
const PARTIAL_CSS = 'span.status.partial { background: #e0f2fe; color: #075985; }\n';

/**
 * The plan as one self-contained HTML page: inline CSS, the Gantt and the dependency graph as inline SVG, the
 * freezes, the gates and the table of stories. No script, no external reference: it works offline as a file.
 */
export function renderPlanHtml(plan: DeliveryPlan, opts: HtmlPlanOptions = {}): string {
  const { status } = opts;
  const { first, last } = planRange(plan);
  const gantt = renderGanttSvg(ganttData(plan, status, opts.today));
  const graph = renderGraphSvg(layoutStoryGraph(plan, status));
  const title = `Platform delivery plan: ${formatRange(first, last)}`;

  const rows: XmlNode[] = [
    el(
      'tr',
      {},
      ...['Sprint', '#', 'Story', 'Title', 'Lane', 'Track', 'Depends on', 'Status'].map((h) => el('th', {}, h)),
    ),
  ];
  for (const s of plan.sprints) {
    rows.push(
      el(
        'tr',
        { class: 'sprint' },
        el(
          'td',
          { colspan: 8 },
          `Sprint ${s.sprint} — ${s.title} (${formatRange(s.start, s.end)})${s.pushedBy ? ` — moved past: ${s.pushedBy}` : ''}`,
        ),
      ),
    );
    for (const x of [...s.stories].sort((a, b) => a.seq - b.seq)) {
      const st = pictureStatus(status, x.id);
      const missing = (c: string) => status?.partial?.[x.id]?.[c]?.missing ?? [];
      const per = Object.entries(status?.stories[x.id] ?? {})
        .map(
          ([c, v]) => `${c}: ${v}${v === 'partial' && missing(c).length ? ` (missing ${missing(c).join(', ')})` : ''}`,
        )
        .join(', ');
      rows.push(
        el(
          'tr',
          { id: x.id },
          el('td', {}, String(s.sprint)),
          el('td', {}, String(x.seq)),
          el('td', { class: 'id' }, x.id),
          el('td', {}, x.title),
          el('td', {}, x.lane),
          el('td', {}, x.track),
          el('td', { class: 'deps' }, x.dependsOn.join(', ') || '—'),
          el('td', {}, el('span', { class: `status ${st.replace(' ', '-')}` }, st), per ? ` ${per}` : ''),
        ),
      );
    }
  }
  const freezes = plan.freezes.map((f) => el('li', {}, `Change freeze ${formatRange(f.from, f.to)}: ${f.name}`));
  const gates = plan.sprints
    .filter((s) => s.gate.length)
    .map((s) => {
      const g = status?.gates?.[s.sprint];
      return el(
        'li',
        {},
        `Sprint ${s.sprint} go/no-go gate (${s.end}): ${s.gate.join('; ')}${g ? (g.ready ? ' — ready' : ' — not ready') : ''}`,
      );
    });

  // The SVGs are already XML text: they are placed as they are, everything else goes through the writer.
  const body = [
    toXml(el('h1', {}, title)),
    opts.subtitle ? toXml(el('p', { class: 'sub' }, opts.subtitle)) : '',
    opts.warning ? toXml(el('p', { class: 'warning' }, opts.warning)) : '',
    toXml(el('h2', {}, 'Sprints (Gantt)')),
    `<div class="figure" id="gantt">\n${gantt}</div>`,
    toXml(el('h2', {}, 'Change freezes')),
    toXml(freezes.length ? el('ul', { class: 'freezes' }, ...freezes) : el('p', {}, 'none')),
    toXml(el('h2', {}, 'Go/no-go gates')),
    toXml(el('ul', { class: 'gates' }, ...gates)),
    toXml(el('h2', {}, 'Story dependencies')),
    `<div class="figure" id="graph">\n${graph}</div>`,
    toXml(el('h2', {}, 'Stories')),
    toXml(el('table', { id: 'stories' }, ...rows)),
    toXml(
      el(
        'footer',
        {},
        'Generated by create-platform-cluster (platform-kit plan --format html). Self-contained: no script, no external file.',
      ),
    ),
  ].filter(Boolean);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<style>${anyPartial(status) ? CSS + PARTIAL_CSS : CSS}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
