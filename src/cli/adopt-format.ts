// The text `platform-kit adopt` prints: each claim on one line with the file and the fact behind it.

import type { ClusterAdoption } from '../adopt/infer';
import { type Why, whyText } from '../adopt/view';
import type { AdoptResult } from '../commands/adopt';

const because = (why: (Why | undefined)[]) =>
  why
    .filter((w): w is Why => w !== undefined)
    .map(whyText)
    .join('; ');

/** Why a role is not proven: signs of both roles (the first of each), or none. */
function roleSigns(c: ClusterAdoption): string {
  const { workloads, infrastructure } = c.roleSigns;
  if (!workloads.length && !infrastructure.length)
    return ' (no workloads folder and no component the catalog puts on infra clusters only)';
  return ` (workloads: ${because([workloads[0]])}; infrastructure: ${because([infrastructure[0]])})`;
}

/** The layout detected, with its evidence and the component Kustomizations it does not place. */
function layoutLines(l: AdoptResult['adoption']['layout']): string[] {
  const out: string[] = [];
  out.push(`layout (${l.fit.fits} of ${l.fit.of} component Kustomizations fit it):`);
  out.push(`  clusters        ${l.value.clusters}`);
  out.push(`  components      ${l.value.components}`);
  out.push(
    `  Kustomization   ${l.value.kustomization.file}, path ${l.value.kustomization.path}, name ${l.value.kustomization.name}`,
  );
  const w = l.value.wiring;
  const how = w.mode === 'list' ? `entry ${w.entry} in ${w.file}` : `a document of ${w.file}`;
  out.push(`  wiring          ${how}${w.perCluster ? ' (per cluster)' : ' (shared by the clusters)'}`);
  if (l.value.lanes)
    out.push(
      `  lanes           ${Object.entries(l.value.lanes)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}`,
    );
  for (const s of l.value.settings) out.push(`  settings        ${s.kind} ${s.name} in ${s.file}`);
  for (const why of l.why) out.push(`    because ${whyText(why)}`);
  for (const e of l.fit.exceptions)
    out.push(`    exception ${e.cluster}/${e.name} (${e.file}): ${e.differs.join(', ')}`);
  if (l.problem)
    out.push(
      `  cannot place a new component: ${l.problem}`,
      '    add-story and approve refuse (nothing written) until layout in platform.yaml is corrected',
    );
  return out;
}

/** A cluster's fields: proven (with the file), given (flag or prompt), and unproven (default, and the flag for it). */
function fieldLines(r: AdoptResult, c: ClusterAdoption): string[] {
  const out: string[] = [];
  for (const [field, claim] of Object.entries(c.facts)) {
    const v =
      field === 'nodes' ? (claim.value as { name: string }[]).map((n) => n.name).join(', ') : String(claim.value);
    out.push(`  ${field.padEnd(27)} ${v}  <- ${because(claim.why)}`);
  }
  const given = r.given.filter((x) => x.cluster === c.name);
  if (c.roleSigns.claim && !given.some((g) => g.field === 'role'))
    out.push(`  ${'role'.padEnd(27)} ${c.roleSigns.claim.value}  <- ${because(c.roleSigns.claim.why)}`);
  for (const g of given) {
    const v = g.field === 'nodes' ? (JSON.parse(g.value) as { name: string }[]).map((n) => n.name).join(', ') : g.value;
    out.push(`  ${g.field.padEnd(27)} ${v}  <- given (flag or prompt)`);
  }
  for (const u of r.unproven.filter((x) => x.cluster === c.name)) {
    const shown = u.field === 'nodes' ? 'default nodes' : `default ${u.value}`;
    out.push(
      `  ${u.field.padEnd(27)} not proven by any file: ${shown}; ${u.flag}${u.field === 'role' ? roleSigns(c) : ''}`,
    );
  }
  return out;
}

/** A cluster's settings sources, stories, foundation components and adopted Kustomizations. */
function contentLines(r: AdoptResult, c: ClusterAdoption): string[] {
  const out: string[] = [];
  for (const s of c.settings.sources) {
    const what =
      s.kind === 'Secret' ? `keys ${s.keys.join(', ')} (values stay in the Secret)` : `${s.keys.length} keys`;
    out.push(`  settings from ${s.kind} ${s.namespace}/${s.name} (${s.file}:${s.line}): ${what}`);
  }
  for (const m of c.settings.missing)
    out.push(
      `  settings from ${m.kind} ${m.namespace}/${m.name}: not in the repository (named by ${m.usedBy.join(', ')})`,
    );
  for (const s of r.skipped.filter((x) => x.cluster === c.name)) {
    out.push(`  setting ${s.key} stays in the repository's files only: ${s.reason.split(':')[0]}`);
  }
  for (const s of c.match.stories.filter((x) => x.status !== 'absent')) {
    const how = s.present
      .flatMap((id) => c.match.matches.filter((m) => m.component === id))
      .map((m) => `${m.component} by ${m.ks} (${whyText(m.why)})`);
    const missing = s.missing.length ? `; missing ${s.missing.join(', ')}` : '';
    out.push(
      `  story ${s.status.padEnd(8)} ${s.id}: ${how.join('; ')}${missing}${s.note ? `; not approved: ${s.note}` : ''}`,
    );
  }
  for (const m of c.match.matches.filter((x) => !x.story))
    out.push(`  foundation       ${m.component} by ${m.ks} (${whyText(m.why)})`);
  for (const k of c.match.adopted) {
    const deps = k.dependsOn.length ? `, dependsOn ${k.dependsOn.join(', ')}` : '';
    const lane = k.lane ? ' (a lane: it creates Kustomizations)' : '';
    out.push(`  adopted          ${k.id} ${k.file}:${k.line} path ./${k.path}, namespace ${k.namespace}${deps}${lane}`);
  }
  return out;
}

export function formatAdoption(r: AdoptResult): string {
  const out = layoutLines(r.adoption.layout);
  for (const c of r.adoption.clusters) {
    out.push('', `cluster ${c.name}: entry ./${c.entry.value} (${because(c.entry.why)})`);
    out.push(...fieldLines(r, c), ...contentLines(r, c));
  }
  out.push('');
  if (r.refused.length) out.push(`platform.yaml would be refused by the tool's rules:\n${r.refused.join('\n')}`);
  out.push(
    r.written
      ? `adopted ${r.root}: wrote platform.yaml, .platform/adopt.json and an empty .platform/manifest.json; no other file ` +
          'changed. From now on add-story, approve and regenerate place and wire new components the way this repository does.'
      : 'dry run: nothing was written',
  );
  return out.join('\n');
}
