/**
 * `DepthwiseConv2dNativeBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has
 * none), as a forward depthwise convolution.
 *
 * For y = depthwiseConv2d(x, w) with channel multiplier M, stride s, padding (top, left):
 *   dw[kh, kw, c, q] = sum over (n, oh, ow) of x[n, oh * s + kh - top, ow * s + kw - left, c]
 *                                                * dy[n, oh, ow, c * M + q]
 * Fold the batch into the channels, xT = (1, H, W, N * C), and read dy as a depthwise
 * filter dyT = (OH, OW, N * C, M): a depthwise convolution of xT with dyT, dilated by s,
 * gives (1, KH, KW, N * C * M), the per-example filter gradients; summing over the
 * examples leaves dw. The work equals the forward pass; the swap of batch and channels
 * used for a full convolution would instead compute all C x C channel pairs and keep
 * the diagonal.
 *
 * Shapes: x (N, H, W, C), dy (N, OH, OW, C * M), output (KH, KW, C, M), NHWC, dilation 1.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import { type ConvAttrs, cropNegativePadding } from "./conv_geometry.ts";
import { asTensor } from "./registry.ts";

/**
 * dw of a depthwise 2-D convolution, from its input and dy.
 *
 * @param x (N, H, W, C)
 * @param dy (N, OH, OW, C * M)
 * @param filterShape [KH, KW, C, M]
 * @returns dw (KH, KW, C, M)
 * @example
 * ```ts
 * const dw = depthwiseConv2dBackpropFilter(x, dy, [7, 7, 32, 1], { strides: 1, pad: "same" });
 * ```
 */
export function depthwiseConv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  { strides, pad, dimRoundingMode }: ConvAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    true,
  );
  const [kh, kw, channels, multiplier] = filterShape;
  const [n, h, w] = x.shape;
  const { strideHeight, strideWidth, padInfo, outHeight, outWidth } = info;
  return tf.tidy(() => {
    const xT = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * channels]) as tf.Tensor4D;
    const dyT = tf.reshape(
      tf.transpose(dy, [1, 2, 0, 3]),
      [outHeight, outWidth, n * channels, multiplier],
    ) as tf.Tensor4D;
    const [xIn, padding] = cropNegativePadding(xT, {
      top: padInfo.top,
      bottom: kh + (outHeight - 1) * strideHeight - h - padInfo.top,
      left: padInfo.left,
      right: kw + (outWidth - 1) * strideWidth - w - padInfo.left,
    });
    const perExample = tf.depthwiseConv2d(xIn, dyT, 1, padding, "NHWC", [
      strideHeight,
      strideWidth,
    ]);
    const summed = tf.sum(tf.reshape(perExample, [kh, kw, n, channels * multiplier]), 2);
    return tf.reshape(summed, filterShape) as tf.Tensor4D;
  });
}

function kernelFunc(
  { inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap },
): tf.Tensor {
  const { strides, pad, dimRoundingMode, dilations, filterShape } = attrs as unknown as
    & ConvAttrs
    & { dilations?: number | [number, number]; filterShape: [number, number, number, number] };
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw argumentError("DepthwiseConv2dNativeBackpropFilter dilations", dilations, "1");
  }
  return depthwiseConv2dBackpropFilter(
    asTensor(inputs.x) as tf.Tensor4D,
    asTensor(inputs.dy) as tf.Tensor4D,
    filterShape,
    { strides, pad, dimRoundingMode },
  );
}

/**
 * Kernel config: register with `replaceWasmKernel` (lib/kernels/mod.ts does).
 *
 * @example
 * ```ts
 * replaceWasmKernel(depthwiseConv2dBackpropFilterConfig);
 * ```
 */
export const depthwiseConv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "DepthwiseConv2dNativeBackpropFilter",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
