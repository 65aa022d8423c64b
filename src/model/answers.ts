import { z } from 'zod';
import { UsageError } from '../core/errors';
import { CLUSTER_FIELDS, type ClusterField, type FieldKind, fieldAtPath, fieldOfKey } from './cluster-fields';
import { type ClusterSpec, type NodeSpec, type PlatformSpec, type Role, SECRET_PROVIDERS } from './schema';
import { validateClusters } from './validate';

/** Names people type for a provider (the product or its cloud) and the provider id they mean. */
const PROVIDER_ALIASES: Record<string, (typeof SECRET_PROVIDERS)[number]> = {
  '1password': 'onepassword',
  'one-password': 'onepassword',
  op: 'onepassword',
  'hashicorp-vault': 'vault',
  openbao: 'vault',
  aws: 'aws-secrets-manager',
  'secrets-manager': 'aws-secrets-manager',
  gcp: 'gcp-secret-manager',
  google: 'gcp-secret-manager',
  azure: 'azure-key-vault',
  keyvault: 'azure-key-vault',
  'bitwarden-secrets-manager': 'bitwarden',
};

/** The error for an unknown secret store: what was given, the ids, and the one meant when the name is a known alias. */
export function providerMessage(input: unknown): string {
  const given = typeof input === 'string' ? input : JSON.stringify(input);
  const meant = typeof input === 'string' ? PROVIDER_ALIASES[input.trim().toLowerCase()] : undefined;
  return `${given} is not a provider id${meant ? ` (did you mean ${meant}?)` : ''}; use one of ${SECRET_PROVIDERS.join(', ')}`;
}

type Field = (typeof CLUSTER_FIELDS)[number];
/** The value of a field, by its kind in the table (a choice is one of its choices). */
type FieldValue<F> = F extends { kind: 'int' }
  ? number
  : F extends { kind: 'nodes' }
    ? NodeSpec[]
    : F extends { choices: readonly (infer C)[] }
      ? C
      : string;
type FieldShape = { [F in Field as F['key']]: z.ZodOptional<z.ZodType<FieldValue<F>>> };
type AnswersShape = { name: z.ZodString } & FieldShape & {
    settings: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodString>>;
  };

/** How a choice field says what was meant, when a plain "invalid option" does not help. */
const CHOICE_MESSAGES: Partial<Record<Field['key'], (input: unknown) => string>> = { secretStore: providerMessage };

/** The zod schema of one answer, by its kind in the table. */
function answerSchema(f: ClusterField): z.ZodType {
  switch (f.kind) {
    case 'int':
      return z.number().int();
    case 'nodes':
      return z.array(
        z.strictObject({ name: z.string(), ip: z.string(), controlPlane: z.boolean(), installDisk: z.string() }),
      );
    case 'choice': {
      const message = CHOICE_MESSAGES[f.key as Field['key']];
      return z.enum(f.choices as [string, ...string[]], message ? { error: (iss) => message(iss.input) } : undefined);
    }
    default:
      return z.string();
  }
}

/** What a person (prompts) or a script (flags, --answers) says about one cluster. Absent = default. */
export const ClusterAnswersSchema = z.strictObject({
  name: z.string(),
  ...Object.fromEntries(CLUSTER_FIELDS.map((f) => [f.key, answerSchema(f).optional()])),
  settings: z.record(z.string(), z.string()).optional(),
}) as unknown as z.ZodObject<AnswersShape, z.core.$strict>;
export type ClusterAnswers = z.infer<typeof ClusterAnswersSchema>;
export type AnswerKey = Field['key'];

export const AnswersFileSchema = z.strictObject({ clusters: z.array(ClusterAnswersSchema).min(1) });

/** The flag that sets a platform.yaml field path (clusters.<c>.<field>), for error messages. */
export function flagForPath(path: string): string | undefined {
  const rest = path.replace(/^clusters\.[^.]+\.?/, '');
  if (rest === '') return 'NAME';
  if (rest.startsWith('settings.')) return `--set ${rest.slice('settings.'.length)}=…`;
  if (rest.startsWith('nodes')) return '--node';
  return fieldAtPath(rest)?.flag;
}

/** Parse `name=cp-1,ip=192.168.1.11,controlPlane=true,disk=/dev/sda` (controlPlane defaults to true, disk to /dev/sda). */
export function parseNodeSpec(text: string): NodeSpec {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0)
      throw new UsageError(
        `--node ${JSON.stringify(text)}: expected key=value pairs (name=…,ip=…[,controlPlane=true|false][,disk=/dev/…])`,
      );
    const k = part.slice(0, i).trim();
    if (!['name', 'ip', 'controlPlane', 'disk'].includes(k))
      throw new UsageError(
        `--node ${JSON.stringify(text)}: unknown key ${JSON.stringify(k)} (name, ip, controlPlane, disk)`,
      );
    out[k] = part.slice(i + 1).trim();
  }
  if (!out.name || !out.ip) throw new UsageError(`--node ${JSON.stringify(text)}: name and ip are required`);
  if (out.controlPlane !== undefined && !['true', 'false'].includes(out.controlPlane)) {
    throw new UsageError(`--node ${JSON.stringify(text)}: controlPlane must be true or false`);
  }
  return {
    name: out.name,
    ip: out.ip,
    controlPlane: out.controlPlane !== 'false',
    installDisk: out.disk ?? '/dev/sda',
  };
}

export function formatNodeSpec(n: NodeSpec): string {
  return `name=${n.name},ip=${n.ip},controlPlane=${n.controlPlane},disk=${n.installDisk}`;
}

/** Parse repeated --set KEY=VALUE; one key given twice with different values is refused (neither is silently lost). */
export function parseSet(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UsageError(`--set ${JSON.stringify(item)}: expected KEY=VALUE`);
    const key = item.slice(0, i);
    const value = item.slice(i + 1);
    if (Object.hasOwn(out, key) && out[key] !== value) {
      throw new UsageError(
        `--set ${key}: given twice with different values (${JSON.stringify(out[key])} and ${JSON.stringify(value)}); give it once (nothing was written)`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** A copy of a cluster, deep where answers set fields, in the order of its own keys. */
function copyCluster(c: ClusterSpec): ClusterSpec {
  return {
    ...c,
    network: { ...c.network, gatewayIps: { ...c.network.gatewayIps } },
    git: { ...c.git },
    secretStore: { ...c.secretStore },
  };
}

/** The value at a field's path in a cluster (`network.gatewayIps.external`). */
function getPath(c: ClusterSpec, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
}

/** Set the value at a field's path of a cluster whose objects on that path are its own (copyCluster), or missing. */
function setPath(c: ClusterSpec, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<Record<string, unknown>>(
    (o, k) => (o[k] ??= {}) as Record<string, unknown>,
    c as unknown as Record<string, unknown>,
  );
  parent[last] = value;
}

/** Lay answers over a base cluster (defaults, or the cluster already in platform.yaml). */
export function applyAnswers(base: ClusterSpec, a: ClusterAnswers): ClusterSpec {
  const out = copyCluster(base);
  for (const f of CLUSTER_FIELDS) if (a[f.key] !== undefined) setPath(out, f.path, a[f.key]);
  out.settings = { ...base.settings, ...(a.settings ?? {}) };
  return out;
}

/** The answers that give exactly this cluster (the defaults shown at the prompts, the values of a summary). */
export function answersFromCluster(name: string, c: ClusterSpec): ClusterAnswers {
  return { name, ...Object.fromEntries(CLUSTER_FIELDS.map((f) => [f.key, getPath(c, f.path)])) } as ClusterAnswers;
}

/** A cluster with no field answered yet: every rule about a blank field fails at that field, and nowhere else. */
function blankCluster(role: Role): ClusterSpec {
  const blank: Record<FieldKind, unknown> = { text: '', int: 0, choice: '', nodes: [] };
  const c = { role, settings: {} } as unknown as ClusterSpec;
  for (const f of CLUSTER_FIELDS) if (f.key !== 'role') setPath(c, f.path, blank[f.kind]);
  return c;
}

/**
 * What is wrong with one answer, checked where it is typed by the same rules as the whole platform
 * (validateClusters): the problems that appear once `key` is `value` and are not there without it. So the rules of
 * the field itself count, and those it shares with fields already answered (a node IP and the node network, a pod
 * CIDR and another cluster's, in platform.yaml or earlier in this run), while fields not answered yet (blank) do
 * not. `spec` holds the other clusters; `answers` what is known of this one (without `key`).
 */
export function answerProblems(
  spec: PlatformSpec,
  answers: ClusterAnswers,
  key: keyof ClusterAnswers,
  value: unknown,
): string[] {
  const { [key]: _drop, ...rest } = answers;
  const without = { ...rest, name: answers.name } as ClusterAnswers;
  const given = { ...without, [key]: value } as ClusterAnswers;
  const role = (given.role ?? 'apps') as Role;
  const problems = (a: ClusterAnswers) =>
    validateClusters({ ...spec, clusters: { ...spec.clusters, [a.name]: applyAnswers(blankCluster(role), a) } });
  const before = new Set(problems(without).map((p) => `${p.path}\n${p.message}`));
  const own = fieldOfKey(key)?.path;
  return problems(given)
    .filter((p) => !before.has(`${p.path}\n${p.message}`))
    .map((p) => {
      const field = p.path.slice(`clusters.${answers.name}.`.length);
      // A rule reported on another field (the pod CIDR when the service CIDR overlaps it) says which one.
      const same = own !== undefined && (field === own || field.startsWith(`${own}.`) || field.startsWith(`${own}[`));
      return same ? p.message : `${fieldOfKey(answerKeyForPath(p.path) ?? '')?.label ?? p.path}: ${p.message}`;
    });
}

/** The answer a platform.yaml field path (clusters.<c>.<field>) comes from, when a prompt asks for it. */
export function answerKeyForPath(path: string): AnswerKey | undefined {
  const flag = flagForPath(path);
  return CLUSTER_FIELDS.find((f) => f.flag === flag)?.key;
}
