/**
 * The parts of a job script that Slurm and PBS share: bash quoting, scheduler directives
 * from extra arguments, and the body that runs an array task or the figure command with
 * the submitting host's Deno binary inside the repository.
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../files.ts";
import { TASK_EXIT } from "./exit_codes.ts";
import type { LaunchManifest } from "./manifest.ts";

/**
 * The array task's entry point, relative to the repository root.
 *
 * @example
 * ```ts
 * ARRAY_TASK_SCRIPT; // "lib/runs/launchers/array_task.ts"
 * ```
 */
export const ARRAY_TASK_SCRIPT: string = relative(
  REPO_ROOT,
  fileURLToPath(new URL("./array_task.ts", import.meta.url)),
);

/** Tiers that start only where a GPU is. */
const GPU_TIERS: readonly string[] = ["tensorflow", "webgpu"];

/**
 * The GPUs of the job that draws the figure: none, unless the runs' tier needs a GPU to
 * start (drawing starts the backend by name) and the tasks asked for GPUs.
 *
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest; // backend webgpu
 * figureJobGpus(manifest, 4); // 4: the figure job runs where webgpu can start
 * ```
 */
export function figureJobGpus(manifest: LaunchManifest, taskGpus?: number): number | undefined {
  return GPU_TIERS.includes(manifest.backend.name) ? taskGpus : undefined;
}

/**
 * One word for bash, single-quoted unless it is plainly safe.
 *
 * @example
 * ```ts
 * shellQuote("it's"); // `'it'\''s'`
 * ```
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A directive value (a path, mostly): double-quoted when it holds whitespace, which both
 * sbatch and qsub read back as one value. Quotes and line breaks cannot be written there.
 *
 * @example
 * ```ts
 * directiveValue("/home/me/my runs/task-%a.out"); // '"/home/me/my runs/task-%a.out"'
 * ```
 */
export function directiveValue(value: string): string {
  if (/["\n\r]/.test(value)) {
    throw new Error(
      `job script: got ${JSON.stringify(value)}; expected a value without quotes or line ` +
        "breaks (rename the folder)",
    );
  }
  return /\s/.test(value) ? `"${value}"` : value;
}

/**
 * Extra scheduler arguments as directive lines: an option starts a line and the words
 * after it that are not options (its value) join it, so `--constraint gpu` stays one
 * directive.
 *
 * @example
 * ```ts
 * extraDirectives("#SBATCH", ["--constraint", "a100", "--exclusive"]);
 * // ["#SBATCH --constraint a100", "#SBATCH --exclusive"]
 * ```
 */
export function extraDirectives(prefix: string, words: readonly string[]): string[] {
  const lines: string[][] = [];
  for (const word of words) {
    const option = word.match(/^(-[^=\s]+)=(.*)$/s);
    const value = option ? `${option[1]}=${directiveValue(option[2])}` : directiveValue(word);
    if (word.startsWith("-") || lines.length === 0) lines.push([value]);
    else lines.at(-1)!.push(value);
  }
  return lines.map((parts) => `${prefix} ${parts.join(" ")}`);
}

/**
 * The bash that runs one array task: it checks that the repository and the Deno binary of
 * the submitting host are there (a shared filesystem), then replaces itself with the task,
 * so a signal sent to the batch shell reaches Deno.
 *
 * @param taskIndex a bash expression for the array index, e.g. `"$SLURM_ARRAY_TASK_ID"`
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest;
 * const manifestPath = "/shared/nnlab/data/launches/adam-20250101T000000Z/manifest.json";
 * const body = arrayTaskBody(manifest, manifestPath, '"${PBS_ARRAY_INDEX:-0}"');
 * ```
 */
export function arrayTaskBody(
  manifest: LaunchManifest,
  manifestPath: string,
  taskIndex: string,
): string[] {
  return [
    "set -u",
    `deno=${shellQuote(manifest.deno)}`,
    `repo=${shellQuote(manifest.repoRoot)}`,
    `manifest=${shellQuote(manifestPath)}`,
    `task=${taskIndex}`,
    ...sharedFilesystemCheck("task $task"),
    "# exec: Deno replaces the batch shell, so a signal sent to the shell reaches it.",
    `exec "$deno" run -A --config "$repo/deno.json" "$repo/${ARRAY_TASK_SCRIPT}" ` +
    `"$manifest" "$task"`,
  ];
}

/**
 * The bash that runs the study command once every run is stored, to draw its figure.
 *
 * @param command the study script's path and its arguments
 * @example
 * ```ts
 * import type { LaunchManifest } from "./manifest.ts";
 * declare const manifest: LaunchManifest;
 * figureBody(manifest, ["experiments/adam.ts", "--quick", "--launcher", "local"]);
 * ```
 */
export function figureBody(manifest: LaunchManifest, command: readonly string[]): string[] {
  return [
    "set -u",
    `deno=${shellQuote(manifest.deno)}`,
    `repo=${shellQuote(manifest.repoRoot)}`,
    ...sharedFilesystemCheck("figure job"),
    `export NNLAB_RUNS_DIR=${shellQuote(manifest.runsDir)}`,
    `exec "$deno" run -A --config "$repo/deno.json" ${command.map(shellQuote).join(" ")}`,
  ];
}

function sharedFilesystemCheck(who: string): string[] {
  return [
    "# A compute node must see the repository and Deno at the submitting host's paths.",
    'if [ ! -d "$repo" ] || [ ! -x "$deno" ]; then',
    `  echo "nnlab ${who} on $(hostname): cannot see the repository $repo or Deno at $deno` +
    ` (a shared filesystem is assumed)" >&2`,
    `  exit ${TASK_EXIT.noManifest}`,
    "fi",
    `cd "$repo" || exit ${TASK_EXIT.noManifest}`,
  ];
}
