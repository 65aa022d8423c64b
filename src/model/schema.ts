import { z } from 'zod';

import { fieldDescription } from './cluster-fields';
import { ComponentSchema } from './components';
import { LayoutSchema } from './layout';
import { ROLES } from './roles';
import { SECRET_PROVIDERS } from './secret-providers';

export type { Role } from './roles';
export { ROLES } from './roles';
export type { SecretProvider } from './secret-providers';
export { SECRET_PROVIDERS } from './secret-providers';

export const STORY_STATES = ['draft', 'approved'] as const;

const str = z.string().min(1);

/*
 * Editor hints. The JSON Schema of platform.yaml (model/json-schema.ts, schemas/platform.schema.json) is generated
 * from these zod schemas; `.meta()` gives each field its description (a cluster field's comes from the table of
 * model/cluster-fields.ts, with its flag and prompt) and, where validate.ts checks a field on its own,
 * the pattern or bounds an editor can check as you type. zod itself ignores meta: the tool's messages stay those of
 * validate.ts. A pattern here may only say what validate.ts also requires (a file the tool accepts never shows an
 * error in an editor); test/json-schema-*.test.ts holds both to that.
 */
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
/** An IPv4 address as validate.ts accepts it (four decimal parts, no leading zeros). */
export const IPV4_PATTERN = `^${IPV4}$`;
/** An IPv4 network written canonically (validate.ts also refuses host bits, which a pattern cannot see). */
export const IPV4_CIDR_PATTERN = `^${IPV4}/(?:3[0-2]|[12]?[0-9])$`;
/** first-last, as net.ts parseRange reads it (spaces around either address are trimmed). */
export const IPV4_RANGE_PATTERN = `^\\s*${IPV4}\\s*-\\s*${IPV4}\\s*$`;
const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const SETTINGS_KEY_PATTERN = /^[A-Z_][A-Z0-9_]*$/.source;
/**
 * A settings value as validate.ts accepts it: Flux substitutes it into YAML text, in places unquoted, so no quotes,
 * backslashes, control characters, line separators or `${`, no surrounding spaces, no ": ", " #" or trailing ":",
 * no leading YAML indicator (validate.ts SAFE_VALUE and plainScalarProblem).
 */
const SETTINGS_VALUE_PATTERN =
  // eslint-disable-next-line no-control-regex
  /^(?!\s)(?![\s\S]*\s$)(?![\s\S]*(?:: |:$| #|\$\{))(?![-?:](?:\s|$))(?![,[\]{}#&*!|>%@])[^"'\\`\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/
    .source;
const SETTINGS_VALUE_RULE =
  'a settings value: no quotes, backslashes, control characters or "${", no surrounding spaces, no ": ", " #" or trailing ":", no leading YAML indicator';

const ip = (description: string) => str.meta({ description, pattern: IPV4_PATTERN });
const cidr = (description: string) => str.meta({ description, pattern: IPV4_CIDR_PATTERN });

export const NodeSchema = z.strictObject({
  name: str.meta({
    description: 'Node hostname: a DNS-1123 label, unique in the cluster (e.g. apps-1).',
    pattern: DNS_LABEL_PATTERN,
    maxLength: 63,
  }),
  ip: ip(
    'Node IPv4 address on the node network; not the gateway, not inside the load-balancer range, unique across clusters.',
  ),
  controlPlane: z
    .boolean()
    .meta({ description: 'true for a control-plane node (at least one per cluster), false for a worker.' }),
  installDisk: str.meta({
    description: 'Disk Talos installs to (e.g. /dev/sda, /dev/nvme0n1).',
    pattern: '^/dev/[A-Za-z0-9._/-]+$',
  }),
});

export const NetworkSchema = z.strictObject({
  nodeCidr: cidr(fieldDescription('network.nodeCidr')),
  nodeGateway: ip(fieldDescription('network.nodeGateway')),
  podCidr: cidr(fieldDescription('network.podCidr')),
  serviceCidr: cidr(fieldDescription('network.serviceCidr')),
  loadBalancerRange: str.meta({
    description: fieldDescription('network.loadBalancerRange'),
    pattern: IPV4_RANGE_PATTERN,
  }),
  gatewayIps: z
    .strictObject({
      external: ip(fieldDescription('network.gatewayIps.external')),
      internal: ip(fieldDescription('network.gatewayIps.internal')),
    })
    .meta({ description: "Fixed addresses of the cluster's two Gateways (Gateway API)." }),
});

/**
 * A Flux Kustomization of an adopted repository that no approved story delivers (platform-kit adopt): its files belong
 * to the people who wrote them; the tool never renders, merges or deletes them.
 */
export const AdoptedComponentSchema = z.strictObject({
  name: z.string().min(1).max(253).meta({ description: 'metadata.name of the Flux Kustomization.' }),
  namespace: z.string().min(1).max(63).meta({ description: 'metadata.namespace of the Flux Kustomization.' }),
  file: z.string().min(1).max(1024).meta({ description: 'The file declaring it (repo-relative).' }),
  path: z.string().max(1024).meta({ description: 'Its spec.path (repo-relative, without ./).' }),
  targetNamespace: z.string().min(1).max(63).meta({ description: 'The namespace its objects land in.' }),
  dependsOn: z.array(z.string()).default([]).meta({ description: 'Its dependsOn, as namespace/name.' }),
  component: z.string().optional().meta({
    description:
      'The catalog component it delivers, when its story is not all there (or it is a foundation component).',
  }),
  also: z
    .array(z.string())
    .optional()
    .meta({
      description:
        "Other catalog components this Kustomization's build delivers, found by a kind only they create " +
        '(a CiliumLoadBalancerIPPool in the cilium app: cilium-lb-ipam).',
    }),
});

export const ClusterSchema = z.strictObject({
  role: z.enum(ROLES).meta({ description: fieldDescription('role') }),
  domain: str.meta({
    description: fieldDescription('domain'),
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  }),
  clusterId: z
    .number()
    .int()
    .meta({ description: fieldDescription('clusterId'), minimum: 1, maximum: 255 }),
  apiEndpoint: str.meta({ description: fieldDescription('apiEndpoint') }),
  network: NetworkSchema.meta({ description: "The cluster's IPv4 networks and fixed addresses." }),
  nodes: z
    .array(NodeSchema)
    .min(1)
    .meta({ description: fieldDescription('nodes') }),
  git: z
    .strictObject({
      url: str.meta({
        description: fieldDescription('git.url'),
        pattern: '^(https://|ssh://|git@)[A-Za-z0-9.@:/_~+-]+$',
      }),
      branch: str.meta({ description: fieldDescription('git.branch'), maxLength: 200 }),
    })
    .meta({ description: 'Where Flux reads this repository.' }),
  secretStore: z
    .strictObject({
      provider: z.enum(SECRET_PROVIDERS).meta({ description: fieldDescription('secretStore.provider') }),
      name: z
        .string()
        .max(253)
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name (lower-case letters, digits, - and .)')
        .optional()
        .meta({
          description:
            'The ClusterSecretStore the ExternalSecrets read (${EXTERNAL_SECRET_STORE}). Absent: named after the ' +
            "provider, the store the tool creates; platform-kit adopt records the repository's own.",
        }),
    })
    .meta({ description: 'The secret backend of the cluster.' }),
  settings: z
    .record(
      z.string().meta({
        pattern: SETTINGS_KEY_PATTERN,
        patternErrorMessage: 'a settings key: capitals, digits and _ (e.g. LOG_LEVEL)',
      }),
      z.string().meta({ maxLength: 4096, pattern: SETTINGS_VALUE_PATTERN, patternErrorMessage: SETTINGS_VALUE_RULE }),
    )
    .default({})
    .meta({
      description:
        "Cluster settings (KEY: value) Flux substitutes as ${KEY}: the stories' variables and your own. A " +
        'value holds no quotes, backslashes, control characters or "${"; no credentials (those go to the secret store).',
    }),
  adopted: z.array(AdoptedComponentSchema).optional().meta({
    description:
      'Flux Kustomizations of this cluster that platform-kit adopt found and no approved story delivers; the tool never writes their files.',
  }),
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
    if (!TOKEN.test(c.chart.name) || c.chart.name.length > 250)
      bad(['chart', 'name'], `chart name ${JSON.stringify(c.chart.name)}: letters, digits, '.', '_', '+' and '-' only`);
    if (!TOKEN.test(c.chart.version) || c.chart.version.length > 128)
      bad(
        ['chart', 'version'],
        `chart version ${JSON.stringify(c.chart.version)}: letters, digits, '.', '_', '+' and '-' only (e.g. 1.2.3)`,
      );
    if (!URL_TEXT.test(c.chart.url) || c.chart.url.length > 2048)
      bad(
        ['chart', 'url'],
        `chart url ${JSON.stringify(c.chart.url)}: a URL without whitespace, quotes, backslashes or control characters`,
      );
  }
  if (c.source) {
    if (!URL_TEXT.test(c.source.url) || c.source.url.length > 2048)
      bad(
        ['source', 'url'],
        `git url ${JSON.stringify(c.source.url)}: a URL without whitespace, quotes, backslashes or control characters`,
      );
    if (!TOKEN.test(c.source.tag) || c.source.tag.length > 250)
      bad(['source', 'tag'], `git tag ${JSON.stringify(c.source.tag)}: letters, digits, '.', '_', '+' and '-' only`);
    if (!safeRelPath(c.source.path))
      bad(
        ['source', 'path'],
        `${JSON.stringify(c.source.path)}: a relative path inside the git repository (no "..", no absolute path)`,
      );
  }
  if (c.values !== undefined && (!safeRelPath(c.values) || c.values.startsWith('./') || c.values.endsWith('/'))) {
    bad(
      ['values'],
      `${JSON.stringify(c.values)}: a template path relative to the templates (e.g. components/apps/x/helm-values.yaml; no "..", no absolute path)`,
    );
  }
}).meta({
  description: 'A component of the custom story: one folder kubernetes/<lane>/<area>/<id> with its Flux Kustomization.',
  // What the refinement above holds a custom component to, for an editor (the refinement is what the tool runs).
  allOf: [
    {
      type: 'object',
      properties: {
        description: { type: 'string', pattern: ONE_LINE.source },
        chart: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: TOKEN.source, maxLength: 250 },
            version: { type: 'string', pattern: TOKEN.source, maxLength: 128 },
            url: { type: 'string', pattern: URL_TEXT.source, maxLength: 2048 },
          },
        },
        source: {
          type: 'object',
          properties: {
            url: { type: 'string', pattern: URL_TEXT.source, maxLength: 2048 },
            tag: { type: 'string', pattern: TOKEN.source, maxLength: 250 },
            path: { type: 'string', pattern: REL_PATH.source, maxLength: 1024 },
          },
        },
        values: { type: 'string', pattern: `^(?!\\./)(?!.*/$)${REL_PATH.source.slice(1)}`, maxLength: 1024 },
      },
    },
  ],
});

/** A story that is not in the catalog: its definition lives in platform.yaml so regeneration reproduces it. */
export const CustomStorySchema = z.strictObject({
  title: z
    .string()
    .min(1)
    .max(200)
    .regex(ONE_LINE, ONE_LINE_MESSAGE)
    .meta({ description: 'Title of the story (one line).' }),
  lane: z.enum(STORY_LANES).meta({ description: 'Lane of the plan the story belongs to.' }),
  dependsOn: z
    .array(z.string().regex(STORY_ID))
    .default([])
    .meta({ description: 'Stories this one needs approved first.' }),
  components: z.array(CustomComponentSchema).min(1).meta({ description: 'The components the story delivers.' }),
});

export const StorySchema = z.strictObject({
  clusters: z
    .record(
      z.string(),
      z.enum(STORY_STATES).meta({
        description: "draft: its folders exist, no cluster wires them; approved: wired into the cluster's lane.",
      }),
    )
    .meta({
      description: "The story's state per cluster (cluster name -> draft or approved).",
    }),
  custom: CustomStorySchema.optional().meta({
    description: 'Definition of a story that is not in the catalog (add-story --custom writes it).',
  }),
});

/** A real calendar day YYYY-MM-DD (2025-02-30 and 2025-13-45 are not: the plan's date arithmetic needs real days). */
const DATE = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar date (YYYY-MM-DD)')
  .meta({ description: 'A day, YYYY-MM-DD (quote it: "2026-03-02").' });
/** Sprints a plan may have: a story moved past this is a typo, and every sprint is drawn. */
export const MAX_SPRINT = 100;

/** Calendar of the delivery plan; every field defaults from catalog/plan.yaml. */
export const PlanSettingsSchema = z.strictObject({
  start: DATE.optional().meta({ description: 'Monday the first sprint starts (default: catalog/plan.yaml).' }),
  sprintWeeks: z.number().int().min(1).max(8).optional().meta({ description: 'Length of a sprint in weeks (1-8).' }),
  freezes: z
    .array(
      z.strictObject({ from: DATE, to: DATE, name: z.string().min(1) }).refine((f) => f.from <= f.to, {
        message: 'a freeze ends on or after the day it starts (from <= to)',
        path: ['to'],
      }),
    )
    .optional()
    .meta({
      description:
        'Change freezes: no sprint starts inside one (a sprint that would overlap it starts on the Monday after).',
    }),
  notes: z
    .array(z.strictObject({ date: DATE, text: z.string().min(1) }))
    .optional()
    .meta({ description: 'Dated notes shown in the plan.' }),
  /** Sprint starts fixed by the team (not moved by freezes): sprint number -> Monday. */
  sprintStarts: z
    .record(z.string().regex(/^[1-9][0-9]*$/), DATE)
    .optional()
    .meta({ description: 'Sprint starts fixed by the team (sprint number -> Monday); freezes do not move them.' }),
  /** A story's sprint when it differs from the catalog. */
  sprints: z
    .record(z.string().regex(STORY_ID), z.number().int().min(1).max(MAX_SPRINT))
    .optional()
    .meta({ description: "A story's sprint when it differs from the catalog (story id -> sprint number)." }),
});

/**
 * Chart versions of the platform (chart name -> version), overriding the catalog's pins; see model/charts.ts.
 * A version is a string: an unquoted 1.10 would be read as the number 1.1.
 */
export const ChartPinsSchema = z
  .record(
    z.string().regex(TOKEN, "a chart name: letters, digits, '.', '_', '+' and '-'"),
    z
      .string({
        error: (i) =>
          i.input === undefined
            ? undefined
            : 'a chart version as a quoted string (e.g. "1.18.4"; an unquoted 1.10 reads as the number 1.1)',
      })
      .max(128)
      .regex(TOKEN, "a chart version: letters, digits, '.', '_', '+' and '-' only (e.g. 1.2.3 or v1.2.3)"),
  )
  .meta({
    description:
      'Chart versions of the platform (chart name -> version as a quoted string); each below its "# renovate:" line, which Renovate reads to bump it.',
  });

export const PlatformSchema = z
  .strictObject({
    apiVersion: z.literal('platform.create-platform-cluster.dev/v1alpha1'),
    kind: z.literal('Platform'),
    generator: z
      .strictObject({
        name: z.literal('create-platform-cluster'),
        version: str.meta({ description: 'Version of the tool that last wrote this file.' }),
      })
      .meta({ description: 'The tool that writes this file.' }),
    clusters: z
      .record(
        z.string().meta({
          pattern: DNS_LABEL_PATTERN,
          maxLength: 40,
          patternErrorMessage:
            'a cluster name: a DNS-1123 label (lower-case letters, digits, -) of at most 40 characters',
        }),
        ClusterSchema,
      )
      .default({})
      .meta({ description: 'The clusters (name -> cluster). A name is a DNS-1123 label of at most 40 characters.' }),
    stories: z
      .record(
        z.string().regex(STORY_ID, 'a story id looks like STORY-AREA-NAME (capitals, digits, dashes)'),
        StorySchema,
      )
      .default({})
      .meta({
        description:
          'The stories of the plan on this platform (story id -> its state per cluster); add-story and platform-kit approve edit it.',
      }),
    plan: PlanSettingsSchema.optional().meta({
      description: 'Calendar of the delivery plan; every field defaults from catalog/plan.yaml.',
    }),
    charts: ChartPinsSchema.optional(),
    layout: LayoutSchema.optional().meta({
      description:
        "Where components live and how clusters wire them (platform-kit adopt records the repository's own; absent: the tool's layout).",
    }),
  })
  .meta({
    title: 'platform.yaml of create-platform-cluster',
    description:
      'The source of truth of a GitOps repository generated by create-platform-cluster: clusters, their settings, the stories on each, chart versions.',
  });

export type NodeSpec = z.infer<typeof NodeSchema>;
export type ClusterSpec = z.infer<typeof ClusterSchema>;
export type AdoptedComponent = z.infer<typeof AdoptedComponentSchema>;
export type PlatformSpec = z.infer<typeof PlatformSchema>;
export type ClusterModel = ClusterSpec & { name: string };
export type CustomStory = z.infer<typeof CustomStorySchema>;
export type StoryState = (typeof STORY_STATES)[number];
export type PlanSettings = z.infer<typeof PlanSettingsSchema>;
