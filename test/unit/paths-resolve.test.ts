// core/paths.ts resolveInside: the absolute path path.resolve gives, without path.resolve per call, and every path
// that could leave the repository refused.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInside } from '../../src/core/paths';

describe('resolveInside (core/paths.ts)', () => {
  const RELS = ['a', 'a/b/c.yaml', '.platform/base/x', 'x..y/z', '...', 'a/.hidden', 'sp ace/ü.yaml'];
  const ROOTS = ['/tmp/repo', '/tmp/repo/', '/', 'relative/repo', '.', './r/../s', '/tmp/a/../b'];

  it.each(ROOTS)('root %s: what path.resolve(root, rel) gives, for each safe path', (root) => {
    for (const rel of RELS) expect(resolveInside(root, rel), rel).toBe(path.resolve(root, rel));
  });

  it('follows the working folder for a relative root (a chdir between calls)', () => {
    const was = process.cwd();
    try {
      process.chdir('/');
      expect(resolveInside('r', 'a')).toBe('/r/a');
      process.chdir('/tmp');
      expect(resolveInside('r', 'a')).toBe('/tmp/r/a');
    } finally {
      process.chdir(was);
    }
  });

  it.each(['', '/abs', '../up', 'a/../../up', 'a/./b', 'a//b', 'a/', 'a\\\\b', 'C:x', 'a\u0000b', 'x'.repeat(1025)])(
    '%j is refused',
    (rel) => {
      expect(() => resolveInside('/tmp/repo', rel)).toThrow(/unsafe path/);
    },
  );
});
