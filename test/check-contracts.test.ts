// The contract rules of platform-kit check (src/check/contracts.ts): each fixture under
// test/fixtures/check-contracts/<rule>/ is a small repository in a real layout where the rule fires; every finding
// of the contract codes must be the expected one (code, severity, cluster, file, line, and the text on that line),
// and a copy with the defect repaired must give none. The reference platform, rendered fresh, must give none either.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src';
import { check } from '../src';
import { parseCreateSecret } from '../src/check/contracts';
import { excludesFolder, parseIgnore } from '../src/check/gitignore';
import { tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

const FIXTURES = path.join(__dirname, 'fixtures', 'check-contracts');

/** Every code the contract rules emit (CLUSTER_ID_REUSED and CIDR_OVERLAP are shared with the settings checks). */
const CODES = new Set([
  'SOURCE_IGNORE_EXCLUDES_PATH',
  'HEALTHCHECK_WITHOUT_READY',
  'SECRET_KEY_UNPROVIDED',
  'HOSTNAME_NOT_PUBLISHED',
  'HOSTNAME_NOT_IN_INTERNAL_ZONE',
  'NAMESPACE_METADATA_CONFLICT',
  'BGP_ASN_REUSED',
  'CLUSTER_ID_REUSED',
  'CIDR_OVERLAP',
]);

interface Expected {
  code: string;
  severity: Finding['severity'];
  cluster: string;
  file: string;
  line: number;
  /** Text on that line (guards the line number). */
  text: string;
  message?: RegExp;
}

/** Replace `replace` by `with` in a file of the copy (it must occur exactly once). */
interface Edit {
  file: string;
  replace: string;
  with: string;
}

interface Case {
  rule: string;
  clusterPaths: string[];
  expect: Expected[];
  /** The repair: after it, no contract finding at all. */
  fix: Edit[];
}

const CASES: Case[] = [
  {
    rule: 'source-ignore',
    clusterPaths: ['clusters/*'],
    expect: [
      {
        code: 'SOURCE_IGNORE_EXCLUDES_PATH',
        severity: 'error',
        cluster: 'production',
        file: 'infrastructure/controllers/keycloak-operator.yaml',
        line: 13,
        text: '/*',
        message: /`!\.\/kubernetes` never matches/,
      },
      {
        code: 'SOURCE_IGNORE_EXCLUDES_PATH',
        severity: 'error',
        cluster: 'production',
        file: 'infrastructure/controllers/cloudnative-pg.yaml',
        line: 17,
        text: '*.yaml',
        message: /below \.\/releases/,
      },
    ],
    fix: [
      { file: 'infrastructure/controllers/keycloak-operator.yaml', replace: '!./kubernetes', with: '!/kubernetes' },
      { file: 'infrastructure/controllers/cloudnative-pg.yaml', replace: '    *.yaml\n', with: '    /*.yaml\n' },
    ],
  },
  {
    rule: 'health-checks',
    clusterPaths: ['kubernetes/flux/cluster'],
    expect: [
      {
        code: 'HEALTHCHECK_WITHOUT_READY',
        severity: 'warning',
        cluster: 'cluster',
        file: 'kubernetes/apps/database/dragonfly/ks.yaml',
        line: 10,
        text: '- apiVersion: dragonflydb.io/v1alpha1',
        message: /Dragonfly database\/dragonfly.*passes this health check at once/,
      },
      {
        code: 'HEALTHCHECK_WITHOUT_READY',
        severity: 'warning',
        cluster: 'cluster',
        file: 'kubernetes/apps/rook-ceph/rook-ceph/ks.yaml',
        line: 14,
        text: '- apiVersion: ceph.rook.io/v1',
        message: /CephBlockPool rook-ceph\/ceph-blockpool/,
      },
    ],
    fix: [
      {
        file: 'kubernetes/apps/database/dragonfly/ks.yaml',
        replace: '  interval: 1h\n',
        with: "  healthCheckExprs:\n    - apiVersion: dragonflydb.io/v1alpha1\n      kind: Dragonfly\n      current: status.phase == 'ready'\n  interval: 1h\n",
      },
      {
        file: 'kubernetes/apps/rook-ceph/rook-ceph/ks.yaml',
        replace: '  interval: 1h\n',
        with:
          '  healthCheckExprs:\n    - apiVersion: ceph.rook.io/v1\n      kind: CephBlockPool\n      ' +
          "current: status.phase == 'Ready'\n      failed: status.phase == 'Failure'\n  interval: 1h\n",
      },
    ],
  },
  {
    rule: 'secret-keys',
    clusterPaths: ['clusters/*'],
    expect: [
      {
        code: 'SECRET_KEY_UNPROVIDED',
        severity: 'error',
        cluster: 'home',
        file: 'infrastructure/configs/clustersecretstore.yaml',
        line: 17,
        text: 'key: connect-token',
        message: /bootstrap\/README\.md:8\) give only token/,
      },
      {
        code: 'SECRET_KEY_UNPROVIDED',
        severity: 'error',
        cluster: 'home',
        file: 'apps/base/grafana/helmrelease.yaml',
        line: 30,
        text: 'key: admin-password',
        message: /give only admin-pass, admin-user/,
      },
      {
        code: 'SECRET_KEY_UNPROVIDED',
        severity: 'error',
        cluster: 'home',
        file: 'infrastructure/configs/private-charts.yaml',
        line: 30,
        text: 'name: private-charts-deploy-key',
        message: /identity \+ known_hosts/,
      },
      {
        code: 'SECRET_KEY_UNPROVIDED',
        severity: 'error',
        cluster: 'home',
        file: 'apps/base/paperless/deployment.yaml',
        line: 39,
        text: 'key: REDIS_URL',
        message: /give only PAPERLESS_REDIS: the pod stays in CreateContainerConfigError/,
      },
    ],
    fix: [
      { file: 'bootstrap/README.md', replace: '--from-literal=token=', with: '--from-literal=connect-token=' },
      { file: 'apps/base/grafana/externalsecret.yaml', replace: 'admin-pass:', with: 'admin-password:' },
      { file: 'apps/base/paperless/deployment.yaml', replace: 'key: REDIS_URL', with: 'key: PAPERLESS_REDIS' },
      {
        file: 'infrastructure/configs/private-charts.yaml',
        replace: '        property: private key\n',
        with:
          '        property: private key\n    - secretKey: known_hosts\n      remoteRef:\n        key: ' +
          'private-charts-deploy-key\n        property: known hosts\n',
      },
    ],
  },
  {
    rule: 'dns',
    clusterPaths: ['clusters/*'],
    expect: [
      {
        code: 'HOSTNAME_NOT_IN_INTERNAL_ZONE',
        severity: 'error',
        cluster: 'home',
        file: 'apps/home/echo.yaml',
        line: 28,
        text: '- echo-public.example.net',
        message: /external-dns-cloudflare \(cloudflare\) publishes it, but not external-dns external-dns-internal/,
      },
      {
        code: 'HOSTNAME_NOT_PUBLISHED',
        severity: 'warning',
        cluster: 'home',
        file: 'apps/home/status.yaml',
        line: 12,
        text: '- status.example.org',
      },
    ],
    fix: [
      {
        file: 'infrastructure/controllers/external-dns-internal/values.yaml',
        replace: '  - --gateway-name=internal\n',
        with: '',
      },
      {
        file: 'infrastructure/controllers/external-dns-internal/values.yaml',
        replace: 'domainFilters:\n  - example.net\n',
        with: 'domainFilters:\n  - example.net\n  - example.org\n',
      },
      {
        file: 'infrastructure/controllers/external-dns-internal/values.yaml',
        replace: '  - --rfc2136-zone=example.net\n',
        with: '  - --rfc2136-zone=example.net\n  - --rfc2136-zone=example.org\n',
      },
    ],
  },
  {
    rule: 'namespaces',
    clusterPaths: ['clusters/*'],
    expect: [
      {
        code: 'NAMESPACE_METADATA_CONFLICT',
        severity: 'warning',
        cluster: 'home',
        file: 'infrastructure/observability/victoria-logs/namespace.yaml',
        line: 2,
        text: 'apiVersion: v1',
        message: /labels \(pod-security\.kubernetes\.io\/enforce\)/,
      },
      {
        code: 'NAMESPACE_METADATA_CONFLICT',
        severity: 'warning',
        cluster: 'home',
        file: 'infrastructure/cert-manager/issuers/namespace.yaml',
        line: 2,
        text: 'apiVersion: v1',
        message: /labels \(app\.kubernetes\.io\/name\)/,
      },
    ],
    fix: [
      {
        file: 'infrastructure/observability/victoria-logs/namespace.yaml',
        replace: '  name: observability\n',
        with: '  name: observability\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n',
      },
      {
        file: 'infrastructure/cert-manager/issuers/namespace.yaml',
        replace: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n',
        with: '',
      },
    ],
  },
  {
    rule: 'cluster-unique',
    clusterPaths: ['clusters/*'],
    expect: [
      {
        code: 'CLUSTER_ID_REUSED',
        severity: 'error',
        cluster: 'staging',
        file: 'clusters/staging/cluster-vars.yaml',
        line: 8,
        text: 'CILIUM_CLUSTER_ID: "1"',
        message: /also the id of production/,
      },
      {
        code: 'CIDR_OVERLAP',
        severity: 'error',
        cluster: 'staging',
        file: 'clusters/staging/cluster-vars.yaml',
        line: 9,
        text: 'CILIUM_POD_CIDR: 10.42.128.0/17',
        message: /overlaps pod CIDR 10\.42\.0\.0\/16 of production/,
      },
      {
        code: 'BGP_ASN_REUSED',
        severity: 'warning',
        cluster: 'staging',
        file: 'clusters/staging/cluster-vars.yaml',
        line: 10,
        text: 'BGP_ASN: "64512"',
        message: /also the local ASN of production/,
      },
    ],
    fix: [
      { file: 'clusters/staging/cluster-vars.yaml', replace: 'CILIUM_CLUSTER_ID: "1"', with: 'CILIUM_CLUSTER_ID: "2"' },
      {
        file: 'clusters/staging/cluster-vars.yaml',
        replace: 'CILIUM_POD_CIDR: 10.42.128.0/17',
        with: 'CILIUM_POD_CIDR: 10.43.0.0/16',
      },
      { file: 'clusters/staging/cluster-vars.yaml', replace: 'BGP_ASN: "64512"', with: 'BGP_ASN: "64513"' },
    ],
  },
];

const show = (fs_: Finding[]) =>
  fs_
    .map((f) => `${f.severity} ${f.code} [${f.cluster ?? '-'}] ${f.file ?? '-'}:${f.line ?? '-'} ${f.message}`)
    .join('\n');
const place = (f: { code: string; severity: string; cluster?: string; file?: string; line?: number }) =>
  `${f.code} ${f.severity} ${f.cluster} ${f.file}:${f.line}`;

function copyWith(rule: string, edits: Edit[]): string {
  const dir = path.join(tmpDir('cpc-contracts-'), rule);
  fs.cpSync(path.join(FIXTURES, rule), dir, { recursive: true });
  for (const e of edits) {
    const abs = path.join(dir, e.file);
    const text = fs.readFileSync(abs, 'utf8');
    const n = text.split(e.replace).length - 1;
    if (n !== 1) throw new Error(`edit of ${e.file}: ${JSON.stringify(e.replace)} occurs ${n} times (want exactly 1)`);
    fs.writeFileSync(
      abs,
      text.replace(e.replace, () => e.with),
    );
  }
  return dir;
}

describe('contract rules on their fixtures', () => {
  for (const c of CASES) {
    it(`${c.rule}: reports exactly the seeded defects, where they are`, async () => {
      const dir = path.join(FIXTURES, c.rule);
      const r = await check({ dir, clusterPaths: c.clusterPaths });
      const got = r.findings.filter((f) => CODES.has(f.code));
      expect(got.map(place).sort(), show(got)).toEqual(c.expect.map(place).sort());
      for (const e of c.expect) {
        expect(
          fs.readFileSync(path.join(dir, e.file), 'utf8').split('\n')[e.line - 1],
          `${e.file}:${e.line}`,
        ).toContain(e.text);
        const f = got.find((x) => place(x) === place(e))!;
        if (e.message) expect(f.message).toMatch(e.message);
        expect(f.hint, `${e.code} has a hint`).toBeTruthy();
      }
      // The fixture is otherwise a clean repository: no other error.
      const other = r.findings.filter((f) => !CODES.has(f.code) && f.severity === 'error');
      expect(other, show(other)).toEqual([]);
    });
    it(`${c.rule}: silent once the defects are repaired`, async () => {
      const r = await check({ dir: copyWith(c.rule, c.fix), clusterPaths: c.clusterPaths });
      const got = r.findings.filter((f) => CODES.has(f.code) || f.severity === 'error');
      expect(got, show(got)).toEqual([]);
    });
  }
});

describe('spec.ignore as source-controller applies it (go-git patterns, each file on its own)', () => {
  const excluded = (patterns: string, dir: string) => excludesFolder(parseIgnore(patterns), dir)?.pattern.text;
  it('a re-include written with ./ never matches; anchored with / it does', () => {
    expect(excluded('/*\n!./kubernetes', 'kubernetes')).toBe('/*');
    expect(excluded('/*\n!/kubernetes', 'kubernetes')).toBeUndefined();
    expect(excluded('/*\n!/kubernetes', 'kubernetes/operator')).toBeUndefined();
  });
  it('a pattern without a slash matches at any depth; with a leading slash only at the root', () => {
    expect(excluded('*.yaml', 'deploy/crds')).toBe('*.yaml');
    expect(excluded('/*.yaml', 'deploy/crds')).toBeUndefined();
    expect(excluded('docs', 'deploy/docs')).toBe('docs');
  });
  it('the last matching pattern wins; comments and blank lines are skipped, leading blanks are kept', () => {
    expect(excluded('# all\n/*\n\n!/deploy\n/deploy', 'deploy')).toBe('/deploy');
    expect(excluded('/*\n  !/deploy', 'deploy')).toBe('/*');
  });
  it('files below an excluded folder come back with a later ! pattern (the npm ignore package, like git, says no)', () => {
    const patterns = '/*\n!/example/prometheus-operator-crd/';
    expect(excluded(patterns, 'example/prometheus-operator-crd')).toBeUndefined();
    expect(ignore().add(patterns).ignores('example/prometheus-operator-crd/kustomization.yaml')).toBe(true);
  });
  it('** and dir-only patterns', () => {
    expect(excluded('/*\n!/config\n/config/**/samples/', 'config/default')).toBeUndefined();
    expect(excluded('/*\n!/config\n/config/**/samples/', 'config/crd/samples')).toBe('/config/**/samples/');
  });
});

describe('bootstrap commands that create Secrets', () => {
  it('reads name, namespace and keys of kubectl create secret', () => {
    const r = parseCreateSecret(
      'kubectl --namespace external-secrets create secret generic onepassword-connect-token   ' +
        '--from-literal=token="$OP_CONNECT_TOKEN" --from-file=credentials.json=./1password-credentials.json',
    );
    expect(r).toEqual({
      ns: 'external-secrets',
      name: 'onepassword-connect-token',
      keys: new Set(['token', 'credentials.json']),
    });
    expect(parseCreateSecret('kubectl create secret tls wildcard -n network --cert=tls.crt --key=tls.key')).toEqual({
      ns: 'network',
      name: 'wildcard',
      keys: new Set(['tls.crt', 'tls.key']),
    });
  });
  it('keys it cannot know make the provider unknown (the rule then stays silent)', () => {
    expect(
      parseCreateSecret('kubectl -n flux-system create secret generic sops-age --from-file=age.agekey')?.keys,
    ).toBeUndefined();
    expect(parseCreateSecret('kubectl create secret generic app --from-env-file=.env')?.keys).toBeUndefined();
    expect(
      parseCreateSecret('flux create secret git flux-system --url=ssh://git@github.com/o/r')?.keys,
    ).toBeUndefined();
    expect(parseCreateSecret('kubectl create secret generic "$NAME" --from-literal=a=b')?.name).toBe('*');
  });
});

describe('the reference platform', () => {
  it('gives no contract finding', async () => {
    const dir = path.join(tmpDir('cpc-contracts-ref-'), 'ref');
    const r0 = await runInProcess('create-platform-cluster', [
      'infra',
      'apps',
      '--yes',
      '--stories',
      'all',
      '--approve',
      '--dir',
      dir,
    ]);
    expect(r0.status, r0.stderr).toBe(0);
    const r = await check({ dir });
    const got = r.findings.filter((f) => CODES.has(f.code));
    expect(got, show(got)).toEqual([]);
  }, 120_000);
});
