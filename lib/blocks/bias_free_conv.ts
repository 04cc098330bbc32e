/**
 * A convolution without biases (PyTorch's `Conv2d(..., bias=False)`), for convolutions
 * followed by batchnorm: batchnorm subtracts the mean, so a bias there has no effect and
 * a zero gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { numberIn } from "../errors.ts";
import { conv2d, type Conv2dOptions } from "../layers/conv.ts";
import { type InitOptions, initWeights } from "../layers/init.ts";
import type { Module } from "../layers/module.ts";

/** Options of {@linkcode BiasFreeConv2d}. */
export interface BiasFreeConv2dOptions extends Omit<Conv2dOptions, "groups">, InitOptions {
  inChannels: number;
  outChannels: number;
  /** k, for a k x k filter. */
  kernelSize: number;
}

/**
 * Convolution with the one parameter `W: (k, k, inChannels, outChannels)`, initialized
 * like {@linkcode Conv2d} (PyTorch's uniform +-1/sqrt(fanIn) by default).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BiasFreeConv2d } from "./bias_free_conv.ts";
 *
 * const conv = new BiasFreeConv2d({
 *   inChannels: 16,
 *   outChannels: 32,
 *   kernelSize: 3,
 *   stride: 2,
 *   pad: 1,
 * });
 * conv.forward(tf.zeros([2, 8, 8, 16])).shape; // [2, 4, 4, 32]
 * Object.keys(conv.params); // ["W"]: no bias
 * ```
 */
export class BiasFreeConv2d implements Module {
  readonly params: { W: tf.Variable };
  readonly options: Conv2dOptions;

  constructor(options: BiasFreeConv2dOptions) {
    const C = numberIn("BiasFreeConv2d: inChannels", options.inChannels, { min: 1, integer: true });
    const F = numberIn("BiasFreeConv2d: outChannels", options.outChannels, {
      min: 1,
      integer: true,
    });
    const k = numberIn("BiasFreeConv2d: kernelSize", options.kernelSize, { min: 1, integer: true });
    this.options = { stride: options.stride ?? 1, pad: options.pad ?? 0 };
    const { W, b } = initWeights("BiasFreeConv2d", [k, k, C, F], k * k * C, options);
    this.params = { W: tf.variable(W) };
    W.dispose();
    b.dispose();
  }

  /** `(N, H, W, inChannels)` -> `(N, H', W', outChannels)`. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const zeros = tf.zeros([this.params.W.shape[3] as number]);
      return conv2d(x, this.params.W, zeros, this.options);
    });
  }
}
