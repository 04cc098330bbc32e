/**
 * Trains one run into the store under its claim, in whatever process this runs in (the
 * study's, a worker's, a cluster array task's): exactly one process trains a run; the
 * others wait for it and serve its record. A holder whose claim was taken over (it was
 * judged dead) stores nothing and serves the record of the process that took the run over.
 *
 * @module
 */
import type { BackendInfo } from "../backend/info.ts";
import { repoPath } from "./identity.ts";
import {
  type GitInfo,
  RUN_FORMAT,
  type RunIdentity,
  type RunRecord,
  type RunSpec,
  type TrainContext,
  type Trainer,
  TRAINER_EXPORT,
} from "./record.ts";
import type { RunClaim } from "./claim.ts";
import type { RunStore } from "./store.ts";

/** A run with its identity and key worked out. */
export interface PlannedRun {
  spec: RunSpec;
  identity: RunIdentity;
  key: string;
}

/** What {@linkcode trainClaimed} needs besides the run. */
export interface TrainRunOptions {
  study: string;
  backend: BackendInfo;
  git: GitInfo;
  /** Progress display for the trainer; absent: none. */
  progress?: TrainContext["progress"];
  /** Retrain even when the store holds a result (`--fresh`). */
  fresh?: boolean;
  /** Messages such as "waiting for pid 4242"; default none. */
  log?: (line: string) => void;
  /** Time between two looks at another process's claim, milliseconds; default 1000. */
  pollMs?: number;
}

/**
 * Serves `run` from the store or trains it here under its claim. While another live
 * process holds the claim, waits for it; when that process dies, takes the run over.
 *
 * @returns the record, and whether this process trained it.
 * @example
 * ```ts
 * import { trainClaimed } from "./train_run.ts";
 * import type { RunSpec } from "./record.ts";
 * import { planRuns } from "./runner.ts";
 * import { gitInfo } from "./source_graph.ts";
 * import { RunStore } from "./store.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const spec: RunSpec; // e.g. fcRun("adam", settings)
 * const backend = await initBackend();
 * const [run] = await planRuns([spec], backend);
 * const options = { study: "adam", backend, git: await gitInfo() };
 * const { record, trained } = await trainClaimed(run, new RunStore(), options);
 * ```
 */
export async function trainClaimed(
  run: PlannedRun,
  store: RunStore,
  options: TrainRunOptions,
): Promise<{ record: RunRecord; trained: boolean }> {
  let waiting = false;
  let fresh = options.fresh ?? false;
  for (;;) {
    if (!fresh) {
      const found = await store.get(run.key);
      if (found.hit) return { record: found.record, trained: false };
    }
    const claim = await store.claim(run.key, run.spec.name);
    if (claim) {
      try {
        if (!fresh) {
          // Finished by another process between the look-up and the claim.
          const again = await store.get(run.key);
          if (again.hit) return { record: again.record, trained: false };
        }
        const record = await trainHere(run, store, claim, options);
        if (record) return { record, trained: true };
      } finally {
        await claim.release();
      }
      const holder = await store.claimHolder(run.key) ?? "another process";
      options.log?.(
        `${run.spec.name}: taken over by ${holder} while training here (this process was ` +
          `judged dead); its result is not stored; waiting for that process's record`,
      );
      waiting = true;
    }
    if (!waiting) {
      const holder = await store.claimHolder(run.key) ?? "another process";
      options.log?.(`${run.spec.name}: being trained by ${holder}; waiting for it`);
      waiting = true;
    }
    // Another process trains it now: its result serves `--fresh` too.
    fresh = false;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

/**
 * Trains `run` in this process and stores its record: first as `running` (so a crash is
 * visible and recomputed), then finished, diverged or failed. Every write is made only
 * while `claim` is still this process's; null when it was taken over (nothing stored).
 */
async function trainHere(
  run: PlannedRun,
  store: RunStore,
  claim: RunClaim,
  options: TrainRunOptions,
): Promise<RunRecord | null> {
  const put = (record: RunRecord) => claim.whileHeld(() => store.put(record));
  const { spec } = run;
  const record: RunRecord = {
    format: RUN_FORMAT,
    key: run.key,
    study: options.study,
    name: spec.name,
    config: spec.config,
    identity: run.identity,
    status: "running",
    history: { lossHistory: [], trainAccHistory: [], valAccHistory: [] },
    metrics: {},
    timings: {
      totalMs: 0,
      perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 },
      iterations: 0,
    },
    environment: { ...options.backend, git: options.git },
    startedAt: new Date().toISOString(),
    endedAt: null,
  };
  if (!(await put(record))) return null;
  const start = performance.now();
  try {
    const module = await import(spec.trainer);
    const trainer = module[TRAINER_EXPORT] as Trainer | undefined;
    if (typeof trainer !== "function") {
      throw new Error(
        `trainer ${repoPath(spec.trainer)}: exports no ${TRAINER_EXPORT} function`,
      );
    }
    const result = await trainer(spec.config, { name: spec.name, progress: options.progress });
    record.status = result.status;
    if (result.error !== undefined) record.error = result.error;
    record.history = result.history;
    record.metrics = finiteOnly(result.metrics);
    record.timings = { totalMs: performance.now() - start, ...result.timings };
    if (result.extra !== undefined) record.extra = result.extra;
  } catch (error) {
    record.status = "failed";
    record.error = (error as Error).stack ?? String(error);
    record.timings.totalMs = performance.now() - start;
    record.endedAt = new Date().toISOString();
    await put(record);
    throw new Error(`run "${spec.name}" failed: ${(error as Error).message}`, { cause: error });
  }
  record.endedAt = new Date().toISOString();
  return await put(record) ? record : null;
}

/** JSON has no NaN or Infinity: such metrics are dropped rather than written as null. */
function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}
