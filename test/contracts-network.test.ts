import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createClusters, loadCatalog } from '../src';
import { type FluxKs, type K8sObject, substituteText } from './helpers/flux';
import { walkClusterBatched } from './helpers/flux-batch';
import { tmpDir } from './helpers/fs';

/*
 * Networking contracts between components (issue #13): what one component expects from another (a zone, a DNS
 * name that resolves, a route that carries traffic, a peer address in a certificate). Each test is named after the
 * defect it guards against. Fixture: the reference platform (infra + apps, all stories approved, every value a
 * default), walked as Flux does with the real `kubectl kustomize` and each cluster's cluster-settings substituted.
 * Expected values come from platform.yaml and cluster-settings, never from literals of the templates.
 */

const cat = loadCatalog();
const CLUSTERS = ['infra', 'apps'] as const;
type Cluster = (typeof CLUSTERS)[number];

let repo: string;
let platform: any;
const walks = new Map<Cluster, Map<string, FluxKs>>();

const pcl = (c: Cluster) => platform.clusters[c];
const within = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);
/** The DNS name one label below `zone`, or undefined. */
const labelBelow = (name: string, zone: string) =>
  name.endsWith(`.${zone}`) && !name.slice(0, -zone.length - 1).includes('.')
    ? name.slice(0, -zone.length - 1)
    : undefined;
/** A certificate / listener name (possibly *.x) covers a host name as TLS does: a wildcard stands for one label. */
const covers = (pattern: string, host: string) =>
  pattern.startsWith('*.') ? labelBelow(host, pattern.slice(2)) !== undefined : pattern === host;
const hostOf = (url: string) => new URL(url).hostname;

/** The zone the cluster domains share (longest common parent with at least two labels): where public names live. */
function sharedZone(domains: string[]): string {
  const labels = domains.map((d) => d.split('.').reverse());
  const common: string[] = [];
  for (let i = 0; labels.every((l) => i < l.length && l[i] === labels[0][i]); i++) common.push(labels[0][i]);
  expect(common.length, `the cluster domains ${domains.join(', ')} share a zone`).toBeGreaterThanOrEqual(2);
  return common.reverse().join('.');
}

function walk(c: Cluster): Map<string, FluxKs> {
  const w = walks.get(c);
  if (!w) throw new Error(`cluster ${c} was not walked`);
  return w;
}
const allObjects = (c: Cluster): any[] => [...walk(c).values()].flatMap((k) => k.objects);
function obj(c: Cluster, ksName: string, kind: string, name: string): any {
  const k = walk(c).get(ksName);
  if (!k) throw new Error(`${c}: Flux Kustomization ${ksName} is not wired`);
  const o = k.objects.find((x: K8sObject) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${c}: ${kind} ${name} is missing from ${ksName}`);
  return o;
}
const settings = (c: Cluster): Record<string, string> => obj(c, 'flux-system', 'ConfigMap', 'cluster-settings').data;
/** Helm values of a component as its HelmRelease reads them (the substituted values ConfigMap). */
function values(c: Cluster, id: string): any {
  const hr = obj(c, id, 'HelmRelease', id);
  const ref = (hr.spec.valuesFrom ?? []).find((v: any) => v.kind === 'ConfigMap');
  return parse(obj(c, id, 'ConfigMap', ref.name).data['values.yaml']);
}
interface Route {
  cluster: Cluster;
  name: string;
  gateway: string;
  hosts: string[];
  rules: any[];
  backends: string[];
}
function routes(c: Cluster): Route[] {
  return allObjects(c)
    .filter((o) => o.kind === 'HTTPRoute' && o.metadata.name !== 'https-redirect')
    .map((o) => ({
      cluster: c,
      name: o.metadata.name,
      gateway: o.spec.parentRefs[0].name,
      hosts: o.spec.hostnames ?? [],
      rules: o.spec.rules ?? [],
      backends: (o.spec.rules ?? []).flatMap((r: any) => (r.backendRefs ?? []).map((b: any) => b.name)),
    }));
}
const allRoutes = () => CLUSTERS.flatMap((c) => routes(c));
const routeTo = (c: Cluster, backend: string, gateway?: string) => {
  const r = routes(c).filter((x) => x.backends.includes(backend) && (!gateway || x.gateway === gateway));
  expect(r.length, `${c}: a route to ${backend}${gateway ? ` on Gateway ${gateway}` : ''}`).toBeGreaterThan(0);
  return r;
};
const gatewayIp = (c: Cluster, gw: string) =>
  gw === 'external' ? pcl(c).network.gatewayIps.external : pcl(c).network.gatewayIps.internal;
const zoneOf = () => sharedZone(CLUSTERS.map((c) => pcl(c).domain));

beforeAll(() => {
  repo = path.join(tmpDir('cpc-net-'), 'platform');
  createClusters({
    dir: repo,
    clusters: [{ name: 'infra' }, { name: 'apps' }],
    stories: { ids: 'all', approve: true },
  });
  platform = parse(fs.readFileSync(path.join(repo, 'platform.yaml'), 'utf8'));
  for (const c of CLUSTERS) walks.set(c, walkClusterBatched(repo, c, { substitute: true }));
}, 600_000);

describe('networking contracts', () => {
  it('reference platform: every Flux path builds with kubectl kustomize and every ${VAR} resolves', () => {
    for (const c of CLUSTERS) for (const k of walk(c).values()) expect(k.unresolved, `${c}/${k.name}`).toEqual([]);
  });

  it('external-dns-cloudflare filters on the Cloudflare zone apex, not on the cluster subdomain (else no zone is kept and nothing is published)', () => {
    const zone = zoneOf();
    for (const c of CLUSTERS) {
      const v = values(c, 'external-dns-cloudflare');
      expect(v.domainFilters, `${c}: domainFilters`).toEqual([zone]);
      expect(v.domainFilters).not.toContain(pcl(c).domain);
      // only routes of the external Gateway go to Cloudflare
      expect(v.extraArgs, `${c}: Cloudflare instance limited to Gateway external`).toContain('--gateway-name=external');
      // every name this instance sees is inside the zone it keeps
      for (const r of routes(c).filter((x) => x.gateway === 'external'))
        for (const h of r.hosts)
          expect(within(h, v.domainFilters[0]), `${c}: ${h} in ${v.domainFilters[0]}`).toBe(true);
    }
  });

  it(
    'public names sit one level below the zone (Cloudflare universal certificate), registries stay off the ' +
      'tunnel, and every consumer of a public name agrees',
    () => {
      const zone = zoneOf();
      const external = allRoutes().filter((r) => r.gateway === 'external');
      expect(external.length).toBeGreaterThan(0);
      for (const r of external)
        for (const h of r.hosts)
          expect(labelBelow(h, zone), `${r.cluster}/${r.name}: ${h} is one label below ${zone}`).toBeDefined();
      // registries (Harbor, the GitLab registry) only on the internal Gateway
      for (const r of [...routeTo('infra', 'harbor'), ...routeTo('apps', 'gitlab-registry')])
        expect(r.gateway, `${r.cluster}/${r.name}`).toBe('internal');
      // Gateways, certificate and tunnel accept every name routed to them
      for (const c of CLUSTERS) {
        const cert = obj(c, 'wildcard-certificate', 'Certificate', 'wildcard-tls').spec.dnsNames as string[];
        for (const r of routes(c)) {
          const gw = obj(c, 'cilium-gateway', 'Gateway', r.gateway);
          const https = gw.spec.listeners.find((l: any) => l.name === 'https');
          for (const h of r.hosts) {
            expect(
              covers(https.hostname, h),
              `${c}: listener ${r.gateway}/https (${https.hostname}) accepts ${h}`,
            ).toBe(true);
            expect(
              cert.some((p) => covers(p, h)),
              `${c}: certificate wildcard-tls covers ${h}`,
            ).toBe(true);
          }
        }
        const tunnel = parse(obj(c, 'cloudflared', 'ConfigMap', 'cloudflared').data['config.yaml']);
        const rules = tunnel.ingress.filter((i: any) => i.hostname);
        for (const r of routes(c).filter((x) => x.gateway === 'external'))
          for (const h of r.hosts)
            expect(
              rules.some((i: any) => covers(i.hostname, h)),
              `${c}: tunnel forwards ${h}`,
            ).toBe(true);
        const issuer = obj(c, 'cert-manager-issuers', 'ClusterIssuer', 'letsencrypt-production');
        const zones = issuer.spec.acme.solvers.flatMap((s: any) => s.selector?.dnsZones ?? []);
        for (const n of cert)
          expect(
            zones.some((z: string) => within(n.replace(/^\*\./, ''), z)),
            `${c}: DNS-01 solver selects ${n}`,
          ).toBe(true);
      }
      // GitLab: the public name of its route is what GitLab, the runner, OIDC and Keycloak's client use
      const [gitlab] = routeTo('apps', 'gitlab-webservice-default', 'external');
      const gitlabHost = gitlab.hosts[0];
      const gv = values('apps', 'gitlab');
      expect(gv.global.hosts.gitlab.name).toBe(gitlabHost);
      expect(gv.global.hosts.registry.name).toBe(routeTo('apps', 'gitlab-registry')[0].hosts[0]);
      expect(hostOf(values('apps', 'gitlab-runner').gitlabUrl)).toBe(gitlabHost);
      const oidc = parse(obj('apps', 'gitlab', 'ExternalSecret', 'gitlab-oidc').spec.target.template.data.provider);
      expect(hostOf(oidc.args.client_options.redirect_uri)).toBe(gitlabHost);
      expect(hostOf(settings('infra').GITLAB_EXTERNAL_URL)).toBe(gitlabHost);
      const realm = obj('infra', 'keycloak', 'KeycloakRealmImport', 'platform').spec.realm;
      const client = (id: string) => realm.clients.find((x: any) => x.clientId === id);
      for (const u of client('gitlab').redirectUris) expect(hostOf(u)).toBe(gitlabHost);
      // Keycloak: the issuer GitLab uses is Keycloak's public hostname and its external route
      const [sso] = routeTo('infra', 'keycloak-service', 'external');
      const kc = obj('infra', 'keycloak', 'Keycloak', 'keycloak').spec;
      expect(hostOf(kc.hostname.hostname)).toBe(sso.hosts[0]);
      expect(oidc.args.issuer).toBe(settings('apps').OIDC_ISSUER_URL);
      expect(hostOf(settings('apps').OIDC_ISSUER_URL)).toBe(sso.hosts[0]);
      // Harbor and Grafana: their clients' redirect URIs name the host their routes serve
      const harborHost = routeTo('infra', 'harbor')[0].hosts[0];
      expect(hostOf(values('infra', 'harbor').externalURL)).toBe(harborHost);
      for (const u of client('harbor').redirectUris) expect(hostOf(u)).toBe(harborHost);
      const grafanaHost = routeTo('infra', 'victoria-metrics-global-grafana')[0].hosts[0];
      for (const u of client('grafana').redirectUris) expect(hostOf(u)).toBe(grafanaHost);
    },
  );

  it('split DNS: every route name of both Gateways and both clusters resolves inside both clusters, to its Gateway address', () => {
    for (const resolver of CLUSTERS) {
      const core = values(resolver, 'coredns');
      const forwards = core.servers
        .filter((b: any) => !b.zones.some((z: any) => z.zone === '.'))
        .map((b: any) => ({
          zone: b.zones[0].zone,
          to: b.plugins.find((p: any) => p.name === 'forward')?.parameters.split(' ')[1],
        }));
      for (const publisher of CLUSTERS) {
        const v = values(publisher, 'external-dns-rfc2136');
        const arg = (n: string) => v.extraArgs.find((a: string) => a.startsWith(`--${n}=`))?.split('=')[1];
        expect(v.sources, `${publisher}: external-dns-rfc2136 sources`).toContain('gateway-httproute');
        const onlyGateway = arg('gateway-name');
        for (const r of routes(publisher)) {
          for (const h of r.hosts) {
            const where = `${h} (${publisher}, Gateway ${r.gateway}) seen from ${resolver}`;
            // published: this instance watches the route's Gateway and the name is inside its zone and filters
            expect(
              onlyGateway === undefined || onlyGateway === r.gateway,
              `${where}: external-dns-rfc2136 watches Gateway ${onlyGateway}`,
            ).toBe(true);
            expect(within(h, arg('rfc2136-zone')!), `${where}: in rfc2136 zone ${arg('rfc2136-zone')}`).toBe(true);
            expect(
              v.domainFilters.some((d: string) => within(h, d)),
              `${where}: in domainFilters ${v.domainFilters}`,
            ).toBe(true);
            // resolved: the resolver cluster's CoreDNS forwards a zone holding the name to the server it was written to
            const fwd = forwards.find((f: any) => within(h, f.zone));
            expect(
              fwd,
              `${where}: CoreDNS of ${resolver} forwards a zone holding it (forwards: ${JSON.stringify(forwards)})`,
            ).toBeDefined();
            expect(fwd.to, where).toBe(arg('rfc2136-host'));
            expect(
              within(arg('rfc2136-zone')!, fwd.zone),
              `${where}: the forwarded zone holds the published zone`,
            ).toBe(true);
          }
        }
      }
    }
    // the records point at the Gateways: each route's Gateway has the address the name must resolve to
    for (const c of CLUSTERS)
      for (const gw of ['external', 'internal'])
        expect(obj(c, 'cilium-gateway', 'Gateway', gw).spec.addresses[0].value).toBe(gatewayIp(c, gw));
  });

  it('split DNS is on as soon as the DNS story is approved (without the ClusterMesh DNS story)', () => {
    const dnsStory = 'STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL';
    const ids = new Set<string>([dnsStory]);
    const todo = [dnsStory];
    while (todo.length)
      for (const d of cat.byId.get(todo.pop()!)!.dependsOn)
        if (!ids.has(d)) {
          ids.add(d);
          todo.push(d);
        }
    expect(ids.has('STORY-NET-CLUSTERMESH-DNS')).toBe(false);
    const dir = path.join(tmpDir('cpc-net-dns-'), 'platform');
    createClusters({ dir, clusters: [{ name: 'infra' }, { name: 'apps' }], stories: { ids: [...ids], approve: true } });
    for (const c of CLUSTERS) {
      const s = parse(fs.readFileSync(path.join(dir, `kubernetes/clusters/${c}/cluster-settings.yaml`), 'utf8')).data;
      // what CoreDNS runs with on this cluster: the component's values with the cluster's settings substituted
      // (exactly what Flux applies and what bootstrap/render-values.sh hands to helmfile)
      const core = parse(
        substituteText(
          fs.readFileSync(path.join(dir, 'kubernetes/infrastructure/networking/coredns/app/helm-values.yaml'), 'utf8'),
          s,
        ).text,
      );
      const rfc = parse(
        substituteText(
          fs.readFileSync(
            path.join(dir, 'kubernetes/infrastructure/networking/external-dns-rfc2136/app/helm-values.yaml'),
            'utf8',
          ),
          s,
        ).text,
      );
      const zone = rfc.extraArgs.find((a: string) => a.startsWith('--rfc2136-zone=')).split('=')[1];
      const block = core.servers.find((b: any) => b.zones.some((z: any) => within(zone, z.zone)));
      expect(block, `${c}: CoreDNS forwards the zone external-dns-rfc2136 writes (${zone})`).toBeDefined();
      expect(block.plugins.find((p: any) => p.name === 'forward').parameters).toBe(`. ${s.RFC2136_HOST}`);
      for (const x of CLUSTERS) expect(within(pcl(x).domain, zone), `${c}: ${pcl(x).domain} in ${zone}`).toBe(true);
    }
  });

  it('ClusterMesh carries traffic between clusters on different node networks: VXLAN tunnel, not L2-only native routing', () => {
    const meshed = CLUSTERS.filter((c) => walk(c).has('cilium-clustermesh'));
    expect(meshed.length).toBe(2);
    expect(pcl('infra').network.nodeCidr).not.toBe(pcl('apps').network.nodeCidr);
    for (const c of meshed) {
      const v = values(c, 'cilium');
      const podCidrAdvertised = allObjects(c).some(
        (o) =>
          o.kind === 'CiliumBGPAdvertisement' &&
          o.spec.advertisements.some((a: any) => a.advertisementType === 'PodCIDR'),
      );
      if (v.routingMode === 'native') {
        // native routing across node networks needs the pod CIDRs routed by the network (BGP) and a routing CIDR
        // covering every meshed cluster's pods
        expect(podCidrAdvertised, `${c}: native routing across node networks without PodCIDR advertisement`).toBe(true);
        for (const p of meshed)
          expect(v.ipv4NativeRoutingCIDR, `${c}: native routing CIDR covers ${p}'s pods`).not.toBe(
            pcl(c).network.podCidr,
          );
      } else {
        expect(v.routingMode, `${c}: routingMode`).toBe('tunnel');
        expect(['vxlan', 'geneve']).toContain(v.tunnelProtocol);
        expect(v.autoDirectNodeRoutes, `${c}: autoDirectNodeRoutes is a native-routing option`).toBeFalsy();
        expect(v.endpointRoutes?.enabled ?? false, `${c}: per-endpoint routes are a native-routing feature`).toBe(
          false,
        );
      }
      // the rest of the Talos datapath stays consistent
      expect(v.kubeProxyReplacement).toBe(true);
      expect(v.bpf.masquerade).toBe(true);
      expect(v.bandwidthManager.enabled).toBe(true);
      expect(v.MTU ?? v.mtu ?? 0, `${c}: MTU left to auto-detection (tunnel overhead subtracted)`).toBe(0);
      // Talos: kube-proxy off, so Cilium's replacement is the only one
      const talosCluster = parse(fs.readFileSync(path.join(repo, `talos/${c}/patches/cluster.yaml`), 'utf8'));
      expect(talosCluster.cluster.proxy.disabled).toBe(true);
    }
  });

  it('ClusterMesh peers are addressed by IP (agents use the node resolvers), and that IP is in the peer server certificate', () => {
    const doc = fs.readFileSync(path.join(repo, 'docs/design/networking.md'), 'utf8');
    for (const c of CLUSTERS) {
      const v = values(c, 'cilium');
      const ip = pcl(c).network.gatewayIps.internal;
      expect(v.clustermesh.apiserver.tls.server.extraIpAddresses, `${c}: server certificate IP SANs`).toContain(ip);
      expect(v.clustermesh.apiserver.service.annotations['lbipam.cilium.io/ips']).toBe(ip);
      for (const peer of CLUSTERS.filter((p) => p !== c)) {
        const section = doc.slice(
          doc.indexOf(`- **${c}**, item \`${settings(c).SECRET_KEY_PREFIX}cilium-clustermesh\``),
        );
        const line = section.split('\n').find((l) => l.includes(`field \`${peer}\``));
        expect(line, `${c}: store item field for peer ${peer}`).toBeDefined();
        expect(line).toContain(`endpoints: [https://${pcl(peer).network.gatewayIps.internal}:2379]`);
        expect(line).not.toContain(`clustermesh.${pcl(peer).domain}`);
      }
    }
    const es = fs.readFileSync(
      path.join(
        repo,
        'kubernetes/infrastructure/networking/cilium-clustermesh/app/externalsecret-cilium-clustermesh.yaml',
      ),
      'utf8',
    );
    expect(es).not.toMatch(/^#\s+- https:\/\/clustermesh\./m);
  });

  it('BGP_LOCAL_ASN defaults are unique per cluster (derived from the cluster id), private 16-bit ASNs', () => {
    const asns = CLUSTERS.map(
      (c) => obj(c, 'cilium-bgp', 'CiliumBGPClusterConfig', 'bgp').spec.bgpInstances[0].localASN as number,
    );
    expect(new Set(asns).size, `localASN per cluster: ${asns}`).toBe(CLUSTERS.length);
    for (const [i, c] of CLUSTERS.entries()) {
      expect(asns[i]).toBeGreaterThanOrEqual(64512);
      expect(asns[i]).toBeLessThanOrEqual(65534);
      expect(String(asns[i])).toBe(settings(c).BGP_LOCAL_ASN);
    }
    // ordered like the cluster ids, so the default follows the id
    const byId = [...CLUSTERS].sort((a, b) => pcl(a).clusterId - pcl(b).clusterId);
    const idAsn = byId.map((c) => Number(settings(c).BGP_LOCAL_ASN) - pcl(c).clusterId);
    expect(new Set(idAsn).size).toBe(1);
  });

  it('Keycloak publishes only realms and resources on the external Gateway; the admin console is internal (hostname-admin)', () => {
    const allowed = ['/realms', '/resources', '/robots.txt'];
    const ext = routeTo('infra', 'keycloak-service', 'external');
    for (const r of ext) {
      for (const rule of r.rules) {
        for (const m of rule.matches ?? [{}]) {
          const p = m.path?.value ?? '/';
          expect(
            allowed.some((a) => p === a || p.startsWith(`${a}/`)),
            `external route ${r.name} exposes ${p}`,
          ).toBe(true);
        }
      }
    }
    const internal = routeTo('infra', 'keycloak-service', 'internal');
    const adminHost = internal[0].hosts[0];
    expect(within(adminHost, pcl('infra').domain)).toBe(true);
    expect(
      internal[0].rules.some((rule: any) =>
        (rule.matches ?? [{}]).some((m: any) => ['/', '/admin'].includes(m.path?.value ?? '/')),
      ),
    ).toBe(true);
    const kc = obj('infra', 'keycloak', 'Keycloak', 'keycloak').spec;
    expect(kc.hostname.admin).toBe(`https://${adminHost}`);
    expect(hostOf(kc.hostname.hostname)).toBe(ext[0].hosts[0]);
    expect(kc.hostname.admin).not.toBe(kc.hostname.hostname);
  });

  it('derived defaults follow platform.yaml: public zone from the cluster domains, ASN from the cluster id, consumers from the serving cluster', () => {
    const dir = path.join(tmpDir('cpc-net-own-'), 'platform');
    const want = [
      { name: 'core', role: 'infra' as const, domain: 'core.dc1.corp.net', clusterId: 7 },
      { name: 'edge', role: 'apps' as const, domain: 'edge.dc1.corp.net', clusterId: 12 },
    ];
    createClusters({ dir, clusters: want, stories: { ids: 'all', approve: true } });
    const p = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8'));
    const zone = sharedZone(want.map((w) => w.domain));
    const asns = new Set<string>();
    for (const w of want) {
      const s = parse(
        fs.readFileSync(path.join(dir, `kubernetes/clusters/${w.name}/cluster-settings.yaml`), 'utf8'),
      ).data;
      expect(p.clusters[w.name].settings.PUBLIC_DNS_ZONE, `${w.name}: PUBLIC_DNS_ZONE recorded in platform.yaml`).toBe(
        zone,
      );
      expect(s.INTERNAL_DNS_ZONE, `${w.name}: split-horizon zone`).toBe(zone);
      asns.add(s.BGP_LOCAL_ASN);
      expect(Number(s.BGP_LOCAL_ASN) - w.clusterId, `${w.name}: ASN follows the cluster id`).toBe(
        Number([...asns][0]) - want[0].clusterId,
      );
    }
    expect(asns.size).toBe(want.length);
    const infra = parse(fs.readFileSync(path.join(dir, 'kubernetes/clusters/core/cluster-settings.yaml'), 'utf8')).data;
    const apps = parse(fs.readFileSync(path.join(dir, 'kubernetes/clusters/edge/cluster-settings.yaml'), 'utf8')).data;
    const publicRoute = (file: string, s: Record<string, string>) =>
      parseAllDocuments(substituteText(fs.readFileSync(path.join(dir, file), 'utf8'), s).text)
        .map((d) => d.toJS())
        .find((o: any) => o?.kind === 'HTTPRoute' && o.spec.parentRefs[0].name === 'external');
    expect(hostOf(infra.GITLAB_EXTERNAL_URL)).toBe(
      publicRoute('kubernetes/workloads/cicd/gitlab/app/httproute.yaml', apps).spec.hostnames[0],
    );
    expect(hostOf(apps.OIDC_ISSUER_URL)).toBe(
      publicRoute('kubernetes/infrastructure/identity/keycloak/app/httproute.yaml', infra).spec.hostnames[0],
    );
  });

  it('docs/design/networking.md is generated for every platform from the same data as the manifests', () => {
    const doc = fs.readFileSync(path.join(repo, 'docs/design/networking.md'), 'utf8');
    for (const c of CLUSTERS) {
      const s = settings(c);
      const n = pcl(c).network;
      const row = doc.split('\n').find((l) => l.startsWith(`| ${c} | ${pcl(c).role} |`));
      expect(row, `${c}: table row`).toBeDefined();
      for (const v of [
        pcl(c).domain,
        n.nodeCidr,
        n.podCidr,
        n.serviceCidr,
        n.gatewayIps.external,
        n.gatewayIps.internal,
        String(pcl(c).clusterId),
        s.BGP_LOCAL_ASN,
        s.PUBLIC_DNS_ZONE,
      ])
        expect(row, `${c}: ${v}`).toContain(`| ${v} |`);
      const v = values(c, 'cilium');
      expect(doc).toContain(`| ${c} | ${v.routingMode} | ${v.tunnelProtocol} |`);
      expect(doc).toContain(`| ${c} | ${s.INTERNAL_DNS_ZONE} | ${s.RFC2136_HOST} |`);
      for (const r of routes(c))
        for (const h of r.hosts) expect(doc, `${h}`).toContain(`| ${h} | ${c} | ${r.gateway} |`);
    }
    // every platform, even one with no story yet
    const bare = path.join(tmpDir('cpc-net-bare-'), 'platform');
    createClusters({ dir: bare, clusters: [{ name: 'solo' }] });
    const text = fs.readFileSync(path.join(bare, 'docs/design/networking.md'), 'utf8');
    expect(text).toContain('| solo |');
  });
  it('the internal DNS server answers for the whole forwarded zone: networking.md lists every other host the clusters need inside it', () => {
    // Git, the secret backend, S3...: a setting naming a host inside INTERNAL_DNS_ZONE that no route serves would be
    // NXDOMAIN in-cluster unless the internal server holds it too (Flux could not clone, no ExternalSecret would sync).
    const doc = fs.readFileSync(path.join(repo, 'docs/design/networking.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Other names inside the forwarded zone'), doc.indexOf('### Registries'));
    const served = new Set(allRoutes().flatMap((r) => r.hosts));
    let expected = 0;
    for (const c of CLUSTERS) {
      const s = settings(c);
      for (const [key, value] of Object.entries(s)) {
        if (!value.includes('://')) continue;
        const host = hostOf(value);
        if (!within(host, s.INTERNAL_DNS_ZONE) || served.has(host)) {
          expect(section, `${c}: ${key} (${host}) is served or outside the zone`).not.toContain(
            `| ${host} | ${key} | ${c} |`,
          );
          continue;
        }
        expected++;
        expect(section, `${c}: ${key} names ${host} inside ${s.INTERNAL_DNS_ZONE}`).toContain(
          `| ${host} | ${key} | ${c} |`,
        );
      }
    }
    // the reference platform's placeholders (git., secrets., s3.<zone>) are all inside the zone
    expect(expected).toBeGreaterThanOrEqual(3 * CLUSTERS.length);
  });
});
