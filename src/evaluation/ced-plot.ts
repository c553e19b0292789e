/**
 * CED plots of an evaluation report, as SVG and PNG.
 */

import { lineChartSvg } from '../plot/line-chart.js';
import { writeSvgAndPng } from '../plot/svg-png.js';
import type { EvaluationReport } from './evaluate.js';
import { thresholdKey } from './metrics.js';

/**
 * The CED curves of a report (one per normaliser) as an SVG document, with the
 * report's thresholds marked.
 *
 * @param title chart title. Default: `CED, <faces> faces (<scheme>)`.
 */
export function cedPlotSvg(report: EvaluationReport, title?: string): string {
  const series = report.normalisers.map((m) => {
    const curve = report.ced[m] ?? { x: [], y: [] };
    const nme = ((report.nme[m] ?? NaN) * 100).toFixed(2);
    return {
      name: `${m} (NME ${nme} %)`,
      points: curve.x.map((x, k): [number, number] => [x * 100, (curve.y[k] ?? 0) * 100]),
    };
  });
  const last = report.ced[report.normalisers[0] ?? 'box-diagonal']?.x.at(-1) ?? 0.2;
  return lineChartSvg({
    title: title ?? `CED, ${report.faces} faces (${report.scheme})`,
    xLabel: 'NME, % of the normaliser',
    yLabel: 'faces with NME at most x, %',
    series,
    xRange: [0, last * 100],
    yRange: [0, 100],
    markers: report.thresholds.map((t) => ({ x: t * 100, label: thresholdKey(t) })),
    legend: 'bottom-right',
  });
}

/**
 * Writes the CED plot of a report as `<pathWithoutExt>.svg` and `.png`.
 *
 * @returns the two paths written
 */
export async function writeCedPlot(
  report: EvaluationReport,
  pathWithoutExt: string,
  title?: string,
): Promise<{ svg: string; png: string }> {
  return writeSvgAndPng(cedPlotSvg(report, title), pathWithoutExt);
}
