/**
 * Elementwise nonlinearities: relu, leaky relu, tanh, gelu. Each takes and returns a
 * tensor of any shape.
 *
 * Where the backend has kernels for them (the native backend; names in
 * lib/kernels/native/fused_kernel_names.ts), relu's and tanh's backward passes are one
 * kernel from the output, and gelu is one kernel each way, instead of tfjs's chains of
 * elementwise kernels. The values are the same functions.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { numberIn } from "../errors.ts";
import {
  fusedKernelsActive,
  GELU_GRAD_KERNEL,
  GELU_KERNEL,
  RELU_GRAD_KERNEL,
  TANH_GRAD_KERNEL,
} from "../kernels/native/fused_kernel_names.ts";
import { expectTensor } from "./check.ts";
import type { Module } from "./module.ts";

/**
 * Rectified linear unit, max(0, x). The gradient at exactly 0 is 0.
 *
 * @param x any shape
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { relu } from "./activations.ts";
 *
 * relu(tf.tensor([-1, 2])); // [0, 2]
 * ```
 */
export function relu(x: tf.Tensor): tf.Tensor {
  expectTensor("relu", "x", x);
  if (x.dtype === "float32" && fusedKernelsActive(RELU_GRAD_KERNEL)) return reluByKernel(x);
  return tf.relu(x);
}

/** tf.relu with the gradient from its output, one kernel: dx = dy where y > 0. */
const reluByKernel = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const y = tf.relu(args[0] as tf.Tensor);
  (args[1] as tf.GradSaveFunc)([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) =>
      tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }) as tf.Tensor,
  };
});

/**
 * Leaky relu: x where x > 0, alpha * x elsewhere.
 *
 * @param x any shape
 * @param alpha slope for negative inputs, default 0.01 (PyTorch's)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { leakyRelu } from "./activations.ts";
 *
 * leakyRelu(tf.tensor([-1, 2]), 0.1); // [-0.1, 2]
 * ```
 */
export function leakyRelu(x: tf.Tensor, alpha = 0.01): tf.Tensor {
  expectTensor("leakyRelu", "x", x);
  numberIn("leakyRelu: alpha", alpha);
  return tf.leakyRelu(x, alpha);
}

/**
 * Hyperbolic tangent.
 *
 * @param x any shape
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { tanh } from "./activations.ts";
 *
 * tanh(tf.tensor([0])); // [0]
 * ```
 */
export function tanh(x: tf.Tensor): tf.Tensor {
  expectTensor("tanh", "x", x);
  if (x.dtype === "float32" && fusedKernelsActive(TANH_GRAD_KERNEL)) return tanhByKernel(x);
  return tf.tanh(x);
}

/** tf.tanh with the gradient from its output, one kernel: dx = dy (1 - y^2). */
const tanhByKernel = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const y = tf.tanh(args[0] as tf.Tensor);
  (args[1] as tf.GradSaveFunc)([y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) =>
      tf.engine().runKernel(TANH_GRAD_KERNEL, { dy, y }) as tf.Tensor,
  };
});

/**
 * Gaussian error linear unit in its exact form, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)),
 * PyTorch's default (not the tanh approximation). The backward pass is the exact
 * derivative Phi(x) + x phi(x) in closed form (tf.customGrad): the tape keeps x alone
 * instead of the four elementwise intermediates autodiff would keep (and their gradients),
 * on the widest activations of a ConvNeXt block.
 *
 * @param x any shape
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gelu } from "./activations.ts";
 *
 * gelu(tf.tensor([1])); // [0.8413]
 * ```
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  expectTensor("gelu", "x", x);
  if (x.dtype === "float32" && fusedKernelsActive(GELU_KERNEL, GELU_GRAD_KERNEL)) {
    return geluByKernel(x);
  }
  return geluWithGrad(x);
}

/** {@linkcode gelu} as the backend's two kernels. */
const geluByKernel = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [x]: tf.Tensor[]) =>
      tf.engine().runKernel(GELU_GRAD_KERNEL, { dy, x }) as tf.Tensor,
  };
});

/** 1 / sqrt(2 pi), the standard normal density at 0. */
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))),
    // d/dx x Phi(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    gradFunc: (dout: tf.Tensor, [x]: tf.Tensor[]) =>
      tf.tidy(() => {
        const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
        const pdf = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(x))));
        return tf.mul(dout, tf.add(cdf, tf.mul(x, pdf)));
      }),
  };
});

/**
 * {@linkcode relu} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ReLU } from "./activations.ts";
 *
 * new ReLU().forward(tf.tensor([-1, 2])); // [0, 2]
 * ```
 */
export class ReLU implements Module {
  readonly params: Record<string, tf.Variable> = {};
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}

/**
 * {@linkcode leakyRelu} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { LeakyReLU } from "./activations.ts";
 *
 * new LeakyReLU({ alpha: 0.1 }).forward(tf.tensor([-1])); // [-0.1]
 * ```
 */
export class LeakyReLU implements Module {
  readonly params: Record<string, tf.Variable> = {};
  readonly alpha: number;
  constructor({ alpha = 0.01 }: { alpha?: number } = {}) {
    this.alpha = numberIn("LeakyReLU: alpha", alpha);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return leakyRelu(x, this.alpha);
  }
}

/**
 * {@linkcode tanh} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Tanh } from "./activations.ts";
 *
 * new Tanh().forward(tf.tensor([0])); // [0]
 * ```
 */
export class Tanh implements Module {
  readonly params: Record<string, tf.Variable> = {};
  forward(x: tf.Tensor): tf.Tensor {
    return tanh(x);
  }
}

/**
 * {@linkcode gelu} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { GELU } from "./activations.ts";
 *
 * new GELU().forward(tf.tensor([1])); // [0.8413]
 * ```
 */
export class GELU implements Module {
  readonly params: Record<string, tf.Variable> = {};
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}
