/**
 * `Identity` for the wasm backend without a copy: the output shares the input's buffer,
 * as `Reshape` already does and as the cpu backend's `Identity` does.
 *
 * The engine clones (Identity) every tensor a kernel saves for its gradient and every
 * tensor a `tf.customGrad` forward saves, so a training step runs ~150 of them; the stock
 * wasm kernel copies each one (~21 ms a step on mnist_resnet_bn). Sharing is safe because
 * tfjs never writes into a tensor's buffer after the kernel that made it returns
 * (`Variable.assign` swaps buffers rather than writing in place), and the backend counts
 * references per buffer, so the buffer is freed when its last tensor is.
 *
 * Shapes: x any shape and dtype, output the same tensor data.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { stockKernel } from "./registry.ts";

function kernelFunc(
  args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  // Strings live outside the heap; the stock kernel handles them.
  if (x.dtype === "string") {
    return stockKernel("Identity").kernelFunc(args as never) as tf.TensorInfo;
  }
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { identityConfig } from "./identity.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(identityConfig); // as initBackend did, with every kernel of lib/kernels/wasm
 * const x = tf.ones([2, 2]);
 * const y = tf.clone(x); // shares x's buffer on wasm
 * ```
 */
export const identityConfig: tf.KernelConfig = {
  kernelName: "Identity",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
