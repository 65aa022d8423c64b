import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two projects (README "Development"):
 * - unit: in process, on the library and in-memory trees or temp folders; no compiled CLI, no kubectl, no terminal.
 *   No build either (nothing to compile), so `npx vitest run --project unit` is the seconds-long inner loop.
 *   Its files share each worker's module cache (isolate: false): loading the library, catalog and templates once per
 *   worker instead of once per file is a third of the project's CPU time. Its tests restore what they stub.
 *   test/helpers/unit-guard.ts makes a unit test that spawns a bin, node, kubectl or python fail with a message.
 * - e2e: where the process is the subject (the bins, prompts in a pty, the kill test, kubectl builds, npm pack),
 *   and scenarios too heavy for unit's budget even in process (regenerate's matrix); the bins are compiled once
 *   into lib/ by the global setup. Its files share each worker's modules too (isolate: false: the import time of the
 *   suite went from ~50 s to ~13 s); the one file that mocks a module (spine-session) loads the library afresh.
 * Both start with test/helpers/temp-root.ts: the run's temporary files go in one folder removed at its end.
 * A test file belongs to unit when it lives under test/unit/ (or src/); every other test/*.test.ts is e2e.
 */
const UNIT = ['test/unit/**/*.test.ts', 'src/**/*.test.ts'];

export default defineConfig({
  test: {
    // vitest's own default is one core less than the machine has: on a 2-core machine that is one file at a time.
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report is what .ci/run counts (vitest's own summary is not read by CI).
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          globalSetup: ['./test/helpers/temp-root.ts'],
          setupFiles: ['./test/helpers/unit-guard.ts'],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          globalSetup: ['./test/helpers/temp-root.ts', './test/helpers/global-setup.ts'],
          isolate: false,
        },
      },
    ],
  },
});
