/**
 * Reading schemes from files (Node only; the browser entry uses schemes in memory).
 */

import { readFile } from 'node:fs/promises';

import { ConfigError } from '../errors.js';
import { IBUG68, validateScheme, type Scheme } from './scheme.js';

/**
 * Reads and validates a scheme JSON file (the layout of `validateScheme`).
 *
 * @throws ConfigError naming the file when it is missing, not JSON or not a scheme
 */
export async function loadScheme(path: string): Promise<Scheme> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(
      `${path}: expected a scheme JSON file, cannot read it (${reason})`,
      {
        cause: error,
      },
    );
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: expected JSON, ${(error as Error).message}`, {
      cause: error,
    });
  }
  return validateScheme(value, path);
}

/**
 * A scheme by built-in name (`ibug68`) or from a JSON file path.
 *
 * @throws ConfigError when the file is missing or invalid
 */
export async function resolveScheme(nameOrPath: string): Promise<Scheme> {
  if (nameOrPath === IBUG68.name) return IBUG68;
  return loadScheme(nameOrPath);
}
