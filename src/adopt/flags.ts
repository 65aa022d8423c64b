// The cluster-field flags of `platform-kit adopt`: the flags create-platform-cluster takes (model/cluster-fields.ts),
// for a repository that may have several clusters. A value is for one cluster when it starts with that cluster's
// name and `=` (`--domain infra=infra.example.com`); a bare value is for the only cluster, or, for a field the
// clusters share (git URL and branch, secret store), for every cluster. Why a prefix and not `--cluster C` before
// the values: each flag then says on its own which cluster it sets, whatever the order of the command line (commander
// hands options over unordered), and a shell history line or a script reads the same way `--set KEY=VALUE` does.
// Pure: the values as typed in, the cluster names adopt found -> each cluster's answers (the kinds of the table).
import { UsageError } from '../core/errors';
import { type ClusterAnswers, ClusterAnswersSchema, parseNodeSpec } from '../model/answers';
import { CLUSTER_FIELDS, type ClusterField, type ClusterFieldKey } from '../model/cluster-fields';

/** Each field's flag values as typed (every field flag of adopt may be repeated: one per cluster, --node per node). */
export type AdoptFlagValues = Partial<Record<ClusterFieldKey, string[]>>;

/** The flag that sets a field of one cluster, as the dry run and the errors show it (`--domain infra=<domain>`). */
export function flagFor(key: string, cluster: string, clusters: readonly string[]): string {
  const f = CLUSTER_FIELDS.find((x: ClusterField) => x.key === key || x.path === key);
  if (!f) return key;
  const prefix = clusters.length > 1 ? `${cluster}=` : '';
  return `${f.flag} ${prefix}${f.arg}`;
}

/** The clusters one flag value is for, and the value without its cluster prefix. */
function target(f: ClusterField, item: string, clusters: readonly string[]): { to: string[]; value: string } {
  const eq = item.indexOf('=');
  if (eq > 0 && clusters.includes(item.slice(0, eq))) return { to: [item.slice(0, eq)], value: item.slice(eq + 1) };
  if (f.perCluster && clusters.length > 1) {
    throw new UsageError(
      `${f.flag} ${JSON.stringify(item)}: this repository has ${clusters.length} clusters (${clusters.join(', ')}); ` +
        `say which one, e.g. ${f.flag} ${clusters[0]}=${f.arg} (nothing was written)`,
    );
  }
  return { to: [...clusters], value: item };
}

/** A typed value as the field's answer: an integer or a node read from the text; the rest as typed. */
function answerOf(f: ClusterField, value: string): unknown {
  if (f.kind === 'nodes') return parseNodeSpec(value);
  if (f.kind === 'int') {
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${f.flag} ${JSON.stringify(value)}: must be ${f.intRule}`);
    return Number(value);
  }
  return value.trim();
}

/**
 * Each cluster's answers from the flags (only the fields given). A field given twice for one cluster with different
 * values, a bare per-cluster value with several clusters, or a value of the wrong kind: UsageError (exit 2).
 */
export function answersFromFlags(values: AdoptFlagValues, clusters: readonly string[]): Record<string, ClusterAnswers> {
  const raw: Record<string, Record<string, unknown>> = Object.fromEntries(clusters.map((c) => [c, { name: c }]));
  for (const f of CLUSTER_FIELDS) {
    for (const item of values[f.key] ?? []) {
      const { to, value } = target(f, item, clusters);
      const answer = answerOf(f, value);
      for (const c of to) {
        if (f.kind === 'nodes') {
          raw[c].nodes = [...((raw[c].nodes as unknown[]) ?? []), answer];
          continue;
        }
        const had = raw[c][f.key];
        if (had !== undefined && had !== answer)
          throw new UsageError(
            `${f.flag}: given twice for cluster ${c} (${JSON.stringify(had)} and ${JSON.stringify(answer)}); give it once (nothing was written)`,
          );
        raw[c][f.key] = answer;
      }
    }
  }
  const out: Record<string, ClusterAnswers> = {};
  // One message per flag and problem, with the clusters it concerns (a bare shared value is every cluster's).
  const problems = new Map<string, string[]>();
  for (const [c, r] of Object.entries(raw)) {
    const parsed = ClusterAnswersSchema.safeParse(r);
    if (parsed.success) out[c] = parsed.data;
    else
      for (const i of parsed.error.issues) {
        const flag = CLUSTER_FIELDS.find((x: ClusterField) => x.key === String(i.path[0]))?.flag ?? String(i.path[0]);
        const key = `${flag}\n${i.message}`;
        problems.set(key, [...(problems.get(key) ?? []), c]);
      }
  }
  if (problems.size)
    throw new UsageError(
      'adopt: invalid flags (nothing was written)',
      [...problems].map(([key, cs]) => {
        const [flag, message] = key.split('\n');
        return `${flag} (cluster${cs.length > 1 ? 's' : ''} ${cs.join(', ')}): ${message}`;
      }),
    );
  return out;
}
