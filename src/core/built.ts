import * as fs from 'node:fs';

/**
 * A reader of one of the files the build writes into lib/built/ (never committed): at its own place it is read at most
 * once per process, and absent (running from src/, or a lib/ built by a bare tsc) it is undefined, so the caller does
 * the work at run time instead; at any other path (a test's) it is read at each call.
 */
export function builtFile<T>(ownFile: string, load: (file: string) => T): (file?: string) => T | undefined {
  let memo: { value: T | undefined } | undefined;
  const read = (file: string) => (fs.existsSync(file) ? load(file) : undefined);
  return (file = ownFile) => {
    if (file !== ownFile) return read(file);
    memo ??= { value: read(file) };
    return memo.value;
  };
}

/** A JSON file of the build. */
export const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
