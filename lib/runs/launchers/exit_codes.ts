/**
 * Exit codes of an array task, one per way it can end, so a scheduler's record of a task
 * (Slurm's `ExitCode=66:0`, PBS's `Exit_status`) says what happened even when its log is
 * gone. The numbers follow BSD's sysexits.h where one fits.
 *
 * @module
 */

/**
 * What an array task's exit code means.
 *
 * @example
 * ```ts
 * declare const status: Deno.CommandStatus; // of a task run by hand
 * if (status.code === TASK_EXIT.noManifest) console.error("no shared filesystem?");
 * ```
 */
export const TASK_EXIT = {
  /** Every entry of the task is in the run store (trained here, or already there). */
  ok: 0,
  /** A run failed; its record says why. */
  runFailed: 1,
  /** The task was started with bad arguments (EX_USAGE). */
  usage: 64,
  /** The manifest is not a launch manifest, or the code changed since the launch (EX_DATAERR). */
  badManifest: 65,
  /** The task cannot see the manifest: no shared filesystem at that path (EX_NOINPUT). */
  noManifest: 66,
  /** The task cannot see the run store (EX_CANTCREAT). */
  noStore: 73,
  /** Stopped by a signal (pre-timeout warning, time limit, scancel) before the run ended (EX_TEMPFAIL). */
  interrupted: 75,
} as const;

/**
 * An array task's exit code.
 *
 * @example
 * ```ts
 * const code: TaskExitCode = TASK_EXIT.interrupted; // 75
 * ```
 */
export type TaskExitCode = typeof TASK_EXIT[keyof typeof TASK_EXIT];

/**
 * What an exit code of an array task means, in a few words; undefined for codes the task
 * never uses itself (a signal, the shell).
 *
 * @example
 * ```ts
 * describeTaskExit(66); // "the task could not see the manifest (no shared filesystem?)"
 * ```
 */
export function describeTaskExit(code: number): string | undefined {
  switch (code) {
    case TASK_EXIT.ok:
      return "finished";
    case TASK_EXIT.runFailed:
      return "the run failed";
    case TASK_EXIT.usage:
      return "the task was started with bad arguments";
    case TASK_EXIT.badManifest:
      return "the manifest is unusable, or the code changed since the launch";
    case TASK_EXIT.noManifest:
      return "the task could not see the manifest or the repository (no shared filesystem?)";
    case TASK_EXIT.noStore:
      return "the task could not see the run store (no shared filesystem?)";
    case TASK_EXIT.interrupted:
      return "stopped by a signal before the run ended";
    default:
      return undefined;
  }
}

/**
 * An error that ends an array task with a given exit code.
 *
 * @example
 * ```ts
 * throw new TaskError(TASK_EXIT.noStore, "cannot see the run store /scratch/runs");
 * ```
 */
export class TaskError extends Error {
  constructor(readonly exitCode: TaskExitCode, message: string) {
    super(message);
    this.name = "TaskError";
  }
}
