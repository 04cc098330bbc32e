/**
 * What every layer, block and model shares: named parameters and a forward pass.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** Whether a forward pass is for training (batch statistics, dropout) or evaluation. */
export interface ForwardOptions {
  training?: boolean;
}

/**
 * A layer or block. Parameters are trainable `tf.Variable`s keyed by name (`W`, `b`,
 * `gamma`, `beta`); `state` holds non-trainable variables such as batchnorm's running
 * mean and variance, updated by training-mode forward passes.
 */
export interface Module {
  readonly params: Record<string, tf.Variable>;
  readonly state?: Record<string, tf.Variable>;
  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor;
}
