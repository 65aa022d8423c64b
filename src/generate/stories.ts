import type { TemplateRenderer } from '../core/render';
import type { Tree } from '../core/tree';
import { bootstrapView, GIT_CREDENTIAL, STORE_CREDENTIAL } from '../model/bootstrap-secrets';
import { catalogCharts } from '../model/charts';
import { type Component, componentDir } from '../model/components';
import type { PlatformSpec } from '../model/schema';
import type { Catalog, StoryDef } from '../model/stories';
import { recordedStories, wiredComponents } from '../model/wiring';

export const storyDocPath = (id: string) => `docs/stories/${id}.md`;

function statusText(spec: PlatformSpec, id: string): string {
  const s = spec.stories[id];
  if (!s) return 'not added';
  const parts = Object.entries(s.clusters).map(([c, st]) => `${c}: ${st}`);
  return parts.length ? parts.join(', ') : 'recorded, no cluster';
}

/** Files a story writes besides its components (design documents, bootstrap files), per target cluster. */
export function storyFiles(
  spec: PlatformSpec,
  story: StoryDef,
): { path: string; template?: string; cluster?: string }[] {
  const clusters = Object.keys(spec.stories[story.id]?.clusters ?? {});
  const out: { path: string; template?: string; cluster?: string }[] = [];
  for (const f of story.files) {
    if (f.path.includes('{cluster}'))
      for (const c of clusters) out.push({ path: f.path.replace(/\{cluster\}/g, c), template: f.template, cluster: c });
    else out.push({ path: f.path, template: f.template });
  }
  return out;
}

/** What an adopted repository's render asks of renderStories (generate/adopted.ts). */
export interface StoriesScope {
  /** Only these stories get a document. */
  only: Set<string>;
  /** Where a component's folder is (the repository's layout). */
  dirOf: (c: Component) => string;
  /** component id -> the clusters it is wired on (by the tool, or by the repository's own Kustomizations). */
  wiredOn: Map<string, string[]>;
  /** story id -> what a person must set by hand in their own components for it to work (generate/handover.ts). */
  byHand?: Map<string, string[]>;
}

/**
 * Story documents (docs/stories/<ID>.md) and story files for every story recorded in platform.yaml. With a scope
 * (an adopted repository): only the documents of the stories it names, with the layout's folders, and no story
 * files (the bootstrap and design files are the scaffold's, which the repository's people wrote themselves).
 */
export function renderStories(
  tree: Tree,
  r: TemplateRenderer,
  spec: PlatformSpec,
  cat: Catalog,
  filesOf: Map<string, string[]>,
  scope?: StoriesScope,
): void {
  const wiredOn = scope?.wiredOn ?? new Map<string, string[]>();
  for (const name of scope ? [] : Object.keys(spec.clusters)) {
    for (const comp of wiredComponents(spec, cat, name)) wiredOn.set(comp.id, [...(wiredOn.get(comp.id) ?? []), name]);
  }
  // Chart name -> the platform's version, for documents that name a chart version (never a literal in a template).
  const charts = Object.fromEntries([...catalogCharts(cat)].map(([name, c]) => [name, c.version]));
  for (const story of recordedStories(spec, cat)) {
    if (scope && !scope.only.has(story.id)) continue;
    const rec = spec.stories[story.id];
    const files = scope ? [] : storyFiles(spec, story);
    for (const f of files) {
      if (!f.template) continue;
      const cluster = f.cluster ? { ...spec.clusters[f.cluster], name: f.cluster } : null;
      tree.write(
        f.path,
        r.render(f.template, {
          story,
          cluster,
          clusters: Object.keys(rec.clusters),
          bootstrap: bootstrapView(spec.clusters),
          gitCredential: GIT_CREDENTIAL,
          storeCredential: STORE_CREDENTIAL,
          charts,
        }),
      );
    }
    const comps = story.components.map((c) => ({
      id: c.id,
      namespace: c.namespace,
      path: scope ? scope.dirOf(c) : componentDir(c),
      chart: c.chart
        ? `${c.chart.name} ${c.chart.version} (${c.chart.url})`
        : c.source
          ? `${c.source.url} @ ${c.source.tag}, path ${c.source.path}`
          : 'manifests only',
      roles: (c.clusters ?? story.clusters).join(', '),
      dependsOn: c.dependsOn.join(', ') || '-',
      wiredOn: (wiredOn.get(c.id) ?? []).join(', ') || 'no cluster (draft)',
      resources: c.resources.map((x) => `${x.kind} ${x.name}`).join(', ') || '-',
    }));
    const used = story.uses.map((u) => ({
      id: u,
      owner: cat.components.get(u)?.story?.id ?? 'cluster scaffold',
      wiredOn: (wiredOn.get(u) ?? []).join(', ') || '-',
    }));
    const created: string[] = [];
    for (const c of story.components) created.push(...(filesOf.get(c.id) ?? []));
    const data = {
      story: { ...story, implements: story.implements ?? null },
      status: Object.entries(rec.clusters).map(([cluster, state]) => ({ cluster, state })),
      deps: story.dependsOn.map((d) => ({ id: d, title: cat.byId.get(d)?.title ?? '?', status: statusText(spec, d) })),
      dependents: cat.stories
        .filter((s) => s.dependsOn.includes(story.id))
        .map((s) => ({ id: s.id, status: statusText(spec, s.id) })),
      components: comps,
      used,
      variables: story.variables,
      files: [...files.map((f) => (f.template ? f.path : `${f.path} (written by the cluster scaffold)`)), ...created],
      custom: Boolean(story.custom),
      byHand: scope?.byHand?.get(story.id) ?? null,
    };
    tree.write(storyDocPath(story.id), r.render('story/story.md', data));
  }
}
