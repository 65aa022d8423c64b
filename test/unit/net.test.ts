import { describe, expect, it } from 'vitest';
import type { Cidr } from '../../src/core/net';
import { nthAddress, overlaps, parseCidr, parseRange } from '../../src/core/net';
import { defaultCluster } from '../../src/model/defaults';
import { newPlatform, setCluster } from '../../src/model/platform-file';
import { validateClusters, validatePlatform } from '../../src/model/validate';

const c = (t: string) => parseCidr(t) as Cidr;

describe('network rules', () => {
  it('parses canonical CIDRs and rejects the rest', () => {
    expect(typeof parseCidr('10.244.0.0/16')).toBe('object');
    expect(typeof parseCidr('fd00:10::/64')).toBe('object');
    expect(parseCidr('10.244.0.1/16')).toMatch(/host bits/);
    expect(parseCidr('10.244.0.0/33')).toMatch(/not a valid CIDR/);
    expect(parseCidr('10.244.0/16')).toMatch(/not a valid CIDR/);
    expect(parseCidr('0x0a.0.0.0/8')).toMatch(/not a valid CIDR/);
  });

  it('detects overlap in both directions and across sizes', () => {
    expect(overlaps(c('10.0.0.0/8'), c('10.244.0.0/16'))).toBe(true);
    expect(overlaps(c('10.244.0.0/16'), c('10.0.0.0/8'))).toBe(true);
    expect(overlaps(c('10.244.0.0/16'), c('10.245.0.0/16'))).toBe(false);
    expect(overlaps(c('10.244.0.0/15'), c('10.245.0.0/16'))).toBe(true);
  });

  it('computes addresses and ranges', () => {
    expect(nthAddress(c('10.245.0.0/16'), 10)).toBe('10.245.0.10');
    expect(nthAddress(c('192.168.1.0/24'), 256)).toBe('192.168.2.0');
    expect(parseRange('192.168.1.239-192.168.1.200')).toMatch(/ends before it starts/);
  });

  it('defaults for a second, third … cluster never collide with the clusters already there', () => {
    let pf = newPlatform();
    for (const name of ['infra', 'apps', 'apps-dev', 'stg', 'prod', 'edge-1', 'edge-2']) {
      pf = setCluster(pf, name, defaultCluster(pf.spec, name));
      expect(validatePlatform(pf.spec), `after adding ${name}`).toEqual([]);
    }
    expect(Object.values(pf.spec.clusters).map((x) => x.clusterId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pf.spec.clusters.infra.role).toBe('infra');
    expect(pf.spec.clusters.stg.role).toBe('apps');
  });
});

describe('defaultCluster on a node network another cluster already uses (adopted clusters on one LAN: tyriis/home-ops)', () => {
  it('takes its own block of addresses: VIP, node IPs, load-balancer range and gateway IPs apart, and valid together', () => {
    let pf = newPlatform();
    pf = setCluster(pf, 'main', defaultCluster(pf.spec, 'main', 'apps', '192.168.100.0/24'));
    const utility = defaultCluster(pf.spec, 'utility', 'apps', '192.168.100.0/24');
    expect(pf.spec.clusters.main.network.loadBalancerRange).toBe('192.168.100.200-192.168.100.239');
    expect(utility.apiEndpoint).toBe('https://192.168.100.50:6443');
    expect(utility.nodes.map((n) => n.ip)).toEqual(['192.168.100.51', '192.168.100.52', '192.168.100.53']);
    expect(utility.network.loadBalancerRange).toBe('192.168.100.160-192.168.100.199');
    expect(utility.network.gatewayIps).toEqual({ external: '192.168.100.180', internal: '192.168.100.181' });
    pf = setCluster(pf, 'utility', utility);
    expect(validateClusters(pf.spec)).toEqual([]);
    // On a network of its own, the defaults are the ones every generated platform has (.10, .200-.239).
    const other = defaultCluster(pf.spec, 'lab', 'apps', '192.168.7.0/24');
    expect([other.apiEndpoint, other.network.loadBalancerRange]).toEqual([
      'https://192.168.7.10:6443',
      '192.168.7.200-192.168.7.239',
    ]);
  });
});
