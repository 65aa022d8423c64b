import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../core/errors';

/** The GitOps repository's package.json: it pins the tool as a dev dependency (npm ci && npx platform-kit check). */
export const REPO_PACKAGE_FILE = 'package.json';

/** The npm package of the tool (its bins: create-platform-cluster, platform-kit). */
export const TOOL_PACKAGE = 'create-platform-cluster';

/** The tool's own engines.node (what the repository needs to run it), read from the package the code runs from. */
export function toolNodeEngine(): string | undefined {
  try {
    const own = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      engines?: { node?: unknown };
    };
    return typeof own.engines?.node === 'string' ? own.engines.node : undefined;
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The indentation the file uses (two spaces, four, a tab ...), as JSON.stringify takes it. */
function indentOf(text: string): string {
  const m = /^[{[]\s*\n([ \t]+)\S/.exec(text);
  return m ? m[1] : '  ';
}

/** Dependencies sorted by name, as npm writes them. */
function sorted(deps: Json): Json {
  return Object.fromEntries(
    Object.keys(deps)
      .sort()
      .map((k) => [k, deps[k]]),
  );
}

/**
 * The text of the repository's package.json. A new one: private, the tool's Node engines, and the tool pinned to
 * `version` as its only dev dependency. An existing one (a person's, or generated earlier and edited since) is edited
 * structurally, never re-rendered: every field stays as it is, only the tool's pin is added or moved to `version`
 * (in devDependencies, or in dependencies if the person put it there); when nothing changes the text is returned
 * byte for byte. A package.json that is not a JSON object is refused (nothing is written).
 */
export function repoPackageJson(
  existing: string | undefined,
  version: string,
  nodeEngine: string | undefined = toolNodeEngine(),
): string {
  if (existing === undefined) {
    const fresh: Json = {
      private: true,
      description:
        `Pins ${TOOL_PACKAGE} (platform-kit), which generated this repository: npm ci (npm install ` +
        `while there is no package-lock.json), then npx platform-kit check`,
      ...(nodeEngine ? { engines: { node: nodeEngine } } : {}),
      devDependencies: { [TOOL_PACKAGE]: version },
    };
    return JSON.stringify(fresh, null, 2) + '\n';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch (e) {
    throw new UsageError(
      `${REPO_PACKAGE_FILE} is not valid JSON (${(e as Error).message}); fix it or move it aside, then run again (nothing was written)`,
    );
  }
  if (!isObject(parsed))
    throw new UsageError(
      `${REPO_PACKAGE_FILE} must hold a JSON object (it pins ${TOOL_PACKAGE} in devDependencies); fix it or move it aside (nothing was written)`,
    );
  for (const field of ['dependencies', 'devDependencies'] as const) {
    if (parsed[field] !== undefined && !isObject(parsed[field]))
      throw new UsageError(
        `${REPO_PACKAGE_FILE}: "${field}" must be an object of package names to versions (nothing was written)`,
      );
  }
  const deps = parsed.dependencies as Json | undefined;
  const field = deps && deps[TOOL_PACKAGE] !== undefined ? 'dependencies' : 'devDependencies';
  const current = (parsed[field] as Json | undefined) ?? {};
  if (current[TOOL_PACKAGE] === version) return existing;
  const next: Json = { ...parsed, [field]: sorted({ ...current, [TOOL_PACKAGE]: version }) };
  return JSON.stringify(next, null, indentOf(existing)) + (existing.endsWith('\n') || existing === '' ? '\n' : '');
}
