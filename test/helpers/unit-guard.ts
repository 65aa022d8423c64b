/**
 * Setup of the unit project: its tests run in process. Starting node (a bin of lib/cli), kubectl or python from one
 * throws, naming the test's place: such a test belongs in the e2e project (any test/*.test.ts outside test/unit/).
 * git stays allowed: the library itself asks git for the work tree's status.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';

const REFUSED = new Set(['node', 'kubectl', 'python3', 'python', 'npm', 'npx', 'tsc']);

function refused(command: unknown): boolean {
  if (typeof command !== 'string') return false;
  if (command === process.execPath) return true;
  const name = path.basename(command.trim().split(/\s+/)[0] ?? '');
  return REFUSED.has(name);
}

type Fn = (...args: unknown[]) => unknown;
// The CommonJS exports object of the builtin: what require('node:child_process') and, after the sync, imports see.
const target = createRequire(__filename)('node:child_process') as Record<string, Fn>;
// The unit project shares one module cache per worker (isolate: false), so this runs once per file: wrap once.
const GUARDED = Symbol.for('create-platform-cluster.unit-guard');
for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']) {
  const original = target[name];
  if ((original as unknown as Record<symbol, boolean>)[GUARDED]) continue;
  target[name] = function guarded(this: unknown, ...args: unknown[]) {
    const command = name === 'fork' ? process.execPath : args[0];
    if (refused(command)) {
      const where = 'unit tests run in process: move the test to the e2e project (test/*.test.ts outside test/unit/)';
      throw new Error(`a unit test started ${String(command)} (${name}); ${where}`);
    }
    return original.apply(this, args);
  };
  (target[name] as unknown as Record<symbol, boolean>)[GUARDED] = true;
}
syncBuiltinESMExports();
