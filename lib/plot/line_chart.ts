/**
 * A generic line chart: any numeric field against another, one line (with dots) per
 * series. For curves the dedicated builders do not cover, e.g. loss per epoch.
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import { epochTicks } from "./accuracy_panel.ts";
import { type Figure, powerOfTenLabel, seriesColors } from "./figure.ts";
import { offScaleNotes } from "./off_scale.ts";
import { seriesPanel } from "./series_panel.ts";
import { type Displayable, displayable } from "./notebook.ts";

/**
 * Builds a one-panel line chart.
 *
 * @example
 * ```ts
 * import { lineChart } from "./line_chart.ts";
 *
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
    integerX = false,
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
    /** x counts something (epochs): ticks on whole numbers only, starting at 0. */
    integerX?: boolean;
    title?: string;
    caption?: string;
    width?: number;
    height?: number;
  },
): Figure & Displayable {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw argumentError("rows", rows, "a non-empty array of objects");
  }
  const records = rows as readonly Record<string, unknown>[];
  const seriesName = series ?? y;
  const named = series ? records : records.map((row) => ({ ...row, [seriesName]: y }));
  const color = seriesColors(named.map((row) => String(row[seriesName])));
  const { panel, fitted } = seriesPanel(named, {
    x,
    y,
    series: seriesName,
    color,
    xLabel,
    yLabel,
    percent,
    logX,
    logY,
    dots: 2.5,
    width,
    height,
    xScale: {
      grid: logX,
      ...(logX ? { tickFormat: powerOfTenLabel } : {}),
      ...(integerX ? integerTicks(named.map((row) => row[x] as number)) : {}),
    },
  });
  return displayable({
    title,
    caption,
    notes: offScaleNotes(fitted, { yLabel, xLabel }),
    legend: series ? { ...color, label: series } : undefined,
    panels: [panel],
    data: { rows: [...records] },
  });
}

/** An axis from 0 with whole-number ticks: x counts something, e.g. epochs. */
function integerTicks(values: number[]) {
  const last = Math.max(1, ...values.filter((v) => Number.isFinite(v)));
  return { domain: [0, last], ...epochTicks(last) };
}
