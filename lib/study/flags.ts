/**
 * The command-line flags every study script shares, parsed strictly: an unknown
 * flag or a bad value is an error naming the flag and what it accepts.
 *
 * @module
 */
import { join } from "node:path";
import { BACKEND_NAMES, type BackendRequest } from "../backend/info.ts";
import { DATASET_NAMES, type DatasetName } from "../data/spec.ts";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { REPO_ROOT } from "../files.ts";
import { type FlagOptions, parseCommandLine } from "../cli/command_line.ts";
import { readEnv } from "../runs/launchers/environment.ts";
import {
  LAUNCHER_ENV_NAMES,
  LAUNCHER_FLAGS_HELP,
  LAUNCHER_PARSE_OPTIONS,
  type LauncherOptions,
  type LauncherSources,
  resolveLauncherOptions,
} from "../runs/launchers/options.ts";

/** Parsed common flags. */
export interface StudyFlags {
  /** Tiny sizes so the study finishes in seconds. */
  quick: boolean;
  backend: BackendRequest;
  /** Backend threads; undefined = the backend's default (all cores for threaded wasm). */
  threads?: number;
  seed: number;
  /** Worker processes for independent runs; undefined = as many as the cores allow. */
  jobs?: number;
  /** Ignore cached runs. */
  fresh: boolean;
  dataset: DatasetName;
  /** Path of the HTML figure; default plots/<name>.html (plots/<name>.quick.html with --quick). */
  out?: string;
  /** Where the runs train: here (`--jobs`), or as a Slurm or PBS job array, and with what. */
  launch: LauncherOptions;
  help: boolean;
}

const OPTIONS: FlagOptions = {
  quick: { type: "boolean" },
  backend: { type: "string" },
  threads: { type: "string" },
  seed: { type: "string" },
  jobs: { type: "string" },
  fresh: { type: "boolean" },
  dataset: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
  ...LAUNCHER_PARSE_OPTIONS,
};

/** One line per flag, for --help. */
export const FLAGS_HELP = `  --quick            tiny sizes, finishes in seconds
  --backend NAME     ${["auto", ...BACKEND_NAMES].join(" | ")} (default auto, or $NNLAB_BACKEND)
  --threads N        backend threads per run (default: the cores left per job)
  --seed N           integer seed for weights, batches and dropout (default 0)
  --jobs N           worker processes for independent runs (default: cores / threads)
  --fresh            ignore cached runs and train again
  --dataset NAME     ${DATASET_NAMES.join(" | ")} (default auto)
  --out FILE         where to write the HTML figure (default plots/<name>.html, with
                     --quick plots/<name>.quick.html; a quick page never replaces a full one)
${LAUNCHER_FLAGS_HELP}
  -h, --help         show this help`;

/** The tier asked for by `--backend`, else `$NNLAB_BACKEND`, else auto. */
function backendRequest(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): BackendRequest {
  const [source, value] = flag !== undefined
    ? ["--backend", flag]
    : ["NNLAB_BACKEND", env.NNLAB_BACKEND || undefined];
  return value === undefined ? "auto" : oneOf(source, value, ["auto", ...BACKEND_NAMES]);
}

/**
 * Where settings not given as flags are read: the environment (`NNLAB_BACKEND`,
 * `NNLAB_LAUNCHER`, `NNLAB_SLURM_*`, `NNLAB_PBS_*`) and deno.json (its slurm and pbs
 * sections).
 */
export type FlagDefaults = Omit<LauncherSources, "flags">;

/**
 * The environment and deno.json of this process and repository. Variables this process
 * may not read (a confined reproduction) count as unset.
 */
function readFlagDefaults(): FlagDefaults {
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "deno.json")));
  } catch {
    // No readable deno.json (a copied script): the launcher's own defaults apply.
  }
  const names = ["NNLAB_BACKEND", ...LAUNCHER_ENV_NAMES];
  return { env: Object.fromEntries(names.map((name) => [name, readEnv(name)])), config };
}

/**
 * Parses `args` (usually `Deno.args`); what they leave out is read from `defaults` (the
 * environment and deno.json unless given).
 *
 * @example
 * ```ts
 * const flags = parseStudyFlags(["--quick", "--seed", "3"]);
 * flags.seed; // 3
 * flags.launch.launcher; // "local", unless $NNLAB_LAUNCHER says otherwise
 * ```
 */
export function parseStudyFlags(
  args: string[],
  defaults: FlagDefaults = readFlagDefaults(),
): StudyFlags {
  const { values } = parseCommandLine(args, OPTIONS);
  // A value out of range names the range (`--jobs -1`: "expected an integer >= 1").
  const integer = (name: string, min: number, fallback?: number) => {
    const text = values[name] as string | undefined;
    if (text === undefined) return fallback;
    const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(value >= min)) throw argumentError(`--${name}`, text, `an integer >= ${min}`);
    return numberIn(`--${name}`, value, { min, integer: true });
  };
  const launch = resolveLauncherOptions({ flags: values, ...defaults });
  if (launch.launcher !== "local" && values.jobs !== undefined) {
    throw new Error(
      `--jobs: applies to --launcher local (worker processes here); got --launcher ` +
        `${launch.launcher}, where each run is an array task (--max-concurrent P caps how many ` +
        "run at once)",
    );
  }
  return {
    quick: values.quick === true,
    backend: backendRequest(values.backend as string | undefined, defaults.env),
    threads: integer("threads", 1),
    seed: integer("seed", 0, 0)!,
    jobs: integer("jobs", 1),
    fresh: values.fresh === true,
    dataset: values.dataset === undefined
      ? "auto"
      : oneOf("--dataset", values.dataset, DATASET_NAMES),
    out: values.out as string | undefined,
    launch,
    help: values.help === true,
  };
}

/** How a study's runs share the cores: worker processes, and threads per run. */
export interface CoreSplit {
  /** Runs trained at once (1: in the study's process). */
  jobs: number;
  /** Threads of each run. */
  threads: number;
  /** One line when `--jobs` times `--threads` asks for more threads than there are cores. */
  oversubscribed?: string;
}

/**
 * Splits `cores` between `--jobs` and `--threads` for a study of `runs` runs, so that
 * jobs x threads <= cores: `--threads T` alone runs floor(cores / T) jobs, `--jobs J`
 * alone gives each run floor(cores / J) threads, neither runs min(cores, runs) jobs with
 * the cores shared among them (a one-run study gets every core). Flags that ask for more
 * threads than cores are taken as asked, with a line saying so.
 *
 * The split depends on the study's run count, not on how many of its runs are cached:
 * the thread count of a run is part of its identity on tiers whose results depend on it
 * (native), so a rerun keys its runs as the first run did, in a worker or here.
 *
 * @example
 * ```ts
 * splitCores({}, 8, 40); // { jobs: 8, threads: 1 }
 * splitCores({}, 8, 2); // { jobs: 2, threads: 4 }
 * splitCores({}, 8, 1); // { jobs: 1, threads: 8 }
 * splitCores({ threads: 4 }, 8, 40); // { jobs: 2, threads: 4 }
 * splitCores({ jobs: 1 }, 8, 40); // { jobs: 1, threads: 8 }
 * splitCores({ jobs: 4, threads: 4 }, 8, 40).oversubscribed; // "16 threads on 8 cores: ..."
 * ```
 */
export function splitCores(
  flags: { jobs?: number; threads?: number },
  cores: number,
  runs: number,
): CoreSplit {
  const jobs = flags.jobs ??
    (flags.threads !== undefined
      ? Math.max(1, Math.floor(cores / flags.threads))
      : Math.max(1, Math.min(cores, runs)));
  const threads = flags.threads ?? Math.max(1, Math.floor(cores / jobs));
  if (jobs * threads <= cores) return { jobs, threads };
  return {
    jobs,
    threads,
    oversubscribed: `${jobs * threads} threads on ${cores} core${cores > 1 ? "s" : ""}: ` +
      `${jobs} job${jobs > 1 ? "s" : ""} x ${threads} thread${threads > 1 ? "s" : ""} ` +
      "oversubscribe them (runs slow each other down)",
  };
}
