import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createClusters } from '../src';
import { tmpDir } from './helpers/fs';

describe('the CI workflow of the generated repository', () => {
  const dir = path.join(tmpDir(), 'platform');
  createClusters({ dir, clusters: [{ name: 'infra' }] });
  const wf = parse(fs.readFileSync(path.join(dir, '.github/workflows/platform-check.yaml'), 'utf8'));

  it('runs check --build and regenerate --check with the tool pinned to the generating version', () => {
    const runs = wf.jobs.check.steps
      .map((s: { run?: string }) => s.run)
      .filter(Boolean)
      .join('\n');
    expect(runs).toContain('platform-kit check --build');
    expect(runs).toContain('platform-kit regenerate --check');
    // The pin is the repository's package.json, which the job installs before running the tool.
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).devDependencies[pkg.name]).toBe(
      pkg.version,
    );
    expect(runs).toMatch(/npm (ci|install)[\s\S]*npx --no platform-kit check --build/);
    expect(wf.on.pull_request.types).toContain('edited'); // a retitled PR is checked again
  });

  it('the story-id rule accepts a title that starts with a story id and refuses others (run with bash)', () => {
    const step = wf.jobs['story-id'].steps[0];
    expect(step.env.TITLE).toBe('${{ github.event.pull_request.title }}');
    const run = (title: string) =>
      spawnSync('bash', ['-c', step.run], { env: { ...process.env, TITLE: title }, encoding: 'utf8' }).status;
    expect(run('STORY-NET-CILIUM-GATEWAY: expose the internal gateway')).toBe(0);
    expect(run('STORY-APP-HARBOR')).toBe(0);
    expect(run('fix gateway')).toBe(1);
    expect(run('story-net-x: lower case')).toBe(1);
    expect(run('STORY-NET: one part only')).toBe(1);
    expect(run('$(touch /tmp/pwned-cpc) STORY-A-B')).toBe(1);
    expect(fs.existsSync('/tmp/pwned-cpc')).toBe(false);
  });
});
