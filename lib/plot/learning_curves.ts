/**
 * The cs231n learning-curve figure: training loss per iteration (dots), training accuracy
 * per epoch and validation accuracy per epoch, one colour per run.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import type { TrainingHistory } from "../runs/record.ts";
import { accuracyDomain, accuracyPanel, accuracyRows } from "./accuracy_panel.ts";
import { type Figure, seriesColors } from "./figure.ts";

/** One training loss value: a run and an iteration (1 = the first minibatch). */
export interface LossRow {
  run: string;
  iteration: number;
  loss: number;
}

/**
 * Builds the three-panel learning-curve figure. A run record fits `runs` as is.
 * Non-finite losses (a diverged run) are left out of the loss panel.
 *
 * @example
 * ```ts
 * const figure = learningCurves(records, { title: "Update rules", legendLabel: "update rule" });
 * const html = renderFigure(figure);
 * ```
 */
export function learningCurves(
  runs: readonly { name: string; history: TrainingHistory }[],
  { title = "Learning curves", caption, legendLabel = "run" }: {
    title?: string;
    caption?: string;
    legendLabel?: string;
  } = {},
): Figure {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw argumentError("runs", runs, "a non-empty array of {name, history}");
  }
  const color = seriesColors(runs.map((run) => run.name));
  const loss: LossRow[] = [];
  for (const { name, history } of runs) {
    history.lossHistory.forEach((value: number, i: number) => {
      if (Number.isFinite(value)) loss.push({ run: name, iteration: i + 1, loss: value });
    });
  }
  // Fewer points get bigger dots: 20 iterations should not look like dust, 2,000 not a smear.
  const longest = Math.max(...runs.map((run) => run.history.lossHistory.length));
  const radius = longest > 400 ? 1.2 : longest > 100 ? 1.6 : 2.4;
  const accuracy = accuracyRows(runs);
  const domain = accuracyDomain(accuracy);
  return {
    title,
    caption: caption ??
      "Left: training loss of every minibatch. Middle and right: accuracy on the training " +
        "sample and on the validation set after each epoch (epoch 0 is before training).",
    legend: { ...color, label: legendLabel },
    panels: [
      {
        width: 360,
        height: 280,
        marginLeft: 45,
        color,
        // Insets keep the extreme dots off the axes.
        x: { label: "iteration", inset: 6 },
        y: { label: "training loss", grid: true, zero: false, nice: true, inset: 4 },
        marks: [
          Plot.dot(loss, { x: "iteration", y: "loss", fill: "run", r: radius, fillOpacity: 0.75 }),
        ],
      },
      accuracyPanel(accuracy, "train", { color, domain }),
      accuracyPanel(accuracy, "val", { color, domain }),
    ],
    data: { loss, accuracy },
  };
}
