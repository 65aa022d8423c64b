import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** The CLI tests run the real bins from lib/: compile once before the suite. */
export default function setup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}
