// cli/common.ts exitWhenFlushed: a bin ends its process as soon as its command is done, never before its output is out.
import { describe, expect, it } from 'vitest';
import { exitWhenFlushed } from '../../src/cli/common';

/** A stream that holds what is written until release() (a pipe whose reader is slow, or one written asynchronously). */
function slowStream() {
  const waiting: (() => void)[] = [];
  const s = {
    destroyed: false,
    writableLength: 0,
    write(chunk: string, cb?: () => void): boolean {
      s.writableLength += chunk.length;
      waiting.push(() => {
        s.writableLength -= chunk.length;
        cb?.();
      });
      return false;
    },
    release() {
      for (const w of waiting.splice(0)) w();
    },
  };
  return s;
}

describe('exitWhenFlushed (cli/common.ts)', () => {
  it('exits only once every stream has written out what it held', async () => {
    const out = slowStream();
    const err = slowStream();
    out.write('the report\n');
    err.write('a warning\n');
    const exits: string[] = [];
    const done = exitWhenFlushed([out, err], () => exits.push('exit'));
    await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([]);
    out.release();
    await new Promise((r) => setTimeout(r, 5));
    expect(exits).toEqual([]);
    err.release();
    await done;
    expect(exits).toEqual(['exit']);
    expect(out.writableLength + err.writableLength).toBe(0);
  });

  it('exits at once when nothing is pending, and does not wait for a stream that was destroyed (its reader went away)', async () => {
    const idle = slowStream();
    const gone = slowStream();
    gone.write('never read\n');
    gone.destroyed = true;
    const exits: string[] = [];
    await exitWhenFlushed([idle, gone], () => exits.push('exit'));
    expect(exits).toEqual(['exit']);
  });
});
