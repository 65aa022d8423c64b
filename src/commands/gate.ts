// The sprint gate as `platform-kit gate` runs it: platform.yaml from --dir, the delivery plan's static gate
// (delivery/gate.ts) and the check's errors in the sprint's folders. Here because it combines delivery and check.
import { UsageError } from '../core/errors';
import { gateStatic, type StaticGate, sprintOfPlan, sprintScope } from '../delivery/gate';
import type { SprintPlan } from '../delivery/model';
import { fill, placeholders } from '../model/layout';
import { loadPlatform, PLATFORM_FILE } from '../model/platform-file';
import { placedOn } from '../model/shared-wiring';
import { catalogFor } from '../model/wiring';
import { check } from './check';
import { checkRepoDir } from './repo-dir';

/**
 * gateStatic plus `check({ dir })` (commands/check.ts): no error finding in the folders of the sprint's components or in the target
 * clusters' entry folders (kubernetes/clusters/<cluster>/, the lane files); on an adopted repository also in its
 * entry folders and in the files and paths of the adopted Kustomizations that deliver the sprint's components.
 */
export async function gateStaticWithCheck(
  dir: string,
  sprint: number | string,
): Promise<StaticGate & { sprint: SprintPlan }> {
  // The same --dir rules as every other command (a directory, not a symbolic link to one).
  const root = checkRepoDir(dir);
  const pf = loadPlatform(root);
  if (!pf) throw new UsageError(`no ${PLATFORM_FILE} in ${root}`);
  const cat = catalogFor(pf.spec);
  const sp = sprintOfPlan(pf.spec, cat, sprint);
  const g = gateStatic(pf.spec, cat, sp, root);
  const { clusters, components, adopted } = sprintScope(pf.spec, cat, sp);
  const prefixes = [
    // Each component's folder and Flux Kustomization file where the repository's layout puts them.
    ...components.flatMap((c) =>
      clusters.flatMap((cl) => [placedOn(pf.spec, c, cl).dir + '/', placedOn(pf.spec, c, cl).ks.file]),
    ),
    ...clusters.map((c) => `kubernetes/clusters/${c}/`),
    // An adopted repository: its own entry folders, and the files and paths of the adopted Kustomizations in scope.
    ...clusters.flatMap((c) => entryOf(pf.spec.layout?.clusters, c)),
    ...adopted.flatMap((a) => [a.file, `${a.path}/`]),
  ];
  const reasons = [...g.reasons];
  if (prefixes.length) {
    try {
      const r = await check({ dir: root });
      const seen = new Set<string>();
      for (const f of r.findings) {
        if (f.severity !== 'error' || !f.file || !prefixes.some((p) => f.file!.startsWith(p))) continue;
        const line = `check: ${f.code} in ${f.file}${f.line ? `:${f.line}` : ''}`;
        if (!seen.has(line)) reasons.push(line);
        seen.add(line);
      }
    } catch (e) {
      reasons.push(`check: ${(e as Error).message}`);
    }
  }
  return { ready: reasons.length === 0, reasons, stories: g.stories, sprint: sp };
}

/** A cluster's entry folder by the recorded layout (none without one, or when it names more than {cluster}). */
function entryOf(template: string | undefined, cluster: string): string[] {
  // '.': the repository's root, which holds every file; it narrows nothing.
  if (!template || template === '.' || placeholders(template).some((p) => p !== 'cluster')) return [];
  return [`${fill(template, { cluster })}/`];
}
