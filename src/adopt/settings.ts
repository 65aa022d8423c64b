// A cluster's settings: the ConfigMaps and Secrets its Flux Kustomizations substitute from (postBuild.substituteFrom),
// found in what the cluster builds. ConfigMap values are read; of a Secret only its name, file and keys (a value
// never leaves the repository's encrypted or external store, and never reaches platform.yaml).
import type { Obj } from '../check/objects';
import type { ClusterView, Why } from './view';

export interface SettingsSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  namespace: string;
  file: string;
  line: number;
  keys: string[];
  /** Kustomizations that substitute from it. */
  usedBy: string[];
}

export interface ClusterSettings {
  /** KEY -> value, from the ConfigMaps (the first source that declares a key wins, as Flux's order does). */
  values: Record<string, string>;
  /** KEY -> where its value was read. */
  why: Record<string, Why>;
  sources: SettingsSource[];
  /** Sources a Kustomization names that the repository does not hold (created in the cluster, or by SOPS). */
  missing: { kind: string; name: string; namespace: string; usedBy: string[] }[];
}

/** The settings a cluster's Kustomizations substitute from (see the header). */
export function clusterSettings(c: ClusterView): ClusterSettings {
  const objects = c.kustomizations.flatMap((k) => k.objects);
  const sources = new Map<string, SettingsSource>();
  const missing = new Map<string, ClusterSettings['missing'][number]>();
  // The entry first, then in walk order: the lanes name the settings their children inherit.
  for (const k of c.kustomizations) {
    for (const s of k.ks.postBuild?.substituteFrom ?? []) {
      if (s.kind !== 'ConfigMap' && s.kind !== 'Secret') continue;
      const key = `${s.kind}/${k.ks.namespace}/${s.name}`;
      const hit: Obj | undefined = objects.find(
        (o) => o.kind === s.kind && o.name === s.name && (o.namespace ?? k.ks.namespace) === k.ks.namespace,
      );
      if (!hit) {
        const m = missing.get(key) ?? { kind: s.kind, name: s.name, namespace: k.ks.namespace, usedBy: [] };
        m.usedBy.push(k.ks.id);
        missing.set(key, m);
        continue;
      }
      const src = sources.get(key) ?? {
        kind: s.kind,
        name: s.name,
        namespace: k.ks.namespace,
        file: hit.file,
        line: hit.line,
        keys: [...Object.keys(hit.raw.data ?? {}), ...Object.keys(hit.raw.stringData ?? {})],
        usedBy: [],
      };
      if (!src.usedBy.includes(k.ks.id)) src.usedBy.push(k.ks.id);
      sources.set(key, src);
    }
  }
  const values: Record<string, string> = {};
  const why: Record<string, Why> = {};
  for (const src of sources.values()) {
    if (src.kind !== 'ConfigMap') continue;
    const o = objects.find((x) => x.kind === 'ConfigMap' && x.name === src.name && x.file === src.file)!;
    for (const [key, v] of Object.entries<unknown>(o.raw.data ?? {})) {
      if (key in values) continue;
      values[key] = String(v ?? '');
      why[key] = {
        file: o.file,
        line: o.lineOf(['data', key]),
        fact: `ConfigMap ${src.namespace}/${src.name} data.${key}`,
      };
    }
  }
  return { values, why, sources: [...sources.values()], missing: [...missing.values()] };
}
