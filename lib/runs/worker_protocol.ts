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

/** A worker's report. */
export type WorkerMessage =
  | { type: "progress"; iteration: number; iterations: number; loss: number; epoch: number }
  | { type: "epoch"; epoch: number; trainAcc: number; valAcc: number | null }
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
 * Strips terminal colour and cursor codes from text a child printed, so an error shown
 * to the user reads as words.
 *
 * @example
 * ```ts
 * import { plainText } from "./worker_protocol.ts";
 *
 * plainText("\u001b[31merror\u001b[0m: boom"); // "error: boom"
 * ```
 */
export function plainText(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}
