import { withChartPins } from './charts';
import { type Component, foundationComponents } from './components';
import { deliveredBy } from './delivered';
import type { Problem } from './problem';
import type { Role } from './roles';
import type { PlatformSpec } from './schema';
import { type Catalog, catalogWith, checkCatalog, loadCatalog, nearestStoryIds, type StoryDef } from './stories';

/** The catalog this platform.yaml sees: built-in stories plus its own custom ones, charts at its pinned versions. */
export function catalogFor(spec: PlatformSpec): Catalog {
  const custom: Record<string, NonNullable<PlatformSpec['stories'][string]['custom']>> = {};
  for (const [id, s] of Object.entries(spec.stories)) if (s.custom) custom[id] = s.custom;
  return withChartPins(catalogWith(custom), spec.charts);
}

/** A foundation component as catalog `cat` has it (its chart at the platform's pinned version). */
const foundationIn = (cat: Catalog, f: Component): Component => cat.components.get(f.id)?.component ?? f;

/** Clusters of the platform a story targets by default: those whose role the story names. */
export function defaultTargets(spec: PlatformSpec, story: StoryDef): string[] {
  return Object.entries(spec.clusters)
    .filter(([, c]) => story.clusters.includes(c.role))
    .map(([n]) => n);
}

/**
 * What a story puts on a cluster of a given role: its own components (narrowed by their `clusters`) plus the
 * story components it `uses` (wiring a shared folder on a cluster its defining story does not target).
 */
export function storyComponentsFor(cat: Catalog, story: StoryDef, role: Role): Component[] {
  const own = story.components.filter((c) => !c.clusters || c.clusters.includes(role));
  const used = story.uses
    .map((u) => cat.components.get(u))
    .filter((e) => e?.story)
    .map((e) => e!.component);
  return [...own, ...used];
}

/** Stories recorded in platform.yaml (draft or approved anywhere), in plan order. */
export function recordedStories(spec: PlatformSpec, cat: Catalog): StoryDef[] {
  return cat.stories.filter((s) => spec.stories[s.id]);
}

/** Components wired on a cluster: the foundation plus what its approved stories put there, in dependency order. */
export function wiredComponents(spec: PlatformSpec, cat: Catalog, cluster: string): Component[] {
  const c = spec.clusters[cluster];
  const out = new Map<string, Component>();
  for (const f of foundationComponents()) out.set(f.id, foundationIn(cat, f));
  for (const s of recordedStories(spec, cat)) {
    if (spec.stories[s.id].clusters[cluster] !== 'approved') continue;
    for (const comp of storyComponentsFor(cat, s, c.role)) out.set(comp.id, comp);
  }
  return [...out.values()];
}

/** Components whose shared folder is rendered: the foundation and those of every recorded story. */
export function renderedComponents(spec: PlatformSpec, cat: Catalog): Component[] {
  const out = new Map<string, Component>();
  for (const f of foundationComponents()) out.set(f.id, foundationIn(cat, f));
  for (const s of recordedStories(spec, cat)) {
    for (const comp of s.components) out.set(comp.id, comp);
    for (const u of s.uses) {
      const e = cat.components.get(u);
      if (e?.story) out.set(u, e.component);
    }
  }
  return [...out.values()];
}

/** Lanes a cluster of a role has. */
export function lanesOfRole(role: Role): ('infrastructure' | 'workloads')[] {
  return role === 'apps' ? ['infrastructure', 'workloads'] : ['infrastructure'];
}

/** Story-level rules of platform.yaml: known ids, known clusters, and every wired dependsOn resolvable. */
export function validateStories(spec: PlatformSpec): Problem[] {
  const problems: Problem[] = [];
  const base = loadCatalog();
  const custom = Object.entries(spec.stories).filter(([, s]) => s.custom);
  for (const [id] of custom) {
    if (base.byId.has(id))
      problems.push({
        path: `stories.${id}.custom`,
        message: `${id} is a catalog story; a custom story needs its own id`,
      });
  }
  if (problems.length) return problems;
  let cat: Catalog;
  try {
    cat = catalogFor(spec);
  } catch (e) {
    return [{ path: 'stories', message: (e as Error).message }];
  }
  if (custom.length) {
    const issues = checkCatalog(cat.stories, foundationComponents());
    for (const i of issues)
      problems.push({ path: `stories.${i.split(':')[0]}.custom`, message: i.slice(i.indexOf(':') + 2) });
    if (problems.length) return problems;
  }
  for (const [id, s] of Object.entries(spec.stories)) {
    if (!cat.byId.has(id)) {
      problems.push({
        path: `stories.${id}`,
        message: `not a story of the catalog (did you mean ${nearestStoryIds(cat, id).join(', ')}?)`,
      });
      continue;
    }
    for (const cl of Object.keys(s.clusters)) {
      if (!spec.clusters[cl])
        problems.push({ path: `stories.${id}.clusters.${cl}`, message: `no cluster ${cl} in platform.yaml` });
    }
  }
  if (problems.length) return problems;
  for (const [name, c] of Object.entries(spec.clusters)) {
    const wired = wiredComponents(spec, cat, name);
    // An adopted repository: a component its own Kustomization delivers (adopt recorded it) is wired there too.
    const ids = new Set([...wired.map((w) => w.id), ...(c.adopted ?? []).flatMap(deliveredBy)]);
    const lanes = lanesOfRole(c.role);
    for (const comp of wired) {
      const owner = cat.components.get(comp.id)?.story?.id ?? 'the scaffold';
      if (!lanes.includes(comp.lane)) {
        problems.push({
          path: `stories.${owner}.clusters.${name}`,
          message: `component ${comp.id} belongs to the ${comp.lane} lane, which a cluster of role ${c.role} does not have`,
        });
      }
      for (const d of comp.dependsOn) {
        if (ids.has(d)) continue;
        const dOwner = cat.components.get(d)?.story?.id;
        problems.push({
          path: `stories.${owner}.clusters.${name}`,
          message:
            `component ${comp.id} depends on ${d}, which is not wired on ` +
            `${name}${dOwner ? ` (approve ${dOwner}, or a story that uses ${d}, on ${name})` : ''}`,
        });
      }
    }
  }
  return problems;
}
