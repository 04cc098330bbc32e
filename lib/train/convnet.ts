/**
 * Trainer of exp:overfit: cs231n's ThreeLayerConvNet on the course's data (raw pixel
 * scale 0..255, mean image subtracted, the course's train/val split), trained by the Solver.
 *
 * Its own module so that editing the MNIST nets or the ConvNeXt leaves these runs cached.
 *
 * @module
 */
import type { DatasetName } from "../data/study.ts";
import { ThreeLayerConvNet } from "../models/three_layer_convnet.ts";
import type { RunResult, RunSpec, TrainContext } from "../runs/runner.ts";
import { trainClassifier } from "./cnn.ts";
import { studyData } from "./study_data.ts";

/** Everything that defines a three-layer convnet run. */
export interface ConvNetRunConfig extends Record<string, unknown> {
  dataset: Exclude<DatasetName, "auto">;
  /** The first numTrain training examples; null = the whole training split. */
  numTrain: number | null;
  /** Validation examples (the course's last ones of the training pool). */
  numVal: number;
  numFilters: number;
  filterSize: number;
  hiddenDim: number;
  weightScale: number;
  reg: number;
  updateRule: string;
  learningRate: number;
  numEpochs: number;
  batchSize: number;
  /** Iterations between progress lines. */
  printEvery: number;
  seed: number;
}

/**
 * A run spec that trains `config` with this module.
 *
 * @example
 * ```ts
 * convNetRun("overfit 100", { ...settings, numTrain: 100, weightScale: 1e-2 });
 * ```
 */
export function convNetRun(name: string, config: ConvNetRunConfig): RunSpec<ConvNetRunConfig> {
  const full: ConvNetRunConfig = {
    dataset: config.dataset,
    numTrain: config.numTrain,
    numVal: config.numVal,
    numFilters: config.numFilters,
    filterSize: config.filterSize,
    hiddenDim: config.hiddenDim,
    weightScale: config.weightScale,
    reg: config.reg,
    updateRule: config.updateRule,
    learningRate: config.learningRate,
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    printEvery: config.printEvery,
    seed: config.seed,
  };
  return { name, config: full, trainer: import.meta.url };
}

/**
 * Trains one ThreeLayerConvNet; see {@linkcode ConvNetRunConfig}.
 *
 * @example
 * ```ts
 * const result = await train(config, { name: "overfit 100", verbose: true });
 * ```
 */
export async function train(config: ConvNetRunConfig, context: TrainContext): Promise<RunResult> {
  const data = await studyData({
    dataset: config.dataset,
    ...(config.numTrain === null ? {} : { numTrain: config.numTrain }),
    numVal: config.numVal,
    seed: 0,
    quiet: true,
  });
  const model = new ThreeLayerConvNet({
    inputDim: data.train.shape.slice(1) as [number, number, number],
    numClasses: data.classNames.length,
    numFilters: config.numFilters,
    filterSize: config.filterSize,
    hiddenDim: config.hiddenDim,
    weightScale: config.weightScale,
    reg: config.reg,
    seed: config.seed,
  });
  return trainClassifier(
    model,
    data,
    {
      updateRule: config.updateRule,
      optimConfig: { learningRate: config.learningRate },
      numEpochs: config.numEpochs,
      batchSize: config.batchSize,
      printEvery: config.printEvery,
      seed: config.seed,
    },
    context,
    { valLoss: false },
  );
}
