// Attribute and child readers shared by the COLIBRI2 decoders. Namespaces are resolved by hand:
// our El keeps `xmlns` as an ordinary attribute, so a child without one inherits its parent's.
import type { Result } from '@plenum/kit';
import { ok } from '@plenum/kit';
import type { El } from '../../xml/element.ts';
import type { Colibri2Error } from '../colibri2-error.ts';
import { colibri2Fail } from '../colibri2-error.ts';

/** The namespace an element is in, given its parent's. */
export const nsOf = (e: El, parentNs: string): string => e.attrs.xmlns ?? parentNs;

/** Child elements with their resolved namespaces. */
export function elementsOf(e: El, ns: string): { readonly el: El; readonly ns: string }[] {
  const out: { el: El; ns: string }[] = [];
  for (const c of e.children) if (typeof c !== 'string') out.push({ el: c, ns: nsOf(c, ns) });
  return out;
}

/** How many child elements are called `name` (any namespace): a cheap pre-check before decoding them. */
export function countNamed(e: El, name: string): number {
  let n = 0;
  for (const c of e.children) if (typeof c !== 'string' && c.name === name) n++;
  return n;
}

/** Fails when more than `max` children are called `name`. */
export function checkCount(e: El, name: string, max: number): Result<void, Colibri2Error> {
  const n = countNamed(e, name);
  return n > max ? colibri2Fail('colibri2/too-many', `<${e.name}> has ${n} <${name}> (at most ${max})`) : ok(undefined);
}

/** A required, non-empty attribute. */
export function required(e: El, name: string): Result<string, Colibri2Error> {
  const v = e.attrs[name];
  return v === undefined || v === '' ? colibri2Fail('colibri2/missing-attribute', `<${e.name}> needs ${name}`) : ok(v);
}

/** An optional boolean attribute (`true`/`false`, and XML Schema's `1`/`0`). */
export function optionalBool(e: El, name: string): Result<boolean | undefined, Colibri2Error> {
  const v = e.attrs[name];
  if (v === undefined) return ok(undefined);
  const lower = v.toLowerCase();
  if (lower === 'true' || lower === '1') return ok(true);
  if (lower === 'false' || lower === '0') return ok(false);
  return colibri2Fail('colibri2/bad-attribute', `<${e.name}> ${name} must be true or false`);
}

const INTEGER = /^-?\d{1,10}$/;

/** An optional integer attribute within [min, max]. */
export function optionalInt(e: El, name: string, min: number, max: number): Result<number | undefined, Colibri2Error> {
  const v = e.attrs[name];
  if (v === undefined) return ok(undefined);
  const n = INTEGER.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) return colibri2Fail('colibri2/bad-attribute', `<${e.name}> ${name} must be an integer in ${min}..${max}`);
  return ok(n);
}

/** A required integer attribute within [min, max]. */
export function requiredInt(e: El, name: string, min: number, max: number): Result<number, Colibri2Error> {
  const r = optionalInt(e, name, min, max);
  if (!r.ok) return r;
  return r.value === undefined ? colibri2Fail('colibri2/missing-attribute', `<${e.name}> needs ${name}`) : ok(r.value);
}

/** An optional attribute from a fixed set of values. */
export function optionalOneOf<const T extends string>(e: El, name: string, values: readonly T[]): Result<T | undefined, Colibri2Error> {
  const v = e.attrs[name];
  if (v === undefined) return ok(undefined);
  return (values as readonly string[]).includes(v)
    ? ok(v as T)
    : colibri2Fail('colibri2/bad-attribute', `<${e.name}> ${name} must be one of ${values.join(', ')}`);
}

/** A required attribute from a fixed set of values. */
export function requiredOneOf<const T extends string>(e: El, name: string, values: readonly T[]): Result<T, Colibri2Error> {
  const r = optionalOneOf(e, name, values);
  if (!r.ok) return r;
  return r.value === undefined ? colibri2Fail('colibri2/missing-attribute', `<${e.name}> needs ${name}`) : ok(r.value);
}

/** Spreads `{ [key]: value }` only when the value is defined (exactOptionalPropertyTypes). */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
