/**
 * The Solver's inner loop with the loss read back once per print interval: a prototype
 * of issue #11 item 3, to be ported into the Solver.
 *
 * Each iteration draws a minibatch as the Solver does (with replacement, from a seeded
 * stream), runs {@linkcode deviceStep} (nothing read back), and every `printEvery`
 * iterations, and after the last, flushes the {@linkcode DeviceLossLog}: one readback that
 * yields the interval's losses for `lossHistory`, whether any was non-finite (the run
 * then stops with the Solver's DivergedError, naming the exact iteration, its loss and
 * the learning rate), and a check that the GPU device is still alive. A step that fails
 * on a lost device fails the run with the device's reason rather than the kernel's
 * unrelated error. The tensors a step creates are freed within it; the loss log holds at
 * most `printEvery` scalars.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LabeledImages } from "../data/types.ts";
import { assertDeviceAlive } from "../kernels/webgpu/device_lost.ts";
import { type OptimConfig, type UpdateRule, updateRule } from "../train/optim.ts";
import { Random } from "../random.ts";
import { DivergedError } from "../train/solver.ts";
import { deviceStep, type TrainableModel } from "./device_step.ts";
import { DeviceLossLog, type LossFlush } from "./loss_log.ts";

/** Options of {@linkcode trainWithDeferredReadback}. */
export interface DeferredTrainingOptions {
  /** A rule name of lib/optim.ts or a rule; default "sgd". */
  updateRule?: string | UpdateRule;
  /** Hyper-parameters, copied for every parameter; default {}. */
  optimConfig?: OptimConfig;
  /** Examples per minibatch; default 100. */
  batchSize?: number;
  numIterations: number;
  /** Iterations between readbacks of the loss; default 10. */
  printEvery?: number;
  /** Seed of the minibatch draws; default 0. */
  seed?: number;
  /** The run's name in error messages; default "run". */
  name?: string;
  /** Called after each flush with what it read (the Solver prints its progress line here). */
  onFlush?: (flush: LossFlush) => void;
}

/** What {@linkcode trainWithDeferredReadback} returns. */
export interface DeferredTrainingResult {
  /** The loss of every iteration, in order. */
  lossHistory: number[];
  /** Readbacks of the loss made: ceil(numIterations / printEvery). */
  readbacks: number;
}

/**
 * Trains `model` on `train` for `numIterations` minibatch updates, reading the loss back
 * once per `printEvery` iterations. Throws DivergedError (lib/solver.ts) when a loss is
 * not finite, with the history before it; the parameters are then those of the last
 * finite iteration.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const w = tf.variable(tf.zeros([2, 2]));
 * const model = {
 *   params: { w },
 *   objective: (X: tf.Tensor, y: tf.Tensor1D) =>
 *     tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), tf.matMul(X as tf.Tensor2D, w)) as tf.Scalar,
 * };
 * const train = { x: new Float32Array([1, 0, 0, 1]), y: new Int32Array([0, 1]), shape: [2, 2] };
 * const { lossHistory, readbacks } = await trainWithDeferredReadback(model, train, {
 *   numIterations: 20, printEvery: 10, batchSize: 2, optimConfig: { learningRate: 0.5 },
 * }); // 20 losses, 2 readbacks
 * ```
 */
export async function trainWithDeferredReadback(
  model: TrainableModel,
  train: LabeledImages,
  options: DeferredTrainingOptions,
): Promise<DeferredTrainingResult> {
  const { numIterations, batchSize = 100, printEvery = 10, seed = 0, name = "run" } = options;
  const rule = typeof options.updateRule === "function"
    ? options.updateRule
    : updateRule(options.updateRule ?? "sgd");
  const configs: Record<string, OptimConfig> = {};
  for (const param of Object.keys(model.params)) configs[param] = { ...options.optimConfig };
  const random = new Random(seed);
  const rowSize = train.x.length / train.shape[0];
  const log = new DeviceLossLog();
  const lossHistory: number[] = [];

  const flush = async () => {
    assertDeviceAlive(name);
    const flushed = await log.flush();
    assertDeviceAlive(name);
    if (flushed.nonFinite) {
      const { iteration, loss } = flushed.nonFinite;
      lossHistory.push(...flushed.losses.slice(0, iteration - flushed.firstIteration));
      const learningRate = configs[Object.keys(configs)[0]]?.learningRate ?? NaN;
      throw new DivergedError(name, iteration, learningRate, loss, {
        lossHistory: [...lossHistory],
        trainAccHistory: [],
        valAccHistory: [],
      });
    }
    lossHistory.push(...flushed.losses);
    options.onFlush?.(flushed);
  };

  try {
    for (let t = 0; t < numIterations; t++) {
      const x = new Float32Array(batchSize * rowSize);
      const y = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) {
        const row = random.integer(train.shape[0]);
        x.set(train.x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
        y[i] = train.y[row];
      }
      const X = tf.tensor(x, [batchSize, ...train.shape.slice(1)]);
      const labels = tf.tensor1d(y, "int32");
      try {
        deviceStep(model, X, labels, rule, configs, log);
      } catch (error) {
        // A lost device fails the next kernel with an unrelated message ("Buffer ... is
        // invalid"); its loss event may still be queued, so let it land, then name it.
        await new Promise((resolve) => setTimeout(resolve, 0));
        assertDeviceAlive(name);
        throw error;
      } finally {
        tf.dispose([X, labels]);
      }
      if ((t + 1) % printEvery === 0 || t + 1 === numIterations) await flush();
    }
  } finally {
    log.dispose();
    for (const config of Object.values(configs)) {
      tf.dispose(
        [config.velocity, config.cache, config.m, config.v].filter((t) => t !== undefined),
      );
    }
  }
  return { lossHistory, readbacks: log.readbacks };
}
