// core/text-order.ts: what the tool writes and reports is sorted by code units, whatever the locale of the machine.
import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/core/text-order';

describe('compareText (core/text-order.ts)', () => {
  // Names a locale's collation orders otherwise: case, punctuation ignored or weighed, a Lithuanian "y" among the "i"s.
  const NAMES = [
    'b',
    'B',
    'a-b',
    'a/b',
    'ab',
    'a_b',
    'a.b',
    '_x',
    'Z',
    'y',
    'iz',
    '10',
    '9',
    'ä',
    'secret-key',
    'secret_key',
  ];

  it('is the code-unit order (what Array.prototype.sort gives strings)', () => {
    expect([...NAMES].sort(compareText)).toEqual([...NAMES].sort());
  });

  it('is not a locale collation: it differs from localeCompare on these names, so no locale decides the order', () => {
    expect([...NAMES].sort(compareText)).not.toEqual([...NAMES].sort((a, b) => a.localeCompare(b)));
  });

  it('is a total order: 0 only for equal text, and antisymmetric', () => {
    for (const a of NAMES)
      for (const b of NAMES) {
        expect(compareText(a, b) === 0).toBe(a === b);
        expect(compareText(a, b) + compareText(b, a)).toBe(0);
      }
  });
});
