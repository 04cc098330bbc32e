/**
 * Figures the convolutional studies share, built from run records whose `extra` holds
 * what lib/train/classifier.ts records: per-epoch losses and accuracies, per-layer output
 * shapes, a confusion matrix and misclassified examples.
 *
 * @module
 */
import type { Figure } from "./figure.ts";
import { imageGrid } from "./image_grid.ts";
import { lineChart } from "./line_chart.ts";
import { table } from "./table.ts";
import type { EpochRow, RunRecord } from "../runs/record.ts";

/** The per-epoch rows a classifier run stored in its record (empty for a record without them). */
export function epochRows(record: RunRecord): EpochRow[] {
  return record.extra?.epochs ?? [];
}

/**
 * Loss and accuracy per epoch. One run: two panels (loss, accuracy), a line per split.
 * Several runs: four panels (training loss, `valName` loss, training accuracy, `valName`
 * accuracy), a line per run, so colours name runs only. `valName` is what the study
 * calls the Solver's validation set ("test" for studies that evaluate their test split
 * every epoch).
 *
 * @example
 * ```ts
 * epochCurves([record], { title: "(b) CNN", valName: "test" }); // train and test lines
 * epochCurves(records, { title: "Loss per epoch", valName: "test" }); // one line per run
 * ```
 */
export function epochCurves(
  records: readonly RunRecord[],
  { title, caption, valName = "val", width }: {
    title: string;
    caption?: string;
    valName?: string;
    /** Width of one panel, pixels. */
    width?: number;
  },
): Figure {
  const several = records.length > 1;
  const splitName = (split: "train" | "val") => (split === "val" ? valName : "train");
  // Line by line (not epoch by epoch), so every panel meets the lines in the same order
  // and gives each the same colour, though there is no training loss at epoch 0.
  const rows = records.flatMap((record) =>
    (["train", "val"] as const).flatMap((split) =>
      epochRows(record).map((row) => ({
        run: record.name,
        split: splitName(split),
        line: several ? record.name : splitName(split),
        epoch: row.epoch,
        loss: split === "train" ? row.trainLoss : valName === "test" ? row.testLoss : row.valLoss,
        accuracy: split === "train" ? row.trainAcc : valName === "test" ? row.testAcc : row.valAcc,
      }))
    )
  );
  const common = { x: "epoch", series: "line", width: width ?? (several ? 440 : 380), height: 240 };
  const panel = (split: string | null, metric: "loss" | "accuracy") =>
    lineChart(
      rows.filter((row) => (split === null || row.split === split) && row[metric] !== null),
      {
        ...common,
        y: metric,
        yLabel: [split, metric === "loss" ? "loss" : "accuracy"].filter(Boolean).join(" "),
        percent: metric === "accuracy",
      },
    );
  const charts = several
    ? [
      panel("train", "loss"),
      panel(valName, "loss"),
      panel("train", "accuracy"),
      panel(valName, "accuracy"),
    ]
    : [panel(null, "loss"), panel(null, "accuracy")];
  return {
    title,
    caption: caption ??
      `Loss: mean cross-entropy of each epoch's training minibatches, and on the ${valName} ` +
        `set after the epoch. Accuracy: on a training sample and on the ${valName} set after ` +
        `each epoch (epoch 0 is before training).`,
    // The accuracy panels have every line (a loss panel may lack the unmeasured ones).
    legend: charts.at(-1)?.legend
      ? { ...charts.at(-1)!.legend!, label: several ? "run" : "" }
      : undefined,
    panels: charts.flatMap((chart) => chart.panels),
    data: { rows },
  };
}

/**
 * The output shape after every layer, from the first record that stored them.
 *
 * @example
 * ```ts
 * layerShapesTable(records, "Output shape after every layer (mnist_cnn)");
 * ```
 */
export function layerShapesTable(records: readonly RunRecord[], title: string): Figure {
  const shapes = records.map((r) => r.extra?.shapes)
    .find((s) => s !== undefined) ?? [];
  const rows = shapes.map(([layer, shape]) => ({
    layer,
    shape: `(${["N", ...shape.slice(1)].join(", ")})`,
  }));
  return {
    title,
    caption: "NHWC: batch, height, width, channels.",
    panels: [],
    table: table(rows, [
      { key: "layer", label: "layer", format: "text" },
      { key: "shape", label: "output shape", format: "text" },
    ]),
    data: { rows },
  };
}

/**
 * The grid of misclassified examples a record stored, "true 3 · pred 5" under each.
 *
 * @example
 * ```ts
 * misclassifiedGrid(best, data.classNames, "Ten misclassified test digits of (e)");
 * ```
 */
export function misclassifiedGrid(
  record: RunRecord,
  classNames: readonly string[],
  title: string,
): Figure | null {
  const examples = record.extra?.misclassified ?? [];
  if (examples.length === 0) return null;
  return imageGrid(
    examples.map((e) => ({
      pixels: e.pixels,
      height: e.shape[0],
      width: e.shape[1],
      channels: e.shape[2] as 1 | 3,
      trueLabel: classNames[e.trueLabel] ?? String(e.trueLabel),
      predictedLabel: classNames[e.predictedLabel] ?? String(e.predictedLabel),
    })),
    { title, columns: 5, scale: 3 },
  );
}
