/**
 * createTreeWithPlatform(): a GitOps repository with a platform.yaml, made in process by the library (no CLI), the
 * way `create-platform-cluster NAMES --yes` makes it. Each set of clusters is scaffolded once per test file and
 * copied for each caller, so a test gets its own repository in milliseconds and may break it as it likes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClusters } from '../../src/commands/create-cluster';
import { tmpDir } from './fs';
import { createInProcess } from './in-process';

const made = new Map<string, string>();

/** A fresh copy of the repository of clusters `names` (defaults for every value), in a new temp folder. */
export function createTreeWithPlatform(names: string[] = ['infra']): string {
  const key = names.join(',');
  let original = made.get(key);
  if (!original) {
    original = path.join(tmpDir('cpc-tree-original-'), 'platform');
    createClusters({ dir: original, clusters: names.map((name) => ({ name })) });
    made.set(key, original);
  }
  const dir = path.join(tmpDir('cpc-tree-'), 'platform');
  fs.cpSync(original, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

/** Rewrite platform.yaml of dir through `edit`; returns the text it had. */
export function editPlatformYaml(dir: string, edit: (text: string) => string): string {
  const file = path.join(dir, 'platform.yaml');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, edit(text));
  return text;
}

const scaffolded = new Map<string, Promise<string>>();

/**
 * A fresh copy of what `create-platform-cluster ARGS --dir <new folder>` writes, the command run in process once per
 * ARGS and test file (stories, --approve and all), for tests whose subject is what comes after the scaffold.
 */
export async function scaffoldCopy(args: string[]): Promise<string> {
  const key = JSON.stringify(args);
  let original = scaffolded.get(key);
  if (!original) {
    const dir = path.join(tmpDir('cpc-scaffold-original-'), 'p');
    original = createInProcess([...args, '--dir', dir]).then((r) => {
      if (r.status !== 0) throw new Error(`create-platform-cluster ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      return dir;
    });
    scaffolded.set(key, original);
  }
  const dir = path.join(tmpDir('cpc-scaffold-'), 'p');
  fs.cpSync(await original, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}
