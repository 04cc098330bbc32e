/**
 * A generic line chart: any numeric field against another, one line (with dots) per
 * series. For curves the dedicated builders do not cover, e.g. loss per epoch.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import { type Figure, powerOfTenLabel, seriesColors } from "./figure.ts";

/**
 * Builds a one-panel line chart.
 *
 * @example
 * ```ts
 * const figure = lineChart(
 *   [{ optimizer: "sgd", epoch: 1, loss: 2.1 }, { optimizer: "sgd", epoch: 2, loss: 1.4 }],
 *   { x: "epoch", y: "loss", series: "optimizer", title: "Loss per epoch" },
 * );
 * ```
 */
export function lineChart(
  rows: readonly object[],
  {
    x,
    y,
    series,
    xLabel = x,
    yLabel = y,
    logX = false,
    logY = false,
    percent = false,
    title = "",
    caption,
    width = 640,
    height = 320,
  }: {
    x: string;
    y: string;
    /** Field naming each row's line; omit for a single line. */
    series?: string;
    xLabel?: string;
    yLabel?: string;
    logX?: boolean;
    logY?: boolean;
    /** y holds fractions 0..1 to draw as percentages. */
    percent?: boolean;
    title?: string;
    caption?: string;
    width?: number;
    height?: number;
  },
): Figure {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw argumentError("rows", rows, "a non-empty array of objects");
  }
  const records = rows as readonly Record<string, unknown>[];
  const seriesOf = (row: Record<string, unknown>) => (series ? String(row[series]) : y);
  const color = seriesColors(records.map(seriesOf));
  const defined = records.filter((row) => Number.isFinite(row[x]) && Number.isFinite(row[y]));
  return {
    title,
    caption,
    legend: series ? { ...color, label: series } : undefined,
    panels: [{
      width,
      height,
      marginLeft: 50,
      color,
      x: {
        type: logX ? "log" : "linear",
        label: xLabel,
        grid: logX,
        ...(logX ? { tickFormat: powerOfTenLabel } : {}),
      },
      y: {
        type: logY ? "log" : "linear",
        label: percent ? `${yLabel} (%)` : yLabel,
        percent,
        grid: true,
      },
      marks: [
        Plot.line(defined, { x, y, z: seriesOf, stroke: seriesOf, strokeWidth: 1.5 }),
        Plot.dot(defined, { x, y, fill: seriesOf, r: 2.5 }),
      ],
    }],
    data: { rows: [...records] },
  };
}
