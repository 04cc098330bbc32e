/**
 * PBS Pro / OpenPBS: one array job per launch (`qsub -J 0-(T-1)`, the subjob's index in
 * `PBS_ARRAY_INDEX`), T = ceil(n / K) tasks for K runs per task (`--runs-per-task`, for
 * systems such as ALCF's Polaris that allocate whole nodes and cap jobs per user). A
 * launch of a single task is submitted as a plain job, since not every PBS version takes
 * a one-element array; its script reads index 0.
 *
 * PBS sends SIGTERM at the walltime (and `qdel`), then SIGKILL after the server's
 * `kill_delay`; the task stops cleanly on SIGTERM. There is no early warning as in Slurm.
 *
 * Only the scripts and the packing are tested (PBS is not packaged for Debian): submission
 * to a live PBS server and the `qstat` parsing are untested.
 *
 * @module
 */
import { join } from "node:path";
import type { CommandRunner, JobSnapshot, SchedulerDriver, TaskState } from "./driver.ts";
import {
  arrayTaskBody,
  directiveValue,
  extraDirectives,
  figureBody,
  figureJobGpus,
} from "./job_script.ts";
import { launchDirOf, type LaunchManifest } from "./manifest.ts";
import { formatWalltime, type LauncherOptions } from "./options.ts";
import { taskCount } from "./packing.ts";

/**
 * The chunk of one task: `select=1:ncpus=C[:mem=Mgb][:ngpus=G]`, or nothing when no
 * resource was asked for (the queue's defaults apply).
 *
 * @example
 * ```ts
 * pbsSelect({ cpusPerTask: 32, memory: "64G", gpus: 4 }); // "1:ncpus=32:mem=64gb:ngpus=4"
 * ```
 */
export function pbsSelect(
  options: Pick<LauncherOptions, "cpusPerTask" | "memory" | "gpus">,
): string | undefined {
  const parts: string[] = [];
  if (options.cpusPerTask !== undefined) parts.push(`ncpus=${options.cpusPerTask}`);
  // PBS sizes are b, kb, mb, gb, tb; a bare number would be bytes.
  if (options.memory !== undefined) parts.push(`mem=${options.memory.toLowerCase()}b`);
  if (options.gpus !== undefined) parts.push(`ngpus=${options.gpus}`);
  return parts.length ? `1:${parts.join(":")}` : undefined;
}

function resourceDirectives(
  options: LauncherOptions,
  forTasks: boolean,
  manifest: LaunchManifest,
): string[] {
  const lines: string[] = [];
  const select = pbsSelect(
    forTasks ? options : { memory: options.memory, gpus: figureJobGpus(manifest, options.gpus) },
  );
  if (select) lines.push(`#PBS -l select=${select}`);
  if (options.timeLimitSeconds !== undefined) {
    lines.push(`#PBS -l walltime=${formatWalltime(options.timeLimitSeconds)}`);
  }
  if (options.account !== undefined) lines.push(`#PBS -A ${options.account}`);
  if (options.queue !== undefined) lines.push(`#PBS -q ${options.queue}`);
  return [...lines, ...extraDirectives("#PBS", options.schedulerArgs)];
}

/**
 * The qsub script of a launch: subjob j runs `array_task.ts <manifest> j`, which trains
 * entries j*K .. j*K+K-1.
 *
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * import type { LauncherOptions } from "./options.ts";
 * declare const manifest: LaunchManifest; // written with runsPerTask 4
 * declare const options: LauncherOptions;
 * const script = pbsArrayScript(manifest, "/shared/launches/a/manifest.json", options);
 * ```
 */
export function pbsArrayScript(
  manifest: LaunchManifest,
  manifestPath: string,
  options: LauncherOptions,
): string {
  const n = manifest.entries.length;
  const tasks = taskCount(n, manifest.runsPerTask);
  const dir = launchDirOf(manifestPath);
  const cap = options.maxConcurrent !== undefined ? `%${options.maxConcurrent}` : "";
  const array = tasks > 1 ? [`#PBS -J 0-${tasks - 1}${cap}`] : [];
  const log = tasks > 1 ? "task-^array_index^.out" : "task-0.out";
  return [
    "#!/bin/bash",
    `# nnlab: ${n} run(s) of ${manifest.study} in ${tasks} task(s), ` +
    `${manifest.runsPerTask} per task (lib/runs/launchers/pbs.ts)`,
    `#PBS -N ${jobName(manifest.study)}`,
    ...array,
    "#PBS -j oe",
    `#PBS -o ${directiveValue(join(dir, log))}`,
    // The task needs the submitting shell's environment (PATH, NNLAB_*), as sbatch passes it.
    "#PBS -V",
    ...resourceDirectives(options, true, manifest),
    ...arrayTaskBody(manifest, manifestPath, '"${PBS_ARRAY_INDEX:-0}"'),
    "",
  ].join("\n");
}

/**
 * The job that draws the figure once the array job `afterJob` ended without errors.
 *
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * import type { LauncherOptions } from "./options.ts";
 * declare const manifest: LaunchManifest;
 * declare const options: LauncherOptions;
 * pbsFigureScript(manifest, "/shared/launches/a", options, "1234[].pbs01", ["experiments/adam.ts"]);
 * ```
 */
export function pbsFigureScript(
  manifest: LaunchManifest,
  launchDir: string,
  options: LauncherOptions,
  afterJob: string,
  command: readonly string[],
): string {
  return [
    "#!/bin/bash",
    `# nnlab: draws the figure of ${manifest.study} once job ${afterJob} succeeded`,
    `#PBS -N ${jobName(manifest.study)}-fig`,
    `#PBS -W depend=afterok:${afterJob}`,
    "#PBS -j oe",
    `#PBS -o ${directiveValue(join(launchDir, "figure.out"))}`,
    "#PBS -V",
    ...resourceDirectives(options, false, manifest),
    ...figureBody(manifest, command),
    "",
  ].join("\n");
}

/** PBS job names start with a letter or digit and hold no whitespace. */
function jobName(study: string): string {
  return `nnlab-${study.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
}

/**
 * The job id in what qsub prints: `1234.server` for a job, `1234[].server` for an array.
 *
 * @example
 * ```ts
 * parseQsubOutput("4321[].polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov\n");
 * // "4321[].polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov"
 * ```
 */
export function parseQsubOutput(stdout: string): string {
  const line = stdout.trim().split("\n").at(-1)?.trim() ?? "";
  if (!/^\d+(\[\])?(\.[A-Za-z0-9_.-]+)?$/.test(line)) {
    throw new Error(
      `qsub: printed ${JSON.stringify(stdout.trim())}; expected a job id ("1234[].server")`,
    );
  }
  return line;
}

/**
 * Submits a script with qsub; a refusal is one line with qsub's reason.
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * const jobId = await submitPbs("data/launches/adam-20250101T000000Z/job.pbs", commandRunner());
 * ```
 */
export async function submitPbs(scriptPath: string, run: CommandRunner): Promise<string> {
  const output = await run("qsub", [scriptPath]);
  if (output.code !== 0) {
    const reason = output.stderr.trim().split("\n").map((line) => line.replace(/^qsub: /, ""))
      .filter(Boolean).join("; ");
    throw new Error(`qsub refused ${scriptPath}: ${reason || `exit code ${output.code}`}`);
  }
  return parseQsubOutput(output.stdout);
}

/** Subjob states after which PBS will not run the subjob again (X: expired, F: finished). */
const FINAL_STATES = new Set(["X", "F"]);

/**
 * The subjobs of an array from `qstat -t <id>` (its table: job id, name, user, time, state,
 * queue). A plain job (one task) is task 0.
 *
 * @example
 * ```ts
 * parseQstatTable("1234[0].pbs  nnlab-adam  me  00:00:01 R workq").get(0)?.state; // "R"
 * ```
 */
export function parseQstatTable(text: string): Map<number, TaskState> {
  const tasks = new Map<number, TaskState>();
  for (const line of text.split("\n")) {
    const match = line.trim().match(/^(\d+)(?:\[(\d*)\])?\S*\s+.*\s([A-Z])\s+\S+$/);
    if (!match || match[2] === "") continue; // the array's own line ("1234[]") is no task
    const state = match[3];
    tasks.set(match[2] === undefined ? 0 : Number(match[2]), {
      state,
      active: !FINAL_STATES.has(state),
    });
  }
  return tasks;
}

/**
 * Reads the subjobs of a job with `qstat -t`; a job qstat no longer shows (finished,
 * without job history) is `known: false`.
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * const snapshot = await pbsProbe("1234[].pbs01", commandRunner())();
 * ```
 */
export function pbsProbe(jobId: string, run: CommandRunner): () => Promise<JobSnapshot> {
  return async () => {
    const output = await run("qstat", ["-t", jobId]);
    if (output.code !== 0) return { known: false, tasks: new Map() };
    return { known: true, tasks: parseQstatTable(output.stdout) };
  };
}

/**
 * PBS, for the launcher.
 *
 * @example
 * ```ts
 * PBS_DRIVER.cancelCommand("4321[].pbs01"); // "qdel 4321[].pbs01"
 * ```
 */
export const PBS_DRIVER: SchedulerDriver = {
  name: "pbs",
  submitCommand: "qsub",
  scriptName: "job.pbs",
  arrayScript: pbsArrayScript,
  figureScript: pbsFigureScript,
  submit: submitPbs,
  probe: pbsProbe,
  cancelCommand: (jobId) => `qdel ${jobId}`,
  taskLog: (launchDir, task) => join(launchDir, `task-${task}.out`),
};
