/**
 * First-order update rules and learning-rate schedules, in the shape of cs231n's optim.py
 * so course code ports line by line:
 *
 * ```
 * [nextW, nextConfig] = rule(w, dw, config)
 * ```
 *
 * `config` carries the hyper-parameters and the rule's state (`velocity`, `cache`, `m`,
 * `v`, `t`). A rule is pure: it never mutates `config` or its tensors, and returns a new
 * config whose missing hyper-parameters are filled with the defaults below. The caller
 * owns the tensors in both configs; the Solver disposes the old state after each step.
 *
 * Defaults (cs231n's, PyTorch's for what cs231n lacks):
 *
 * | key          | default                                        |
 * |--------------|------------------------------------------------|
 * | learningRate | 1e-2; 1e-3 for adam and adamw (as cs231n)      |
 * | momentum     | 0.9                                            |
 * | decayRate    | 0.99                                           |
 * | epsilon      | 1e-8                                           |
 * | beta1, beta2 | 0.9, 0.999                                     |
 * | weightDecay  | 1e-2 for adamw (decoupled), 0 otherwise (L2)   |
 *
 * For every rule but adamw, `weightDecay` is classic L2 regularization added to the
 * gradient (`dw + weightDecay * w`, as PyTorch's `weight_decay`); adamw decouples it.
 *
 * Where the backend has fused kernels for them (the native backend;
 * lib/kernels/native/fused_kernel_names.ts), sgd and adam/adamw run as one kernel per
 * parameter, with the same float32 operations in the same order: the same results.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, describeValue } from "../errors.ts";
import {
  ADAM_KERNEL,
  fusedKernelsActive,
  SGD_KERNEL,
} from "../kernels/native/fused_kernel_names.ts";

/** Hyper-parameters and state of an update rule; exactly cs231n's keys, in camelCase. */
export interface OptimConfig {
  /** Step size. */
  learningRate?: number;
  /** Momentum coefficient, 0..1 (sgdMomentum, nesterov). */
  momentum?: number;
  /** Running velocity, shaped like w (sgdMomentum, nesterov). */
  velocity?: tf.Tensor;
  /** Decay of the squared-gradient average, 0..1 (rmsprop). */
  decayRate?: number;
  /** Added to the denominator to avoid dividing by zero. */
  epsilon?: number;
  /** Running (rmsprop) or summed (adagrad) squared gradient, shaped like w. */
  cache?: tf.Tensor;
  /** Decay of the first-moment average (adam, adamw). */
  beta1?: number;
  /** Decay of the second-moment average (adam, adamw). */
  beta2?: number;
  /** First moment, shaped like w (adam, adamw). */
  m?: tf.Tensor;
  /** Second moment, shaped like w (adam, adamw). */
  v?: tf.Tensor;
  /** Number of steps taken (adam, adamw); 0 before the first. */
  t?: number;
  /** Weight decay: L2 on the gradient, or decoupled for adamw. */
  weightDecay?: number;
}

/** The keys an {@linkcode OptimConfig} may have, in cs231n's order. */
export const OPTIM_CONFIG_KEYS = [
  "learningRate",
  "momentum",
  "velocity",
  "decayRate",
  "epsilon",
  "cache",
  "beta1",
  "beta2",
  "m",
  "v",
  "t",
  "weightDecay",
] as const;

/** An update rule: the next weights and the next config, both new objects. */
export type UpdateRule = (
  w: tf.Tensor,
  dw: tf.Tensor,
  config?: OptimConfig,
) => [tf.Tensor, OptimConfig];

/** The rule defaults, written once (see the module table). */
export const OPTIM_DEFAULTS = {
  learningRate: 1e-2,
  adamLearningRate: 1e-3,
  momentum: 0.9,
  decayRate: 0.99,
  epsilon: 1e-8,
  beta1: 0.9,
  beta2: 0.999,
  adamwWeightDecay: 1e-2,
} as const;

/** True when the active backend fuses `kernel` and w, dw are float32. */
function fused(kernel: string, w: tf.Tensor, dw: tf.Tensor): boolean {
  return w.dtype === "float32" && dw.dtype === "float32" && fusedKernelsActive(kernel);
}

/** `dw + weightDecay * w`, or `dw` itself when there is no decay. */
function l2(w: tf.Tensor, dw: tf.Tensor, weightDecay: number): tf.Tensor {
  return weightDecay === 0 ? dw : tf.add(dw, tf.mul(weightDecay, w));
}

/**
 * Vanilla stochastic gradient descent: `w -= learningRate * dw`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sgd } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = sgd(w, dw, { learningRate: 1e-2 });
 * nextW.arraySync(); // [0.9, 2.1]
 * config; // { learningRate: 0.01, weightDecay: 0 }
 * ```
 */
export function sgd(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const { learningRate = OPTIM_DEFAULTS.learningRate, weightDecay = 0 } = config;
  const nextW = fused(SGD_KERNEL, w, dw)
    ? tf.engine().runKernel(SGD_KERNEL, { w, dw }, { learningRate, weightDecay }) as tf.Tensor
    : tf.tidy(() => tf.sub(w, tf.mul(learningRate, l2(w, dw, weightDecay))));
  return [nextW, { learningRate, weightDecay }];
}

/**
 * SGD with momentum: `velocity = momentum * velocity - learningRate * dw; w += velocity`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sgdMomentum } from "./optim.ts";
 *
 * const dw = tf.tensor([10, -10]);
 * let [w, config] = sgdMomentum(tf.tensor([1, 2]), dw, { learningRate: 1e-2 });
 * w.arraySync(); // [0.9, 2.1]; config.velocity is [-0.1, 0.1]
 * [w, config] = sgdMomentum(w, dw, config); // carries config.velocity
 * w.arraySync(); // [0.71, 2.29]
 * ```
 */
export function sgdMomentum(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const {
    learningRate = OPTIM_DEFAULTS.learningRate,
    momentum = OPTIM_DEFAULTS.momentum,
    weightDecay = 0,
  } = config;
  const { nextW, velocity } = tf.tidy(() => {
    const previous = config.velocity ?? tf.zerosLike(w);
    const velocity = tf.sub(
      tf.mul(momentum, previous),
      tf.mul(learningRate, l2(w, dw, weightDecay)),
    );
    return { nextW: tf.add(w, velocity), velocity };
  });
  return [nextW, { learningRate, momentum, velocity, weightDecay }];
}

/**
 * Nesterov momentum in the cs231n notes' form, which steps from the look-ahead point
 * without evaluating the gradient there:
 * `v = momentum * vPrev - learningRate * dw; w += -momentum * vPrev + (1 + momentum) * v`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { nesterov } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = nesterov(w, dw, { learningRate: 1e-2, momentum: 0.9 });
 * nextW.arraySync(); // [0.81, 2.19]: the step looks ahead along the velocity
 * ```
 */
export function nesterov(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const {
    learningRate = OPTIM_DEFAULTS.learningRate,
    momentum = OPTIM_DEFAULTS.momentum,
    weightDecay = 0,
  } = config;
  const { nextW, velocity } = tf.tidy(() => {
    const previous = config.velocity ?? tf.zerosLike(w);
    const velocity = tf.sub(
      tf.mul(momentum, previous),
      tf.mul(learningRate, l2(w, dw, weightDecay)),
    );
    const nextW = tf.add(w, tf.sub(tf.mul(1 + momentum, velocity), tf.mul(momentum, previous)));
    return { nextW, velocity };
  });
  return [nextW, { learningRate, momentum, velocity, weightDecay }];
}

/**
 * RMSProp: a moving average of squared gradients sets a per-parameter step size.
 * `cache = decayRate * cache + (1 - decayRate) * dw^2; w -= learningRate * dw / (sqrt(cache) + epsilon)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { rmsprop } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = rmsprop(w, dw, { learningRate: 1e-2 });
 * nextW.arraySync(); // [0.9, 2.1]; config.cache is [1, 1]
 * ```
 */
export function rmsprop(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const {
    learningRate = OPTIM_DEFAULTS.learningRate,
    decayRate = OPTIM_DEFAULTS.decayRate,
    epsilon = OPTIM_DEFAULTS.epsilon,
    weightDecay = 0,
  } = config;
  const { nextW, cache } = tf.tidy(() => {
    const grad = l2(w, dw, weightDecay);
    const previous = config.cache ?? tf.zerosLike(w);
    const cache = tf.add(tf.mul(decayRate, previous), tf.mul(1 - decayRate, tf.square(grad)));
    const step = tf.div(tf.mul(learningRate, grad), tf.add(tf.sqrt(cache), epsilon));
    return { nextW: tf.sub(w, step), cache };
  });
  return [nextW, { learningRate, decayRate, epsilon, cache, weightDecay }];
}

/**
 * Adagrad: the step shrinks with the running sum of squared gradients.
 * `cache += dw^2; w -= learningRate * dw / (sqrt(cache) + epsilon)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { adagrad } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = adagrad(w, dw, { learningRate: 1e-2 });
 * nextW.arraySync(); // [0.99, 2.01]; config.cache is [100, 100]
 * ```
 */
export function adagrad(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const {
    learningRate = OPTIM_DEFAULTS.learningRate,
    epsilon = OPTIM_DEFAULTS.epsilon,
    weightDecay = 0,
  } = config;
  const { nextW, cache } = tf.tidy(() => {
    const grad = l2(w, dw, weightDecay);
    const cache = tf.add(config.cache ?? tf.zerosLike(w), tf.square(grad));
    const step = tf.div(tf.mul(learningRate, grad), tf.add(tf.sqrt(cache), epsilon));
    return { nextW: tf.sub(w, step), cache };
  });
  return [nextW, { learningRate, epsilon, cache, weightDecay }];
}

/**
 * Adam's moments and step for the gradient `grad`, with `t` already incremented; shared by
 * adam and adamw, which differ only in how they decay the weights. Call inside tf.tidy.
 */
function adamStep(
  w: tf.Tensor,
  grad: tf.Tensor,
  hyper: ReturnType<typeof adamHyperParameters>,
  state: OptimConfig,
) {
  const { learningRate, beta1, beta2, epsilon, t } = hyper;
  const m = tf.add(tf.mul(beta1, state.m ?? tf.zerosLike(w)), tf.mul(1 - beta1, grad));
  const v = tf.add(tf.mul(beta2, state.v ?? tf.zerosLike(w)), tf.mul(1 - beta2, tf.square(grad)));
  // Bias correction: m and v start at zero, so early averages underestimate the moments.
  const mHat = tf.div(m, 1 - beta1 ** t);
  const vHat = tf.div(v, 1 - beta2 ** t);
  const step = tf.div(tf.mul(learningRate, mHat), tf.add(tf.sqrt(vHat), epsilon));
  return { step, m, v };
}

/**
 * {@linkcode adamStep} and the step itself as the backend's fused kernel: `[nextW, m, v]`
 * with `nextW = decay * w - step` (decay 1 for adam).
 */
function adamKernel(
  w: tf.Tensor,
  grad: tf.Tensor,
  hyper: ReturnType<typeof adamHyperParameters>,
  state: OptimConfig,
  decay: number,
): tf.Tensor[] {
  const { learningRate, beta1, beta2, epsilon, t } = hyper;
  const inputs: tf.NamedTensorMap = { w, grad };
  if (state.m) inputs.m = state.m;
  if (state.v) inputs.v = state.v;
  return tf.engine().runKernel(ADAM_KERNEL, inputs, {
    learningRate,
    beta1,
    beta2,
    epsilon,
    t,
    decay,
  }) as tf.Tensor[];
}

/** Adam's hyper-parameters with defaults, and the step count incremented before use. */
function adamHyperParameters(config: OptimConfig, weightDecay: number) {
  return {
    learningRate: config.learningRate ?? OPTIM_DEFAULTS.adamLearningRate,
    beta1: config.beta1 ?? OPTIM_DEFAULTS.beta1,
    beta2: config.beta2 ?? OPTIM_DEFAULTS.beta2,
    epsilon: config.epsilon ?? OPTIM_DEFAULTS.epsilon,
    t: (config.t ?? 0) + 1,
    weightDecay,
  };
}

/**
 * Adam with bias correction (Kingma & Ba). `t` counts steps and is incremented before use:
 * `m = beta1 m + (1 - beta1) dw; v = beta2 v + (1 - beta2) dw^2;`
 * `w -= learningRate * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { adam } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = adam(w, dw, { learningRate: 1e-3 });
 * nextW.arraySync(); // [0.999, 2.001]: the first step moves each weight by learningRate
 * config.t; // 1; config.m and config.v are new tensors shaped like w
 * ```
 */
export function adam(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const hyper = adamHyperParameters(config, config.weightDecay ?? 0);
  if (fused(ADAM_KERNEL, w, dw)) {
    const grad = hyper.weightDecay === 0 ? dw : tf.tidy(() => l2(w, dw, hyper.weightDecay));
    const [nextW, m, v] = adamKernel(w, grad, hyper, config, 1);
    if (grad !== dw) grad.dispose();
    return [nextW, { ...hyper, m, v }];
  }
  const { nextW, m, v } = tf.tidy(() => {
    const { step, m, v } = adamStep(w, l2(w, dw, hyper.weightDecay), hyper, config);
    return { nextW: tf.sub(w, step), m, v };
  });
  return [nextW, { ...hyper, m, v }];
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, which shrinks the
 * weights directly instead of going through the adaptive step:
 * `w = w - learningRate * weightDecay * w - adamStep(dw)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { adamw } from "./optim.ts";
 *
 * const w = tf.tensor([1, 2]);
 * const dw = tf.tensor([10, -10]);
 * const [nextW, config] = adamw(w, dw, { learningRate: 1e-3, weightDecay: 5e-2 });
 * nextW.arraySync(); // [0.99895, 2.0009]: adam's step plus learningRate * weightDecay * w
 * ```
 */
export function adamw(
  w: tf.Tensor,
  dw: tf.Tensor,
  config: OptimConfig = {},
): [tf.Tensor, OptimConfig] {
  const hyper = adamHyperParameters(config, config.weightDecay ?? OPTIM_DEFAULTS.adamwWeightDecay);
  if (fused(ADAM_KERNEL, w, dw)) {
    const decay = 1 - hyper.learningRate * hyper.weightDecay;
    const [nextW, m, v] = adamKernel(w, dw, hyper, config, decay);
    return [nextW, { ...hyper, m, v }];
  }
  const { nextW, m, v } = tf.tidy(() => {
    const { step, m, v } = adamStep(w, dw, hyper, config);
    const decayed = tf.mul(w, 1 - hyper.learningRate * hyper.weightDecay);
    return { nextW: tf.sub(decayed, step), m, v };
  });
  return [nextW, { ...hyper, m, v }];
}

/** The rules by their cs231n names. */
export const UPDATE_RULES: Record<string, UpdateRule> = {
  sgd,
  sgd_momentum: sgdMomentum,
  nesterov,
  rmsprop,
  adagrad,
  adam,
  adamw,
};

/** The names {@linkcode updateRule} accepts besides the cs231n ones. */
const CAMEL_CASE_NAMES: Record<string, string> = { sgdMomentum: "sgd_momentum" };

/**
 * Looks up an update rule by name: "sgd", "sgd_momentum" (or "sgdMomentum"), "nesterov",
 * "rmsprop", "adagrad", "adam", "adamw".
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { updateRule } from "./optim.ts";
 *
 * const rule = updateRule("sgd_momentum"); // the same function as sgdMomentum
 * const [nextW, config] = rule(tf.tensor([1, 2]), tf.tensor([10, -10]), { learningRate: 1e-2 });
 * nextW.arraySync(); // [0.9, 2.1]
 * ```
 */
export function updateRule(name: string): UpdateRule {
  const key = CAMEL_CASE_NAMES[name] ?? name;
  if (!Object.hasOwn(UPDATE_RULES, key)) {
    const names = Object.keys(UPDATE_RULES).map(describeValue).join(", ");
    throw argumentError("updateRule", name, `one of ${names}`);
  }
  return UPDATE_RULES[key];
}

/**
 * The learning rate for an epoch (0-based; epoch 0 uses `baseLearningRate`), given the
 * learning rate the run started with.
 */
export type LearningRateSchedule = (baseLearningRate: number, epoch: number) => number;

/**
 * cs231n's per-epoch decay: `baseLearningRate * lrDecay^epoch`.
 *
 * @example
 * ```ts
 * import { exponentialDecay } from "./optim.ts";
 *
 * exponentialDecay(0.95)(1e-3, 2); // 1e-3 * 0.95^2
 * ```
 */
export function exponentialDecay(lrDecay: number): LearningRateSchedule {
  if (!(lrDecay > 0 && lrDecay <= 1)) throw argumentError("lrDecay", lrDecay, "a number in (0, 1]");
  return (baseLearningRate, epoch) => baseLearningRate * lrDecay ** epoch;
}

/**
 * Step decay: multiply by `gamma` every `stepSize` epochs (PyTorch's StepLR).
 *
 * @example
 * ```ts
 * import { stepDecay } from "./optim.ts";
 *
 * stepDecay(10, 0.1)(1e-2, 25); // 1e-4
 * ```
 */
export function stepDecay(stepSize: number, gamma = 0.1): LearningRateSchedule {
  if (!(Number.isInteger(stepSize) && stepSize >= 1)) {
    throw argumentError("stepSize", stepSize, "an integer >= 1");
  }
  if (!(gamma > 0 && gamma <= 1)) throw argumentError("gamma", gamma, "a number in (0, 1]");
  return (baseLearningRate, epoch) => baseLearningRate * gamma ** Math.floor(epoch / stepSize);
}

/**
 * Cosine annealing from the base rate at epoch 0 to `minLearningRate` at `numEpochs`
 * (PyTorch's CosineAnnealingLR with T_max = numEpochs); stays at the floor afterwards.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "./optim.ts";
 *
 * cosineDecay(10)(1e-3, 5); // 5e-4, half way down
 * ```
 */
export function cosineDecay(numEpochs: number, minLearningRate = 0): LearningRateSchedule {
  if (!(Number.isInteger(numEpochs) && numEpochs >= 1)) {
    throw argumentError("numEpochs", numEpochs, "an integer >= 1");
  }
  if (!(minLearningRate >= 0)) {
    throw argumentError("minLearningRate", minLearningRate, "a number >= 0");
  }
  return (baseLearningRate, epoch) => {
    const progress = Math.min(epoch / numEpochs, 1);
    return minLearningRate +
      (baseLearningRate - minLearningRate) * (1 + Math.cos(Math.PI * progress)) / 2;
  };
}
