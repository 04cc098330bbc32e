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
  /** "forward + backward + update" for a run that measured only their sum (webgpu). */
  phase: "data" | "forward" | "backward" | "update" | "forward + backward + update";
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
  const rows = runs.flatMap(({ name, timings: { perIteration: t } }): TimeSplitRow[] =>
    t.computeMs === undefined
      ? [
        { run: name, phase: "data", ms: t.dataMs },
        { run: name, phase: "forward", ms: t.forwardMs },
        { run: name, phase: "backward", ms: t.backwardMs },
        { run: name, phase: "update", ms: t.updateMs },
      ]
      : [
        { run: name, phase: "data", ms: t.dataMs },
        { run: name, phase: "forward + backward + update", ms: t.computeMs },
      ]
  );
  const unsplit = runs.some(({ timings }) => timings.perIteration.computeMs !== undefined);
  return barChart(rows, {
    category: "run",
    value: "ms",
    stack: "phase",
    valueLabel: "milliseconds per iteration (mean)",
    title,
    caption: caption ??
      "Mean wall time of one iteration, split into loading the batch, the forward pass, " +
        "the backward pass and the parameter update." +
        (unsplit
          ? " On webgpu the GPU runs a step after it is queued, so only the three together " +
            "are measured (wall time between reads of the loss)."
          : ""),
  });
}
