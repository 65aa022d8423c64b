import * as fs from 'node:fs';
import { type CreateClusterOptions, createClusters, createProblems } from '../commands/create-cluster';
import { checkRepoDir } from '../commands/repo-dir';
import { InterruptedError, UsageError } from '../core/errors';
import { summarize, writes } from '../core/plan';
import { readStrictYaml } from '../core/yaml';
import {
  type AnswerKey,
  AnswersFileSchema,
  answerKeyForPath,
  type ClusterAnswers,
  ClusterAnswersSchema,
  flagForPath,
  parseNodeSpec,
  parseSet,
} from '../model/answers';
import { CLUSTER_FIELDS, type ClusterField, fieldOfKey, optionName } from '../model/cluster-fields';
import { loadPlatform } from '../model/platform-file';
import type { PlatformSpec } from '../model/schema';
import type { Io } from './common';
import type { CreateFlags } from './create-flags';

/** A field's flag value as commander hands it over (a repeated flag as a list). */
function flagValue(flags: CreateFlags, f: ClusterField): string | string[] | undefined {
  return (flags as unknown as Record<string, string | string[] | undefined>)[optionName(f.flag)];
}

/** A field's flag value as its answer: an integer or the node list read from the text; the rest as typed. */
function flagAnswer(f: ClusterField, value: string | string[]): unknown {
  if (f.kind === 'nodes') return (value as string[]).map(parseNodeSpec);
  if (f.kind === 'int') {
    if (!/^\d+$/.test(value as string))
      throw new UsageError(`${f.flag} ${JSON.stringify(value)}: must be ${f.intRule}`);
    return Number(value);
  }
  return value;
}

function flagsToAnswers(name: string, f: CreateFlags): ClusterAnswers {
  const raw: Record<string, unknown> = { name };
  for (const field of CLUSTER_FIELDS) {
    const value = flagValue(f, field);
    if (value !== undefined) raw[field.key] = flagAnswer(field, value);
  }
  if (f.set) raw.settings = parseSet(f.set);
  const parsed = ClusterAnswersSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      'invalid flags (nothing was written)',
      parsed.error.issues.map((i) => {
        const key = String(i.path[0]);
        const flag = fieldOfKey(key)?.flag ?? `--${key}`;
        return `${flag}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}

/**
 * The YAML of an --answers file: a syntax error, a duplicate key or an alias (which could expand into a YAML bomb;
 * an answers file writes every value out) is refused as `--answers <file>:<line>: …`.
 */
function parseAnswersYaml(file: string, text: string): unknown {
  const at = (line: number) => `--answers ${file}:${line}`;
  const { doc, errors, alias } = readStrictYaml(text);
  if (errors.length) {
    const [first, ...more] = errors;
    const others = more.slice(0, 4).map((e) => `${at(e.line)}: ${e.message}`);
    throw new UsageError(`${at(first.line)}: ${first.message} (not valid YAML; nothing was written)`, others);
  }
  if (alias) {
    throw new UsageError(
      `${at(alias.line)}: alias *${alias.source} is not supported in an answers file; write the value out where it is used (nothing was written)`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    throw new UsageError(`--answers ${file}: ${(e as Error).message} (nothing was written)`);
  }
}

/** An answers file is a few clusters of short values; anything larger is not one (or is /dev/zero). */
export const ANSWERS_MAX_BYTES = 1024 * 1024;

/**
 * Read an --answers file: only a regular file of at most ANSWERS_MAX_BYTES is read, so a device (/dev/zero), a
 * FIFO that nobody writes to, or a folder is refused at once instead of being read forever.
 */
export function readAnswersText(file: string): string {
  const refuse = (why: string) => new UsageError(`--answers ${file}: ${why}; pass a YAML file (nothing was written)`);
  let fd: number;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw refuse('is a folder');
    if (!st.isFile())
      throw refuse(
        `is not a regular file ` +
          `(${st.isFIFO() ? 'a pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'a special file'})`,
      );
    if (st.size > ANSWERS_MAX_BYTES)
      throw refuse(`is ${st.size} bytes, more than an answers file can be (${ANSWERS_MAX_BYTES} bytes)`);
    // Non-blocking: should it have been swapped for a FIFO since the stat, the open does not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw refuse((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw refuse('is not a regular file');
    const buf = Buffer.alloc(ANSWERS_MAX_BYTES + 1);
    let n = 0;
    for (let r: number; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > ANSWERS_MAX_BYTES)
      throw refuse(`is more than ${ANSWERS_MAX_BYTES} bytes, more than an answers file can be`);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function readAnswersFile(file: string): ClusterAnswers[] {
  const text = readAnswersText(file);
  const parsed = AnswersFileSchema.safeParse(parseAnswersYaml(file, text));
  if (!parsed.success) {
    throw new UsageError(
      `--answers ${file} does not match the schema`,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data.clusters;
}

/** Non-interactive without --yes: every value must be given; list the flags that are missing. */
function requireAll(a: ClusterAnswers, existing: boolean): void {
  if (existing) return;
  const missing = CLUSTER_FIELDS.filter((f) => a[f.key] === undefined).map((f) => f.flag);
  if (missing.length) {
    throw new UsageError(
      `cluster ${a.name}: not asking (no terminal, CI=true or --no-interactive), so these values are required (or pass --yes to take the defaults)`,
      missing,
    );
  }
}

/** --stories a,b --stories c | --stories all, and --approve (which needs --stories). */
function storiesFlag(flags: CreateFlags): { ids: string[] | 'all'; approve?: boolean } | undefined {
  if (!flags.stories) {
    if (flags.approve)
      throw new UsageError('--approve goes with --stories (to approve stories already added use platform-kit approve)');
    return undefined;
  }
  const ids = flags.stories
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (ids.includes('all')) {
    if (ids.length > 1) throw new UsageError('--stories: pass story ids or all, not both');
    return { ids: 'all', approve: flags.approve };
  }
  if (!ids.length) throw new UsageError('--stories: no story id given (STORY-…, comma-separated, or all)');
  return { ids, approve: flags.approve };
}

/** How often the prompts ask again for what the whole-platform validation still refuses before giving up. */
const REASK_ROUNDS = 5;

/**
 * On a terminal: ask for what flags did not give (each answer checked at its prompt); when the whole platform still
 * does not validate (flags given on the command line, stories), ask again only for the fields it names; then show
 * a summary and confirm (Enter = yes) before anything is written. No, or Ctrl-C: "cancelled, nothing written".
 */
async function askAndConfirm(
  root: string,
  given: ClusterAnswers[],
  flags: CreateFlags,
  spec: PlatformSpec | undefined,
  stories: CreateClusterOptions['stories'],
  io: Io,
): Promise<ClusterAnswers[]> {
  const { askClusters, confirmWrite, reaskFields, summaryLines } = await import('./prompts');
  let clusters = await askClusters(given, flags, spec);
  for (let round = 0; round < REASK_ROUNDS; round++) {
    const problems = createProblems({ dir: root, clusters, stories });
    const wrong = new Map<string, AnswerKey[]>();
    for (const p of problems) {
      const name = /^clusters\.([^.[]+)/.exec(p.path)?.[1];
      const key = answerKeyForPath(p.path);
      if (!name || !key || spec?.clusters[name] || !clusters.some((c) => c.name === name)) continue;
      wrong.set(name, [...new Set([...(wrong.get(name) ?? []), key])]);
    }
    // Nothing a prompt can fix: createClusters reports every problem.
    if (!wrong.size) break;
    io.err(
      `these values do not fit the rest of the platform; asking again for ` +
        `them:\n${problems.map((p) => `  - ${p.path}${flagForPath(p.path) ? ` (${flagForPath(p.path)})` : ''}: ${p.message}`).join('\n')}`,
    );
    clusters = await reaskFields(clusters, wrong, spec);
  }
  if (flags.dryRun) return clusters;
  const preview = createClusters({ dir: root, clusters, dryRun: true, stories });
  const s = summarize(preview.plan);
  const lines = [
    ...clusters.filter((c) => preview.added.includes(c.name)).flatMap((c) => summaryLines(c, spec)),
    ...(stories
      ? [
          `stories: ${stories.ids === 'all' ? 'all of the catalog' : stories.ids.join(', ')}${stories.approve ? ' (approved)' : ' (draft)'}`,
        ]
      : []),
    `files: ${s.CREATE} to create, ${s.UPDATE} to update, ${s.DELETE} to delete in ${root}`,
  ];
  io.out(lines.join('\n'));
  if (writes(preview.plan).length === 0) return clusters;
  if (!(await confirmWrite(`Write ${s.CREATE + s.UPDATE + s.DELETE} files to ${root}?`))) throw new InterruptedError();
  return clusters;
}

export async function runCreate(names: string[], flags: CreateFlags, io: Io, interactive: boolean): Promise<number> {
  const root = checkRepoDir(flags.dir);
  let clusters: ClusterAnswers[];
  if (flags.answers) {
    if (names.length) throw new UsageError('pass cluster names or --answers, not both');
    clusters = readAnswersFile(flags.answers);
  } else {
    if (names.length > 1) {
      const used = CLUSTER_FIELDS.filter((f) => f.perCluster && flagValue(flags, f) !== undefined).map((f) => f.flag);
      if (used.length)
        throw new UsageError(`${used.join(', ')} set one cluster's values; with several names use --answers`);
    }
    if (names.length === 0 && !interactive)
      throw new UsageError('missing cluster NAME (e.g. create-platform-cluster infra --yes)');
    clusters = names.map((n) => flagsToAnswers(n, flags));
  }
  const platform = loadPlatform(root);
  const stories = storiesFlag(flags);
  if (interactive) {
    clusters = await askAndConfirm(root, clusters, flags, platform?.spec, stories, io);
  } else if (!flags.yes) {
    for (const a of clusters) requireAll(a, Boolean(platform?.spec.clusters[a.name]));
  }
  const result = createClusters({ dir: root, clusters, dryRun: flags.dryRun, stories });
  const { addedSettingValues, nextSteps } = await import('../commands/outcome');
  const out = await import('./output');
  const paint = out.stdoutPaint();
  io.out(out.formatPlanReport(result.plan, { dryRun: flags.dryRun, verbose: flags.verbose, paint }));
  const settings = out.formatSettings(addedSettingValues(result.plan, result.settingsAdded), paint);
  if (settings.length) io.out(settings.join('\n'));
  if (flags.dryRun) {
    io.out('dry run: nothing was written');
  } else if (result.written) {
    io.out(
      `${out.wroteLine(result.plan)} in ${root}` +
        (result.added.length ? ` (added cluster${result.added.length > 1 ? 's' : ''} ${result.added.join(', ')})` : ''),
    );
    const next = result.added.length ? nextSteps(result.plan, result.added) : undefined;
    if (next) io.out(out.formatNextSteps(next, paint).join('\n'));
  } else {
    io.out('nothing to do: the repository already matches platform.yaml');
  }
  const { reportUnresolved } = await import('./story-run');
  return reportUnresolved(io, result.plan, flags.dryRun);
}
