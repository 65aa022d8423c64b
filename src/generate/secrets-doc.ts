import type { TemplateRenderer } from '../core/render';
import { compareText } from '../core/text-order';
import type { Tree } from '../core/tree';
import { bootstrapSecrets } from '../model/bootstrap-secrets';
import { type Component, componentDir } from '../model/components';
import type { ClusterModel } from '../model/schema';
import { substitute } from '../model/variables';
import { SubstitutedDocuments } from './documents';

export const SECRETS_DOC = 'docs/design/secrets.md';

interface Row {
  secret: string;
  key: string;
  item: string;
  property: string;
  source: string;
}

/** One ExternalSecret, rendered for a cluster: which backend item (and property) feeds which key of which Secret. */
function rowsOf(es: any, namespace: string, source: string): Row[] {
  const target = `${es.metadata?.namespace ?? namespace}/${es.spec?.target?.name ?? es.metadata?.name}`;
  const rows: Row[] = [];
  for (const d of es.spec?.data ?? []) {
    rows.push({
      secret: target,
      key: String(d.secretKey),
      item: String(d.remoteRef?.key),
      property: d.remoteRef?.property ? String(d.remoteRef.property) : '(whole value)',
      source,
    });
  }
  for (const d of es.spec?.dataFrom ?? []) {
    if (d.extract)
      rows.push({
        secret: target,
        key: '(every property of the item)',
        item: String(d.extract.key),
        property: '(all)',
        source,
      });
    else if (d.find)
      rows.push({
        secret: target,
        key: '(every matching item)',
        item: `find ${JSON.stringify(d.find)}`,
        property: '(all)',
        source,
      });
  }
  return rows;
}

/** ExternalSecrets in a rendered text, substituted with the cluster's settings as Flux's postBuild does. */
function externalSecrets(
  text: string,
  settings: Record<string, string>,
  where: string,
  docs: SubstitutedDocuments,
): any[] {
  // Most rendered files hold none: parsing every file of every cluster was a sixth of a scaffold's time.
  if (!text.includes('ExternalSecret')) return [];
  const sub = (t: string) => {
    try {
      return substitute(t, settings, where);
    } catch {
      return t; // a variable only cluster-secrets provides: keep the reference as written
    }
  };
  return docs.ofKind(text, 'ExternalSecret', settings, sub).filter((o: any) => o && o.kind === 'ExternalSecret');
}

/**
 * docs/design/secrets.md: per cluster, the Secrets created by hand at bootstrap and every Secret key an ExternalSecret
 * fills from the backend, walked from the files the cluster's Flux Kustomizations apply (the same render).
 */
export function renderSecretsDoc(
  tree: Tree,
  r: TemplateRenderer,
  clusters: { cluster: ClusterModel; wired: Component[]; settings: Record<string, string>; entryFiles: string[] }[],
  filesOf: Map<string, string[]>,
): void {
  const docs = new SubstitutedDocuments();
  const data = clusters.map(({ cluster: c, wired, settings, entryFiles }) => {
    const rows: Row[] = [];
    for (const f of entryFiles)
      for (const es of externalSecrets(tree.read(f)!, settings, f, docs)) rows.push(...rowsOf(es, 'flux-system', f));
    for (const comp of wired) {
      const dir = componentDir(comp);
      for (const f of filesOf.get(comp.id) ?? []) {
        // kustomize Components are applied only where an app includes them; other providers' variants not at all
        if (f.startsWith(`${dir}/components/`)) continue;
        if (
          comp.variantBy &&
          f.startsWith(`${dir}/variants/`) &&
          !f.startsWith(`${dir}/variants/${settings[comp.variantBy]}/`)
        )
          continue;
        for (const es of externalSecrets(tree.read(f)!, settings, f, docs)) rows.push(...rowsOf(es, comp.namespace, f));
      }
    }
    rows.sort((a, b) => compareText(a.secret, b.secret) || compareText(a.key, b.key));
    const items = new Map<string, Set<string>>();
    for (const row of rows) items.set(row.item, (items.get(row.item) ?? new Set()).add(row.property));
    return {
      name: c.name,
      provider: c.secretStore.provider,
      bootstrap: bootstrapSecrets(c),
      rows,
      items: [...items.entries()]
        .sort(([a], [b]) => compareText(a, b))
        .map(([item, props]) => ({ item, properties: [...props].sort().join(', ') })),
    };
  });
  tree.write(SECRETS_DOC, r.render('design/secrets.md', { clusters: data }));
}
