// The catalog components one adopted Kustomization delivers, as platform-kit adopt recorded them: read in one place
// by every rule that asks what the repository's own Kustomizations deliver (wiring, story rules, adopted, handover).
import type { AdoptedComponent } from './schema';

/** The catalog components an adopted Kustomization delivers: its `component`, then `also`; none for a hand-written one. */
export function deliveredBy(a: AdoptedComponent): string[] {
  return a.component ? [a.component, ...(a.also ?? [])] : [...(a.also ?? [])];
}
