import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { tmpDir } from './fs';
import { type Bin, runInProcess } from './in-process';

/** A title no picture may print as it is. */
export const HOSTILE = `<script>alert("x")</script> & 'quotes' <b>bold</b>`;

interface Spec {
  stories: Record<string, { clusters: Record<string, string> }>;
}

/**
 * infra + apps; STORY-BOOT-TALOS approved on both, STORY-BOOT-CRDS draft on infra, a custom story with a hostile title
 * in sprint 7. Made in process: the pictures are the subject, not the commands that make the repository.
 */
export async function pictureRepo(): Promise<string> {
  const dir = path.join(tmpDir('cpc-picture-'), 'platform');
  const steps: [Bin, string[]][] = [
    ['create-platform-cluster', ['infra', 'apps', '--yes', '--stories', 'STORY-BOOT-TALOS', '--approve', '--dir', dir]],
    ['add-story', ['STORY-BOOT-CRDS', '--cluster', 'infra', '--dir', dir]],
    [
      'add-story',
      [
        'STORY-APP-ODD',
        '--custom',
        '--title',
        HOSTILE,
        '--lane',
        'apps',
        '--component',
        'odd',
        '--namespace',
        'odd',
        '--cluster',
        'apps',
        '--dir',
        dir,
      ],
    ],
  ];
  for (const [bin, args] of steps) {
    const r = await runInProcess(bin, args);
    expect(r.status, `${bin} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  const file = path.join(dir, 'platform.yaml');
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  doc.plan = { sprints: { 'STORY-APP-ODD': 7 } };
  fs.writeFileSync(file, stringify(doc));
  return dir;
}

/** Each story's colour as the picture must give it: approved everywhere it is added, draft somewhere, not added. */
export function expectedStatus(dir: string): Record<string, string> {
  const spec = parse(fs.readFileSync(path.join(dir, 'platform.yaml'), 'utf8')) as Spec;
  const out: Record<string, string> = {};
  for (const [id, rec] of Object.entries(spec.stories))
    out[id] = Object.values(rec.clusters).every((s) => s === 'approved') ? 'approved' : 'draft';
  return out;
}
