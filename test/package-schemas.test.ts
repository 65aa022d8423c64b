// precompiled/schemas.cjs (issue 16, item 1): the validators `platform-kit check` uses, bundled from the
// kubernetes-models packages at build time so the installed package does not need those packages.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { knownKinds, SCHEMA_BUNDLE, schemaModels, validateObject } from '../src/check/schema';
import { ROOT } from './helpers/fs';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

const bundle = (): Record<string, Validate> => require(SCHEMA_BUNDLE) as Record<string, Validate>;

/** The package's own validator of a schema (an ES module; the packages are development dependencies). */
function original(pkg: string, schema: string): Validate {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const file = path.join(dir, pkg, '_schemas', `${schema}.js`);
    if (fs.existsSync(file)) return (require(file) as { validate: Validate }).validate;
  }
  throw new Error(`${pkg} is not installed`);
}

describe('precompiled/schemas.cjs', () => {
  it('is up to date with the kinds of src/check/schema.ts and the installed model packages (npx projen schemas)', () => {
    const r = spawnSync(process.execPath, ['scripts/build-schemas.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('holds a validator for every schema of every kind the check knows, and requires no package', () => {
    const mod = bundle();
    const models = schemaModels();
    expect(models.length).toBeGreaterThan(0);
    // one schema per apiVersion/kind
    expect(models.length).toBe(knownKinds().length);
    for (const m of models) expect(typeof mod[m.schema], m.schema).toBe('function');
    // Self-contained: no require() left in the code (the only "require(" is inside a string Ajv keeps for codegen).
    const text = fs.readFileSync(SCHEMA_BUNDLE, 'utf8');
    const requires = [...text.matchAll(/(?<![`"'.\w])require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(requires).toEqual([]);
  });

  it("gives the same result and the same errors as the packages' own validators, kind by kind", () => {
    const mod = bundle();
    for (const m of schemaModels()) {
      const own = original(m.pkg, m.schema);
      const inputs: unknown[] = [
        {},
        'not an object',
        {
          apiVersion: 1,
          kind: ['x'],
          metadata: { name: 5, labels: { a: 1 }, annotations: 'x' },
          spec: { replicas: 'two', interval: 5, type: 'Nope', rules: 'x', ports: [{ port: 'x' }] },
        },
        { apiVersion: 'v1', kind: 'X', metadata: { name: 'ok' }, spec: {}, data: { a: 1 }, stringData: [] },
      ];
      for (const input of inputs) {
        const a = own(structuredClone(input));
        const aErrors = structuredClone(own.errors ?? null);
        const b = mod[m.schema](structuredClone(input));
        expect(b, m.schema).toBe(a);
        expect(structuredClone(mod[m.schema].errors ?? null), m.schema).toEqual(aErrors);
      }
    }
  });

  it('replaces re2-wasm by a RegExp subset that agrees with RE2 on the bundled patterns (PrometheusRule partial_response_strategy)', () => {
    const problems = (strategy: string) =>
      validateObject({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'r', namespace: 'm' },
        spec: {
          groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up == 0' }] }],
        },
      }).filter((p) => p.path.includes('partial_response_strategy'));
    for (const [value, ok] of [
      ['abort', true],
      ['WARN', true],
      ['Abort', true],
      ['', true],
      ['abortwarn', false],
      ['ignore', false],
    ] as const) {
      expect(problems(value).length === 0, value).toBe(ok);
    }
    // ...and the same answers as RE2 itself (re2-wasm, installed with the model packages in development).
    const text = fs.readFileSync(SCHEMA_BUNDLE, 'utf8');
    expect(text).toContain('^(?i)(abort|warn)?$');
    const { RE2 } = require('re2-wasm') as { RE2: new (s: string, f: string) => { test(v: string): boolean } };
    const re2 = new RE2('^(?i)(abort|warn)?$', 'u');
    for (const value of ['abort', 'WARN', 'Abort', '', 'abortwarn', 'ignore', 'warn ']) {
      expect(problems(value).length === 0, value).toBe(re2.test(value));
    }
  });

  it('the RegExp subset refuses RE2 syntax it cannot read instead of guessing', async () => {
    // @ts-expect-error: a plain .mjs script without types (the cast below types it)
    const { default: RE2Subset } = (await import('../scripts/re2-subset.mjs')) as {
      default: new (s: string, f?: string) => { test(v: string): boolean };
    };
    expect(new RE2Subset('^(?i)ab$', 'u').test('AB')).toBe(true);
    expect(new RE2Subset('^ab$', 'u').test('AB')).toBe(false);
    expect(() => new RE2Subset('^(a(?i)b)$', 'u')).toThrow(/not supported/);
    expect(() => new RE2Subset('^(?P<x>a)$', 'u')).toThrow(/not supported/);
  });
});
