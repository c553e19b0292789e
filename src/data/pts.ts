/**
 * The 300-W `.pts` annotation format: an optional `version: 1` / `n_points: N` / `{`
 * header, one `x y` line per landmark (1-based pixel centres), and a closing `}`.
 */

import { DataFormatError } from '../errors.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a `.pts` text with or without its header into interleaved points.
 *
 * @param file the path that error messages name
 * @param expectedPoints when given, the number of points the scheme needs
 * @throws DataFormatError naming the file and line for a malformed header, a value
 *   that is not a number, a header count that disagrees with the body, or a point
 *   count other than `expectedPoints`
 */
export function parsePts(
  text: string,
  file: string,
  expectedPoints?: number,
): Float64Array {
  const lines = text.split(/\r?\n/);
  let declared: number | undefined;
  let i = 0;
  const skipBlank = (): void => {
    while (i < lines.length && (lines[i] as string).trim() === '') i++;
  };

  // Optional header: version, n_points, opening brace
  skipBlank();
  if (/^version\s*:/i.test((lines[i] ?? '').trim())) {
    i++;
    skipBlank();
    const match = /^n_points\s*:\s*(\S+)$/i.exec((lines[i] ?? '').trim());
    const count = match === null ? NaN : Number(match[1]);
    if (!Number.isInteger(count) || count < 1) {
      const found = JSON.stringify((lines[i] ?? '').trim());
      throw new DataFormatError(
        file,
        `line ${i + 1}: expected "n_points: N", found ${found}`,
      );
    }
    declared = count;
    i++;
    skipBlank();
  }
  if ((lines[i] ?? '').trim() === '{') i++;
  else if (declared !== undefined) {
    const found = JSON.stringify((lines[i] ?? '').trim());
    throw new DataFormatError(
      file,
      `line ${i + 1}: expected "{" after the header, found ${found}`,
    );
  }

  // Body: "x y" lines up to the closing brace or the end
  const values: number[] = [];
  let closed = false;
  for (; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    if (line === '}') {
      closed = true;
      break;
    }
    const parts = line.split(/[\s,]+/);
    if (parts.length !== 2 || !parts.every((p) => NUMBER.test(p))) {
      const found = JSON.stringify(line.length > 60 ? line.slice(0, 60) + '...' : line);
      throw new DataFormatError(
        file,
        `line ${i + 1}: expected two numbers "x y", found ${found}`,
      );
    }
    values.push(Number(parts[0]), Number(parts[1]));
  }

  // Trailing text after the brace, and the counts
  for (i++; closed && i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line !== '') {
      const found = JSON.stringify(line.slice(0, 60));
      throw new DataFormatError(
        file,
        `line ${i + 1}: expected nothing after "}", found ${found}`,
      );
    }
  }
  const count = values.length / 2;
  if (declared !== undefined && count !== declared) {
    throw new DataFormatError(
      file,
      `expected ${declared} points (n_points), found ${count}`,
    );
  }
  if (expectedPoints !== undefined && count !== expectedPoints) {
    throw new DataFormatError(file, `expected ${expectedPoints} points, found ${count}`);
  }
  if (count === 0)
    throw new DataFormatError(file, 'expected at least one "x y" line, found none');
  return Float64Array.from(values);
}

/**
 * Formats interleaved points as a 300-W `.pts` text with the standard header.
 *
 * @param decimals digits after the point. Default 4.
 */
export function formatPts(points: Float64Array, decimals = 4): string {
  const lines = ['version: 1', `n_points: ${points.length / 2}`, '{'];
  for (let i = 0; i + 1 < points.length; i += 2) {
    lines.push(
      `${(points[i] as number).toFixed(decimals)} ${(points[i + 1] as number).toFixed(decimals)}`,
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}
