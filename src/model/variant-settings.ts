import { TemplateRenderer } from '../core/render';
import { COMPONENT_FILE, componentTemplateDir } from './components';
import { addSettingDefaults, type PlatformFile } from './platform-file';
import type { ClusterModel, PlatformSpec } from './schema';
import { type Catalog, expandDefault, type StoryDef, type VariableDecl } from './stories';
import { findVariables, VARIABLES } from './variables';

/**
 * Settings that belong to one variant of a component: a component with `variantBy` (the ClusterSecretStore, picked
 * by EXTERNAL_SECRET_STORE = the cluster's secretStore.provider) renders one folder per value under variants/, and a
 * cluster builds only the folder of its own value. A variable that some variant folders use and the component's
 * other files do not is needed only on clusters whose value picks one of those variants (SECRET_STORE_REGION: only
 * aws-secrets-manager). Everything here is read from the templates, so a new variant or variable needs no code.
 */
export interface VariantUse {
  /** The component whose variants use the variable. */
  component: string;
  /** The variable whose value picks the variant. */
  variantBy: string;
  /** The variants (values of variantBy) whose folder uses the variable. */
  variants: Set<string>;
}

const memo = new WeakMap<TemplateRenderer, Map<string, VariantUse[]>>();
let builtin: TemplateRenderer | undefined;

/** Variable -> the components whose variant folders (and no other file of theirs) use it, with those variants. */
export function variantVariables(
  cat: Catalog,
  r: TemplateRenderer = (builtin ??=
    new TemplateRenderer()),
): Map<string, VariantUse[]> {
  const hit = memo.get(r);
  if (hit) return hit;
  const out = new Map<string, VariantUse[]>();
  for (const { component } of cat.components.values()) {
    if (!component.variantBy) continue;
    const tpl = componentTemplateDir(component);
    const varsOf = (files: string[]) =>
      new Set(files.flatMap((f) => [...findVariables(r.source(`${tpl}/${f}`)).required]));
    // component.yaml is the component's catalog entry, not a file it renders.
    const shared = varsOf(r.walk(tpl).filter((f) => !f.startsWith('variants/') && f !== COMPONENT_FILE));
    const byVar = new Map<string, Set<string>>();
    for (const v of r.dirs(`${tpl}/variants`)) {
      for (const name of varsOf(r.walk(`${tpl}/variants/${v}`).map((f) => `variants/${v}/${f}`))) {
        if (shared.has(name) || VARIABLES[name]) continue;
        byVar.set(name, (byVar.get(name) ?? new Set()).add(v));
      }
    }
    for (const [name, variants] of byVar)
      out.set(name, [...(out.get(name) ?? []), { component: component.id, variantBy: component.variantBy, variants }]);
  }
  memo.set(r, out);
  return out;
}

/** The value of a variantBy variable on a cluster, as its cluster-settings has it. */
export function variantValue(spec: PlatformSpec, cat: Catalog, cluster: string, variantBy: string): string | undefined {
  const c: ClusterModel = { ...spec.clusters[cluster], name: cluster };
  return c.settings[variantBy] ?? VARIABLES[variantBy]?.value(c) ?? cat.variables.get(variantBy)?.default;
}

/** Whether a cluster needs a setting: false only for a variable of variants the cluster does not build. */
export function clusterNeedsSetting(
  spec: PlatformSpec,
  cat: Catalog,
  cluster: string,
  name: string,
  r?: TemplateRenderer,
): boolean {
  const uses = variantVariables(cat, r).get(name);
  if (!uses) return true;
  return uses.some((u) => u.variants.has(variantValue(spec, cat, cluster, u.variantBy) ?? ''));
}

/** The variables a story adds to a cluster's settings: its own and those of the stories its `uses` components belong to. */
function storyVariables(cat: Catalog, story: StoryDef): VariableDecl[] {
  const out = new Map<string, VariableDecl>();
  for (const v of story.variables) out.set(v.name, v);
  for (const u of story.uses)
    for (const v of cat.components.get(u)?.story?.variables ?? []) if (!out.has(v.name)) out.set(v.name, v);
  return [...out.values()].filter((v) => !v.toggle);
}

export interface VariantSettingsSync {
  /** cluster -> settings added with their defaults (the cluster's variant now needs them) */
  added: Record<string, string[]>;
  /** cluster -> settings removed: still at their default, and the cluster's variant does not use them */
  dropped: Record<string, string[]>;
  /** Settings the cluster's variant does not use that hold a value a person set: left in place, listed here. */
  kept: { cluster: string; name: string; value: string; variantBy: string; current: string }[];
  /** cluster -> what picks its variant, for messages ("EXTERNAL_SECRET_STORE aws-secrets-manager") */
  variant: Record<string, string>;
}

/**
 * Bring every cluster's variant settings in step with its variant (after the provider of a cluster changed, or for a
 * platform.yaml written before settings depended on it): a setting its variant does not use is removed when it
 * still holds the default the tool wrote, and kept (and reported) when a person set another value; a setting its
 * variant needs that is missing is added with its default when a story recorded on the cluster declares it.
 * Edits pf; its comments and every other setting stay.
 */
export function syncVariantSettings(pf: PlatformFile, cat: Catalog, r?: TemplateRenderer): VariantSettingsSync {
  const map = variantVariables(cat, r);
  const result: VariantSettingsSync = { added: {}, dropped: {}, kept: [], variant: {} };
  for (const cluster of Object.keys(pf.spec.clusters)) {
    const settings = pf.spec.clusters[cluster].settings;
    const by = [...new Set([...map.values()].flatMap((uses) => uses.map((u) => u.variantBy)))];
    result.variant[cluster] = by.map((v) => `${v} ${variantValue(pf.spec, cat, cluster, v) ?? '(unset)'}`).join(', ');
    const drop: string[] = [];
    for (const [name, uses] of map) {
      const value = settings[name];
      if (value === undefined || clusterNeedsSetting(pf.spec, cat, cluster, name, r)) continue;
      const decl = cat.variables.get(name);
      if (decl && value === expandDefault(decl.default, pf.spec.clusters, cluster)) drop.push(name);
      else
        result.kept.push({
          cluster,
          name,
          value,
          variantBy: uses[0].variantBy,
          current: variantValue(pf.spec, cat, cluster, uses[0].variantBy) ?? '',
        });
    }
    if (drop.length) {
      pf.editEntry(['clusters', cluster], (doc) => {
        for (const name of drop) doc.deleteIn(['clusters', cluster, 'settings', name]);
      });
      result.dropped[cluster] = [...drop].sort();
    }
    const want = new Map<string, VariableDecl>();
    for (const [id, s] of Object.entries(pf.spec.stories)) {
      const story = cat.byId.get(id);
      if (!story || s.clusters[cluster] === undefined) continue;
      for (const v of storyVariables(cat, story))
        if (map.has(v.name) && !want.has(v.name) && clusterNeedsSetting(pf.spec, cat, cluster, v.name, r))
          want.set(v.name, v);
    }
    const added = addSettingDefaults(
      pf,
      cluster,
      [...want.values()].map((v) => ({ ...v, default: expandDefault(v.default, pf.spec.clusters, cluster) })),
    );
    if (added.length) result.added[cluster] = [...added].sort();
  }
  return result;
}

/** What a sync did (or, with `written` false, would do) to platform.yaml, one line per cluster and kind. */
export function variantSettingsLines(sync: VariantSettingsSync | undefined, written: boolean): string[] {
  if (!sync) return [];
  const out: string[] = [];
  for (const [c, names] of Object.entries(sync.dropped)) {
    out.push(
      `clusters.${c}.settings: ${written ? 'removed' : 'would remove'} ${names.join(', ')} (still at their defaults; ${sync.variant[c]} does not use them)`,
    );
  }
  for (const [c, names] of Object.entries(sync.added)) {
    out.push(
      `clusters.${c}.settings: ${written ? 'added' : 'would add'} ${names.join(', ')} with ` +
        `${names.length > 1 ? 'their defaults' : 'its default'} (${sync.variant[c]} uses ` +
        `${names.length > 1 ? 'them' : 'it'}; edit ${names.length > 1 ? 'them' : 'it'} there)`,
    );
  }
  for (const k of sync.kept) {
    out.push(
      `warning: clusters.${k.cluster}.settings.${k.name} is set by hand, but ${k.variantBy} ${k.current} does ` +
        `not use it: kept; remove it from platform.yaml when you no longer need it`,
    );
  }
  return out;
}
