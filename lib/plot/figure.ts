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

/** One figure: panels drawn side by side (wrapping on narrow screens). */
export interface Figure {
  /** Short heading, e.g. "Learning curves". */
  title: string;
  /** One or two sentences under the figure: what to read from it. */
  caption?: string;
  /** Observable Plot options, one per panel. */
  panels: PlotOptions[];
  /** Colour key shared by all panels; drawn once above them. */
  legend?: SwatchLegend;
  /** A table drawn under the panels (or alone when `panels` is empty). */
  table?: TableSpec;
  /** The rows the panels plot, embedded in the page so a reader can re-plot them. */
  data?: Record<string, unknown>;
}

/**
 * Observable's ten categorical colours (Plot's default scheme), written out so every
 * panel of a figure, its legend and the tests agree on which run gets which colour.
 */
export const SERIES_COLORS: readonly string[] = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
];

/**
 * Gives each series name a fixed colour, in order of first appearance; more than ten
 * series reuse the palette.
 *
 * @example
 * ```ts
 * const color = seriesColors(["sgd", "adam"]);
 * // { domain: ["sgd", "adam"], range: ["#4269d0", "#efb118"] }
 * Plot.plot({ color, marks: [Plot.line(rows, { x: "epoch", y: "accuracy", stroke: "run" })] });
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
 * Plot.plot({ x: { type: "log", tickFormat: powerOfTenLabel }, marks });
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
