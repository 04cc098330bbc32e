/**
 * The one place where an array task hands a manifest entry to the run machinery: a
 * `trainClaimed` call, so two tasks (or two users) never train the same run at once, and
 * a run another process already stored is served.
 *
 * @module
 */
import type { BackendInfo } from "../../backend/info.ts";
import type { RunRecord } from "../record.ts";
import { gitInfo } from "../source_graph.ts";
import { RunStore } from "../store.ts";
import { type PlannedRun, trainClaimed } from "../train_run.ts";
import type { LaunchManifest } from "./manifest.ts";

/**
 * Trains `run` into the manifest's run store, or serves the record already there.
 * Resolves to null when `signal` aborts first: the run did not end here, and the store
 * holds no finished record from this task; the claim this process held is taken over at
 * once by a process of this host (the holder is dead) or after the heartbeat limit by one
 * of another host. Throws when the run fails; its failed record is stored.
 *
 * @example
 * ```ts
 * import type { BackendInfo } from "../../backend/info.ts";
 * import type { PlannedRun } from "../train_run.ts";
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest;
 * declare const backend: BackendInfo;
 * declare const run: PlannedRun;
 * const stop = new AbortController(); // aborted by the task's signal handler
 * const record = await trainEntry(run, manifest, backend, stop.signal);
 * ```
 */
export async function trainEntry(
  run: PlannedRun,
  manifest: LaunchManifest,
  backend: BackendInfo,
  signal: AbortSignal,
): Promise<RunRecord | null> {
  const training = trainClaimed(run, new RunStore(manifest.runsDir), {
    study: manifest.study,
    backend,
    git: await gitInfo(manifest.repoRoot),
    fresh: manifest.fresh,
    log: (line) => console.log(line),
  }).then(({ record }) => record);
  const aborted = new Promise<null>((resolve) => {
    if (signal.aborted) resolve(null);
    signal.addEventListener("abort", () => resolve(null), { once: true });
  });
  // The training keeps going in the background until the task exits; its record writes
  // are atomic, so the store sees the `running` record or the final one, never half.
  return await Promise.race([training, aborted]);
}
