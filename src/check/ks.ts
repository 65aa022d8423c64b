import type { Build, Obj } from './objects';

/** A Flux Kustomization as the check walks it. */
export interface Ks {
  id: string; // namespace/name
  name: string;
  namespace: string;
  path: string;
  obj?: Obj; // undefined for an entry the repository does not hold (a FluxInstance's generated sync)
  parent?: string;
  external: boolean;
  build?: Build;
  postBuild?: {
    substitute?: Record<string, string>;
    substituteFrom?: { kind: string; name: string; optional?: boolean }[];
  };
  /**
   * spec.components as repo-relative folders (Flux adds them to the kustomization it builds at spec.path); entry i
   * is spec.components[i]. The static build includes them; so must the --build step.
   */
  components?: string[];
}
