#!/usr/bin/env node
/**
 * The `dmcl` command line. Add a command by writing `commands/<name>.ts` (see
 * `Command` in command.ts) and listing it below.
 */

import type { Command } from './command.js';
import { alignCommand } from './commands/align.js';
import { baselineCommand } from './commands/baseline.js';
import { drawCommand } from './commands/draw.js';
import { evalCommand } from './commands/eval.js';
import { scanCommand } from './commands/scan.js';
import { trainCommand } from './commands/train.js';
import { runCli } from './run.js';

const commands: Command[] = [
  alignCommand,
  evalCommand,
  scanCommand,
  baselineCommand,
  drawCommand,
  trainCommand,
];

process.exitCode = await runCli(commands, process.argv.slice(2));
