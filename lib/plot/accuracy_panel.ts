/**
 * The accuracy-per-epoch panel of the learning-curve figures, and whole-epoch ticks.
 *
 * @module
 */
import type { TrainingHistory } from "../runs/record.ts";
import { countTicks } from "./count_ticks.ts";
import type { Panel } from "./figure.ts";
import { seriesPanel } from "./series_panel.ts";

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
 * import { accuracyRows } from "./accuracy_panel.ts";
 *
 * const history = { trainAccHistory: [0.1, 0.5], valAccHistory: [0.1, 0.4] };
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
 * import { accuracyDomain } from "./accuracy_panel.ts";
 *
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
 * One panel: accuracy per epoch for one split, a line with dots per run, in percent.
 *
 * @example
 * ```ts
 * import { accuracyDomain, accuracyPanel, accuracyRows } from "./accuracy_panel.ts";
 * import { seriesColors } from "./figure.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const rows = accuracyRows(records);
 * const color = seriesColors(records.map((r) => r.name));
 * const panel = accuracyPanel(rows, "val", { color, domain: accuracyDomain(rows) });
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
): Panel {
  const splitRows = rows.filter((r) => r.split === split);
  const maxEpoch = Math.max(1, ...splitRows.map((r) => r.epoch));
  return seriesPanel(splitRows as unknown as Record<string, unknown>[], {
    x: "epoch",
    y: "accuracy",
    series: "run",
    color,
    xLabel: "epoch",
    yLabel: `${split === "train" ? "training" : "validation"} accuracy`,
    percent: true,
    dots: 2.5,
    width,
    height,
    marginLeft: 45,
    xScale: { domain: [0, maxEpoch], ...epochTicks(maxEpoch) },
    // With `percent`, Plot scales values by 100 before the domain applies.
    yScale: { domain: [domain[0] * 100, domain[1] * 100] },
  }).panel;
}

/**
 * Ticks for an epoch axis from 0: whole epochs only (never 1.2, 1.4), at most ten or so.
 *
 * @example
 * ```ts
 * import { epochTicks } from "./accuracy_panel.ts";
 *
 * epochTicks(2); // { ticks: [0, 1, 2], tickFormat: ",d" }
 * epochTicks(25).ticks; // [0, 5, 10, 15, 20, 25]
 * ```
 */
export function epochTicks(maxEpoch: number): { ticks: number[]; tickFormat: string } {
  return countTicks(0, maxEpoch);
}
