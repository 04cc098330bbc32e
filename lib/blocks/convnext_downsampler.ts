/**
 * The downsampler between ConvNeXt stages in exp:convnext: LayerNorm over [C, H, W]
 * (NHWC: [H, W, C]) -> 2x2 convolution with stride 2 that doubles the channels, halving
 * the height and width.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { numberIn } from "../errors.ts";
import { Conv2d } from "../layers/conv.ts";
import type { InitOptions } from "../layers/init.ts";
import { LayerNorm } from "../layers/layernorm.ts";
import { Block, childInit } from "./block.ts";

/** Options of {@linkcode ConvNeXtDownsampler}. */
export interface ConvNeXtDownsamplerOptions extends InitOptions {
  /** C, the input channels. */
  inChannels: number;
  /** Output channels; default 2C. */
  outChannels?: number;
  /** H, the input height (at least 2). */
  height: number;
  /** W, the input width (at least 2). */
  width: number;
}

/**
 * `conv(norm(x))` from `(N, H, W, C)` to `(N, floor(H / 2), floor(W / 2), 2C)`.
 * Parameters `norm.gamma, norm.beta: (H, W, C)`, `conv.W: (2, 2, C, 2C)`, `conv.b: (2C,)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ConvNeXtDownsampler } from "./convnext_downsampler.ts";
 *
 * const down = new ConvNeXtDownsampler({ inChannels: 32, height: 32, width: 32, seed: 0 });
 * down.forward(tf.zeros([2, 32, 32, 32])).shape; // [2, 16, 16, 64]
 * ```
 */
export class ConvNeXtDownsampler extends Block {
  readonly norm: LayerNorm;
  readonly conv: Conv2d;

  constructor(options: ConvNeXtDownsamplerOptions) {
    const C = numberIn("ConvNeXtDownsampler: inChannels", options.inChannels, {
      min: 1,
      integer: true,
    });
    const F = numberIn("ConvNeXtDownsampler: outChannels", options.outChannels ?? 2 * C, {
      min: 1,
      integer: true,
    });
    const H = numberIn("ConvNeXtDownsampler: height", options.height, { min: 2, integer: true });
    const W = numberIn("ConvNeXtDownsampler: width", options.width, { min: 2, integer: true });
    const norm = new LayerNorm([H, W, C]);
    const conv = new Conv2d({
      inChannels: C,
      outChannels: F,
      kernelSize: 2,
      stride: 2,
      ...childInit(options, "conv"),
    });
    super("ConvNeXtDownsampler", [["norm", norm], ["conv", conv]]);
    this.norm = norm;
    this.conv = conv;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.conv.forward(this.norm.forward(x)));
  }
}
