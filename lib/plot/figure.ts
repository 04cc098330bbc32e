/**
 * What a figure builder returns: a titled group of Observable Plot panels (and optionally a
 * shared colour legend and a table), still data, not yet drawn. `renderFigure` draws it;
 * the page writer puts several on one page.
 *
 * @module
 */
import type { PlotOptions } from "@observablehq/plot";
import type { TableSpec } from "./table.ts";

/** Plot options as accepted by `Plot.plot` (the `document` is added at render time). */
export type { PlotOptions };

/** A categorical colour legend shared by every panel of a figure (drawn as swatches). */
export interface SwatchLegend {
  /** Series names, in legend order. */
  domain: string[];
  /** CSS colours, one per name. */
  range: string[];
  /** Shown before the swatches, e.g. "update rule". */
  label?: string;
}

/**
 * The exact values behind a panel's lines and dots, so a reader can hover them: the rows
 * the marks draw, which fields are x, y and the series, and how to name them. The page
 * places each value with the panel's own scales, so what hovering finds is what is drawn.
 */
export interface Readout {
  /** The drawn rows; a row's `series` names its legend entry. */
  rows: readonly Record<string, unknown>[];
  /** Field of the x value, e.g. "iteration". */
  x: string;
  /** Field of the y value as measured (it may be off the scale, e.g. 1.3e34 or NaN). */
  y: string;
  /** Field of the y value as drawn, when it differs from `y` (clipped to the scale). */
  yDrawn?: string;
  /** Field naming the series (a legend entry). */
  series: string;
  /** Names of x and y for people, e.g. "iteration", "training loss". */
  xLabel: string;
  yLabel: string;
  /** y holds fractions 0..1 shown as percentages (the scale is in percent). */
  percent?: boolean;
}

/** One panel: Plot options, and the values a reader can hover (lines and dots only). */
export type Panel = PlotOptions & { readout?: Readout };

/** One figure: panels drawn side by side (wrapping on narrow screens). */
export interface Figure {
  /** Short heading, e.g. "Learning curves". */
  title: string;
  /** One or two sentences under the figure: what to read from it. */
  caption?: string;
  /** What these runs found, built from their results (see findings.ts), above the caption. */
  findings?: string;
  /** Sentences that qualify the drawing, e.g. that a run went off the scale. */
  notes?: string[];
  /** Observable Plot options, one per panel. */
  panels: Panel[];
  /** Colour key shared by all panels; drawn once above them. */
  legend?: SwatchLegend;
  /** A table drawn under the panels (or alone when `panels` is empty). */
  table?: TableSpec;
  /** The rows the panels plot, embedded in the page so a reader can re-plot them. */
  data?: Record<string, unknown>;
}

/**
 * The categorical colours of every figure: Okabe and Ito's palette ("Color Universal
 * Design", 2008), chosen because its colours stay apart for the common colour-vision
 * deficiencies (protanopia, deuteranopia, tritanopia), which Observable's default ten do
 * not (its yellow and orange, the adam page's sgd_momentum and rmsprop, were hard to tell
 * apart). Ordered so the first four, the most a study draws, are the most distinct and
 * the yellow, faint on white, comes late; the black is drawn light grey in dark mode.
 *
 * @example
 * ```ts
 * import { SERIES_COLORS } from "./figure.ts";
 *
 * SERIES_COLORS[0]; // "#0072b2", the first run's blue
 * ```
 */
export const SERIES_COLORS: readonly string[] = [
  "#0072b2", // blue
  "#d55e00", // vermillion
  "#009e73", // bluish green
  "#cc79a7", // reddish purple
  "#e69f00", // orange
  "#56b4e9", // sky blue
  "#f0e442", // yellow
  "#000000", // black
];

/**
 * Gives each series name a fixed colour, in order of first appearance; more than eight
 * series reuse the palette.
 *
 * @example
 * ```ts
 * import { seriesColors } from "./figure.ts";
 *
 * const color = seriesColors(["sgd", "adam"]);
 * // { domain: ["sgd", "adam"], range: ["#0072b2", "#d55e00"] }
 * ```
 */
export function seriesColors(names: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(names)];
  return { domain, range: domain.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]) };
}

/**
 * Labels a log-axis tick the way papers write hyper-parameters: powers of ten only
 * ("1e-4", "0.01", "1", "100", "1e5"), other ticks unlabelled. Plot's default uses SI
 * prefixes ("100µ"), which read oddly for weight scales and learning rates.
 *
 * @example
 * ```ts
 * import { powerOfTenLabel } from "./figure.ts";
 *
 * powerOfTenLabel(1e-4); // "1e-4"
 * powerOfTenLabel(0.01); // "0.01"
 * powerOfTenLabel(3e-3); // ""
 * ```
 */
export function powerOfTenLabel(value: number): string {
  const exponent = Math.round(Math.log10(value));
  if (!Number.isFinite(exponent) || Math.abs(value - 10 ** exponent) > 1e-9 * value) return "";
  return Math.abs(exponent) >= 3
    ? `1e${exponent}`
    : String(Number((10 ** exponent).toPrecision(1)));
}
