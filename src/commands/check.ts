// platform-kit check on any Flux repository, plus what only a repository we generated has: platform.yaml and the
// story catalog. check/ walks the Flux objects and knows nothing of either; this module adds their rules
// (CheckOptions.rules), so check/ and delivery/ stay independent of each other and of the model.

import * as path from 'node:path';
import { checkFlux } from '../check/check';
import type { CheckOptions, CheckResult, CheckRule, ClusterGraph, RuleResult, WalkedRepo } from '../check/types';
import { credentialName, credentialValue, sourceUrlCredential } from '../core/credentials';
import type { Finding } from '../core/finding';
import { planFindings } from '../delivery/checks';
import { foundationComponents } from '../model/components';
import { deliveredBy } from '../model/delivered';
import { loadPlatform, PLATFORM_FILE, parsePlatform } from '../model/platform-file';
import type { PlatformSpec } from '../model/schema';
import { placedOn } from '../model/shared-wiring';
import type { Catalog } from '../model/stories';
import { catalogFor, wiredComponents } from '../model/wiring';

/** `platform-kit check`: the Flux checks with the rules of platform.yaml and the catalog (used by the gate too). */
export function check(opts: CheckOptions): Promise<CheckResult> {
  return checkFlux({ ...opts, rules: [...(opts.rules ?? []), platformRule] });
}

/**
 * The graphs with the Kustomizations platform.yaml records as adopted marked (`adopted: true`), for `graph`; the graphs
 * as they are when the repository has no platform.yaml, a broken one, or nothing adopted.
 */
export function withAdopted(dir: string, graphs: Record<string, ClusterGraph>): Record<string, ClusterGraph> {
  let spec: PlatformSpec | undefined;
  try {
    spec = loadPlatform(path.resolve(dir))?.spec;
  } catch {
    return graphs; // not ours, or broken: the graph is the Flux objects' either way
  }
  if (!spec) return graphs;
  const out: Record<string, ClusterGraph> = {};
  for (const [cluster, g] of Object.entries(graphs)) {
    const ids = new Set((spec.clusters[cluster]?.adopted ?? []).map((a) => `${a.namespace}/${a.name}`));
    out[cluster] = ids.size ? { ...g, nodes: g.nodes.map((n) => (ids.has(n.id) ? { ...n, adopted: true } : n)) } : g;
  }
  return out;
}

/** platform.yaml's rules: the plan, stories against what each cluster wires, credentials in its settings. */
export const platformRule: CheckRule = {
  owns: [PLATFORM_FILE],
  run(repo: WalkedRepo): RuleResult {
    const findings: Finding[] = [];
    const unreachableOk = storyFindings(repo, findings);
    findings.push(...platformCredentialFindings(repo));
    return { findings, unreachableOk };
  },
};

/** platform.yaml's spec, or undefined when there is none or it does not parse (the platform-kit commands say why). */
function specOf(repo: WalkedRepo): PlatformSpec | undefined {
  if (!repo.files.exists(PLATFORM_FILE)) return undefined;
  try {
    return parsePlatform(repo.files.text(PLATFORM_FILE)).spec;
  } catch {
    return undefined; // not ours, or broken: platform-kit commands report that themselves
  }
}

/**
 * The plan's findings, and stories in platform.yaml against what each cluster really wires. Returns the components
 * of stories still draft somewhere: their Kustomizations may be reached from no cluster.
 */
function storyFindings(repo: WalkedRepo, findings: Finding[]): Set<string> {
  const exempt = new Set<string>();
  const spec = specOf(repo);
  if (!spec) return exempt;
  const cat = catalogFor(spec);
  findings.push(...planFindings(spec, cat));
  for (const [id, rec] of Object.entries(spec.stories)) {
    if (Object.values(rec.clusters).includes('draft'))
      for (const c of cat.byId.get(id)?.components ?? []) exempt.add(c.id);
  }
  for (const [cluster, names] of repo.wired) {
    if (spec.clusters[cluster]) findings.push(...wiringFindings(repo, spec, cat, cluster, names));
  }
  return exempt;
}

/** One cluster: a story component wired without approval (DRAFT_WIRED), an approved one not wired (APPROVED_NOT_WIRED). */
function wiringFindings(
  repo: WalkedRepo,
  spec: PlatformSpec,
  cat: Catalog,
  cluster: string,
  names: Map<string, { file?: string; line?: number }>,
): Finding[] {
  const out: Finding[] = [];
  const storyOf = new Map<string, string>();
  for (const s of cat.stories) for (const c of s.components) storyOf.set(c.id, s.id);
  // A story component's Flux Kustomization goes by the layout's name for it ({id} in the tool's own layout;
  // monitoring-{id} in a repository that names them so): reached names are read back to component ids through it.
  const placed = (id: string) => {
    const comp = cat.components.get(id)?.component;
    return comp ? placedOn(spec, comp, cluster) : undefined;
  };
  const idOf = new Map<string, string>();
  for (const id of storyOf.keys()) idOf.set(placed(id)?.ks.name ?? id, id);
  // An adopted repository (platform-kit adopt recorded its layout): the tool rendered no scaffold there, so only the
  // approved stories' components are expected, and the Kustomizations recorded as adopted belong to their authors.
  const scaffold = spec.layout ? new Set(foundationComponents().map((c) => c.id)) : new Set<string>();
  const adopted = new Set((spec.clusters[cluster].adopted ?? []).map((a) => a.name));
  // An adopted Kustomization named otherwise that delivers a catalog component (adopt matched it) wires that component.
  const delivered = new Set((spec.clusters[cluster].adopted ?? []).flatMap(deliveredBy));
  const expected = new Set(
    wiredComponents(spec, cat, cluster)
      .map((c) => c.id)
      .filter((id) => !scaffold.has(id)),
  );
  for (const [name, at] of names) {
    const id = idOf.get(name) ?? name;
    const story = storyOf.get(id);
    if (!story || expected.has(id) || adopted.has(name)) continue;
    out.push({
      code: 'DRAFT_WIRED',
      severity: 'error',
      cluster,
      file: at.file,
      line: at.line,
      message: `${id} of ${story} is wired on ${cluster}, but the story is not approved there`,
      hint: `approve it (platform-kit approve ${story} --cluster ${cluster}) or take it out of the lane`,
    });
  }
  for (const id of expected) {
    const p = placed(id);
    if (names.has(p?.ks.name ?? id) || delivered.has(id)) continue;
    const story = storyOf.get(id) ?? 'the scaffold';
    const lane = cat.components.get(id)?.component.lane ?? 'infrastructure';
    const laneFile = p?.wiring.file ?? `kubernetes/clusters/${cluster}/${lane}/kustomization.yaml`;
    out.push({
      code: 'APPROVED_NOT_WIRED',
      severity: 'error',
      cluster,
      file: laneFile,
      line: repo.files.exists(laneFile) ? 1 : undefined,
      message: `${id} (${story}) is approved on ${cluster} but no lane of ${cluster} wires it`,
      hint: 'run platform-kit regenerate, or restore the lane entry',
    });
  }
  return out;
}

const HINT_GIT_URL =
  'write the URL without user info; Flux clones with Secret flux-system/flux-system (bootstrap/README.md); then rotate the credential';

/** Credentials in platform.yaml, read leniently (the commands refuse the file whole; the check says where). */
function platformCredentialFindings(repo: WalkedRepo): Finding[] {
  const out: Finding[] = [];
  if (!repo.files.exists(PLATFORM_FILE)) return out;
  const o = repo.files.objectsOf(PLATFORM_FILE).find((x) => x.kind === 'Platform');
  const clusters = o?.raw.clusters;
  if (!o || !clusters || typeof clusters !== 'object') return out;
  for (const [name, c] of Object.entries<any>(clusters)) {
    const url = c?.git?.url;
    const why = typeof url === 'string' ? sourceUrlCredential(url) : undefined;
    const at = (...keys: string[]) => ({
      cluster: name,
      file: PLATFORM_FILE,
      line: o.lineOf(['clusters', name, ...keys]),
    });
    if (why) {
      const message = `clusters.${name}.git.url carries a credential (${why})`;
      out.push({ code: 'URL_CREDENTIALS', severity: 'error', ...at('git', 'url'), message, hint: HINT_GIT_URL });
    }
    for (const [key, v] of Object.entries<unknown>(c?.settings && typeof c.settings === 'object' ? c.settings : {})) {
      const value = String(v ?? '');
      const cred = credentialName(key)
        ? 'its name'
        : credentialValue(value)
          ? `its value looks like ${credentialValue(value)}`
          : undefined;
      if (!cred) continue;
      out.push({
        code: 'SETTING_CREDENTIAL',
        severity: 'error',
        ...at('settings', key),
        message: `clusters.${name}.settings.${key} looks like a credential (${cred})`,
        hint:
          `move it into the secret store, item kubernetes/${name}/cluster-secrets ` +
          `(ExternalSecret cluster-secrets extracts it; \${${key}} keeps working); then rotate the credential`,
      });
    }
  }
  return out;
}
