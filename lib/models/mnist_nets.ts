/**
 * The small MNIST nets of exp:cnn and exp:mnist-variations, as {@linkcode Sequential}
 * models with PyTorch's default initialization (unless a cs231n `weightScale` is given):
 *
 * - `mnistCnn` (exp:cnn): Conv(1->32, 3x3) - ReLU - MaxPool 2 - Conv(32->64, 3x3) - ReLU -
 *   MaxPool 2 - Flatten - Linear(1600 -> 10), valid convolutions.
 * - `mnistFc` (a): 784 - 50 - 50 - 10 with relus.
 * - `smallCnn` and its variations (b)-(h): conv 3x3 1->8 pad 1, relu, pool 2,
 *   conv 8->16, relu, pool 2, conv 16->32, relu, linear 1568 -> 10; (c) pool before relu;
 *   (d) (c) with tanh; (f) three residual blocks `x + conv(relu(x))` after each conv;
 *   (g) (f) without the skips; (h) (f) with batchnorm, `x + conv(relu(bn(x)))`.
 *
 * Sizes are options so tests can check gradients of tiny versions; the defaults are the
 * studies'.
 *
 * @module
 */
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { childInit } from "../blocks/block.ts";
import { type NamedModule } from "../blocks/children.ts";
import { PreActResidualBlock } from "../blocks/preact_residual.ts";
import { ResidualBlock } from "../blocks/residual.ts";
import { ReLU, Tanh } from "../layers/activations.ts";
import { Affine } from "../layers/affine.ts";
import { Conv2d } from "../layers/conv.ts";
import { Flatten } from "../layers/flatten.ts";
import type { InitOptions } from "../layers/init.ts";
import { MaxPool } from "../layers/pool.ts";
import { checkImageShape, type ImageShape } from "./image_shape.ts";
import { Sequential } from "./sequential.ts";

/** Options every net here takes. */
export interface MnistNetOptions extends InitOptions {
  /** One example, [H, W, C]; default [28, 28, 1]. */
  inputShape?: ImageShape;
  /** Default 10. */
  numClasses?: number;
  /** L2 regularization strength on the weights; default 0. */
  reg?: number;
}

/** The digits' shape, [28, 28, 1]. */
export const MNIST_INPUT_SHAPE: ImageShape = [28, 28, 1];

function common(net: string, options: MnistNetOptions) {
  const inputShape = checkImageShape(`${net}: inputShape`, options.inputShape ?? MNIST_INPUT_SHAPE);
  const numClasses = numberIn(`${net}: numClasses`, options.numClasses ?? 10, {
    min: 2,
    integer: true,
  });
  const init: InitOptions = {
    weightScale: options.weightScale,
    init: options.init,
    seed: numberIn(`${net}: seed`, options.seed ?? 0, { integer: true }),
  };
  return { inputShape, numClasses, init };
}

function positiveIntegers(name: string, value: unknown, length: number): number[] {
  if (
    !Array.isArray(value) || value.length !== length ||
    !value.every((d) => Number.isInteger(d) && d >= 1)
  ) {
    throw argumentError(name, value, `a list of ${length} positive integers`);
  }
  return value;
}

/** Options of {@linkcode mnistFc}. */
export interface MnistFcOptions extends MnistNetOptions {
  /** Default [50, 50]. */
  hiddenDims?: number[];
}

/**
 * Variation (a): flatten - fc1 (784 -> 50) - relu1 - fc2 (50 -> 50) - relu2 - fc3 (50 -> 10).
 *
 * @example
 * ```ts
 * import { mnistFc } from "./mnist_nets.ts";
 *
 * const model = mnistFc({ seed: 0 }); // 42,310 parameters
 * ```
 */
export function mnistFc(options: MnistFcOptions = {}): Sequential {
  const { inputShape, numClasses, init } = common("mnistFc", options);
  const hiddenDims = options.hiddenDims ?? [50, 50];
  if (!Array.isArray(hiddenDims) || !hiddenDims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw argumentError("mnistFc: hiddenDims", hiddenDims, "a list of positive integers");
  }
  const dims = [inputShape[0] * inputShape[1] * inputShape[2], ...hiddenDims, numClasses];
  const layers: NamedModule[] = [["flatten", new Flatten()]];
  for (let i = 0; i < dims.length - 1; i++) {
    const name = `fc${i + 1}`;
    layers.push([
      name,
      new Affine({ inputDim: dims[i], outputDim: dims[i + 1], ...childInit(init, name) }),
    ]);
    if (i < dims.length - 2) layers.push([`relu${i + 1}`, new ReLU()]);
  }
  return new Sequential(layers, { reg: options.reg });
}

/** Options of {@linkcode mnistCnn}. */
export interface MnistCnnOptions extends MnistNetOptions {
  /** Filters of the two convolutions; default [32, 64]. */
  channels?: [number, number];
}

/**
 * The exp:cnn net: conv1 (3x3 valid, 1 -> 32) - relu1 - pool1 - conv2 (32 -> 64) - relu2 -
 * pool2 - flatten - fc (1600 -> 10). On 28x28 digits the shapes run 26, 13, 11, 5.
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 *
 * const model = mnistCnn({ seed: 0 }); // 34,826 parameters
 * ```
 */
export function mnistCnn(options: MnistCnnOptions = {}): Sequential {
  const { inputShape, numClasses, init } = common("mnistCnn", options);
  const [c1, c2] = positiveIntegers("mnistCnn: channels", options.channels ?? [32, 64], 2);
  const [H, W, C] = inputShape;
  // Each stage: a valid 3x3 convolution (size - 2), then a 2x2 pool (floor of half).
  const after = (size: number) => Math.floor((Math.floor((size - 2) / 2) - 2) / 2);
  if (after(H) < 1 || after(W) < 1) {
    throw argumentError("mnistCnn: inputShape", inputShape, "H and W of at least 10");
  }
  const conv = (name: string, inChannels: number, outChannels: number) =>
    new Conv2d({ inChannels, outChannels, kernelSize: 3, ...childInit(init, name) });
  return new Sequential([
    ["conv1", conv("conv1", C, c1)],
    ["relu1", new ReLU()],
    ["pool1", new MaxPool({ size: 2 })],
    ["conv2", conv("conv2", c1, c2)],
    ["relu2", new ReLU()],
    ["pool2", new MaxPool({ size: 2 })],
    ["flatten", new Flatten()],
    [
      "fc",
      new Affine({
        inputDim: after(H) * after(W) * c2,
        outputDim: numClasses,
        ...childInit(init, "fc"),
      }),
    ],
  ], { reg: options.reg });
}

/** The blocks after each convolution of {@linkcode smallCnn}. */
export const SMALL_CNN_BLOCKS = ["residual", "plain", "batchnorm", null] as const;
/** `"residual"` x + conv(relu(x)), `"plain"` conv(relu(x)), `"batchnorm"` x + conv(relu(bn(x))). */
export type SmallCnnBlocks = typeof SMALL_CNN_BLOCKS[number];
/** Activations of {@linkcode smallCnn}. */
export const SMALL_CNN_ACTIVATIONS = ["relu", "tanh"] as const;

/** Options of {@linkcode smallCnn}. */
export interface SmallCnnOptions extends MnistNetOptions {
  /** Filters of the three convolutions; default [8, 16, 32]. */
  channels?: [number, number, number];
  /** Pool before the activation (variation c); default false. */
  poolFirst?: boolean;
  /** Default "relu". */
  activation?: typeof SMALL_CNN_ACTIVATIONS[number];
  /** Blocks after each convolution (variations f, g, h); default null (none). */
  blocks?: SmallCnnBlocks;
  /** Blocks after each convolution when `blocks` is set; default 3. */
  blocksPerConv?: number;
}

/**
 * The exp:mnist-variations CNN. Layers `conv1, [block1_1 .. block1_k], relu1, pool1,
 * conv2, ..., relu2, pool2, conv3, ..., relu3, flatten, fc` (pool and activation swapped
 * with `poolFirst`, `tanh<i>` with tanh). Convolutions are 3x3 with padding 1, so on
 * 28x28 digits the pools give 14 and 7, and fc sees 7 * 7 * 32 = 1568 values.
 *
 * @example
 * ```ts
 * import { smallCnn } from "./mnist_nets.ts";
 *
 * const model = smallCnn({ blocks: "residual", seed: 0 }); // variation (f)
 * ```
 */
export function smallCnn(options: SmallCnnOptions = {}): Sequential {
  const { inputShape, numClasses, init } = common("smallCnn", options);
  const channels = positiveIntegers("smallCnn: channels", options.channels ?? [8, 16, 32], 3);
  const activation = oneOf(
    "smallCnn: activation",
    options.activation ?? "relu",
    SMALL_CNN_ACTIVATIONS,
  );
  const blocks = oneOf("smallCnn: blocks", options.blocks ?? null, SMALL_CNN_BLOCKS);
  const blocksPerConv = numberIn("smallCnn: blocksPerConv", options.blocksPerConv ?? 3, {
    min: 1,
    integer: true,
  });
  const [H, W, C] = inputShape;
  const pooled = (size: number) => Math.floor(Math.floor(size / 2) / 2);
  if (pooled(H) < 1 || pooled(W) < 1) {
    throw argumentError("smallCnn: inputShape", inputShape, "H and W of at least 4");
  }
  const layers: NamedModule[] = [];
  let inChannels = C;
  channels.forEach((outChannels, i) => {
    const stage = i + 1;
    const conv = `conv${stage}`;
    layers.push([
      conv,
      new Conv2d({ inChannels, outChannels, kernelSize: 3, pad: 1, ...childInit(init, conv) }),
    ]);
    for (let k = 1; blocks !== null && k <= blocksPerConv; k++) {
      const name = `block${stage}_${k}`;
      const blockInit = { channels: outChannels, ...childInit(init, name) };
      layers.push([
        name,
        blocks === "batchnorm"
          ? new PreActResidualBlock(blockInit)
          : new ResidualBlock({ ...blockInit, skip: blocks === "residual" }),
      ]);
    }
    const act: NamedModule = [
      `${activation}${stage}`,
      activation === "relu" ? new ReLU() : new Tanh(),
    ];
    const isLast = stage === channels.length;
    const pool: NamedModule = [`pool${stage}`, new MaxPool({ size: 2 })];
    if (isLast) layers.push(act);
    else layers.push(...(options.poolFirst ? [pool, act] : [act, pool]));
    inChannels = outChannels;
  });
  layers.push(["flatten", new Flatten()]);
  const features = pooled(H) * pooled(W) * channels[2];
  layers.push([
    "fc",
    new Affine({ inputDim: features, outputDim: numClasses, ...childInit(init, "fc") }),
  ]);
  return new Sequential(layers, { reg: options.reg });
}

/** Options of the named variations: {@linkcode SmallCnnOptions} without the variation's keys. */
export type SmallCnnVariationOptions = Omit<SmallCnnOptions, "poolFirst" | "activation" | "blocks">;

/**
 * Variation (b): the plain small CNN.
 *
 * @example
 * ```ts
 * import { mnistSmallCnn } from "./mnist_nets.ts";
 *
 * const model = mnistSmallCnn({ seed: 0 });
 * ```
 */
export function mnistSmallCnn(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: false, activation: "relu", blocks: null });
}

/**
 * Variation (c): pool before relu.
 *
 * @example
 * ```ts
 * import { mnistPoolFirst } from "./mnist_nets.ts";
 *
 * const model = mnistPoolFirst({ seed: 0 });
 * ```
 */
export function mnistPoolFirst(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: true, activation: "relu", blocks: null });
}

/**
 * Variation (d): pool before tanh.
 *
 * @example
 * ```ts
 * import { mnistPoolFirstTanh } from "./mnist_nets.ts";
 *
 * const model = mnistPoolFirstTanh({ seed: 0 });
 * ```
 */
export function mnistPoolFirstTanh(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: true, activation: "tanh", blocks: null });
}

/**
 * Variation (f): three residual blocks `x + conv(relu(x))` after each convolution.
 *
 * @example
 * ```ts
 * import { mnistResnet } from "./mnist_nets.ts";
 *
 * const model = mnistResnet({ seed: 0 }); // 9 blocks
 * ```
 */
export function mnistResnet(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: false, activation: "relu", blocks: "residual" });
}

/**
 * Variation (g): (f) without the skip connections, `conv(relu(x))` blocks.
 *
 * @example
 * ```ts
 * import { mnistPlainDeep } from "./mnist_nets.ts";
 *
 * const model = mnistPlainDeep({ seed: 0 });
 * ```
 */
export function mnistPlainDeep(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: false, activation: "relu", blocks: "plain" });
}

/**
 * Variation (h): (f) with batchnorm in each block, `x + conv(relu(bn(x)))`.
 *
 * @example
 * ```ts
 * import { mnistResnetBn } from "./mnist_nets.ts";
 *
 * const model = mnistResnetBn({ seed: 0 });
 * ```
 */
export function mnistResnetBn(options: SmallCnnVariationOptions = {}): Sequential {
  return smallCnn({ ...options, poolFirst: false, activation: "relu", blocks: "batchnorm" });
}

/**
 * The nets of exp:cnn and exp:mnist-variations by model id (the ids of `deno task
 * summary`), for the model registry and the MNIST trainer alike.
 *
 * @example
 * ```ts
 * import { MNIST_NETS } from "./mnist_nets.ts";
 *
 * const model = MNIST_NETS.mnist_resnet({ seed: 0 });
 * ```
 */
export const MNIST_NETS = {
  mnist_fc: mnistFc,
  mnist_cnn: mnistCnn,
  mnist_small_cnn: mnistSmallCnn,
  mnist_pool_first: mnistPoolFirst,
  mnist_pool_first_tanh: mnistPoolFirstTanh,
  mnist_resnet: mnistResnet,
  mnist_plain_deep: mnistPlainDeep,
  mnist_resnet_bn: mnistResnetBn,
} as const;
