// The import graph of src/, read by madge (a pinned devDependency): no module imports in a circle, and each layer
// imports only the layers below it. Type-only imports count: a cycle of types is still a tangle a reader must follow.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

interface MadgeResult {
  obj(): Record<string, string[]>;
  circular(): string[][];
}
type Madge = (dir: string, config: Record<string, unknown>) => Promise<MadgeResult>;
const madge = createRequire(__filename)('madge') as Madge;

const ROOT = path.resolve(__dirname, '..');
const graphOf = (dir: string) => madge(dir, { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json') });

/**
 * What each folder of src/ may import besides itself (version.ts and index.ts sit at the top, outside the table):
 * core is the base, model and check stand on it side by side, delivery and generate read the model, the commands
 * combine them all, the CLIs parse, call the commands and print.
 */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  model: ['core'],
  check: ['core'],
  delivery: ['core', 'model'],
  generate: ['core', 'model'],
  // platform-kit adopt: reads a Flux repository the way check walks it and infers the model from it.
  adopt: ['core', 'model', 'check'],
  commands: ['core', 'model', 'check', 'delivery', 'generate', 'adopt'],
  cli: ['core', 'model', 'check', 'delivery', 'commands', 'adopt'],
};

/**
 * Cycles other areas of issue 17 take apart (each has its owner's branch); delete an entry when its branch is merged.
 * The test fails when a listed cycle is gone, so the list cannot outlive its cycles.
 */
const PENDING_CYCLES: { cycle: string[]; owner: string }[] = [
  // Empty: the last ones (cli/create-command.ts <-> create-run.ts <-> prompts.ts) went when CreateFlags moved to
  // cli/create-flags.ts. An entry here is a cycle someone has promised to take apart, with that someone named.
];

/** A cycle written from its smallest member, so the same cycle found from another file compares equal. */
const canonical = (cycle: string[]): string => {
  const at = cycle.indexOf([...cycle].sort()[0]);
  return [...cycle.slice(at), ...cycle.slice(0, at)].join(' -> ');
};

/** Imports from one folder of src/ into another that MAY_IMPORT does not allow, as "from -> to". */
function layerViolations(graph: Record<string, string[]>): string[] {
  const out: string[] = [];
  for (const [file, deps] of Object.entries(graph)) {
    const from = file.split('/')[0];
    const allowed = MAY_IMPORT[from];
    if (!allowed) continue; // index.ts, version.ts
    for (const dep of deps) {
      const to = dep.split('/')[0];
      if (to !== from && to in MAY_IMPORT && !allowed.includes(to)) out.push(`${file} -> ${dep}`);
    }
  }
  return out.sort();
}

describe('layers: the import graph of src/', () => {
  let src: Promise<MadgeResult> | undefined;
  const srcGraph = () => (src ??= graphOf(path.join(ROOT, 'src')));

  it('has no import cycle but those another area of issue 17 takes apart, and each of those still exists', async () => {
    const found = (await srcGraph()).circular().map(canonical);
    const pending = PENDING_CYCLES.map((p) => canonical(p.cycle));
    expect(
      found.filter((c) => !pending.includes(c)),
      'new import cycles',
    ).toEqual([]);
    expect(
      pending.filter((c) => !found.includes(c)),
      'cycles gone: delete them from PENDING_CYCLES',
    ).toEqual([]);
  });

  it('check/ imports nothing of the model, delivery, commands or CLIs; every layer only those below it', async () => {
    const graph = (await srcGraph()).obj();
    expect(Object.keys(graph).filter((f) => f.startsWith('check/')).length).toBeGreaterThan(10);
    expect(layerViolations(graph)).toEqual([]);
  });

  it('the graph tool sees a cycle of type-only imports and an import from check/ into model/ (the rules can fail)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-graph-'));
    try {
      for (const [rel, text] of Object.entries({
        'check/a.ts':
          "import type { B } from './b';\nimport { m } from '../model/m';\nexport type A = { b?: B; m: typeof m };\n",
        'check/b.ts': "import type { A } from './a';\nexport type B = { a?: A };\n",
        'model/m.ts': 'export const m = 1;\n',
      })) {
        fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      const g = await graphOf(dir);
      expect(g.circular().map(canonical)).toEqual(['check/a.ts -> check/b.ts']);
      expect(layerViolations(g.obj())).toEqual(['check/a.ts -> model/m.ts']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
