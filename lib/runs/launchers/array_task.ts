/**
 * One array task of a launch, as a Slurm or PBS job script runs it:
 *
 * ```sh
 * deno run -A lib/runs/launchers/array_task.ts <manifest.json> <task index>
 * ```
 *
 * The task reads the manifest, finds its entries (one on Slurm; K consecutive ones when a
 * PBS launch packs runs), starts the backend the runs were keyed with, trains each entry
 * through one call ({@linkcode trainEntry}) and writes a status file per entry next to the
 * manifest. Its exit code says how it ended (see exit_codes.ts).
 *
 * Signals. Slurm sends SIGUSR1 some minutes before the time limit (`--signal=B:USR1@...`),
 * SIGTERM at the limit and on `scancel`; PBS sends SIGTERM. On any of them the task stops
 * at once: its handler writes `interrupted` and exits 75, synchronously, so no training
 * code runs after the signal and the status is final (had the run's result been stored
 * already, it writes that and exits 0). It never writes a record itself: record writes are
 * atomic (temporary file, rename), so the store holds either the `running` record written
 * when training began — a cache miss, so the next launch resubmits the run — or the
 * result stored before the signal. No half-written record and no finished-looking
 * unfinished one can result. The run's claim names a dead process then: a task of the same
 * host takes it over at once, one of another host once its heartbeat is stale (claim.ts).
 *
 * A packed PBS task trains its entries in parallel child processes (one per entry, at most
 * one per CPU of the task, the CPUs split evenly as backend threads): a whole node
 * allocated for K runs would otherwise sit mostly idle for K run lengths.
 *
 * @module
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendIdentity } from "../../backend/info.ts";
import { initBackend } from "../../backend/init.ts";
import { canonicalJson } from "../identity.ts";
import { RESULT_STATUSES, type RunStatus } from "../record.ts";
import { planRuns } from "../runner.ts";
import { RunStore } from "../store.ts";
import { readEnv } from "./environment.ts";
import { TASK_EXIT, TaskError, type TaskExitCode } from "./exit_codes.ts";
import {
  entrySpec,
  launchDirOf,
  type LaunchEntry,
  type LaunchManifest,
  readManifest,
} from "./manifest.ts";
import { packedEntries, packedLanes } from "./packing.ts";
import {
  type EntryState,
  type EntryStatus,
  writeEntryStatus,
  writeEntryStatusSync,
} from "./status.ts";
import { trainEntry } from "./train_entry.ts";

const USAGE = "usage: array_task.ts <manifest.json> <task index> " +
  "| <manifest.json> --entry <index> [--threads N]";
const STOP_SIGNALS = ["SIGUSR1", "SIGTERM", "SIGINT"] as const;

/** A parsed command line of the task. */
interface TaskArgs {
  manifestPath: string;
  /** The scheduler's array index, or the entry index of a packed task's child. */
  index: number;
  child: boolean;
  threads?: number;
}

function parseTaskArgs(args: string[]): TaskArgs {
  const integer = (text: string | undefined, what: string) => {
    if (text === undefined || !/^\d+$/.test(text)) {
      throw new TaskError(
        TASK_EXIT.usage,
        `${what}: got ${JSON.stringify(text ?? null)}; expected an integer >= 0; ${USAGE}`,
      );
    }
    return Number(text);
  };
  const [manifestPath, ...rest] = args;
  if (!manifestPath) throw new TaskError(TASK_EXIT.usage, `no manifest given; ${USAGE}`);
  if (rest[0] === "--entry") {
    const threads = rest[2] === "--threads" ? integer(rest[3], "--threads") : undefined;
    if (rest.length !== (threads === undefined ? 2 : 4)) {
      throw new TaskError(TASK_EXIT.usage, `unexpected arguments ${rest.join(" ")}; ${USAGE}`);
    }
    return { manifestPath, index: integer(rest[1], "--entry"), child: true, threads };
  }
  if (rest.length !== 1) {
    throw new TaskError(TASK_EXIT.usage, `expected one task index; ${USAGE}`);
  }
  return { manifestPath, index: integer(rest[0], "task index"), child: false };
}

/**
 * Runs an array task from its command line and resolves to its exit code; writes one
 * line to standard error for every way it fails.
 *
 * @example
 * ```ts
 * Deno.exit(await runArrayTask(["data/launches/adam-20250101T000000Z/manifest.json", "3"]));
 * ```
 */
export async function runArrayTask(args: string[]): Promise<TaskExitCode> {
  let label = "nnlab task";
  try {
    const parsed = parseTaskArgs(args);
    label = `nnlab ${parsed.child ? "entry" : "task"} ${parsed.index}`;
    const manifest = await readManifest(parsed.manifestPath);
    const launchDir = launchDirOf(parsed.manifestPath);
    await checkRunStore(manifest.runsDir);
    if (parsed.child) {
      const entry = manifest.entries[parsed.index];
      if (!entry) {
        throw new TaskError(
          TASK_EXIT.usage,
          `--entry: got ${parsed.index}; expected an integer in [0, ${
            manifest.entries.length - 1
          }]`,
        );
      }
      const task = Math.floor(parsed.index / manifest.runsPerTask);
      const log = join(launchDir, `entry-${parsed.index}.out`);
      return await runEntry(manifest, launchDir, entry, task, log, parsed.threads);
    }
    let indices: number[];
    try {
      indices = packedEntries(parsed.index, manifest.runsPerTask, manifest.entries.length);
    } catch (error) {
      throw new TaskError(TASK_EXIT.usage, (error as Error).message);
    }
    if (indices.length === 1) {
      const log = join(launchDir, `task-${parsed.index}.out`);
      return await runEntry(manifest, launchDir, manifest.entries[indices[0]], parsed.index, log);
    }
    return await runPacked(parsed.manifestPath, manifest, launchDir, indices);
  } catch (error) {
    const code = error instanceof TaskError ? error.exitCode : TASK_EXIT.runFailed;
    console.error(`${label}: ${(error as Error).message}`);
    return code;
  }
}

async function checkRunStore(runsDir: string): Promise<void> {
  let ok = false;
  let why = "not a directory";
  try {
    ok = (await Deno.stat(runsDir)).isDirectory;
  } catch (error) {
    why = (error as Error).message.split("\n")[0];
  }
  if (!ok) {
    throw new TaskError(
      TASK_EXIT.noStore,
      `cannot see the run store ${runsDir} on ${hostname()}: ${why} ` +
        "(a task needs the run store at the same path: a shared filesystem)",
    );
  }
}

/** Calls `onStop` once on the first stop signal; returns the function that stops listening. */
function onStopSignal(onStop: (signal: Deno.Signal) => void): () => void {
  let stopped = false;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      if (stopped) return;
      stopped = true;
      onStop(signal);
    };
    Deno.addSignalListener(signal, listener);
    return () => Deno.removeSignalListener(signal, listener);
  });
  return () => listeners.forEach((remove) => remove());
}

async function runEntry(
  manifest: LaunchManifest,
  launchDir: string,
  entry: LaunchEntry,
  task: number,
  log: string,
  threadsArg?: number,
): Promise<TaskExitCode> {
  const begin = performance.now();
  const base: EntryStatus = {
    index: entry.index,
    key: entry.key,
    name: entry.name,
    state: "started",
    task,
    jobId: readEnv("SLURM_ARRAY_JOB_ID") ?? readEnv("PBS_JOBID"),
    host: hostname(),
    pid: Deno.pid,
    at: new Date().toISOString(),
    log,
  };
  const statusNow = (status: Partial<EntryStatus>): EntryStatus => ({
    ...base,
    ...status,
    at: new Date().toISOString(),
    seconds: (performance.now() - begin) / 1000,
  });
  const report = (status: Partial<EntryStatus>) => writeEntryStatus(launchDir, statusNow(status));
  /** When training was handed over: a result that began earlier was another process's. */
  let handedOverAt = "";
  const stateOf = (record: { startedAt: string; status: RunStatus }): EntryState => {
    if (record.status !== "finished" && record.status !== "diverged") {
      throw new Error(`"${entry.name}": the store holds a ${record.status} record`);
    }
    return handedOverAt === "" || record.startedAt < handedOverAt ? "cached" : record.status;
  };
  const store = new RunStore(manifest.runsDir);
  // From the signal to the exit all is synchronous: no training code runs in between, so
  // the status written is final and the run's record stays as the signal found it.
  const stopListening = onStopSignal((signal) => {
    const result = storedResult(store, entry.key);
    if (result) {
      const state = stateOf(result);
      writeEntryStatusSync(launchDir, statusNow({ state, metrics: result.metrics }));
      console.log(`nnlab task ${task}: ${signal}: "${entry.name}" had ended: ${state}`);
      Deno.exit(TASK_EXIT.ok);
    }
    writeEntryStatusSync(
      launchDir,
      statusNow({ state: "interrupted", error: `stopped by ${signal}` }),
    );
    console.error(
      `nnlab task ${task}: ${signal}: stopped "${entry.name}" before it ended; the store ` +
        "holds no finished record of it, so the next launch of the study resubmits it",
    );
    Deno.exit(TASK_EXIT.interrupted);
  });
  console.log(
    `nnlab task ${task} on ${base.host}: ${manifest.study} entry ${entry.index} ` +
      `"${entry.name}" (key ${entry.key.slice(0, 12)})`,
  );
  await report({ state: "started" });
  try {
    const threads = manifest.backend.threads ?? threadsArg ?? manifest.cpusPerTask ??
      positive(readEnv("SLURM_CPUS_PER_TASK")) ?? 1;
    const backend = await initBackend({ backend: manifest.backend.name, threads });
    const [run] = await planRuns([entrySpec(entry, manifest.repoRoot)], backend);
    if (run.key !== entry.key) throw keyChanged(entry, run.key, manifest, run.identity.backend);
    handedOverAt = new Date().toISOString();
    const record = await trainEntry(run, manifest, backend, store);
    const state = stateOf(record);
    await report({ state, metrics: record.metrics, error: record.error?.split("\n")[0] });
    console.log(`nnlab task ${task}: "${entry.name}" ${state}`);
    return TASK_EXIT.ok;
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    await report({ state: "failed", error: message });
    if (error instanceof TaskError) throw error;
    console.error(`nnlab task ${task}: ${message}`);
    return TASK_EXIT.runFailed;
  } finally {
    stopListening();
  }
}

/**
 * The stored result of `key` (finished or diverged), read synchronously for a task that
 * is about to exit; null when there is none. The record was checked when it was written;
 * here only its status and key are read.
 */
function storedResult(
  store: RunStore,
  key: string,
): { startedAt: string; status: RunStatus; metrics: Record<string, number> } | null {
  try {
    const record = JSON.parse(Deno.readTextFileSync(store.pathOf(key)));
    return record?.key === key && RESULT_STATUSES.includes(record.status) ? record : null;
  } catch {
    return null;
  }
}

/**
 * Why a run's key here differs from the manifest's: the backend that started here is not
 * the one the submitting host keyed the runs with (a login node whose tier loads otherwise
 * than on the compute nodes), or else the code changed since the launch.
 */
function keyChanged(
  entry: LaunchEntry,
  key: string,
  manifest: LaunchManifest,
  here: BackendIdentity,
): TaskError {
  const submitted = manifest.backend.identity;
  if (submitted && canonicalJson(submitted) !== canonicalJson(here)) {
    const describe = (identity: BackendIdentity) =>
      `${identity.library}${identity.kernels ? `, kernels ${identity.kernels.slice(0, 12)}` : ""}` +
      (identity.threads !== undefined ? `, ${identity.threads} thread(s)` : "");
    return new TaskError(
      TASK_EXIT.badManifest,
      `"${entry.name}": the backend here (${describe(here)}) is not the one the runs were ` +
        `keyed with on the submitting host (${describe(submitted)}); submit from a host where ` +
        `--backend ${manifest.backend.name} loads as on the compute nodes, or name another tier`,
    );
  }
  return new TaskError(
    TASK_EXIT.badManifest,
    `"${entry.name}": the code changed since the launch (key now ${key.slice(0, 12)}, ` +
      `manifest ${entry.key.slice(0, 12)}); run the study command again to submit the ` +
      "runs of the current code",
  );
}

function positive(text: string | undefined): number | undefined {
  const value = Number(text);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** Trains a packed task's entries in child processes, at most one per CPU at a time. */
async function runPacked(
  manifestPath: string,
  manifest: LaunchManifest,
  launchDir: string,
  indices: number[],
): Promise<TaskExitCode> {
  const cpus = manifest.cpusPerTask ?? positive(readEnv("NCPUS")) ??
    navigator.hardwareConcurrency ?? 1;
  const { lanes, threads } = packedLanes(cpus, indices.length);
  const script = fileURLToPath(import.meta.url);
  const queue = [...indices];
  const running = new Set<Deno.ChildProcess>();
  const codes: number[] = [];
  let stopped: Deno.Signal | undefined;
  const stopListening = onStopSignal((signal) => {
    stopped = signal;
    for (const child of running) child.kill(signal);
  });
  console.log(
    `nnlab task on ${hostname()}: entries ${indices[0]}..${indices.at(-1)} of ` +
      `${manifest.study}, ${lanes} at a time, ${threads} thread(s) each`,
  );
  const lane = async (laneIndex: number) => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const log = join(launchDir, `entry-${index}.out`);
      if (stopped) {
        const entry = manifest.entries[index];
        await writeEntryStatus(launchDir, {
          index,
          key: entry.key,
          name: entry.name,
          state: "interrupted",
          task: Math.floor(index / manifest.runsPerTask),
          host: hostname(),
          pid: Deno.pid,
          at: new Date().toISOString(),
          log,
          error: `not started: the task was stopped by ${stopped}`,
        });
        codes.push(TASK_EXIT.interrupted);
        continue;
      }
      const file = await Deno.open(log, { write: true, create: true, truncate: true });
      const child = new Deno.Command(manifest.deno, {
        args: [
          "run",
          "-A",
          "--config",
          join(manifest.repoRoot, "deno.json"),
          script,
          manifestPath,
          "--entry",
          String(index),
          "--threads",
          String(threads),
        ],
        env: gpuEnv(manifest.gpus, laneIndex),
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      running.add(child);
      const writer = file.writable.getWriter();
      const pump = async (stream: ReadableStream<Uint8Array>) => {
        for await (const chunk of stream) await writer.write(chunk);
      };
      await Promise.all([pump(child.stdout), pump(child.stderr)]);
      const status = await child.status;
      running.delete(child);
      await writer.close();
      codes.push(status.code);
      console.log(`nnlab task: entry ${index} exited with code ${status.code}; log ${log}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  } finally {
    stopListening();
  }
  if (codes.includes(TASK_EXIT.runFailed)) return TASK_EXIT.runFailed;
  if (stopped || codes.includes(TASK_EXIT.interrupted)) return TASK_EXIT.interrupted;
  const other = codes.find((code) => code !== 0);
  return (other ?? TASK_EXIT.ok) as TaskExitCode;
}

/**
 * With several GPUs per task, lane l sees one of them, so packed runs on a GPU node do not
 * all start on the first device.
 */
function gpuEnv(gpus: number | undefined, lane: number): Record<string, string> {
  if (!gpus || gpus < 2) return {};
  const visible = readEnv("CUDA_VISIBLE_DEVICES")?.split(",").filter(Boolean);
  const devices = visible?.length ? visible : Array.from({ length: gpus }, (_, i) => String(i));
  return { CUDA_VISIBLE_DEVICES: devices[lane % devices.length] };
}

if (import.meta.main) {
  Deno.exit(await runArrayTask(Deno.args));
}
