/**
 * Per-entry status files, `status-<index>.json` next to the manifest: what each array task
 * says about its run as it goes (started, finished, failed, interrupted). The waiting
 * launcher reads them to show progress and name failures without any help from the
 * scheduler's accounting (a cluster may run with `AccountingStorageType=none`); a run's
 * record in the store stays the one source of truth for its results.
 *
 * @module
 */
import { join } from "node:path";
import { temporaryPath, writeFileAtomic } from "../../files.ts";

/**
 * Where an entry is: `cached` = another process had stored it already.
 *
 * @example
 * ```ts
 * const state: EntryState = "interrupted";
 * ```
 */
export type EntryState = "started" | "finished" | "diverged" | "cached" | "failed" | "interrupted";

/**
 * States after which a task writes nothing more for the entry.
 *
 * @example
 * ```ts
 * FINAL_STATES.includes("started"); // false: the task is still at it
 * ```
 */
export const FINAL_STATES: readonly EntryState[] = [
  "finished",
  "diverged",
  "cached",
  "failed",
  "interrupted",
];

/**
 * States that mean the entry's run is in the store.
 *
 * @example
 * ```ts
 * STORED_STATES.includes("diverged"); // true: divergence is a result
 * ```
 */
export const STORED_STATES: readonly EntryState[] = ["finished", "diverged", "cached"];

/**
 * What a task says about one entry.
 *
 * @example
 * ```ts
 * const status: EntryStatus = {
 *   index: 3,
 *   key: "ab".repeat(32),
 *   name: "adam",
 *   state: "started",
 *   task: 3,
 *   host: "node7",
 *   pid: 4242,
 *   at: new Date().toISOString(),
 *   log: "data/launches/adam-20250101T000000Z/task-3.out",
 * };
 * ```
 */
export interface EntryStatus {
  index: number;
  key: string;
  name: string;
  state: EntryState;
  /** The array task that trains it. */
  task: number;
  /** The scheduler's id of the job, when known (`SLURM_ARRAY_JOB_ID`, `PBS_JOBID`). */
  jobId?: string;
  host: string;
  pid: number;
  /** When this state was written (ISO 8601). */
  at: string;
  /** The file holding the entry's output. */
  log: string;
  /** Why it failed or stopped, one line. */
  error?: string;
  /** Final metrics of a stored run (fractions 0..1, losses). */
  metrics?: Record<string, number>;
  /** Wall time of the task's work on the entry, seconds. */
  seconds?: number;
}

/**
 * Path of an entry's status file in a launch folder.
 *
 * @example
 * ```ts
 * statusPath("data/launches/adam-20250101T000000Z", 3); // ".../status-3.json"
 * ```
 */
export function statusPath(launchDir: string, index: number): string {
  return join(launchDir, `status-${index}.json`);
}

/**
 * Writes an entry's status atomically: a reader sees the previous state or this one.
 *
 * @example
 * ```ts
 * declare const status: EntryStatus;
 * const dir = "data/launches/adam-20250101T000000Z";
 * await writeEntryStatus(dir, { ...status, state: "finished", at: new Date().toISOString() });
 * ```
 */
export async function writeEntryStatus(launchDir: string, status: EntryStatus): Promise<void> {
  await writeFileAtomic(statusPath(launchDir, status.index), JSON.stringify(status) + "\n");
}

/**
 * {@linkcode writeEntryStatus}, synchronously: for a task that exits right after it.
 *
 * @example
 * ```ts
 * declare const status: EntryStatus;
 * writeEntryStatusSync("data/launches/adam-20250101T000000Z", { ...status, state: "interrupted" });
 * Deno.exit(75);
 * ```
 */
export function writeEntryStatusSync(launchDir: string, status: EntryStatus): void {
  const path = statusPath(launchDir, status.index);
  const temporary = temporaryPath(path);
  try {
    Deno.writeTextFileSync(temporary, JSON.stringify(status) + "\n");
    Deno.renameSync(temporary, path);
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch {
      // never written
    }
    throw error;
  }
}

/**
 * Every readable status file of a launch, by entry index. A file that is not a status
 * (torn by a crashed filesystem, edited by hand) is skipped: the waiting launcher then
 * reports the entry from the scheduler's side.
 *
 * @example
 * ```ts
 * const statuses = await readEntryStatuses("data/launches/adam-20250101T000000Z");
 * statuses.get(0)?.state; // "finished"
 * ```
 */
export async function readEntryStatuses(launchDir: string): Promise<Map<number, EntryStatus>> {
  const statuses = new Map<number, EntryStatus>();
  for await (const file of Deno.readDir(launchDir)) {
    const match = file.name.match(/^status-(\d+)\.json$/);
    if (!file.isFile || !match) continue;
    try {
      const status = JSON.parse(await Deno.readTextFile(join(launchDir, file.name)));
      if (status?.index === Number(match[1]) && typeof status.state === "string") {
        statuses.set(status.index, status as EntryStatus);
      }
    } catch {
      // unreadable: reported from the scheduler's side
    }
  }
  return statuses;
}
