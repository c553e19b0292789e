/**
 * Dispatch of `dmcl <command> [args]`: top-level help and version, command lookup,
 * and turning errors into messages and exit statuses.
 */

import { readFileSync } from 'node:fs';

import { isDmclError } from '../errors.js';
import { note, out, UsageError, wantsHelp, type Command } from './command.js';

/**
 * Runs the command named by `argv[0]`.
 *
 * @returns the exit status: 0 success, 1 failure (or problems found), 2 usage error
 */
export async function runCli(
  commands: readonly Command[],
  argv: string[],
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    out(topic?.usage ?? topLevelHelp(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    out(version());
    return 0;
  }

  // The command, its own help, then the run with errors reported
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    note(`dmcl: unknown command "${name}"; run "dmcl --help" for the list`);
    return 2;
  }
  if (wantsHelp(rest)) {
    out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      note(
        `dmcl ${command.name}: ${error.message}\nrun "dmcl ${command.name} --help" for usage`,
      );
      return 2;
    }
    if (isDmclError(error)) {
      note(`dmcl ${command.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** `dmcl --help`: synopsis and one line per command. */
export function topLevelHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: dmcl <command> [options]',
    '',
    'Face alignment with Deep Multi-Center Learning: 68 landmarks per face.',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show help (also "dmcl <command> --help")',
    '  -V, --version  show the version',
    '',
    'Exit status: 0 success, 1 failure or problems found, 2 usage error.',
  ].join('\n');
}

function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
    return `dmcl ${pkg.version ?? 'unknown'}`;
  } catch {
    return 'dmcl unknown';
  }
}
