/**
 * Figures: builders that turn run data into Observable Plot options, server-side
 * rendering on linkedom, and the self-contained HTML page writer.
 *
 * @example
 * ```ts
 * import { learningCurves, writeFigurePage, writeIndex } from "./lib/plot/mod.ts";
 * await writeFigurePage({ out: "plots/adam.html", figures: [learningCurves(records)], ... });
 * await writeIndex("plots");
 * ```
 *
 * @module
 */
export type { Figure, PlotOptions, SwatchLegend } from "./figure.ts";
export { powerOfTenLabel, SERIES_COLORS, seriesColors } from "./figure.ts";
export { accuracyDomain, accuracyPanel, type AccuracyRow, accuracyRows } from "./accuracy_panel.ts";
export { learningCurves, type LossRow } from "./learning_curves.ts";
export { accuracyCurves } from "./accuracy_curves.ts";
export { sweepFigure, type SweepMetric } from "./sweep.ts";
export { colorRampPanel } from "./color_legend.ts";
export { type ConfusionCell, confusionCounts, confusionMatrix } from "./confusion_matrix.ts";
export { type ImageExample, imageGrid } from "./image_grid.ts";
export { encodePng, pngDataUri } from "./png.ts";
export { lineChart } from "./line_chart.ts";
export { barChart } from "./bar_chart.ts";
export { timeSplit, type TimeSplitRow } from "./time_split.ts";
export { type CellFormat, formatCell, table, type TableColumn, type TableSpec } from "./table.ts";
export { renderFigure, renderPlot, renderSwatches, renderTable } from "./render.ts";
export { escapeHtml, jsonForScript } from "./html.ts";
export { type NetworkReference, networkReferences } from "./offline_check.ts";
export {
  type FigurePageOptions,
  formatDate,
  PAGE_DATA_ID,
  PAGE_FORMAT,
  type PageData,
  type PageRun,
  type Provenance,
  readPageData,
  renderFigurePage,
  writeFigurePage,
} from "./page.ts";
export { type IndexEntry, readIndexEntries, renderIndex, writeIndex } from "./index_page.ts";
export { PAGE_STYLE } from "./style.ts";
export { writeFileAtomic } from "../files.ts";
