/**
 * Batch normalization (Ioffe and Szegedy 2015), cs231n's version: for (N, D) inputs and,
 * through a reshape, for (N, H, W, C) images (spatial batchnorm, statistics per channel).
 *
 * Training mode normalizes with the batch mean and biased variance and updates the running
 * statistics in place: running = momentum * running + (1 - momentum) * batch. Test mode
 * normalizes with the running statistics.
 *
 * The default {@linkcode batchnorm} differentiates with the simplified closed form
 *   dx = gamma / (N std) * (N dout - sum(dout) - xhat * sum(dout * xhat)),
 *   dgamma = sum(dout * xhat), dbeta = sum(dout)   (sums over the batch axis)
 * through tf.customGrad, instead of autodiff's graph of a dozen ops;
 * {@linkcode batchnormAutodiff} is the same forward left to autodiff, for comparison.
 * On the wasm and native backends the closed form runs as two kernels (one forward, one
 * backward; lib/kernels/batchnorm.ts names them) instead of ~10 elementwise kernels each
 * way; other backends run the tf-op version below.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import {
  BATCHNORM_TRAIN_GRAD_KERNEL,
  BATCHNORM_TRAIN_KERNEL,
  batchnormKernelsActive,
} from "../kernels/wasm/batchnorm.ts";
import { expectShapeOf, expectTensor, showShape } from "./check.ts";
import { variableFrom } from "./init.ts";
import type { ForwardOptions, Module } from "./module.ts";

/** cs231n's defaults. */
export const BATCHNORM_MOMENTUM = 0.9;
/** Added to the variance before the square root. */
export const BATCHNORM_EPS = 1e-5;

/** Which backward pass batchnorm uses. */
export const BATCHNORM_BACKWARDS = ["closedForm", "autodiff"] as const;
/** Which backward pass batchnorm uses. */
export type BatchnormBackward = typeof BATCHNORM_BACKWARDS[number];

/** Mode, running statistics and hyper-parameters of a batchnorm call (cs231n's bn_param). */
export interface BatchnormOptions {
  /** Batch statistics and running-stat updates when true; running statistics when false
   * (the default). */
  training?: boolean;
  /** Running mean `(D,)`, updated in place in training mode. */
  runningMean: tf.Variable;
  /** Running (biased) variance `(D,)`, updated in place in training mode. */
  runningVar: tf.Variable;
  /** Weight of the old running value, default 0.9. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
}

type Checked = { D: number; training: boolean; momentum: number; eps: number };

function check(
  fn: string,
  x: unknown,
  gamma: unknown,
  beta: unknown,
  options: BatchnormOptions,
): asserts x is tf.Tensor2D {
  expectTensor(fn, "x", x, 2);
  const D = x.shape[1] as number;
  const why = `one per feature; x.shape is ${showShape(x.shape)}`;
  expectTensor(fn, "gamma", gamma, 1);
  expectShapeOf(fn, "gamma", gamma, [D], why);
  expectTensor(fn, "beta", beta, 1);
  expectShapeOf(fn, "beta", beta, [D], why);
  if (options === undefined || options === null || typeof options !== "object") {
    throw argumentError(`${fn}: options`, options, "{ training, runningMean, runningVar }");
  }
  for (const name of ["runningMean", "runningVar"] as const) {
    const stat = options[name];
    if (!(stat instanceof tf.Variable)) {
      throw argumentError(`${fn}: ${name}`, stat, `a tf.Variable of shape [${D}]`);
    }
    expectShapeOf(fn, name, stat, [D], why);
  }
}

function settings(fn: string, x: tf.Tensor2D, options: BatchnormOptions): Checked {
  const { training = false, momentum = BATCHNORM_MOMENTUM, eps = BATCHNORM_EPS } = options;
  return {
    D: x.shape[1],
    training: oneOf(`${fn}: training`, training, [true, false]),
    momentum: numberIn(`${fn}: momentum`, momentum, { min: 0, max: 1 }),
    eps: numberIn(`${fn}: eps`, eps, { min: 0, minExclusive: true }),
  };
}

/** running = momentum * running + (1 - momentum) * batch, for the mean and the variance. */
function updateRunningStats(
  options: BatchnormOptions,
  momentum: number,
  mean: tf.Tensor,
  variance: tf.Tensor,
): void {
  tf.tidy(() => {
    const blend = (running: tf.Variable, batch: tf.Tensor) =>
      running.assign(tf.add(tf.mul(running, momentum), tf.mul(batch, 1 - momentum)));
    blend(options.runningMean, mean);
    blend(options.runningVar, variance);
  });
}

/** Test mode: out = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. */
function testForward(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchnormOptions,
  eps: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const std = tf.sqrt(tf.add(options.runningVar, eps));
    return tf.add(tf.mul(gamma, tf.div(tf.sub(x, options.runningMean), std)), beta);
  });
}

/**
 * Batch normalization of `x: (N, D)` with the closed-form backward (see the module
 * comment). The running statistics are updated inside the customGrad forward, where
 * tfjs records nothing on the gradient tape.
 *
 * @param x `(N, D)`
 * @param gamma scale `(D,)`
 * @param beta shift `(D,)`
 * @returns `(N, D)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { batchnorm } from "./batchnorm.ts";
 *
 * const x = tf.tensor2d([[1, 10], [3, 30]]); // N = 2 examples, D = 2 features
 * const [gamma, beta] = [tf.ones([2]), tf.zeros([2])];
 * const runningMean = tf.variable(tf.zeros([2]), false);
 * const runningVar = tf.variable(tf.ones([2]), false);
 * const out = batchnorm(x, gamma, beta, { training: true, runningMean, runningVar });
 * out.arraySync(); // about [[-1, -1], [1, 1]]: each feature to mean 0, variance 1
 * runningMean.arraySync(); // [0.2, 2]: 0.9 * 0 + 0.1 * the batch mean [2, 20]
 * ```
 */
export function batchnorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchnormOptions,
): tf.Tensor2D {
  check("batchnorm", x, gamma, beta, options);
  const { training, momentum, eps } = settings("batchnorm", x, options);
  if (!training) return testForward(x, gamma, beta, options, eps);

  if (x.dtype === "float32" && batchnormKernelsActive()) {
    return kernelTraining(x, gamma, beta, options, momentum, eps);
  }
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(x, 0);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), 0);
    const std = tf.sqrt(tf.add(variance, eps));
    const xhat = tf.div(centered, std);
    updateRunningStats(options, momentum, mean, variance);
    save([xhat, std, gamma]);
    return {
      value: tf.add(tf.mul(gamma, xhat), beta),
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) => {
        const [xhat, std, gamma] = saved;
        const N = dout.shape[0] as number;
        const dbeta = tf.sum(dout, 0);
        const dgamma = tf.sum(tf.mul(dout, xhat), 0);
        const dx = tf.mul(
          tf.div(gamma, tf.mul(std, N)),
          tf.sub(tf.sub(tf.mul(dout, N), dbeta), tf.mul(xhat, dgamma)),
        );
        return [dx, dgamma, dbeta];
      },
    };
  });
  return normalize(x, gamma, beta) as tf.Tensor2D;
}

/**
 * The closed form as two kernels of the active backend: one forward (y and the batch
 * statistics) and one backward (dx, dgamma, dbeta). The tape keeps x and the two (D,) statistics,
 * not xhat: the backward recomputes xhat from them.
 */
function kernelTraining(
  x: tf.Tensor2D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchnormOptions,
  momentum: number,
  eps: number,
): tf.Tensor2D {
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(
      BATCHNORM_TRAIN_KERNEL,
      { x, gamma, beta },
      { eps },
    ) as tf.Tensor[];
    updateRunningStats(options, momentum, mean, variance);
    save([x, mean, variance, gamma]);
    return {
      value: y,
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) => {
        const [x, mean, variance, gamma] = saved;
        return tf.engine().runKernel(
          BATCHNORM_TRAIN_GRAD_KERNEL,
          { dy: dout, x, mean, variance, gamma },
          { eps },
        ) as tf.Tensor[];
      },
    };
  });
  return normalize(x, gamma, beta) as tf.Tensor2D;
}

/**
 * The same batch normalization as {@linkcode batchnorm}, differentiated by autodiff.
 * Its running-stat update reuses the taped batch statistics; those few ops reach no loss,
 * so backprop prunes them.
 *
 * @param x `(N, D)`
 * @param gamma `(D,)`
 * @param beta `(D,)`
 * @returns `(N, D)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { batchnormAutodiff } from "./batchnorm.ts";
 *
 * const x = tf.tensor2d([[1, 10], [3, 30]]);
 * const [gamma, beta] = [tf.ones([2]), tf.zeros([2])];
 * const runningMean = tf.variable(tf.zeros([2]), false);
 * const runningVar = tf.variable(tf.ones([2]), false);
 * const out = batchnormAutodiff(x, gamma, beta, { training: true, runningMean, runningVar });
 * out.arraySync(); // about [[-1, -1], [1, 1]], as batchnorm
 * ```
 */
export function batchnormAutodiff(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchnormOptions,
): tf.Tensor2D {
  check("batchnormAutodiff", x, gamma, beta, options);
  const { training, momentum, eps } = settings("batchnormAutodiff", x, options);
  if (!training) return testForward(x, gamma, beta, options, eps);
  return tf.tidy(() => {
    const mean = tf.mean(x, 0);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), 0);
    const xhat = tf.div(centered, tf.sqrt(tf.add(variance, eps)));
    updateRunningStats(options, momentum, mean, variance);
    return tf.add(tf.mul(gamma, xhat), beta);
  });
}

/**
 * Spatial batch normalization of images `x: (N, H, W, C)`: statistics per channel over
 * the N * H * W positions. In NHWC this is {@linkcode batchnorm} of x reshaped to
 * (N * H * W, C).
 *
 * @param x `(N, H, W, C)`
 * @param gamma `(C,)`
 * @param beta `(C,)`
 * @returns `(N, H, W, C)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { spatialBatchnorm } from "./batchnorm.ts";
 *
 * const x = tf.tensor4d([1, 10, 3, 30], [1, 1, 2, 2]); // one 1x2 image, C = 2 channels
 * const [gamma, beta] = [tf.ones([2]), tf.zeros([2])];
 * const runningMean = tf.variable(tf.zeros([2]), false);
 * const runningVar = tf.variable(tf.ones([2]), false);
 * const out = spatialBatchnorm(x, gamma, beta, { training: true, runningMean, runningVar });
 * out.dataSync(); // about [-1, -1, 1, 1]: each channel over its N * H * W = 2 positions
 * ```
 */
export function spatialBatchnorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: BatchnormOptions & { backward?: BatchnormBackward },
): tf.Tensor4D {
  expectTensor("spatialBatchnorm", "x", x, 4);
  const backward = oneOf(
    "spatialBatchnorm: backward",
    options?.backward ?? "closedForm",
    BATCHNORM_BACKWARDS,
  );
  const [N, H, W, C] = x.shape;
  const rows = tf.reshape(x, [N * H * W, C]);
  const normalize = backward === "closedForm" ? batchnorm : batchnormAutodiff;
  try {
    return tf.reshape(normalize(rows, gamma, beta, options), [N, H, W, C]);
  } finally {
    rows.dispose();
  }
}

/** Options of {@linkcode BatchNorm} and {@linkcode SpatialBatchNorm}. */
export interface BatchNormModuleOptions {
  /** Default 0.9. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
  /** Default `"closedForm"`. */
  backward?: BatchnormBackward;
}

/**
 * Batchnorm over `D` features, for `(N, D)` inputs: parameters `gamma` (ones) and `beta`
 * (zeros), state `runningMean` (zeros) and `runningVar` (ones, PyTorch's start, so test
 * mode before any training is the identity rather than a division by sqrt(eps)).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BatchNorm } from "./batchnorm.ts";
 *
 * const bn = new BatchNorm(100);
 * const out = bn.forward(tf.randomNormal([8, 100]), { training: true }); // updates bn.state
 * out.shape; // [8, 100]
 * bn.forward(tf.ones([1, 100])); // test mode: the running statistics, not the batch's
 * ```
 */
export class BatchNorm implements Module {
  /** Scale and shift, `(D,)` each. */
  readonly params: { gamma: tf.Variable; beta: tf.Variable };
  /** Running mean and variance, `(D,)` each, updated by training forwards. */
  readonly state: { runningMean: tf.Variable; runningVar: tf.Variable };
  /** Weight of the old running value. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
  /** Closed-form (customGrad) or autodiff backward. */
  readonly backward: BatchnormBackward;

  /**
   * @param dim D, the features (or channels) normalized
   * @param layer the class name error messages use
   */
  constructor(dim: number, options: BatchNormModuleOptions = {}, layer = "BatchNorm") {
    const D = numberIn(`${layer}: dim`, dim, { min: 1, integer: true });
    this.momentum = numberIn(`${layer}: momentum`, options.momentum ?? BATCHNORM_MOMENTUM, {
      min: 0,
      max: 1,
    });
    this.eps = numberIn(`${layer}: eps`, options.eps ?? BATCHNORM_EPS, {
      min: 0,
      minExclusive: true,
    });
    this.backward = oneOf(
      `${layer}: backward`,
      options.backward ?? "closedForm",
      BATCHNORM_BACKWARDS,
    );
    this.params = { gamma: variableFrom(tf.ones([D])), beta: variableFrom(tf.zeros([D])) };
    this.state = {
      runningMean: variableFrom(tf.zeros([D]), false),
      runningVar: variableFrom(tf.ones([D]), false),
    };
  }

  /** The batchnorm call's options for this module's state and a forward's mode. */
  protected bnOptions(options: ForwardOptions): BatchnormOptions {
    return {
      training: options.training ?? false,
      momentum: this.momentum,
      eps: this.eps,
      ...this.state,
    };
  }

  /** `x: (N, D)` to `(N, D)`; `training` uses batch statistics and updates `state`. */
  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    const normalize = this.backward === "closedForm" ? batchnorm : batchnormAutodiff;
    return normalize(x, this.params.gamma, this.params.beta, this.bnOptions(options));
  }
}

/**
 * Spatial batchnorm over `C` channels, for `(N, H, W, C)` images; parameters and state
 * as {@linkcode BatchNorm}, each of shape `(C,)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { SpatialBatchNorm } from "./batchnorm.ts";
 *
 * const bn = new SpatialBatchNorm(16);
 * const out = bn.forward(tf.randomNormal([2, 8, 8, 16]), { training: true });
 * ```
 */
export class SpatialBatchNorm extends BatchNorm {
  /** @param channels C, the channels normalized */
  constructor(channels: number, options: BatchNormModuleOptions = {}) {
    super(channels, options, "SpatialBatchNorm");
  }

  /** `x: (N, H, W, C)` to `(N, H, W, C)`; `training` as {@linkcode BatchNorm.forward}. */
  override forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return spatialBatchnorm(x, this.params.gamma, this.params.beta, {
      ...this.bnOptions(options),
      backward: this.backward,
    });
  }
}
