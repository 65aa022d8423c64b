import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { PLATFORM_JSON_SCHEMA_FILE, platformJsonSchema, platformJsonSchemaText } from '../../src/model/json-schema';
import { ROLES, SECRET_PROVIDERS } from '../../src/model/schema';
import { ROOT } from '../helpers/fs';

/**
 * schemas/platform.schema.json is committed and shipped: it must be what the zod schema generates today, and a
 * schema every draft-07 editor reads without complaint.
 */
describe('schemas/platform.schema.json', () => {
  it('json-schema file is fresh: equals a generation from the zod schema', () => {
    const file = path.join(ROOT, PLATFORM_JSON_SCHEMA_FILE);
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(missing)';
    const fresh = platformJsonSchemaText();
    if (committed !== fresh) {
      expect.fail(
        `${PLATFORM_JSON_SCHEMA_FILE} is stale (the zod schema in src/model changed): run\n  npx tsc -p ` +
          `tsconfig.json && node scripts/json-schema.mjs\nand commit the file`,
      );
    }
  });

  it('json-schema compiles as draft-07 in ajv strict mode (no unknown keywords, formats or loose types)', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    ajv.addKeyword('patternErrorMessage'); // the editors' message for a pattern (VS Code, yaml-language-server)
    const schema = platformJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('json-schema: every field of a cluster has a description, enums list the providers and roles', () => {
    const schema = platformJsonSchema() as any;
    const cluster = schema.properties.clusters.additionalProperties;
    const walk = (node: any, at: string, out: string[]) => {
      for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
        if (!v.description) out.push(`${at}.${k}`);
        if (v.properties) walk(v, `${at}.${k}`, out);
      }
      return out;
    };
    expect(walk(cluster, 'clusters.<c>', [])).toEqual([]);
    expect(walk(cluster.properties.nodes.items, 'clusters.<c>.nodes[]', [])).toEqual([]);
    expect(cluster.properties.secretStore.properties.provider.enum).toEqual([...SECRET_PROVIDERS]);
    expect(cluster.properties.role.enum).toEqual([...ROLES]);
    // Fields the tool fills in (defaults) are not required of a person.
    expect(schema.required).toEqual(['apiVersion', 'kind', 'generator']);
    expect(cluster.required).not.toContain('settings');
    // No format an editor does not know (zod's own `starts_with`).
    expect(JSON.stringify(schema)).not.toMatch(/"format":\s*"starts_with"/);
  });
});
