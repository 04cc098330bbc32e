/**
 * A study whose runs train on a cluster (`--launcher slurm|pbs`): the backend its runs are
 * keyed with on the submitting host, and the launch of the runs the store cannot serve.
 *
 * The submitting host (a login node) trains nothing, so it need not start the tier the
 * tasks use: a tier named with `--backend` or `NNLAB_BACKEND` is only described, from the
 * installed packages and this project's kernels, which is all a run's key holds. Two
 * cases start a backend here: `auto`, which takes the best tier of this host for every
 * task, and `tensorflow`, whose key names whichever native package loads (tfjs-node-gpu or
 * tfjs-node). A task whose key differs anyway refuses its run and says why
 * (lib/runs/launchers/array_task.ts).
 *
 * @module
 */
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendInfo, BackendRequest } from "../backend/info.ts";
import { describeUnstartedBackend, initBackend } from "../backend/init.ts";
import { REPO_ROOT } from "../files.ts";
import { backendIdentity } from "../runs/identity.ts";
import { shellQuote } from "../runs/launchers/job_script.ts";
import { cacheMisses, launchRuns } from "../runs/launchers/launch.ts";
import { figureCommandArgs } from "../runs/launchers/options.ts";
import { packedLanes } from "../runs/launchers/packing.ts";
import type { RunSpec } from "../runs/record.ts";
import type { RunStore } from "../runs/store.ts";
import type { StudyFlags } from "./flags.ts";

/**
 * The backend a study keys its runs with when array tasks train them: described without
 * starting for a named tier (webgpu, wasm, cpu), started here for `auto`, tensorflow and
 * native.
 *
 * @returns the backend, and whether it was started in this process.
 * @example
 * ```ts
 * const { info, started } = await submittingBackend("webgpu"); // no GPU needed here
 * info.backend; // "webgpu"; started: false
 * ```
 */
export async function submittingBackend(
  request: BackendRequest,
  threads?: number,
): Promise<{ info: BackendInfo; started: boolean }> {
  if (request !== "auto" && request !== "tensorflow" && request !== "native") {
    return { info: await describeUnstartedBackend(request, { threads }), started: false };
  }
  try {
    return { info: await initBackend({ backend: request, threads }), started: true };
  } catch (error) {
    if (request !== "tensorflow" && request !== "native") throw error;
    throw new Error(
      `${(error as Error).message}; the keys of ${request} runs name ` +
        (request === "native"
          ? "the library that loads (oneDNN's version) and the thread count"
          : "the native package that loads (tfjs-node-gpu or tfjs-node)") +
        ", so it must load on the submitting host as on the compute nodes (webgpu, wasm and " +
        "cpu need not start here)",
    );
  }
}

/**
 * Threads of one run in an array task unless `--threads` says: the task's CPUs
 * (`--cpus-per-task`, else the scheduler's default of one) shared among the runs a
 * packed task trains at once. On native this count is part of the run's key, so it
 * is the task's, never the submitting host's core count.
 *
 * @example
 * ```ts
 * taskThreads({ cpusPerTask: 8, runsPerTask: 1 }); // 8
 * taskThreads({ cpusPerTask: 8, runsPerTask: 3 }); // 2: three runs at once, 2 threads each
 * taskThreads({ runsPerTask: 1 }); // 1
 * ```
 */
export function taskThreads(launch: { cpusPerTask?: number; runsPerTask: number }): number {
  return packedLanes(launch.cpusPerTask ?? 1, launch.runsPerTask).threads;
}

/** What {@linkcode launchStudy} needs. */
export interface StudyLaunch {
  study: string;
  specs: RunSpec[];
  store: RunStore;
  backend: BackendInfo;
  flags: StudyFlags;
  /** The study's command-line arguments, for the command that draws the figure later. */
  args: readonly string[];
  /** The study script's URL (`import.meta.url`). */
  script: string;
  /** Absolute path of the page. */
  out: string;
}

/**
 * Submits the runs the store cannot serve as one job array, and with `--wait` waits for
 * them. Resolves to true when every run is stored, so the study draws its figure now;
 * false otherwise (submitted without `--wait`, a dry run, failed tasks: then the exit code
 * is 1, or a wait given up with Ctrl-C: 130).
 *
 * @example
 * ```ts
 * import { RunStore } from "../runs/store.ts";
 * import type { BackendInfo } from "../backend/info.ts";
 * import type { RunSpec } from "../runs/record.ts";
 * import { parseStudyFlags } from "./flags.ts";
 * declare const specs: RunSpec[];
 * declare const backend: BackendInfo;
 * const args = ["--quick", "--launcher", "slurm", "--wait"];
 * const complete = await launchStudy({
 *   study: "weight_scale", specs, store: new RunStore(), backend, flags: parseStudyFlags(args),
 *   args, script: import.meta.url, out: "/repo/plots/weight_scale.quick.html",
 * });
 * ```
 */
export async function launchStudy(launch: StudyLaunch): Promise<boolean> {
  const { flags, backend } = launch;
  const scriptFile = fileURLToPath(launch.script);
  const outcome = await launchRuns({
    study: launch.study,
    runs: await cacheMisses(launch.specs, launch.store, backend, flags.fresh),
    options: flags.launch,
    backend: {
      name: backend.backend,
      // A tier whose results depend on the thread count runs every task with the count
      // its runs were keyed with.
      ...(flags.threads !== undefined
        ? { threads: flags.threads }
        : (await backendIdentity(backend)).threads !== undefined
        ? { threads: backend.threads }
        : {}),
      identity: await backendIdentity(backend),
    },
    runsDir: launch.store.dir,
    fresh: flags.fresh,
    // The figure job runs in the repository; the command shown, where the user is.
    figureCommand: [
      pathFrom(REPO_ROOT, scriptFile),
      ...figureCommandArgs(absoluteOut(launch.args, launch.out), backend.backend),
    ],
    // Without --fresh, which would submit every run again.
    studyCommand: [
      "deno",
      "run",
      "-A",
      pathFrom(Deno.cwd(), scriptFile),
      ...launch.args.filter((arg) => arg !== "--fresh"),
    ].map(shellQuote).join(" "),
  });
  if (outcome.report?.abandoned) Deno.exitCode = 130;
  else if ((outcome.report?.failed.length ?? 0) > 0) Deno.exitCode = 1;
  return outcome.complete;
}

/** `path` relative to `dir` when inside it, else absolute. */
function pathFrom(dir: string, path: string): string {
  const inside = relative(dir, path);
  return inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

/**
 * `args` with a given `--out` made absolute: the figure job runs in the repository, where
 * a relative path would name another file.
 */
function absoluteOut(args: readonly string[], out: string): string[] {
  return args.flatMap((arg, i) =>
    args[i - 1] === "--out" ? [out] : arg.startsWith("--out=") ? [`--out=${out}`] : [arg]
  );
}
