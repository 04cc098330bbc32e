/**
 * Replacing a kernel of the webgpu backend while keeping the stock one at hand: a
 * replacement falls back to it for cases it does not cover (NCHW, dilation), and tests
 * and benches compare the two.
 *
 * Kernels registered here are for `"webgpu"` only; the cpu, wasm and tensorflow backends
 * keep theirs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Registers `config` for webgpu in place of the stock kernel of the same name. Calling it
 * again with the same config does nothing. tfjs-backend-webgpu must already be imported
 * (importing it registers the stock kernels).
 *
 * @example
 * ```ts
 * import { conv2dBackpropFilterWebgpuConfig } from "./filter_gradients.ts";
 * replaceWebgpuKernel(conv2dBackpropFilterWebgpuConfig);
 * ```
 */
export function replaceWebgpuKernel(config: tf.KernelConfig): void {
  const name = config.kernelName;
  const current = tf.getKernel(name, "webgpu");
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current !== undefined) {
    if (!stockKernels.has(name)) stockKernels.set(name, current);
    tf.unregisterKernel(name, "webgpu");
  }
  tf.registerKernel({ ...config, backendName: "webgpu" });
}

/**
 * Puts the stock kernel back (for comparisons); {@linkcode replaceWebgpuKernel} undoes it.
 *
 * @example
 * ```ts
 * restoreStockWebgpuKernel("Conv2DBackpropFilter");
 * ```
 */
export function restoreStockWebgpuKernel(name: string): void {
  const stock = stockKernels.get(name);
  if (stock === undefined) return;
  tf.unregisterKernel(name, "webgpu");
  tf.registerKernel(stock);
}

/**
 * The stock webgpu kernel a replacement took the place of (or the registered one).
 *
 * @example
 * ```ts
 * const stock = stockWebgpuKernel("Conv2DBackpropFilter");
 * ```
 */
export function stockWebgpuKernel(name: string): tf.KernelConfig {
  const kernel = stockKernels.get(name) ?? tf.getKernel(name, "webgpu");
  if (kernel === undefined) {
    throw new Error(`kernel: got "${name}"; expected a kernel tfjs-backend-webgpu registers`);
  }
  return kernel;
}
