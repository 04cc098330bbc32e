/**
 * `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none), as a
 * forward convolution.
 *
 * For y = conv2d(x, w) with stride s and padding (top, left):
 *   dw[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, oh * s + kh - top, ow * s + kw - left, ci]
 *                                                * dy[n, oh, ow, co]
 * Swap the batch and channel axes of x, xT = (Ci, H, W, N), and read dy as a filter
 * dyT = (OH, OW, N, Co): the sum is a convolution of xT with dyT, dilated by s, whose
 * output (Ci, KH, KW, Co) is dw with its first axis moved. XNNPACK runs it.
 *
 * When the windows tile the input (1x1 convolutions, 2x2 stride-2 downsamplers), dw is
 * one matrix product of the patches with dy instead, 2-4x faster.
 *
 * Shapes: x (N, H, W, Ci), dy (N, OH, OW, Co), output (KH, KW, Ci, Co), NHWC only,
 * dilation 1 in the forward convolution.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import { type ConvAttrs, cropNegativePadding, tilePatches, windowsTile } from "./conv_geometry.ts";
import { asTensor } from "./registry.ts";

/**
 * dw of a 2-D convolution, from its input and dy.
 *
 * @param x (N, H, W, Ci)
 * @param dy (N, OH, OW, Co)
 * @param filterShape [KH, KW, Ci, Co]
 * @returns dw (KH, KW, Ci, Co)
 * @example
 * ```ts
 * const dw = conv2dBackpropFilter(x, dy, [3, 3, 32, 64], { strides: 1, pad: "valid" });
 * ```
 */
export function conv2dBackpropFilter(
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
  );
  const { strideHeight, strideWidth, padInfo } = info;
  if (windowsTile(info)) {
    // dw = patches^T dy, one GEMM (see windowsTile).
    return tf.tidy(() => {
      const patches = tilePatches(x, info.filterHeight, info.filterWidth);
      const dy2d = tf.reshape(dy, [patches.shape[0], info.outChannels]);
      return tf.reshape(tf.matMul(patches, dy2d, true, false), filterShape) as tf.Tensor4D;
    });
  }
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    // The last window may stop short of the input's last rows (valid padding with a
    // stride); those rows get no gradient and are cropped.
    const [xIn, padding] = cropNegativePadding(xT, {
      top: padInfo.top,
      bottom: info.filterHeight + (info.outHeight - 1) * strideHeight - info.inHeight -
        padInfo.top,
      left: padInfo.left,
      right: info.filterWidth + (info.outWidth - 1) * strideWidth - info.inWidth - padInfo.left,
    });
    const dwT = tf.conv2d(xIn, dyT, 1, padding, "NHWC", [strideHeight, strideWidth]);
    return tf.transpose(dwT, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

function kernelFunc(
  { inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap },
): tf.Tensor {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as
    & ConvAttrs
    & { dataFormat: string; filterShape: [number, number, number, number] };
  if (dataFormat !== "NHWC") {
    throw argumentError("Conv2DBackpropFilter dataFormat", dataFormat, '"NHWC" on wasm');
  }
  return conv2dBackpropFilter(
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
 * replaceWasmKernel(conv2dBackpropFilterConfig);
 * ```
 */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
