/**
 * The post-activation ResNet basic block (He et al. 2015): conv3x3 - bn - relu -
 * conv3x3 - bn, plus the skip, then relu. When the stride or the channel count changes,
 * the skip is a 1x1 projection convolution with batchnorm so the shapes agree (the
 * paper's option B, torchvision's `downsample`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { numberIn } from "../errors.ts";
import { ReLU } from "../layers/activations.ts";
import { type BatchNormModuleOptions, SpatialBatchNorm } from "../layers/batchnorm.ts";
import type { InitOptions } from "../layers/init.ts";
import type { ForwardOptions } from "../layers/module.ts";
import { BiasFreeConv2d } from "./bias_free_conv.ts";
import { Block, childInit } from "./block.ts";

/** Options of {@linkcode BasicBlock}. */
export interface BasicBlockOptions extends InitOptions {
  inChannels: number;
  outChannels: number;
  /** Stride of the first convolution and of the projection; default 1. */
  stride?: number;
  /** Momentum, eps and backward of the batchnorms. */
  batchnorm?: BatchNormModuleOptions;
}

/**
 * The projection skip `bn(conv1x1(x))` with parameters `conv.W: (1, 1, C, F)` and
 * `bn.gamma, bn.beta: (F,)`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ProjectionShortcut } from "./basic_block.ts";
 *
 * const shortcut = new ProjectionShortcut({ inChannels: 16, outChannels: 32, stride: 2 });
 * const out = shortcut.forward(tf.zeros([2, 8, 8, 16]), { training: true });
 * out.shape; // [2, 4, 4, 32]
 * ```
 */
export class ProjectionShortcut extends Block {
  readonly conv: BiasFreeConv2d;
  readonly bn: SpatialBatchNorm;

  constructor(options: BasicBlockOptions) {
    const conv = new BiasFreeConv2d({
      inChannels: options.inChannels,
      outChannels: options.outChannels,
      kernelSize: 1,
      stride: options.stride ?? 1,
      ...childInit(options, "conv"),
    });
    const bn = new SpatialBatchNorm(options.outChannels, options.batchnorm);
    super("ProjectionShortcut", [["conv", conv], ["bn", bn]]);
    this.conv = conv;
    this.bn = bn;
  }

  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => this.bn.forward(this.conv.forward(x), options));
  }
}

/**
 * `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, from `(N, H, W, C)` to
 * `(N, H / s, W / s, F)` (rounded up). Parameters `conv1.W: (3, 3, C, F)`,
 * `bn1.gamma, bn1.beta`, `conv2.W: (3, 3, F, F)`, `bn2.gamma, bn2.beta`, and when
 * `s != 1` or `C != F` the projection's `shortcut.conv.W`, `shortcut.bn.gamma`,
 * `shortcut.bn.beta`. The convolutions have no biases: batchnorm follows each.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BasicBlock } from "./basic_block.ts";
 *
 * const block = new BasicBlock({ inChannels: 16, outChannels: 32, stride: 2, seed: 0 });
 * const out = block.forward(tf.randomNormal([4, 8, 8, 16]), { training: true });
 * out.shape; // [4, 4, 4, 32]
 * ```
 */
export class BasicBlock extends Block {
  readonly conv1: BiasFreeConv2d;
  readonly bn1: SpatialBatchNorm;
  readonly relu1: ReLU;
  readonly conv2: BiasFreeConv2d;
  readonly bn2: SpatialBatchNorm;
  readonly shortcut: ProjectionShortcut | null;
  readonly relu2: ReLU;

  constructor(options: BasicBlockOptions) {
    const C = numberIn("BasicBlock: inChannels", options.inChannels, { min: 1, integer: true });
    const F = numberIn("BasicBlock: outChannels", options.outChannels, { min: 1, integer: true });
    const stride = numberIn("BasicBlock: stride", options.stride ?? 1, { min: 1, integer: true });
    const conv1 = new BiasFreeConv2d({
      inChannels: C,
      outChannels: F,
      kernelSize: 3,
      stride,
      pad: 1,
      ...childInit(options, "conv1"),
    });
    const bn1 = new SpatialBatchNorm(F, options.batchnorm);
    const relu1 = new ReLU();
    const conv2 = new BiasFreeConv2d({
      inChannels: F,
      outChannels: F,
      kernelSize: 3,
      pad: 1,
      ...childInit(options, "conv2"),
    });
    const bn2 = new SpatialBatchNorm(F, options.batchnorm);
    const shortcut = stride !== 1 || C !== F
      ? new ProjectionShortcut({ ...options, ...childInit(options, "shortcut") })
      : null;
    const relu2 = new ReLU();
    super("BasicBlock", [
      ["conv1", conv1],
      ["bn1", bn1],
      ["relu1", relu1],
      ["conv2", conv2],
      ["bn2", bn2],
      ...(shortcut ? [["shortcut", shortcut] as const] : []),
      ["relu2", relu2],
    ]);
    this.conv1 = conv1;
    this.bn1 = bn1;
    this.relu1 = relu1;
    this.conv2 = conv2;
    this.bn2 = bn2;
    this.shortcut = shortcut;
    this.relu2 = relu2;
  }

  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      let out = this.relu1.forward(this.bn1.forward(this.conv1.forward(x), options));
      out = this.bn2.forward(this.conv2.forward(out), options);
      const skip = this.shortcut ? this.shortcut.forward(x, options) : x;
      return this.relu2.forward(tf.add(out, skip));
    });
  }
}
