/**
 * Flattening each example into a row, as cs231n's affine layer does with x.reshape(N, -1).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { expectTensor } from "./check.ts";
import type { Module } from "./module.ts";

/**
 * Reshapes `x: (N, d_1, ..., d_k)` into `(N, D)` with D = d_1 * ... * d_k, row-major
 * (for NHWC images the features run C fastest, then W, then H).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { flatten } from "./flatten.ts";
 *
 * flatten(tf.zeros([2, 4, 4, 3])).shape; // [2, 48]
 * ```
 */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  expectTensor("flatten", "x", x);
  if (x.rank < 1) throw new Error(`flatten: x.shape: got [] (a scalar); expected at least rank 1`);
  const [N, ...rest] = x.shape;
  return tf.reshape(x, [N, rest.reduce((a, b) => a * b, 1)]);
}

/**
 * {@linkcode flatten} as a module, for composing convolutional models.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Flatten } from "./flatten.ts";
 *
 * new Flatten().forward(tf.zeros([2, 7, 7, 32])).shape; // [2, 1568]
 * ```
 */
export class Flatten implements Module {
  readonly params: Record<string, tf.Variable> = {};
  forward(x: tf.Tensor): tf.Tensor {
    return flatten(x);
  }
}
