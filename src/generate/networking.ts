import type { TemplateRenderer } from '../core/render';
import type { Tree } from '../core/tree';
import { componentDir } from '../model/components';
import type { PlatformSpec } from '../model/schema';
import type { Catalog } from '../model/stories';
import { substitute, VARIABLES } from '../model/variables';
import { wiredComponents } from '../model/wiring';
import { SubstitutedDocuments } from './documents';

export const NETWORKING_DOC = 'docs/design/networking.md';

/** One hostname an HTTPRoute serves on one cluster, as Flux applies it (cluster-settings substituted). */
export interface RouteName {
  cluster: string;
  host: string;
  gateway: 'external' | 'internal' | string;
  component: string;
  route: string;
  paths: string[];
  /** Load-balancer IP of the Gateway the name resolves to inside the clusters (split-horizon zone). */
  address: string;
}

const within = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

/** Every route hostname of every cluster, from the rendered component files and each cluster's settings. */
export function routeNames(
  tree: Tree,
  spec: PlatformSpec,
  cat: Catalog,
  settings: Record<string, Record<string, string>>,
  filesOf: Map<string, string[]>,
): RouteName[] {
  const out: RouteName[] = [];
  const docs = new SubstitutedDocuments();
  for (const cluster of Object.keys(spec.clusters)) {
    const s = settings[cluster];
    for (const comp of wiredComponents(spec, cat, cluster)) {
      for (const f of filesOf.get(comp.id) ?? []) {
        if (!f.startsWith(`${componentDir(comp)}/app/`) || !/\.ya?ml$/.test(f)) continue;
        const text = tree.read(f)!;
        if (!text.includes('HTTPRoute')) continue;
        for (const doc of docs.ofKind(text, 'HTTPRoute', s, (t) => substitute(t, s, f))) {
          const o = doc as { kind?: string; metadata?: { name?: string }; spec?: any } | null;
          if (o?.kind !== 'HTTPRoute') continue;
          const gateway = String(o.spec?.parentRefs?.[0]?.name ?? '?');
          const paths: string[] = (o.spec?.rules ?? []).flatMap((r: any) =>
            (r.matches ?? []).map((m: any) => String(m.path?.value ?? '/')),
          );
          for (const host of o.spec?.hostnames ?? []) {
            out.push({
              cluster,
              host: String(host),
              gateway,
              component: comp.id,
              route: String(o.metadata?.name),
              paths: paths.length ? paths : ['/'],
              address:
                gateway === 'external' ? s.GATEWAY_IP_EXTERNAL : gateway === 'internal' ? s.GATEWAY_IP_INTERNAL : '?',
            });
          }
        }
      }
    }
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.cluster < b.cluster ? -1 : 1));
}

/**
 * docs/design/networking.md: routing mode, split DNS, public names and registries, mesh addressing and a table per
 * cluster, rendered from the same data as the manifests (platform.yaml, each cluster's cluster-settings, the rendered
 * Cilium values and HTTPRoutes). Written for every platform.
 */
export function renderNetworkingDoc(
  tree: Tree,
  r: TemplateRenderer,
  spec: PlatformSpec,
  cat: Catalog,
  settings: Record<string, Record<string, string>>,
  filesOf: Map<string, string[]>,
): void {
  const names = Object.keys(spec.clusters);
  const wired = new Map(names.map((c) => [c, new Set(wiredComponents(spec, cat, c).map((w) => w.id))]));
  const has = (c: string, id: string) => wired.get(c)!.has(id);
  // Parsed once for every cluster (substituted per cluster in the parse where that is what Flux's substitution gives).
  const docs = new SubstitutedDocuments();
  const ciliumValues = (c: string): any => {
    const entry = cat.components.get('cilium');
    const file = entry && `${componentDir(entry.component)}/app/helm-values.yaml`;
    const text = file ? tree.read(file) : undefined;
    const read = (t: string) => substitute(t, settings[c], file!);
    return text ? (docs.all(text, settings[c], read, ['routingMode', 'tunnelProtocol'])[0] ?? {}) : {};
  };
  const routes = routeNames(tree, spec, cat, settings, filesOf);
  const clusters = names.map((c) => {
    const s = settings[c];
    const v = ciliumValues(c);
    const cs = spec.clusters[c];
    return {
      name: c,
      role: cs.role,
      domain: cs.domain,
      clusterId: cs.clusterId,
      nodeCidr: cs.network.nodeCidr,
      podCidr: cs.network.podCidr,
      serviceCidr: cs.network.serviceCidr,
      external: cs.network.gatewayIps.external,
      internal: cs.network.gatewayIps.internal,
      publicZone: s.PUBLIC_DNS_ZONE ?? '-',
      internalZone:
        s.INTERNAL_DNS_ZONE ?? 'internal.invalid (split DNS off: STORY-DNS-EXTERNALDNS-CF-BIND-TUNNEL not approved)',
      resolver: s.RFC2136_HOST ?? '-',
      asn: has(c, 'cilium-bgp') ? (s.BGP_LOCAL_ASN ?? '-') : '- (BGP not wired)',
      routingMode: String(v.routingMode ?? '?'),
      tunnelProtocol: String(v.tunnelProtocol ?? '-'),
      mesh: has(c, 'cilium-clustermesh'),
      meshKey: `${s.SECRET_KEY_PREFIX ?? ''}cilium-clustermesh`,
    };
  });
  const meshed = clusters.filter((c) => c.mesh);
  for (const c of meshed) {
    (c as any).peers = meshed
      .filter((p) => p.name !== c.name)
      .map((p) => ({ name: p.name, endpoint: `https://${p.internal}:2379` }));
  }
  const warnings: string[] = [];
  const byHost = new Map<string, string[]>();
  for (const rt of routes) byHost.set(rt.host, [...(byHost.get(rt.host) ?? []), rt.cluster]);
  for (const [host, cs] of byHost)
    if (new Set(cs).size > 1)
      warnings.push(
        `${host} is served by ${[...new Set(cs)].join(' and ')}: one name, one cluster (give one of them another PUBLIC_DNS_ZONE or route name)`,
      );
  const dns = clusters.filter((c) => has(c.name, 'external-dns-rfc2136'));
  for (const c of dns) {
    for (const rt of routes) {
      if (!within(rt.host, settings[c.name].INTERNAL_DNS_ZONE ?? 'internal.invalid'))
        warnings.push(
          `${rt.host} (${rt.cluster}) is outside ${c.name}'s INTERNAL_DNS_ZONE ${c.internalZone}: it does not resolve inside ${c.name}`,
        );
    }
  }
  if (new Set(dns.map((c) => `${c.internalZone} @ ${c.resolver}`)).size > 1)
    warnings.push(
      `clusters forward different zones or servers ` +
        `(${dns.map((c) => `${c.name}: ${c.internalZone} @ ${c.resolver}`).join(', ')}): names of one cluster may not resolve on another`,
    );
  for (const c of clusters) {
    if (
      c.publicZone !== '-' &&
      routes.some((rt) => rt.cluster === c.name && rt.gateway === 'external' && !within(rt.host, c.publicZone))
    )
      warnings.push(`${c.name}: a route on the external Gateway is outside PUBLIC_DNS_ZONE ${c.publicZone}`);
  }
  // Settings that name a route of another component (URLs and hosts other clusters use) must name a served host.
  const served = new Set(routes.map((rt) => rt.host));
  for (const c of names) {
    for (const key of ['GITLAB_EXTERNAL_URL', 'OIDC_ISSUER_URL', 'VM_REMOTE_WRITE_URL', 'LOGS_INGEST_HOST']) {
      const value = settings[c][key];
      if (!value || !routes.length) continue;
      let host = value;
      try {
        if (value.includes('://')) host = new URL(value).hostname;
      } catch {
        continue;
      }
      if (!served.has(host)) warnings.push(`${c}: ${key} names ${host}, which no HTTPRoute of the platform serves`);
    }
  }
  const asns = clusters.filter((c) => /^[0-9]+$/.test(c.asn));
  for (const c of asns)
    if (asns.some((o) => o.name < c.name && o.asn === c.asn))
      warnings.push(`${c.name} has the same BGP_LOCAL_ASN ${c.asn} as another cluster`);
  // Hosts the clusters need (Git, the secret backend, S3, ...) that fall inside the forwarded zone without being a
  // route: the internal server answers for the whole zone, so it must hold them as well.
  const outsideNames: { host: string; key: string; cluster: string; description: string }[] = [];
  for (const c of dns) {
    const zone = settings[c.name].INTERNAL_DNS_ZONE;
    if (!zone) continue;
    for (const [key, value] of Object.entries(settings[c.name]).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!value.includes('://')) continue;
      let host: string;
      try {
        host = new URL(value).hostname;
      } catch {
        continue;
      }
      if (!host || !within(host, zone) || served.has(host)) continue;
      outsideNames.push({
        host,
        key,
        cluster: c.name,
        description: VARIABLES[key]?.description ?? cat.variables.get(key)?.description ?? '',
      });
    }
  }
  const registries = routes.filter((rt) => rt.component === 'harbor' || rt.route === 'gitlab-registry');
  tree.write(
    NETWORKING_DOC,
    r.render('design/networking.md', {
      clusters,
      meshed,
      routes: routes.map((rt) => ({
        ...rt,
        paths: rt.paths.join(', '),
        exposure:
          rt.gateway === 'external'
            ? 'public (Cloudflare tunnel); in-cluster straight to the Gateway'
            : 'internal only',
      })),
      registries: registries.map((rt) => ({
        ...rt,
        exposure:
          rt.gateway === 'external' ? 'EXTERNAL: through the tunnel, pushes over 100 MB fail' : 'internal Gateway',
      })),
      warnings,
      outsideNames,
    }),
  );
}
