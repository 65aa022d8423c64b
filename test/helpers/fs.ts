import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export function tmpDir(prefix = 'cpc-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A folder `repo` in a new temporary folder holding `files` (repository path -> text); returns its path. */
export function writeTree(files: Record<string, string>, prefix = 'cpc-tree-'): string {
  const dir = path.join(tmpDir(prefix), 'repo');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Every file under dir (relative path -> sha256 of its bytes), plus every folder (-> 'dir'), for byte-identity checks. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      const rel = path.relative(dir, abs);
      if (e.isDirectory()) {
        out[rel + '/'] = 'dir';
        walk(abs);
      } else if (e.isSymbolicLink()) out[rel] = 'link:' + fs.readlinkSync(abs);
      else out[rel] = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run one of the package's real bins as package.json "bin" names them: its bundle (built by the global setup). */
export function cli(
  bin: 'create-platform-cluster' | 'platform-kit' | 'add-story',
  args: string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): CliResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'lib', 'bundle', `${bin}.js`), ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...opts.env },
    timeout: 60_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
