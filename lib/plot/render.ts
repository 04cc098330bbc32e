/**
 * Draws figures to HTML strings on the server: Observable Plot runs against a linkedom
 * document instead of a browser DOM.
 *
 * What works there and what does not (Plot 0.6.17, linkedom 0.18.14, checked by
 * tests/plot_test.ts): dots, lines, cells, bars, rects, rules, text, images (with data
 * URIs), log scales, swatch legends and titles all render. Continuous (ramp) colour
 * legends and the raster mark draw on a canvas, which linkedom lacks, and throw; draw a
 * colour scale with `colorRampPanel` instead. Tips need a pointer and a browser's text
 * metrics; the pages are static, so they stay hidden. Plot leaves out the SVG namespace
 * when not in a browser; we add it so the SVG also stands alone.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { Figure, PlotOptions, SwatchLegend } from "./figure.ts";
import { escapeHtml } from "./html.ts";
import { formatCell, type TableSpec } from "./table.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

/** The little of a DOM element we use; the project type-checks without the DOM library. */
interface ServerElement {
  tagName: string;
  outerHTML: string;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): Iterable<ServerElement>;
}

/** A fresh linkedom document per figure, so renders never share state. */
function serverDocument(): PlotOptions["document"] {
  const window = parseHTML("<!doctype html><html><head></head><body></body></html>");
  return (window as unknown as { document: PlotOptions["document"] }).document;
}

/** Adds the SVG namespace to `node` and every SVG inside it, then serializes it. */
function serialize(node: unknown): string {
  const element = node as ServerElement;
  const svgs = [
    ...(element.tagName.toLowerCase() === "svg" ? [element] : []),
    ...element.querySelectorAll("svg"),
  ];
  for (const svg of svgs) svg.setAttribute("xmlns", SVG_NS);
  return element.outerHTML;
}

/**
 * Renders one set of Plot options to an SVG (or, with a title or legend, a `<figure>`)
 * string.
 *
 * @example
 * ```ts
 * const svg = renderPlot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] });
 * svg.startsWith("<svg"); // true
 * ```
 */
export function renderPlot(options: PlotOptions): string {
  return serialize(Plot.plot({ ...options, document: serverDocument() }));
}

/**
 * Renders a categorical colour key as Plot swatches, with an optional label before them.
 *
 * @example
 * ```ts
 * renderSwatches({ domain: ["sgd", "adam"], range: ["#4269d0", "#efb118"], label: "rule" });
 * ```
 */
export function renderSwatches(legend: SwatchLegend): string {
  // Plot.legend reads `document` like Plot.plot does; its typings leave it out.
  const swatches = Plot.legend({
    color: { type: "categorical", domain: legend.domain, range: legend.range },
    document: serverDocument(),
  } as Plot.LegendScales);
  const label = legend.label
    ? `<span class="nnlab-legend-label">${escapeHtml(legend.label)}</span>`
    : "";
  return `<div class="nnlab-legend">${label}${serialize(swatches)}</div>`;
}

/**
 * Renders a table spec to an HTML `<table>`; numeric columns are right-aligned.
 *
 * @example
 * ```ts
 * renderTable(table([{ run: "adam", bestValAcc: 0.31 }]));
 * ```
 */
export function renderTable(spec: TableSpec): string {
  const numeric = (format: string) => format !== "text";
  const head = spec.columns
    .map((c) => `<th${numeric(c.format) ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`)
    .join("");
  const body = spec.rows.map((row) =>
    "<tr>" + spec.columns.map((c) => {
      const text = escapeHtml(formatCell(row[c.key], c.format));
      return `<td${numeric(c.format) ? ' class="num"' : ""}>${text}</td>`;
    }).join("") + "</tr>"
  ).join("\n");
  return `<table class="nnlab-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/**
 * Renders a whole figure (title, legend, panels, table, caption) as an HTML `<figure>`.
 *
 * @example
 * ```ts
 * const html = renderFigure(learningCurves(runs));
 * ```
 */
export function renderFigure(figure: Figure): string {
  const parts = [`<h2>${escapeHtml(figure.title)}</h2>`];
  if (figure.legend) parts.push(renderSwatches(figure.legend));
  if (figure.panels.length > 0) {
    const panels = figure.panels.map((panel) =>
      `<div class="nnlab-panel">${renderPlot(panel)}</div>`
    );
    parts.push(`<div class="nnlab-panels">${panels.join("\n")}</div>`);
  }
  if (figure.table) parts.push(renderTable(figure.table));
  if (figure.caption) parts.push(`<figcaption>${escapeHtml(figure.caption)}</figcaption>`);
  return `<figure class="nnlab-figure">\n${parts.join("\n")}\n</figure>`;
}
