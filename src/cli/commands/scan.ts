/**
 * `dmcl scan`: checks and summarises a dataset without stopping at the first problem.
 */

import { scanDataset, type DatasetScan, type Spread } from '../../data/dataset.js';

import {
  numberOption,
  out,
  parseCommandArgs,
  UsageError,
  type Command,
} from '../command.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { resolveScheme } from '../../scheme/load.js';

const usage = `Usage: dmcl scan PATH [options]

Reads every face of a dataset and reports what it holds (faces, photos, box and
photo sizes) and every problem found: missing or unreadable photos, wrong point
counts, values that are not numbers, points far outside the photo, repeated names.
PATH is a 300-W style folder (.pts files with their photos next to them), a list
file (one .pts or image path per line) or a JSON manifest.

Options:
  --scheme NAME|FILE  landmark scheme: ibug68 (default) or a scheme JSON file
  --tolerance X       how far points may lie outside the photo, as a share of its
                      larger side (default 0.25)
  --header-only       read image headers only (faster; misses truncated files)
  --json              print the summary and problems as one JSON object
  -h, --help          show this help

Exit status: 0 clean, 1 problems found (or the dataset cannot be read), 2 usage.`;

export const scanCommand: Command = {
  name: 'scan',
  summary: 'check a dataset and summarise faces, photos, boxes and problems',
  usage,
  run,
};

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'scan',
    argv,
    {
      scheme: { type: 'string', default: 'ibug68' },
      tolerance: { type: 'string' },
      'header-only': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  if (positionals.length !== 1) {
    throw new UsageError(`expected one dataset PATH, found ${positionals.length}`);
  }
  const scheme = await resolveScheme(values.scheme);
  const outsideTolerance = numberOption('tolerance', values.tolerance, 0.25, 0);

  // Scan with a progress bar
  let bar: ProgressBar | undefined;
  const scan = await scanDataset(positionals[0] as string, {
    scheme,
    outsideTolerance,
    decodeImages: !values['header-only'],
    onProgress: (done, total) => {
      bar ??= createProgressBar({ total, label: 'scanning' });
      bar.update(done);
    },
  });
  bar?.done();

  if (values.json) {
    const { faces, ...summary } = scan;
    out(JSON.stringify({ ...summary, faces: faces.length }));
  } else {
    out(formatScan(scan));
  }
  return scan.problems.length === 0 ? 0 : 1;
}

/** The scan as text: summary lines, then every problem. */
function formatScan(scan: DatasetScan): string {
  const px = (s: Spread): string =>
    s.count === 0 ? '-' : `min ${fmt(s.min)}, median ${fmt(s.median)}, max ${fmt(s.max)}`;
  const lines = [
    `${scan.path} (${scan.kind}, scheme ${scan.scheme})`,
    `  annotations  ${scan.entries}`,
    `  good faces   ${scan.faces.length}`,
    `  photos       ${scan.images}`,
    `  box width    ${px(scan.boxWidth)} px`,
    `  box height   ${px(scan.boxHeight)} px`,
    `  photo width  ${px(scan.imageWidth)} px`,
    `  photo height ${px(scan.imageHeight)} px`,
    `  problems     ${scan.problems.length}`,
  ];
  for (const p of scan.problems) lines.push(`${p.file}: ${p.problem}`);
  return lines.join('\n');
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
