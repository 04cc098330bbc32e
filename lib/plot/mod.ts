/**
 * Figures: builders that turn run data into Observable Plot options, server-side
 * rendering on linkedom, the self-contained HTML page writer, the index of pages and
 * runs, and the notebook display.
 *
 * @example
 * ```ts
 * import { learningCurves, renderFigurePage } from "./mod.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const html = renderFigurePage({
 *   out: "plots/adam.html",
 *   title: "Update rules",
 *   description: "Which update rule trains fastest?",
 *   dataLine: "offline MNIST digits",
 *   figures: [learningCurves(records)],
 *   runs: records.map((record) => ({ record, cached: true })),
 *   provenance: {
 *     scriptPath: "experiments/adam.ts",
 *     scriptSource: "",
 *     config: {},
 *     backend: { backend: "cpu" },
 *     versions: {},
 *     date: new Date().toISOString(),
 *     gitCommit: null,
 *     dirty: false,
 *   },
 * });
 * ```
 *
 * @module
 */
export type { Figure, Panel, PlotOptions, Readout, SwatchLegend } from "./figure.ts";
export { powerOfTenLabel, SERIES_COLORS, seriesColors } from "./figure.ts";
export {
  accuracyDomain,
  accuracyPanel,
  type AccuracyRow,
  accuracyRows,
  epochTicks,
} from "./accuracy_panel.ts";
export { learningCurves, type LossRow } from "./learning_curves.ts";
export { seriesClass, seriesPanel, type SeriesPanelOptions } from "./series_panel.ts";
export {
  type FittedRows,
  fitToScale,
  OFF_SCALE_FACTOR,
  offScaleNotes,
  type OffScaleSeries,
} from "./off_scale.ts";
export { sweepFigure, type SweepMetric } from "./sweep.ts";
export { epochCurves, epochRows } from "./epoch_curves.ts";
export { misclassifiedGrid } from "./misclassified_grid.ts";
export { modelSummary } from "./model_summary.ts";
export { type ResultColumn, resultsTable } from "./results_table.ts";
export { colorRampPanel } from "./color_legend.ts";
export { type ConfusionCell, confusionCounts, confusionMatrix } from "./confusion_matrix.ts";
export { type ImageExample, imageGrid } from "./image_grid.ts";
export { encodePng, pngDataUri } from "./png.ts";
export { lineChart } from "./line_chart.ts";
export { barChart } from "./bar_chart.ts";
export { timeSplit, type TimeSplitRow } from "./time_split.ts";
export {
  type CellFormat,
  formatCell,
  formatDuration,
  table,
  type TableColumn,
  type TableSpec,
} from "./table.ts";
export { configText, keyLabel, varyingKeys } from "./varying.ts";
export { rankRuns } from "./findings.ts";
export { plural } from "./plural.ts";
export {
  type FigureExport,
  type ReadoutPoint,
  type RenderedReadout,
  renderFigure,
  renderLegend,
  renderPanel,
  renderPlot,
  renderTable,
} from "./render.ts";
export { FIGURE_SCRIPT, figureScript } from "./figure_script.ts";
export { type Displayable, displayable, figureDisplay, JUPYTER_DISPLAY } from "./notebook.ts";
export { escapeHtml, jsonForScript } from "./html.ts";
export { type NetworkReference, networkReferences } from "./offline_check.ts";
export {
  dataLineParts,
  type FigurePageOptions,
  formatDate,
  PAGE_DATA_ID,
  PAGE_FORMAT,
  type PageData,
  pageDisplay,
  type PageRun,
  type Provenance,
  readPageData,
  renderFigurePage,
  writeFigurePage,
} from "./page.ts";
export {
  firstChart,
  INDEX_MARKER,
  type IndexEntry,
  type IndexRun,
  readIndexEntries,
  renderIndex,
  writeIndex,
} from "./index_page.ts";
export { INDEX_SCRIPT, indexScript } from "./index_script.ts";
export { sanitizeSvg } from "./sanitize_svg.ts";
export { FIGURE_STYLE, PAGE_STYLE } from "./style.ts";
export { writeFileAtomic } from "../files.ts";
