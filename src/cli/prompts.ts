import type { Readable, Writable } from 'node:stream';
import { confirm, input, select } from '@inquirer/prompts';
import {
  type AnswerKey,
  answerProblems,
  answersFromCluster,
  applyAnswers,
  type ClusterAnswers,
  formatNodeSpec,
  parseNodeSpec,
} from '../model/answers';
import { CLUSTER_FIELDS, fieldOfKey } from '../model/cluster-fields';
import { defaultCluster } from '../model/defaults';
import type { PlatformSpec } from '../model/schema';
import { clusterNameProblem } from '../model/validate';
import type { CreateFlags } from './create-flags';

/** Streams for the prompts (a test passes its own; a person gets the terminal). */
export interface PromptContext {
  input?: Readable;
  output?: Writable;
}

type Key = AnswerKey;

/** The values asked for a new cluster, in the order they are asked: the order of the table. */
const ASKED: Key[] = CLUSTER_FIELDS.map((f) => f.key);

const NODES_LABEL = 'Nodes (name=…,ip=…,controlPlane=true|false,disk=/dev/…; separated by ";")';

function emptyPlatform(spec: PlatformSpec | undefined): PlatformSpec {
  return (
    spec ?? {
      apiVersion: 'platform.create-platform-cluster.dev/v1alpha1',
      kind: 'Platform',
      generator: { name: 'create-platform-cluster', version: '0' },
      clusters: {},
      stories: {},
    }
  );
}

const parseNodes = (text: string) =>
  text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseNodeSpec);

/**
 * Ask for one value of cluster `a`. Its default is the tool's, given what is answered so far; the answer is checked
 * when Enter is pressed by the rules of the whole platform (answerProblems: this field, the fields answered before
 * it, the other clusters in `others`), and asked again at once when it breaks one.
 */
async function askField(
  key: Key,
  a: ClusterAnswers,
  others: PlatformSpec,
  ctx: PromptContext,
): Promise<ClusterAnswers> {
  const d = answersFromCluster(a.name, defaultCluster(others, a.name, a.role, a.nodeCidr));
  const check = (value: unknown): true | string => {
    const problems = answerProblems(others, a, key, value);
    return problems.length ? problems.join('; ') : true;
  };
  const field = fieldOfKey(key)!;
  const text = (message: string, def: string, validate: (v: string) => true | string) =>
    input({ message, default: def, validate }, ctx);
  let value: unknown;
  switch (field.kind) {
    case 'choice': {
      // The role's question names the cluster: it is the first one asked about it.
      const message = key === 'role' ? `Role of ${a.name}` : field.label;
      value = await select(
        { message, choices: field.choices!.map((c) => ({ value: c, name: c })), default: d[key] },
        ctx,
      );
      break;
    }
    case 'int':
      value = Number(
        await text(field.label, String(d[key]), (v) =>
          /^\d+$/.test(v.trim()) ? check(Number(v)) : `${JSON.stringify(v)}: ${field.intRule}`,
        ),
      );
      break;
    case 'nodes':
      value = parseNodes(
        await text(NODES_LABEL, d.nodes!.map(formatNodeSpec).join('; '), (v) => {
          try {
            const nodes = parseNodes(v);
            return nodes.length ? check(nodes) : 'at least one node';
          } catch (e) {
            return (e as Error).message;
          }
        }),
      );
      break;
    default:
      value = (await text(field.label, String(d[key]), (v) => check(v.trim()))).trim();
  }
  return { ...a, [key]: value };
}

/** A new cluster of this run as the other prompts see it (defaults under what was answered). */
function planned(spec: PlatformSpec, a: ClusterAnswers): PlatformSpec['clusters'][string] {
  return applyAnswers(defaultCluster(spec, a.name, a.role, a.nodeCidr), a);
}

/**
 * Ask for every value a flag did not give, showing the default the tool would take, each checked where it is typed.
 * Clusters already in platform.yaml are not asked about (they are re-rendered as they are).
 */
export async function askClusters(
  given: ClusterAnswers[],
  flags: CreateFlags,
  spec: PlatformSpec | undefined,
  ctx: PromptContext = {},
): Promise<ClusterAnswers[]> {
  const platform = emptyPlatform(spec);
  const list = given.length
    ? given
    : [
        {
          name: await input(
            {
              message: 'Cluster name',
              default: Object.keys(platform.clusters).length ? 'apps' : 'infra',
              validate: (v) => clusterNameProblem(v) ?? true,
            },
            ctx,
          ),
        },
      ];
  const out: ClusterAnswers[] = [];
  const others: PlatformSpec = { ...platform, clusters: { ...platform.clusters } };
  for (const a0 of list) {
    if (others.clusters[a0.name]) {
      out.push(a0);
      continue;
    }
    let a: ClusterAnswers = { ...a0 };
    if (a.gitUrl === undefined && flags.gitUrl !== undefined) a.gitUrl = flags.gitUrl;
    if (a.gitBranch === undefined && flags.gitBranch !== undefined) a.gitBranch = flags.gitBranch;
    for (const key of ASKED) if (a[key] === undefined) a = await askField(key, a, others, ctx);
    out.push(a);
    others.clusters[a.name] = planned(others, a);
  }
  return out;
}

/**
 * Ask again for the values the whole-platform validation named (cluster -> fields), keeping every other answer.
 * Each is checked at its prompt against everything else, so a value that still breaks a rule is not taken.
 */
export async function reaskFields(
  clusters: ClusterAnswers[],
  wrong: Map<string, Key[]>,
  spec: PlatformSpec | undefined,
  ctx: PromptContext = {},
): Promise<ClusterAnswers[]> {
  const platform = emptyPlatform(spec);
  const out: ClusterAnswers[] = [];
  for (const a0 of clusters) {
    let a = a0;
    const keys = platform.clusters[a.name] ? [] : (wrong.get(a.name) ?? []);
    if (keys.length) {
      // The others: the clusters of platform.yaml and every other cluster of this run, as answered.
      const others: PlatformSpec = { ...platform, clusters: { ...platform.clusters } };
      for (const b of [...out, ...clusters.slice(out.length + 1)])
        if (!platform.clusters[b.name]) others.clusters[b.name] = planned(others, b);
      for (const key of ASKED.filter((k) => keys.includes(k))) {
        const { [key]: _old, ...rest } = a;
        a = await askField(key, rest as ClusterAnswers, others, ctx);
      }
    }
    out.push(a);
  }
  return out;
}

/** The confirm before writing (Enter = yes). */
export function confirmWrite(message: string, ctx: PromptContext = {}): Promise<boolean> {
  return confirm({ message, default: true }, ctx);
}

const nodesLine = (nodes: NonNullable<ClusterAnswers['nodes']>) =>
  nodes.map((n) => `${n.name} ${n.ip}${n.controlPlane ? ' (control plane)' : ''}`).join(', ');

/** The summary shown before the confirm: each new cluster's values, one per line. */
export function summaryLines(a: ClusterAnswers, spec: PlatformSpec | undefined): string[] {
  const c = answersFromCluster(a.name, planned(emptyPlatform(spec), a));
  const lines = [`cluster ${a.name}:`];
  for (const f of CLUSTER_FIELDS) {
    const v = c[f.key];
    const shown = f.kind === 'nodes' ? nodesLine(v as NonNullable<ClusterAnswers['nodes']>) : String(v);
    lines.push(`  ${f.path.padEnd(28)} ${shown}`);
  }
  return lines;
}
