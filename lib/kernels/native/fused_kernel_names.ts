/**
 * Names of the fused kernels that nnlab's layers (forward and backward) and update rules
 * call directly when the active backend registers them (lib/kernels/native does; other
 * backends run the tf-op versions). A layer that finds them runs one kernel each way
 * instead of the handful of elementwise kernels (and the tape entries) autodiff would
 * record; an update rule, one kernel per parameter instead of 2-14.
 *
 * | kernel            | inputs                         | attrs | outputs               |
 * |-------------------|--------------------------------|-------|-----------------------|
 * | NnlabReluGrad     | dy, y (relu's output)          |       | dx                    |
 * | NnlabTanhGrad     | dy, y (tanh's output)          |       | dx                    |
 * | NnlabGelu         | x                              |       | y (exact, erf form)   |
 * | NnlabGeluGrad     | dy, x                          |       | dx                    |
 * | NnlabLayerNorm    | x, gamma, beta                 | eps   | y, mean, variance     |
 * | NnlabLayerNormGrad| dy, x, mean, variance, gamma   | eps   | dx, dgamma, dbeta     |
 * | NnlabSoftmaxLoss  | scores (N, C), labels (N,) int32 |     | loss (scalar), probs  |
 * | NnlabSoftmaxLossGrad | dloss (scalar), probs, labels |     | dscores (N, C)        |
 * | NnlabSgd          | w, dw                          | see below | nextW             |
 * | NnlabAdam         | w, grad, m?, v?                | see below | nextW, m, v       |
 *
 * NnlabSgd: attrs learningRate, weightDecay; nextW = w - learningRate (dw + weightDecay w).
 * NnlabAdam: attrs learningRate, beta1, beta2, epsilon, t (already incremented), decay
 * (the factor on w: 1 for adam, 1 - learningRate weightDecay for adamw); grad already has
 * adam's L2 term; m and v absent on the first step (zeros). Both compute exactly the
 * float32 operations of the tf-op versions in lib/optim.ts, in the same order, so their
 * results are the same to the bit.
 *
 * NnlabSoftmaxLoss is lib/layers/losses.ts's softmax cross-entropy, the mean over the
 * batch; probs are the softmax of the scores, which its gradient,
 * dscores = dloss (probs - onehot(labels)) / N, needs.
 *
 * LayerNorm normalizes each example over the trailing axes that gamma and beta span;
 * mean and variance (biased) have one value per example (the leading axes, flattened).
 * Batchnorm's two kernels are named in lib/kernels/batchnorm.ts.
 *
 * This module imports only tfjs, so a layer or an update rule can use it without loading
 * a backend.
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
/** Softmax cross-entropy forward: the mean loss and the softmax. */
export const SOFTMAX_LOSS_KERNEL = "NnlabSoftmaxLoss";
/** Softmax cross-entropy backward. */
export const SOFTMAX_LOSS_GRAD_KERNEL = "NnlabSoftmaxLossGrad";
/** SGD's update, with L2 weight decay. */
export const SGD_KERNEL = "NnlabSgd";
/** Adam's (and AdamW's) update and moments. */
export const ADAM_KERNEL = "NnlabAdam";

/**
 * True when the active backend registers every kernel named.
 *
 * @example
 * ```ts
 * const fused = fusedKernelsActive(GELU_KERNEL, GELU_GRAD_KERNEL); // true on native
 * ```
 */
export function fusedKernelsActive(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((name) => tf.getKernel(name, backend) !== undefined);
}
