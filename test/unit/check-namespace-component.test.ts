import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src';
import { tmpDir } from '../helpers/fs';

/*
 * The home-ops "namespace component": one Namespace named `_` in kubernetes/components/namespace, included by every
 * namespace folder that sets `namespace:`. kustomize's namespace transformer renames it to that namespace, so one
 * Flux Kustomization building several such folders emits one distinct Namespace per folder, never a duplicate
 * (seen on bjw-s-labs/home-ops and onedr0p/home-ops, where check reported 1 and 11 false DUPLICATE_OBJECT errors).
 */
function write(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

describe('a Namespace named _ renamed by kustomize namespace:', () => {
  it('gives one Namespace per folder and no DUPLICATE_OBJECT', async () => {
    const dir = tmpDir('cpc-ns-component-');
    const namespaces = ['media', 'network'];
    write(
      dir,
      'components/namespace/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - ./namespace.yaml\n',
    );
    write(dir, 'components/namespace/namespace.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: _\n');
    write(
      dir,
      'apps/kustomization.yaml',
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${namespaces.map((n) => `  - ./${n}\n`).join('')}`,
    );
    for (const n of namespaces) {
      write(
        dir,
        `apps/${n}/kustomization.yaml`,
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${n}\ncomponents:\n  - ` +
          `../../components/namespace\nresources:\n  - ./cm.yaml\n`,
      );
      write(
        dir,
        `apps/${n}/cm.yaml`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  app: ${n}\n`,
      );
    }
    write(
      dir,
      'clusters/home/flux-system/gotk-sync.yaml',
      'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  ' +
        'namespace: flux-system\nspec:\n  interval: 1h\n  url: https://git.example.com/home.git\n  ref:\n    branch: main\n' +
        '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ' +
        'flux-system\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./clusters/home\n  prune: ' +
        'true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    );
    write(
      dir,
      'clusters/home/flux-system/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./gotk-sync.yaml\n',
    );
    write(
      dir,
      'clusters/home/apps.yaml',
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: ' +
        'flux-system\nspec:\n  interval: 1h\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n',
    );
    const r = await check({ dir, clusterPaths: ['clusters/*'] });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // and the duplicate check still fires on a real duplicate: the same folder's ConfigMap listed twice
    write(
      dir,
      'apps/media/kustomization.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: media\ncomponents:\n  - ' +
        '../../components/namespace\nresources:\n  - ./cm.yaml\n  - ./cm2.yaml\n',
    );
    fs.copyFileSync(path.join(dir, 'apps/media/cm.yaml'), path.join(dir, 'apps/media/cm2.yaml'));
    const d = await check({ dir, clusterPaths: ['clusters/*'] });
    expect(d.findings.filter((f) => f.code === 'DUPLICATE_OBJECT').map((f) => f.file)).toEqual(['apps/media/cm2.yaml']);
  });
});
