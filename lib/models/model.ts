/**
 * The contract between models and the Solver, and the one place gradients are taken.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Loss and a gradient for every named parameter, with the time each half took. */
export interface LossAndGrads {
  loss: number;
  grads: Record<string, tf.Tensor>;
  /** Forward pass including the loss, milliseconds. */
  forwardMs: number;
  /** Backward pass (autodiff), milliseconds. */
  backwardMs: number;
}

/**
 * A trainable classifier, cs231n style: `loss(X, y)` gives the loss and gradients,
 * `scores(X)` the class scores.
 */
export interface Model {
  /** Trainable parameters by name (`W1`, `b1`, `gamma1`, ...). */
  readonly params: Record<string, tf.Variable>;
  /** Class scores (N, C) for inputs X; `training` selects batch statistics and dropout. */
  scores(X: tf.Tensor, options?: { training?: boolean }): tf.Tensor2D;
  /** Training-mode loss (data loss + regularization) and its gradients. */
  loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads;
  /** Frees parameters and state (batchnorm statistics); absent: freeing `params` is enough. */
  dispose?(): void;
}

/**
 * Evaluates `lossFn` under autodiff and returns its value and the gradient of every
 * parameter in `params`, keyed like `params`. The forward time is measured inside the
 * taped function (tfjs runs kernels eagerly and synchronously on cpu, wasm and
 * tensorflow, and `dataSync` waits for the value); the backward time is the rest.
 *
 * @example
 * ```ts
 * const w = tf.variable(tf.randomNormal([3, 2]));
 * const { loss, grads } = lossAndGrads({ W: w }, () => tf.sum(tf.square(w)));
 * ```
 */
export function lossAndGrads(
  params: Record<string, tf.Variable>,
  lossFn: () => tf.Scalar,
): LossAndGrads {
  const names = Object.keys(params);
  const start = performance.now();
  let forwardEnd = start;
  let loss = NaN;
  const { value, grads: byVariable } = tf.variableGrads(() => {
    const out = lossFn();
    loss = out.dataSync()[0];
    forwardEnd = performance.now();
    return out;
  }, names.map((name) => params[name]));
  value.dispose();
  const grads: Record<string, tf.Tensor> = {};
  for (const name of names) grads[name] = byVariable[params[name].name];
  return { loss, grads, forwardMs: forwardEnd - start, backwardMs: performance.now() - forwardEnd };
}
