/**
 * The sweep figure: metrics of many runs against one hyper-parameter on a log axis (e.g.
 * best validation accuracy against weight scale), one line per series.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import { accuracyDomain } from "./accuracy_panel.ts";
import { type Figure, type PlotOptions, powerOfTenLabel, seriesColors } from "./figure.ts";

/** A metric to draw, one panel each. */
export interface SweepMetric {
  /** Field of each row, e.g. "bestValAcc". */
  key: string;
  /** Axis label, e.g. "best validation accuracy". */
  label: string;
  /** Fractions 0..1 drawn as percentages. */
  percent?: boolean;
  /** Draw this metric on a log y axis too (e.g. a loss spanning decades). */
  logY?: boolean;
}

/**
 * Builds one panel per metric, each with a log x axis. Rows hold the swept value under
 * `x`, the series name under `series` and one field per metric; rows whose x is not a
 * positive finite number are an error (a log axis cannot place them).
 *
 * @example
 * ```ts
 * const figure = sweepFigure(rows, {
 *   x: "weightScale",
 *   xLabel: "weight initialization scale",
 *   series: "normalization",
 *   metrics: [
 *     { key: "bestValAcc", label: "best validation accuracy", percent: true },
 *     { key: "bestTrainAcc", label: "best training accuracy", percent: true },
 *     { key: "finalLoss", label: "final training loss" },
 *   ],
 * });
 * ```
 */
export function sweepFigure(
  rows: readonly object[],
  { x, xLabel = x, series, metrics, title = "Sweep", caption, legendLabel = series }: {
    x: string;
    xLabel?: string;
    series: string;
    metrics: readonly SweepMetric[];
    title?: string;
    caption?: string;
    legendLabel?: string;
  },
): Figure {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw argumentError("rows", rows, "a non-empty array of objects");
  }
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw argumentError("metrics", metrics, "a non-empty array of {key, label}");
  }
  const records = rows as readonly Record<string, unknown>[];
  for (const row of records) {
    const value = row[x];
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw argumentError(
        `rows[].${x}`,
        value,
        "a positive finite number (it is drawn on a log axis)",
      );
    }
  }
  // Sorting by x makes each series' line run left to right.
  const sorted = [...records].sort((a, b) => (a[x] as number) - (b[x] as number));
  const color = seriesColors(records.map((row) => String(row[series])));
  const width = metrics.length >= 3 ? 360 : 480;
  const panels: PlotOptions[] = metrics.map((metric) => {
    const defined = sorted.filter((row) => Number.isFinite(row[metric.key] as number));
    const channels = { x, y: metric.key, z: series };
    return {
      width,
      height: 280,
      marginLeft: 50,
      color,
      x: { type: "log", label: xLabel, grid: true, tickFormat: powerOfTenLabel },
      y: metric.logY
        ? { type: "log", label: metric.label, grid: true, tickFormat: powerOfTenLabel }
        : metric.percent
        ? {
          label: `${metric.label} (%)`,
          percent: true,
          // Whole tenths around the data (a flat series still gets a readable axis);
          // Plot applies the domain after scaling by 100.
          domain: accuracyDomain(
            defined.map((row) => ({ accuracy: row[metric.key] as number })),
          ).map((v) => v * 100),
          grid: true,
        }
        : { label: metric.label, grid: true },
      marks: [
        Plot.line(defined, { ...channels, stroke: (row) => String(row[series]), strokeWidth: 1.5 }),
        Plot.dot(defined, { ...channels, fill: (row) => String(row[series]), r: 2.5 }),
      ],
    };
  });
  return {
    title,
    caption,
    legend: { ...color, label: legendLabel },
    panels,
    data: { rows: sorted },
  };
}
