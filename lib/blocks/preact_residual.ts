/**
 * The pre-activation residual block with batchnorm of exp:mnist-variations (h):
 * `x + conv(relu(bn(x)))` (He et al. 2016, "Identity Mappings in Deep Residual Networks",
 * with one convolution per block).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { ReLU } from "../layers/activations.ts";
import { type BatchNormModuleOptions, SpatialBatchNorm } from "../layers/batchnorm.ts";
import { Conv2d } from "../layers/conv.ts";
import type { InitOptions } from "../layers/init.ts";
import type { ForwardOptions } from "../layers/module.ts";
import { Block, childInit } from "./block.ts";

/** Options of {@linkcode PreActResidualBlock}. */
export interface PreActResidualBlockOptions extends InitOptions {
  /** C, the input and output channels. */
  channels: number;
  /** Odd filter size; default 3. */
  kernelSize?: number;
  /** Momentum, eps and backward of the batchnorm; lib/layers/batchnorm.ts's defaults. */
  batchnorm?: BatchNormModuleOptions;
}

/**
 * `out = x + conv(relu(bn(x)))` over `(N, H, W, C)`, output `(N, H, W, C)`. Parameters
 * `bn.gamma, bn.beta: (C,)`, `conv.W: (k, k, C, C)`, `conv.b: (C,)`; state
 * `bn.runningMean, bn.runningVar: (C,)`, updated by training-mode passes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { PreActResidualBlock } from "./preact_residual.ts";
 *
 * const block = new PreActResidualBlock({ channels: 16, seed: 0 });
 * const out = block.forward(tf.randomNormal([4, 7, 7, 16]), { training: true });
 * out.shape; // [4, 7, 7, 16]
 * ```
 */
export class PreActResidualBlock extends Block {
  readonly bn: SpatialBatchNorm;
  readonly relu: ReLU;
  readonly conv: Conv2d;

  constructor(options: PreActResidualBlockOptions) {
    const C = numberIn("PreActResidualBlock: channels", options.channels, {
      min: 1,
      integer: true,
    });
    const k = options.kernelSize ?? 3;
    if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1)) {
      throw argumentError(
        "PreActResidualBlock: kernelSize",
        k,
        "an odd integer >= 1 (so H x W is kept)",
      );
    }
    const bn = new SpatialBatchNorm(C, options.batchnorm);
    const relu = new ReLU();
    const conv = new Conv2d({
      inChannels: C,
      outChannels: C,
      kernelSize: k,
      pad: "same",
      ...childInit(options, "conv"),
    });
    super("PreActResidualBlock", [["bn", bn], ["relu", relu], ["conv", conv]]);
    this.bn = bn;
    this.relu = relu;
    this.conv = conv;
  }

  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return tf.tidy(() =>
      tf.add(x, this.conv.forward(this.relu.forward(this.bn.forward(x, options))))
    );
  }
}
