// platform.yaml is read with the tool's one strict YAML reader (core/yaml.ts readStrictYaml): a duplicate key, a
// syntax error and an alias are bad input with the file, the line and (for an alias) the field; the on-disk text the
// formatting keeper compares is read the same way.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors';
import { readStrictYaml } from '../../src/core/yaml';
import { defaultCluster } from '../../src/model/defaults';
import {
  keepFormatting,
  loadPlatform,
  newPlatform,
  parsePlatform,
  platformToString,
  setCluster,
} from '../../src/model/platform-file';

/** platform.yaml of one cluster `dev` with every default, as the tool writes it. */
function platformText(): string {
  const pf = newPlatform();
  setCluster(pf, 'dev', defaultCluster(pf.spec, 'dev'));
  return platformToString(pf);
}

/** `text` with `from` replaced once; fails when `from` is not there, so a change of the tool's text cannot void a test. */
function edited(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineWith(text: string, needle: string): number {
  const at = text.split('\n').findIndex((l) => l.includes(needle));
  expect(at, needle).toBeGreaterThanOrEqual(0);
  return at + 1;
}

/** The UsageError parsePlatform throws for `text` (failing the test when it throws none or another error). */
function refusal(text: string, file?: string): UsageError {
  try {
    parsePlatform(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('parsePlatform accepted the text');
}

describe('tidy: platform.yaml through the strict YAML reader', () => {
  const base = platformText();

  it('reads the text the tool writes', () => {
    expect(Object.keys(parsePlatform(base).spec.clusters)).toEqual(['dev']);
  });

  it('refuses a duplicate key, naming the file and the line of the second key', () => {
    const text = edited(base, '    role: apps\n', '    role: apps\n    role: infra # again\n');
    const e = refusal(text);
    expect(e.message).toBe('platform.yaml is not valid YAML');
    expect(e.details).toEqual([`platform.yaml:${lineWith(text, '# again')}: Map keys must be unique`]);
  });

  it('refuses a syntax error at its line, under the file name it was given, and lists at most five errors', () => {
    const text = edited(base, '    domain: dev.example.com\n', '    domain: dev.example.com: x\n');
    const e = refusal(text, 'clusters/platform.yaml');
    expect(e.message).toBe('clusters/platform.yaml is not valid YAML');
    expect(e.details).toEqual([
      `clusters/platform.yaml:${lineWith(text, 'dev.example.com: x')}: Nested mappings are not allowed in compact mappings`,
    ]);
    const many = refusal(`${base}${['a: 1', 'a: 2', 'a: 3', 'a: 4', 'a: 5', 'a: 6', 'a: 7'].join('\n')}\n`);
    const first = lineWith(base, 'stories: {}') + 2;
    expect(many.details).toEqual([0, 1, 2, 3, 4].map((i) => `platform.yaml:${first + i}: Map keys must be unique`));
  });

  it('refuses an alias with its line and field, in a map and in a list', () => {
    const inMap = edited(
      edited(base, 'podCidr: 10.244.0.0/16', 'podCidr: &pod 10.244.0.0/16'),
      'serviceCidr: 10.245.0.0/16',
      'serviceCidr: *pod',
    );
    const e = refusal(inMap);
    expect(e.message).toBe('platform.yaml uses a YAML alias');
    const line = lineWith(inMap, '*pod');
    const why = 'alias *pod is not supported in platform.yaml; write the value out where it is used';
    expect(e.details).toEqual([`platform.yaml:${line}: clusters.dev.network.serviceCidr: ${why}`]);
    const second =
      '      - name: dev-cp-2\n        ip: 192.168.1.12\n        controlPlane: true\n        installDisk: /dev/sda\n';
    const inList = edited(
      edited(base, second, '      - *cp\n'),
      '      - name: dev-cp-1',
      '      - &cp\n        name: dev-cp-1',
    );
    expect(refusal(inList).details[0]).toMatch(
      new RegExp(`^platform\\.yaml:${lineWith(inList, '*cp')}: clusters\\.dev\\.nodes\\[1\\]: alias \\*cp `),
    );
  });

  it('says an empty file (or one of comments only) is empty', () => {
    for (const text of ['', '# nothing here\n']) {
      const e = refusal(text);
      expect(e.message).toBe('platform.yaml is empty');
      expect(e.details[0]).toMatch(/^platform\.yaml:1: \(root\): /);
    }
  });

  it('loadPlatform reads a CRLF file from disk with the same reader and the same lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidy-platform-yaml-'));
    try {
      const text = edited(base, '    role: apps\n', '    role: apps\n    role: infra # again\n');
      fs.writeFileSync(path.join(dir, 'platform.yaml'), text.replace(/\n/g, '\r\n'));
      expect(() => loadPlatform(dir)).toThrow(UsageError);
      expect(() => loadPlatform(dir, { validate: false })).toThrow(/is not valid YAML/);
      try {
        loadPlatform(dir);
      } catch (e) {
        expect((e as UsageError).details).toEqual([
          `platform.yaml:${lineWith(text, '# again')}: Map keys must be unique`,
        ]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a hand-formatted file only when it reads strictly: a duplicate key means the tool writes its own text', () => {
    const commented = edited(base, 'role: apps', 'role: apps # mine');
    expect(keepFormatting(commented, base)).toBe(commented);
    // The same values but `role` given twice (the last one equal to the tool's): not kept.
    const doubled = edited(base, '    role: apps\n', '    role: infra\n    role: apps\n');
    expect(keepFormatting(doubled, base)).toBe(base);
  });

  it('readStrictYaml gives an alias its path from the root, and the line counter for later lines', () => {
    const r = readStrictYaml('a:\n  - &x 1\n  - b: *x\n');
    expect(r.errors).toEqual([]);
    expect(r.alias).toEqual({ source: 'x', line: 3, path: ['a', 1, 'b'] });
    expect(r.lc.linePos(r.doc.range[1]).line).toBe(4);
  });
});
