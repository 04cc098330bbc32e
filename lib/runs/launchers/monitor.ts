/**
 * Waiting for a launch (`--wait`): polls the entries' status files and the engine's view
 * of the job, prints a line as each run ends (like the local runner's `[k/n]` lines) and,
 * when no task is left to run, names every run that is not in the store with the reason
 * and the log file to read.
 *
 * @module
 */
import type { JobProbe, JobSnapshot, TaskState } from "./driver.ts";
import { describeTaskExit } from "./exit_codes.ts";
import type { LaunchManifest } from "./manifest.ts";
import { taskOfEntry } from "./packing.ts";
import { type EntryStatus, FINAL_STATES, readEntryStatuses, STORED_STATES } from "./status.ts";

/**
 * A run of the launch that is not in the store, and why.
 *
 * @example
 * ```ts
 * declare const failed: FailedEntry;
 * console.log(`task ${failed.task} "${failed.name}": ${failed.why}; log ${failed.log}`);
 * ```
 */
export interface FailedEntry {
  index: number;
  name: string;
  task: number;
  /** One line: the task's own error, or what the engine says of the task. */
  why: string;
  /** The file to read. */
  log: string;
}

/**
 * How a launch ended, seen from the submitting host.
 *
 * @example
 * ```ts
 * declare const report: LaunchReport;
 * const done = !report.abandoned && report.failed.length === 0;
 * ```
 */
export interface LaunchReport {
  /** Entries whose run is in the store (trained, diverged, or served). */
  stored: EntryStatus[];
  failed: FailedEntry[];
  /** The wait was given up (Ctrl-C) while tasks were still pending or running. */
  abandoned: boolean;
}

/**
 * Options of {@linkcode waitForLaunch}.
 *
 * @example
 * ```ts
 * const options: WaitOptions = {
 *   engine: "slurm",
 *   jobId: "1234",
 *   intervalMs: 10_000,
 *   taskLog: (task) => `data/launches/adam-20250101T000000Z/task-${task}.out`,
 * };
 * ```
 */
export interface WaitOptions {
  /** How often the engine is asked about the job, milliseconds (default 5000). */
  intervalMs?: number;
  /**
   * How often the status files are read in between, milliseconds (default 1000, at most
   * `intervalMs`): runs are reported, and the wait ends, soon after the tasks write them.
   */
  statusIntervalMs?: number;
  /** Progress output; defaults to console.log. */
  log?: (line: string) => void;
  /** Aborting stops the wait (the job keeps running). */
  signal?: AbortSignal;
  /** The log file of array task `task`, for tasks that wrote no status. */
  taskLog: (task: number) => string;
  /** Name of the engine in messages ("slurm", "pbs"). */
  engine: string;
  jobId: string;
}

/**
 * Waits until the engine has no task of the job left to run, then reports.
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * import type { LaunchManifest } from "./manifest.ts";
 * import { SLURM_DRIVER, slurmProbe } from "./slurm.ts";
 * declare const manifest: LaunchManifest;
 * const dir = "data/launches/adam-20250101T000000Z";
 * const report = await waitForLaunch(manifest, dir, slurmProbe("1234", commandRunner()), {
 *   engine: "slurm",
 *   jobId: "1234",
 *   taskLog: (task) => SLURM_DRIVER.taskLog(dir, task),
 * });
 * console.log(report.failed.map((entry) => entry.log));
 * ```
 */
export async function waitForLaunch(
  manifest: LaunchManifest,
  launchDir: string,
  probe: JobProbe,
  options: WaitOptions,
): Promise<LaunchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const total = manifest.entries.length;
  const reported = new Set<number>();
  let lastSummary = "";
  let lastProbeError = "";
  let snapshot: JobSnapshot = { known: true, tasks: new Map() };
  const announce = (statuses: Map<number, EntryStatus>) => {
    for (const status of [...statuses.values()].sort((a, b) => a.index - b.index)) {
      if (reported.has(status.index) || !FINAL_STATES.includes(status.state)) continue;
      reported.add(status.index);
      log(`[${reported.size}/${total}] ${describeStatus(status)}`);
    }
  };
  const intervalMs = options.intervalMs ?? 5000;
  const statusMs = Math.min(options.statusIntervalMs ?? 1000, intervalMs);
  /** Reads the status files until the next look at the engine; true when aborted. */
  const watchStatuses = async () => {
    const nextProbe = performance.now() + intervalMs;
    for (let left = intervalMs; left > 0; left = nextProbe - performance.now()) {
      if (await sleep(Math.min(statusMs, left), options.signal)) return true;
      announce(await readEntryStatuses(launchDir));
      if (reported.size === total) break;
    }
    return false;
  };
  while (true) {
    try {
      snapshot = await probe();
      lastProbeError = "";
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastProbeError) log(`${options.engine}: ${message}; still waiting`);
      lastProbeError = message;
    }
    const statuses = await readEntryStatuses(launchDir);
    announce(statuses);
    if (reported.size === total) break;
    // A job the engine still knows but whose tasks could not be read counts as running.
    const tasks = [...snapshot.tasks.values()];
    const active = snapshot.known && (tasks.length === 0 || tasks.some((task) => task.active));
    if (!active && !lastProbeError) break;
    const summary = summarizeActive(snapshot.tasks);
    if (summary !== lastSummary && summary) {
      log(`${options.engine} job ${options.jobId}: ${summary}`);
    }
    lastSummary = summary;
    if (await watchStatuses()) {
      return {
        ...collect(manifest, await readEntryStatuses(launchDir), snapshot, options),
        abandoned: true,
      };
    }
    if (reported.size === total) break;
  }
  // Tasks write their status before they exit, so this read sees every last one.
  const statuses = await readEntryStatuses(launchDir);
  announce(statuses);
  return { ...collect(manifest, statuses, snapshot, options), abandoned: false };
}

function collect(
  manifest: LaunchManifest,
  statuses: Map<number, EntryStatus>,
  snapshot: JobSnapshot,
  options: WaitOptions,
): Omit<LaunchReport, "abandoned"> {
  const stored: EntryStatus[] = [];
  const failed: FailedEntry[] = [];
  for (const entry of manifest.entries) {
    const status = statuses.get(entry.index);
    if (status && STORED_STATES.includes(status.state)) {
      stored.push(status);
      continue;
    }
    const task = taskOfEntry(entry.index, manifest.runsPerTask);
    const engineState = snapshot.tasks.get(task);
    const ended = status !== undefined && FINAL_STATES.includes(status.state);
    if (!ended && engineState?.active) continue; // still to run (the wait was given up)
    const own = ended ? status.error ?? status.state : "";
    // A task that just wrote its own status may still be COMPLETING: no news in that.
    const engine = engineState && !engineState.active ? describeTaskState(engineState) : "";
    const why = own
      ? `${status!.state}: ${own}${engine ? ` (${options.engine}: ${engine})` : ""}`
      : status
      ? `started on ${status.host} but ended without a status${engine ? `: ${engine}` : ""}`
      : engine
      ? `never reported: ${engine}`
      : `never reported, and ${options.engine} no longer knows the task`;
    failed.push({
      index: entry.index,
      name: entry.name,
      task,
      why,
      log: status?.log ?? options.taskLog(task),
    });
  }
  return { stored, failed };
}

/**
 * One line for a run that ended.
 *
 * @example
 * ```ts
 * describeStatus({
 *   index: 3, key: "ab".repeat(32), name: "adam", state: "finished", task: 3, host: "node7",
 *   pid: 4242, at: "2025-01-01T00:00:00Z", log: "task-3.out", metrics: { bestValAcc: 0.412 },
 *   seconds: 41,
 * }); // '"adam": finished, bestValAcc 0.412 (task 3, 41 s)'
 * ```
 */
export function describeStatus(status: EntryStatus): string {
  const metrics = Object.entries(status.metrics ?? {}).slice(0, 2)
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  const detail = status.state === "failed" || status.state === "interrupted"
    ? `: ${status.error ?? "no reason given"}`
    : metrics.length
    ? `, ${metrics.join(", ")}`
    : "";
  const seconds = status.seconds === undefined ? "" : `, ${formatSeconds(status.seconds)}`;
  return `"${status.name}": ${status.state}${detail} (task ${status.task}${seconds})`;
}

/**
 * What the engine says of an ended task, in one phrase.
 *
 * @example
 * ```ts
 * describeTaskState({ state: "FAILED", exitCode: 66, active: false });
 * // "FAILED, exit code 66: the task could not see the manifest or the repository (...)"
 * ```
 */
export function describeTaskState(task: TaskState): string {
  const parts = [task.state];
  if (task.reason) parts.push(task.reason);
  if (task.signal) parts.push(`signal ${task.signal}`);
  if (task.exitCode !== undefined && (task.exitCode !== 0 || task.state !== "COMPLETED")) {
    const meaning = describeTaskExit(task.exitCode);
    parts.push(`exit code ${task.exitCode}${meaning && task.exitCode !== 0 ? `: ${meaning}` : ""}`);
  }
  return parts.join(", ");
}

/** "2 RUNNING, 4 PENDING (JobArrayTaskLimit)" for the tasks still to run. */
function summarizeActive(tasks: Map<number, TaskState>): string {
  const counts = new Map<string, number>();
  for (const task of tasks.values()) {
    if (!task.active) continue;
    const label = task.reason && task.state === "PENDING"
      ? `${task.state} (${task.reason})`
      : task.state;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, count]) => `${count} ${label}`).join(", ");
}

function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}

/** Resolves to true when aborted before `ms` elapsed. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
