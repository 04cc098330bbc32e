/**
 * Training kernels for the wasm backend: the ones tfjs-backend-wasm lacks and faster
 * versions of the ones it runs slowly. One kernel per file; bench/kernels.ts measures
 * each against the stock kernel and the cpu backend.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { replaceWasmKernel } from "./registry.ts";

export { conv2dBackpropFilter, conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
export { conv2dBackpropInput, conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
export { replaceWasmKernel, stockKernel } from "./registry.ts";

/** Every kernel this folder registers for the wasm backend. */
export const WASM_KERNEL_CONFIGS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
];

/**
 * Registers every kernel of this folder for the `wasm` backend; safe to call twice.
 *
 * @example
 * ```ts
 * registerWasmKernels();
 * await tf.setBackend("wasm");
 * ```
 */
export function registerWasmKernels(): void {
  for (const config of WASM_KERNEL_CONFIGS) replaceWasmKernel(config);
}
