// computePlan's decision table (src/core/plan.ts, RENDERED): one rendered path per row, all in one plan, each with
// the action, reason, manifest record and merge base its row decides. A row reordered or a condition changed moves
// a path to another row and fails here.
import { describe, expect, it } from 'vitest';
import { type FileText, stringText } from '../src/core/eol';
import { emptyManifest, sha256 } from '../src/core/manifest';
import { gitMergeFile } from '../src/core/merge';
import { ATTRIBUTES_FILE, basePath, type Change, computePlan, type Reader } from '../src/core/plan';
import { Tree } from '../src/core/tree';

const GEN = 'k: generated\n';
const NEW = 'k: rendered\n';
const EDIT = 'k: generated\nmine: 1\n';
const MARKED = '<<<<<<< ours\nk: a\n=======\nk: b\n>>>>>>> theirs\n';

/** Each row's path: [what is on disk, its merge base on disk, what the manifest recorded, the new render]. */
interface Case {
  disk?: string | 'not-utf8';
  base?: string;
  recorded?: string;
  render: string;
  toolOwned?: boolean;
}

const CASES: Record<string, Case> = {
  'owned-new.yaml': { render: NEW, toolOwned: true },
  'owned-same.yaml': { disk: NEW, render: NEW, toolOwned: true },
  'owned-changed.yaml': { disk: GEN, render: NEW, toolOwned: true },
  'deleted.yaml': { recorded: GEN, render: NEW },
  'new.yaml': { render: NEW },
  'binary-new.yaml': { disk: 'not-utf8', render: NEW },
  'binary-old.yaml': { disk: 'not-utf8', recorded: GEN, base: GEN, render: NEW },
  'same.yaml': { disk: NEW, render: NEW },
  [ATTRIBUTES_FILE]: { disk: '* text=auto\n', render: '* text=auto eol=lf\n' },
  'in-the-way.yaml': { disk: 'k: theirs\n', render: NEW },
  'untouched.yaml': { disk: GEN, recorded: GEN, render: NEW },
  'edited-no-base.yaml': { disk: EDIT, recorded: GEN, render: NEW },
  'edited-render-same.yaml': { disk: EDIT, recorded: GEN, base: GEN, render: GEN },
  'edited-markers.yaml': { disk: MARKED, recorded: GEN, base: GEN, render: GEN },
  'edited-merged.yaml': { disk: EDIT, recorded: GEN, base: GEN, render: 'k: rendered\n' },
};

function plan(merge = true) {
  const tree = new Tree();
  const files = new Map<string, FileText>();
  const prev = emptyManifest('test');
  for (const [p, c] of Object.entries(CASES)) {
    tree.write(p, c.render);
    if (c.disk === 'not-utf8') files.set(p, { raw: '\ufffd', text: '\ufffd', utf8: false });
    else if (c.disk !== undefined) files.set(p, stringText(c.disk));
    if (c.base !== undefined) files.set(basePath(p), stringText(c.base));
    if (c.recorded !== undefined) prev.files[p] = sha256(c.recorded);
  }
  const reader: Reader = { read: (p) => files.get(p)?.raw, readText: (p) => files.get(p) };
  const owned = new Set(Object.entries(CASES).flatMap(([p, c]) => (c.toolOwned ? [p] : [])));
  const r = computePlan(
    tree,
    reader,
    prev,
    { generator: 'create-platform-cluster', version: 'test' },
    owned,
    merge ? gitMergeFile : undefined,
  );
  const byPath = new Map<string, Change>(r.changes.map((c) => [c.path, c]));
  return { r, at: (p: string) => byPath.get(p)! };
}

describe('layers: computePlan, one path per row of its decision table', () => {
  it('gives each situation its action and reason', () => {
    const { at } = plan();
    const got = Object.fromEntries(
      Object.keys(CASES).map((p) => [p, `${at(p).action}${at(p).reason ? `: ${at(p).reason}` : ''}`]),
    );
    expect(got).toEqual({
      'owned-new.yaml': 'CREATE',
      'owned-same.yaml': 'UNCHANGED',
      'owned-changed.yaml': 'UPDATE',
      'deleted.yaml': 'KEEP: deleted since it was generated; left deleted',
      'new.yaml': 'CREATE',
      'binary-new.yaml': 'CONFLICT: a file the tool did not generate is in the way',
      'binary-old.yaml': expect.stringMatching(/^KEEP: not valid UTF-8, so never merged/),
      'same.yaml': 'UNCHANGED',
      [ATTRIBUTES_FILE]: expect.stringMatching(/^KEEP: written by a person before the tool generated one/),
      'in-the-way.yaml': 'CONFLICT: a file the tool did not generate is in the way',
      'untouched.yaml': 'UPDATE',
      'edited-no-base.yaml': expect.stringMatching(
        /^KEEP: edited since it was generated and no merge base is recorded/,
      ),
      'edited-render-same.yaml': 'KEEP: edited since it was generated; the template output did not change',
      'edited-markers.yaml': 'KEEP: still has conflict markers from an earlier merge; resolve them',
      'edited-merged.yaml': expect.stringMatching(/^(MERGE|UNMERGED): /),
    });
    expect(at('edited-markers.yaml').unresolved).toBe(true);
    expect(at('edited-render-same.yaml').unresolved).toBe(false);
  });

  it('records the new render, keeps the recorded hash, or records nothing, as the row says', () => {
    const { r } = plan();
    const rec = (p: string) => r.manifest.files[p];
    for (const p of [
      'owned-new.yaml',
      'owned-changed.yaml',
      'new.yaml',
      'same.yaml',
      ATTRIBUTES_FILE,
      'untouched.yaml',
      'edited-merged.yaml',
    ]) {
      expect(rec(p), p).toBe(sha256(CASES[p].render));
    }
    for (const p of ['deleted.yaml', 'binary-old.yaml', 'edited-no-base.yaml', 'edited-render-same.yaml'])
      expect(rec(p), p).toBe(sha256(GEN));
    for (const p of ['binary-new.yaml', 'in-the-way.yaml']) expect(rec(p), p).toBeUndefined();
  });

  it('writes a merge base for what the tool wrote or confirmed, drops that of a file a person deleted, none for its own files', () => {
    const { at } = plan();
    expect(at(basePath('new.yaml')).action).toBe('CREATE');
    expect(at(basePath('untouched.yaml')).action).toBe('CREATE');
    expect(at(basePath('edited-merged.yaml')).action).toBe('UPDATE');
    expect(at(basePath('owned-new.yaml'))).toBeUndefined();
    expect(at(basePath('edited-render-same.yaml'))).toBeUndefined(); // kept: its base stays as recorded
  });

  it('without a merge, an edited file whose render changed is kept (the row before the merge row)', () => {
    const { at } = plan(false);
    expect(at('edited-merged.yaml')).toMatchObject({
      action: 'KEEP',
      reason: 'edited since it was generated; kept as is (platform-kit regenerate merges)',
    });
  });
});
