/**
 * Training and validation accuracy per epoch, one line per run: the figure of the
 * batch-size, layernorm and dropout studies.
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import type { TrainingHistory } from "../runs/record.ts";
import { accuracyDomain, accuracyPanel, accuracyRows } from "./accuracy_panel.ts";
import { type Figure, seriesColors } from "./figure.ts";

/**
 * Builds the two-panel accuracy figure. Runs are drawn in the order given; name them
 * so the legend reads on its own, e.g. "batchnorm, batch 5".
 *
 * @example
 * ```ts
 * const figure = accuracyCurves([
 *   { name: "baseline, batch 5", history: baseline.history },
 *   { name: "batchnorm, batch 5", history: bn5.history },
 * ], { title: "Accuracy per epoch by batch size", legendLabel: "batch size" });
 * ```
 */
export function accuracyCurves(
  runs: readonly { name: string; history: TrainingHistory }[],
  { title = "Accuracy per epoch", caption, legendLabel = "run" }: {
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
