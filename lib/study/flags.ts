/**
 * The command-line flags every experiment script shares, parsed strictly: an unknown
 * flag or a bad value is an error naming the flag and what it accepts.
 *
 * @module
 */
import { BACKEND_NAMES, type BackendRequest } from "../backend/info.ts";
import { DATASET_NAMES, type DatasetName } from "../data/spec.ts";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { type FlagOptions, parseCommandLine } from "../cli/command_line.ts";

/** Parsed common flags. */
export interface StudyFlags {
  /** Tiny sizes so the study finishes in seconds. */
  quick: boolean;
  backend: BackendRequest;
  /** Backend threads; undefined = the backend's default (all cores for threaded wasm). */
  threads?: number;
  seed: number;
  /** Worker processes for independent runs. */
  jobs: number;
  /** Ignore cached runs. */
  fresh: boolean;
  dataset: DatasetName;
  /** Path of the HTML figure; default plots/<name>.html. */
  out?: string;
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
};

/** One line per flag, for --help. */
export const FLAGS_HELP = `  --quick            tiny sizes, finishes in seconds
  --backend NAME     ${["auto", ...BACKEND_NAMES].join(" | ")} (default auto, or $NNLAB_BACKEND)
  --threads N        backend threads (default: all cores where supported)
  --seed N           integer seed for weights, batches and dropout (default 0)
  --jobs N           worker processes for independent runs (default: number of cores)
  --fresh            ignore cached runs and train again
  --dataset NAME     ${DATASET_NAMES.join(" | ")} (default auto)
  --out FILE         where to write the HTML figure (default plots/<name>.html)
  -h, --help         show this help`;

/**
 * Parses `args` (usually `Deno.args`).
 *
 * @example
 * ```ts
 * const flags = parseStudyFlags(["--quick", "--seed", "3"]);
 * flags.seed; // 3
 * ```
 */
export function parseStudyFlags(args: string[]): StudyFlags {
  const { values } = parseCommandLine(args, OPTIONS);
  // A value out of range names the range (`--jobs -1`: "expected an integer >= 1").
  const integer = (name: string, min: number, fallback?: number) => {
    const text = values[name] as string | undefined;
    if (text === undefined) return fallback;
    const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(value >= min)) throw argumentError(`--${name}`, text, `an integer >= ${min}`);
    return numberIn(`--${name}`, value, { min, integer: true });
  };
  const cores = navigator.hardwareConcurrency ?? 1;
  return {
    quick: values.quick === true,
    backend: values.backend === undefined
      ? "auto"
      : oneOf("--backend", values.backend, ["auto", ...BACKEND_NAMES]),
    threads: integer("threads", 1),
    seed: integer("seed", 0, 0)!,
    jobs: integer("jobs", 1, cores)!,
    fresh: values.fresh === true,
    dataset: values.dataset === undefined
      ? "auto"
      : oneOf("--dataset", values.dataset, DATASET_NAMES),
    out: values.out as string | undefined,
    help: values.help === true,
  };
}
