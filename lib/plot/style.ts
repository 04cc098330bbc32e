/**
 * The stylesheet inlined in every generated page: system fonts only (no web font to
 * fetch), a readable measure for text, full width for figures.
 *
 * @module
 */

/**
 * CSS for figure pages and the index.
 *
 * @example
 * ```ts
 * const head = `<style>${PAGE_STYLE}</style>`;
 * ```
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light;
  --ink: #1f2328;
  --muted: #59636e;
  --rule: #d8dee4;
  --panel: #f6f8fa;
  --accent: #2f5fb3;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto;
  max-width: 1240px;
  padding: 24px 28px 48px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  font-size: 15px;
  line-height: 1.5;
  color: var(--ink);
  background: #fff;
}
code, pre {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace;
  font-size: 13px;
}
a { color: var(--accent); }
header { border-bottom: 1px solid var(--rule); margin-bottom: 20px; padding-bottom: 10px; }
h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 28px 0 8px; }
.nnlab-crumb { margin: 0; font-size: 13px; }
.nnlab-description { font-size: 17px; margin: 0 0 4px; max-width: 80ch; }
.nnlab-dataline, .nnlab-note { color: var(--muted); margin: 0 0 8px; max-width: 100ch; }
.nnlab-figure { margin: 0 0 28px; }
.nnlab-figure > h2 { margin-top: 8px; }
.nnlab-legend { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 4px 0 6px; }
.nnlab-legend-label { font-size: 13px; color: var(--muted); }
.nnlab-legend > div { font-size: 13px !important; margin: 0 !important; }
.nnlab-panels { display: flex; flex-wrap: wrap; gap: 16px 18px; align-items: flex-start; }
.nnlab-panel { flex: 0 1 auto; min-width: 0; }
.nnlab-panel svg { display: block; max-width: 100%; height: auto; overflow: visible; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; max-width: 100ch; }
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
.nnlab-table tbody tr:nth-child(even) { background: #fafbfc; }
.nnlab-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 10px; }
.nnlab-facts dt { color: var(--muted); }
.nnlab-facts dd { margin: 0; }
details { margin: 6px 0; border: 1px solid var(--rule); border-radius: 6px; background: var(--panel); }
details > summary { cursor: pointer; padding: 6px 10px; }
details pre { margin: 0; padding: 10px 12px; overflow: auto; max-height: 560px; background: #fff;
  border-top: 1px solid var(--rule); border-radius: 0 0 6px 6px; }
`;
