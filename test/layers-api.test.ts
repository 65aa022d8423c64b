// The public API: src/index.ts exports the commands, the generator and their types, not every layer; package.json's
// `exports` map lets require('create-platform-cluster') in and keeps deep imports of lib/ out.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src';

const ROOT = path.resolve(__dirname, '..');

/** What each CLI command calls: a library user gets the same function. */
const COMMANDS = [
  'createClusters',
  'addStory',
  'addStories',
  'approveStory',
  'approveStories',
  'unapproveStory',
  'unapproveStories',
  'listStories',
  'regenerate',
  'check',
  'checkFlux',
  'diffRepo',
  'buildPlan',
  'renderPlan',
  'gateStaticWithCheck',
  'gateLive',
];

/** Layer internals the old index re-exported: reachable from their modules, no longer the API. */
const INTERNALS = [
  'computePlan',
  'formatPlan',
  'summarize',
  'writes',
  'commitChanges',
  'gitMergeFile',
  'similarity',
  'BASE_DIR',
  'unresolved',
  'quoteScalar',
  'findVariables',
  'substitute',
  'VARIABLES',
  'unmetDependencies',
  'approvedDependents',
  'missingDependencies',
  'bookkeeping',
  'conflictReport',
  'nextSteps',
  'placeholders',
  'storyStates',
  'templateRootsOf',
  'OVERRIDES_DIR',
  'findClusters',
  'DEFAULT_CLUSTER_PATHS',
  'formatCheck',
  'formatGraph',
  'planFindings',
  'lintStoryLine',
  'applyAnswers',
  'wiredComponents',
  'renderedComponents',
  'storyComponentsFor',
  'defaultTargets',
  'validateStories',
  'checkCatalog',
];

describe('layers: the public API (src/index.ts)', () => {
  it('exports a function for every command of the three CLIs', () => {
    const api_ = api as Record<string, unknown>;
    expect(COMMANDS.filter((n) => typeof api_[n] !== 'function')).toEqual([]);
  });

  it('exports none of the layer internals, and far fewer names than the ~75 of every layer', () => {
    const names = Object.keys(api);
    expect(names.filter((n) => INTERNALS.includes(n))).toEqual([]);
    expect(names.length).toBeLessThanOrEqual(40);
    expect(names.filter((n) => (api as Record<string, unknown>)[n] === undefined)).toEqual([]);
  });

  it('check is platform-kit check (the platform.yaml rules added); checkFlux is the check of any Flux repository', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-api-'));
    try {
      api.createClusters({ dir, clusters: [{ name: 'dev' }] });
      const text = fs.readFileSync(path.join(dir, api.PLATFORM_FILE), 'utf8');
      // A credential in platform.yaml's settings: only the platform rule (command layer) reads that file.
      fs.writeFileSync(
        path.join(dir, api.PLATFORM_FILE),
        text.replace(/^ {2}dev:\n/m, '  dev:\n    settings:\n      DB_PASSWORD: hunter2\n'),
      );
      const codes = async (f: typeof api.check) =>
        (await f({ dir })).findings.filter((x) => x.file === api.PLATFORM_FILE).map((x) => x.code);
      expect(await codes(api.check)).toContain('SETTING_CREDENTIAL');
      expect(await codes(api.checkFlux)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('layers: the package exports map', () => {
  // The package as a dependency of another project: node_modules/create-platform-cluster -> this checkout.
  let consumer: string;
  let req: NodeRequire;
  beforeAll(() => {
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-consumer-'));
    fs.mkdirSync(path.join(consumer, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(consumer, 'node_modules', 'create-platform-cluster'), 'dir');
    req = createRequire(path.join(consumer, 'index.js'));
  });
  afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

  it("require('create-platform-cluster') loads lib/index.js, with the commands", () => {
    expect(fs.realpathSync(req.resolve('create-platform-cluster'))).toBe(path.join(ROOT, 'lib', 'index.js'));
    expect(typeof req('create-platform-cluster').createClusters).toBe('function');
  });

  it('the JSON Schema of platform.yaml and package.json resolve; a deep import of lib/ is refused', () => {
    expect(fs.realpathSync(req.resolve('create-platform-cluster/schemas/platform.schema.json'))).toBe(
      path.join(ROOT, 'schemas', 'platform.schema.json'),
    );
    expect(req('create-platform-cluster/package.json').name).toBe('create-platform-cluster');
    expect(() => req.resolve('create-platform-cluster/lib/core/plan')).toThrow(
      expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
    );
  });
});
