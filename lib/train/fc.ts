/**
 * Trainer of the fully connected studies: one FullyConnectedNet trained by the Solver.
 * Runs name this module as their trainer, so its import graph (model, layers, solver,
 * update rules, data) is the code whose edits invalidate them.
 *
 * @module
 */
import type { DatasetName } from "../data/study.ts";
import { FullyConnectedNet, type Normalization } from "../models/fc_net.ts";
import type { RunResult, RunSpec, TrainContext } from "../runs/runner.ts";
import { studyData } from "./study_data.ts";
import { trainModel } from "./train_model.ts";

/** Everything that defines a fully connected run. */
export interface FcRunConfig extends Record<string, unknown> {
  dataset: Exclude<DatasetName, "auto">;
  /** Training examples (the first numTrain of the training split). */
  numTrain: number;
  hiddenDims: number[];
  normalization: Normalization;
  /** Inverted-dropout keep probability, 1 = none. */
  dropoutKeepProb: number;
  weightScale: number;
  reg: number;
  updateRule: string;
  learningRate: number;
  /** Learning-rate factor per epoch. */
  lrDecay: number;
  numEpochs: number;
  batchSize: number;
  seed: number;
}

/** What a study may leave out of an {@linkcode FcRunConfig}, and the values it then gets. */
export const FC_DEFAULTS = {
  normalization: null,
  dropoutKeepProb: 1,
  reg: 0,
  lrDecay: 1,
} as const satisfies Partial<FcRunConfig>;

/** An {@linkcode FcRunConfig} where the {@linkcode FC_DEFAULTS} may be left out. */
export type FcRunSettings =
  & Omit<FcRunConfig, keyof typeof FC_DEFAULTS>
  & Partial<Pick<FcRunConfig, keyof typeof FC_DEFAULTS>>;

/**
 * A run spec that trains `settings` with this module. The stored config is complete
 * (defaults filled in, other keys dropped), so the cache key and the record show every
 * setting.
 *
 * @example
 * ```ts
 * fcRun("adam", { ...settings, updateRule: "adam", learningRate: 1e-3 });
 * ```
 */
export function fcRun(name: string, settings: FcRunSettings): RunSpec<FcRunConfig> {
  const full = { ...FC_DEFAULTS, ...settings } as FcRunConfig;
  const config: FcRunConfig = {
    dataset: full.dataset,
    numTrain: full.numTrain,
    hiddenDims: full.hiddenDims,
    normalization: full.normalization,
    dropoutKeepProb: full.dropoutKeepProb,
    weightScale: full.weightScale,
    reg: full.reg,
    updateRule: full.updateRule,
    learningRate: full.learningRate,
    lrDecay: full.lrDecay,
    numEpochs: full.numEpochs,
    batchSize: full.batchSize,
    seed: full.seed,
  };
  return { name, config, trainer: import.meta.url };
}

/**
 * Trains one fully connected net; see {@linkcode FcRunConfig}.
 *
 * @example
 * ```ts
 * const result = await train(config, { name: "adam", verbose: true });
 * ```
 */
export async function train(config: FcRunConfig, context: TrainContext): Promise<RunResult> {
  const data = await studyData({
    dataset: config.dataset,
    numTrain: config.numTrain,
    seed: 0,
    quiet: true,
  });
  const inputDim = data.train.shape.slice(1).reduce((a, b) => a * b, 1);
  const model = new FullyConnectedNet({
    hiddenDims: config.hiddenDims,
    inputDim,
    numClasses: data.classNames.length,
    normalization: config.normalization,
    dropoutKeepProb: config.dropoutKeepProb,
    weightScale: config.weightScale,
    reg: config.reg,
    seed: config.seed,
  });
  return trainModel(model, data, {
    updateRule: config.updateRule,
    optimConfig: { learningRate: config.learningRate },
    lrDecay: config.lrDecay,
    numEpochs: config.numEpochs,
    batchSize: config.batchSize,
    seed: config.seed,
  }, context);
}
