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

/** A story that is not in the catalog: its definition lives in platform.yaml so regeneration reproduces it. */
export const CustomStorySchema = z.strictObject({
  title: z.string().min(1).max(200).regex(/^[^\x00-\x1f\x7f]*$/, 'one line of text (no control characters)'),
  lane: z.enum(STORY_LANES),
  dependsOn: z.array(z.string().regex(STORY_ID)).default([]),
  components: z.array(ComponentSchema).min(1),
});

export const StorySchema = z.strictObject({
  clusters: z.record(z.string(), z.enum(STORY_STATES)),
  custom: CustomStorySchema.optional(),
});

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

/** Calendar of the delivery plan; every field defaults from catalog/plan.yaml. */
export const PlanSettingsSchema = z.strictObject({
  start: DATE.optional(),
  sprintWeeks: z.number().int().min(1).max(8).optional(),
  freezes: z.array(z.strictObject({ from: DATE, to: DATE, name: z.string().min(1) })).optional(),
  notes: z.array(z.strictObject({ date: DATE, text: z.string().min(1) })).optional(),
  /** Sprint starts fixed by the team (not moved by freezes): sprint number -> Monday. */
  sprintStarts: z.record(z.string().regex(/^[1-9][0-9]*$/), DATE).optional(),
  /** A story's sprint when it differs from the catalog. */
  sprints: z.record(z.string().regex(STORY_ID), z.number().int().min(1)).optional(),
});

export const PlatformSchema = z.strictObject({
  apiVersion: z.literal('platform.create-platform-cluster.dev/v1alpha1'),
  kind: z.literal('Platform'),
  generator: z.strictObject({ name: z.literal('create-platform-cluster'), version: str }),
  clusters: z.record(z.string(), ClusterSchema).default({}),
  stories: z.record(z.string().regex(STORY_ID, 'a story id looks like STORY-AREA-NAME (capitals, digits, dashes)'), StorySchema).default({}),
  plan: PlanSettingsSchema.optional(),
});

export type NodeSpec = z.infer<typeof NodeSchema>;
export type ClusterSpec = z.infer<typeof ClusterSchema>;
export type PlatformSpec = z.infer<typeof PlatformSchema>;
export type ClusterModel = ClusterSpec & { name: string };
export type CustomStory = z.infer<typeof CustomStorySchema>;
export type StoryState = (typeof STORY_STATES)[number];
export type PlanSettings = z.infer<typeof PlanSettingsSchema>;
