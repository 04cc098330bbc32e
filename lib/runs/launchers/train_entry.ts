/**
 * The one place where an array task hands a manifest entry to the run machinery. Today it
 * serves a finished record from the store or trains in this process
 * (`trainInProcess`); once the shared store's claim lands it becomes a single
 * `trainClaimed` call, which also guarantees that two tasks (or two users) never train the
 * same run at once.
 *
 * @module
 */
import type { BackendInfo } from "../../backend/init.ts";
import type { RunRecord } from "../record.ts";
import { trainInProcess } from "../runner.ts";
import { gitInfo } from "../source_graph.ts";
import { RunCache } from "../store.ts";
import { entrySpec, type LaunchEntry, type LaunchManifest } from "./manifest.ts";

/**
 * Trains `entry` into the manifest's run store, or serves the record already there.
 * Resolves to null when `signal` aborts first: the run did not end here, and the store
 * holds no finished record from this task (see array_task.ts for why that is safe).
 * Throws when the run fails; its failed record is stored.
 *
 * @example
 * ```ts
 * import type { BackendInfo } from "../../backend/init.ts";
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest;
 * declare const backend: BackendInfo;
 * const stop = new AbortController(); // aborted by the task's signal handler
 * const record = await trainEntry(manifest.entries[0], manifest, backend, stop.signal);
 * ```
 */
export async function trainEntry(
  entry: LaunchEntry,
  manifest: LaunchManifest,
  backend: BackendInfo,
  signal: AbortSignal,
): Promise<RunRecord | null> {
  const cache = new RunCache(manifest.runsDir);
  if (!manifest.fresh) {
    const found = await cache.get(entry.key);
    if (found.hit) return found.record;
  }
  const training = trainInProcess(
    entrySpec(entry, manifest.repoRoot),
    entry.key,
    cache,
    { experiment: entry.study, backend, verbose: true },
    await gitInfo(manifest.repoRoot),
  );
  const aborted = new Promise<null>((resolve) => {
    if (signal.aborted) resolve(null);
    signal.addEventListener("abort", () => resolve(null), { once: true });
  });
  // The training keeps going in the background until the task exits; its record writes
  // are atomic, so the store sees the `running` record or the final one, never half.
  return await Promise.race([training, aborted]);
}
