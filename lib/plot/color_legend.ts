/**
 * A continuous colour legend drawn with ordinary marks. Plot's own ramp legend paints on
 * a canvas, which a server-side DOM lacks; this panel draws the same scale as a row of
 * thin rectangles over a linear axis, so it renders anywhere.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import type { ColorScheme } from "@observablehq/plot";
import type { PlotOptions } from "./figure.ts";

/**
 * Builds a horizontal colour-ramp legend for a linear colour scale.
 *
 * @example
 * ```ts
 * import { colorRampPanel } from "./color_legend.ts";
 *
 * const legend = colorRampPanel({ scheme: "blues", domain: [0, 120], label: "count" });
 * // use the same { type: "linear", scheme, domain } in the plot it explains
 * ```
 */
export function colorRampPanel(
  { scheme, domain, label, width = 320, steps = 64 }: {
    /** A Plot colour scheme name, e.g. "blues". */
    scheme: ColorScheme;
    /** [low, high] of the colour scale. */
    domain: [number, number];
    label: string;
    width?: number;
    steps?: number;
  },
): PlotOptions {
  const [low, high] = domain;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) {
    throw argumentError("domain", domain, "[low, high] with finite low < high");
  }
  const step = (high - low) / steps;
  const bands = Array.from({ length: steps }, (_, i) => ({
    x1: low + i * step,
    x2: low + (i + 1) * step,
    value: low + (i + 0.5) * step,
  }));
  return {
    width,
    height: 64,
    marginTop: 22,
    marginBottom: 22,
    marginLeft: 12,
    marginRight: 12,
    color: { type: "linear", scheme, domain },
    x: { domain, label: null, ticks: 5 },
    y: { axis: null, domain: [0, 1] },
    marks: [
      Plot.rect(bands, { x1: "x1", x2: "x2", y1: 0, y2: 1, fill: "value", inset: 0 }),
      Plot.frame({ stroke: "#999" }),
      // The title sits above the ramp, where it cannot collide with the tick labels.
      Plot.text([label], {
        text: (d: string) => d,
        frameAnchor: "top-left",
        dy: -14,
        fontSize: 11,
        fontWeight: 600,
      }),
    ],
  };
}
