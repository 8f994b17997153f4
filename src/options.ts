// Flag specs and value validation shared by the CLI and by the option modules of each subsystem (which may not import src/cli/).
import { InvalidOptionError } from './errors.js';

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Default shown in help and used when neither flag nor environment sets it. */
  default?: string | boolean;
  /** For string flags that may be given bare (`--cors`): the value a bare flag means. */
  bareValue?: string;
  /** Placeholder in help, e.g. `N` or `FILE`. */
  arg?: string;
  /** String flags only: the flag may be repeated and its values arrive as a list (an environment variable gives one). */
  multiple?: boolean;
  description: string;
}

/** Parsed flag values by name, as the CLI parser returns them. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Fills every flag missing from `values` with its spec's default. */
export function withDefaults(specs: Record<string, OptionSpec>, values: OptionValues): OptionValues {
  const out: OptionValues = { ...values };
  for (const [name, spec] of Object.entries(specs)) out[name] ??= spec.default;
  return out;
}

/** Reads an integer option within bounds, or throws InvalidOptionError naming the flag. */
export function intOption(values: OptionValues, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim())) {
    throw new InvalidOptionError(`--${name} must be a whole number, not ${JSON.stringify(raw)}`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) throw new InvalidOptionError(`--${name} must be between ${min} and ${max}, not ${n}`);
  return n;
}

/** Reads a string option restricted to a set of choices. */
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[]): T {
  const raw = values[name];
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidOptionError(`--${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** Reads an optional, non-empty string option. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' && raw !== '' ? raw : undefined;
}

/** Reads a repeatable string option: every value given, in order (empty when none). */
export function listOption(values: OptionValues, name: string): string[] {
  const raw = values[name];
  if (Array.isArray(raw)) return raw;
  return typeof raw === 'string' && raw !== '' ? [raw] : [];
}

/** Reads a boolean option. */
export function boolOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}
