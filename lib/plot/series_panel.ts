/**
 * The panel most figures are made of: a y value against an x value, one line and/or dots
 * per series, in the legend's colours. One place for what every such panel needs: the
 * y scale fitted so an exploded run stays readable ({@linkcode fitToScale}), the marks of
 * each series in a group of their own (class `nnlab-series-<i>`, i its legend position)
 * so the page can hide and show a run, and the readout of exact values for hovering.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { Panel } from "./figure.ts";
import { type FittedRows, fitToScale } from "./off_scale.ts";

/** Options of {@linkcode seriesPanel}. */
export interface SeriesPanelOptions {
  /** Field of x, e.g. "iteration". */
  x: string;
  /** Field of y, e.g. "loss". */
  y: string;
  /** Field naming each row's series. */
  series: string;
  /** The figure's colours: `domain` gives each series its legend position. */
  color: { domain: string[]; range: string[] };
  xLabel: string;
  yLabel: string;
  /** Draw a line through each series' points (in x order). */
  line?: boolean;
  /** Draw a dot at each point; a number is the radius. */
  dots?: boolean | number;
  dotOpacity?: number;
  /** y holds fractions 0..1 drawn as percentages. */
  percent?: boolean;
  logX?: boolean;
  logY?: boolean;
  /** Extra x and y scale options (tick format, domain, inset ...). */
  xScale?: Panel["x"];
  yScale?: Panel["y"];
  width?: number;
  height?: number;
  marginLeft?: number;
}

/**
 * CSS class of a series' marks: the page toggles them by legend position.
 *
 * @example
 * ```ts
 * import { seriesClass } from "./series_panel.ts";
 *
 * seriesClass(2); // "nnlab-series-2": the third legend entry's marks
 * ```
 */
export function seriesClass(index: number): string {
  return `nnlab-series-${index}`;
}

/**
 * Builds the panel and reports what went off its scale (for the figure's notes).
 *
 * @example
 * ```ts
 * import { seriesPanel } from "./series_panel.ts";
 * import { seriesColors } from "./figure.ts";
 * const rows = [{ run: "sgd", iteration: 1, loss: 2.3 }, { run: "adam", iteration: 1, loss: 2.2 }];
 * const { panel, fitted } = seriesPanel(rows, {
 *   x: "iteration", y: "loss", series: "run", color: seriesColors(["sgd", "adam"]),
 *   xLabel: "iteration", yLabel: "training loss", dots: 2, line: false,
 * });
 * fitted.offScale; // [] unless a run exploded
 * ```
 */
export function seriesPanel(
  rows: readonly Record<string, unknown>[],
  options: SeriesPanelOptions,
): { panel: Panel; fitted: FittedRows<Record<string, unknown>> } {
  const { x, y, series, color, xLabel, yLabel, percent = false, logX = false, logY = false } =
    options;
  const located = rows.filter((row) => Number.isFinite(row[x]));
  const fitted = fitToScale(located, { x, y, series, log: logY });
  const radius = options.dots === true ? 2.5 : options.dots || 0;
  const line = options.line ?? true;
  const marks: Plot.Markish[] = [];
  color.domain.forEach((name, index) => {
    const own = fitted.rows.filter((row) => String(row[series]) === name)
      .sort((a, b) => (a[x] as number) - (b[x] as number));
    if (own.length === 0) return;
    const className = seriesClass(index);
    const position = { x, y: "drawnY", className };
    if (line) marks.push(Plot.line(own, { ...position, stroke: () => name, strokeWidth: 1.5 }));
    const onScale = own.filter((row) => !row.offScale);
    if (radius > 0 && onScale.length > 0) {
      marks.push(
        Plot.dot(onScale, {
          ...position,
          fill: () => name,
          r: radius,
          fillOpacity: options.dotOpacity,
        }),
      );
    }
    const offScale = own.filter((row) => row.offScale);
    if (offScale.length > 0) {
      marks.push(Plot.dot(offScale, {
        ...position,
        fill: () => name,
        symbol: "triangle",
        // Big enough to see, small enough that a long exploded stretch stays a row of marks.
        r: radius > 0 ? Math.min(4.5, Math.max(3, 2 * radius)) : 4.5,
        stroke: "currentColor",
        strokeWidth: 0.75,
      }));
    }
  });
  const scaled = (type: "log" | "linear", percentScale: boolean) => ({
    type,
    ...(percentScale ? { percent: true } : {}),
  });
  const yDomain = fitted.domain
    ? { domain: percent ? fitted.domain.map((v) => v * 100) : fitted.domain, nice: false }
    : {};
  return {
    panel: {
      width: options.width ?? 360,
      height: options.height ?? 280,
      marginLeft: options.marginLeft ?? 50,
      color,
      x: { ...scaled(logX ? "log" : "linear", false), label: xLabel, ...options.xScale },
      y: {
        ...scaled(logY ? "log" : "linear", percent),
        label: percent ? `${yLabel} (%)` : yLabel,
        grid: true,
        ...options.yScale,
        ...yDomain,
      },
      marks,
      readout: {
        rows: fitted.rows,
        x,
        y,
        yDrawn: "drawnY",
        series,
        xLabel,
        yLabel,
        percent,
      },
    },
    fitted,
  };
}
