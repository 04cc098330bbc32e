/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has
 * none): one pass in JavaScript, straight on the backend's heap.
 *
 * For y = depthwiseConv2d(x, w) with channel multiplier M, stride s, padding (top, left):
 *   dw[kh, kw, c, q] = sum over (n, oh, ow) of x[n, oh * s + kh - top, ow * s + kw - left, c]
 *                                                * dy[n, oh, ow, c * M + q]
 * Each dy pixel meets the KH x KW input pixels under its window; channels are the inner
 * loop, so reads are contiguous, and the sums are kept in float64.
 *
 * Why a loop: the best formulation as tf ops, a depthwise convolution of x with the batch
 * folded into the channels against dy read as an (OH x OW)-tap filter, lands on XNNPACK's
 * generic (not single-pass) depthwise path and measured 1.3-4x slower than this loop on
 * exp:convnext's 7x7 layers at batch 128 (612-757 ms against 469 ms on 32x32x32 maps;
 * 87 against 50 ms on 8x8x128), and it needs two transposed copies of its inputs. (Swapping
 * batch and channels as for a full convolution would compute all C x C channel pairs to
 * keep the diagonal.)
 *
 * Shapes: x (N, H, W, C), dy (N, OH, OW, C * M), output (KH, KW, C, M), NHWC, float32,
 * dilation 1.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { argumentError } from "../../errors.ts";
import type { ConvAttrs } from "./conv_geometry.ts";

/**
 * dw of a depthwise 2-D convolution from its input and dy, written into `dw`.
 *
 * @param x (N, H, W, C) row-major
 * @param dy (N, OH, OW, C * M) row-major
 * @param dw (KH, KW, C, M), written
 * @param info the convolution's geometry, from `tf.backend_util.computeConv2DInfo(...,
 * depthwise = true)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { depthwiseFilterBackward } from "./depthwise_conv2d_backprop_filter.ts";
 *
 * const info = tf.backend_util.computeConv2DInfo([2, 8, 8, 3], [7, 7, 3, 1], 1, 1, "same",
 *   undefined, true);
 * const x = new Float32Array(2 * 8 * 8 * 3).fill(1); // (N, H, W, C)
 * const dy = new Float32Array(2 * 8 * 8 * 3).fill(1); // (N, OH, OW, C)
 * const dw = new Float32Array(7 * 7 * 3); // (KH, KW, C, 1)
 * depthwiseFilterBackward(x, dy, dw, info);
 * dw[(3 * 7 + 3) * 3]; // 128: the centre tap of channel 0 sees all 2 * 8 * 8 positions
 * ```
 */
export function depthwiseFilterBackward(
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const multiplier = info.outChannels / channels;
  const { top, left } = info.padInfo;
  const outDepth = channels * multiplier;
  const sums = new Float64Array(dw.length);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((n * outHeight + oh) * outWidth + ow) * outDepth;
        for (let kh = 0; kh < filterHeight; kh++) {
          const h = oh * strideHeight + kh - top;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const w = ow * strideWidth + kw - left;
            if (w < 0 || w >= inWidth) continue;
            const xBase = ((n * inHeight + h) * inWidth + w) * channels;
            const sumBase = (kh * filterWidth + kw) * outDepth;
            if (multiplier === 1) {
              for (let c = 0; c < channels; c++) sums[sumBase + c] += x[xBase + c] * dy[dyBase + c];
            } else {
              for (let c = 0; c < channels; c++) {
                const xValue = x[xBase + c];
                for (let q = 0, at = c * multiplier; q < multiplier; q++, at++) {
                  sums[sumBase + at] += xValue * dy[dyBase + at];
                }
              }
            }
          }
        }
      }
    }
  }
  dw.set(sums);
}

function kernelFunc(
  { inputs, backend, attrs }: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  },
): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, dilations, filterShape } = attrs as unknown as
    & ConvAttrs
    & { dilations?: number | [number, number]; filterShape: [number, number, number, number] };
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw argumentError("DepthwiseConv2dNativeBackpropFilter dilations", dilations, "1");
  }
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw argumentError("DepthwiseConv2dNativeBackpropFilter x dtype", x.dtype, '"float32"');
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const dw = backend.makeOutput(filterShape, "float32");
  // Views taken after the allocation: growing the heap detaches earlier views.
  depthwiseFilterBackward(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(dy) as Float32Array,
    backend.typedArrayFromHeap(dw) as Float32Array,
    info,
  );
  return dw;
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { depthwiseConv2dBackpropFilterConfig } from "./depthwise_conv2d_backprop_filter.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(depthwiseConv2dBackpropFilterConfig);
 * ```
 */
export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
