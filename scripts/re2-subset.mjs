// The part of RE2 the bundled schemas need, on JavaScript's RegExp (bundled into precompiled/schemas.cjs in
// place of re2-wasm, an 860 KB WebAssembly module the schema packages load for patterns JavaScript cannot read).
//
// The only RE2 syntax those patterns use is a leading `(?i)` (case-insensitive from there to the end), which is
// JavaScript's `i` flag. Anything else RE2-only throws when the pattern is compiled, which `npx projen schemas`
// does for every pattern of the bundle: a kind added to src/check/schema.ts with a pattern this cannot read fails
// the build, never a user's check.
const LEADING_IGNORE_CASE = /^(\^?)\(\?i\)/;

export default class RE2Subset {
  constructor(source, flags = '') {
    let src = String(source);
    let extra = '';
    const m = LEADING_IGNORE_CASE.exec(src);
    if (m) {
      src = m[1] + src.slice(m[0].length);
      extra = 'i';
    }
    if (/\(\?[a-zA-Z-]/.test(src.replace(/\\./g, ''))) {
      throw new Error(`schema bundle: RE2 pattern not supported by the RegExp subset: ${source}`);
    }
    this.source = source;
    this.regexp = new RegExp(src, [...new Set(flags + extra)].join(''));
  }

  test(value) {
    this.regexp.lastIndex = 0;
    return this.regexp.test(value);
  }
}
