/**
 * `Conv2DBackpropInput` for the wasm backend, as a forward convolution.
 *
 * For y = conv2d(x, w) with stride s and padding (top, left):
 *   dx[n, h, w, ci] = sum over (kh, kw, co) of dy[n, oh, ow, co] * w[kh, kw, ci, co]
 * where h = oh * s + kh - top. Spreading dy by the stride (zeros between rows/columns)
 * turns this into a stride-1 correlation of the spread dy, padded by (K - 1 - top), with
 * the filter flipped in both spatial axes and its channel axes swapped:
 *   dx = conv2d(pad(spread(dy)), flip(w) transposed to (KH, KW, Co, Ci), stride 1).
 * That runs on XNNPACK's convolution instead of the stock scalar loop (6-13x faster on
 * the second conv of the MNIST CNN; see bench/kernels.ts). When the windows tile the
 * input (1x1 convolutions, 2x2 stride-2 downsamplers), dx is one matrix product dy w^T
 * put back in place, which spends no work on the zeros of the spread dy.
 *
 * Shapes: dy (N, OH, OW, Co), filter (KH, KW, Ci, Co), output (N, H, W, Ci), NHWC only,
 * dilation 1 (what tf.conv2d's gradient asks for).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../../errors.ts";
import {
  type ConvAttrs,
  cropNegativePadding,
  spreadByStride,
  untilePatches,
  windowsTile,
} from "./conv_geometry.ts";
import { asTensor } from "./registry.ts";

/**
 * dx of a 2-D convolution, from dy and the filter.
 *
 * @param dy (N, OH, OW, Co)
 * @param filter (KH, KW, Ci, Co)
 * @param inputShape [N, H, W, Ci]
 * @returns dx (N, H, W, Ci)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { conv2dBackpropInput } from "./conv2d_backprop_input.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const dy = tf.randomNormal([2, 11, 11, 64]) as tf.Tensor4D; // (N, OH, OW, F)
 * const w = tf.randomNormal([3, 3, 32, 64]) as tf.Tensor4D; // (HH, WW, C, F)
 * const dx = conv2dBackpropInput(dy, w, [2, 13, 13, 32], { strides: 1, pad: "valid" });
 * dx.shape; // [2, 13, 13, 32]
 * ```
 */
export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  { strides, pad, dimRoundingMode }: ConvAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (windowsTile(info)) {
    // Each dy pixel feeds one patch: patches = dy w^T, one GEMM (see windowsTile).
    return tf.tidy(() => {
      const [kh, kw, ci, co] = filter.shape;
      const dy2d = tf.reshape(dy, [-1, co]) as tf.Tensor2D;
      const w2d = tf.reshape(filter, [kh * kw * ci, co]) as tf.Tensor2D;
      const patches = tf.matMul(dy2d, w2d, false, true);
      return untilePatches(patches as tf.Tensor2D, kh, kw, inputShape);
    });
  }
  return tf.tidy(() => {
    const spread = spreadByStride(dy, info.strideHeight, info.strideWidth);
    const top = info.filterHeight - 1 - info.padInfo.top;
    const left = info.filterWidth - 1 - info.padInfo.left;
    const [g, padding] = cropNegativePadding(spread, {
      top,
      bottom: info.inHeight + info.filterHeight - 1 - spread.shape[1] - top,
      left,
      right: info.inWidth + info.filterWidth - 1 - spread.shape[2] - left,
    });
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(g, flipped, 1, padding);
  });
}

function kernelFunc(
  { inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap },
): tf.Tensor {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as
    & ConvAttrs
    & { dataFormat: string; inputShape: [number, number, number, number] };
  if (dataFormat !== "NHWC") {
    throw argumentError("Conv2DBackpropInput dataFormat", dataFormat, '"NHWC" on wasm');
  }
  return conv2dBackpropInput(
    asTensor(inputs.dy) as tf.Tensor4D,
    asTensor(inputs.filter) as tf.Tensor4D,
    inputShape,
    { strides, pad, dimRoundingMode },
  );
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(conv2dBackpropInputConfig);
 * ```
 */
export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropInput",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
