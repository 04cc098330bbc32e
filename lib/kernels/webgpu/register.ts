/**
 * The webgpu kernels nnlab replaces, registered for the webgpu backend only. Each entry
 * says why the stock tfjs-backend-webgpu 4.22 kernel was replaced; every other kernel
 * nnlab trains with is the stock one (tests/webgpu_*_test.ts compare them all with cpu).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import {
  conv2dBackpropFilterWebgpuConfig,
  depthwiseConv2dBackpropFilterWebgpuConfig,
} from "./filter_gradients.ts";
import { replaceWebgpuKernel } from "./registry.ts";

/**
 * Our webgpu kernels and why each replaces the stock one.
 *
 * @example
 * ```ts
 * for (const { config, why } of WEBGPU_KERNELS) console.log(config.kernelName, why);
 * ```
 */
export const WEBGPU_KERNELS: readonly { config: tf.KernelConfig; why: string }[] = [
  {
    config: conv2dBackpropFilterWebgpuConfig,
    why: "stock runs one invocation per filter element over all N*OH*OW positions " +
      "(288 invocations for MNIST conv1; wrong on lavapipe past 65,535 positions); ours " +
      "splits the positions into chunks, or for large filters unfolds x and runs one " +
      "tiled matrix product (MNIST conv2: 2.2 s stock, 0.5 s ours on lavapipe)",
  },
  {
    config: depthwiseConv2dBackpropFilterWebgpuConfig,
    why: "same serial reduction (1,568 invocations for a 7x7x32 ConvNeXt filter over " +
      "131,072 positions at batch 128; wrong on lavapipe past 65,535); ours splits it",
  },
];

/**
 * Registers {@linkcode WEBGPU_KERNELS} for webgpu, keeping the stock kernels for
 * comparison. tfjs-backend-webgpu must be imported first. Idempotent.
 *
 * @example
 * ```ts
 * await import("@tensorflow/tfjs-backend-webgpu");
 * registerWebgpuKernels();
 * ```
 */
export function registerWebgpuKernels(): string[] {
  for (const { config } of WEBGPU_KERNELS) replaceWebgpuKernel(config);
  return WEBGPU_KERNELS.map(({ config }) => config.kernelName);
}
