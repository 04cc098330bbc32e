/**
 * What the launcher needs from a cluster engine (Slurm, PBS): job scripts, a way to
 * submit them, and a look at the tasks of a job. slurm.ts and pbs.ts each provide one;
 * the engine's commands run through a {@linkcode CommandRunner} so tests can point them
 * at a private cluster or stand in for them.
 *
 * @module
 */
import type { LauncherOptions, SchedulerName } from "./options.ts";
import type { LaunchManifest } from "./manifest.ts";

/**
 * The outcome of one command.
 *
 * @example
 * ```ts
 * const output: CommandOutput = { code: 0, stdout: "1234\n", stderr: "" };
 * ```
 */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command (sbatch, qsub, scontrol, qstat) and collects its output.
 *
 * @example
 * ```ts
 * // A stand-in that accepts every submission as job 7.
 * const accept: CommandRunner = () => Promise.resolve({ code: 0, stdout: "7\n", stderr: "" });
 * ```
 */
export type CommandRunner = (command: string, args: string[]) => Promise<CommandOutput>;

/**
 * A {@linkcode CommandRunner} on this machine, with extra environment variables (e.g. the
 * `SLURM_CONF` of a private cluster) on top of this process's.
 *
 * @example
 * ```ts
 * const run = commandRunner({ SLURM_CONF: "/tmp/cluster/slurm.conf" });
 * const { stdout } = await run("sinfo", ["-h"]);
 * ```
 */
export function commandRunner(env: Record<string, string> = {}): CommandRunner {
  return async (command, args) => {
    const output = await new Deno.Command(command, {
      args,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
  };
}

/**
 * A task of a job as the engine sees it.
 *
 * @example
 * ```ts
 * const task: TaskState = { state: "TIMEOUT", reason: "TimeLimit", signal: 15, active: false };
 * ```
 */
export interface TaskState {
  /** The engine's word for it: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, ... */
  state: string;
  /** Why it is pending or ended so, when the engine says. */
  reason?: string;
  /** Exit code of the task's script, when known. */
  exitCode?: number;
  /** Signal that ended it, when known. */
  signal?: number;
  /** Whether the engine may still run it (pending, running, requeued, suspended). */
  active: boolean;
}

/**
 * The tasks of a job, by array index; `known: false` once the engine forgot the job.
 *
 * @example
 * ```ts
 * const snapshot: JobSnapshot = {
 *   known: true,
 *   tasks: new Map([[0, { state: "RUNNING", active: true }]]),
 * };
 * ```
 */
export interface JobSnapshot {
  known: boolean;
  tasks: Map<number, TaskState>;
}

/**
 * Looks at a submitted job.
 *
 * @example
 * ```ts
 * const forgotten: JobProbe = () => Promise.resolve({ known: false, tasks: new Map() });
 * ```
 */
export type JobProbe = () => Promise<JobSnapshot>;

/**
 * One cluster engine (slurm.ts and pbs.ts each export one).
 *
 * @example
 * ```ts
 * import { commandRunner } from "./driver.ts";
 * declare const driver: SchedulerDriver;
 * const jobId = await driver.submit("data/launches/adam-20250101T000000Z/job.sh", commandRunner());
 * const snapshot = await driver.probe(jobId, commandRunner())();
 * ```
 */
export interface SchedulerDriver {
  name: SchedulerName;
  /** The command that submits, which must be on PATH. */
  submitCommand: string;
  /** File name of the array job script in the launch folder. */
  scriptName: string;
  /** The array job script. */
  arrayScript(manifest: LaunchManifest, manifestPath: string, options: LauncherOptions): string;
  /** A job that runs `command` once every task of `afterJob` succeeded. */
  figureScript(
    manifest: LaunchManifest,
    launchDir: string,
    options: LauncherOptions,
    afterJob: string,
    command: readonly string[],
  ): string;
  /** Submits a script; resolves to the job id. */
  submit(scriptPath: string, run: CommandRunner): Promise<string>;
  probe(jobId: string, run: CommandRunner): JobProbe;
  /** The command that cancels the job, for messages. */
  cancelCommand(jobId: string): string;
  /** The log file of array task `task`. */
  taskLog(launchDir: string, task: number): string;
}
