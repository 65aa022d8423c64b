// `platform-kit stories` for a person: the catalog table, what partial stories lack, and (with --adopted) the
// Kustomizations a repository's people wrote for no story. Only formatting: the statuses come from commands/stories.
import type { StoryListing } from '../commands/stories';
import type { AdoptedComponent } from '../model/schema';

/** Columns padded to their widest cell; the last one is not padded (no trailing blanks). */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)];
}

/**
 * The stories table (SEQ, SPRINT, STORY, KIND, LANE, STATUS per cluster); below it, only when some story is partial
 * (adopted Kustomizations deliver part of it), each partial story with what it has and what it lacks per cluster, and
 * a pointer to --adopted when the repository has hand-written Kustomizations. A generated repository has neither.
 */
export function formatStories(list: StoryListing[], handWritten: Record<string, AdoptedComponent[]> = {}): string {
  const rows = list.map((s) => [
    String(s.seq),
    s.custom ? '-' : String(s.sprint),
    s.id,
    s.kind,
    s.lane,
    Object.entries(s.status)
      .map(([c, st]) => `${c}:${st}`)
      .join(' ') || '-',
  ]);
  const out = table(['SEQ', 'SPRINT', 'STORY', 'KIND', 'LANE', 'STATUS'], rows);
  const partial = list.filter((s) => s.partial);
  if (partial.length) {
    out.push('', 'partial: adopted Kustomizations deliver part of the story; it is not approved');
    for (const s of partial)
      for (const [c, p] of Object.entries(s.partial!))
        out.push(
          `  ${s.id} on ${c}: has ${p.present.join(', ')}; missing ${p.missing.join(', ') || 'none'}; ${next(p)}`,
        );
  }
  const hand = Object.entries(handWritten);
  if (hand.length) {
    const where = hand.map(([c, a]) => `${a.length} on ${c}`).join(', ');
    out.push(
      '',
      `hand-written Kustomizations adopted for no story: ${where} (platform-kit stories --adopted lists them)`,
    );
  }
  return out.join('\n');
}

/**
 * What a partial story needs next on a cluster: the dependencies approve would name first (a component of the story
 * may be the repository's own, yet approving it waits on a story it depends on), else approving it.
 */
function next(p: { missing: string[]; waitsOn: string[] }): string {
  if (p.waitsOn.length) return `approving it waits on: ${p.waitsOn.join('; ')}`;
  return p.missing.length ? 'approve it to add what is missing' : 'approve it (nothing is missing)';
}

/** `stories --adopted`: per cluster, the hand-written Kustomizations (no catalog component) adopt recorded. */
export function formatHandWritten(handWritten: Record<string, AdoptedComponent[]>): string {
  const rows = Object.entries(handWritten).flatMap(([c, list]) =>
    list.map((a) => [c, `${a.namespace}/${a.name}`, a.file, `./${a.path}`, a.dependsOn.join(',') || '-']),
  );
  if (!rows.length) return 'no hand-written Kustomization is adopted (platform.yaml records none)';
  return table(['CLUSTER', 'KUSTOMIZATION', 'FILE', 'PATH', 'DEPENDS ON'], rows).join('\n');
}
