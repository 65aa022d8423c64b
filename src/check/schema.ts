// Schema validation of one parsed Kubernetes object against the kubernetes-models packages' schemas.
//
// The model packages (kubernetes-models 5, @kubernetes-models/* for Flux, cert-manager,
// external-secrets, Gateway API, prometheus-operator) ship each kind's JSON schema as a
// precompiled Ajv validator in `<package>/_schemas/<Name>.js`. Installed whole they are 41 MB and
// declare Node >= 22, so they are development dependencies only: `npx projen schemas`
// (scripts/build-schemas.mjs) bundles the validators of the kinds in MODELS below, and what they
// import, into ONE file, precompiled/schemas.cjs (committed and shipped;
// test/package-schemas.test.ts fails when it is stale). It is loaded on the first object checked,
// never at start-up.
//
// Strictness: the models' schemas allow unknown fields (no additionalProperties: false). To report
// them anyway, the object is validated through a Proxy that records which property names the
// validator reads on each object: a generated Ajv validator reads every property its schema
// defines (`data.interval !== undefined`), enumerates the keys of a map (additionalProperties or
// patternProperties: labels, substitute, ...), and reads nothing of a free-form object (Helm
// `values`). An own key of an object whose schema read some names and enumerated none is then
// a field the schema does not define. (Bundling keeps the validators' code as it is, reads included.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_OPERATORS, fluxVarPattern } from '../core/flux-vars';

export interface SchemaProblem {
  /** Where, as `spec.sourceRef.name`, `spec.containers[0].image` or `(root)`. */
  path: string;
  message: string;
}

export interface KindModel {
  /** npm package that ships the model. */
  pkg: string;
  /** File name (without .js) under the package's `_schemas/`. */
  schema: string;
}

const CORE = 'kubernetes-models';
const FLUX = '@kubernetes-models/flux-cd';
const CERT = '@kubernetes-models/cert-manager';
const ESO = '@kubernetes-models/external-secrets';
const GW = '@kubernetes-models/gateway-api';
const PROM = '@kubernetes-models/prometheus-operator';

const core = (group: string, kind: string): KindModel => ({ pkg: CORE, schema: `IoK8sApi${group}V1${kind}` });
const flux = (controller: string, version: string, kind: string): KindModel => ({
  pkg: FLUX,
  schema: `ComGithubFluxcd${controller}ControllerApi${version}${kind}`,
});

/** `apiVersion/kind` -> model. */
const MODELS: Record<string, KindModel> = {
  'v1/ConfigMap': core('Core', 'ConfigMap'),
  'v1/Secret': core('Core', 'Secret'),
  'v1/Service': core('Core', 'Service'),
  'v1/Namespace': core('Core', 'Namespace'),
  'v1/ServiceAccount': core('Core', 'ServiceAccount'),
  'v1/PersistentVolumeClaim': core('Core', 'PersistentVolumeClaim'),
  'v1/ResourceQuota': core('Core', 'ResourceQuota'),
  'v1/LimitRange': core('Core', 'LimitRange'),
  'apps/v1/Deployment': core('Apps', 'Deployment'),
  'apps/v1/DaemonSet': core('Apps', 'DaemonSet'),
  'apps/v1/StatefulSet': core('Apps', 'StatefulSet'),
  'policy/v1/PodDisruptionBudget': core('Policy', 'PodDisruptionBudget'),
  'rbac.authorization.k8s.io/v1/Role': core('Rbac', 'Role'),
  'rbac.authorization.k8s.io/v1/RoleBinding': core('Rbac', 'RoleBinding'),
  'rbac.authorization.k8s.io/v1/ClusterRole': core('Rbac', 'ClusterRole'),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': core('Rbac', 'ClusterRoleBinding'),
  'networking.k8s.io/v1/NetworkPolicy': core('Networking', 'NetworkPolicy'),
  'networking.k8s.io/v1/Ingress': core('Networking', 'Ingress'),
  'storage.k8s.io/v1/StorageClass': core('Storage', 'StorageClass'),
  'batch/v1/Job': core('Batch', 'Job'),
  'batch/v1/CronJob': core('Batch', 'CronJob'),

  'kustomize.toolkit.fluxcd.io/v1/Kustomization': flux('Kustomize', 'V1', 'Kustomization'),
  'helm.toolkit.fluxcd.io/v2/HelmRelease': flux('Helm', 'V2', 'HelmRelease'),
  'source.toolkit.fluxcd.io/v1/GitRepository': flux('Source', 'V1', 'GitRepository'),
  'source.toolkit.fluxcd.io/v1/OCIRepository': flux('Source', 'V1', 'OCIRepository'),
  'source.toolkit.fluxcd.io/v1/HelmRepository': flux('Source', 'V1', 'HelmRepository'),
  'source.toolkit.fluxcd.io/v1/HelmChart': flux('Source', 'V1', 'HelmChart'),
  'source.toolkit.fluxcd.io/v1/Bucket': flux('Source', 'V1', 'Bucket'),
  'notification.toolkit.fluxcd.io/v1/Receiver': flux('Notification', 'V1', 'Receiver'),
  'notification.toolkit.fluxcd.io/v1beta3/Alert': flux('Notification', 'V1beta3', 'Alert'),
  'notification.toolkit.fluxcd.io/v1beta3/Provider': flux('Notification', 'V1beta3', 'Provider'),

  'cert-manager.io/v1/Certificate': {
    pkg: CERT,
    schema: 'ComGithubCertManagerCertManagerPkgApisCertmanagerV1Certificate',
  },
  'cert-manager.io/v1/ClusterIssuer': {
    pkg: CERT,
    schema: 'ComGithubCertManagerCertManagerPkgApisCertmanagerV1ClusterIssuer',
  },
  'cert-manager.io/v1/Issuer': { pkg: CERT, schema: 'ComGithubCertManagerCertManagerPkgApisCertmanagerV1Issuer' },

  'external-secrets.io/v1/ExternalSecret': {
    pkg: ESO,
    schema: 'ComGithubExternalSecretsExternalSecretsApisExternalsecretsV1ExternalSecret',
  },
  'external-secrets.io/v1/ClusterSecretStore': {
    pkg: ESO,
    schema: 'ComGithubExternalSecretsExternalSecretsApisExternalsecretsV1ClusterSecretStore',
  },
  'external-secrets.io/v1/SecretStore': {
    pkg: ESO,
    schema: 'ComGithubExternalSecretsExternalSecretsApisExternalsecretsV1SecretStore',
  },

  'gateway.networking.k8s.io/v1/Gateway': { pkg: GW, schema: 'IoK8sSigsGatewayApiApisV1Gateway' },
  'gateway.networking.k8s.io/v1/GatewayClass': { pkg: GW, schema: 'IoK8sSigsGatewayApiApisV1GatewayClass' },
  'gateway.networking.k8s.io/v1/HTTPRoute': { pkg: GW, schema: 'IoK8sSigsGatewayApiApisV1HTTPRoute' },
  'gateway.networking.k8s.io/v1/GRPCRoute': { pkg: GW, schema: 'IoK8sSigsGatewayApiApisV1GRPCRoute' },
  'gateway.networking.k8s.io/v1beta1/ReferenceGrant': {
    pkg: GW,
    schema: 'IoK8sSigsGatewayApiApisV1beta1ReferenceGrant',
  },

  'monitoring.coreos.com/v1/PrometheusRule': {
    pkg: PROM,
    schema: 'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PrometheusRule',
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    pkg: PROM,
    schema: 'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor',
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    pkg: PROM,
    schema: 'ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PodMonitor',
  },
};

/**
 * Fields that the models' schemas lose: their generator strips every `description` key, so a
 * property named `description` is gone too (checked against the models' .d.ts for every kind
 * above: GatewayClass is the only one). Pointer -> expected type, checked here instead.
 */
const DROPPED_BY_MODELS: Record<string, Record<string, 'string'>> = {
  'gateway.networking.k8s.io/v1/GatewayClass': { '/spec/description': 'string' },
};

/**
 * Enum values a well-known operator adds to a Flux CRD in the cluster, so the models' enums are too narrow there.
 * flux-operator patches the notification-controller CRDs it installs (its `notification` profile) to accept its own
 * kinds as an Alert's event sources and a Receiver's resources. Key: apiVersion/kind; value: JSON pointer pattern of
 * the field -> the extra values.
 */
const FLUX_OPERATOR_KINDS = ['FluxInstance', 'ResourceSet', 'ResourceSetInputProvider'];
const WIDENED_ENUMS: Record<string, [RegExp, string[]][]> = {
  'notification.toolkit.fluxcd.io/v1beta3/Alert': [[/^\/spec\/eventSources\/\d+\/kind$/, FLUX_OPERATOR_KINDS]],
  'notification.toolkit.fluxcd.io/v1/Receiver': [[/^\/spec\/resources\/\d+\/kind$/, FLUX_OPERATOR_KINDS]],
};

/** apiVersion/kind pairs this module validates, as `apps/v1/Deployment`. */
export function knownKinds(): string[] {
  return Object.keys(MODELS).sort();
}

/** What an Ajv standalone validator leaves in `.errors`. */
interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type ValidateFn = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

/** The bundle of validators, by schema name (see the header). */
export const SCHEMA_BUNDLE = path.resolve(__dirname, '..', '..', 'precompiled', 'schemas.cjs');

/** Every schema the bundle must hold: package and schema name, one entry per schema (scripts/build-schemas.mjs). */
export function schemaModels(): KindModel[] {
  const seen = new Map<string, KindModel>();
  for (const m of Object.values(MODELS)) seen.set(m.schema, m);
  return [...seen.values()].sort((a, b) => (a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : 0));
}

let bundle: Record<string, ValidateFn> | undefined;

function validatorFor(model: KindModel): ValidateFn {
  if (!bundle) {
    if (!fs.existsSync(SCHEMA_BUNDLE))
      throw new Error(`schema check: ${SCHEMA_BUNDLE} is missing (npx projen schemas builds it)`);
    bundle = require(SCHEMA_BUNDLE) as Record<string, ValidateFn>;
  }
  const fn = bundle[model.schema];
  if (typeof fn !== 'function')
    throw new Error(`schema check: ${model.schema} is not in ${SCHEMA_BUNDLE} (npx projen schemas rebuilds it)`);
  return fn;
}

// ---------------------------------------------------------------------------------------------
// What the validator read: pointer of an object -> property names it read; pointers it enumerated.

interface Trace {
  reads: Map<string, Set<string>>;
  enumerated: Set<string>;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function traced(root: unknown, trace: Trace): unknown {
  const proxies = new Map<string, unknown>();
  const wrap = (value: unknown, ptr: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = proxies.get(ptr);
    if (known) return known;
    const reads = new Set<string>();
    trace.reads.set(ptr, reads);
    const proxy = new Proxy(value as object, {
      get(target, key, receiver) {
        if (typeof key === 'string') {
          reads.add(key);
          if (Object.hasOwn(target, key)) {
            return wrap((target as Record<string, unknown>)[key], `${ptr}/${escapePointer(key)}`);
          }
        }
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (typeof key === 'string') reads.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        trace.enumerated.add(ptr);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(ptr, proxy);
    return proxy;
  };
  return wrap(root, '');
}

// ---------------------------------------------------------------------------------------------
// Flux post-build substitution placeholders: ${VAR}, ${VAR:=default}, ${VAR:-default}, ...

const PLACEHOLDER = fluxVarPattern('', `${DEFAULT_OPERATORS}+?`);

/** A SOPS-encrypted value (`ENC[AES256_GCM,data:...,type:str]`): kustomize-controller decrypts it before applying. */
const SOPS_VALUE = /^ENC\[[A-Z0-9_]+,data:[^\]]*\]$/;

/** True for a value that is not known until Flux substitutes variables or decrypts SOPS values. */
function hasPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && (PLACEHOLDER.test(value.replace(/\$\$\{/g, '')) || SOPS_VALUE.test(value));
}

// ---------------------------------------------------------------------------------------------
// Paths and messages.

function pointerSegments(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, segments: string[]): unknown {
  let cur: unknown = root;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

/** `spec.containers[0].image`; keys that are not identifiers as `["app.kubernetes.io/name"]`. */
function displayPath(root: unknown, segments: string[]): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  let cur: unknown = root;
  for (const s of segments) {
    if (Array.isArray(cur) && /^\d+$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[s] : undefined;
  }
  return out;
}

/**
 * A problem's path as keys and list indexes, the inverse of its display form: `spec.containers[0].image`, and keys
 * that are not identifiers as `data["age.agekey"]` (JSON-quoted, so they may hold dots and brackets).
 */
export function pathKeys(display: string): (string | number)[] {
  if (display === '(root)') return [];
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < display.length && (m = re.exec(display)))
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]) as string)));
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'a list',
};

function typeNames(types: string[]): string {
  const names = [...new Set(types.filter((t) => t !== 'null'))].map((t) => TYPE_NAMES[t] ?? t);
  if (names.length <= 1) return names[0] ?? 'null';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function listOf(values: unknown, max = 8): string {
  const all = Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
  return all.length > max ? `${all.slice(0, max).join(', ')}, ...` : all.join(', ');
}

function messageFor(e: AjvError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type': {
      const t = p.type;
      return `must be ${typeNames(Array.isArray(t) ? (t as string[]) : [String(t)])}`;
    }
    case 'enum':
      return `must be one of: ${listOf(p.allowedValues)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `must match ${String(p.pattern)}`;
    case 'format':
      return `must be a valid ${String(p.format)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'minItems':
      return `must have at least ${String(p.limit)} item${Number(p.limit) === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} item${Number(p.limit) === 1 ? '' : 's'}`;
    case 'minProperties':
      return Number(p.limit) === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} fields`;
    case 'maxProperties':
      return `must have at most ${String(p.limit)} fields`;
    case 'uniqueItems':
      return `must not repeat items (${String(p.j)} and ${String(p.i)} are equal)`;
    case 'anyOf':
    case 'oneOf':
      return 'does not match any allowed form';
    default:
      return e.message ?? `fails ${e.keyword}`;
  }
}

const COMPOSITE = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else']);

function nearest(key: string, candidates: string[]): string | undefined {
  // Lazy: fastest-levenshtein is only needed when there is an unknown field.
  const { distance } = require('fastest-levenshtein') as typeof import('fastest-levenshtein');
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : distance(key, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Own keys of objects that the validator looked into but whose schema does not define them. */
function unknownFields(root: unknown, trace: Trace, dropped: Record<string, 'string'> = {}): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const walk = (value: unknown, segments: string[], ptr: string): void => {
    if (value === null || typeof value !== 'object') return;
    const reads = trace.reads.get(ptr);
    if (!reads) return; // not looked into: below an unknown field, or a free-form part
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(item, [...segments, String(i)], `${ptr}/${i}`);
      });
      return;
    }
    const structured = reads.size > 0 && !trace.enumerated.has(ptr);
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childSegments = [...segments, key];
      const childPtr = `${ptr}/${escapePointer(key)}`;
      const droppedType = dropped[childPtr];
      if (droppedType) {
        if (typeof child !== droppedType && !hasPlaceholder(child)) {
          out.push({ path: displayPath(root, childSegments), message: `must be ${typeNames([droppedType])}` });
        }
        continue;
      }
      if (structured && !reads.has(key)) {
        const hint = nearest(key, [...reads]);
        out.push({
          path: displayPath(root, childSegments),
          message: hint ? `unknown field (did you mean ${hint}?)` : 'unknown field',
        });
        continue;
      }
      walk(child, childSegments, childPtr);
    }
  };
  walk(root, [], '');
  return out;
}

function schemaProblems(root: unknown, errors: AjvError[]): SchemaProblem[] {
  // Pointers of strings with a ${VAR} placeholder: unknown until substitution, so every error on
  // them (type, pattern, enum, ...) and the anyOf/oneOf failures of their ancestors are dropped.
  const placeholders = new Set<string>();
  for (const e of errors) {
    if (hasPlaceholder(valueAt(root, pointerSegments(e.instancePath)))) placeholders.add(e.instancePath);
  }
  const underPlaceholder = (ptr: string): boolean => {
    for (const p of placeholders) if (p === ptr || p.startsWith(`${ptr}/`)) return true;
    return false;
  };
  const kept = errors.filter((e) => {
    if (placeholders.has(e.instancePath)) return false;
    if (COMPOSITE.has(e.keyword) && underPlaceholder(e.instancePath)) return false;
    return true;
  });

  // One problem per path: types merged ("must be an integer or a string"); an anyOf/oneOf
  // failure only when nothing more precise was said at or below that path.
  const byPath = new Map<string, { segments: string[]; types: string[]; messages: string[]; composite: boolean }>();
  const entry = (segments: string[]) => {
    const k = JSON.stringify(segments);
    let en = byPath.get(k);
    if (!en) {
      en = { segments, types: [], messages: [], composite: false };
      byPath.set(k, en);
    }
    return en;
  };
  for (const e of kept) {
    const segments = pointerSegments(e.instancePath);
    if (e.keyword === 'required') {
      entry([...segments, String(e.params.missingProperty)]).messages.push('required field is missing');
    } else if (e.keyword === 'additionalProperties') {
      entry([...segments, String(e.params.additionalProperty)]).messages.push('unknown field');
    } else if (e.keyword === 'type') {
      const t = e.params.type;
      entry(segments).types.push(...(Array.isArray(t) ? (t as string[]) : [String(t)]));
    } else if (COMPOSITE.has(e.keyword)) {
      entry(segments).composite = true;
    } else {
      entry(segments).messages.push(messageFor(e));
    }
  }
  const out: SchemaProblem[] = [];
  const keys = [...byPath.keys()];
  for (const [k, en] of byPath) {
    const p = displayPath(root, en.segments);
    const msgs: string[] = [];
    if (en.types.length > 0) msgs.push(`must be ${typeNames(en.types)}`);
    // A type error says it all: drop "must be one of" and the like for the same value.
    if (en.types.length === 0) msgs.push(...new Set(en.messages));
    if (msgs.length === 0 && en.composite) {
      const prefix = k.slice(0, -1);
      const deeper = keys.some((o) => o !== k && o.startsWith(prefix));
      if (!deeper) msgs.push('does not match any allowed form');
    }
    for (const message of msgs) out.push({ path: p, message });
  }
  return out;
}

/**
 * Validate one object (already parsed from YAML, before or after Flux ${VAR} substitution).
 * Returns [] when valid or when the kind is unknown to us (unknown kinds are not errors).
 */
export function validateObject(obj: Record<string, unknown>): SchemaProblem[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [];
  const key = `${apiVersion}/${kind}`;
  const model = MODELS[key];
  if (!model) return [];
  const validate = validatorFor(model);
  const trace: Trace = { reads: new Map(), enumerated: new Set() };
  const ok = validate(traced(obj, trace));
  const widened = WIDENED_ENUMS[key] ?? [];
  const errors = (ok ? [] : [...(validate.errors ?? [])]).filter(
    (e) =>
      !(
        e.keyword === 'enum' &&
        widened.some(
          ([at, extra]) =>
            at.test(e.instancePath) && extra.includes(String(valueAt(obj, pointerSegments(e.instancePath)))),
        )
      ),
  );
  const problems = [...unknownFields(obj, trace, DROPPED_BY_MODELS[key]), ...schemaProblems(obj, errors)];
  // Unknown fields found by our walk (with a hint) win over Ajv's own (additionalProperties: false).
  const seen = new Set<string>();
  const byPath = (a: SchemaProblem, b: SchemaProblem) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return problems.sort(byPath).filter((p) => {
    const k = `${p.path}\u0000${p.message.startsWith('unknown field') ? 'unknown field' : p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
