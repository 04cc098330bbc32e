/**
 * The ConvNeXt block of exp:convnext (Liu et al. 2022, "A ConvNet for the 2020s", without
 * layer scale and stochastic depth): depthwise 7x7 convolution ("same" padding) ->
 * LayerNorm over [C, H, W] -> 1x1 convolution to 4C -> GELU -> 1x1 convolution back to C,
 * plus the input. In our NHWC layout the LayerNorm normalizes each example over its
 * [H, W, C] values, with an elementwise gamma and beta of that shape, as PyTorch's
 * `nn.LayerNorm([C, H, W])` does; it therefore needs the spatial size up front.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { GELU } from "../layers/activations.ts";
import { Conv2d } from "../layers/conv.ts";
import type { InitOptions } from "../layers/init.ts";
import { LayerNorm } from "../layers/layernorm.ts";
import { Block, childInit } from "./block.ts";

/** Options of {@linkcode ConvNeXtBlock}. */
export interface ConvNeXtBlockOptions extends InitOptions {
  /** C, the input and output channels. */
  channels: number;
  /** H, the input height (the LayerNorm's shape depends on it). */
  height: number;
  /** W, the input width. */
  width: number;
  /** Odd size of the depthwise filter; default 7. */
  kernelSize?: number;
  /** Width of the inverted bottleneck as a multiple of C; default 4. */
  expansion?: number;
}

/**
 * `out = x + pwconv2(gelu(pwconv1(norm(dwconv(x)))))` over `(N, H, W, C)`, output
 * `(N, H, W, C)`. Parameters `dwconv.W: (7, 7, 1, C)`, `dwconv.b: (C,)`,
 * `norm.gamma, norm.beta: (H, W, C)`, `pwconv1.W: (1, 1, C, 4C)`, `pwconv1.b: (4C,)`,
 * `pwconv2.W: (1, 1, 4C, C)`, `pwconv2.b: (C,)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ConvNeXtBlock } from "./convnext_block.ts";
 *
 * const block = new ConvNeXtBlock({ channels: 32, height: 32, width: 32, seed: 0 });
 * block.forward(tf.zeros([2, 32, 32, 32])).shape; // [2, 32, 32, 32]
 * ```
 */
export class ConvNeXtBlock extends Block {
  readonly dwconv: Conv2d;
  readonly norm: LayerNorm;
  readonly pwconv1: Conv2d;
  readonly act: GELU;
  readonly pwconv2: Conv2d;

  constructor(options: ConvNeXtBlockOptions) {
    const C = numberIn("ConvNeXtBlock: channels", options.channels, { min: 1, integer: true });
    const H = numberIn("ConvNeXtBlock: height", options.height, { min: 1, integer: true });
    const W = numberIn("ConvNeXtBlock: width", options.width, { min: 1, integer: true });
    const k = options.kernelSize ?? 7;
    if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1)) {
      throw argumentError("ConvNeXtBlock: kernelSize", k, "an odd integer >= 1 (so H x W is kept)");
    }
    const expansion = numberIn("ConvNeXtBlock: expansion", options.expansion ?? 4, {
      min: 1,
      integer: true,
    });
    const dwconv = new Conv2d({
      inChannels: C,
      outChannels: C,
      kernelSize: k,
      pad: "same",
      groups: C,
      ...childInit(options, "dwconv"),
    });
    const norm = new LayerNorm([H, W, C]);
    const pwconv1 = new Conv2d({
      inChannels: C,
      outChannels: expansion * C,
      kernelSize: 1,
      ...childInit(options, "pwconv1"),
    });
    const act = new GELU();
    const pwconv2 = new Conv2d({
      inChannels: expansion * C,
      outChannels: C,
      kernelSize: 1,
      ...childInit(options, "pwconv2"),
    });
    super("ConvNeXtBlock", [
      ["dwconv", dwconv],
      ["norm", norm],
      ["pwconv1", pwconv1],
      ["act", act],
      ["pwconv2", pwconv2],
    ]);
    this.dwconv = dwconv;
    this.norm = norm;
    this.pwconv1 = pwconv1;
    this.act = act;
    this.pwconv2 = pwconv2;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const mixed = this.norm.forward(this.dwconv.forward(x));
      return tf.add(x, this.pwconv2.forward(this.act.forward(this.pwconv1.forward(mixed))));
    });
  }
}
