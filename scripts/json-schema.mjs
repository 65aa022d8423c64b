#!/usr/bin/env node
// Writes schemas/platform.schema.json, the JSON Schema of platform.yaml, from the zod schema the tool validates with
// (src/model/json-schema.ts). The file is committed and shipped in the package; the `# yaml-language-server: $schema=`
// line the tool writes at the top of platform.yaml points to it. It runs the compiled code, so compile first:
//
//   npx tsc -p tsconfig.json && node scripts/json-schema.mjs           # (re)write the file
//   npx tsc -p tsconfig.json && node scripts/json-schema.mjs --check   # exit 1 when the committed file is stale
//
// test/json-schema-file.test.ts fails when the committed file differs from a fresh generation.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { platformJsonSchemaText, PLATFORM_JSON_SCHEMA_FILE } = require(path.join(ROOT, 'lib/model/json-schema.js'));

const file = path.join(ROOT, PLATFORM_JSON_SCHEMA_FILE);
const text = platformJsonSchemaText();
const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(
      `${PLATFORM_JSON_SCHEMA_FILE} is stale: run npx tsc -p tsconfig.json && node scripts/json-schema.mjs`,
    );
    process.exit(1);
  }
  console.log(`${PLATFORM_JSON_SCHEMA_FILE} is up to date`);
} else if (current === text) {
  console.log(`${PLATFORM_JSON_SCHEMA_FILE} is up to date`);
} else {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`wrote ${PLATFORM_JSON_SCHEMA_FILE} (${text.length} bytes)`);
}
