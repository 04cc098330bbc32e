/**
 * The ConvNeXt-style classifier of exp:convnext: a 1x1 stem convolution and LayerNorm,
 * stages of ConvNeXt blocks with a downsampler (LayerNorm, 2x2 stride-2 convolution
 * doubling the channels) between stages, and a head of global average pooling,
 * LayerNorm over the channels and a linear layer. PyTorch's default initialization.
 *
 * @module
 */
import { argumentError, numberIn } from "../errors.ts";
import { childInit } from "../blocks/block.ts";
import type { NamedModule } from "../blocks/children.ts";
import { ConvNeXtBlock } from "../blocks/convnext_block.ts";
import { ConvNeXtDownsampler } from "../blocks/convnext_downsampler.ts";
import { Affine } from "../layers/affine.ts";
import { Conv2d } from "../layers/conv.ts";
import type { InitOptions } from "../layers/init.ts";
import { LayerNorm } from "../layers/layernorm.ts";
import { GlobalAvgPool } from "../layers/pool.ts";
import { checkImageShape, type ImageShape } from "./image_shape.ts";
import { Sequential } from "./sequential.ts";

/** Options of {@linkcode convnext}, with exp:convnext's defaults. */
export interface ConvNeXtOptions extends InitOptions {
  /** Channels after the stem, doubled by every downsampler; default 32. */
  filters?: number;
  /** Default 4. */
  stages?: number;
  /** ConvNeXt blocks per stage; default 2. */
  blocksPerStage?: number;
  /** One example, [H, W, C]; H and W divisible by 2^(stages - 1). Default [32, 32, 3]. */
  inputShape?: ImageShape;
  /** Default 10. */
  numClasses?: number;
  /** Odd size of the blocks' depthwise filters; default 7. */
  kernelSize?: number;
  /** L2 regularization strength on the weights; default 0 (the study uses AdamW decay). */
  reg?: number;
}

/** exp:convnext's input, CIFAR-10's [32, 32, 3]. */
export const CONVNEXT_INPUT_SHAPE: ImageShape = [32, 32, 3];

/**
 * Builds the classifier. Layers: `stem` (1x1 conv C -> filters), `stem_norm` (LayerNorm
 * [H, W, filters]), then per stage s `stage<s>_block<b>` and between stages `down<s>`,
 * then `pool` (global average), `head_norm` (LayerNorm over the channels) and `head`
 * (linear to numClasses). With the defaults: 32x32x32 -> 16x16x64 -> 8x8x128 -> 4x4x256.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { convnext } from "./convnext.ts";
 *
 * const model = convnext({ filters: 32, stages: 4, blocksPerStage: 2, seed: 0 });
 * model.scores(tf.zeros([2, 32, 32, 3])).shape; // [2, 10]
 * ```
 */
export function convnext(options: ConvNeXtOptions = {}): Sequential {
  const filters = numberIn("convnext: filters", options.filters ?? 32, { min: 1, integer: true });
  const stages = numberIn("convnext: stages", options.stages ?? 4, { min: 1, integer: true });
  const blocksPerStage = numberIn("convnext: blocksPerStage", options.blocksPerStage ?? 2, {
    min: 1,
    integer: true,
  });
  const [H, W, C] = checkImageShape(
    "convnext: inputShape",
    options.inputShape ?? CONVNEXT_INPUT_SHAPE,
  );
  const factor = 2 ** (stages - 1);
  if (H % factor !== 0 || W % factor !== 0) {
    throw argumentError(
      "convnext: inputShape",
      options.inputShape ?? CONVNEXT_INPUT_SHAPE,
      `H and W divisible by ${factor}, as ${stages} stages halve them ${stages - 1} times`,
    );
  }
  const numClasses = numberIn("convnext: numClasses", options.numClasses ?? 10, {
    min: 2,
    integer: true,
  });
  const init: InitOptions = {
    weightScale: options.weightScale,
    init: options.init,
    seed: numberIn("convnext: seed", options.seed ?? 0, { integer: true }),
  };
  const kernelSize = options.kernelSize ?? 7;

  const layers: NamedModule[] = [
    [
      "stem",
      new Conv2d({
        inChannels: C,
        outChannels: filters,
        kernelSize: 1,
        ...childInit(init, "stem"),
      }),
    ],
    ["stem_norm", new LayerNorm([H, W, filters])],
  ];
  let [height, width, channels] = [H, W, filters];
  for (let s = 1; s <= stages; s++) {
    if (s > 1) {
      const name = `down${s - 1}`;
      layers.push([
        name,
        new ConvNeXtDownsampler({ inChannels: channels, height, width, ...childInit(init, name) }),
      ]);
      [height, width, channels] = [height / 2, width / 2, 2 * channels];
    }
    for (let b = 1; b <= blocksPerStage; b++) {
      const name = `stage${s}_block${b}`;
      layers.push([
        name,
        new ConvNeXtBlock({ channels, height, width, kernelSize, ...childInit(init, name) }),
      ]);
    }
  }
  layers.push(
    ["pool", new GlobalAvgPool()],
    ["head_norm", new LayerNorm(channels)],
    ["head", new Affine({ inputDim: channels, outputDim: numClasses, ...childInit(init, "head") })],
  );
  return new Sequential(layers, { reg: options.reg });
}
