/**
 * The layers library: pure functions over tf tensors (NHWC images, filters
 * `(kh, kw, inC / groups, outC)`) and modules that own their parameters.
 *
 * @example
 * ```ts
 * import { Affine, relu, softmaxLoss } from "./lib/layers/mod.ts";
 * const fc = new Affine({ inputDim: 784, outputDim: 10, weightScale: 1e-2, seed: 0 });
 * const loss = softmaxLoss(fc.forward(relu(X)), y);
 * ```
 *
 * @module
 */
export type { ForwardOptions, Module } from "./module.ts";
export { Affine, affine, type AffineOptions } from "./affine.ts";
export { GELU, gelu, LeakyReLU, leakyRelu, ReLU, relu, Tanh, tanh } from "./activations.ts";
export { Conv2d, conv2d, type Conv2dModuleOptions, type Conv2dOptions } from "./conv.ts";
export type { Padding } from "./padding.ts";
export {
  AvgPool,
  avgPool,
  GlobalAvgPool,
  globalAvgPool,
  MaxPool,
  maxPool,
  type PoolOptions,
} from "./pool.ts";
export {
  BatchNorm,
  batchnorm,
  BATCHNORM_EPS,
  BATCHNORM_MOMENTUM,
  batchnormAutodiff,
  type BatchnormBackward,
  type BatchNormModuleOptions,
  type BatchnormOptions,
  SpatialBatchNorm,
  spatialBatchnorm,
} from "./batchnorm.ts";
export { LayerNorm, layernorm, LAYERNORM_EPS } from "./layernorm.ts";
export { Dropout, dropout, type DropoutOptions } from "./dropout.ts";
export { softmaxLoss, svmLoss } from "./losses.ts";
export { Flatten, flatten } from "./flatten.ts";
export { INIT_SCHEMES, type InitOptions, type InitScheme } from "./init.ts";
export { checkLayerGradients, type LayerGradientCheck } from "./gradcheck_layer.ts";
