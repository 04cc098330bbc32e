/**
 * `DepthwiseConv2dNativeBackpropInput` for the wasm backend (tfjs-backend-wasm 4.22 has
 * none), as a forward depthwise convolution.
 *
 * For y = depthwiseConv2d(x, w) with channel multiplier M, stride s, padding (top, left):
 *   dx[n, h, w, c] = sum over (kh, kw, q) of dy[n, oh, ow, c * M + q] * w[kh, kw, c, q]
 * where h = oh * s + kh - top. As for a full convolution (see conv2d_backprop_input.ts),
 * spread dy by the stride, pad it by (K - 1 - top), and correlate it with the spatially
 * flipped filter, now depthwise over the C * M channels of dy; the M channels that came
 * from one input channel are then summed.
 *
 * Shapes: dy (N, OH, OW, C * M), filter (KH, KW, C, M), output (N, H, W, C), NHWC,
 * dilation 1.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../../errors.ts";
import { type ConvAttrs, cropNegativePadding, spreadByStride } from "./conv_geometry.ts";
import { asTensor } from "./registry.ts";

/**
 * dx of a depthwise 2-D convolution, from dy and the filter.
 *
 * @param dy (N, OH, OW, C * M)
 * @param filter (KH, KW, C, M)
 * @param inputShape [N, H, W, C]
 * @returns dx (N, H, W, C)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { depthwiseConv2dBackpropInput } from "./depthwise_conv2d_backprop_input.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const dy = tf.randomNormal([2, 8, 8, 32]) as tf.Tensor4D; // (N, OH, OW, C)
 * const w = tf.randomNormal([7, 7, 32, 1]) as tf.Tensor4D; // one 7x7 filter per channel
 * const dx = depthwiseConv2dBackpropInput(dy, w, [2, 8, 8, 32], { strides: 1, pad: "same" });
 * dx.shape; // [2, 8, 8, 32]
 * ```
 */
export function depthwiseConv2dBackpropInput(
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
    true,
  );
  const [kh, kw, channels, multiplier] = filter.shape;
  return tf.tidy(() => {
    const spread = spreadByStride(dy, info.strideHeight, info.strideWidth);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const [g, padding] = cropNegativePadding(spread, {
      top,
      bottom: info.inHeight + kh - 1 - spread.shape[1] - top,
      left,
      right: info.inWidth + kw - 1 - spread.shape[2] - left,
    });
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, channels * multiplier, 1]);
    const dx = tf.depthwiseConv2d(g, flipped as tf.Tensor4D, 1, padding);
    if (multiplier === 1) return dx;
    const [n, h, w] = inputShape;
    return tf.sum(tf.reshape(dx, [n, h, w, channels, multiplier]), 4) as tf.Tensor4D;
  });
}

function kernelFunc(
  { inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap },
): tf.Tensor {
  const { strides, pad, dimRoundingMode, dilations, inputShape } = attrs as unknown as
    & ConvAttrs
    & { dilations?: number | [number, number]; inputShape: [number, number, number, number] };
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw argumentError("DepthwiseConv2dNativeBackpropInput dilations", dilations, "1");
  }
  return depthwiseConv2dBackpropInput(
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
 * import { depthwiseConv2dBackpropInputConfig } from "./depthwise_conv2d_backprop_input.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(depthwiseConv2dBackpropInputConfig);
 * ```
 */
export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropInput",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
