// The prompts of `platform-kit adopt` on a terminal: one question per cluster field no file proves, as
// create-platform-cluster asks them (cli/prompts.ts askClusters: the same questions, defaults and checks where a value
// is typed). Every field a file proves, or a flag gave, is handed over as already answered, so it is not asked.
import type { AdoptPrompter } from '../commands/adopt';
import type { ClusterAnswers } from '../model/answers';
import { answersFromCluster } from '../model/answers';
import { fieldAtPath } from '../model/cluster-fields';
import { askClusters, type PromptContext } from './prompts';

/** A prompter for adoptWithPrompts: asks on the terminal (a test passes its own streams in `ctx`). */
export function adoptPrompter(ctx: PromptContext = {}): AdoptPrompter {
  return async (unproven, spec) => {
    const asked = new Map<string, string[]>();
    for (const u of unproven) asked.set(u.cluster, [...(asked.get(u.cluster) ?? []), fieldAtPath(u.field)!.key]);
    // Clusters whose id a file proves first (as adopt takes the defaults): a default shown is the one --yes takes.
    const names = Object.keys(spec.clusters).sort(
      (a, b) =>
        Number(asked.get(a)?.includes('clusterId') ?? false) - Number(asked.get(b)?.includes('clusterId') ?? false),
    );
    const known = names.map((name) => {
      const all = answersFromCluster(name, spec.clusters[name]) as Record<string, unknown>;
      for (const key of asked.get(name) ?? []) delete all[key];
      return all as ClusterAnswers;
    });
    const answered = await askClusters(known, {} as never, undefined, ctx);
    const out: Record<string, ClusterAnswers> = {};
    for (const a of answered) {
      const keys = asked.get(a.name);
      if (!keys) continue;
      out[a.name] = { name: a.name, ...Object.fromEntries(keys.map((k) => [k, a[k as keyof ClusterAnswers]])) };
    }
    return out;
  };
}
