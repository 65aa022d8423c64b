import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package version, recorded in platform.yaml and the manifest of generated files. */
export const GENERATOR_VERSION: string = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
