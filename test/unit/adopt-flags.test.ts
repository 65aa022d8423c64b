// The fields no file proves (issue 18): adopt takes them from the flags create-platform-cluster has (a value names its
// cluster when the repository has several), checks them by the rules a prompt checks a typed value with (bad value:
// exit 2, nothing written, also on a dry run), refuses one that contradicts a file, and on a terminal asks for the
// rest (adoptWithPrompts, with an injected prompter here). Expectations come from the dry run's own list of what is
// unproven and from the values the test gives, never from adopt's output for them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdoptFlagValues, answersFromFlags, flagFor } from '../../src/adopt/flags';
import { adopt, adoptWithPrompts, type Unproven } from '../../src/commands/adopt';
import type { ClusterAnswers } from '../../src/model/answers';
import { CLUSTER_FIELDS, fieldAtPath } from '../../src/model/cluster-fields';
import { loadPlatform } from '../../src/model/platform-file';
import { ROOT, snapshot, tmpDir } from '../helpers/fs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'adopt');

function copyOf(name: string): string {
  const dir = path.join(tmpDir(`adopt-flags-${name}-`), 'repo');
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const at = (obj: unknown, p: string) => p.split('.').reduce<any>((x, k) => x?.[k], obj);

/** Flag values that set every unproven field to its default, as typed on a command line (`cluster=value`). */
function flagsFor(unproven: Unproven[], several: boolean): AdoptFlagValues {
  const out: Record<string, string[]> = {};
  for (const u of unproven) {
    const f = fieldAtPath(u.field)!;
    const prefix = several ? `${u.cluster}=` : '';
    const values =
      f.kind === 'nodes'
        ? (JSON.parse(u.value) as { name: string; ip: string; controlPlane: boolean; installDisk: string }[]).map(
            (n) => `name=${n.name},ip=${n.ip},controlPlane=${n.controlPlane},disk=${n.installDisk}`,
          )
        : [u.value];
    out[f.key] = [...(out[f.key] ?? []), ...values.map((v) => prefix + v)];
  }
  return out as AdoptFlagValues;
}

describe('answersFromFlags: which cluster a flag value is for', () => {
  it('a value names its cluster by a `cluster=` prefix; a bare value is the only cluster`s, or every cluster`s for a shared field', () => {
    const two = ['apps', 'infra'];
    const a = answersFromFlags(
      { domain: ['apps=apps.example.org'], clusterId: ['infra=7'], gitBranch: ['release'] },
      two,
    );
    expect(a.apps).toEqual({ name: 'apps', domain: 'apps.example.org', gitBranch: 'release' });
    expect(a.infra).toEqual({ name: 'infra', clusterId: 7, gitBranch: 'release' });
    const one = answersFromFlags(
      { domain: ['home.example.org'], nodes: ['name=cp-1,ip=10.0.0.11', 'name=w-1,ip=10.0.0.21,controlPlane=false'] },
      ['home'],
    );
    expect(one.home.domain).toBe('home.example.org');
    expect(one.home.nodes?.map((n) => `${n.name}:${n.controlPlane}`)).toEqual(['cp-1:true', 'w-1:false']);
  });

  it('refuses (exit 2) a bare per-cluster value with several clusters, one field given twice, a value of the wrong kind', () => {
    const two = ['apps', 'infra'];
    const refused = (values: AdoptFlagValues, names = two) => {
      try {
        answersFromFlags(values, names);
      } catch (e) {
        expect((e as { exitCode?: number }).exitCode).toBe(2);
        return [(e as Error).message, ...((e as { details?: string[] }).details ?? [])].join('\n');
      }
      throw new Error('not refused');
    };
    expect(refused({ domain: ['example.org'] })).toMatch(
      /2 clusters \(apps, infra\); say which one, e\.g\. --domain apps=<domain>/,
    );
    expect(refused({ domain: ['apps=a.example.org', 'apps=b.example.org'] })).toMatch(
      /--domain: given twice for cluster apps/,
    );
    expect(refused({ clusterId: ['apps=one'] })).toMatch(/--cluster-id "one": must be an integer from 1 to 255/);
    expect(refused({ role: ['apps=workers'] })).toMatch(/--role \(cluster apps\)/);
    expect(refused({ secretStore: ['vaultx'] })).toMatch(
      /--secret-store \(clusters apps, infra\): vaultx is not a provider id/,
    );
    // The same value twice is one value.
    expect(answersFromFlags({ domain: ['apps=a.example.org', 'apps=a.example.org'] }, two).apps.domain).toBe(
      'a.example.org',
    );
  });

  it('flagFor names the flag of a field as a person types it', () => {
    expect(flagFor('network.podCidr', 'apps', ['apps', 'infra'])).toBe('--pod-cidr apps=<cidr>');
    expect(flagFor('nodes', 'home', ['home'])).toBe('--node <spec>');
  });
});

describe('adopt with flags (classic fixture: two clusters, clusters/<name> and gotk-sync)', () => {
  it('the flags of the dry run`s unproven list, with values of the person`s, adopt without --yes: platform.yaml holds them', () => {
    const dir = copyOf('classic');
    const dry = adopt({ dir, dryRun: true });
    const names = dry.adoption.clusters.map((c) => c.name);
    expect(dry.unproven.length).toBeGreaterThan(0);
    // Each unproven field's flag is the table's, naming its cluster.
    for (const u of dry.unproven)
      expect(u.flag.startsWith(`${fieldAtPath(u.field)!.flag} ${u.cluster}=`), u.flag).toBe(true);
    const values = flagsFor(dry.unproven, names.length > 1) as Record<string, string[]>;
    // The person's own values for a few fields, the defaults shown for the rest.
    const [first, second] = names;
    values.clusterId = [`${first}=11`, `${second}=12`];
    values.secretStore = ['vault'];
    const r = adopt({ dir, values });
    expect(r.written).toBe(true);
    expect(r.unproven).toEqual([]);
    const spec = loadPlatform(dir)!.spec;
    expect(spec.clusters[first].clusterId).toBe(11);
    expect(spec.clusters[second].clusterId).toBe(12);
    for (const n of names) expect(spec.clusters[n].secretStore.provider).toBe('vault');
    const shown = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
    for (const u of dry.unproven.filter((x) => !['clusterId', 'secretStore.provider'].includes(x.field)))
      expect(shown(at(spec.clusters[u.cluster], u.field)), `${u.cluster}.${u.field}`).toBe(u.value);
    // Every given field is recorded as given, none as proven.
    expect(r.given.length).toBe(dry.unproven.length);
  });

  it('a bad value, one that breaks a rule with another field or cluster, or one a file contradicts: exit 2, nothing written, also on a dry run', () => {
    const dir = copyOf('classic');
    const before = snapshot(dir);
    const dry = adopt({ dir, dryRun: true });
    const [first, second] = dry.adoption.clusters.map((c) => c.name);
    const proven = dry.adoption.clusters.find((c) => c.facts.domain)!;
    const cases: [AdoptFlagValues, RegExp][] = [
      [{ clusterId: [`${first}=300`] }, /--cluster-id \(cluster \w+\): .*1 to 255/],
      [
        { podCidr: [`${first}=10.9.0.0/16`], serviceCidr: [`${first}=10.9.0.0/20`] },
        /--service-cidr \(cluster \w+\): .*overlaps/,
      ],
      [
        { podCidr: [`${first}=10.9.0.0/16`, `${second}=10.9.0.0/16`] },
        /--pod-cidr \(cluster \w+\): .*overlaps podCidr/,
      ],
      [
        { domain: [`${proven.name}=not-${proven.facts.domain!.value}`] },
        new RegExp(`files say ${proven.facts.domain!.value.replace(/\./g, '\\.')}`),
      ],
    ];
    for (const [values, message] of cases) {
      for (const dryRun of [true, false]) {
        let err: any;
        try {
          adopt({ dir, values, dryRun, yes: true });
        } catch (e) {
          err = e;
        }
        expect(err?.exitCode, JSON.stringify(values)).toBe(2);
        expect([err.message, ...(err.details ?? [])].join('\n')).toMatch(message);
        expect(snapshot(dir)).toEqual(before);
      }
    }
    // The value the file states, given again: taken (nothing to contradict).
    const same = adopt({ dir, dryRun: true, values: { domain: [`${proven.name}=${proven.facts.domain!.value}`] } });
    expect(same.given).toContainEqual({ cluster: proven.name, field: 'domain', value: proven.facts.domain!.value });
  });

  it('without --yes, the fields still unproven are refused with the flag that sets each', () => {
    const dir = copyOf('classic');
    const dry = adopt({ dir, dryRun: true });
    const before = snapshot(dir);
    let err: any;
    try {
      adopt({ dir, values: { secretStore: ['vault'] } });
    } catch (e) {
      err = e;
    }
    expect(err?.exitCode).toBe(2);
    for (const u of dry.unproven.filter((x) => x.field !== 'secretStore.provider'))
      expect(err.message).toContain(u.flag);
    expect(err.message).not.toContain('--secret-store');
    expect(snapshot(dir)).toEqual(before);
  });

  it('a role given by flag is the role stories are matched for', () => {
    const dir = copyOf('classic');
    const dry = adopt({ dir, dryRun: true });
    const [first] = dry.adoption.clusters.map((c) => c.name);
    const other = dry.adoption.clusters[0].role === 'apps' ? 'infra' : 'apps';
    const r = adopt({ dir, dryRun: true, values: { role: [`${first}=${other}`] } });
    const c = r.adoption.clusters.find((x) => x.name === first)!;
    expect(c.role).toBe(other);
    expect(r.spec.clusters[first].role).toBe(other);
    expect(r.given).toContainEqual({ cluster: first, field: 'role', value: other });
  });
});

describe('adoptWithPrompts: the person answers what no file proves', () => {
  it('asks exactly the unproven fields, adopts with the answers, and checks them by the same rules', async () => {
    const dir = copyOf('home-ops');
    const dry = adopt({ dir, dryRun: true });
    const [name] = dry.adoption.clusters.map((c) => c.name);
    let asked: Unproven[] = [];
    const answer = (extra: Partial<ClusterAnswers>) => async (unproven: Unproven[]) => {
      asked = unproven;
      const a: Record<string, unknown> = { name };
      for (const u of unproven) {
        const f = fieldAtPath(u.field)!;
        a[f.key] = f.kind === 'int' ? Number(u.value) : f.kind === 'nodes' ? JSON.parse(u.value) : u.value;
      }
      return { [name]: { ...a, ...extra } as ClusterAnswers };
    };
    // A dry run or --yes asks nothing.
    const never = async (): Promise<Record<string, ClusterAnswers>> => {
      throw new Error('asked');
    };
    expect((await adoptWithPrompts({ dir, dryRun: true }, never)).written).toBe(false);
    // A bad answer: exit 2, nothing written.
    const before = snapshot(dir);
    await expect(adoptWithPrompts({ dir }, answer({ clusterId: 999 }))).rejects.toMatchObject({ exitCode: 2 });
    expect(snapshot(dir)).toEqual(before);
    // Good answers: written, with them.
    const r = await adoptWithPrompts({ dir }, answer({ clusterId: 42, secretStore: 'bitwarden' }));
    expect(asked).toEqual(dry.unproven);
    expect(r.written).toBe(true);
    expect(r.unproven).toEqual([]);
    const spec = loadPlatform(dir)!.spec.clusters[name];
    expect(spec.clusterId).toBe(42);
    expect(spec.secretStore.provider).toBe('bitwarden');
  });

  it('does not ask for a field a flag gave', async () => {
    const dir = copyOf('home-ops');
    let asked: Unproven[] = [];
    await expect(
      adoptWithPrompts({ dir, values: { clusterId: ['9'] } }, async (u) => {
        asked = u;
        throw Object.assign(new Error('stop'), { exitCode: 130 });
      }),
    ).rejects.toThrow('stop');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.map((u) => u.field)).not.toContain('clusterId');
    expect(asked.every((u) => CLUSTER_FIELDS.some((f) => f.path === u.field))).toBe(true);
  });
});
