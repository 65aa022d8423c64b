/*
 * Flux's post-build substitution syntax, once: `${NAME}`, `${NAME:=default}` / `${NAME:-default}` (and the forms
 * without the colon), and `$${NAME}`, the escape that leaves `${NAME}` in the output. The generator (model/variables.ts:
 * which settings a template needs, bootstrap values rendered outside Flux) and the checker of any Flux repository
 * (check/: what a build substitutes, which values are unknown until Flux runs) read it here, so both agree on
 * what a reference is.
 */

/** A variable name Flux substitutes. */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** The operators that give a default (`:=`, `:-`, `=`, `-`). */
export const DEFAULT_OPERATORS = '-=';

/**
 * A reference: group 1 the escape (`$` or ''), 2 the name, 3 the operator (`:-`, `=`, …) when there is one, 4 its
 * operand. `operators` are the characters an operator may be (after an optional colon); a placeholder check that
 * only asks "is this value known before Flux runs" also counts `+` and `?`.
 */
export function fluxVarPattern(flags = 'g', operators = DEFAULT_OPERATORS): RegExp {
  return new RegExp(`(\\$?)\\$\\{(${NAME})(?:(:?[${operators.replace(/-/g, '\\-')}])([^}]*))?\\}`, flags);
}

/** One `${…}` reference in a text. */
export interface FluxVarRef {
  /** `$${NAME}`: Flux writes `${NAME}` and substitutes nothing. */
  escaped: boolean;
  name: string;
  /** The default after `:=` / `:-` (possibly ''), undefined without one. */
  fallback?: string;
}

const refOf = (m: RegExpMatchArray | string[]): FluxVarRef => ({
  escaped: m[1] === '$',
  name: m[2],
  ...(m[3] !== undefined ? { fallback: m[4] } : {}),
});

/** The references of a text, escaped ones included, in order. */
export function fluxVarRefs(text: string): FluxVarRef[] {
  return [...text.matchAll(fluxVarPattern())].map(refOf);
}

/** Replace each reference of a text by what `value` says (`all` is the reference as written). */
export function replaceFluxVars(text: string, value: (ref: FluxVarRef, all: string) => string): string {
  return text.replace(fluxVarPattern(), (...m: string[]) => value(refOf(m), m[0]));
}

/** The name of the variable a value starts with (`${NAME…`), for telling where a value came from. */
export function leadingFluxVar(text: string): string | undefined {
  return new RegExp(`^\\$\\{(${NAME})`).exec(text)?.[1];
}
