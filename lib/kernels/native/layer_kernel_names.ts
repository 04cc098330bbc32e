/**
 * Names of the kernels that nnlab's layers call directly, forward and backward, when the
 * active backend registers them (lib/kernels/native does; other backends run the layers'
 * tf-op versions). A layer that finds them runs one kernel each way instead of the
 * handful of elementwise kernels (and the tape entries) autodiff would record.
 *
 * | kernel            | inputs                         | attrs | outputs               |
 * |-------------------|--------------------------------|-------|-----------------------|
 * | NnlabReluGrad     | dy, y (relu's output)          |       | dx                    |
 * | NnlabTanhGrad     | dy, y (tanh's output)          |       | dx                    |
 * | NnlabGelu         | x                              |       | y (exact, erf form)   |
 * | NnlabGeluGrad     | dy, x                          |       | dx                    |
 * | NnlabLayerNorm    | x, gamma, beta                 | eps   | y, mean, variance     |
 * | NnlabLayerNormGrad| dy, x, mean, variance, gamma   | eps   | dx, dgamma, dbeta     |
 *
 * LayerNorm normalizes each example over the trailing axes that gamma and beta span;
 * mean and variance (biased) have one value per example (the leading axes, flattened).
 * Batchnorm's two kernels are named in lib/kernels/batchnorm.ts.
 *
 * This module imports only tfjs, so a layer can use it without loading a backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** dx = dy where relu's output y > 0, else 0. */
export const RELU_GRAD_KERNEL = "NnlabReluGrad";
/** dx = dy * (1 - y^2), y = tanh(x). */
export const TANH_GRAD_KERNEL = "NnlabTanhGrad";
/** y = x Phi(x), the exact GELU. */
export const GELU_KERNEL = "NnlabGelu";
/** dx = dy * (Phi(x) + x phi(x)). */
export const GELU_GRAD_KERNEL = "NnlabGeluGrad";
/** Layer normalization forward with statistics. */
export const LAYERNORM_KERNEL = "NnlabLayerNorm";
/** Layer normalization backward. */
export const LAYERNORM_GRAD_KERNEL = "NnlabLayerNormGrad";

/**
 * True when the active backend registers every kernel named.
 *
 * @example
 * ```ts
 * if (layerKernelsActive(GELU_KERNEL, GELU_GRAD_KERNEL)) { ... }
 * ```
 */
export function layerKernelsActive(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((name) => tf.getKernel(name, backend) !== undefined);
}
