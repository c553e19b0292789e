import { describe, expect, it } from 'vitest';

import { formatPts, parsePts } from '../../src/data/pts.js';
import { DataFormatError } from '../../src/errors.js';

const WITH_HEADER = 'version: 1\nn_points: 3\n{\n1.5 2\n3 4.25\n-1e1 6\n}\n';

describe('parsePts', () => {
  it('reads the 300-W layout with its header', () => {
    expect(Array.from(parsePts(WITH_HEADER, 'a.pts', 3))).toEqual([
      1.5, 2, 3, 4.25, -10, 6,
    ]);
  });

  it('reads bare "x y" lines, CRLF and blank lines', () => {
    const bare = '\r\n1.5 2\r\n3\t4.25\r\n\r\n-1e1   6\r\n';
    expect(Array.from(parsePts(bare, 'b.pts'))).toEqual([1.5, 2, 3, 4.25, -10, 6]);
  });

  it('round-trips through formatPts', () => {
    const points = Float64Array.from([1.25, 2.5, 300.125, 4]);
    expect(Array.from(parsePts(formatPts(points), 'c.pts', 2))).toEqual(
      Array.from(points),
    );
  });

  const bad: [string, string, RegExp][] = [
    [
      'a non-numeric value',
      'version: 1\nn_points: 2\n{\n1 2\n3 abc\n}',
      /line 5: expected two numbers "x y", found "3 abc"/,
    ],
    ['three values on a line', '1 2 3\n', /line 1: expected two numbers/],
    [
      'a header count that disagrees',
      'version: 1\nn_points: 3\n{\n1 2\n}',
      /expected 3 points \(n_points\), found 1/,
    ],
    [
      'a broken n_points line',
      'version: 1\nnpoints 3\n{\n}',
      /line 2: expected "n_points: N"/,
    ],
    [
      'text after the closing brace',
      'version: 1\nn_points: 1\n{\n1 2\n}\nextra',
      /line 6: expected nothing after "}"/,
    ],
    ['no points', '{\n}\n', /expected at least one "x y" line/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what}, naming the file`, () => {
      expect(() => parsePts(text, 'dir/face.pts')).toThrow(DataFormatError);
      expect(() => parsePts(text, 'dir/face.pts')).toThrow(message);
      expect(() => parsePts(text, 'dir/face.pts')).toThrow(/^dir\/face\.pts: /);
    });
  }

  it("refuses a point count other than the scheme's", () => {
    expect(() => parsePts(WITH_HEADER, 'a.pts', 68)).toThrow(
      'a.pts: expected 68 points, found 3',
    );
  });
});
