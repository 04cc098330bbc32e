/**
 * `Sum` and `Mean` for the wasm backend when the reduced axes lead (bias gradients reduce
 * dy (N, H, W, C) over N, H and W; batchnorm's statistics reduce (N * H * W, C) over its
 * rows): one pass over the backend's heap in JavaScript, a running sum per column.
 *
 * The stock kernels reduce only the innermost axes, so for leading axes they first
 * transpose the whole input (C innermost -> C outermost), a strided copy as large as the
 * input, then sum. Here the input is read once, in memory order; the sums are kept in
 * float64, so they are at least as accurate as the stock float32 ones. Any other
 * reduction (trailing or interleaved axes, int32, everything reduced) goes to the stock
 * kernel.
 *
 * Shapes: x (R..., C...) with the R axes reduced; output (C...) or (1..., C...) with
 * keepDims.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { stockKernel } from "./registry.ts";

/**
 * Column sums of a row-major (rows, cols) matrix into `out` (cols).
 *
 * @param x rows * cols values, row-major
 * @param out cols values, written: out[c] = scale * sum over r of x[r * cols + c]
 * @param scale 1 for a sum, 1 / rows for a mean
 * @example
 * ```ts
 * import { sumLeadingRows } from "./reduce_leading.ts";
 *
 * const out = new Float32Array(2);
 * sumLeadingRows(new Float32Array([1, 2, 3, 4]), 2, 2, out, 1); // out = [4, 6]
 * ```
 */
export function sumLeadingRows(
  x: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  scale: number,
): void {
  const acc = new Float64Array(cols);
  for (let r = 0, at = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++, at++) acc[c] += x[at];
  }
  for (let c = 0; c < cols; c++) out[c] = acc[c] * scale;
}

/**
 * How many leading axes `axis` reduces, or 0 when the reduction is not a proper leading
 * prefix (nothing, everything, or axes in between kept).
 */
function leadingAxes(axis: number | number[], shape: number[]): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length === shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function reduceKernel(name: "Sum" | "Mean"): tf.KernelFunc {
  return ((args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  }) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as tf.TensorInfo;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === "float32" ? leadingAxes(axis, x.shape) : 0;
    if (k === 0) return stockKernel(name).kernelFunc(args) as tf.TensorInfo;
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(k);
    const cols = kept.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput(
      keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept,
      "float32",
    );
    // Views taken after the allocation: growing the heap detaches earlier views.
    sumLeadingRows(
      backend.typedArrayFromHeap(x) as Float32Array,
      rows,
      cols,
      backend.typedArrayFromHeap(out) as Float32Array,
      name === "Mean" ? 1 / rows : 1,
    );
    return out;
  }) as unknown as tf.KernelFunc;
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { sumConfig } from "./reduce_leading.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(sumConfig);
 * ```
 */
export const sumConfig: tf.KernelConfig = {
  kernelName: "Sum",
  backendName: "wasm",
  kernelFunc: reduceKernel("Sum"),
};

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { meanConfig } from "./reduce_leading.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(meanConfig);
 * ```
 */
export const meanConfig: tf.KernelConfig = {
  kernelName: "Mean",
  backendName: "wasm",
  kernelFunc: reduceKernel("Mean"),
};
