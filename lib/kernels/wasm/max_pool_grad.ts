/**
 * `MaxPoolGrad` for the wasm backend: one pass over the windows in JavaScript, straight
 * on the backend's heap.
 *
 * Each output pixel's gradient goes to the first maximum of its window (rows, then
 * columns, strictly greater: the cpu backend's tie rule, which matters after a relu where
 * whole windows are 0). Per window the channels are the inner loop, so every read is
 * contiguous. The stock kernel loops over every input pixel and every window around it;
 * this one touches each window once: 3-4x faster on the MNIST CNN's pools, where a
 * composed-ops version (windows split into an axis, argMax, oneHot) gains only 1.4x
 * (bench/kernels.ts times all three).
 *
 * Shapes: input (N, H, W, C), dy (N, OH, OW, C), output dx (N, H, W, C); float32.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { argumentError } from "../../errors.ts";
import { poolGradInfo } from "./conv_geometry.ts";

/**
 * Accumulates dx of a max pool into `dx` (zeroed first).
 *
 * @param x the pool's input, (N, H, W, C) row-major
 * @param dy (N, OH, OW, C) row-major
 * @param dx (N, H, W, C), written
 * @param info the pool's geometry, from `tf.backend_util.computePool2DInfo`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { maxPoolBackward } from "./max_pool_grad.ts";
 *
 * const info = tf.backend_util.computePool2DInfo([1, 2, 2, 1], 2, 2, 1, "valid");
 * const x = new Float32Array([1, 5, 3, 2]); // one 2x2 window, its max at index 1
 * const dy = new Float32Array([10]);
 * const dx = new Float32Array(4);
 * maxPoolBackward(x, dy, dx, info);
 * dx; // Float32Array [0, 10, 0, 0]: the gradient goes to the max
 * ```
 */
export function maxPoolBackward(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  let dyAt = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      const hFrom = Math.max(0, h0), hTo = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        const wFrom = Math.max(0, w0), wTo = Math.min(inWidth, w0 + filterWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let h = hFrom; h < hTo; h++) {
          for (let w = wFrom; w < wTo; w++) {
            const base = ((n * inHeight + h) * inWidth + w) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[base + c];
              if (value > best[c]) {
                best[c] = value;
                bestAt[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++, dyAt++) {
          if (bestAt[c] >= 0) dx[bestAt[c]] += dy[dyAt];
        }
      }
    }
  }
}

function kernelFunc(
  { inputs, backend, attrs }: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  },
): tf.TensorInfo {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  if (input.dtype !== "float32") {
    throw argumentError("MaxPoolGrad input dtype", input.dtype, '"float32" on wasm');
  }
  const info = poolGradInfo(input, attrs);
  const dx = backend.makeOutput(input.shape, "float32");
  // Views taken after the allocation: growing the heap detaches earlier views.
  maxPoolBackward(
    backend.typedArrayFromHeap(input) as Float32Array,
    backend.typedArrayFromHeap(dy) as Float32Array,
    backend.typedArrayFromHeap(dx) as Float32Array,
    info,
  );
  return dx;
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { maxPoolGradConfig } from "./max_pool_grad.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(maxPoolGradConfig);
 * ```
 */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: "MaxPoolGrad",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
