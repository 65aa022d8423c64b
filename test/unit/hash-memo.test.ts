// core/manifest.ts sha256: a text is hashed once per process, and the answer is always the hash of that text.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HASH_MEMO_CHARS, hashMemoSize, sha256 } from '../../src/core/manifest';

const direct = (t: string | Buffer) => createHash('sha256').update(t).digest('hex');

describe('sha256 (core/manifest.ts)', () => {
  it('gives the hash of the text: equal texts built apart, UTF-8 beyond ASCII, the empty text, a Buffer', () => {
    const texts = ['', 'a: 1\n', 'a: 1\n', ['a', ': 1\n'].join(''), 'ä → ü\n', '\ud83d\ude00\n', 'x'.repeat(100_000)];
    for (const t of texts) expect(sha256(t), JSON.stringify(t.slice(0, 20))).toBe(direct(Buffer.from(t, 'utf8')));
    expect(sha256(Buffer.from('a: 1\n'))).toBe(direct('a: 1\n'));
  });

  it('stays right past the bound of what it remembers (more texts than it keeps)', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `file ${i}\n`);
    for (const t of many) sha256(t);
    for (const t of [many[0], many[5000], many[9999]]) expect(sha256(t)).toBe(direct(t));
  });

  it('keeps no more characters than its bound, however big the texts (the texts are its keys)', () => {
    const big = (c: string) => c.repeat(HASH_MEMO_CHARS / 4 + 1);
    for (const c of 'abcdefghij') {
      const t = big(c);
      expect(sha256(t)).toBe(direct(t));
      expect(hashMemoSize().chars).toBeLessThanOrEqual(HASH_MEMO_CHARS);
    }
    const huge = 'z'.repeat(HASH_MEMO_CHARS + 1);
    expect(sha256(huge)).toBe(direct(huge));
    expect(hashMemoSize().chars).toBeLessThanOrEqual(HASH_MEMO_CHARS);
  });
});
