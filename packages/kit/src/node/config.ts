import { readFileSync } from 'node:fs';
import type { Result } from '../result.ts';
import { ok, err } from '../result.ts';

/** One configuration key: its type, default, bounds and the line of documentation shown in docs/. */
export type Field<T> = {
  readonly kind: 'field';
  readonly doc: string;
  readonly typeName: string;
  readonly default: T;
  /** Parses a value from a JSON config file. */
  parse(raw: unknown): Result<T, string>;
  /** Parses a value from an environment variable. */
  parseEnv(raw: string): Result<T, string>;
};

/** A tree of fields; nesting becomes `a.b` in files and `PREFIX_A_B` in the environment. */
export type SpecTree = { readonly [key: string]: Field<unknown> | SpecTree };

/** The frozen configuration object a spec describes. */
export type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : ConfigOf<S[K]> };

const isField = (x: unknown): x is Field<unknown> =>
  typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'field';

function field<T>(typeName: string, doc: string, def: T, parse: (raw: unknown) => Result<T, string>,
  parseEnv: (raw: string) => Result<T, string>): Field<T> {
  return { kind: 'field', doc, typeName, default: def, parse, parseEnv };
}

/** Field constructors. */
export const f = {
  string(doc: string, def: string, opts: { pattern?: RegExp } = {}): Field<string> {
    const parse = (raw: unknown): Result<string, string> => {
      if (typeof raw !== 'string') return err('expected a string');
      if (opts.pattern && !opts.pattern.test(raw)) return err(`does not match ${String(opts.pattern)}`);
      return ok(raw);
    };
    return field('string', doc, def, parse, parse);
  },
  optionalString(doc: string): Field<string | undefined> {
    const parse = (raw: unknown): Result<string | undefined, string> =>
      raw === undefined || raw === null || raw === '' ? ok(undefined) : typeof raw === 'string' ? ok(raw) : err('expected a string');
    return field('string?', doc, undefined, parse, parse);
  },
  int(doc: string, def: number, opts: { min?: number; max?: number } = {}): Field<number> {
    const parse = (raw: unknown): Result<number, string> => {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return err('expected an integer');
      if (opts.min !== undefined && raw < opts.min) return err(`must be ≥ ${opts.min}`);
      if (opts.max !== undefined && raw > opts.max) return err(`must be ≤ ${opts.max}`);
      return ok(raw);
    };
    return field('integer', doc, def, parse, (s) => (/^-?\d+$/.test(s.trim()) ? parse(Number(s)) : err('expected an integer')));
  },
  port(doc: string, def: number): Field<number> {
    return { ...f.int(doc, def, { min: 0, max: 65535 }), typeName: 'port' };
  },
  bool(doc: string, def: boolean): Field<boolean> {
    const parse = (raw: unknown): Result<boolean, string> => (typeof raw === 'boolean' ? ok(raw) : err('expected true or false'));
    return field('boolean', doc, def, parse, (s) =>
      /^(1|true|yes|on)$/i.test(s) ? ok(true) : /^(0|false|no|off)$/i.test(s) ? ok(false) : err('expected true or false'));
  },
  oneOf<const T extends string>(doc: string, values: readonly T[], def: T): Field<T> {
    const parse = (raw: unknown): Result<T, string> =>
      typeof raw === 'string' && (values as readonly string[]).includes(raw) ? ok(raw as T) : err(`expected one of ${values.join(', ')}`);
    return field(values.join(' | '), doc, def, parse, parse);
  },
  stringList(doc: string, def: readonly string[]): Field<readonly string[]> {
    const parse = (raw: unknown): Result<readonly string[], string> =>
      Array.isArray(raw) && raw.every((x) => typeof x === 'string') ? ok(Object.freeze([...raw] as string[])) : err('expected a list of strings');
    return field('string list', doc, def, parse, (s) => ok(Object.freeze(s.split(',').map((x) => x.trim()).filter((x) => x !== ''))));
  },
};

/** Where a loaded configuration comes from. */
export type ConfigSources = {
  readonly env?: NodeJS.ProcessEnv;
  /** Values from a JSON file or an embedding program, nested like the spec. */
  readonly values?: unknown;
  /** Path of a JSON config file. */
  readonly file?: string;
};

/** Thrown by loadConfig with every problem found at once, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const envName = (prefix: string, path: readonly string[]) =>
  prefix + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');

/**
 * Builds a frozen configuration: defaults, then file values, then explicit values, then the
 * environment (`prefix` + upper snake path). Unknown keys and bad values are all reported together.
 */
export function loadConfig<S extends SpecTree>(prefix: string, spec: S, sources: ConfigSources = {}): ConfigOf<S> {
  const problems: string[] = [];
  let fileValues: unknown;
  if (sources.file !== undefined) {
    try {
      fileValues = JSON.parse(readFileSync(sources.file, 'utf8'));
    } catch (error) {
      problems.push(`${sources.file}: ${(error as Error).message}`);
    }
  }
  const env = sources.env ?? {};
  const build = (node: SpecTree, path: string[], layers: unknown[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const layer of layers) {
      if (layer === undefined) continue;
      if (typeof layer !== 'object' || layer === null || Array.isArray(layer)) {
        problems.push(`${path.join('.') || '(root)'}: expected an object`);
        continue;
      }
      for (const key of Object.keys(layer)) {
        if (!(key in node)) problems.push(`${[...path, key].join('.')}: unknown key`);
      }
    }
    for (const [key, sub] of Object.entries(node)) {
      const p = [...path, key];
      const sublayers = layers.map((l) => (typeof l === 'object' && l !== null ? (l as Record<string, unknown>)[key] : undefined));
      if (!isField(sub)) {
        out[key] = build(sub, p, sublayers);
        continue;
      }
      let value: unknown = sub.default;
      for (const raw of sublayers) {
        if (raw === undefined) continue;
        const r = sub.parse(raw);
        if (r.ok) value = r.value;
        else problems.push(`${p.join('.')}: ${r.error}`);
      }
      const name = envName(prefix, p);
      const fromEnv = env[name];
      if (fromEnv !== undefined) {
        const r = sub.parseEnv(fromEnv);
        if (r.ok) value = r.value;
        else problems.push(`${name}: ${r.error}`);
      }
      out[key] = value;
    }
    return Object.freeze(out);
  };
  const config = build(spec, [], [fileValues, sources.values]);
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}

/** One documented row per key, for the README's config table. */
export function describeConfig(prefix: string, spec: SpecTree, path: string[] = []): { key: string; env: string; type: string; default: string; doc: string }[] {
  return Object.entries(spec).flatMap(([key, sub]) => {
    const p = [...path, key];
    if (!isField(sub)) return describeConfig(prefix, sub, p);
    return [{ key: p.join('.'), env: envName(prefix, p), type: sub.typeName, default: JSON.stringify(sub.default) ?? '', doc: sub.doc }];
  });
}
