// Flag specs and value validation shared by the CLI and by the option modules of each subsystem (which may not import src/cli/).
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from './errors.js';

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string flag that may be repeated; its value is then a list (`--header A --header B`). */
  multiple?: boolean;
  /** Default shown in help and used when neither flag nor environment sets it. */
  default?: string | boolean;
  /** For string flags that may be given bare (`--cors`): the value a bare flag means. */
  bareValue?: string;
  /** Placeholder in help, e.g. `N` or `FILE`. */
  arg?: string;
  description: string;
}

/** One parsed flag value: a string, a boolean, or the list of a repeatable flag. */
export type OptionValue = string | boolean | readonly string[] | undefined;

/** Parsed flag values by name, as the CLI parser returns them. */
export type OptionValues = Record<string, OptionValue>;

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

/** Reads a repeatable option: every value given, in order (none: an empty list). */
export function listOption(values: OptionValues, name: string): readonly string[] {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return [];
  return typeof raw === 'string' ? [raw] : raw;
}

/** Reads a boolean option. */
export function boolOption(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** Reads a PEM file named by `--FLAG` at startup, or throws InvalidOptionError naming the flag (and never the content). */
export function readPemOption(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new InvalidOptionError(`--${flag}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
