import { z } from 'zod';
import { PlatformSchema } from './schema';

/** Where the JSON Schema of platform.yaml is committed and shipped (package `files`). */
export const PLATFORM_JSON_SCHEMA_FILE = 'schemas/platform.schema.json';

/** The formats of JSON Schema draft-07; zod also emits its own names (`starts_with`), which no editor knows. */
const DRAFT7_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

/**
 * The JSON Schema (draft-07: the draft every YAML/JSON editor reads) of platform.yaml, generated from the zod schema
 * the tool validates with. It describes the file as a person writes it (zod's input side: a field with a default may
 * be left out). Descriptions, and the per-field rules validate.ts adds that a pattern can say, come from the `.meta()`
 * of model/schema.ts; cross-field rules (overlapping networks, a node IP on the node network, a story's dependencies)
 * stay with the tool (`platform-kit check`).
 */
export function platformJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlatformSchema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'throw',
    override: ({ jsonSchema }) => {
      const js = jsonSchema as Record<string, unknown>;
      if (typeof js.format === 'string' && !DRAFT7_FORMATS.has(js.format)) delete js.format;
      // zod writes ±Number.MAX_SAFE_INTEGER for .int(): no bound at all says the same, without the noise.
      if (js.minimum === Number.MIN_SAFE_INTEGER) delete js.minimum;
      if (js.maximum === Number.MAX_SAFE_INTEGER) delete js.maximum;
    },
  }) as Record<string, unknown>;
  return schema;
}

/** The file's text: what `node scripts/json-schema.mjs` writes and the freshness test compares. */
export function platformJsonSchemaText(): string {
  return `${JSON.stringify(platformJsonSchema(), null, 2)}\n`;
}
