// The report of a command (commands/outcome.ts) reads platform.yaml's model as the generator planned it, and falls
// back to reading the text the plan writes when that is not the text the generator registered.
import { describe, expect, it } from 'vitest';
import {
  addedSettingValues,
  ownTextLines,
  placeholderNodes,
  placeholders,
  plannedPlatform,
  registerPlannedPlatform,
} from '../../src/commands/outcome';
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

describe('placeholder lines without parsing platform.yaml again (commands/outcome.ts)', () => {
  /** placeholders() of a plan writing pf's own text, with the document registered (fast) and without it (parsed). */
  const both = (pf: ReturnType<typeof newPlatform>) => {
    const text = platformToString(pf);
    const fast = planWriting(text);
    registerPlannedPlatform(fast, text, pf.spec, pf.doc);
    const parsed = planWriting(text);
    registerPlannedPlatform(parsed, text, pf.spec);
    return {
      text,
      fast: placeholders(fast),
      parsed: placeholders(parsed),
      lines: ownTextLines(placeholderNodes(pf.doc), text),
    };
  };
  const twoClusters = () => {
    let pf = newPlatform();
    for (const name of ['infra', 'apps']) pf = setCluster(pf, name, defaultCluster(pf.spec, name));
    return pf;
  };

  it('finds every line in the text the tool writes, the lines a parse gives', () => {
    const r = both(twoClusters());
    expect(r.lines).toBeDefined();
    expect(r.fast).toEqual(r.parsed);
    expect(r.fast.length).toBeGreaterThanOrEqual(4);
    for (const p of r.fast)
      expect(r.text.split('\n')[p.line - 1]).toContain(p.key.split('.').pop()!.replace(/\[.*$/, ''));
  });

  it('finds quoted values, list entries and a cluster named by digits (ordered first in a JS object) on their lines', () => {
    let pf = twoClusters();
    pf = setCluster(pf, '123', defaultCluster(pf.spec, '123'));
    pf.edit((doc) => {
      doc.setIn(['clusters', 'infra', 'settings', 'WILDCARD'], '*.example.com');
      doc.setIn(['clusters', 'infra', 'settings', 'COLON'], 'see: https://example.com');
      doc.setIn(['clusters', 'apps', 'settings', 'HASH'], 'a #b.example.com');
      doc.setIn(['clusters', 'apps', 'settings', 'QUOTE'], "it's.example.com");
      doc.setIn(['clusters', '123', 'extraNames'], ['a.example.com', 'b.example.com', 'a.example.com']);
    });
    const r = both(pf);
    expect(r.lines).toBeDefined();
    expect(r.fast).toEqual(r.parsed);
    expect(r.fast.map((p) => p.key)).toContain('clusters.123.extraNames[2]');
    expect(r.fast.map((p) => p.value)).toEqual(
      expect.arrayContaining(['*.example.com', "it's.example.com", 'a #b.example.com']),
    );
  });

  it('parses the text when a line that is not the placeholder reads like it (a block scalar), and gives the same lines', () => {
    const pf = twoClusters();
    const domain = pf.spec.clusters.infra.domain;
    pf.edit((doc) => doc.setIn(['clusters', 'infra', 'settings', 'NOTES'], `first line\ndomain: ${domain}\n`));
    const r = both(pf);
    expect(r.lines).toBeUndefined();
    expect(r.fast).toEqual(r.parsed);
    expect(r.fast.find((p) => p.key === 'clusters.infra.domain')!.line).toBeLessThan(
      r.fast.find((p) => p.key === 'clusters.infra.settings.NOTES')!.line,
    );
  });

  it("parses the text when it is not the document's own output (a person's formatting kept)", () => {
    const pf = twoClusters();
    const text = platformToString(pf).replace(/^( {2}infra:\n)/m, '$1    # a comment\n');
    const plan = planWriting(text);
    registerPlannedPlatform(plan, text, pf.spec); // generate registers no document for a text other than its own
    const lines = plan.changes[0].after!.split('\n');
    for (const p of placeholders(plan)) expect(lines[p.line - 1]).toContain(p.value.replace(/'/g, "''").slice(0, 10));
  });
});
