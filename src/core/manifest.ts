import { createHash } from 'node:crypto';
import { UsageError } from './errors';
import { isSafeRelativePath } from './paths';

/** .platform/manifest.json: every file the tool generated, with the hash of what it wrote. */
export const MANIFEST_FILE = '.platform/manifest.json';

export interface Manifest {
  generator: string;
  version: string;
  /**
   * Fingerprint of everything the render that wrote these files depended on (core/fingerprint.ts). When it still
   * matches and every file and merge base has its recorded hash, a regenerate has nothing to do.
   */
  inputs?: string;
  files: Record<string, string>;
}

/**
 * The sha256 (hex) of a file's content. A text is hashed once per process however often it is asked for: a commit hashes
 * every file it writes for its journal right after the plan hashed them for the manifest, and a merge base has the
 * text of its file (a scaffold: ~1500 hashes of ~500 texts). Bounded in texts and in characters kept (the texts are
 * the keys), for a long-lived library user.
 */
export function sha256(content: string | Buffer): string {
  if (typeof content !== 'string') return createHash('sha256').update(content).digest('hex');
  let h = hashOfText.get(content);
  if (h === undefined) {
    h = createHash('sha256').update(content, 'utf8').digest('hex');
    if (hashOfText.size >= HASH_MEMO_TEXTS || keptChars + content.length > HASH_MEMO_CHARS) {
      hashOfText.clear();
      keptChars = 0;
    }
    if (content.length <= HASH_MEMO_CHARS) {
      hashOfText.set(content, h);
      keptChars += content.length;
    }
  }
  return h;
}

const hashOfText = new Map<string, string>();
let keptChars = 0;
const HASH_MEMO_TEXTS = 8192;
/** At most this many characters of texts are kept for the memo (a scaffold's ~500 texts are ~1.4 M). */
export const HASH_MEMO_CHARS = 32 * 1024 * 1024;

/** How much the memo keeps now (for its tests). */
export function hashMemoSize(): { texts: number; chars: number } {
  return { texts: hashOfText.size, chars: keptChars };
}

export function emptyManifest(version: string): Manifest {
  return { generator: 'create-platform-cluster', version, files: {} };
}

export function parseManifest(text: string | undefined, version: string): Manifest {
  if (text === undefined) return emptyManifest(version);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${MANIFEST_FILE} is not valid JSON; restore it from git`);
  }
  const m = raw as Partial<Manifest>;
  if (
    !m ||
    typeof m !== 'object' ||
    Array.isArray(m) ||
    typeof m.files !== 'object' ||
    m.files === null ||
    Array.isArray(m.files)
  ) {
    throw new UsageError(`${MANIFEST_FILE} has no "files" map; restore it from git`);
  }
  if (m.version !== undefined && typeof m.version !== 'string')
    throw new UsageError(`${MANIFEST_FILE}: "version" is not a string; restore it from git`);
  for (const [k, v] of Object.entries(m.files)) {
    // A hand-edited manifest must not make the tool delete or overwrite anything outside its own files.
    if (!isSafeRelativePath(k) || k.startsWith('.platform/'))
      throw new UsageError(
        `${MANIFEST_FILE}: ${JSON.stringify(k)} is not a path the tool generates; restore the file from git`,
      );
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))
      throw new UsageError(`${MANIFEST_FILE}: bad hash for ${k}; restore the file from git`);
  }
  if (m.inputs !== undefined && (typeof m.inputs !== 'string' || !/^[0-9a-f]{64}$/.test(m.inputs)))
    throw new UsageError(`${MANIFEST_FILE}: bad "inputs" fingerprint; restore the file from git`);
  return {
    generator: 'create-platform-cluster',
    version: String(m.version ?? version),
    ...(m.inputs ? { inputs: m.inputs } : {}),
    files: m.files,
  };
}

export function manifestToString(m: Manifest): string {
  const files: Record<string, string> = {};
  for (const k of Object.keys(m.files).sort()) files[k] = m.files[k];
  return (
    JSON.stringify(
      { generator: m.generator, version: m.version, ...(m.inputs ? { inputs: m.inputs } : {}), files },
      null,
      2,
    ) + '\n'
  );
}
