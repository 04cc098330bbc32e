/**
 * Hands a study's cache misses to Slurm or PBS: writes the manifest and the job script
 * into a fresh launch folder, submits one job array, and then either returns at once
 * (with a dependent job that draws the figure when every task succeeded) or waits,
 * showing runs as they end and naming each failed one with its log file.
 *
 * Assumes a filesystem shared by the submitting host and the compute nodes: tasks run
 * the same Deno binary in the same repository and write into the same run store, all at
 * the submitting host's paths.
 *
 * @module
 */
import { join, relative } from "node:path";
import type { BackendInfo } from "../../backend/info.ts";
import type { RunSpec } from "../record.ts";
import { planRuns } from "../runner.ts";
import type { RunStore } from "../store.ts";
import { type CommandRunner, commandRunner, type SchedulerDriver } from "./driver.ts";
import { readEnv } from "./environment.ts";
import { createLaunch, defaultLaunchesDir, type LaunchBackend, launchEntry } from "./manifest.ts";
import { type LaunchReport, waitForLaunch } from "./monitor.ts";
import { describeLauncherOptions, type LauncherOptions, type SchedulerName } from "./options.ts";
import { taskCount } from "./packing.ts";
import { PBS_DRIVER } from "./pbs.ts";
import { SLURM_DRIVER } from "./slurm.ts";

const DRIVERS: Record<SchedulerName, SchedulerDriver> = { slurm: SLURM_DRIVER, pbs: PBS_DRIVER };

/**
 * A run to hand over: its spec (trainer as a file URL) and its key.
 *
 * @example
 * ```ts
 * const spec = { name: "sgd", config: { learningRate: 1e-2 }, trainer: import.meta.resolve("../../train/classifier.ts") };
 * const run: PendingRun = { spec, key: "3f1c".repeat(16) };
 * ```
 */
export interface PendingRun {
  spec: RunSpec;
  key: string;
}

/**
 * The runs of `specs` that the store cannot serve, each key once: what a launch submits.
 *
 * @example
 * ```ts
 * import { RunStore } from "../store.ts";
 * import type { RunSpec } from "../record.ts";
 * import type { BackendInfo } from "../../backend/info.ts";
 * declare const specs: RunSpec[];
 * declare const backend: BackendInfo;
 * const misses = await cacheMisses(specs, new RunStore(), backend);
 * ```
 */
export async function cacheMisses(
  specs: readonly RunSpec[],
  store: RunStore,
  backend: BackendInfo,
  fresh = false,
): Promise<PendingRun[]> {
  const keys = (await planRuns([...specs], backend)).map((run) => run.key);
  const misses: PendingRun[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < specs.length; i++) {
    if (seen.has(keys[i])) continue;
    seen.add(keys[i]);
    if (fresh || !(await store.get(keys[i])).hit) misses.push({ spec: specs[i], key: keys[i] });
  }
  return misses;
}

/**
 * What {@linkcode launchRuns} needs.
 *
 * @example
 * ```ts
 * import { resolveLauncherOptions } from "./options.ts";
 * const request: LaunchRequest = {
 *   study: "adam",
 *   runs: [],
 *   options: resolveLauncherOptions({ flags: { launcher: "slurm" }, env: {}, config: {} }),
 *   backend: { name: "wasm" },
 *   runsDir: "/shared/nnlab/data/runs",
 * };
 * ```
 */
export interface LaunchRequest {
  study: string;
  runs: readonly PendingRun[];
  /** Launcher options; `launcher` is `slurm` or `pbs`. */
  options: LauncherOptions;
  /** The backend the keys were computed with; tasks force it. */
  backend: LaunchBackend;
  /** Absolute path of the shared run store. */
  runsDir: string;
  fresh?: boolean;
  /**
   * The study script and the arguments that draw its figure from the store (see
   * `figureCommandArgs`); without it no figure job is submitted.
   */
  figureCommand?: readonly string[];
  /** The command the user ran, shown as the one that draws the figure later. */
  studyCommand?: string;
  /** Where launch folders go (default data/launches). */
  launchesDir?: string;
  /** Runs sbatch, qsub, scontrol, qstat (default: on this machine). */
  run?: CommandRunner;
  /** Where to look for the submit command (default `$PATH`). */
  path?: string;
  log?: (line: string) => void;
  /** Polling interval of `--wait`, milliseconds. */
  pollMs?: number;
}

/**
 * What a launch did.
 *
 * @example
 * ```ts
 * declare const outcome: LaunchOutcome;
 * if (!outcome.complete) console.log(`job ${outcome.jobId}: logs in ${outcome.launchDir}`);
 * ```
 */
export interface LaunchOutcome {
  /** Every run is in the store: the caller draws the figure now. */
  complete: boolean;
  launchDir?: string;
  manifestPath?: string;
  scriptPath?: string;
  jobId?: string;
  figureJobId?: string;
  /** How the tasks ended (`--wait` only). */
  report?: LaunchReport;
}

/**
 * Submits `runs` as one job array (or, with `--dry-run`, writes and prints its script).
 * Throws a one-line error when the engine's submit command is not on PATH or refuses.
 *
 * @example
 * ```ts
 * import { figureCommandArgs, resolveLauncherOptions } from "./options.ts";
 * declare const misses: PendingRun[];
 * const options = resolveLauncherOptions({
 *   flags: { launcher: "slurm", wait: true },
 *   env: Deno.env.toObject(),
 *   config: {},
 * });
 * const outcome = await launchRuns({
 *   study: "weight_scale",
 *   runs: misses,
 *   options,
 *   backend: { name: "wasm" },
 *   runsDir: "/shared/nnlab/data/runs",
 *   figureCommand: ["experiments/weight_scale.ts", ...figureCommandArgs(Deno.args, "wasm")],
 * });
 * if (outcome.complete) console.log("every run is stored: draw the figure");
 * ```
 */
export async function launchRuns(request: LaunchRequest): Promise<LaunchOutcome> {
  const { options, study } = request;
  const log = request.log ?? ((line: string) => console.log(line));
  if (options.launcher === "local") {
    throw new Error("launchRuns: --launcher local trains here; expected slurm or pbs");
  }
  const driver = DRIVERS[options.launcher];
  if (request.runs.length === 0) {
    log(`${study}: every run is in the store; nothing to submit`);
    return { complete: true };
  }
  if (driver.name === "slurm" && options.runsPerTask !== 1) {
    throw new Error(`runs per task: got ${options.runsPerTask}; expected 1 with Slurm`);
  }
  if (!options.dryRun) await requireSubmitCommand(driver.name, request.path);
  await Deno.mkdir(request.runsDir, { recursive: true });
  const { dir, manifestPath, manifest } = await createLaunch({
    study,
    scheduler: driver.name,
    runsDir: request.runsDir,
    backend: request.backend,
    fresh: request.fresh ?? false,
    runsPerTask: options.runsPerTask,
    ...(options.cpusPerTask !== undefined ? { cpusPerTask: options.cpusPerTask } : {}),
    ...(options.gpus !== undefined ? { gpus: options.gpus } : {}),
    entries: request.runs.map((run, i) => launchEntry(i, run.key, study, run.spec)),
  }, request.launchesDir ?? defaultLaunchesDir());
  const scriptPath = join(dir, driver.scriptName);
  await Deno.writeTextFile(scriptPath, driver.arrayScript(manifest, manifestPath, options), {
    mode: 0o755,
  });
  const tasks = taskCount(manifest.entries.length, manifest.runsPerTask);
  const what = `${manifest.entries.length} run(s) of ${study} in ${tasks} array task(s)`;
  if (options.dryRun) {
    log(await Deno.readTextFile(scriptPath));
    log(
      `dry run: nothing submitted; ${what} written to ${shortPath(dir)}; submit with: ` +
        `${driver.submitCommand} ${shortPath(scriptPath)}`,
    );
    return { complete: false, launchDir: dir, manifestPath, scriptPath };
  }
  const run = request.run ?? commandRunner();
  const jobId = await driver.submit(scriptPath, run);
  log(
    `${driver.name}: submitted job ${jobId}: ${what} (${describeLauncherOptions(options)}); ` +
      `logs and status in ${shortPath(dir)}`,
  );
  const outcome: LaunchOutcome = {
    complete: false,
    launchDir: dir,
    manifestPath,
    scriptPath,
    jobId,
  };
  if (!options.wait) {
    if (request.figureCommand) {
      const figurePath = join(dir, driver.scriptName.replace(/^job/, "figure"));
      const figure = driver.figureScript(manifest, dir, options, jobId, request.figureCommand);
      await Deno.writeTextFile(figurePath, figure, { mode: 0o755 });
      outcome.figureJobId = await driver.submit(figurePath, run);
      log(
        `${driver.name}: job ${outcome.figureJobId} draws the figure once every task ` +
          `succeeded (log ${shortPath(join(dir, "figure.out"))})`,
      );
    }
    const command = request.studyCommand ? `: ${request.studyCommand}` : "";
    log(
      `${study}: once job ${jobId} has ended, the same command draws the figure from the ` +
        `store (submitting only runs still missing)${command}; ${
          driver.cancelCommand(jobId)
        } stops the job`,
    );
    return outcome;
  }
  const stopWaiting = new AbortController();
  const onInterrupt = () => stopWaiting.abort();
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    outcome.report = await waitForLaunch(manifest, dir, driver.probe(jobId, run), {
      engine: driver.name,
      jobId,
      log,
      intervalMs: request.pollMs,
      signal: stopWaiting.signal,
      taskLog: (task) => driver.taskLog(dir, task),
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  const { stored, failed, abandoned } = outcome.report;
  if (abandoned) {
    log(
      `${driver.name}: stopped waiting; job ${jobId} keeps running (${
        driver.cancelCommand(jobId)
      } stops it); run the same command again later to draw the figure`,
    );
    return outcome;
  }
  log(`${driver.name} job ${jobId}: ${stored.length} of ${manifest.entries.length} run(s) stored`);
  for (const entry of failed) {
    log(`  task ${entry.task} "${entry.name}": ${entry.why}; log ${shortPath(entry.log)}`);
  }
  if (failed.length > 0) {
    log(`${study}: run the same command again to submit only the ${failed.length} missing run(s)`);
  }
  outcome.complete = failed.length === 0;
  return outcome;
}

/**
 * Throws a one-line error when the engine's submit command (sbatch, qsub) is not on PATH:
 * what a study checks before it loads data or starts anything.
 *
 * @example
 * ```ts
 * await requireSubmitCommand("slurm"); // throws "--launcher slurm: sbatch is not on PATH; ..."
 * ```
 */
export async function requireSubmitCommand(
  scheduler: SchedulerName,
  path?: string,
): Promise<void> {
  const driver = DRIVERS[scheduler];
  if (await onPath(driver.submitCommand, path)) return;
  throw new Error(
    `--launcher ${driver.name}: ${driver.submitCommand} is not on PATH; run this on a ` +
      `${driver.name === "slurm" ? "Slurm" : "PBS"} login node, or use --launcher local ` +
      "(--dry-run writes the job script without submitting)",
  );
}

/** Whether an executable `name` is in one of the folders of `path`. */
async function onPath(name: string, path = readEnv("PATH") ?? ""): Promise<boolean> {
  for (const dir of path.split(":").filter(Boolean)) {
    try {
      const info = await Deno.stat(join(dir, name));
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return true;
    } catch {
      // not there
    }
  }
  return false;
}

/** A path for messages: relative to the working directory when inside it. */
function shortPath(path: string): string {
  const inside = relative(Deno.cwd(), path);
  return inside && !inside.startsWith("..") ? inside : path;
}
