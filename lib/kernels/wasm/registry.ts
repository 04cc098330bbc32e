/**
 * Replacing a kernel of the wasm backend without losing the stock one.
 *
 * A replacement often needs the kernel it replaces (the fast case is still the stock
 * kernel). Calling the *op* from inside its own kernel would dispatch to the replacement
 * again and recurse until the stack overflows, leaving the engine's kernel depth broken;
 * so the stock config is kept here and its `kernelFunc` is called directly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
// Importing the backend registers its stock kernels, which must happen before we look
// them up.
import "@tensorflow/tfjs-backend-wasm";

const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Registers `config` for the wasm backend in place of the stock kernel of the same name,
 * keeping the stock one for {@linkcode stockKernel}. Calling it again with the same
 * config does nothing.
 *
 * The stock `setupFunc` is carried over: the engine calls it when the backend starts,
 * and the stock `kernelFunc` cannot run without it.
 *
 * @example
 * ```ts
 * import { maxPoolGradConfig } from "./max_pool_grad.ts";
 * import { replaceWasmKernel, stockKernel } from "./registry.ts";
 *
 * replaceWasmKernel(maxPoolGradConfig); // tf.maxPool's gradient on wasm now runs maxPoolBackward
 * stockKernel("MaxPoolGrad") === maxPoolGradConfig; // false: the stock one is kept
 * ```
 */
export function replaceWasmKernel(config: tf.KernelConfig): void {
  const name = config.kernelName;
  const current = tf.getKernel(name, "wasm");
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current !== undefined) {
    if (!stockKernels.has(name)) stockKernels.set(name, current);
    tf.unregisterKernel(name, "wasm");
  }
  const stock = stockKernels.get(name);
  tf.registerKernel({
    ...config,
    backendName: "wasm",
    setupFunc: config.setupFunc ?? stock?.setupFunc,
    disposeFunc: config.disposeFunc ?? stock?.disposeFunc,
  });
}

/**
 * The stock wasm kernel that {@linkcode replaceWasmKernel} replaced, or the one still
 * registered when nothing replaced it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { stockKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const out = stockKernel("BatchMatMul").kernelFunc({
 *   inputs: { a: tf.ones([1, 2, 3]), b: tf.ones([1, 3, 4]) },
 *   backend: tf.backend(),
 *   attrs: { transposeA: false, transposeB: false },
 * }) as tf.TensorInfo; // a TensorInfo the engine does not track yet: see wrapOutput
 * out.shape; // [1, 2, 4]
 * ```
 */
export function stockKernel(name: string): tf.KernelConfig {
  const kernel = stockKernels.get(name) ?? tf.getKernel(name, "wasm");
  if (kernel === undefined) {
    throw new Error(`kernel: got "${name}"; expected a kernel tfjs-backend-wasm registers`);
  }
  return kernel;
}

/**
 * The inputs of a kernel as tensors. The engine passes the op's tensors themselves, so
 * tf ops can run on them inside a kernel (untaped, since the engine stops the tape while
 * a kernel runs).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { asTensor } from "./registry.ts";
 *
 * const negate: tf.KernelFunc = ({ inputs }) => {
 *   const dy = asTensor(inputs.dy) as tf.Tensor4D; // throws, saying why, for a bare TensorInfo
 *   return tf.neg(dy);
 * };
 * ```
 */
export function asTensor(info: tf.TensorInfo | undefined): tf.Tensor {
  if (!(info instanceof tf.Tensor)) {
    throw new Error(
      `kernel input: got ${info === undefined ? "nothing" : "a TensorInfo"}; ` +
        "expected a tf.Tensor passed by the engine",
    );
  }
  return info;
}

/**
 * Wraps a TensorInfo that a stock kernel just returned as a tracked tensor, so that
 * `tf.tidy` disposes it like any other intermediate.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { stockKernel, wrapOutput } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const c = tf.tidy(() => {
 *   const [a, b] = [tf.ones([1, 2, 3]), tf.ones([1, 3, 4])];
 *   const args = { inputs: { a, b }, backend: tf.backend(), attrs: {} };
 *   return wrapOutput(stockKernel("BatchMatMul").kernelFunc(args) as tf.TensorInfo);
 * }); // the tidy frees a and b and keeps c
 * c.arraySync(); // [[[3, 3, 3, 3], [3, 3, 3, 3]]]
 * ```
 */
export function wrapOutput(info: tf.TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(info);
}
