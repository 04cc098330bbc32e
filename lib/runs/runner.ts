/**
 * Runs a study's training jobs through the store: works out each run's identity and key,
 * serves every run whose key is stored, says in one line why each other one trains, and
 * trains those (here, or in worker processes with `jobs > 1`), each under its claim and
 * stored the moment it finishes, so a crash or Ctrl-C mid-sweep keeps every finished run.
 *
 * @module
 */
import type { BackendInfo } from "../backend/info.ts";
import { Progress, stdoutOutput } from "../train/progress.ts";
import {
  backendIdentity,
  canonicalJson,
  changedKeys,
  missCause,
  runIdentity,
  runKey,
} from "./identity.ts";
import type { GitInfo, ProgressPlan, RunIdentity, RunRecord, RunSpec } from "./record.ts";
import { liveEventSink, liveProgress } from "./live_events.ts";
import { gitInfo } from "./source_graph.ts";
import { describeMiss, RunStore, type StoreLookup } from "./store.ts";
import { SweepProgress } from "./sweep_progress.ts";
import { type PlannedRun, trainClaimed } from "./train_run.ts";

/** A run's outcome: its record, and whether it came from the store. */
export interface RunOutcome {
  spec: RunSpec;
  record: RunRecord;
  cached: boolean;
}

/** Options for {@linkcode executeRuns}. */
export interface ExecuteOptions {
  /** The study's name (its record field and page name). */
  study: string;
  backend: BackendInfo;
  store?: RunStore;
  /** Ignore stored records and train again. */
  fresh?: boolean;
  /** Worker processes; 1 trains in this process. */
  jobs?: number;
  /** Threads per worker process. */
  workerThreads?: number;
  /** Progress output; defaults to console.log. */
  log?: (line: string) => void;
  /**
   * Show progress; default true. In this process: the run's bar. With workers: a bar per
   * running run and the sweep's ETA on a terminal (when `log` is the default), else a
   * line per epoch of each run.
   */
  progress?: boolean;
}

/**
 * Works out the identity and key of every run on `backend`.
 *
 * @example
 * ```ts
 * import type { RunSpec } from "./record.ts";
 * import { planRuns } from "./runner.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const specs: RunSpec[]; // the study's runs, e.g. fcRun("adam", settings), ...
 * const planned = await planRuns(specs, await initBackend());
 * planned[0].key; // "3f1c...", 64 hex digits
 * ```
 */
export async function planRuns(specs: RunSpec[], backend: BackendInfo): Promise<PlannedRun[]> {
  const backendId = await backendIdentity(backend);
  return await Promise.all(specs.map(async (spec) => {
    const identity = await runIdentity(spec, backendId);
    return { spec, identity, key: await runKey(spec.config, identity) };
  }));
}

let git: Promise<GitInfo> | undefined;

/**
 * Serves every run from the store or trains it, in spec order.
 *
 * @example
 * ```ts
 * import type { RunSpec } from "./record.ts";
 * import { executeRuns } from "./runner.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const specs: RunSpec[]; // the study's runs
 * const outcomes = await executeRuns(specs, { study: "adam", backend: await initBackend() });
 * outcomes[0].cached; // true when the store already held the run
 * ```
 */
export async function executeRuns(
  specs: RunSpec[],
  options: ExecuteOptions,
): Promise<RunOutcome[]> {
  const store = options.store ?? new RunStore();
  const log = options.log ?? ((line: string) => console.log(line));
  git ??= gitInfo();
  await store.removeDeadTemporaries();
  const planned = await planRuns(specs, options.backend);
  const outcomes: (RunOutcome | undefined)[] = new Array(specs.length);
  const pending: number[] = [];
  const misses: Miss[] = [];
  for (let i = 0; i < specs.length; i++) {
    const lookup = options.fresh
      ? { hit: false as const, reason: "absent" as const }
      : await store.get(planned[i].key);
    if (lookup.hit) {
      outcomes[i] = { spec: specs[i], record: lookup.record, cached: true };
    } else {
      misses.push({ index: i, lookup });
      pending.push(i);
    }
  }
  if (!options.fresh) await explainMisses(misses, planned, store, options.study, log);
  const cachedCount = specs.length - pending.length;
  if (specs.length > 0) {
    log(
      `${options.study}: ${cachedCount} of ${specs.length} runs cached, ${pending.length} to train`,
    );
  }
  const live = liveEventSink(); // set when `deno task dev` re-runs this study
  live?.({
    type: "sweep",
    study: options.study,
    runs: pending.map((i) => specs[i].name),
    cached: cachedCount,
  });
  const eta = new EtaClock(pending.length);
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, pending.length));
  const showProgress = options.progress ?? true;
  const sweep = jobs > 1 && showProgress ? sweepProgress(options, pending.length, jobs) : undefined;
  // While the sweep's bars are on screen, lines are printed above them.
  const say = sweep ? (line: string) => sweep.line(line) : log;
  const finish = (i: number, record: RunRecord, trained: boolean) => {
    outcomes[i] = { spec: specs[i], record, cached: !trained };
    eta.tick();
    sweep?.end(i);
    live?.({ type: "end", run: specs[i].name, status: record.status });
    const status = record.status === "finished" ? summarize(record) : record.status;
    const how = trained ? "" : " (trained by another process)";
    say(
      `[${eta.done}/${pending.length}] ${specs[i].name}: ${status} in ${
        seconds(record.timings.totalMs)
      }${how}${eta.text()}`,
    );
  };
  // Ctrl-C mid-sweep: every finished run is already stored; say so, stop the workers and
  // leave, so the next invocation resumes from the store.
  const workers = new AbortController();
  const stopListening = pending.length === 0 ? () => {} : onInterrupt((signal) => {
    sweep?.close();
    log(
      `${options.study}: ${signal}: ${eta.done} of ${pending.length} runs trained and ` +
        `stored in ${store.dir}; run the same command again to resume`,
    );
    workers.abort();
    Deno.exit(130);
  });
  try {
    if (jobs === 1) {
      for (const i of pending) {
        const bar = showProgress
          ? (plan: ProgressPlan) => new Progress({ ...plan, verbose: true })
          : undefined;
        const { record, trained } = await trainClaimed(planned[i], store, {
          study: options.study,
          backend: options.backend,
          git: await git,
          fresh: options.fresh,
          log,
          progress: live ? (plan) => liveProgress(plan, specs[i].name, live, bar?.(plan)) : bar,
        });
        finish(i, record, trained);
      }
    } else {
      const { trainInWorkers } = await import("./pool.ts");
      await trainInWorkers(pending.map((i) => ({ run: planned[i], index: i })), {
        jobs,
        threads: options.workerThreads ?? 1,
        store,
        backend: options.backend.backend,
        study: options.study,
        fresh: options.fresh,
        onStart: (i) => {
          sweep?.start(i, specs[i].name);
          live?.({ type: "start", run: specs[i].name });
        },
        onFinished: finish,
        onFailed: (i, reason) => {
          sweep?.end(i);
          live?.({ type: "end", run: specs[i].name, status: "failed" });
          say(`${specs[i].name}: failed: ${reason}`);
        },
        onMessage: (i, message) => {
          if (message.type === "log") say(message.line);
          else if (message.type === "progress" || message.type === "epoch") {
            sweep?.message(i, message);
            live?.({ ...message, run: specs[i].name });
          }
        },
        signal: workers.signal,
      });
    }
  } finally {
    sweep?.close();
    stopListening();
  }
  return outcomes as RunOutcome[];
}

/**
 * The display of a sweep in workers: bars on a terminal when lines go to the console too
 * (a custom `log` may write elsewhere, so it gets plain lines only).
 */
function sweepProgress(options: ExecuteOptions, total: number, lanes: number): SweepProgress {
  const log = options.log ?? ((line: string) => console.log(line));
  const stdout = stdoutOutput();
  const output = options.log === undefined ? stdout : { isTerminal: false, write: () => {} };
  let columns: number | undefined;
  try {
    if (output.isTerminal) columns = Deno.consoleSize().columns;
  } catch { /* not a console after all: lines are cut at no width */ }
  return new SweepProgress({ study: options.study, total, lanes, output, log, columns });
}

/** A run that missed the store, and the look-up that missed. */
type Miss = { index: number; lookup: StoreLookup };

/**
 * One line per cause of a miss: a record that could not be used (torn, invalid,
 * foreign), what changed since the closest record of the same study and run name
 * (settings, code files, backend), runs with no record of their name (new), and runs
 * whose only record is of an older record format. Each line names the runs training now,
 * never the rest of the store.
 */
async function explainMisses(
  misses: Miss[],
  planned: PlannedRun[],
  store: RunStore,
  study: string,
  log: (line: string) => void,
): Promise<void> {
  if (misses.length === 0) return;
  const { unusable, byCause, newRuns, olderFormat } = await groupMisses(
    misses,
    planned,
    store,
    study,
  );
  unusable.forEach((line) => log(line));
  for (const [cause, names] of byCause) log(`${study}: retraining ${runList(names)}: ${cause}`);
  if (newRuns.length > 0) {
    log(
      newRuns.length === 1
        ? `${study}: new run "${newRuns[0]}": no stored run of this name`
        : `${study}: ${runList(newRuns, "new runs")}: no stored run of these names`,
    );
  }
  if (olderFormat.length > 0) {
    log(
      `${study}: retraining ${runList(olderFormat)}: stored in an older nnlab record format ` +
        `(recomputed once under the current run identity)`,
    );
  }
}

/** The misses sorted by cause: lines for unusable records, and run names per cause. */
async function groupMisses(
  misses: Miss[],
  planned: PlannedRun[],
  store: RunStore,
  study: string,
) {
  const groups = {
    unusable: [] as string[],
    byCause: new Map<string, string[]>(),
    newRuns: [] as string[],
    olderFormat: [] as string[],
  };
  let stored: RunRecord[] | undefined;
  let olderNames: Set<string> | undefined;
  for (const { index, lookup } of misses) {
    const { spec, identity, key } = planned[index];
    if (!lookup.hit && lookup.reason === "older-format") {
      groups.olderFormat.push(spec.name);
      continue;
    }
    const unusable = describeMiss(lookup, store.pathOf(key));
    if (unusable) groups.unusable.push(unusable);
    if (unusable || (!lookup.hit && lookup.reason === "running")) continue; // running: waited for
    stored ??= await store.list();
    const previous = closestRecord(stored, {
      study,
      name: spec.name,
      config: spec.config,
      identity,
    });
    if (previous) {
      const cause = missCause(previous, { config: spec.config, identity });
      if (cause) groups.byCause.set(cause, [...(groups.byCause.get(cause) ?? []), spec.name]);
      continue;
    }
    olderNames ??= new Set(
      (await store.olderFormat()).filter((e) => e.study === study).map((e) => e.name),
    );
    (olderNames.has(spec.name) ? groups.olderFormat : groups.newRuns).push(spec.name);
  }
  return groups;
}

/** `"sgd"`, or `4 runs (sgd, adam, rmsprop, ...)`: a list of runs in a line. */
function runList(names: string[], noun = "runs"): string {
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? ", ..." : "");
  return names.length === 1 ? `"${names[0]}"` : `${names.length} ${noun} (${shown})`;
}

/**
 * The stored record a run that misses the store is best explained against: of the result
 * records of its study and name, the one that differs from it least, counting first the
 * settings (a --quick run is compared with the last --quick run, not the last full one),
 * then the backend, then the code files; the newest among equals. Then the cause printed
 * is the one difference that matters, not an older edit since reverted.
 *
 * @example
 * ```ts
 * import { closestRecord } from "./runner.ts";
 * import type { RunIdentity, RunRecord } from "./record.ts";
 * declare const records: RunRecord[];
 * declare const identity: RunIdentity;
 * const run = { study: "adam", name: "sgd", config: { learningRate: 1e-2 }, identity };
 * closestRecord(records, run)?.config; // the settings the run is compared with
 * ```
 */
export function closestRecord(
  records: RunRecord[],
  run: { study: string; name: string; config: Record<string, unknown>; identity: RunIdentity },
): RunRecord | undefined {
  const distance = (record: RunRecord) => [
    changedKeys(record.config, run.config).length,
    canonicalJson(record.identity.backend) === canonicalJson(run.identity.backend) ? 0 : 1,
    changedKeys(record.identity.code.files, run.identity.code.files).length,
  ];
  let best: RunRecord | undefined;
  let bestDistance: number[] = [];
  for (const record of records) {
    if (record.study !== run.study || record.name !== run.name) continue;
    if (record.status === "running") continue;
    const d = distance(record);
    const order = best === undefined ? -1 : compareDistances(d, bestDistance);
    if (order < 0 || (order === 0 && (record.endedAt ?? "") > (best?.endedAt ?? ""))) {
      best = record;
      bestDistance = d;
    }
  }
  return best;
}

/** Lexicographic order of two distances of the same length. */
function compareDistances(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
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
