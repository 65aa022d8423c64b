import { describe, expect, it } from 'vitest';
import { type GenerateInputs, generate } from '../src/commands/generate';
import { MANIFEST_FILE, sha256 } from '../src/core/manifest';
import type { Merge3 } from '../src/core/merge';
import { basePath, type Plan, type Reader, writes } from '../src/core/plan';
import { BUILTIN_TEMPLATES } from '../src/core/render';
import { defaultCluster } from '../src/model/defaults';
import { newPlatform, PLATFORM_FILE, PlatformFile, setCluster } from '../src/model/platform-file';

/**
 * The generator without a disk: driven through a small adapter over a caller's in-memory tree, the way an Nx
 * generator (devkit Tree) or a Backstage scaffolder action (its workspace) would call it.
 */

/** A caller's tree in the shape of Nx devkit's: read, write, delete by path. */
class HostTree {
  readonly files = new Map<string, string>();
  read(p: string): string | null {
    return this.files.get(p) ?? null;
  }
  write(p: string, content: string): void {
    this.files.set(p, content);
  }
  delete(p: string): void {
    this.files.delete(p);
  }
}

/** The adapter: the host tree as the generator's Reader, and its plan applied back to the host tree. */
const readerOf = (host: HostTree): Reader => ({ read: (p) => host.read(p) ?? undefined });
function applyTo(host: HostTree, plan: Plan): void {
  for (const c of writes(plan)) {
    if (c.action === 'DELETE') host.delete(c.path);
    else host.write(c.path, c.after!);
  }
}
function run(host: HostTree, pf: PlatformFile, extra: Partial<GenerateInputs> = {}): Plan {
  const { plan } = generate(pf, { current: readerOf(host), templateRoots: [BUILTIN_TEMPLATES], ...extra });
  applyTo(host, plan);
  return plan;
}

/** A file the domain change re-renders (not the tool's bookkeeping, not platform.yaml), in `before`. */
function reRendered(before: HostTree, after: HostTree): string {
  const changed = (p: string) => after.read(p) !== null && after.read(p) !== before.read(p);
  return [...before.files.keys()].find((p) => !p.startsWith('.platform/') && p !== PLATFORM_FILE && changed(p))!;
}

function twoClusters(domain = 'infra.example.com'): PlatformFile {
  const pf = newPlatform();
  setCluster(pf, 'infra', { ...defaultCluster(pf.spec, 'infra'), domain });
  setCluster(pf, 'apps', defaultCluster(pf.spec, 'apps'));
  return pf;
}

describe("generate() over a caller's in-memory tree", () => {
  it('creates every file, its merge base and the manifest as ordinary entries of one plan', () => {
    const host = new HostTree();
    const plan = run(host, twoClusters());
    const files = plan.changes.filter((c) => !c.internal && c.path !== MANIFEST_FILE);
    expect(files.length).toBeGreaterThan(50);
    expect(files.every((c) => c.action === 'CREATE')).toBe(true);
    // One merge base per generated file; platform.yaml and package.json are edited structurally and have none.
    const bases = plan.changes.filter((c) => c.internal).map((c) => c.path);
    expect(bases).toEqual(
      files.filter((c) => c.path !== PLATFORM_FILE && c.path !== 'package.json').map((c) => basePath(c.path)),
    );
    // The manifest is in the plan, in path order, and records every other file with the hash of what it wrote.
    expect(plan.changes.map((c) => c.path)).toEqual(plan.changes.map((c) => c.path).sort());
    const manifest = JSON.parse(host.read(MANIFEST_FILE)!) as { inputs?: string; files: Record<string, string> };
    expect(Object.keys(manifest.files)).toEqual(files.map((c) => c.path));
    for (const c of files) expect(manifest.files[c.path]).toBe(sha256(c.after!));
    // No fingerprint was given (no disk to hash overrides on): none is recorded, so no fast path is promised.
    expect(manifest.inputs).toBeUndefined();
    expect(host.read(PLATFORM_FILE)).toContain('infra.example.com');
  });

  it('finds nothing to write on the tree it generated, the manifest included', () => {
    const host = new HostTree();
    run(host, twoClusters());
    const again = run(host, twoClusters());
    expect(writes(again)).toEqual([]);
    expect(again.changes.find((c) => c.path === MANIFEST_FILE)?.action).toBe('UNCHANGED');
  });

  it('records the fingerprint it is given, and a new fingerprint alone is no reason to rewrite the manifest', () => {
    const host = new HostTree();
    run(host, twoClusters(), { fingerprint: () => 'a'.repeat(64) });
    expect(JSON.parse(host.read(MANIFEST_FILE)!).inputs).toBe('a'.repeat(64));
    const again = run(host, twoClusters(), { fingerprint: () => 'b'.repeat(64) });
    expect(again.changes.find((c) => c.path === MANIFEST_FILE)?.action).toBe('UNCHANGED');
    expect(JSON.parse(host.read(MANIFEST_FILE)!).inputs).toBe('a'.repeat(64));
  });

  it("merges a person's edit in the host tree with the new render through the merge it is given", () => {
    const host = new HostTree();
    run(host, twoClusters());
    // A file whose render changes with the domain, edited by a person in the caller's tree.
    const other = new HostTree();
    run(other, twoClusters('infra.example.org'));
    const file = reRendered(host, other);
    const generated = host.read(file)!;
    host.write(file, `# mine\n${generated}`);
    const calls: Parameters<Merge3>[] = [];
    const merge: Merge3 = (base, ours, theirs, label) => {
      calls.push([base, ours, theirs, label]);
      return { text: `# mine\n${theirs}`, conflicts: 0 };
    };
    const plan = run(host, twoClusters('infra.example.org'), { merge });
    expect(calls).toEqual([[generated, `# mine\n${generated}`, other.read(file), file]]);
    expect(plan.changes.find((c) => c.path === file)?.action).toBe('MERGE');
    expect(host.read(file)).toBe(`# mine\n${other.read(file)}`);
    // The merge base is the new render, for the next merge.
    expect(host.read(basePath(file))).toBe(other.read(file));
  });

  it("without a merge, keeps a person's edit as they have it and says so", () => {
    const host = new HostTree();
    run(host, twoClusters());
    const other = new HostTree();
    run(other, twoClusters('infra.example.org'));
    const file = reRendered(host, other);
    host.write(file, `# mine\n${host.read(file)}`);
    const edited = host.read(file);
    const plan = run(host, twoClusters('infra.example.org'));
    expect(plan.changes.find((c) => c.path === file)).toMatchObject({
      action: 'KEEP',
      reason: expect.stringContaining('kept as is'),
    });
    expect(host.read(file)).toBe(edited);
  });

  it("refuses a file it never generated that is in the way, and the caller's tree stays as it was", () => {
    const host = new HostTree();
    const first = generate(twoClusters(), { current: readerOf(host), templateRoots: [BUILTIN_TEMPLATES] }).plan;
    const file = first.changes.find((c) => !c.internal && c.path.endsWith('/kustomization.yaml'))!.path;
    host.write(file, 'mine: true\n');
    expect(() => run(host, twoClusters())).toThrow(/files the tool did not generate are in the way/);
    expect([...host.files.keys()]).toEqual([file]);
  });

  it('guards platform.yaml with the text the command read, not the one the plan found', () => {
    const host = new HostTree();
    run(host, twoClusters());
    const read = host.read(PLATFORM_FILE)!;
    const pf = new PlatformFile(twoClusters().doc, undefined, read);
    host.write(PLATFORM_FILE, `${read}# saved while the command ran\n`);
    const { plan } = generate(pf, { current: readerOf(host), templateRoots: [BUILTIN_TEMPLATES] });
    expect(plan.changes.find((c) => c.path === PLATFORM_FILE)?.currentHash).toBe(sha256(read));
  });
});
