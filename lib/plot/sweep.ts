/**
 * The sweep figure: metrics of many runs against one hyper-parameter on a log axis (e.g.
 * best validation accuracy against weight scale), one line per series.
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import { accuracyDomain } from "./accuracy_panel.ts";
import { type Figure, powerOfTenLabel, seriesColors } from "./figure.ts";
import { offScaleNotes } from "./off_scale.ts";
import { seriesPanel } from "./series_panel.ts";
import { type Displayable, displayable } from "./notebook.ts";

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
 * import { sweepFigure } from "./sweep.ts";
 *
 * const rows = [1e-4, 1e-2, 1].flatMap((weightScale) => [
 *   { normalization: "baseline", weightScale, bestValAcc: 0.2, bestTrainAcc: 0.3, finalLoss: 2 },
 *   { normalization: "batchnorm", weightScale, bestValAcc: 0.4, bestTrainAcc: 0.6, finalLoss: 1 },
 * ]);
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
): Figure & Displayable {
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
  const color = seriesColors(records.map((row) => String(row[series])));
  const width = metrics.length >= 3 ? 360 : 480;
  const notes: string[] = [];
  const panels = metrics.map((metric) => {
    const defined = metric.percent
      ? records.filter((row) => Number.isFinite(row[metric.key] as number))
      : records;
    const { panel, fitted } = seriesPanel(defined, {
      x,
      y: metric.key,
      series,
      color,
      xLabel,
      yLabel: metric.label,
      percent: metric.percent,
      logX: true,
      logY: metric.logY,
      dots: 2.5,
      width,
      height: 280,
      xScale: { grid: true, tickFormat: powerOfTenLabel },
      yScale: metric.logY ? { tickFormat: powerOfTenLabel } : metric.percent
        // Whole tenths around the data (a flat series still gets a readable axis);
        // Plot applies the domain after scaling by 100.
        ? {
          domain: accuracyDomain(
            defined.map((row) => ({ accuracy: row[metric.key] as number })),
          ).map((v) => v * 100),
        }
        : {},
    });
    notes.push(...offScaleNotes(fitted, { yLabel: metric.label, xLabel }));
    return panel;
  });
  return displayable({
    title,
    caption,
    notes,
    legend: { ...color, label: legendLabel },
    panels,
    // Sorted by x, so the embedded rows read like the plot, left to right.
    data: { rows: [...records].sort((a, b) => (a[x] as number) - (b[x] as number)) },
  });
}
