import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import type { UsageError } from '../src/core/errors';
import { tmpDir } from './helpers/fs';

/** Every call of the whole-model validation, counted (the module is the real one). */
const validations = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/model/validate', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/model/validate')>();
  return {
    ...real,
    validatePlatform: (...args: Parameters<typeof real.validatePlatform>) => {
      validations.count++;
      return real.validatePlatform(...args);
    },
  };
});

// The e2e files share each worker's modules (isolate: false), so the library may be loaded already, unmocked:
// load it afresh, after the mock, for this file.
let createClusters: typeof import('../src/commands/create-cluster')['createClusters'];
let addedSettingValues: typeof import('../src/commands/outcome')['addedSettingValues'];
let storyStates: typeof import('../src/commands/outcome')['storyStates'];
let regenerate: typeof import('../src/commands/regenerate')['regenerate'];
let session: typeof import('../src/commands/session')['session'];
let addStories: typeof import('../src/commands/stories')['addStories'];
let upToDate: typeof import('../src/commands/up-to-date')['upToDate'];
let ConflictError: typeof import('../src/core/errors')['ConflictError'];
let LOCK_FILE: typeof import('../src/core/lock')['LOCK_FILE'];
let writes: typeof import('../src/core/plan')['writes'];
let setStoryState: typeof import('../src/model/platform-file')['setStoryState'];
beforeAll(async () => {
  vi.resetModules();
  ({ createClusters } = await import('../src/commands/create-cluster'));
  ({ addedSettingValues, storyStates } = await import('../src/commands/outcome'));
  ({ regenerate } = await import('../src/commands/regenerate'));
  ({ session } = await import('../src/commands/session'));
  ({ addStories } = await import('../src/commands/stories'));
  ({ upToDate } = await import('../src/commands/up-to-date'));
  ({ ConflictError } = await import('../src/core/errors'));
  ({ LOCK_FILE } = await import('../src/core/lock'));
  ({ writes } = await import('../src/core/plan'));
  ({ setStoryState } = await import('../src/model/platform-file'));
});

/** The session (commands/session.ts): lock, load, validate, generate, commit, for every command that writes. */
describe('session', () => {
  let base: string;
  beforeAll(() => {
    base = path.join(tmpDir(), 'platform');
    createClusters({ dir: base, clusters: [{ name: 'infra' }] });
  });
  const copy = () => {
    const dir = path.join(tmpDir(), 'p');
    fs.cpSync(base, dir, { recursive: true });
    return dir;
  };

  it('holds the repository lock while the command works and leaves none behind', () => {
    const dir = copy();
    const held = session({ dir }, (s) => fs.existsSync(path.join(s.root, LOCK_FILE)));
    expect(held).toBe(true);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('read-only takes no lock and stops at a commit an earlier run left half-done', () => {
    const dir = copy();
    expect(session({ dir, readOnly: true }, (s) => fs.existsSync(path.join(s.root, LOCK_FILE)))).toBe(false);
    fs.mkdirSync(path.join(dir, '.platform', '.staging', 'x'), { recursive: true });
    expect(() => session({ dir, readOnly: true }, () => 0)).toThrow(ConflictError);
  });

  it('does not overwrite a platform.yaml saved after the command read it', () => {
    const dir = copy();
    const file = path.join(dir, 'platform.yaml');
    expect(() =>
      session({ dir }, (s) => {
        const pf = s.open(() => 'no platform.yaml');
        setStoryState(pf, 'STORY-BOOT-TALOS', { infra: 'draft' });
        fs.appendFileSync(file, '# saved while the command ran\n');
        return s.commit(pf, {});
      }),
    ).toThrow(ConflictError);
    expect(fs.readFileSync(file, 'utf8')).toContain('# saved while the command ran');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('STORY-BOOT-TALOS');
  });

  it('validates the platform once per command: after the edit, not at load and not again for the report', () => {
    const dir = copy();
    validations.count = 0;
    const r = addStories({ dir, ids: ['STORY-BOOT-TALOS'], dryRun: true });
    storyStates(r.plan, ['STORY-BOOT-TALOS']);
    addedSettingValues(r.plan, r.settingsAdded);
    expect(validations.count).toBe(1);
    validations.count = 0;
    regenerate({ dir, fast: false, dryRun: true });
    expect(validations.count).toBe(1);
  });

  it('an invalid platform.yaml on disk is what a failing command reports, with its lines, whatever failed next', () => {
    const dir = copy();
    const file = path.join(dir, 'platform.yaml');
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.setIn(['clusters', 'infra', 'network', 'gatewayIps', 'external'], '10.99.99.99');
    fs.writeFileSync(file, doc.toString());
    const before = fs.readFileSync(file, 'utf8');
    for (const ids of [['STORY-BOOT-TALOS'], ['STORY-NOT-THERE']]) {
      const error = (() => {
        try {
          addStories({ dir, ids });
        } catch (e) {
          return e as UsageError;
        }
        return undefined;
      })();
      expect(error?.message).toBe('platform.yaml is not valid');
      expect(error?.details.join('\n')).toMatch(
        /^platform\.yaml:\d+: clusters\.infra\.network\.gatewayIps\.external: /m,
      );
    }
    expect(() => regenerate({ dir, fast: false })).toThrow(/platform\.yaml is not valid/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});

/** regenerate's fast path lives in one place (up-to-date.ts upToDate), which regenerate() and the CLI both call. */
describe('upToDate', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(tmpDir(), 'platform');
    createClusters({ dir, clusters: [{ name: 'infra' }] });
  });

  it('answers "nothing to do" for an untouched repository, and regenerate() gives that answer', () => {
    const fast = upToDate({ dir });
    expect(fast).toMatchObject({ changed: false, written: false, unresolved: [] });
    expect(writes(fast!.plan)).toEqual([]);
    expect(regenerate({ dir }).plan).toEqual(fast!.plan);
  });

  it('declines when other templates are asked for or the fast path is turned off', () => {
    expect(upToDate({ dir, fast: false })).toBeUndefined();
    expect(upToDate({ dir, templateRoots: [dir] })).toBeUndefined();
  });

  it('with a half-done commit: --check stops, a writing run declines (and regenerate recovers it under the lock)', () => {
    const staging = path.join(dir, '.platform', '.staging');
    fs.mkdirSync(staging, { recursive: true });
    fs.writeFileSync(path.join(staging, 'journal.json'), '{}');
    expect(() => upToDate({ dir, check: true })).toThrow(/an interrupted commit is pending/);
    expect(upToDate({ dir })).toBeUndefined();
    fs.rmSync(staging, { recursive: true, force: true });
  });
});
