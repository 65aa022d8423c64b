import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { knownKinds, type SchemaProblem, validateObject } from '../../src/check/schema';

type Obj = Record<string, unknown>;

const kustomization = (spec: Obj): Obj => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'cert-manager', namespace: 'flux-system', labels: { 'app.kubernetes.io/name': 'cert-manager' } },
  spec: {
    interval: '1h',
    retryInterval: '2m',
    timeout: '10m',
    path: './kubernetes/infrastructure/security/cert-manager/app',
    prune: true,
    wait: false,
    targetNamespace: 'cert-manager',
    sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' },
    dependsOn: [{ name: 'coredns' }],
    healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cert-manager', namespace: 'cert-manager' }],
    postBuild: {
      substitute: { CLUSTER_NAME: 'prod' },
      substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-settings' }],
    },
    ...spec,
  },
});

const deployment = (spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'ghcr.io/example/web:1.0.0',
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          },
        ],
      },
    },
    ...spec,
  },
});

const VALID: Record<string, Obj> = {
  'Flux Kustomization': kustomization({}),
  'Flux HelmRelease': {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'cert-manager', namespace: 'cert-manager' },
    spec: {
      interval: '1h',
      chartRef: { kind: 'OCIRepository', name: 'cert-manager' },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', cleanupOnFail: true, remediation: { retries: 3, strategy: 'rollback' } },
      driftDetection: { mode: 'enabled' },
      values: { crds: { enabled: true }, anything: { goes: ['here', 1, true] } },
      valuesFrom: [{ kind: 'ConfigMap', name: 'cert-manager-values' }],
    },
  },
  'Flux OCIRepository': {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'OCIRepository',
    metadata: { name: 'cert-manager', namespace: 'cert-manager' },
    spec: {
      interval: '12h',
      url: 'oci://quay.io/jetstack/charts/cert-manager',
      ref: { tag: 'v1.19.1' },
      layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
    },
  },
  'core Deployment': deployment(),
  'core Service': {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'apps' },
    spec: { type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  },
  'cert-manager Certificate': {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'wildcard', namespace: 'gateway' },
    spec: {
      secretName: 'wildcard-tls',
      dnsNames: ['example.com', '*.example.com'],
      issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-production', group: 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    },
  },
  ExternalSecret: {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'db', namespace: 'apps' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'db', creationPolicy: 'Owner' },
      data: [{ secretKey: 'password', remoteRef: { key: 'apps/db', property: 'password' } }],
    },
  },
  'Gateway API Gateway': {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'external', namespace: 'gateway' },
    spec: {
      gatewayClassName: 'cilium',
      listeners: [
        {
          name: 'https',
          protocol: 'HTTPS',
          port: 443,
          hostname: '*.example.com',
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'wildcard-tls' }] },
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    },
  },
  'Gateway API HTTPRoute': {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      parentRefs: [{ name: 'external', namespace: 'gateway', sectionName: 'https' }],
      hostnames: ['web.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }],
    },
  },
  PrometheusRule: {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      groups: [
        {
          name: 'web',
          rules: [
            {
              alert: 'WebDown',
              expr: 'up{job="web"} == 0',
              for: '5m',
              labels: { severity: 'critical' },
              annotations: { summary: 'web is down' },
            },
          ],
        },
      ],
    },
  },
};

describe('validateObject', () => {
  for (const [name, obj] of Object.entries(VALID)) {
    it(`accepts a valid ${name}`, () => {
      expect(validateObject(obj)).toEqual([]);
    });
  }

  it('reports an unknown field in a Flux Kustomization spec, with the nearest valid name', () => {
    const obj = kustomization({ dependson: [{ name: 'coredns' }] });
    expect(validateObject(obj)).toEqual([
      { path: 'spec.dependson', message: 'unknown field (did you mean dependsOn?)' },
    ]);
  });

  it('reports unknown fields nested in Flux specs and in metadata', () => {
    const obj = kustomization({ sourceRef: { kind: 'GitRepository', nme: 'flux-system' } });
    (obj.metadata as Obj).lables = { a: 'b' };
    expect(validateObject(obj)).toEqual([
      { path: 'metadata.lables', message: 'unknown field (did you mean labels?)' },
      { path: 'spec.sourceRef.name', message: 'required field is missing' },
      { path: 'spec.sourceRef.nme', message: 'unknown field (did you mean name?)' },
    ]);
  });

  it('reports unknown fields in core kinds too, but not map keys or Helm values', () => {
    const dep = deployment({ replica: 2 });
    expect(validateObject(dep)).toEqual([{ path: 'spec.replica', message: 'unknown field (did you mean replicas?)' }]);
    const hr = VALID['Flux HelmRelease'];
    expect(validateObject({ ...hr, spec: { ...(hr.spec as Obj), values: { totally: { free: 'form' } } } })).toEqual([]);
  });

  it('reports wrong types', () => {
    expect(validateObject(kustomization({ prune: 'yes' }))).toEqual([
      { path: 'spec.prune', message: 'must be a boolean' },
    ]);
    expect(validateObject(kustomization({ interval: 10 }))).toEqual([
      { path: 'spec.interval', message: 'must be a string' },
    ]);
    expect(validateObject(deployment({ replicas: 'two' }))).toEqual([
      { path: 'spec.replicas', message: 'must be an integer' },
    ]);
  });

  it('reports enums, missing required fields, and list positions', () => {
    const obj = kustomization({ sourceRef: { kind: 'GitRepo', name: 'flux-system' } });
    delete (obj.spec as Obj).interval;
    expect(validateObject(obj)).toEqual([
      { path: 'spec.interval', message: 'required field is missing' },
      {
        path: 'spec.sourceRef.kind',
        message: 'must be one of: OCIRepository, GitRepository, Bucket, ExternalArtifact',
      },
    ]);
    const svc = VALID['core Service'];
    const problems = validateObject({ ...svc, spec: { ports: [{ port: 80 }, { port: 'eighty' }] } });
    expect(problems).toEqual([{ path: 'spec.ports[1].port', message: 'must be an integer' }]);
  });

  it('does not report ${VAR} placeholders in integer, boolean or patterned fields', () => {
    expect(validateObject(deployment({ replicas: '${REPLICAS}' }))).toEqual([]);
    expect(validateObject(kustomization({ prune: '${PRUNE:=true}', wait: '${WAIT:-false}' }))).toEqual([]);
    const svc = VALID['core Service'];
    expect(validateObject({ ...svc, spec: { ports: [{ port: '${PORT}', targetPort: '${TARGET_PORT}' }] } })).toEqual(
      [],
    );
    const route = VALID['Gateway API HTTPRoute'];
    expect(
      validateObject({ ...route, spec: { ...(route.spec as Obj), hostnames: ['web.${CLUSTER_DOMAIN}'] } }),
    ).toEqual([]);
    // Not a placeholder: Flux leaves $${VAR} as the literal ${VAR}.
    expect(validateObject(deployment({ replicas: '$${REPLICAS}' }))).toEqual([
      { path: 'spec.replicas', message: 'must be an integer' },
    ]);
  });

  it('returns [] for kinds it does not know, and for non-objects', () => {
    expect(validateObject({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', spec: { whatever: 1 } })).toEqual(
      [],
    );
    expect(
      validateObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['a.yaml'] }),
    ).toEqual([]);
    expect(
      validateObject({ apiVersion: 'kustomize.toolkit.fluxcd.io/v1beta2', kind: 'Kustomization', spec: { nope: 1 } }),
    ).toEqual([]);
    expect(validateObject({ kind: 'Deployment', spec: { replicas: 'x' } })).toEqual([]);
  });

  it('loads a model for every known kind', () => {
    const kinds = knownKinds();
    expect(kinds).toContain('kustomize.toolkit.fluxcd.io/v1/Kustomization');
    expect(kinds).toContain('helm.toolkit.fluxcd.io/v2/HelmRelease');
    expect(kinds).toContain('external-secrets.io/v1/ExternalSecret');
    for (const k of kinds) {
      const i = k.lastIndexOf('/');
      const problems = validateObject({
        apiVersion: k.slice(0, i),
        kind: k.slice(i + 1),
        metadata: { name: 'x' },
        bogus: 1,
      });
      expect(problems, k).toContainEqual({ path: 'bogus', message: 'unknown field' });
    }
  });

  it('checks GatewayClass spec.description, which the models lose', () => {
    const gc = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cilium' } };
    expect(
      validateObject({ ...gc, spec: { controllerName: 'io.cilium/gateway-controller', description: 'Cilium' } }),
    ).toEqual([]);
    expect(validateObject({ ...gc, spec: { controllerName: 'io.cilium/gateway-controller', description: 5 } })).toEqual(
      [{ path: 'spec.description', message: 'must be a string' }],
    );
  });
});

describe('the reference platform', () => {
  const root = path.resolve(__dirname, '../../examples/reference-platform/kubernetes');
  const yamlFiles = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return yamlFiles(p);
      return /\.ya?ml$/.test(e.name) ? [p] : [];
    });

  it('has no schema problems in any API object under kubernetes/', () => {
    const found: string[] = [];
    let checked = 0;
    const known = new Set(knownKinds());
    for (const file of yamlFiles(root)) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const obj = doc.toJS() as Obj | null;
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) continue;
        if (String(obj.apiVersion ?? '').startsWith('kustomize.config.k8s.io/')) continue;
        if (known.has(`${String(obj.apiVersion)}/${String(obj.kind)}`)) checked++;
        const problems: SchemaProblem[] = validateObject(obj);
        const name = (obj.metadata as Obj | undefined)?.name;
        for (const p of problems)
          found.push(`${path.relative(root, file)} ${String(obj.kind)}/${String(name)}: ${p.path}: ${p.message}`);
      }
    }
    expect(found).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });
});
