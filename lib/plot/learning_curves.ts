/**
 * The cs231n learning-curve figure: training loss per iteration (dots), training accuracy
 * per epoch and validation accuracy per epoch, one colour per run; or, with `loss: false`,
 * the two accuracy panels alone (the batch-size, layernorm and dropout figures).
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import type { TrainingHistory } from "../runs/record.ts";
import { accuracyDomain, accuracyPanel, accuracyRows } from "./accuracy_panel.ts";
import { countTicks } from "./count_ticks.ts";
import { type Figure, seriesColors } from "./figure.ts";
import { offScaleNotes } from "./off_scale.ts";
import { seriesPanel } from "./series_panel.ts";
import { type Displayable, displayable } from "./notebook.ts";

/** One training loss value: a run and an iteration (1 = the first minibatch). */
export interface LossRow {
  run: string;
  iteration: number;
  /** As recorded: NaN or Infinity where a run diverged. */
  loss: number;
}

/**
 * Builds the learning-curve figure. A run record fits `runs` as is. A run whose loss
 * explodes or turns NaN is drawn off the scale (marked, with a note) so the other runs
 * keep theirs.
 *
 * @example
 * ```ts
 * import { learningCurves } from "./learning_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const figure = learningCurves(records, { legendLabel: "update rule" });
 * const accuracyOnly = learningCurves(records, { loss: false, legendLabel: "batch size" });
 * ```
 */
export function learningCurves(
  runs: readonly { name: string; history: TrainingHistory }[],
  { title, caption, legendLabel = "run", loss: withLoss = true }: {
    title?: string;
    caption?: string;
    legendLabel?: string;
    /** Draw the loss-per-iteration panel (default true). */
    loss?: boolean;
  } = {},
): Figure & Displayable {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw argumentError("runs", runs, "a non-empty array of {name, history}");
  }
  const color = seriesColors(runs.map((run) => run.name));
  const accuracy = accuracyRows(runs);
  const domain = accuracyDomain(accuracy);
  const size = withLoss ? {} : { width: 480, height: 300 };
  const accuracyPanels = [
    accuracyPanel(accuracy, "train", { color, domain, ...size }),
    accuracyPanel(accuracy, "val", { color, domain, ...size }),
  ];
  const accuracyCaption = "accuracy on the training sample and on the validation set after " +
    "each epoch (epoch 0 is before training).";
  if (!withLoss) {
    return displayable({
      title: title ?? "Accuracy per epoch",
      caption: caption ??
        `Left and right: ${accuracyCaption}`,
      legend: { ...color, label: legendLabel },
      panels: accuracyPanels,
      data: { accuracy },
    });
  }
  const loss: LossRow[] = runs.flatMap(({ name, history }) =>
    history.lossHistory.map((value: number, i: number) => ({
      run: name,
      iteration: i + 1,
      loss: value,
    }))
  );
  // Fewer points get bigger dots: 20 iterations should not look like dust, 2,000 not a smear.
  const longest = Math.max(...runs.map((run) => run.history.lossHistory.length));
  const radius = longest > 400 ? 1.2 : longest > 100 ? 1.6 : 2.4;
  const lossPanel = seriesPanel(loss as unknown as Record<string, unknown>[], {
    x: "iteration",
    y: "loss",
    series: "run",
    color,
    xLabel: "iteration",
    yLabel: "training loss",
    line: false,
    dots: radius,
    dotOpacity: 0.75,
    marginLeft: 45,
    // Insets keep the extreme dots off the axes; iterations are counted, so whole ticks only.
    xScale: { inset: 6, ...countTicks(1, longest, 8) },
    yScale: { zero: false, nice: true, inset: 4 },
  });
  return displayable({
    title: title ?? "Learning curves",
    caption: caption ??
      `Left: training loss of every minibatch. Middle and right: ${accuracyCaption}`,
    notes: offScaleNotes(lossPanel.fitted, { yLabel: "training loss", xLabel: "iteration" }),
    legend: { ...color, label: legendLabel },
    panels: [lossPanel.panel, ...accuracyPanels],
    data: { loss, accuracy },
  });
}
