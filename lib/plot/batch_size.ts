/**
 * The batch-size figure: training and validation accuracy per epoch, one line per run
 * (each run one batch size, or one normalization at one batch size).
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import type { TrainingHistory } from "../run.ts";
import { accuracyDomain, accuracyPanel, accuracyRows } from "./accuracy_panel.ts";
import { type Figure, seriesColors } from "./figure.ts";

/**
 * Builds the two-panel batch-size figure. Runs are drawn in the order given; name them
 * so the legend reads on its own, e.g. "batchnorm, batch 5".
 *
 * @example
 * ```ts
 * const figure = batchSizeCurves([
 *   { name: "baseline, batch 5", history: baseline.history },
 *   { name: "batchnorm, batch 5", history: bn5.history },
 * ]);
 * ```
 */
export function batchSizeCurves(
  runs: readonly { name: string; history: TrainingHistory }[],
  { title = "Accuracy per epoch by batch size", caption, legendLabel = "batch size" }: {
    title?: string;
    caption?: string;
    legendLabel?: string;
  } = {},
): Figure {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw argumentError("runs", runs, "a non-empty array of {name, history}");
  }
  const color = seriesColors(runs.map((run) => run.name));
  const accuracy = accuracyRows(runs);
  const domain = accuracyDomain(accuracy);
  return {
    title,
    caption: caption ??
      "Accuracy on the training sample (left) and the validation set (right) after each epoch.",
    legend: { ...color, label: legendLabel },
    panels: [
      accuracyPanel(accuracy, "train", { color, domain, width: 480, height: 300 }),
      accuracyPanel(accuracy, "val", { color, domain, width: 480, height: 300 }),
    ],
    data: { accuracy },
  };
}
