/**
 * The stylesheets inlined in every generated page: system fonts only (no web font to
 * fetch), a readable measure for text, full width for figures, light and dark colours
 * from the reader's `prefers-color-scheme`.
 *
 * @module
 */

/**
 * CSS for figures wherever they are shown (a page, a notebook cell): every rule under
 * `.nnlab-root`, so a notebook's own styles are left alone.
 *
 * @example
 * ```ts
 * import { FIGURE_STYLE } from "./style.ts";
 * import { renderFigure } from "./render.ts";
 * import type { Figure } from "./figure.ts";
 * declare const figure: Figure;
 * const cell = `<style>${FIGURE_STYLE}</style><div class="nnlab-root">${renderFigure(figure)}</div>`;
 * ```
 */
export const FIGURE_STYLE = `
.nnlab-root {
  color-scheme: light dark;
  --ink: #1f2328;
  --muted: #59636e;
  --rule: #d8dee4;
  --panel: #f6f8fa;
  --stripe: #fafbfc;
  --accent: #2f5fb3;
  --bg: #fff;
  --warn-bg: #fff8c5;
  --warn-rule: #d4a72c;
  color: var(--ink);
  background: var(--bg);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  font-size: 15px;
  line-height: 1.5;
}
@media (prefers-color-scheme: dark) {
  .nnlab-root {
    --ink: #e6edf3;
    --muted: #9198a1;
    --rule: #3d444d;
    --panel: #151b23;
    --stripe: #131920;
    --accent: #6ca4f8;
    --bg: #0d1117;
    --warn-bg: #3b2e00;
    --warn-rule: #9e6a03;
  }
  /* Okabe-Ito's black would vanish on the dark background. */
  .nnlab-root svg [fill="#000000"] { fill: #d0d7de; }
  .nnlab-root svg [stroke="#000000"] { stroke: #d0d7de; }
  .nnlab-root .nnlab-swatch[style*="#000000"] { background: #d0d7de !important; }
}
.nnlab-root * { box-sizing: border-box; }
.nnlab-root code, .nnlab-root pre {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace;
  font-size: 13px;
}
.nnlab-root a { color: var(--accent); }
.nnlab-root h2 { font-size: 19px; margin: 28px 0 8px; }
.nnlab-figure { margin: 0 0 28px; }
.nnlab-figure-head { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.nnlab-figure-head > h2 { margin-top: 8px; }
.nnlab-downloads { display: flex; gap: 4px; }
.nnlab-root button {
  font: inherit;
  font-size: 12px;
  color: var(--ink);
  background: var(--panel);
  border: 1px solid var(--rule);
  border-radius: 4px;
  padding: 1px 8px;
  cursor: pointer;
}
.nnlab-root button:hover { border-color: var(--muted); }
.nnlab-legend { display: flex; align-items: center; gap: 6px 14px; flex-wrap: wrap; margin: 4px 0 6px; font-size: 13px; }
.nnlab-legend-label { color: var(--muted); }
.nnlab-key { display: inline-flex; align-items: center; gap: 6px; }
.nnlab-root button.nnlab-key { background: none; border-color: transparent; font-size: 13px; padding: 1px 4px; }
.nnlab-root button.nnlab-key:hover { border-color: var(--rule); }
.nnlab-root button.nnlab-key[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
.nnlab-swatch { display: inline-block; width: 13px; height: 13px; border-radius: 2px; }
.nnlab-panels { display: flex; flex-wrap: wrap; gap: 16px 18px; align-items: flex-start; }
.nnlab-panel { flex: 0 1 auto; min-width: 0; }
.nnlab-panel svg { display: block; max-width: 100%; height: auto; overflow: visible; --plot-background: var(--bg); }
.nnlab-focus { pointer-events: none; }
.nnlab-tip {
  position: fixed;
  z-index: 10;
  pointer-events: none;
  max-width: 320px;
  padding: 5px 8px;
  font-size: 12.5px;
  line-height: 1.4;
  color: var(--ink);
  background: var(--bg);
  border: 1px solid var(--rule);
  border-radius: 5px;
  box-shadow: 0 2px 8px rgba(0, 0, 0, 0.18);
  font-variant-numeric: tabular-nums;
}
.nnlab-tip b { display: inline-flex; align-items: center; gap: 5px; }
.nnlab-root figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; max-width: 100ch; }
.nnlab-findings { margin: 8px 0 0; max-width: 100ch; }
.nnlab-offscale { color: var(--muted); font-size: 13.5px; margin: 4px 0 0; max-width: 100ch; }
.nnlab-scroll { overflow-x: auto; }
.nnlab-table { border-collapse: collapse; font-size: 13.5px; margin: 6px 0 4px; }
.nnlab-table th, .nnlab-table td {
  padding: 4px 9px;
  border-bottom: 1px solid var(--rule);
  text-align: left;
  white-space: nowrap;
}
/* Headings may wrap ("best train acc") so wide run tables still fit the page. */
.nnlab-table th {
  font-weight: 600;
  border-bottom: 2px solid var(--rule);
  white-space: normal;
  vertical-align: bottom;
  max-width: 8em;
}
.nnlab-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.nnlab-table tbody tr:nth-child(even) { background: var(--stripe); }
.nnlab-note, .nnlab-dataline { color: var(--muted); margin: 0 0 8px; max-width: 100ch; }
`;

/**
 * CSS for the sections of a figure page around its figures (header, quick-run banner,
 * provenance), under `.nnlab-root` like the figure styles, so a page shown in a notebook
 * cell gets them without touching the notebook's own elements.
 *
 * @example
 * ```ts
 * import { FIGURE_STYLE, PAGE_SECTIONS_STYLE } from "./style.ts";
 *
 * const cell = `<style>${FIGURE_STYLE}${PAGE_SECTIONS_STYLE}</style><div class="nnlab-root">…</div>`;
 * ```
 */
export const PAGE_SECTIONS_STYLE = `
.nnlab-root header { border-bottom: 1px solid var(--rule); margin-bottom: 20px; padding-bottom: 10px; }
.nnlab-root h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 6px; }
.nnlab-crumb { margin: 0; font-size: 13px; }
.nnlab-description { font-size: 17px; margin: 0 0 4px; max-width: 80ch; }
.nnlab-quick {
  margin: 0 0 16px;
  padding: 8px 12px;
  background: var(--warn-bg);
  border: 1px solid var(--warn-rule);
  border-radius: 6px;
  max-width: 100ch;
}
.nnlab-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 10px; }
.nnlab-facts dt { color: var(--muted); }
.nnlab-facts dd { margin: 0; }
.nnlab-root details { margin: 6px 0; border: 1px solid var(--rule); border-radius: 6px; background: var(--panel); }
.nnlab-root details > summary { cursor: pointer; padding: 6px 10px; }
.nnlab-root details pre { margin: 0; padding: 10px 12px; overflow: auto; max-height: 560px; background: var(--bg);
  border-top: 1px solid var(--rule); border-radius: 0 0 6px 6px; }
`;

/**
 * CSS for figure pages and the index: the figure styles, plus the page around them.
 *
 * @example
 * ```ts
 * const head = `<style>${PAGE_STYLE}</style>`; // with <body class="nnlab-root">
 * ```
 */
export const PAGE_STYLE = `${FIGURE_STYLE}
body.nnlab-root { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; }
html { background: #fff; }
@media (prefers-color-scheme: dark) { html { background: #0d1117; } }
${PAGE_SECTIONS_STYLE}`;
