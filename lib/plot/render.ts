/**
 * Draws figures to HTML strings on the server: Observable Plot runs against a linkedom
 * document instead of a browser DOM.
 *
 * What works there and what does not (Plot 0.6.17, linkedom 0.18.14, checked by
 * tests/plot_test.ts): dots, lines, cells, bars, rects, rules, text, images (with data
 * URIs), log scales, swatch legends and titles all render. Continuous (ramp) colour
 * legends and the raster mark draw on a canvas, which linkedom lacks, and throw; draw a
 * colour scale with `colorRampPanel` instead. Plot's tips need a browser's text metrics,
 * so the page answers hovering itself: each panel with a readout carries its values and
 * where Plot's own scales put them, and the page's script (figure_script.ts) shows the
 * nearest. Plot leaves out the SVG namespace when not in a browser; we add it so the SVG
 * also stands alone.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { Figure, Panel, PlotOptions, SwatchLegend } from "./figure.ts";
import { escapeHtml, jsonForScript } from "./html.ts";
import { seriesClass } from "./series_panel.ts";
import { formatCell, type TableSpec } from "./table.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

/** The little of a DOM element we use; the project type-checks without the DOM library. */
interface ServerElement {
  tagName: string;
  outerHTML: string;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): Iterable<ServerElement>;
}

/** What Plot's `element.scale(name)` gives back, as far as we use it. */
interface PlotScale {
  apply(value: unknown): number;
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
 * Renders one panel to an SVG string (its readout, if any, is not drawn).
 *
 * @example
 * ```ts
 * import { renderPlot } from "./render.ts";
 * import * as Plot from "@observablehq/plot";
 * const svg = renderPlot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] });
 * svg.startsWith("<svg"); // true
 * ```
 */
export function renderPlot(panel: Panel): string {
  return renderPanel(panel).svg;
}

/** A series' points in a readout: [px, py, x, y, off the scale ? 1 : 0]. */
export type ReadoutPoint = [number, number, number, number | string, 0 | 1];

/** A panel's readout as embedded in the page: exact values and where they are drawn. */
export interface RenderedReadout {
  xLabel: string;
  yLabel: string;
  percent: boolean;
  /** One entry per series drawn, `index` its legend position. */
  series: { index: number; name: string; points: ReadoutPoint[] }[];
}

/** Rounds a pixel position to 0.1 px: finer than a screen shows, shorter to embed. */
const pixel = (value: number) => Math.round(value * 10) / 10;

/**
 * Renders one panel, and places its readout's values with the panel's own scales (so
 * hovering finds exactly what is drawn).
 *
 * @example
 * ```ts
 * import { renderPanel } from "./render.ts";
 * import { learningCurves } from "./learning_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const { svg, readout } = renderPanel(learningCurves(records).panels[0]);
 * readout?.series[0].points[0]; // [52.3, 41.7, 1, 2.302, 0]: px, py, iteration, loss, off-scale
 * ```
 */
export function renderPanel(panel: Panel): { svg: string; readout: RenderedReadout | null } {
  const { readout, ...options } = panel;
  const element = Plot.plot({ ...options, document: serverDocument() }) as unknown as
    & ServerElement
    & { scale(name: string): PlotScale | undefined };
  const svg = serialize(element);
  if (!readout) return { svg, readout: null };
  const xScale = element.scale("x"), yScale = element.scale("y");
  if (!xScale || !yScale) return { svg, readout: null };
  const factor = readout.percent ? 100 : 1;
  const names = ((options.color as { domain?: unknown[] } | undefined)?.domain ?? []).map(String);
  const bySeries = new Map<string, ReadoutPoint[]>();
  for (const row of readout.rows) {
    const name = String(row[readout.series]);
    const x = row[readout.x] as number;
    const y = row[readout.y] as number;
    const drawn = row[readout.yDrawn ?? readout.y] as number;
    const px = xScale.apply(x), py = yScale.apply(drawn * factor);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const points = bySeries.get(name) ?? [];
    points.push([pixel(px), pixel(py), x, Number.isFinite(y) ? y : String(y), drawn === y ? 0 : 1]);
    bySeries.set(name, points);
  }
  return {
    svg,
    readout: {
      xLabel: readout.xLabel,
      yLabel: readout.yLabel,
      percent: readout.percent ?? false,
      series: [...bySeries].map(([name, points]) => ({ index: names.indexOf(name), name, points })),
    },
  };
}

/**
 * Renders a categorical colour key: a label, then one entry per series. With
 * `toggles`, each entry is a button that hides and shows its series (the marks of class
 * `nnlab-series-<i>`).
 *
 * @example
 * ```ts
 * import { renderLegend } from "./render.ts";
 *
 * renderLegend({ domain: ["sgd", "adam"], range: ["#0072b2", "#d55e00"], label: "rule" });
 * ```
 */
export function renderLegend(legend: SwatchLegend, { toggles = false } = {}): string {
  const label = legend.label
    ? `<span class="nnlab-legend-label">${escapeHtml(legend.label)}</span>`
    : "";
  const entries = legend.domain.map((name, i) => {
    const swatch = `<span class="nnlab-swatch" style="background:${
      escapeHtml(legend.range[i] ?? "currentColor")
    }"></span>${escapeHtml(name)}`;
    return toggles
      ? `<button type="button" class="nnlab-key" data-series="${i}" aria-pressed="true" ` +
        `title="hide or show ${escapeHtml(name)}">${swatch}</button>`
      : `<span class="nnlab-key">${swatch}</span>`;
  });
  return `<div class="nnlab-legend">${label}${entries.join("")}</div>`;
}

/**
 * Renders a table spec to an HTML `<table>`; numeric columns are right-aligned.
 *
 * @example
 * ```ts
 * import { renderTable } from "./render.ts";
 * import { table } from "./table.ts";
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

/** What a figure's downloads hold, embedded next to it for the page's script. */
export interface FigureExport {
  title: string;
  /** Each panel's readout (null for panels without one, e.g. a colour ramp). */
  readouts: (RenderedReadout | null)[];
  /** Columns and raw rows of the CSV, for figures whose values are not in readouts. */
  csv: { header: string[]; rows: unknown[][] } | null;
}

/** The CSV of a table, or of the first list of flat rows in the figure's data. */
function csvOf(figure: Figure): FigureExport["csv"] {
  if (figure.table) {
    const { columns, rows } = figure.table;
    return {
      header: columns.map((c) => c.label),
      rows: rows.map((r) => columns.map((c) => r[c.key])),
    };
  }
  const list = Object.values(figure.data ?? {}).find((value) =>
    Array.isArray(value) && value.length > 0 && typeof value[0] === "object"
  ) as Record<string, unknown>[] | undefined;
  if (!list) return null;
  const header = [...new Set(list.flatMap((row) => Object.keys(row)))];
  return { header, rows: list.map((row) => header.map((key) => row[key])) };
}

/**
 * Renders a whole figure (title, download buttons, legend, panels, table, caption, notes)
 * as an HTML `<figure>`. Its values for hovering and the CSV download are embedded in it
 * as JSON; the page's script reads them.
 *
 * @example
 * ```ts
 * import { renderFigure } from "./render.ts";
 * import { learningCurves } from "./learning_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const html = renderFigure(learningCurves(records));
 * ```
 */
export function renderFigure(figure: Figure): string {
  const rendered = figure.panels.map(renderPanel);
  const readouts = rendered.map((r) => r.readout);
  const hasSeries = rendered.some((r) => r.svg.includes(seriesClass(0)));
  const exported: FigureExport = {
    title: figure.title,
    readouts,
    csv: readouts.some(Boolean) ? null : csvOf(figure),
  };
  const downloads = [
    ...(figure.panels.length > 0 ? ["SVG", "PNG"] : []),
    ...(readouts.some(Boolean) || exported.csv ? ["CSV"] : []),
  ];
  const parts = [
    `<div class="nnlab-figure-head"><h2>${escapeHtml(figure.title)}</h2>` +
    (downloads.length > 0
      ? `<div class="nnlab-downloads" role="group" aria-label="download">${
        downloads.map((kind) =>
          `<button type="button" data-download="${kind.toLowerCase()}" title="download ${kind}">` +
          `${kind}</button>`
        ).join("")
      }</div>`
      : "") +
    `</div>`,
  ];
  if (figure.legend) parts.push(renderLegend(figure.legend, { toggles: hasSeries }));
  if (rendered.length > 0) {
    const panels = rendered.map(({ svg }) => `<div class="nnlab-panel">${svg}</div>`);
    parts.push(`<div class="nnlab-panels">${panels.join("\n")}</div>`);
  }
  if (figure.table) parts.push(`<div class="nnlab-scroll">${renderTable(figure.table)}</div>`);
  if (figure.findings) parts.push(`<p class="nnlab-findings">${escapeHtml(figure.findings)}</p>`);
  if (figure.caption) parts.push(`<figcaption>${escapeHtml(figure.caption)}</figcaption>`);
  for (const note of figure.notes ?? []) {
    parts.push(`<p class="nnlab-offscale">${escapeHtml(note)}</p>`);
  }
  parts.push(
    `<script type="application/json" class="nnlab-figure-data">${jsonForScript(exported)}</script>`,
  );
  return `<figure class="nnlab-figure">\n${parts.join("\n")}\n</figure>`;
}
