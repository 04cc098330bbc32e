/**
 * The accuracy-per-epoch panel shared by the learning-curve and batch-size figures.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { TrainingHistory } from "../runs/record.ts";
import type { PlotOptions } from "./figure.ts";

/** One accuracy measurement: a run, a split, an epoch (0 = before training). */
export interface AccuracyRow {
  run: string;
  split: "train" | "val";
  epoch: number;
  /** Fraction 0..1. */
  accuracy: number;
}

/**
 * Flattens runs' per-epoch accuracy histories into rows, epoch 0 first; non-finite values
 * are left out.
 *
 * @example
 * ```ts
 * accuracyRows([{ name: "adam", history }]);
 * // [{ run: "adam", split: "train", epoch: 0, accuracy: 0.1 }, ...]
 * ```
 */
export function accuracyRows(
  runs: readonly {
    name: string;
    history: Pick<TrainingHistory, "trainAccHistory" | "valAccHistory">;
  }[],
): AccuracyRow[] {
  const rows: AccuracyRow[] = [];
  for (const { name, history } of runs) {
    for (
      const [split, values] of [["train", history.trainAccHistory], [
        "val",
        history.valAccHistory,
      ]] as const
    ) {
      values.forEach((accuracy, epoch) => {
        if (Number.isFinite(accuracy)) rows.push({ run: name, split, epoch, accuracy });
      });
    }
  }
  return rows;
}

/**
 * The y domain both accuracy panels share, so a train/val gap reads the same on both:
 * the data's range widened to whole tenths, within [0, 1].
 *
 * @example
 * ```ts
 * accuracyDomain([{ accuracy: 0.12 }, { accuracy: 0.87 }]); // [0.1, 0.9]
 * ```
 */
export function accuracyDomain(rows: readonly { accuracy: number }[]): [number, number] {
  if (rows.length === 0) return [0, 1];
  const values = rows.map((r) => r.accuracy);
  const low = Math.max(0, Math.floor(Math.min(...values) * 10 - 1e-9) / 10);
  const high = Math.min(1, Math.ceil(Math.max(...values) * 10 + 1e-9) / 10);
  return high > low ? [low, high] : [Math.max(0, low - 0.1), Math.min(1, high + 0.1)];
}

/**
 * One panel: accuracy per epoch for one split, a line with dots per run.
 *
 * @example
 * ```ts
 * const rows = accuracyRows(runs);
 * const panel = accuracyPanel(rows, "val", { color: seriesColors(names), domain: accuracyDomain(rows) });
 * ```
 */
export function accuracyPanel(
  rows: readonly AccuracyRow[],
  split: "train" | "val",
  { color, domain, width = 360, height = 280 }: {
    color: { domain: string[]; range: string[] };
    domain: [number, number];
    width?: number;
    height?: number;
  },
): PlotOptions {
  const splitRows = rows.filter((r) => r.split === split);
  const maxEpoch = Math.max(1, ...splitRows.map((r) => r.epoch));
  return {
    width,
    height,
    marginLeft: 45,
    color,
    x: { label: "epoch", domain: [0, maxEpoch], ticks: Math.min(maxEpoch, 10), tickFormat: "d" },
    y: {
      label: `${split === "train" ? "training" : "validation"} accuracy (%)`,
      // With `percent`, Plot scales values by 100 before the domain applies.
      domain: [domain[0] * 100, domain[1] * 100],
      percent: true,
      grid: true,
    },
    marks: [
      Plot.line(splitRows, { x: "epoch", y: "accuracy", stroke: "run", strokeWidth: 1.5 }),
      Plot.dot(splitRows, { x: "epoch", y: "accuracy", fill: "run", r: 2.5 }),
    ],
  };
}
