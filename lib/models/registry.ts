/**
 * The models by id, for `deno task summary <id>` and the studies: one place that maps a
 * name to a constructor and to the input shape it expects.
 *
 * @module
 */
import { oneOf } from "../errors.ts";
import { convnext, CONVNEXT_INPUT_SHAPE, type ConvNeXtOptions } from "./convnext.ts";
import type { ImageShape } from "./image_shape.ts";
import {
  MNIST_INPUT_SHAPE,
  MNIST_NETS,
  type MnistCnnOptions,
  type MnistFcOptions,
  type SmallCnnVariationOptions,
} from "./mnist_nets.ts";
import type { Sequential } from "./sequential.ts";
import { ThreeLayerConvNet, type ThreeLayerConvNetOptions } from "./three_layer_convnet.ts";

/**
 * Each id's constructor options. Every id also takes `inputShape` [H, W, C]
 * (ThreeLayerConvNet's `inputDim`), so callers can size any model for their data.
 */
export interface ModelOptionsById {
  three_layer_convnet: ThreeLayerConvNetOptions & { inputShape?: ImageShape };
  mnist_fc: MnistFcOptions;
  mnist_cnn: MnistCnnOptions;
  mnist_small_cnn: SmallCnnVariationOptions;
  mnist_pool_first: SmallCnnVariationOptions;
  mnist_pool_first_tanh: SmallCnnVariationOptions;
  mnist_resnet: SmallCnnVariationOptions;
  mnist_plain_deep: SmallCnnVariationOptions;
  mnist_resnet_bn: SmallCnnVariationOptions;
  convnext: ConvNeXtOptions;
}

/** A model id. */
export type ModelId = keyof ModelOptionsById;

/** What each id builds, in one line (for listings and the summary's title). */
export const MODEL_DESCRIPTIONS: Record<ModelId, string> = {
  three_layer_convnet: "cs231n's conv - relu - pool - affine - relu - affine (exp:overfit)",
  mnist_fc: "(a) fully connected 784-50-50-10, relu",
  mnist_cnn: "exp:cnn: conv 32 - pool - conv 64 - pool - linear 1600 -> 10",
  mnist_small_cnn: "(b) conv 8 - pool - conv 16 - pool - conv 32 - linear 1568 -> 10",
  mnist_pool_first: "(c) (b) with pool before relu",
  mnist_pool_first_tanh: "(d) (c) with tanh",
  mnist_resnet: "(f) (b) with 3 residual blocks x + conv(relu(x)) after each conv",
  mnist_plain_deep: "(g) (f) without the skip connections",
  mnist_resnet_bn: "(h) (f) with blocks x + conv(relu(bn(x)))",
  convnext: "exp:convnext: 32 filters, 4 stages of 2 ConvNeXt blocks",
};

/** The accepted ids, in the order above. */
export const MODEL_IDS = Object.keys(MODEL_DESCRIPTIONS) as ModelId[];

/** The input each id expects by default, one example [H, W, C]. */
export const MODEL_INPUT_SHAPES: Record<ModelId, ImageShape> = {
  three_layer_convnet: [32, 32, 3],
  mnist_fc: MNIST_INPUT_SHAPE,
  mnist_cnn: MNIST_INPUT_SHAPE,
  mnist_small_cnn: MNIST_INPUT_SHAPE,
  mnist_pool_first: MNIST_INPUT_SHAPE,
  mnist_pool_first_tanh: MNIST_INPUT_SHAPE,
  mnist_resnet: MNIST_INPUT_SHAPE,
  mnist_plain_deep: MNIST_INPUT_SHAPE,
  mnist_resnet_bn: MNIST_INPUT_SHAPE,
  convnext: CONVNEXT_INPUT_SHAPE,
};

const BUILDERS: { [Id in ModelId]: (options: ModelOptionsById[Id]) => Sequential } = {
  three_layer_convnet: ({ inputShape, ...options }) =>
    new ThreeLayerConvNet({ ...options, inputDim: inputShape ?? options.inputDim }),
  ...MNIST_NETS,
  convnext,
};

/**
 * Checks that `id` names a model, and narrows its type.
 *
 * @example
 * ```ts
 * const id = modelId(Deno.args[0]); // Error: model id: got "resnet"; expected one of "three_layer_convnet", ...
 * ```
 */
export function modelId(id: unknown): ModelId {
  return oneOf("model id", id, MODEL_IDS);
}

/**
 * Builds the model `id` with its defaults, overridden by `options`.
 *
 * @example
 * ```ts
 * const model = buildModel("mnist_cnn", { seed: 0 });
 * const shape = [1, ...MODEL_INPUT_SHAPES.mnist_cnn]; // [1, 28, 28, 1]
 * const cifar = buildModel("mnist_small_cnn", { inputShape: [32, 32, 3] });
 * ```
 */
export function buildModel<Id extends ModelId>(
  id: Id,
  options: ModelOptionsById[Id] = {} as ModelOptionsById[Id],
): Sequential {
  const build = BUILDERS[modelId(id)] as (options: ModelOptionsById[Id]) => Sequential;
  return build(options);
}
