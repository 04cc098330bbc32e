/**
 * A generic horizontal bar chart: one bar per category, optionally stacked by a second
 * field (e.g. time per phase).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import { type Figure, seriesColors } from "./figure.ts";
import { type Displayable, displayable } from "./notebook.ts";

/**
 * Builds a one-panel horizontal bar chart; with `stack`, each bar is split into
 * coloured segments, stacked in the order the stack values first appear.
 *
 * @example
 * ```ts
 * import { barChart } from "./bar_chart.ts";
 *
 * const figure = barChart(
 *   [{ model: "fc", phase: "forward", ms: 3 }, { model: "fc", phase: "backward", ms: 5 }],
 *   { category: "model", value: "ms", stack: "phase", valueLabel: "milliseconds" },
 * );
 * ```
 */
export function barChart(
  rows: readonly object[],
  {
    category,
    value,
    stack,
    valueLabel = value,
    categoryLabel = null,
    title = "",
    caption,
    width = 640,
  }: {
    category: string;
    value: string;
    stack?: string;
    valueLabel?: string;
    categoryLabel?: string | null;
    title?: string;
    caption?: string;
    width?: number;
  },
): Figure & Displayable {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw argumentError("rows", rows, "a non-empty array of objects");
  }
  const records = rows as readonly Record<string, unknown>[];
  for (const row of records) {
    const v = row[value];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw argumentError(`rows[].${value}`, v, "a finite number >= 0");
    }
  }
  const categories = [...new Set(records.map((row) => String(row[category])))];
  const stackOf = (row: Record<string, unknown>) => (stack ? String(row[stack]) : value);
  const color = seriesColors(records.map(stackOf));
  const longestName = Math.max(...categories.map((c) => c.length));
  return displayable({
    title,
    caption,
    legend: stack ? { ...color, label: stack } : undefined,
    panels: [{
      width,
      height: 40 + 28 * categories.length,
      // Room for the category names, estimated at 6.5 px per character of 10 px text.
      marginLeft: Math.min(260, 20 + 6.5 * longestName),
      color,
      x: { label: valueLabel, grid: true },
      y: { domain: categories, label: categoryLabel },
      marks: [
        Plot.barX(records, {
          x: value,
          y: (row) => String(row[category]),
          fill: stackOf,
          // Stack in order of first appearance, so "data" is always the left-most segment.
          order: color.domain,
        }),
        Plot.ruleX([0]),
      ],
    }],
    data: { rows: [...records] },
  });
}
