/**
 * The shape of a `dmcl` subcommand and the helpers every command shares: argument
 * parsing with usage errors, and printing.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';

import { ConfigError } from '../errors.js';

/** A `dmcl` subcommand. `main.ts` lists them; each lives in `commands/<name>.ts`. */
export interface Command {
  /** The word after `dmcl`. */
  name: string;
  /** One line for `dmcl --help`. */
  summary: string;
  /** The full `--help` text. */
  usage: string;
  /**
   * Runs the command with the arguments after its name.
   *
   * @returns the process exit status (0 success, 1 failure or problems found, 2 usage)
   */
  run(argv: string[]): Promise<number>;
}

/** A command line the command cannot accept; reported with a pointer to `--help`. */
export class UsageError extends ConfigError {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What `parseCommandArgs` returns for an option table `T`. */
export type ParsedCommandArgs<T extends Options> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: T;
    strict: true;
    allowPositionals: boolean;
  }>
>;

/**
 * `parseArgs` in strict mode, with its errors turned into `UsageError`s that name
 * the command.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${text.replace(/\. To specify a positional.*$/s, '')}`, {
      cause: error,
    });
  }
}

/** Whether the arguments ask for help. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * A number option, or `fallback` when absent.
 *
 * @throws UsageError when the text is not a number in [min, max]
 */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(
      `--${name}: expected a number in ${min}..${max}, found "${value}"`,
    );
  }
  return n;
}

/** Writes a line to stdout. */
export function out(text = ''): void {
  process.stdout.write(text + '\n');
}

/** Writes a line to stderr. */
export function note(text: string): void {
  process.stderr.write(text + '\n');
}

/** Percent text of a fraction, two decimals. */
export function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(2)} %`;
}
