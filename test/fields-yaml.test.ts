// One strict YAML reader, one yamlProblem and one comment header (core/yaml.ts), one cluster-scoped kind list
// (core/kinds.ts) for the checker and the generator.

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isClusterScoped } from '../src/core/kinds';
import { TemplateRenderer } from '../src/core/render';
import { Tree } from '../src/core/tree';
import { commentLines, readStrictYaml, yamlProblem } from '../src/core/yaml';
import { renderComponent } from '../src/generate/component';
import { loadCatalog } from '../src/model/stories';

describe('fields: one strict YAML reader', () => {
  it('reports duplicate keys and syntax errors with their lines', () => {
    const r = readStrictYaml('a: 1\nb: 2\na: 3\n');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].line).toBe(3);
    expect(r.errors[0].message).toMatch(/Map keys must be unique/);
  });

  it('reports the first alias and its line, and reads a clean document', () => {
    expect(readStrictYaml('a: &x 1\nb: *x\n').alias).toEqual({ source: 'x', line: 2, path: ['b'] });
    const ok = readStrictYaml('a: 1\n');
    expect(ok.errors).toEqual([]);
    expect(ok.alias).toBeUndefined();
    expect(ok.doc.toJS({ maxAliasCount: 0 })).toEqual({ a: 1 });
  });
});

describe('fields: one yamlProblem', () => {
  it('finds the problem in any document of a stream, with the line in the stream', () => {
    expect(yamlProblem('a: 1\n---\nb: [\n')).toMatchObject({ line: 4 });
    expect(yamlProblem('a: 1\n---\nb: 2\n')).toBeUndefined();
  });

  it('refuses an alias unless aliases are allowed', () => {
    expect(yamlProblem('a: &x 1\nb: *x\n')).toEqual({ line: 2, message: 'alias *x', alias: 'x' });
    expect(yamlProblem('a: &x 1\nb: *x\n', { aliases: true })).toBeUndefined();
  });

  it("keeps the parser's position in the message when asked (the merge note)", () => {
    expect(yamlProblem('a: 1\na: 2\n', { prettyErrors: true })!.message).toMatch(/ at line 2, column 1/);
    expect(yamlProblem('a: 1\na: 2\n')!.message).not.toMatch(/ at line/);
  });
});

describe('fields: one comment header', () => {
  it('writes each line as a comment, an empty one as a bare #', () => {
    expect(commentLines(['one', '', 'two'])).toBe('# one\n#\n# two\n');
  });
});

describe('fields: one cluster-scoped kind list', () => {
  it('gives a Flux health check on a cluster-scoped kind no namespace, also for kinds only the checker knew before', () => {
    expect(isClusterScoped('IngressClass')).toBe(true);
    expect(isClusterScoped('Deployment')).toBe(false);
    const entry = [...loadCatalog().components.values()].find(
      (e) => e.component.healthChecks.length > 0 && !e.component.variantBy,
    )!;
    const comp = {
      ...entry.component,
      healthChecks: [
        { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', name: 'web' },
        { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', name: 'v1beta1.metrics.k8s.io' },
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      ],
    };
    const tree = new Tree();
    const written = renderComponent(tree, new TemplateRenderer(), comp as typeof entry.component);
    const ks = written.map((p) => tree.read(p)!).find((t) => t.includes('healthChecks:'))!;
    const docs = ks
      .split(/^---$/m)
      .map((d) => parse(d))
      .filter((d) => d?.spec?.healthChecks);
    const checks = docs.flatMap((d) => d.spec.healthChecks as { kind: string; namespace?: string }[]);
    expect(checks.find((h) => h.kind === 'IngressClass')!.namespace).toBeUndefined();
    expect(checks.find((h) => h.kind === 'APIService')!.namespace).toBeUndefined();
    expect(checks.find((h) => h.kind === 'Deployment')!.namespace).toBe(comp.namespace);
  });
});
