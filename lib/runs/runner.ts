/**
 * Runs a study's training jobs through the cache: a run whose key is unchanged is served
 * from `data/runs`, the others train (in this process, or in worker processes with
 * `jobs > 1`) and are stored the moment each one finishes, so a crash or Ctrl-C mid-sweep
 * keeps every finished run.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo } from "../backend/init.ts";
import { describeMiss, RunCache, runKey } from "./store.ts";
import { REPO_ROOT } from "../files.ts";
import { gitInfo, localModuleGraph, sourceDigest } from "./source_graph.ts";
import {
  type GitInfo,
  RUN_FORMAT,
  type RunRecord,
  type StepTimings,
  type TrainingHistory,
} from "./record.ts";

/** One training job: a name for the figure, a JSON config, and the module that trains it. */
export interface RunSpec<C extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  config: C;
  /** URL of a module exporting `train(config, context): Promise<RunResult>`. */
  trainer: string;
}

/** What a trainer hands back. */
export interface RunResult {
  status: "finished" | "diverged";
  /** Why a diverged run stopped. */
  error?: string;
  history: TrainingHistory;
  metrics: Record<string, number>;
  timings: { perIteration: StepTimings; iterations: number };
  extra?: Record<string, unknown>;
}

/** What a trainer is told besides its config. */
export interface TrainContext {
  /** The run's name, for progress lines and error messages. */
  name: string;
  /** Whether to draw a progress bar / print progress. */
  verbose: boolean;
}

/** A trainer module's `train` export. */
export type Trainer = (
  config: Record<string, unknown>,
  context: TrainContext,
) => Promise<RunResult>;

/** A run's outcome: its record, and whether it came from the cache. */
export interface RunOutcome {
  spec: RunSpec;
  record: RunRecord;
  cached: boolean;
}

/** Options for {@linkcode executeRuns}. */
export interface ExecuteOptions {
  experiment: string;
  backend: BackendInfo;
  cache?: RunCache;
  /** Ignore cached records. */
  fresh?: boolean;
  /** Worker processes; 1 trains in this process. */
  jobs?: number;
  /** Threads per worker process. */
  workerThreads?: number;
  /** Progress output; defaults to console.log. */
  log?: (line: string) => void;
  verbose?: boolean;
}

const digests = new Map<string, Promise<string>>();

/** Digest of a trainer module's source graph, computed once per process. */
export function trainerDigest(trainer: string): Promise<string> {
  let digest = digests.get(trainer);
  if (!digest) {
    digest = localModuleGraph(trainer).then((files) => sourceDigest(files));
    digests.set(trainer, digest);
  }
  return digest;
}

/** The trainer's path relative to the repo root, as stored in keys and records. */
export function trainerPath(trainer: string): string {
  return relative(REPO_ROOT, fileURLToPath(trainer));
}

/** The key of a run (see cache.ts). */
export async function keyOf(spec: RunSpec): Promise<string> {
  return runKey(spec.config, trainerPath(spec.trainer), await trainerDigest(spec.trainer));
}

let git: Promise<GitInfo> | undefined;

/**
 * Serves every run from the cache or trains it, in spec order.
 *
 * @example
 * ```ts
 * const outcomes = await executeRuns(specs, { experiment: "adam", backend: info });
 * ```
 */
export async function executeRuns(
  specs: RunSpec[],
  options: ExecuteOptions,
): Promise<RunOutcome[]> {
  const cache = options.cache ?? new RunCache();
  const log = options.log ?? ((line: string) => console.log(line));
  git ??= gitInfo();
  const keys = await Promise.all(specs.map(keyOf));
  const outcomes: (RunOutcome | undefined)[] = new Array(specs.length);
  const pending: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const lookup = options.fresh
      ? { hit: false as const, reason: "absent" as const }
      : await cache.get(keys[i]);
    if (lookup.hit) {
      outcomes[i] = { spec: specs[i], record: lookup.record, cached: true };
    } else {
      const why = describeMiss(lookup, cache.pathOf(keys[i]));
      if (why) log(why);
      pending.push(i);
    }
  }
  const cachedCount = specs.length - pending.length;
  if (specs.length > 0) {
    log(
      `${options.experiment}: ${cachedCount} of ${specs.length} runs cached, ${pending.length} to train`,
    );
  }
  const eta = new EtaClock(pending.length);
  const finish = (i: number, record: RunRecord) => {
    outcomes[i] = { spec: specs[i], record, cached: false };
    eta.tick();
    const status = record.status === "finished" ? summarize(record) : record.status;
    log(
      `[${eta.done}/${pending.length}] ${specs[i].name}: ${status} in ${
        seconds(record.timings.totalMs)
      }${eta.text()}`,
    );
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, pending.length));
  // Ctrl-C mid-sweep: every finished run is already stored; say so, stop the workers and
  // leave, so the next invocation resumes from the store.
  const workers = new AbortController();
  const stopListening = pending.length === 0 ? () => {} : onInterrupt((signal) => {
    log(
      `${options.experiment}: ${signal}: ${eta.done} of ${pending.length} runs trained and ` +
        `stored in ${cache.dir}; run the same command again to resume`,
    );
    workers.abort();
    Deno.exit(130);
  });
  try {
    if (jobs === 1) {
      for (const i of pending) {
        finish(i, await trainInProcess(specs[i], keys[i], cache, options, await git));
      }
    } else {
      const { trainInWorkers } = await import("./pool.ts");
      await trainInWorkers(pending.map((i) => ({ spec: specs[i], key: keys[i], index: i })), {
        jobs,
        threads: options.workerThreads ?? 1,
        cache,
        backend: options.backend.backend,
        experiment: options.experiment,
        onFinished: (index, record) => finish(index, record),
        signal: workers.signal,
      });
    }
  } finally {
    stopListening();
  }
  return outcomes as RunOutcome[];
}

/**
 * Calls `handler` on SIGINT (Ctrl-C) or SIGTERM instead of dying at once; returns the
 * function that removes the listeners. Where a signal cannot be listened to (SIGTERM on
 * Windows), the default behaviour stays.
 */
function onInterrupt(handler: (signal: Deno.Signal) => void): () => void {
  const removers: (() => void)[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => handler(signal);
    try {
      Deno.addSignalListener(signal, listener);
      removers.push(() => Deno.removeSignalListener(signal, listener));
    } catch {
      // not supported on this platform
    }
  }
  return () => removers.forEach((remove) => remove());
}

/**
 * Trains one run here and stores its record: first as `running` (so a crash is visible
 * and recomputed), then finished, diverged or failed.
 */
export async function trainInProcess(
  spec: RunSpec,
  key: string,
  cache: RunCache,
  options: { experiment: string; backend: BackendInfo; verbose?: boolean },
  gitState: GitInfo,
): Promise<RunRecord> {
  const record: RunRecord = {
    format: RUN_FORMAT,
    key,
    experiment: options.experiment,
    name: spec.name,
    config: spec.config,
    status: "running",
    history: { lossHistory: [], trainAccHistory: [], valAccHistory: [] },
    metrics: {},
    timings: {
      totalMs: 0,
      perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 },
      iterations: 0,
    },
    environment: { ...options.backend, git: gitState },
    sourceDigest: await trainerDigest(spec.trainer),
    startedAt: new Date().toISOString(),
    endedAt: null,
  };
  await cache.put(record);
  const start = performance.now();
  try {
    const { train } = await import(spec.trainer) as { train: Trainer };
    if (typeof train !== "function") {
      throw new Error(`trainer ${trainerPath(spec.trainer)}: has no exported train function`);
    }
    const result = await train(spec.config, { name: spec.name, verbose: options.verbose ?? true });
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
    await cache.put(record);
    throw new Error(`run "${spec.name}" failed: ${(error as Error).message}`, { cause: error });
  }
  record.endedAt = new Date().toISOString();
  await cache.put(record);
  return record;
}

/** JSON has no NaN or Infinity: such metrics are dropped rather than written as null. */
function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

function summarize(record: RunRecord): string {
  const parts = Object.entries(record.metrics).slice(0, 3)
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  return parts.length ? parts.join(", ") : "finished";
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** Remaining-time estimate from the mean time of the runs done so far. */
class EtaClock {
  done = 0;
  private readonly start = performance.now();
  constructor(private readonly total: number) {}
  tick() {
    this.done++;
  }
  text(): string {
    const left = this.total - this.done;
    if (left <= 0 || this.done === 0) return "";
    const perRun = (performance.now() - this.start) / this.done;
    return `, ETA ${seconds(perRun * left)}`;
  }
}
