/**
 * The models by id: one table that says, for each, which module builds it, its one-line
 * description and the input it expects. A new model is one entry here.
 *
 * The table names modules by URL instead of importing them, and {@linkcode loadModel}
 * imports only the one asked for: a run's identity then covers its own model's code and
 * not every other model's (see lib/runs/identity.ts; run specs list the entry's module).
 *
 * @module
 */
import { oneOf } from "../errors.ts";
import type { ConvNeXtOptions } from "./convnext.ts";
import type { FullyConnectedNetOptions } from "./fc_net.ts";
import type { ImageShape } from "./image_shape.ts";
import type { MnistCnnOptions, MnistFcOptions, SmallCnnVariationOptions } from "./mnist_nets.ts";
import type { Model } from "./model.ts";
import type { ThreeLayerConvNetOptions } from "./three_layer_convnet.ts";

/** What every model takes besides its own options. */
export interface CommonModelOptions {
  /** One example, [H, W, C]. */
  inputShape?: ImageShape;
  numClasses?: number;
  seed?: number;
}

/** Each id's constructor options. */
export interface ModelOptionsById {
  fc_net: Omit<FullyConnectedNetOptions, "inputDim"> & CommonModelOptions;
  three_layer_convnet: Omit<ThreeLayerConvNetOptions, "inputDim"> & CommonModelOptions;
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

/** One model: where its factory is and what it is. */
export interface ModelEntry {
  /** URL of the module exporting the factory. */
  module: string;
  /** Name of the exported factory `(options) => Model`. */
  factory: string;
  /** What it builds, in one line (listings, the summary's title). */
  description: string;
  /** The input it expects by default, one example [H, W, C]. */
  inputShape: ImageShape;
}

const fcNets = new URL("./fc_net.ts", import.meta.url).href;
const convnets = new URL("./three_layer_convnet.ts", import.meta.url).href;
const mnistNets = new URL("./mnist_nets.ts", import.meta.url).href;
const convnexts = new URL("./convnext.ts", import.meta.url).href;

/**
 * Every model nnlab trains.
 *
 * @example
 * ```ts
 * import { MODELS } from "./table.ts";
 *
 * MODELS.mnist_cnn.description; // "exp:cnn: conv 32 - pool - conv 64 - pool - linear 1600 -> 10"
 * ```
 */
export const MODELS: Record<ModelId, ModelEntry> = {
  fc_net: {
    module: fcNets,
    factory: "fullyConnectedNet",
    description: "cs231n's {affine - [norm] - relu - [dropout]} x (L-1) - affine",
    inputShape: [32, 32, 3],
  },
  three_layer_convnet: {
    module: convnets,
    factory: "threeLayerConvNet",
    description: "cs231n's conv - relu - pool - affine - relu - affine (exp:overfit)",
    inputShape: [32, 32, 3],
  },
  mnist_fc: {
    module: mnistNets,
    factory: "mnistFc",
    description: "(a) fully connected 784-50-50-10, relu",
    inputShape: [28, 28, 1],
  },
  mnist_cnn: {
    module: mnistNets,
    factory: "mnistCnn",
    description: "exp:cnn: conv 32 - pool - conv 64 - pool - linear 1600 -> 10",
    inputShape: [28, 28, 1],
  },
  mnist_small_cnn: {
    module: mnistNets,
    factory: "mnistSmallCnn",
    description: "(b) conv 8 - pool - conv 16 - pool - conv 32 - linear 1568 -> 10",
    inputShape: [28, 28, 1],
  },
  mnist_pool_first: {
    module: mnistNets,
    factory: "mnistPoolFirst",
    description: "(c) (b) with pool before relu",
    inputShape: [28, 28, 1],
  },
  mnist_pool_first_tanh: {
    module: mnistNets,
    factory: "mnistPoolFirstTanh",
    description: "(d) (c) with tanh",
    inputShape: [28, 28, 1],
  },
  mnist_resnet: {
    module: mnistNets,
    factory: "mnistResnet",
    description: "(f) (b) with 3 residual blocks x + conv(relu(x)) after each conv",
    inputShape: [28, 28, 1],
  },
  mnist_plain_deep: {
    module: mnistNets,
    factory: "mnistPlainDeep",
    description: "(g) (f) without the skip connections",
    inputShape: [28, 28, 1],
  },
  mnist_resnet_bn: {
    module: mnistNets,
    factory: "mnistResnetBn",
    description: "(h) (f) with blocks x + conv(relu(bn(x)))",
    inputShape: [28, 28, 1],
  },
  convnext: {
    module: convnexts,
    factory: "convnext",
    description: "exp:convnext: 32 filters, 4 stages of 2 ConvNeXt blocks",
    inputShape: [32, 32, 3],
  },
};

/** The accepted ids, in the order of the table. */
export const MODEL_IDS = Object.keys(MODELS) as ModelId[];

/**
 * Checks that `id` names a model, and narrows its type.
 *
 * @example
 * ```ts
 * import { modelId } from "./table.ts";
 *
 * const flag: unknown = "mnist_cnn"; // e.g. parsed from the command line
 * const id = modelId(flag); // "mnist_cnn", typed ModelId
 * // modelId("resnet") throws 'model id: got "resnet"; expected one of "fc_net", ...'
 * ```
 */
export function modelId(id: unknown): ModelId {
  return oneOf("model id", id, MODEL_IDS);
}

/**
 * Builds the model `id` with its defaults, overridden by `options`; imports its module
 * on first use.
 *
 * @example
 * ```ts
 * import { loadModel } from "./table.ts";
 *
 * const model = await loadModel("mnist_cnn", { seed: 0 });
 * const cifar = await loadModel("mnist_small_cnn", { inputShape: [32, 32, 3] });
 * Object.keys(model.params).length; // 6: conv1.W, conv1.b, conv2.W, conv2.b, fc.W, fc.b
 * ```
 */
export async function loadModel<Id extends ModelId>(
  id: Id,
  options: ModelOptionsById[Id] = {} as ModelOptionsById[Id],
): Promise<Model> {
  const entry = MODELS[modelId(id)];
  const module = await import(entry.module);
  const factory = module[entry.factory] as ((options: ModelOptionsById[Id]) => Model) | undefined;
  if (typeof factory !== "function") {
    throw new Error(`model ${id}: ${entry.module} exports no function ${entry.factory}`);
  }
  return factory(options);
}
