import { z } from 'zod';

import { ComponentSchema } from './components';
import { ROLES } from './roles';

export { ROLES } from './roles';
export type { Role } from './roles';

/** External Secrets providers a cluster's ClusterSecretStore can use (the store is named after the provider). */
export const SECRET_PROVIDERS = ['onepassword', 'vault', 'aws-secrets-manager', 'gcp-secret-manager', 'azure-key-vault', 'bitwarden'] as const;
export type SecretProvider = (typeof SECRET_PROVIDERS)[number];

export const STORY_STATES = ['draft', 'approved'] as const;

const str = z.string().min(1);

export const NodeSchema = z.strictObject({
  name: str,
  ip: str,
  controlPlane: z.boolean(),
  installDisk: str,
});

export const NetworkSchema = z.strictObject({
  nodeCidr: str,
  nodeGateway: str,
  podCidr: str,
  serviceCidr: str,
  loadBalancerRange: str,
  gatewayIps: z.strictObject({ external: str, internal: str }),
});

export const ClusterSchema = z.strictObject({
  role: z.enum(ROLES),
  domain: str,
  clusterId: z.number().int(),
  apiEndpoint: str,
  network: NetworkSchema,
  nodes: z.array(NodeSchema).min(1),
  git: z.strictObject({ url: str, branch: str }),
  secretStore: z.strictObject({ provider: z.enum(SECRET_PROVIDERS) }),
  settings: z.record(z.string(), z.string()).default({}),
});

export const STORY_ID = /^STORY-[A-Z0-9]+(-[A-Z0-9]+)+$/;
export const STORY_LANES = ['infra', 'apps', 'cross-platform'] as const;

/**
 * One line of text: no control characters (C0, DEL, C1) and no Unicode line or paragraph separators, which YAML 1.1
 * parsers (go-yaml in Flux and kustomize) read as line breaks — in a comment that would start a new YAML line.
 */
// eslint-disable-next-line no-control-regex
const ONE_LINE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
const ONE_LINE_MESSAGE = 'one line of text (no control characters or line separators)';
/** A chart name or version, an OCI tag or a git tag: one token. */
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** A chart or git repository URL: no whitespace, quotes, backslashes or control characters. */
const URL_TEXT = /^[a-z][a-z0-9+.-]*:\/\/[^\s"'\\`\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;
/**
 * A relative path inside a template root or a git repository, optionally `./`-prefixed: no absolute path, and no
 * segment starts with a dot (so no `..`), no odd characters.
 */
const REL_PATH = /^(\.\/)?[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*\/?$/;
const safeRelPath = (p: string) => p.length <= 1024 && REL_PATH.test(p);

/**
 * A custom story's component comes from platform.yaml (a person's hand) or add-story flags; its text is rendered into
 * YAML files (some of it into comments), and `values` names a template file: each is held to what it can be.
 */
const CustomComponentSchema = ComponentSchema.superRefine((c, ctx) => {
  const bad = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (!ONE_LINE.test(c.description)) bad(['description'], ONE_LINE_MESSAGE);
  if (c.chart) {
    if (!TOKEN.test(c.chart.name) || c.chart.name.length > 250) bad(['chart', 'name'], `chart name ${JSON.stringify(c.chart.name)}: letters, digits, '.', '_', '+' and '-' only`);
    if (!TOKEN.test(c.chart.version) || c.chart.version.length > 128) bad(['chart', 'version'], `chart version ${JSON.stringify(c.chart.version)}: letters, digits, '.', '_', '+' and '-' only (e.g. 1.2.3)`);
    if (!URL_TEXT.test(c.chart.url) || c.chart.url.length > 2048) bad(['chart', 'url'], `chart url ${JSON.stringify(c.chart.url)}: a URL without whitespace, quotes, backslashes or control characters`);
  }
  if (c.source) {
    if (!URL_TEXT.test(c.source.url) || c.source.url.length > 2048) bad(['source', 'url'], `git url ${JSON.stringify(c.source.url)}: a URL without whitespace, quotes, backslashes or control characters`);
    if (!TOKEN.test(c.source.tag) || c.source.tag.length > 250) bad(['source', 'tag'], `git tag ${JSON.stringify(c.source.tag)}: letters, digits, '.', '_', '+' and '-' only`);
    if (!safeRelPath(c.source.path)) bad(['source', 'path'], `${JSON.stringify(c.source.path)}: a relative path inside the git repository (no "..", no absolute path)`);
  }
  if (c.values !== undefined && (!safeRelPath(c.values) || c.values.startsWith('./') || c.values.endsWith('/'))) {
    bad(['values'], `${JSON.stringify(c.values)}: a template path relative to the templates (e.g. components/apps/x/helm-values.yaml; no "..", no absolute path)`);
  }
});

/** A story that is not in the catalog: its definition lives in platform.yaml so regeneration reproduces it. */
export const CustomStorySchema = z.strictObject({
  title: z.string().min(1).max(200).regex(ONE_LINE, ONE_LINE_MESSAGE),
  lane: z.enum(STORY_LANES),
  dependsOn: z.array(z.string().regex(STORY_ID)).default([]),
  components: z.array(CustomComponentSchema).min(1),
});

export const StorySchema = z.strictObject({
  clusters: z.record(z.string(), z.enum(STORY_STATES)),
  custom: CustomStorySchema.optional(),
});

/** A real calendar day YYYY-MM-DD (2025-02-30 and 2025-13-45 are not: the plan's date arithmetic needs real days). */
const DATE = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar date (YYYY-MM-DD)');
/** Sprints a plan may have: a story moved past this is a typo, and every sprint is drawn. */
export const MAX_SPRINT = 100;

/** Calendar of the delivery plan; every field defaults from catalog/plan.yaml. */
export const PlanSettingsSchema = z.strictObject({
  start: DATE.optional(),
  sprintWeeks: z.number().int().min(1).max(8).optional(),
  freezes: z
    .array(
      z.strictObject({ from: DATE, to: DATE, name: z.string().min(1) }).refine((f) => f.from <= f.to, { message: 'a freeze ends on or after the day it starts (from <= to)', path: ['to'] }),
    )
    .optional(),
  notes: z.array(z.strictObject({ date: DATE, text: z.string().min(1) })).optional(),
  /** Sprint starts fixed by the team (not moved by freezes): sprint number -> Monday. */
  sprintStarts: z.record(z.string().regex(/^[1-9][0-9]*$/), DATE).optional(),
  /** A story's sprint when it differs from the catalog. */
  sprints: z.record(z.string().regex(STORY_ID), z.number().int().min(1).max(MAX_SPRINT)).optional(),
});

/**
 * Chart versions of the platform (chart name -> version), overriding the catalog's pins; see model/charts.ts.
 * A version is a string: an unquoted 1.10 would be read as the number 1.1.
 */
export const ChartPinsSchema = z.record(
  z.string().regex(TOKEN, 'a chart name: letters, digits, \'.\', \'_\', \'+\' and \'-\''),
  z
    .string({ error: (i) => (i.input === undefined ? undefined : 'a chart version as a quoted string (e.g. "1.18.4"; an unquoted 1.10 reads as the number 1.1)') })
    .max(128)
    .regex(TOKEN, 'a chart version: letters, digits, \'.\', \'_\', \'+\' and \'-\' only (e.g. 1.2.3 or v1.2.3)'),
);

export const PlatformSchema = z.strictObject({
  apiVersion: z.literal('platform.create-platform-cluster.dev/v1alpha1'),
  kind: z.literal('Platform'),
  generator: z.strictObject({ name: z.literal('create-platform-cluster'), version: str }),
  clusters: z.record(z.string(), ClusterSchema).default({}),
  stories: z.record(z.string().regex(STORY_ID, 'a story id looks like STORY-AREA-NAME (capitals, digits, dashes)'), StorySchema).default({}),
  plan: PlanSettingsSchema.optional(),
  charts: ChartPinsSchema.optional(),
});

export type NodeSpec = z.infer<typeof NodeSchema>;
export type ClusterSpec = z.infer<typeof ClusterSchema>;
export type PlatformSpec = z.infer<typeof PlatformSchema>;
export type ClusterModel = ClusterSpec & { name: string };
export type CustomStory = z.infer<typeof CustomStorySchema>;
export type StoryState = (typeof STORY_STATES)[number];
export type PlanSettings = z.infer<typeof PlanSettingsSchema>;
