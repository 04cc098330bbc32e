/**
 * The residual block of exp:mnist-variations (f): `x + conv(relu(x))`, a 3x3 "same"
 * convolution that keeps the channel count, so the skip needs no projection. With
 * `skip: false` it is the plain `conv(relu(x))` of variation (g).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { ReLU } from "../layers/activations.ts";
import { Conv2d } from "../layers/conv.ts";
import type { InitOptions } from "../layers/init.ts";
import { Block, childInit } from "./block.ts";

/** Options of {@linkcode ResidualBlock}. */
export interface ResidualBlockOptions extends InitOptions {
  /** C, the input and output channels. */
  channels: number;
  /** Odd filter size; default 3. */
  kernelSize?: number;
  /** Add the input back (default true); false gives the plain block of variation (g). */
  skip?: boolean;
}

/**
 * `out = x + conv(relu(x))` over `(N, H, W, C)`, output `(N, H, W, C)`. Parameters
 * `conv.W: (k, k, C, C)` and `conv.b: (C,)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ResidualBlock } from "./residual.ts";
 *
 * const block = new ResidualBlock({ channels: 8, seed: 0 });
 * block.forward(tf.zeros([2, 14, 14, 8])).shape; // [2, 14, 14, 8]
 * ```
 */
export class ResidualBlock extends Block {
  readonly relu: ReLU;
  readonly conv: Conv2d;
  readonly skip: boolean;

  constructor(options: ResidualBlockOptions) {
    const C = numberIn("ResidualBlock: channels", options.channels, { min: 1, integer: true });
    const k = options.kernelSize ?? 3;
    if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1)) {
      throw argumentError("ResidualBlock: kernelSize", k, "an odd integer >= 1 (so H x W is kept)");
    }
    const relu = new ReLU();
    const conv = new Conv2d({
      inChannels: C,
      outChannels: C,
      kernelSize: k,
      pad: "same",
      ...childInit(options, "conv"),
    });
    super("ResidualBlock", [["relu", relu], ["conv", conv]]);
    this.relu = relu;
    this.conv = conv;
    this.skip = options.skip ?? true;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const branch = this.conv.forward(this.relu.forward(x));
      return this.skip ? tf.add(x, branch) : branch;
    });
  }
}
