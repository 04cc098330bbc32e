/**
 * Training kernels for the wasm backend: the ones tfjs-backend-wasm lacks, faster
 * versions of the ones it runs slowly, and ones that keep NaN where the stock kernels
 * turn it into a number (relu, XNNPACK's clamped convolutions). One kernel per file; bench/kernels.ts measures
 * each against the stock kernel and the cpu backend.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { avgPoolGradConfig } from "./avg_pool_grad.ts";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { batchnormTrainConfig, batchnormTrainGradConfig } from "./batchnorm.ts";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { depthwiseConv2dBackpropFilterConfig } from "./depthwise_conv2d_backprop_filter.ts";
import { depthwiseConv2dBackpropInputConfig } from "./depthwise_conv2d_backprop_input.ts";
import { depthwiseConv2dNativeConfig } from "./depthwise_conv2d_native.ts";
import { identityConfig } from "./identity.ts";
import {
  conv2dConfig,
  fusedConv2dConfig,
  fusedDepthwiseConv2dConfig,
  fusedMatMulConfig,
} from "./keep_nan.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { meanConfig, sumConfig } from "./reduce_leading.ts";
import { relu6Config, reluConfig } from "./relu.ts";
import { replaceWasmKernel } from "./registry.ts";

export { avgPoolBackward, avgPoolGradConfig } from "./avg_pool_grad.ts";
export { batchMatMul, batchMatMulConfig } from "./batch_mat_mul.ts";
export {
  BATCHNORM_TRAIN_GRAD_KERNEL,
  BATCHNORM_TRAIN_KERNEL,
  batchnormBackwardRows,
  batchnormForwardRows,
  batchnormKernelsActive,
  batchnormTrainConfig,
  batchnormTrainGradConfig,
} from "./batchnorm.ts";
export { conv2dBackpropFilter, conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
export { conv2dBackpropInput, conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
export {
  depthwiseConv2dBackpropFilterConfig,
  depthwiseFilterBackward,
} from "./depthwise_conv2d_backprop_filter.ts";
export {
  depthwiseConv2dBackpropInput,
  depthwiseConv2dBackpropInputConfig,
} from "./depthwise_conv2d_backprop_input.ts";
export { depthwiseByPieces, depthwiseConv2dNativeConfig } from "./depthwise_conv2d_native.ts";
export { identityConfig } from "./identity.ts";
export { allFinite } from "../finite.ts";
export { knownFinite, markFinite } from "./known_finite.ts";
export {
  applyActivation,
  conv2dConfig,
  type FusedActivation,
  fusedConv2dConfig,
  fusedDepthwiseConv2dConfig,
  fusedMatMulConfig,
  keepNaN,
} from "./keep_nan.ts";
export { maxPoolBackward, maxPoolGradConfig } from "./max_pool_grad.ts";
export { meanConfig, sumConfig, sumLeadingRows } from "./reduce_leading.ts";
export { copyNaN, relu6Config, reluConfig, reluOnHeap } from "./relu.ts";
export { replaceWasmKernel, stockKernel } from "./registry.ts";

/** Every kernel this folder registers for the wasm backend. */
export const WASM_KERNEL_CONFIGS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseConv2dBackpropFilterConfig,
  depthwiseConv2dBackpropInputConfig,
  depthwiseConv2dNativeConfig,
  maxPoolGradConfig,
  avgPoolGradConfig,
  batchMatMulConfig,
  sumConfig,
  meanConfig,
  identityConfig,
  batchnormTrainConfig,
  batchnormTrainGradConfig,
  reluConfig,
  relu6Config,
  conv2dConfig,
  fusedConv2dConfig,
  fusedDepthwiseConv2dConfig,
  fusedMatMulConfig,
];

/**
 * Registers every kernel of this folder for the `wasm` backend; safe to call twice.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { registerWasmKernels } from "./mod.ts";
 * registerWasmKernels();
 * await tf.setBackend("wasm");
 * ```
 */
export function registerWasmKernels(): void {
  for (const config of WASM_KERNEL_CONFIGS) replaceWasmKernel(config);
}
