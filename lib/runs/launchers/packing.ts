/**
 * Which manifest entries an array task trains. Slurm gives each run its own task; PBS
 * systems that allocate whole nodes and cap jobs per user (Polaris) pack K runs into one
 * task: task j trains entries j*K .. j*K+K-1, the last task fewer when K does not divide
 * the number of runs.
 *
 * @module
 */
import { argumentError } from "../../errors.ts";

/**
 * How many array tasks `runs` entries need at `runsPerTask` entries per task.
 *
 * @example
 * ```ts
 * taskCount(10, 4); // 3 tasks: 4 + 4 + 2 runs
 * ```
 */
export function taskCount(runs: number, runsPerTask: number): number {
  checkCounts(runs, runsPerTask);
  return Math.ceil(runs / runsPerTask);
}

/**
 * How a task's `cpus` are shared among the `runs` it trains: at most one run per CPU at a
 * time (lanes), the CPUs split evenly among them as each run's threads.
 *
 * @example
 * ```ts
 * packedLanes(8, 3); // { lanes: 3, threads: 2 }
 * packedLanes(2, 5); // { lanes: 2, threads: 1 }
 * ```
 */
export function packedLanes(cpus: number, runs: number): { lanes: number; threads: number } {
  const lanes = Math.min(runs, cpus);
  return { lanes, threads: Math.max(1, Math.floor(cpus / lanes)) };
}

/**
 * The entry indices that array task `task` trains.
 *
 * @example
 * ```ts
 * packedEntries(2, 4, 10); // [8, 9]
 * ```
 */
export function packedEntries(task: number, runsPerTask: number, runs: number): number[] {
  const tasks = taskCount(runs, runsPerTask);
  if (!Number.isInteger(task) || task < 0 || task >= tasks) {
    throw argumentError("array task index", task, `an integer in [0, ${tasks - 1}]`);
  }
  const first = task * runsPerTask;
  const last = Math.min(runs, first + runsPerTask);
  return Array.from({ length: last - first }, (_, i) => first + i);
}

/**
 * The array task that trains entry `entry`.
 *
 * @example
 * ```ts
 * taskOfEntry(9, 4); // 2
 * ```
 */
export function taskOfEntry(entry: number, runsPerTask: number): number {
  return Math.floor(entry / runsPerTask);
}

function checkCounts(runs: number, runsPerTask: number): void {
  if (!Number.isInteger(runs) || runs < 1) {
    throw argumentError("runs", runs, "an integer >= 1");
  }
  if (!Number.isInteger(runsPerTask) || runsPerTask < 1) {
    throw argumentError("runs per task", runsPerTask, "an integer >= 1");
  }
}
