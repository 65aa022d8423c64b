// The report of a command (commands/outcome.ts) reads platform.yaml's model as the generator planned it, and falls
// back to reading the text the plan writes when that is not the text the generator registered.
import { describe, expect, it } from 'vitest';
import { addedSettingValues, plannedPlatform, registerPlannedPlatform } from '../../src/commands/outcome';
import { emptyManifest } from '../../src/core/manifest';
import type { Plan } from '../../src/core/plan';
import { defaultCluster } from '../../src/model/defaults';
import { newPlatform, PLATFORM_FILE, platformToString, setCluster } from '../../src/model/platform-file';

const planWriting = (text: string): Plan => ({
  changes: [{ path: PLATFORM_FILE, action: 'CREATE', after: text }],
  manifest: emptyManifest('0.0.0'),
});

describe("the report's platform model (commands/outcome.ts)", () => {
  let pf = newPlatform();
  pf = setCluster(pf, 'infra', defaultCluster(pf.spec, 'infra'));
  const text = platformToString(pf);

  it('is the model the generator registered for the text the plan writes (not parsed again)', () => {
    const plan = planWriting(text);
    const marker = { ...pf.spec, marker: true } as unknown as typeof pf.spec;
    registerPlannedPlatform(plan, text.replace(/\n/g, '\r\n'), marker); // registered with CRLF: compared as LF
    expect(plannedPlatform(plan)).toBe(marker);
  });

  it('is read from the text when the plan writes another text than the one registered', () => {
    const plan = planWriting(text);
    registerPlannedPlatform(plan, `${text}# another text\n`, { marker: true } as never);
    const spec = plannedPlatform(plan)!;
    expect(spec).not.toHaveProperty('marker');
    expect(spec.clusters.infra.domain).toBe(pf.spec.clusters.infra.domain);
  });

  it('gives the added settings their values from that model', () => {
    const plan = planWriting(text);
    const spec = structuredClone(pf.spec);
    spec.clusters.infra.settings = { ...spec.clusters.infra.settings, NEW_KEY: 'from-the-model' };
    registerPlannedPlatform(plan, text, spec);
    expect(addedSettingValues(plan, { infra: ['NEW_KEY'] }).infra).toEqual([
      { key: 'NEW_KEY', value: 'from-the-model', placeholder: false },
    ]);
  });
});
