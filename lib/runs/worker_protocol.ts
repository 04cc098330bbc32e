/**
 * What a worker process and its parent say to each other. The parent writes one job as a
 * JSON line on the worker's standard input and keeps that pipe open: when the parent
 * dies, the pipe closes and the worker exits. The worker answers with JSON lines on its
 * standard output, each behind {@linkcode MESSAGE_MARK} so that anything else a library
 * prints there passes through as plain text.
 *
 * @module
 */
import type { BackendName } from "../backend/info.ts";
import type { ProgressPlan, TrainingProgress } from "./record.ts";
import type { PlannedRun } from "./train_run.ts";

/** One job for a worker. */
export interface WorkerJob {
  run: PlannedRun;
  study: string;
  storeDir: string;
  backend: BackendName;
  threads: number;
  fresh: boolean;
}

/**
 * A run's progress as it trains: `progress` once per print interval (iteration 1-based,
 * `epoch` the 0-based epoch it belongs to, `epochs` the run's number of epochs), `epoch`
 * after each accuracy check (epoch 0 is before training; accuracies are fractions 0..1).
 */
export type ProgressMessage =
  | {
    type: "progress";
    iteration: number;
    iterations: number;
    loss: number;
    epoch: number;
    epochs: number;
  }
  | { type: "epoch"; epoch: number; trainAcc: number; valAcc: number | null };

/** A worker's report. */
export type WorkerMessage =
  | ProgressMessage
  | { type: "log"; line: string }
  | { type: "done"; trained: boolean }
  | { type: "error"; message: string };

/** Marks a protocol line on a worker's standard output (ASCII record separator). */
export const MESSAGE_MARK = "\u001enn ";

/**
 * One protocol line.
 *
 * @example
 * ```ts
 * import { encodeMessage } from "./worker_protocol.ts";
 *
 * encodeMessage({ type: "done", trained: true }); // "\u001enn {\"type\":\"done\",\"trained\":true}\n"
 * ```
 */
export function encodeMessage(message: WorkerMessage): string {
  return `${MESSAGE_MARK}${JSON.stringify(message)}\n`;
}

/**
 * Reads a line of a worker's output: its message, or null for plain text.
 *
 * @example
 * ```ts
 * import { decodeMessage, encodeMessage } from "./worker_protocol.ts";
 *
 * decodeMessage(encodeMessage({ type: "log", line: "hi" }).trimEnd()); // { type: "log", line: "hi" }
 * decodeMessage("plain output"); // null
 * ```
 */
export function decodeMessage(line: string): WorkerMessage | null {
  if (!line.startsWith(MESSAGE_MARK)) return null;
  try {
    return JSON.parse(line.slice(MESSAGE_MARK.length)) as WorkerMessage;
  } catch {
    return null;
  }
}

/**
 * Text a child process printed, without terminal escape sequences (colours, cursor moves,
 * window titles, links) or other control characters, so an error shown to the user reads
 * as words; line breaks and tabs stay.
 *
 * @example
 * ```ts
 * import { plainText } from "./worker_protocol.ts";
 *
 * plainText("\u001b[31merror\u001b[0m: boom\u0007"); // "error: boom"
 * ```
 */
export function plainText(text: string): string {
  return text.replace(CSI, "").replace(OSC, "").replace(CONTROL, "");
}

// Escape sequences are made of control characters: matching them is the point here.
// deno-lint-ignore no-control-regex
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g; // colours, cursor moves
// deno-lint-ignore no-control-regex
const OSC = /\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g; // window titles, links
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g; // the rest; line breaks and tabs kept

/**
 * A trainer's progress display that turns what it is told into {@linkcode ProgressMessage}s:
 * one `progress` per print interval (and for iteration 1), so a fast run sends a few
 * hundred lines rather than one per iteration, and one `epoch` per accuracy check.
 *
 * @example
 * ```ts
 * const plan = { name: "adam", numEpochs: 2, iterationsPerEpoch: 20, printEvery: 10 };
 * const progress = progressMessages(plan, (message) => console.log(message.type));
 * progress.iteration(1, 2.3); // "progress"
 * progress.iteration(2, 2.2); // nothing: not a print interval
 * ```
 */
export function progressMessages(
  plan: ProgressPlan,
  send: (message: ProgressMessage) => void,
): TrainingProgress {
  const iterations = plan.numEpochs * plan.iterationsPerEpoch;
  return {
    iteration: (iteration, loss) => {
      if (iteration % plan.printEvery !== 0 && iteration !== 1 && iteration !== iterations) {
        return;
      }
      send({
        type: "progress",
        iteration,
        iterations,
        loss,
        epoch: Math.floor((iteration - 1) / plan.iterationsPerEpoch),
        epochs: plan.numEpochs,
      });
    },
    epoch: ({ epoch, trainAcc, valAcc }) => send({ type: "epoch", epoch, trainAcc, valAcc }),
    finish: () => {},
  };
}
