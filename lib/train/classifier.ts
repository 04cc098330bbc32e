/**
 * The trainer of every study: one classifier from the model table (lib/models/table.ts)
 * on the data its {@linkcode DataSpec} describes, trained by the Solver, with what the
 * figures need recorded besides the Solver's histories.
 *
 * A run spec names this module as its trainer and the model's module as a module it
 * loads, so a run's identity covers this file's graph (Solver, update rules, data
 * loading, the layers the Solver reaches) plus its own model's code, and no other model's.
 *
 * Recorded, per epoch: mean training loss, accuracies, and optionally the validation loss
 * and the test split's loss and accuracy (studies that follow PyTorch's tutorials
 * evaluate their test set every epoch); at the end, from the final parameters, the
 * confusion matrix and misclassified examples of the val or test split. Validation and
 * test stay distinct: a study without a validation split has no val metrics, and its
 * model keeps its final parameters (nothing to choose the best ones by).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AugmentOptions } from "../data/augment.ts";
import { loadData } from "../data/load.ts";
import type { DataSpec } from "../data/spec.ts";
import type { LabeledImages, StudyData } from "../data/types.ts";
import { checkLabelRange } from "../layers/check.ts";
import { softmaxLoss } from "../layers/losses.ts";
import type { ImageShape } from "../models/image_shape.ts";
import type { Model } from "../models/model.ts";
import type { Sequential } from "../models/sequential.ts";
import { loadModel, type ModelId, MODELS } from "../models/table.ts";
import type {
  EpochRow,
  MisclassifiedExample,
  RunExtras,
  RunResult,
  RunSpec,
  TrainContext,
  Trainer,
  TrainingHistory,
} from "../runs/record.ts";
import { DivergedError, Solver } from "./solver.ts";

/** Per-batch augmentation of the training images (see lib/data/augment.ts). */
export interface AugmentSettings {
  /** Probability of a horizontal flip. */
  flip: number;
  /** Area range of the random resized crop. */
  cropScale: [number, number];
  /** Brightness, contrast and saturation strength of the colour jitter. */
  jitter: number;
}

/** What a run records besides the Solver's histories. */
export interface RecordSettings {
  /** Measure the validation loss after every epoch (one more pass over val). */
  valLoss: boolean;
  /** Evaluate the test split (loss and accuracy) after every epoch. */
  testEachEpoch: boolean;
  /** Record the confusion matrix of the final parameters on this split; null for none. */
  confusion: "val" | "test" | null;
  /** How many misclassified examples of the confusion split to keep (the first ones). */
  misclassified: number;
}

/** The fields of a {@linkcode ClassifierRunConfig}. */
interface ClassifierRunFields {
  data: DataSpec;
  model: ModelId;
  /** The model's own options (its factory's); input shape, classes and seed come from the run. */
  modelOptions: Record<string, unknown>;
  updateRule: string;
  /** learningRate, and momentum, decayRate, beta1, weightDecay ... as the rule takes them. */
  optimConfig: Record<string, number>;
  /** Learning-rate factor per epoch. */
  lrDecay: number;
  numEpochs: number;
  batchSize: number;
  /** Iterations between progress lines. */
  printEvery: number;
  augment: AugmentSettings | null;
  record: RecordSettings;
  seed: number;
}

/** Everything that defines a classifier run; stored complete in its record and key. */
export interface ClassifierRunConfig extends ClassifierRunFields, Record<string, unknown> {}

type Required = "data" | "model" | "updateRule" | "numEpochs" | "batchSize" | "seed";

/** A {@linkcode ClassifierRunConfig} where every field with a default may be left out. */
export type ClassifierRunSettings =
  & Pick<ClassifierRunFields, Required>
  & Partial<Omit<ClassifierRunFields, Required | "record">>
  & { record?: Partial<RecordSettings> };

/** The defaults of {@linkcode ClassifierRunSettings}. */
export const CLASSIFIER_DEFAULTS: Pick<
  ClassifierRunConfig,
  "modelOptions" | "optimConfig" | "lrDecay" | "printEvery" | "augment" | "record"
> = {
  modelOptions: {},
  optimConfig: {},
  lrDecay: 1,
  printEvery: 10,
  augment: null,
  record: { valLoss: false, testEachEpoch: false, confusion: null, misclassified: 0 },
};

const AUGMENT_MODULE = new URL("../data/augment.ts", import.meta.url).href;

/**
 * A run spec that trains `settings` with this module. The stored config is complete
 * (defaults filled in, unknown keys dropped), so the key and the record show every
 * setting.
 *
 * @example
 * ```ts
 * import type { DataSpec } from "../data/spec.ts";
 * declare const data: DataSpec;
 * classifierRun("momentum 0.9", {
 *   data, model: "mnist_cnn", updateRule: "sgd_momentum",
 *   optimConfig: { learningRate: 1e-3, momentum: 0.9 }, numEpochs: 10, batchSize: 32, seed: 0,
 * });
 * ```
 */
export function classifierRun(
  name: string,
  settings: ClassifierRunSettings,
): RunSpec<ClassifierRunConfig> {
  const config: ClassifierRunConfig = {
    data: settings.data,
    model: settings.model,
    modelOptions: settings.modelOptions ?? CLASSIFIER_DEFAULTS.modelOptions,
    updateRule: settings.updateRule,
    optimConfig: settings.optimConfig ?? CLASSIFIER_DEFAULTS.optimConfig,
    lrDecay: settings.lrDecay ?? CLASSIFIER_DEFAULTS.lrDecay,
    numEpochs: settings.numEpochs,
    batchSize: settings.batchSize,
    printEvery: settings.printEvery ?? CLASSIFIER_DEFAULTS.printEvery,
    augment: settings.augment ?? CLASSIFIER_DEFAULTS.augment,
    record: { ...CLASSIFIER_DEFAULTS.record, ...settings.record },
    seed: settings.seed,
  };
  const entry = MODELS[config.model];
  if (!entry) {
    throw new Error(
      `model: got ${JSON.stringify(config.model)}; expected one of ${
        Object.keys(MODELS).join(", ")
      }`,
    );
  }
  const modules = [entry.module, ...(config.augment ? [AUGMENT_MODULE] : [])];
  return { name, config, trainer: import.meta.url, modules };
}

/**
 * Trains one classifier; see {@linkcode ClassifierRunConfig}. Metrics: the Solver's
 * best and final accuracies and final loss; `testAcc` and `testLoss` of the final model
 * (best validation parameters where there is a validation split) on the whole test
 * split; `finalEpochLoss` (mean training loss of the last epoch) and `finalTrainAccAll`
 * (accuracy on the whole training split); `finalValLoss` when measured; `bestTestAcc`
 * when the test split is evaluated every epoch; `divergedAt` for a diverged run.
 *
 * @example
 * ```ts
 * declare const config: ClassifierRunConfig;
 * const result = await trainRun(config, { name: "adam" });
 * ```
 */
export const trainRun: Trainer<ClassifierRunConfig> = async (config, context) => {
  const data = await loadData(config.data);
  const model = await loadModel(config.model, {
    ...config.modelOptions,
    inputShape: data.train.shape.slice(1) as ImageShape,
    numClasses: data.classNames.length,
    seed: config.seed,
  });
  try {
    return await train(model, data, config, context);
  } finally {
    if (model.dispose) model.dispose();
    else tf.dispose(Object.values(model.params));
  }
};

async function train(
  model: Model,
  data: StudyData,
  config: ClassifierRunConfig,
  context: TrainContext,
): Promise<RunResult> {
  const { record } = config;
  const extra: RunExtras = { epochs: [], shapes: layerShapes(model, data.train.shape) };
  const epochLoss = { sum: 0, count: 0 };
  const finalMetrics: Record<string, number> = {};
  const confusionSplit = record.confusion === null ? null : data[record.confusion];
  if (data.test.shape[0] > 0) checkLabelRange("data.test.y", data.test.y, data.classNames.length);
  const onEpoch = async (summary: { epoch: number; trainAcc: number; valAcc: number | null }) => {
    const last = summary.epoch === config.numEpochs;
    const val = record.valLoss && data.val.shape[0] > 0 ? await evaluate(model, data.val) : null;
    const test = record.testEachEpoch && data.test.shape[0] > 0
      ? await evaluate(model, data.test)
      : null;
    extra.epochs.push(
      {
        epoch: summary.epoch,
        trainLoss: epochLoss.count > 0 ? epochLoss.sum / epochLoss.count : null,
        trainAcc: summary.trainAcc,
        valAcc: summary.valAcc,
        valLoss: val?.loss ?? null,
        testAcc: test ? accuracy(test.predicted, data.test.y) : null,
        testLoss: test?.loss ?? null,
      } satisfies EpochRow,
    );
    if (last) {
      if (val) finalMetrics.finalValLoss = val.loss;
      finalMetrics.finalEpochLoss = epochLoss.sum / epochLoss.count;
      const onTrain = await evaluate(model, data.train);
      finalMetrics.finalTrainAccAll = accuracy(onTrain.predicted, data.train.y);
      if (confusionSplit && confusionSplit.shape[0] > 0) {
        const { predicted } = await evaluate(model, confusionSplit);
        extra.evaluatedOn = record.confusion!;
        extra.confusion = confusion(confusionSplit.y, predicted, data.classNames.length);
        if (record.misclassified > 0) {
          extra.misclassified = misclassified(confusionSplit, predicted, record.misclassified);
        }
      }
    }
    epochLoss.sum = 0;
    epochLoss.count = 0;
  };
  const solver = new Solver(model, data, {
    updateRule: config.updateRule,
    optimConfig: config.optimConfig,
    lrDecay: config.lrDecay,
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    printEvery: config.printEvery,
    seed: config.seed,
    name: context.name,
    verbose: context.progress !== undefined,
    progress: context.progress,
    onIteration: (report) => {
      epochLoss.sum += report.loss;
      epochLoss.count++;
    },
    onEpoch,
    ...(config.augment ? { augment: await augmentOf(config.augment, config.seed) } : {}),
  });
  try {
    const result = await solver.train();
    const metrics: Record<string, number> = { ...historyMetrics(result.history), ...finalMetrics };
    if (data.test.shape[0] > 0) {
      const test = await evaluate(model, data.test);
      metrics.testAcc = accuracy(test.predicted, data.test.y);
      metrics.testLoss = test.loss;
    }
    const testAccs = extra.epochs.map((row) => row.testAcc).filter((a): a is number => a !== null);
    if (testAccs.length > 0) metrics.bestTestAcc = Math.max(...testAccs);
    return {
      status: "finished",
      history: result.history,
      metrics,
      timings: { perIteration: result.timings, iterations: result.iterations },
      extra,
    };
  } catch (error) {
    if (!(error instanceof DivergedError)) throw error;
    return {
      status: "diverged",
      error: error.message,
      history: error.history,
      metrics: { ...historyMetrics(error.history), divergedAt: error.iteration },
      timings: {
        perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 },
        iterations: error.history.lossHistory.length,
      },
      extra,
    };
  }
}

/** The augmentation transform, loaded only by runs that augment (its module is in their identity). */
async function augmentOf(settings: AugmentSettings, seed: number) {
  const { augmentation } = await import(AUGMENT_MODULE) as {
    augmentation: (
      options: AugmentOptions,
      seed: number,
    ) => (x: tf.Tensor4D, i: number) => tf.Tensor4D;
  };
  return augmentation({
    flip: settings.flip,
    crop: { scale: settings.cropScale },
    jitter: { brightness: settings.jitter, contrast: settings.jitter, saturation: settings.jitter },
  }, seed);
}

/**
 * Final metrics from a history: best and final accuracies (fractions) and final loss;
 * validation ones only where there was a validation split.
 *
 * @example
 * ```ts
 * historyMetrics({ lossHistory: [2.3, 1.9], trainAccHistory: [0.1, 0.4], valAccHistory: [] });
 * // { bestTrainAcc: 0.4, finalTrainAcc: 0.4, finalLoss: 1.9 }
 * ```
 */
export function historyMetrics(history: TrainingHistory): Record<string, number> {
  const last = <T>(values: T[]) => values[values.length - 1];
  const metrics: Record<string, number> = {};
  if (history.valAccHistory.length > 0) {
    metrics.bestValAcc = Math.max(...history.valAccHistory);
    metrics.finalValAcc = last(history.valAccHistory);
  }
  if (history.trainAccHistory.length > 0) {
    metrics.bestTrainAcc = Math.max(...history.trainAccHistory);
    metrics.finalTrainAcc = last(history.trainAccHistory);
  }
  if (history.lossHistory.length > 0) metrics.finalLoss = last(history.lossHistory);
  return metrics;
}

/**
 * The output shape after every top-level layer for one example of `inputShape` (N
 * ignored); empty for models without a layer list.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/table.ts";
 * layerShapes(await loadModel("mnist_cnn"), [1, 28, 28, 1]); // [["conv1", [1, 26, 26, 32]], ...]
 * ```
 */
export function layerShapes(model: Model, inputShape: number[]): [string, number[]][] {
  const { layers } = model as Partial<Sequential>;
  if (!Array.isArray(layers)) return [];
  const shapes: [string, number[]][] = [];
  tf.tidy(() => {
    let out: tf.Tensor = tf.zeros([1, ...inputShape.slice(1)]);
    for (const [name, layer] of layers) {
      out = layer.forward(out, { training: false });
      shapes.push([name, out.shape]);
    }
  });
  return shapes;
}

/**
 * Mean softmax loss and predicted classes of `images`, evaluation mode, in batches; the
 * losses and predictions stay on the device until one read at the end.
 */
async function evaluate(model: Model, images: LabeledImages, batchSize = 250) {
  const n = images.shape[0];
  if (n === 0) return { loss: NaN, predicted: new Int32Array(0) };
  const rowSize = images.x.length / n;
  const parts: tf.Tensor[] = [];
  let packed: tf.Tensor | undefined;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      parts.push(...tf.tidy(() => {
        const X = tf.tensor(images.x.subarray(start * rowSize, end * rowSize), [
          end - start,
          ...images.shape.slice(1),
        ]);
        const scores = model.scores(X, { training: false });
        const y = tf.tensor1d(images.y.subarray(start, end), "int32");
        // Class indices are small integers, exact in float32: one buffer holds both.
        return [
          tf.reshape(tf.mul(softmaxLoss(scores, y), end - start), [1]),
          tf.cast(tf.argMax(scores, 1), "float32"),
        ];
      }));
    }
    // [loss sum of each batch..., predictions of each batch...]
    const losses = parts.filter((_, i) => i % 2 === 0);
    const predictions = parts.filter((_, i) => i % 2 === 1);
    packed = tf.concat([...losses, ...predictions]);
    const values = await packed.data();
    let lossSum = 0;
    for (let i = 0; i < losses.length; i++) lossSum += values[i];
    return { loss: lossSum / n, predicted: Int32Array.from(values.subarray(losses.length)) };
  } finally {
    tf.dispose([...parts, ...(packed ? [packed] : [])]);
  }
}

function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}

function confusion(labels: Int32Array, predicted: Int32Array, numClasses: number): number[][] {
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
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
