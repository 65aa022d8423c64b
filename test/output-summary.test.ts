import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';

/**
 * Issue 16, item 4: the output of a run is a summary a person reads (counts per area and action), not a line per
 * file; --verbose still lists every file. Everything asserted here is derived from the same run's --verbose output,
 * the files it wrote, or the generated bootstrap files, never typed in.
 */

const REF = ['infra', 'apps', '--yes', '--stories', 'all', '--approve'];

/** Every file under dir, relative, except the tool's bookkeeping under .platform/ (and .git). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      const rel = path.relative(dir, abs);
      if (rel === '.platform' || rel === '.git') continue;
      if (e.isDirectory()) walk(abs);
      else out.push(rel);
    }
  };
  walk(dir);
  return out;
}

/** The area the summary should put a file in, following the README's layout: cluster entry, lane, top folder, root. */
function expectedArea(p: string): string {
  const [top, second, third, ...rest] = p.split('/');
  if (second === undefined) return '(root files)';
  if (top === 'kubernetes' && second === 'clusters' && rest.length) return `kubernetes/clusters/${third}/`;
  if (top === 'kubernetes' && third !== undefined) return `kubernetes/${second}/`;
  return `${top}/`;
}

/** The summary table: header (area, action words) and one row per area, up to the total. */
function table(stdout: string): { head: string[]; rows: Map<string, Record<string, number>> } {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^ {2}area +/.test(l));
  expect(start, stdout).toBeGreaterThanOrEqual(0);
  const head = lines[start].trim().split(/ {2,}/).slice(1);
  const rows = new Map<string, Record<string, number>>();
  // Cells are right-aligned under their header word: read each row by the header's column ends.
  const ends = head.map((h) => lines[start].indexOf(h) + h.length);
  for (const l of lines.slice(start + 1)) {
    const label = l.slice(2).split(/ {2,}/)[0];
    const row: Record<string, number> = {};
    head.forEach((h, i) => {
      const cell = l.slice(i ? ends[i - 1] : 2 + label.length, ends[i]).trim();
      if (cell) row[h] = Number(cell);
    });
    rows.set(label, row);
    if (label === 'total') break;
  }
  return { head, rows };
}

let plain: { dir: string; stdout: string; stderr: string };
let verbose: { dir: string; stdout: string };

beforeAll(async () => {
  const a = path.join(tmpDir('output-'), 'summary');
  const b = path.join(tmpDir('output-'), 'verbose');
  const r1 = await runInProcess('create-platform-cluster', [...REF, '--dir', a]);
  expect(r1.status, r1.stderr).toBe(0);
  const r2 = await runInProcess('create-platform-cluster', [...REF, '--verbose', '--dir', b]);
  expect(r2.status, r2.stderr).toBe(0);
  plain = { dir: a, stdout: r1.stdout, stderr: r1.stderr };
  verbose = { dir: b, stdout: r2.stdout };
}, 120_000);

describe('output summary (reference platform)', () => {
  it('output-summary: per-area counts equal the files --verbose lists and the files on disk', () => {
    const { head, rows } = table(plain.stdout);
    expect(head).toEqual(['create']);
    // From --verbose of the same inputs: every CREATE line, grouped by area.
    const listed = [...verbose.stdout.matchAll(/^CREATE +(\S+)$/gm)].map((m) => m[1]);
    const fromVerbose: Record<string, number> = {};
    for (const p of listed) fromVerbose[expectedArea(p)] = (fromVerbose[expectedArea(p)] ?? 0) + 1;
    const fromSummary = Object.fromEntries([...rows].filter(([k]) => k !== 'total').map(([k, v]) => [k, v.create]));
    expect(fromSummary).toEqual(fromVerbose);
    expect(rows.get('total')!.create).toBe(listed.length);
    // And from the disk: every file the run wrote (bookkeeping under .platform/ aside) is counted once.
    const onDisk: Record<string, number> = {};
    for (const p of files(plain.dir)) onDisk[expectedArea(p)] = (onDisk[expectedArea(p)] ?? 0) + 1;
    expect(fromSummary).toEqual(onDisk);
    // The wrote line says the same number.
    expect(plain.stdout).toMatch(new RegExp(`^wrote ${listed.length} files, deleted 0 in `, 'm'));
  });

  it('output-lines: the summary is at most 15 lines, the manifest is one line, no line is a wall', () => {
    const lines = plain.stdout.split('\n');
    const start = lines.findIndex((l) => /^ {2}area +/.test(l));
    const end = lines.findIndex((l) => l.startsWith('  total'));
    expect(end - start + 1).toBeLessThanOrEqual(15);
    expect(lines.filter((l) => l.includes('manifest'))).toEqual([lines[end + 1]]);
    expect(lines[end + 1]).toMatch(/^\.platform\/: manifest created .*, \d+ merge bases recorded$/);
    // No line per file: the verbose run has one per file, the summary run a small fraction of that.
    const verboseLines = verbose.stdout.split('\n').length;
    expect(lines.length).toBeLessThan(verboseLines / 3);
    expect(lines.filter((l) => /^CREATE /.test(l))).toEqual([]);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(160);
  });

  it('output-settings: one KEY = value line per added setting, aligned, each equal to platform.yaml', () => {
    const spec = parse(fs.readFileSync(path.join(plain.dir, 'platform.yaml'), 'utf8'));
    const lines = plain.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('settings added to platform.yaml'));
    expect(at).toBeGreaterThan(0);
    let group: string[] = [];
    const seen: Record<string, Set<string>> = {};
    const equalsAt = new Set<number>();
    for (const l of lines.slice(at + 1)) {
      const g = /^ {2}([a-z0-9, -]+):$/.exec(l);
      if (g) {
        group = g[1].split(', ');
        continue;
      }
      const m = /^ {4}([A-Z0-9_]+) += (.*?)(?: {2}\(placeholder\))?$/.exec(l);
      if (!m) break;
      equalsAt.add(l.indexOf(' = '));
      for (const c of group) {
        expect(String(spec.clusters[c].settings[m[1]]), `${c} ${m[1]}`).toBe(m[2]);
        (seen[c] ??= new Set()).add(m[1]);
      }
    }
    expect(equalsAt.size).toBe(1);
    // Every setting of each cluster was added by the stories of this run: each is listed for its cluster.
    for (const c of Object.keys(spec.clusters))
      expect([...seen[c]].sort()).toEqual(Object.keys(spec.clusters[c].settings).sort());
  });

  it('output-next-steps: real cluster names, Talos secrets before bootstrap.sh, the phases of the generated script, every placeholder', () => {
    const out = plain.stdout;
    const next = out.slice(out.indexOf('next steps'));
    expect(next).not.toContain('<cluster>');
    const spec = parse(fs.readFileSync(path.join(plain.dir, 'platform.yaml'), 'utf8'));
    const readme = fs.readFileSync(path.join(plain.dir, 'bootstrap/README.md'), 'utf8');
    let last = -1;
    for (const c of Object.keys(spec.clusters)) {
      const gensecret = next.indexOf(`(cd talos/${c} && talhelper gensecret > talsecret.sops.yaml`);
      const run = next.indexOf(`bootstrap/bootstrap.sh ${c}`);
      expect(gensecret, c).toBeGreaterThan(last);
      expect(run).toBeGreaterThan(gensecret);
      last = run;
      // The environment variables the README says bootstrap.sh reads for this cluster's Secrets.
      const section = readme.slice(readme.indexOf(`Cluster \`${c}\``));
      const envs = [
        ...section.slice(0, section.indexOf('```sh')).matchAll(/bootstrap\.sh reads it from `([A-Z0-9_]+)`/g),
      ].map((m) => m[1]);
      expect(envs.length).toBeGreaterThan(0);
      const block = next.slice(gensecret, run);
      for (const e of envs) expect(block).toContain(e);
    }
    // The README puts talhelper gensecret before the first bootstrap; the script's phases, in its order.
    expect(readme.indexOf('talhelper gensecret')).toBeGreaterThan(0);
    const script = fs.readFileSync(path.join(plain.dir, 'bootstrap/bootstrap.sh'), 'utf8');
    const phases = /^PHASES="([^"]*)"/m.exec(script)![1].split(' ');
    const listed = [...next.matchAll(/^ {7}([a-z]+) {2,}\S/gm)].map((m) => m[1]);
    expect(listed).toEqual(phases);
    expect(next).toMatch(/^ {7}talos +talhelper genconfig, talosctl apply-config/m);
    expect(next).toMatch(/^ {7}crds +CRDs of bootstrap\/crds/m);
    // Every example.com (and 192.0.2.x, all-zero id) value under clusters: is named with its line and key.
    const text = fs.readFileSync(path.join(plain.dir, 'platform.yaml'), 'utf8').split('\n');
    const wanted = text
      .map((l, i) => ({ l, n: i + 1 }))
      .filter(
        ({ l }) =>
          !l.trimStart().startsWith('#') &&
          /:\s+\S/.test(l) &&
          /example[.-]|192\.0\.2\.|0{8}-0{4}/.test(l.slice(l.indexOf(':') + 1)),
      );
    expect(wanted.length).toBeGreaterThan(10);
    for (const { l, n } of wanted) {
      const key = l.trim().slice(0, l.trim().indexOf(':')).replace(/^- /, '');
      expect(next).toMatch(new RegExp(`^ +platform\\.yaml:${n} +\\S*\\.${key} +\\S`, 'm'));
    }
    expect(next).toContain(`replace the ${wanted.length} placeholder values in platform.yaml`);
  });

  it('output-verbose: --verbose lists every file as before, then the counts', () => {
    const listed = [...verbose.stdout.matchAll(/^CREATE +(\S+)$/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(files(verbose.dir).sort());
    expect(verbose.stdout).toMatch(new RegExp(`^${listed.length} to create, 0 to update, 0 to delete`, 'm'));
  });
});

describe('output next steps without the bootstrap automation', () => {
  it('output-next-steps-automation: a repository without bootstrap.sh is told the add-story command that writes it, and that command works', async () => {
    const dir = path.join(tmpDir('output-'), 'bare');
    const r = await runInProcess('create-platform-cluster', ['infra', '--yes', '--dir', dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'bootstrap/bootstrap.sh'))).toBe(false);
    // The repository pins the tool in package.json: install it first, then run it with npx.
    expect(r.stdout).toMatch(
      /^ {2}1\. install the tool this repository pins \(create-platform-cluster@\S+ in package\.json.*\n {7}npm install$/m,
    );
    const m = /^ +npx add-story ((?:STORY-[A-Z0-9-]+ )+)--approve$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // Before commit and push and the bootstrap itself.
    expect(r.stdout.indexOf(m![0])).toBeLessThan(r.stdout.indexOf('commit and push'));
    expect(r.stdout.indexOf('commit and push')).toBeLessThan(r.stdout.indexOf('bootstrap/bootstrap.sh infra'));
    const add = await runInProcess('add-story', [...m![1].trim().split(' '), '--approve', '--dir', dir]);
    expect(add.status, add.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'bootstrap/bootstrap.sh'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'bootstrap/README.md'))).toBe(true);
  });
});

describe('output summary (mixed actions)', () => {
  it('output-summary-mixed: update/merge/keep counts per area equal --verbose of the same plan, and those files are named', async () => {
    const dir = path.join(tmpDir('output-'), 'mixed');
    expect(
      (
        await runInProcess('create-platform-cluster', [
          'infra',
          '--yes',
          '--stories',
          'STORY-BOOT-TALOS,STORY-BOOT-CRDS,STORY-BOOT-CORE,STORY-GITOPS-SELF-MGMT-FLUX,STORY-OPS-RELOADER-ALL-CLUSTERS',
          '--approve',
          '--dir',
          dir,
        ])
      ).status,
    ).toBe(0);
    const edit = (p: string, from: string, to: string) => {
      const f = path.join(dir, p);
      const t = fs.readFileSync(f, 'utf8');
      expect(t, p).toContain(from);
      fs.writeFileSync(f, t.replace(from, to));
    };
    const values = 'kubernetes/infrastructure/operations/reloader/app/helm-values.yaml';
    // keep: an edit where the render does not change; merge: an edit in a file whose render changes elsewhere.
    edit(values, 'cpu: 10m', 'cpu: 50m # measured');
    const settings = 'kubernetes/clusters/infra/cluster-settings.yaml';
    fs.appendFileSync(path.join(dir, settings), '# note by a person\n');
    // The branch reaches the edited cluster-settings.yaml (merge); the install disk the Talos config nobody edited (update).
    edit('platform.yaml', 'branch: main', 'branch: trunk');
    edit('platform.yaml', 'installDisk: /dev/sda', 'installDisk: /dev/nvme0n1');
    const dry = await runInProcess('platform-kit', ['regenerate', '--dry-run', '--dir', dir]);
    const all = await runInProcess('platform-kit', ['regenerate', '--dry-run', '--verbose', '--dir', dir]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(all.status, all.stderr).toBe(0);
    const words: Record<string, string> = {
      CREATE: 'create',
      UPDATE: 'update',
      MERGE: 'merge',
      UNMERGED: 'conflict',
      KEEP: 'keep',
      DELETE: 'delete',
    };
    const fromVerbose: Record<string, Record<string, number>> = {};
    const named: string[] = [];
    for (const m of all.stdout.matchAll(/^(CREATE|UPDATE|MERGE|UNMERGED|KEEP|DELETE) +(\S+)/gm)) {
      const row = (fromVerbose[expectedArea(m[2])] ??= {});
      row[words[m[1]]] = (row[words[m[1]]] ?? 0) + 1;
      if (m[1] !== 'CREATE' && m[1] !== 'UPDATE') named.push(m[2]);
    }
    const { rows } = table(dry.stdout);
    const fromSummary = Object.fromEntries([...rows].filter(([k]) => k !== 'total'));
    expect(fromSummary).toEqual(fromVerbose);
    expect(Object.values(fromVerbose).some((r) => r.keep)).toBe(true);
    expect(Object.values(fromVerbose).some((r) => r.merge)).toBe(true);
    expect(Object.values(fromVerbose).some((r) => r.update)).toBe(true);
    for (const f of named)
      expect(dry.stdout).toMatch(
        new RegExp(`^ {2}(merge|conflict|keep|delete) +${f.replace(/[./]/g, '\\$&')}  \\(`, 'm'),
      );
  });
});
