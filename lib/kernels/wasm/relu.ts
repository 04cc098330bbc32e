/**
 * `Relu` and `Relu6` for the wasm backend that propagate NaN, as the cpu backend does.
 *
 * tfjs-backend-wasm 4.22 computes relu so that a NaN with the sign bit set (bits
 * 0xffc00000, what Inf - Inf gives) comes out as 0, and relu6 clamps every NaN to 0. A
 * diverging run then shows finite losses on wasm (the NaN of an overflowing layer is
 * zeroed by the next relu) where cpu shows NaN. Every other value the stock kernels get
 * right, and fast (SIMD, ~40x a JavaScript loop): so the stock kernel runs, and a scan of
 * the input for NaN (a few times the kernel's cost, far below a layer's; skipped when the
 * input is a convolution output already scanned, known_finite.ts) finds the rare case,
 * where the NaN are copied to the output.
 *
 * Shapes: x any shape, y the same; any dtype (only float32 has NaN).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { stockKernel } from "./registry.ts";
import { knownFinite } from "./known_finite.ts";

/**
 * Copies the NaN of `x` into `y` (same length); returns whether there was any.
 *
 * @example
 * ```ts
 * const y = new Float32Array([0, 0]);
 * copyNaN(new Float32Array([NaN, -1]), y); // true; y = [NaN, 0]
 * ```
 */
export function copyNaN(x: Float32Array, y: Float32Array): boolean {
  const n = x.length;
  let at = 0;
  while (at < n && x[at] === x[at]) at++; // the common case: one comparison a value
  if (at === n) return false;
  for (; at < n; at++) if (x[at] !== x[at]) y[at] = x[at];
  return true;
}

/**
 * Relu or relu6 of a float32 tensor on the wasm heap, NaN kept, as a new output; for use
 * by this folder's kernels on a TensorInfo they hold.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const backend = tf.backend() as BackendWasm;
 * const x = tf.tensor([NaN, -1, 2]);
 * const y = reluOnHeap(x, backend, "Relu"); // [NaN, 0, 2]
 * ```
 */
export function reluOnHeap(
  x: tf.TensorInfo,
  backend: BackendWasm,
  name: "Relu" | "Relu6",
): tf.TensorInfo {
  const y = stockKernel(name).kernelFunc({ inputs: { x }, backend }) as tf.TensorInfo;
  if (x.dtype === "float32" && !knownFinite(x.dataId)) {
    copyNaN(
      backend.typedArrayFromHeap(x) as Float32Array,
      backend.typedArrayFromHeap(y) as Float32Array,
    );
  }
  return y;
}

function kernel(name: "Relu" | "Relu6"): tf.KernelFunc {
  return ((args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm }) =>
    reluOnHeap(args.inputs.x as tf.TensorInfo, args.backend, name)) as unknown as tf.KernelFunc;
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/wasm/mod.ts does).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(reluConfig); // as initBackend did
 * tf.relu(tf.tensor([NaN, -1, 2])); // [NaN, 0, 2] on wasm, as on cpu
 * ```
 */
export const reluConfig: tf.KernelConfig = {
  kernelName: "Relu",
  backendName: "wasm",
  kernelFunc: kernel("Relu"),
};

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/wasm/mod.ts does).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { replaceWasmKernel } from "./registry.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * replaceWasmKernel(relu6Config); // as initBackend did
 * tf.relu6(tf.tensor([NaN, -1, 7])); // [NaN, 0, 6] on wasm, as on cpu
 * ```
 */
export const relu6Config: tf.KernelConfig = {
  kernelName: "Relu6",
  backendName: "wasm",
  kernelFunc: kernel("Relu6"),
};
