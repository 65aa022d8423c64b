// `npx projen lint`, second step: no line of the hand-written code is longer than the developers' guide allows.
// Biome's formatter wraps code at 120 columns but never splits a string, a template literal or a comment, so the
// 160-character ceiling needs a check of its own. The files are the ones Biome checks: the `files.includes` globs of
// biome.jsonc (written by projen from .projenrc.ts), handed to `git ls-files` as pathspecs, so there is one list.
//
// Usage: node scripts/line-length.mjs MAX   (exit 0: none over, 1: lines listed on stderr, 2: bad usage)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const max = Number(process.argv[2]);
if (!Number.isInteger(max) || max <= 0) {
  console.error('usage: node scripts/line-length.mjs MAX (a positive whole number of characters)');
  process.exit(2);
}

// biome.jsonc is JSON behind projen's one-line `//` marker comment.
const config = JSON.parse(
  readFileSync('biome.jsonc', 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n'),
);
// Biome's `!pattern` excludes; everything else is a glob in git's `**` sense too.
const pathspecs = config.files.includes.map((glob) =>
  glob.startsWith('!') ? `:(exclude,glob)${glob.slice(1)}` : `:(glob)${glob}`,
);
const files = execFileSync('git', ['ls-files', '-z', '--', ...pathspecs], { encoding: 'utf8' })
  .split('\0')
  .filter(Boolean);

let over = 0;
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      // Characters as a reader counts them (code points), not UTF-16 units or bytes.
      const length = [...line].length;
      if (length > max) {
        over += 1;
        console.error(`${file}:${i + 1}: ${length} characters (at most ${max})`);
      }
    });
}
if (over > 0) {
  console.error(`${over} line(s) over ${max} characters in ${files.length} file(s): split the string or the comment`);
  process.exit(1);
}
console.log(`${files.length} file(s), no line over ${max} characters`);
