// adopt's inference over one read of the repository: clusters, settings, facts, component matches, story statuses,
// adopted Kustomizations and the layout, each claim with its evidence. Pure over the RepoView (view.ts).
import { roleForName } from '../model/defaults';
import type { Layout } from '../model/layout';
import type { Role } from '../model/schema';
import { type Catalog, loadCatalog } from '../model/stories';
import { type ClusterFacts, clusterFacts } from './facts';
import { detectLayout, type LayoutResult } from './layout';
import { type ClusterMatch, matchComponents, storyStatuses } from './match';
import { inferRole, type RoleInference } from './role';
import { type ClusterSettings, clusterSettings } from './settings';
import { type Claim, type RepoView, readRepo } from './view';

export interface ClusterAdoption {
  name: string;
  /** The entry folder and how it was found. */
  entry: Claim<string>;
  settings: ClusterSettings;
  facts: ClusterFacts;
  /** The role its stories are matched for: given (flag or prompt), else proven by its files, else from its name. */
  role: Role;
  /** What the files say of the role (rule: role.ts), proven or not. */
  roleSigns: RoleInference;
  match: ClusterMatch;
}

export interface Adoption {
  root: string;
  clusters: ClusterAdoption[];
  layout: LayoutResult;
}

/** Everything adopt infers from a repository already read; `roles` are the roles a person gave, by cluster. */
export function inferFrom(view: RepoView, cat: Catalog = loadCatalog(), roles: Record<string, Role> = {}): Adoption {
  const layout = detectLayout(view);
  const clusters = view.clusters.map((c) => {
    const settings = clusterSettings(c);
    const found = matchComponents(c, cat);
    const roleSigns = inferRole(c, found.matches, cat);
    const role = roles[c.name] ?? roleSigns.claim?.value ?? roleForName(c.name);
    return {
      name: c.name,
      entry: { value: c.entry.path, why: [{ file: c.entry.obj?.file, line: c.entry.obj?.line, fact: c.entry.found }] },
      settings,
      facts: clusterFacts(view, c, settings),
      role,
      roleSigns,
      match: { ...found, stories: storyStatuses(found.matches, cat, role) },
    };
  });
  layout.value.settings = settingsLayout(clusters, layout.value);
  return { root: view.root, clusters, layout };
}

/** Read a repository and infer (throws UsageError when it has no cluster, as check does). */
export function infer(dir: string, cat?: Catalog, roles?: Record<string, Role>): Adoption {
  return inferFrom(readRepo(dir), cat, roles);
}

/** Where the settings live, as templates over {cluster}: one line per source the clusters share by name. */
function settingsLayout(clusters: ClusterAdoption[], layout: Layout): Layout['settings'] {
  const out = new Map<string, Layout['settings'][number]>();
  for (const c of clusters) {
    for (const s of c.settings.sources) {
      const key = `${s.kind}/${s.name}`;
      if (out.has(key)) continue;
      const segs = s.file.split('/').map((seg) => (seg === c.name && clusters.length > 1 ? '{cluster}' : seg));
      out.set(key, { kind: s.kind, name: s.name, file: segs.join('/') });
    }
  }
  return out.size ? [...out.values()] : layout.settings;
}
