/**
 * Writes a JSON file formatted by the repository's Prettier settings, so that
 * generated files pass `npm run format:check` as they are written.
 */
import { writeFile } from 'node:fs/promises';

import { format, resolveConfig } from 'prettier';

/** Writes `value` as JSON to `path`, formatted as Prettier would. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const config = (await resolveConfig(path)) ?? {};
  await writeFile(
    path,
    await format(JSON.stringify(value), { ...config, parser: 'json' }),
  );
}
