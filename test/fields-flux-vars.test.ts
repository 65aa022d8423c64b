// One reading of Flux's `${VAR}` syntax (core/flux-vars.ts) for the generator (model/variables.ts) and the checker
// (check/vars.ts, check/schema.ts, check/contracts.ts).
import { describe, expect, it } from 'vitest';
import { scanText, subst } from '../src/check/vars';
import { fluxVarPattern, fluxVarRefs, leadingFluxVar } from '../src/core/flux-vars';
import { findVariables, substitute } from '../src/model/variables';

const TEXT = 'a: ${A}\nb: ${B:=two}\nc: ${C:-}\nd: $${D}\ne: ${E-x}\nf: ${F:+y}\ng: ${9X}';

describe('fields: one module for Flux ${VAR} syntax', () => {
  it('reads names, defaults (an empty one too) and the $${VAR} escape', () => {
    expect(fluxVarRefs(TEXT)).toEqual([
      { escaped: false, name: 'A' },
      { escaped: false, name: 'B', fallback: 'two' },
      { escaped: false, name: 'C', fallback: '' },
      { escaped: true, name: 'D' },
      { escaped: false, name: 'E', fallback: 'x' },
    ]);
  });

  it('gives the generator and the checker the same references', () => {
    const { required, optional } = findVariables(TEXT);
    const scanned = scanText(TEXT, 'f.yaml');
    expect([...required].sort()).toEqual(
      scanned
        .filter((r) => !r.hasDefault)
        .map((r) => r.name)
        .sort(),
    );
    expect([...optional].sort()).toEqual(
      scanned
        .filter((r) => r.hasDefault)
        .map((r) => r.name)
        .sort(),
    );
    expect([...required]).toEqual(['A']);
  });

  it('substitutes as Flux does: a value, else the default (also an empty one); an escape is left for Flux', () => {
    const values = { A: '1', B: '2' };
    expect(substitute('${A} ${B:=x} ${C:-} ${E-e} $${D}', values, 'f')).toBe('1 2  e $${D}');
    expect(subst('${A} ${B:=x} ${C:-} ${E-e} $${D} ${Z}', values)).toBe('1 2  e ${D} ${Z}');
    expect(() => substitute('${Z}', values, 'f.yaml')).toThrow('f.yaml: ${Z} has no value in cluster-settings');
  });

  it('counts ${VAR:+x} and ${VAR:?x} as placeholders of an unknown value only where asked', () => {
    expect(fluxVarPattern('', '-=+?').test('${F:+y}')).toBe(true);
    expect(fluxVarPattern('').test('${F:+y}')).toBe(false);
  });

  it('names the variable a value starts with', () => {
    expect(leadingFluxVar('${LB_POOL_START}')).toBe('LB_POOL_START');
    expect(leadingFluxVar('${X:=1}/24')).toBe('X');
    expect(leadingFluxVar('x${X}')).toBeUndefined();
  });
});
