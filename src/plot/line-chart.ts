/**
 * A small dependency-free SVG line chart (CED curves, loss and NME curves).
 */

import { InvalidInputError } from '../errors.js';

/** One line of a chart. */
export interface LineSeries {
  /** Legend text. */
  name: string;
  /** (x, y) pairs in drawing order; a non-finite y (or y <= 0 on a log axis) breaks the line. */
  points: [number, number][];
  /** CSS colour. Default: the next colour of a 10-colour palette. */
  colour?: string;
  /** Draw dashed. Default false. */
  dashed?: boolean;
}

/** A vertical reference line, e.g. a failure threshold. */
export interface ChartMarker {
  x: number;
  /** Text written next to the line. Default none. */
  label?: string;
}

/** Options of `lineChartSvg`. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Logarithmic y axis (for losses). Default false. */
  logY?: boolean;
  /** Picture width in pixels. Default 640. */
  width?: number;
  /** Picture height in pixels. Default 420. */
  height?: number;
  /** x axis range. Default: the data's range. */
  xRange?: [number, number];
  /** y axis range. Default: the data's range (from 0 when all y >= 0 on a linear axis). */
  yRange?: [number, number];
  /** Tick label text of x values. Default: shortest decimal form. */
  xFormat?: (value: number) => string;
  /** Tick label text of y values. Default: shortest decimal form. */
  yFormat?: (value: number) => string;
  /** Vertical reference lines. Default none. */
  markers?: ChartMarker[];
  /** Corner of the plot area that holds the legend. Default `top-right`. */
  legend?: 'top-right' | 'bottom-right' | 'top-left' | 'bottom-left';
}

/** The default series colours (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/**
 * Renders a line chart as an SVG document (a string), with axes, ticks, grid,
 * legend and optional markers.
 *
 * @throws InvalidInputError when there is nothing to draw or a range is empty
 */
export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 420;
  const logY = options.logY ?? false;
  const plot = { left: 70, right: width - 20, top: 40, bottom: height - 55 };

  // Ranges: given, or from the finite (and, on a log axis, positive) data
  const usable = (y: number): boolean => Number.isFinite(y) && (!logY || y > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of options.series) {
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && usable(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0 && (options.xRange === undefined || options.yRange === undefined)) {
    throw new InvalidInputError(
      `lineChartSvg "${options.title}": expected at least one point`,
    );
  }
  const xRange = options.xRange ?? padRange(Math.min(...xs), Math.max(...xs));
  const yData = padRange(Math.min(...ys), Math.max(...ys));
  const yRange =
    options.yRange ?? (logY ? yData : [Math.min(0, yData[0]), Math.max(0, yData[1])]);
  if (
    !(xRange[1] > xRange[0]) ||
    !(yRange[1] > yRange[0]) ||
    (logY && !(yRange[0] > 0))
  ) {
    const found = `x ${xRange.join('..')}, y ${yRange.join('..')}`;
    throw new InvalidInputError(
      `lineChartSvg: expected non-empty axis ranges, found ${found}`,
    );
  }

  // Value -> pixel maps
  const fy = (y: number): number => (logY ? Math.log10(y) : y);
  const [y0, y1] = [fy(yRange[0]), fy(yRange[1])];
  const px = (x: number): number =>
    plot.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * (plot.right - plot.left);
  const py = (y: number): number =>
    plot.bottom - ((fy(y) - y0) / (y1 - y0)) * (plot.bottom - plot.top);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    text(width / 2, 22, options.title, 'middle', 15, 'bold'),
  ];

  // Grid and tick labels
  const xFormat = options.xFormat ?? formatNumber;
  const yFormat = options.yFormat ?? formatNumber;
  for (const t of niceTicks(xRange[0], xRange[1])) {
    const x = round(px(t));
    parts.push(line(x, plot.top, x, plot.bottom, '#e6e6e6'));
    parts.push(text(x, plot.bottom + 16, xFormat(t), 'middle'));
  }
  for (const t of logY
    ? logTicks(yRange[0], yRange[1])
    : niceTicks(yRange[0], yRange[1])) {
    const y = round(py(t));
    parts.push(line(plot.left, y, plot.right, y, '#e6e6e6'));
    parts.push(text(plot.left - 6, y + 4, yFormat(t), 'end'));
  }
  parts.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" ` +
      `height="${plot.bottom - plot.top}" fill="none" stroke="#333"/>`,
    text((plot.left + plot.right) / 2, height - 14, options.xLabel, 'middle', 13),
    `<text x="16" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle" font-size="13" ` +
      `transform="rotate(-90 16 ${(plot.top + plot.bottom) / 2})">${escapeXml(options.yLabel)}</text>`,
  );

  // Markers, then the series clipped to the plot area
  for (const marker of options.markers ?? []) {
    if (marker.x < xRange[0] || marker.x > xRange[1]) continue;
    const x = round(px(marker.x));
    parts.push(line(x, plot.top, x, plot.bottom, '#888', '4 3'));
    if (marker.label !== undefined)
      parts.push(text(x + 4, plot.top + 14, marker.label, 'start', 11));
  }
  parts.push(
    `<clipPath id="plot-area"><rect x="${plot.left}" y="${plot.top}" ` +
      `width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/></clipPath>`,
  );
  options.series.forEach((s, k) => {
    const colour = s.colour ?? PALETTE[k % PALETTE.length];
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    for (const segment of segments(s.points, usable)) {
      const d = segment.map(
        ([x, y], i) => `${i === 0 ? 'M' : 'L'}${round(px(x))},${round(py(y))}`,
      );
      parts.push(
        `<path d="${d.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash} ` +
          `clip-path="url(#plot-area)"/>`,
      );
    }
  });

  parts.push(legend(options.series, plot, options.legend ?? 'top-right'), '</svg>');
  return parts.join('\n') + '\n';
}

/** Legend box in one corner of the plot area. */
function legend(
  series: LineSeries[],
  plot: { left: number; right: number; top: number; bottom: number },
  corner: string,
): string {
  if (series.length === 0) return '';
  const longest = Math.max(...series.map((s) => s.name.length));
  const w = 36 + longest * 7;
  const h = series.length * 18 + 8;
  const left = corner.endsWith('left') ? plot.left + 10 : plot.right - 10 - w;
  const top = corner.startsWith('top') ? plot.top + 10 : plot.bottom - 10 - h;
  const rows = series.map((s, k) => {
    const y = top + 16 + k * 18;
    const colour = s.colour ?? PALETTE[k % PALETTE.length];
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    return (
      `<line x1="${left + 8}" y1="${y - 4}" x2="${left + 28}" y2="${y - 4}" stroke="${colour}" ` +
      `stroke-width="2"${dash}/>` +
      text(left + 32, y, s.name, 'start', 12)
    );
  });
  return (
    `<rect x="${left}" y="${top}" width="${w}" height="${h}" ` +
    `fill="white" fill-opacity="0.85" stroke="#ccc"/>\n` +
    rows.join('\n')
  );
}

/** Runs of consecutive usable points. */
function segments(
  points: [number, number][],
  usable: (y: number) => boolean,
): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  for (const p of points) {
    if (Number.isFinite(p[0]) && usable(p[1])) current.push(p);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** About five round-numbered ticks (1, 2 or 5 times a power of ten) in [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Powers of ten in [lo, hi], with 2 and 5 times them when there are few decades. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const few = Math.log10(hi / lo) < 3;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks;
}

function padRange(lo: number, hi: number): [number, number] {
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  stroke: string,
  dash?: string,
) {
  const dashes = dash === undefined ? '' : ` stroke-dasharray="${dash}"`;
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}"${dashes}/>`;
}

function text(
  x: number,
  y: number,
  content: string,
  anchor: 'start' | 'middle' | 'end',
  size = 12,
  weight = 'normal',
): string {
  return (
    `<text x="${round(x)}" y="${round(y)}" text-anchor="${anchor}" font-size="${size}" ` +
    `font-weight="${weight}">${escapeXml(content)}</text>`
  );
}

/** Escapes text for SVG/XML content and attributes. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
