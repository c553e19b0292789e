import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { InvalidInputError } from '../../src/errors.js';
import { cropTransform } from '../../src/geometry/crop.js';
import { readImage } from '../../src/image/image.js';
import { lineChartSvg, niceTicks } from '../../src/plot/line-chart.js';
import { drawOverlay, overlaySvg } from '../../src/plot/overlay.js';
import { svgToPng, writeSvgAndPng } from '../../src/plot/svg-png.js';
import { IBUG68 } from '../../src/scheme/scheme.js';

const DATA = process.env.DMCL_DATA ?? '/work/shared/data';

const loss = {
  title: 'loss <train & val>',
  xLabel: 'epoch',
  yLabel: 'loss',
  series: [
    {
      name: 'train',
      points: [
        [1, 1],
        [2, 0.1],
        [3, 0.01],
      ] as [number, number][],
    },
    {
      name: 'val',
      points: [
        [1, 2],
        [2, 0],
        [3, NaN],
        [4, 0.05],
      ] as [number, number][],
      dashed: true,
    },
  ],
};

describe('lineChartSvg', () => {
  it('draws every series, escapes text and marks thresholds', () => {
    const svg = lineChartSvg({ ...loss, markers: [{ x: 2, label: 'lr / 10' }] });
    expect(svg).toContain('loss &lt;train &amp; val&gt;');
    expect(svg).toContain('>train</text>');
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain('lr / 10');
    // val is broken by NaN into two paths; train is one
    expect(svg.match(/<path /g)?.length).toBe(3);
  });

  it('on a log axis drops non-positive values and ticks powers of ten', () => {
    const svg = lineChartSvg({ ...loss, logY: true });
    // val (1, 2) / (2, 0) -> one segment of one point, then (4, 0.05)
    expect(svg.match(/<path /g)?.length).toBe(3);
    expect(svg).toContain('>0.01</text>');
    expect(svg).toContain('>1</text>');
  });

  it('refuses an empty chart', () => {
    expect(() =>
      lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] }),
    ).toThrow(InvalidInputError);
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 20)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(3, 97)).toEqual([20, 40, 60, 80]);
  });

  it('renders to a PNG of twice the SVG size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-plot-'));
    const paths = await writeSvgAndPng(lineChartSvg(loss), join(dir, 'sub', 'loss'));
    const meta = await sharp(paths.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 840]);
    await expect(svgToPng('<svg', join(dir, 'bad.png'))).rejects.toThrow(
      /expected a valid SVG/,
    );
  });
});

describe('drawOverlay', () => {
  it('draws points, box and crop over a photo as PNG and JPEG', async () => {
    const photo = `${DATA}/300w/test/lfpw-test_image_0001.jpg`;
    const dir = await mkdtemp(join(tmpdir(), 'dmcl-overlay-'));
    const points = Float64Array.from({ length: 136 }, (_, i) => 80 + (i % 17) * 5);
    const box = { left: 80, right: 160, top: 80, bottom: 160 };
    const options = {
      layers: [{ points, name: 'truth' }],
      scheme: IBUG68,
      box,
      crop: cropTransform(box),
    };

    const png = join(dir, 'a.png');
    await drawOverlay(photo, options, png);
    const source = await readImage(photo);
    const drawn = await readImage(png);
    expect(drawn.width).toBe(
      Math.round(source.width * (512 / Math.max(source.width, source.height))),
    );
    // Point 1 at (80, 85) is drawn green in the output, the box corner (80, 80) yellow
    const scale = drawn.width / source.width;
    const pixel = (x: number, y: number): number[] => {
      const row = Math.round((y - 0.5) * scale) * drawn.width;
      const at = (row + Math.round((x - 0.5) * scale)) * drawn.channels;
      return [drawn.data[at], drawn.data[at + 1], drawn.data[at + 2]] as number[];
    };
    const [r, g, b] = pixel(120, 80);
    expect([r! > 200, g! > 170, b! < 90]).toEqual([true, true, true]);
    expect(pixel(80, 85)).toEqual([46, 204, 64]);

    await drawOverlay(photo, { ...options, scale: 1 }, join(dir, 'a.jpg'));
    expect((await sharp(join(dir, 'a.jpg')).metadata()).width).toBe(source.width);
  });

  it('places 1-based pixel centres at (x - 0.5) * scale', () => {
    const svg = overlaySvg(100, 100, 4, {
      layers: [{ points: Float64Array.from([1, 1]) }],
    });
    expect(svg).toContain('cx="2.00" cy="2.00"');
  });
});
