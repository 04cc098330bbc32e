/**
 * Loss and accuracy per epoch from the per-epoch rows the classifier trainer stores in a
 * run record's `extra` (mean training loss of the epoch's minibatches, validation loss,
 * training and validation accuracy).
 *
 * @module
 */
import { epochTicks } from "./accuracy_panel.ts";
import { type Figure, seriesColors } from "./figure.ts";
import { offScaleNotes } from "./off_scale.ts";
import { seriesPanel } from "./series_panel.ts";
import type { RunRecord } from "../runs/record.ts";
import type { EpochRow } from "../runs/record.ts";
import { type Displayable, displayable } from "./notebook.ts";

/**
 * The per-epoch rows a classifier trainer stored in a record (empty for a record without).
 *
 * @example
 * ```ts
 * import { epochRows } from "./epoch_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const record: RunRecord;
 * epochRows(record).map((row) => row.valAcc); // [0.1, 0.62, 0.81]
 * ```
 */
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
 * import { epochCurves } from "./epoch_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * epochCurves([records[0]], { title: "(b) CNN", valName: "test" }); // train and test lines
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
): Figure & Displayable {
  const several = records.length > 1;
  const lastEpoch = Math.max(1, ...records.flatMap((r) => epochRows(r).map((row) => row.epoch)));
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
  const color = seriesColors(rows.map((row) => row.line));
  const notes: string[] = [];
  const panel = (split: string | null, metric: "loss" | "accuracy") => {
    const yLabel = [split, metric].filter(Boolean).join(" ");
    const { panel, fitted } = seriesPanel(
      rows.filter((row) => (split === null || row.split === split) && row[metric] !== null),
      {
        x: "epoch",
        y: metric,
        series: "line",
        color,
        xLabel: "epoch",
        yLabel,
        percent: metric === "accuracy",
        dots: 2.5,
        width: width ?? (several ? 440 : 380),
        height: 240,
        xScale: { domain: [0, lastEpoch], ...epochTicks(lastEpoch) },
      },
    );
    notes.push(...offScaleNotes(fitted, { yLabel, xLabel: "epoch" }));
    return panel;
  };
  const panels = several
    ? [
      panel("train", "loss"),
      panel(valName, "loss"),
      panel("train", "accuracy"),
      panel(valName, "accuracy"),
    ]
    : [panel(null, "loss"), panel(null, "accuracy")];
  return displayable({
    title,
    caption: caption ??
      `Loss: mean cross-entropy of each epoch's training minibatches, and on the ${valName} ` +
        `set after the epoch. Accuracy: on a training sample and on the ${valName} set after ` +
        `each epoch (epoch 0 is before training).`,
    legend: { ...color, ...(several ? { label: "run" } : {}) },
    notes,
    panels,
    data: { rows },
  });
}
