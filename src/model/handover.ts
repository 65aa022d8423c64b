// What a person must set by hand on an adopted repository: a setting of an approved story that a component of the
// repository's own reads (generate/handover.ts finds them), and the lines commands and story documents show for it.

/** One place of the tool's template of a component that reads a variable. */
export interface HandoverPlace {
  /** What holds it: `HelmRelease values` (the chart values file), else the object, `<kind> <name>`. */
  what: string;
  /** The key path in it, e.g. `l2announcements.enabled` (`[i]` for a list item). */
  path: string;
  /** The value the tool would write there: the scalar with the variable replaced by its value on the cluster. */
  value: string;
}

/** One variable of an approved story that a component the repository's people deliver must be given by hand. */
export interface HandoverItem {
  cluster: string;
  /** The approved stories that declare the variable (catalog order). */
  stories: string[];
  variable: string;
  /** The variable's value on the cluster (a toggle's value where its story is approved). */
  value: string;
  /** The catalog component that reads it, delivered on the cluster by an adopted Kustomization. */
  component: string;
  /** That Kustomization, as adopt recorded it. */
  kustomization: { name: string; namespace: string; file: string };
  /** Where the tool's own template of the component reads it. */
  places: HandoverPlace[];
}

/** A value as a line shows it: as it is, quoted when empty or when it has spaces at its ends. */
const shown = (v: string) => (v === '' || v.trim() !== v ? JSON.stringify(v) : v);

/** What to set, place by place: `l2announcements.enabled: true` (in another object: `spec.x of Kind name: v`). */
export function handoverSetting(item: HandoverItem): string {
  return item.places
    .map((p) => `${p.path}${p.what === 'HelmRelease values' ? '' : ` of ${p.what}`}: ${shown(p.value)}`)
    .join(', ');
}

/**
 * One line of the "to do by hand" block:
 * `cluster apps: cilium (your Kustomization cilium, <file>) — set l2announcements.enabled: true (the tool's cilium
 * reads ${CILIUM_L2_ANNOUNCEMENTS}; STORY-NET-CILIUM-IPAM)`.
 */
export function handoverLine(item: HandoverItem): string {
  const ks = `your Kustomization ${item.kustomization.name}, ${item.kustomization.file}`;
  const why = `the tool's ${item.component} reads \${${item.variable}}; ${item.stories.join(', ')}`;
  return `cluster ${item.cluster}: ${item.component} (${ks}) — set ${handoverSetting(item)} (${why})`;
}

/** The "to do by hand" block a command prints (empty when there is nothing to do). */
export function handoverBlock(items: HandoverItem[]): string[] {
  if (!items.length) return [];
  return [
    'to do by hand (your own components read these settings; the tool does not render them, so it cannot set them):',
    ...items.map((i) => `  ${handoverLine(i)}`),
  ];
}
