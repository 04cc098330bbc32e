/**
 * The per-step time split: mean milliseconds per iteration spent on data, forward,
 * backward and update, one stacked bar per run.
 *
 * @module
 */
import type { StepTimings } from "../runs/record.ts";
import { barChart } from "./bar_chart.ts";
import type { Figure } from "./figure.ts";

/** One segment of a run's bar. */
export interface TimeSplitRow {
  run: string;
  phase: "data" | "forward" | "backward" | "update";
  /** Mean per iteration, milliseconds. */
  ms: number;
}

/**
 * Builds the time-split figure. A run record fits `runs` as is.
 *
 * @example
 * ```ts
 * import { timeSplit } from "./time_split.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const figure = timeSplit(records); // one bar per record, four segments each
 * ```
 */
export function timeSplit(
  runs: readonly { name: string; timings: { perIteration: StepTimings } }[],
  { title = "Time per training step", caption }: { title?: string; caption?: string } = {},
): Figure {
  const rows: TimeSplitRow[] = runs.flatMap(({ name, timings: { perIteration: t } }) => [
    { run: name, phase: "data" as const, ms: t.dataMs },
    { run: name, phase: "forward" as const, ms: t.forwardMs },
    { run: name, phase: "backward" as const, ms: t.backwardMs },
    { run: name, phase: "update" as const, ms: t.updateMs },
  ]);
  return barChart(rows, {
    category: "run",
    value: "ms",
    stack: "phase",
    valueLabel: "milliseconds per iteration (mean)",
    title,
    caption: caption ??
      "Mean wall time of one iteration, split into loading the batch, the forward pass, " +
        "the backward pass and the parameter update.",
  });
}
