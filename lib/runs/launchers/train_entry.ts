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
import type { RunStore } from "../store.ts";
import { type PlannedRun, trainClaimed } from "../train_run.ts";
import type { LaunchManifest } from "./manifest.ts";

/**
 * Trains `run` into the manifest's run store, or serves the record already there (or,
 * while another live process holds the run's claim, waits for that one's record). Throws
 * when the run fails; its failed record is stored. A stop signal is the caller's to
 * handle: it exits the process, whose claim is then taken over (see claim.ts).
 *
 * @example
 * ```ts
 * import type { BackendInfo } from "../../backend/info.ts";
 * import { RunStore } from "../store.ts";
 * import type { PlannedRun } from "../train_run.ts";
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest;
 * declare const backend: BackendInfo;
 * declare const run: PlannedRun;
 * const record = await trainEntry(run, manifest, backend, new RunStore(manifest.runsDir));
 * ```
 */
export async function trainEntry(
  run: PlannedRun,
  manifest: LaunchManifest,
  backend: BackendInfo,
  store: RunStore,
): Promise<RunRecord> {
  const { record } = await trainClaimed(run, store, {
    study: manifest.study,
    backend,
    git: await gitInfo(manifest.repoRoot),
    fresh: manifest.fresh,
    log: (line) => console.log(line),
  });
  return record;
}
