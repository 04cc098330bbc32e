/**
 * cs231n's three-layer convolutional network:
 * `conv - relu - 2x2 max pool - affine - relu - affine - softmax`, the convolution with
 * stride 1 and "same" padding, weights weightScale * N(0, 1), zero biases, and L2
 * regularization 0.5 * reg * (|W1|^2 + |W2|^2 + |W3|^2).
 *
 * @module
 */
import { argumentError, numberIn } from "../errors.ts";
import { childInit } from "../blocks/block.ts";
import { ReLU } from "../layers/activations.ts";
import { Affine } from "../layers/affine.ts";
import { Conv2d } from "../layers/conv.ts";
import { Flatten } from "../layers/flatten.ts";
import { MaxPool } from "../layers/pool.ts";
import type { ImageShape } from "./image_shape.ts";
import { Sequential } from "./sequential.ts";

/** Options of {@linkcode ThreeLayerConvNet}, with cs231n's defaults. */
export interface ThreeLayerConvNetOptions {
  /** One example's shape [H, W, C] (NHWC); default [32, 32, 3]. */
  inputDim?: [number, number, number];
  /** F, the number of filters; default 32. */
  numFilters?: number;
  /** Odd filter size; default 7. */
  filterSize?: number;
  /** Units of the hidden affine layer; default 100. */
  hiddenDim?: number;
  /** Default 10. */
  numClasses?: number;
  /** Standard deviation of the initial weights; default 1e-3. */
  weightScale?: number;
  /** L2 regularization strength; default 0. */
  reg?: number;
  /** Seeds the weights; default 0. */
  seed?: number;
}

/**
 * The three-layer convnet with cs231n's parameter names: `W1: (k, k, C, F)`, `b1: (F,)`,
 * `W2: (H/2 * W/2 * F, hiddenDim)`, `b2`, `W3: (hiddenDim, numClasses)`, `b3`.
 * Layers: conv, relu1, pool, flatten, fc1, relu2, fc2.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ThreeLayerConvNet } from "./three_layer_convnet.ts";
 *
 * const model = new ThreeLayerConvNet({ inputDim: [28, 28, 1], weightScale: 1e-2, seed: 0 });
 * const X = tf.randomNormal([2, 28, 28, 1]);
 * const y = tf.tensor1d([3, 7], "int32");
 * const { loss, grads } = model.loss(X, y); // loss: a scalar tensor, about ln(10) = 2.3
 * Object.keys(grads); // ["W1", "b1", "W2", "b2", "W3", "b3"]
 * ```
 */
export class ThreeLayerConvNet extends Sequential {
  constructor(options: ThreeLayerConvNetOptions = {}) {
    const {
      inputDim = [32, 32, 3],
      numFilters = 32,
      filterSize = 7,
      hiddenDim = 100,
      numClasses = 10,
      weightScale = 1e-3,
      reg = 0,
      seed = 0,
    } = options;
    if (
      !Array.isArray(inputDim) || inputDim.length !== 3 ||
      !inputDim.every((d) => Number.isInteger(d) && d >= 1)
    ) {
      throw argumentError("ThreeLayerConvNet: inputDim", inputDim, "[H, W, C], positive integers");
    }
    const [H, W, C] = inputDim;
    if (H < 2 || W < 2) {
      throw argumentError("ThreeLayerConvNet: inputDim", inputDim, "H and W of at least 2 (pool)");
    }
    numberIn("ThreeLayerConvNet: numFilters", numFilters, { min: 1, integer: true });
    if (!(Number.isInteger(filterSize) && filterSize >= 1 && filterSize % 2 === 1)) {
      throw argumentError(
        "ThreeLayerConvNet: filterSize",
        filterSize,
        "an odd integer >= 1 (the convolution keeps H x W)",
      );
    }
    numberIn("ThreeLayerConvNet: hiddenDim", hiddenDim, { min: 1, integer: true });
    numberIn("ThreeLayerConvNet: numClasses", numClasses, { min: 2, integer: true });
    numberIn("ThreeLayerConvNet: seed", seed, { integer: true });
    const init = { weightScale, seed };
    const pooled = Math.floor(H / 2) * Math.floor(W / 2) * numFilters;
    super([
      [
        "conv",
        new Conv2d({
          inChannels: C,
          outChannels: numFilters,
          kernelSize: filterSize,
          pad: "same",
          ...childInit(init, "conv"),
        }),
      ],
      ["relu1", new ReLU()],
      ["pool", new MaxPool({ size: 2, stride: 2 })],
      ["flatten", new Flatten()],
      ["fc1", new Affine({ inputDim: pooled, outputDim: hiddenDim, ...childInit(init, "fc1") })],
      ["relu2", new ReLU()],
      [
        "fc2",
        new Affine({ inputDim: hiddenDim, outputDim: numClasses, ...childInit(init, "fc2") }),
      ],
    ], {
      reg,
      paramNames: {
        "conv.W": "W1",
        "conv.b": "b1",
        "fc1.W": "W2",
        "fc1.b": "b2",
        "fc2.W": "W3",
        "fc2.b": "b3",
      },
    });
  }
}

/**
 * A {@linkcode ThreeLayerConvNet} for images of `inputShape`, the model table's way to
 * build it.
 *
 * @example
 * ```ts
 * import { threeLayerConvNet } from "./three_layer_convnet.ts";
 *
 * const model = threeLayerConvNet({ inputShape: [28, 28, 1], weightScale: 1e-2, seed: 0 });
 * model.params.W1.shape; // [7, 7, 1, 32]
 * ```
 */
export function threeLayerConvNet(
  options: Omit<ThreeLayerConvNetOptions, "inputDim"> & { inputShape?: ImageShape } = {},
): ThreeLayerConvNet {
  const { inputShape, ...rest } = options;
  return new ThreeLayerConvNet({ ...rest, ...(inputShape ? { inputDim: inputShape } : {}) });
}
