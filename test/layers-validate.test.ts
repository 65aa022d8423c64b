// validateCluster as named rule passes (src/model/validate.ts CLUSTER_RULES): a cluster wrong in every pass gets one
// problem from each, listed in the order of the passes, so a person reads them top to bottom as in platform.yaml.
import { describe, expect, it } from 'vitest';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform } from '../src/model/platform-file';
import { validateClusters } from '../src/model/validate';

describe('layers: validateCluster, one pass per group of fields', () => {
  it('lists the problems of identity, git, networks, addresses, nodes and settings in that order', () => {
    const spec = newPlatform().spec;
    const c = defaultCluster(spec, 'dev', 'apps');
    const bad = {
      ...c,
      domain: 'Not A Domain',
      git: { ...c.git, branch: 'a..b' },
      network: { ...c.network, podCidr: '10.244.0.1/16', nodeGateway: '10.99.0.1' },
      nodes: c.nodes.map((n) => ({ ...n, installDisk: 'sda' })),
      settings: { 'bad-key': 'x' },
    };
    const paths = validateClusters({ ...spec, clusters: { dev: bad } }).map((p) => p.path.replace(/\[\d+\]/, '[i]'));
    const firsts = [...new Set(paths.map((p) => p.split('.').slice(0, 3).join('.')))];
    expect(firsts).toEqual([
      'clusters.dev.domain',
      'clusters.dev.git',
      'clusters.dev.network',
      'clusters.dev.nodes[i]',
      'clusters.dev.settings',
    ]);
    expect(paths).toContain('clusters.dev.network.podCidr');
    expect(paths).toContain('clusters.dev.network.nodeGateway');
  });
});
