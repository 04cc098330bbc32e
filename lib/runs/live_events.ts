/**
 * Live progress of a study for `deno task dev`: when the dev server re-runs a study it
 * sets {@linkcode LIVE_EVENTS_ENV}, and the runner then prints, besides its usual output,
 * one machine-readable line per event (the runs it will train, each run's start, its loss
 * once per print interval, its accuracies once per epoch, its end) on standard output. The
 * server reads them from the study's output and forwards them to the study's open page.
 *
 * Each line starts with {@linkcode LIVE_MARK} (an ASCII record separator and a tag), so
 * nothing a library prints can be taken for one, and a terminal shows none of them.
 *
 * @module
 */
import type { ProgressPlan, RunStatus, TrainingProgress } from "./record.ts";
import { type ProgressMessage, progressMessages } from "./worker_protocol.ts";

/** Set to "1" in a study's environment, it makes the runner print live events. */
export const LIVE_EVENTS_ENV = "NNLAB_LIVE_EVENTS";

/** Marks a live event line on a study's standard output. */
export const LIVE_MARK = "\u001enn-live ";

/** What a running study reports about its runs; `run` is the run's name. */
export type LiveEvent =
  /** The runs the study trains now, in order, and how many it serves from the store. */
  | { type: "sweep"; study: string; runs: string[]; cached: number }
  | { type: "start"; run: string }
  | (ProgressMessage & { run: string })
  | { type: "end"; run: string; status: RunStatus };

/**
 * One event as its line (with the newline).
 *
 * @example
 * ```ts
 * encodeLiveEvent({ type: "start", run: "sgd" }); // "\u001enn-live {\"type\":\"start\",\"run\":\"sgd\"}\n"
 * ```
 */
export function encodeLiveEvent(event: LiveEvent): string {
  return `${LIVE_MARK}${JSON.stringify(event)}\n`;
}

/**
 * The event a line of a study's output carries, or null for any other line.
 *
 * @example
 * ```ts
 * decodeLiveEvent(encodeLiveEvent({ type: "start", run: "sgd" }).trimEnd()); // { type: "start", run: "sgd" }
 * decodeLiveEvent("wrote plots/adam.html"); // null
 * ```
 */
export function decodeLiveEvent(line: string): LiveEvent | null {
  if (!line.startsWith(LIVE_MARK)) return null;
  try {
    const event = JSON.parse(line.slice(LIVE_MARK.length));
    return typeof event?.type === "string" ? event as LiveEvent : null;
  } catch {
    return null;
  }
}

/**
 * Where this process sends live events: standard output when {@linkcode LIVE_EVENTS_ENV}
 * is "1" (the dev server asked for them), else nowhere (undefined).
 *
 * @example
 * ```ts
 * const live = liveEventSink();
 * live?.({ type: "start", run: "sgd" });
 * ```
 */
export function liveEventSink(): ((event: LiveEvent) => void) | undefined {
  let asked = false;
  try {
    asked = Deno.env.get(LIVE_EVENTS_ENV) === "1";
  } catch {
    // no permission to read the environment: nobody asked
  }
  if (!asked) return undefined;
  const encoder = new TextEncoder();
  return (event) => {
    const bytes = encoder.encode(encodeLiveEvent(event));
    for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
  };
}

/**
 * The progress display of a run trained in this process, reporting to `live` as well:
 * a `start` event now, then the run's progress and epoch events, while `display` (the
 * terminal bar, if any) is told everything as before.
 *
 * @example
 * ```ts
 * import { Progress } from "../train/progress.ts";
 * import type { ProgressPlan } from "./record.ts";
 * declare const live: (event: LiveEvent) => void;
 * const trainerProgress = (plan: ProgressPlan) =>
 *   liveProgress(plan, "sgd", live, new Progress({ ...plan, verbose: true }));
 * ```
 */
export function liveProgress(
  plan: ProgressPlan,
  run: string,
  live: (event: LiveEvent) => void,
  display?: TrainingProgress,
): TrainingProgress {
  live({ type: "start", run });
  const events = progressMessages(plan, (message) => live({ ...message, run }));
  return {
    iteration: (iteration, loss) => {
      display?.iteration(iteration, loss);
      events.iteration(iteration, loss);
    },
    epoch: (report) => {
      display?.epoch(report);
      events.epoch(report);
    },
    finish: () => display?.finish(),
  };
}
