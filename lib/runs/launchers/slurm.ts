/**
 * Slurm: one job array per launch, task i training manifest entry i, as submitit and
 * Hydra's submitit launcher do it. The script asks for `--array=0-(n-1)%P`, one log per
 * task (`task-%a.out`, standard output and error together) in the launch folder, and,
 * for time limits of ten minutes or more, SIGUSR1 to the batch shell two minutes before
 * the limit (`--signal=B:USR1@120`; Slurm may send it up to a minute earlier) so the task
 * stops cleanly. The task's state is read with `scontrol show job`, which works on
 * clusters without accounting (no `sacct`).
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
import type { LaunchManifest } from "./manifest.ts";
import { type LauncherOptions } from "./options.ts";
import { launchDirOf } from "./manifest.ts";

/**
 * Seconds before the time limit at which a task is warned (SIGUSR1).
 *
 * @example
 * ```ts
 * `#SBATCH --signal=B:USR1@${PRE_TIMEOUT_WARNING_SECONDS}`;
 * ```
 */
export const PRE_TIMEOUT_WARNING_SECONDS = 120;
/** Shorter limits get no early warning: it would eat a large part of the run's time. */
const WARNING_MIN_LIMIT_SECONDS = 600;

/**
 * A time limit as sbatch reads it: `D-HH:MM:SS` from a day on, else `H:MM:SS`;
 * `UNLIMITED` for `Infinity`.
 *
 * @example
 * ```ts
 * slurmTime(93_784); // "1-02:03:04"
 * ```
 */
export function slurmTime(seconds: number): string {
  if (seconds === Infinity) return "UNLIMITED";
  const s = Math.ceil(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const days = Math.floor(s / 86_400);
  const clock = `${two(Math.floor(s / 3600) % 24)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  return days > 0 ? `${days}-${clock}` : `${Math.floor(s / 3600)}:${clock.slice(3)}`;
}

/** The resource directives shared by the array job and the figure job. */
function resourceDirectives(
  options: LauncherOptions,
  forTasks: boolean,
  manifest: LaunchManifest,
): string[] {
  const lines: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) lines.push(`#SBATCH --${flag}=${value}`);
  };
  add("partition", options.partition);
  add("account", options.account);
  add("qos", options.qos);
  if (options.timeLimitSeconds !== undefined) add("time", slurmTime(options.timeLimitSeconds));
  add("mem", options.memory);
  if (!forTasks) add("gpus", figureJobGpus(manifest, options.gpus));
  if (forTasks) {
    add("cpus-per-task", options.cpusPerTask);
    add("gpus", options.gpus);
    const limit = options.timeLimitSeconds;
    if (limit !== undefined && limit !== Infinity && limit >= WARNING_MIN_LIMIT_SECONDS) {
      add("signal", `B:USR1@${PRE_TIMEOUT_WARNING_SECONDS}`);
    }
  }
  return [...lines, ...extraDirectives("#SBATCH", options.schedulerArgs)];
}

/** A file in `dir` as an sbatch file-name pattern: a `%` of the folder is doubled (literal). */
function outputPattern(dir: string, pattern: string): string {
  return directiveValue(join(dir.replaceAll("%", "%%"), pattern));
}

/**
 * The sbatch script of a launch: task i runs `array_task.ts <manifest> i`.
 *
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * import type { LauncherOptions } from "./options.ts";
 * declare const manifest: LaunchManifest;
 * declare const options: LauncherOptions;
 * const script = slurmArrayScript(manifest, "/shared/launches/a/manifest.json", options);
 * await Deno.writeTextFile("/shared/launches/a/job.sh", script);
 * ```
 */
export function slurmArrayScript(
  manifest: LaunchManifest,
  manifestPath: string,
  options: LauncherOptions,
): string {
  const n = manifest.entries.length;
  const dir = launchDirOf(manifestPath);
  const cap = options.maxConcurrent !== undefined ? `%${options.maxConcurrent}` : "";
  return [
    "#!/bin/bash",
    `# nnlab: ${n} run(s) of ${manifest.study}, one per array task (lib/runs/launchers/slurm.ts)`,
    `#SBATCH --job-name=${jobName(manifest.study)}`,
    `#SBATCH --array=0-${n - 1}${cap}`,
    `#SBATCH --output=${outputPattern(dir, "task-%a.out")}`,
    `#SBATCH --chdir=${directiveValue(manifest.repoRoot)}`,
    ...resourceDirectives(options, true, manifest),
    ...arrayTaskBody(manifest, manifestPath, '"${SLURM_ARRAY_TASK_ID:?not a Slurm array task}"'),
    "",
  ].join("\n");
}

/**
 * The job that draws the figure once every task of `afterJob` ended successfully
 * (`afterok`); if one fails, Slurm cancels it (`--kill-on-invalid-dep=yes`) instead of
 * leaving it pending forever.
 *
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * import type { LauncherOptions } from "./options.ts";
 * declare const manifest: LaunchManifest;
 * declare const options: LauncherOptions;
 * slurmFigureScript(manifest, "/shared/launches/a", options, "1234", ["experiments/adam.ts"]);
 * ```
 */
export function slurmFigureScript(
  manifest: LaunchManifest,
  launchDir: string,
  options: LauncherOptions,
  afterJob: string,
  command: readonly string[],
): string {
  return [
    "#!/bin/bash",
    `# nnlab: draws the figure of ${manifest.study} once job ${afterJob} succeeded`,
    `#SBATCH --job-name=${jobName(manifest.study)}-figure`,
    `#SBATCH --dependency=afterok:${afterJob}`,
    "#SBATCH --kill-on-invalid-dep=yes",
    `#SBATCH --output=${outputPattern(launchDir, "figure.out")}`,
    `#SBATCH --chdir=${directiveValue(manifest.repoRoot)}`,
    ...resourceDirectives(options, false, manifest),
    ...figureBody(manifest, command),
    "",
  ].join("\n");
}

function jobName(study: string): string {
  return `nnlab-${study.replace(/[^A-Za-z0-9_.-]/g, "-")}`;
}

/**
 * The job id in what `sbatch --parsable` prints: `<id>` or `<id>;<cluster>`.
 *
 * @example
 * ```ts
 * parseSbatchOutput("1234;tiger\n"); // "1234"
 * ```
 */
export function parseSbatchOutput(stdout: string): string {
  const line = stdout.trim().split("\n").at(-1)?.trim() ?? "";
  const match = line.match(/^(\d+)(?:;\S+)?$/);
  if (!match) {
    throw new Error(
      `sbatch: printed ${JSON.stringify(stdout.trim())}; expected a job id ("<id>[;cluster]")`,
    );
  }
  return match[1];
}

/**
 * Submits a script with `sbatch --parsable`; a refusal is one line with sbatch's reason.
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * const jobId = await submitSlurm("data/launches/adam-20250101T000000Z/job.sh", commandRunner());
 * ```
 */
export async function submitSlurm(scriptPath: string, run: CommandRunner): Promise<string> {
  const output = await run("sbatch", ["--parsable", scriptPath]);
  if (output.code !== 0) {
    const reason = output.stderr.trim().split("\n").map((line) =>
      line.replace(/^sbatch: error: /, "").trim()
    ).filter(Boolean).join("; ");
    throw new Error(`sbatch refused ${scriptPath}: ${reason || `exit code ${output.code}`}`);
  }
  return parseSbatchOutput(output.stdout);
}

/** Job states after which Slurm will not run the task again. */
const FINAL_STATES = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
]);

/**
 * The tasks of a job array from `scontrol show job -o <id>` (one line per task; pending
 * tasks may share a line as a range such as `ArrayTaskId=3-5%2`).
 *
 * @example
 * ```ts
 * const tasks = parseScontrolJobs("JobId=7 ArrayJobId=5 ArrayTaskId=1 JobState=CANCELLED ...");
 * tasks.get(1)?.state; // "CANCELLED"
 * ```
 */
export function parseScontrolJobs(text: string): Map<number, TaskState> {
  const tasks = new Map<number, TaskState>();
  for (const line of text.split("\n")) {
    const field = (name: string) => line.match(new RegExp(`(?:^| )${name}=(\\S+)`))?.[1];
    const ids = field("ArrayTaskId");
    const state = field("JobState");
    if (ids === undefined || state === undefined) continue;
    const [exitCode, signal] = (field("ExitCode") ?? "").split(":").map(Number);
    const reason = field("Reason");
    const task: TaskState = {
      state,
      active: !FINAL_STATES.has(state),
      ...(reason && reason !== "None" ? { reason } : {}),
      ...(Number.isInteger(exitCode) ? { exitCode } : {}),
      ...(Number.isInteger(signal) && signal > 0 ? { signal } : {}),
    };
    for (const index of expandIndices(ids.replace(/%\d+$/, ""))) tasks.set(index, task);
  }
  return tasks;
}

/** `0-3,7,9-10:2` as a list of indices. */
function expandIndices(spec: string): number[] {
  const indices: number[] = [];
  for (const part of spec.split(",")) {
    const match = part.match(/^(\d+)(?:-(\d+)(?::(\d+))?)?$/);
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    for (let i = first; i <= last; i += step) indices.push(i);
  }
  return indices;
}

/**
 * Reads the tasks of a job with `scontrol show job -o`. A job Slurm no longer knows (it
 * keeps ended jobs for `MinJobAge`, 300 s by default) is `known: false`; any other
 * failure of scontrol is thrown, for the waiting launcher to report and retry.
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * const snapshot = await slurmProbe("1234", commandRunner())();
 * ```
 */
export function slurmProbe(jobId: string, run: CommandRunner): () => Promise<JobSnapshot> {
  return async () => {
    const output = await run("scontrol", ["show", "job", "-o", jobId]);
    if (output.code !== 0) {
      if (/invalid job id/i.test(output.stderr)) return { known: false, tasks: new Map() };
      throw new Error(`scontrol show job ${jobId}: ${output.stderr.trim().split("\n")[0]}`);
    }
    return { known: true, tasks: parseScontrolJobs(output.stdout) };
  };
}

/**
 * Slurm, for the launcher.
 *
 * @example
 * ```ts
 * SLURM_DRIVER.taskLog("data/launches/adam-20250101T000000Z", 3); // ".../task-3.out"
 * ```
 */
export const SLURM_DRIVER: SchedulerDriver = {
  name: "slurm",
  submitCommand: "sbatch",
  scriptName: "job.sh",
  arrayScript: slurmArrayScript,
  figureScript: slurmFigureScript,
  submit: submitSlurm,
  probe: slurmProbe,
  cancelCommand: (jobId) => `scancel ${jobId}`,
  taskLog: (launchDir, task) => join(launchDir, `task-${task}.out`),
};
