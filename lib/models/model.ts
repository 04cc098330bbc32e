/**
 * The contract between models and the Solver, and the one place gradients are taken.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Loss and a gradient for every named parameter, with the time each half took. The loss
 * stays a tensor: reading it back would wait for the device (a GPU stalls on every read),
 * so the caller reads it when it needs the number, e.g. `await loss.data()`. The caller
 * owns `loss` and `grads` and frees them.
 */
export interface LossAndGrads {
  /** The training loss, a scalar tensor. */
  loss: tf.Scalar;
  grads: Record<string, tf.Tensor>;
  /**
   * Forward pass including the loss, milliseconds: the kernels' time on backends that run
   * them as they are called (cpu, wasm, tensorflow); on webgpu only the time to queue them.
   */
  forwardMs: number;
  /** Backward pass (autodiff), milliseconds, measured as `forwardMs` is. */
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
  /** Training-mode loss (data loss + regularization) and its gradients; reads nothing back. */
  loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads;
  /** Frees parameters and state (batchnorm statistics); absent: freeing `params` is enough. */
  dispose?(): void;
}

/**
 * Evaluates `lossFn` under autodiff and returns its value (a scalar tensor, not read
 * back) and the gradient of every parameter in `params`, keyed like `params`. The forward
 * time is taken when `lossFn` returns: tfjs runs kernels eagerly and synchronously on cpu,
 * wasm and tensorflow, so that is when the forward pass has run; the backward time is the
 * rest.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const w = tf.variable(tf.randomNormal([3, 2]));
 * const { loss, grads } = lossAndGrads({ W: w }, () => tf.sum(tf.square(w)));
 * console.log((await loss.data())[0], grads.W.shape); // sum of squares, [3, 2]
 * tf.dispose([loss, grads.W]);
 * ```
 */
export function lossAndGrads(
  params: Record<string, tf.Variable>,
  lossFn: () => tf.Scalar,
): LossAndGrads {
  const names = Object.keys(params);
  const start = performance.now();
  let forwardEnd = start;
  const { value, grads: byVariable } = tf.variableGrads(() => {
    const out = lossFn();
    forwardEnd = performance.now();
    return out;
  }, names.map((name) => params[name]));
  const grads: Record<string, tf.Tensor> = {};
  for (const name of names) grads[name] = byVariable[params[name].name];
  return {
    loss: value,
    grads,
    forwardMs: forwardEnd - start,
    backwardMs: performance.now() - forwardEnd,
  };
}
