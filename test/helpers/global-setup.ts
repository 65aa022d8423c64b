import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/** The CLI tests run the real bins from lib/: compile once before the suite, with the build's post-compile step. */
export default function setup(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  // lib/built/: the precompiled templates and the validated catalog the package ships (not committed).
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-assets.mjs')], { cwd: root, stdio: 'ignore' });
}
