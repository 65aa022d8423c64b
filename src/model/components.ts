import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const CATALOG_DIR = path.resolve(__dirname, '..', '..', 'catalog');

const HealthCheck = z.strictObject({ apiVersion: z.string(), kind: z.string(), name: z.string() });

export const ComponentSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  area: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/),
  lane: z.enum(['infrastructure', 'workloads']),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  description: z.string(),
  chart: z.strictObject({ name: z.string(), url: z.string().startsWith('oci://'), version: z.string() }),
  values: z.string(),
  prune: z.boolean().default(true),
  dependsOn: z.array(z.string()).default([]),
  healthChecks: z.array(HealthCheck).default([]),
  bootstrap: z.number().int().positive().optional(),
});
export type Component = z.infer<typeof ComponentSchema>;

let cached: Component[] | undefined;

/** The foundation components every cluster gets (catalog/components.yaml), validated. */
export function foundationComponents(): Component[] {
  if (cached) return cached;
  const raw = parse(fs.readFileSync(path.join(CATALOG_DIR, 'components.yaml'), 'utf8')) as { components: unknown };
  const list = z.array(ComponentSchema).parse(raw.components);
  const ids = new Set(list.map((c) => c.id));
  for (const c of list) {
    for (const d of c.dependsOn) if (!ids.has(d)) throw new Error(`catalog: component ${c.id} depends on unknown ${d}`);
  }
  cached = list;
  return list;
}

/** Repo-relative folder of a component. */
export function componentDir(c: Component): string {
  return `kubernetes/${c.lane}/${c.area}/${c.id}`;
}
