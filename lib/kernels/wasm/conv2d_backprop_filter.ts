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
 * Inputs with few channels (a first layer on grey or RGB images) and small filters take a
 * third path: one plain GEMM, dw^T = dy^T (Co, N * OH * OW) times the patch matrix
 * (N * OH * OW, KH * KW * Ci). With Ci = 1 the swapped convolution has a batch of 1 and
 * only KH x KW output pixels, which XNNPACK runs at a fraction of its speed: MNIST's first
 * 3x3 layer at batch 64 (a fresh dy each call, as in training) takes 10.6 ms that way and
 * 6.6 ms by patches. With 8 or more channels the swapped convolution wins
 * (x[128,28,28,8] w[3,3,8,8]: 11.6 ms against 29 ms by patches, which copy x KH * KW
 * times with short rows).
 *
 * Shapes: x (N, H, W, Ci), dy (N, OH, OW, Co), output (KH, KW, Ci, Co), NHWC only,
 * dilation 1 in the forward convolution.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../../errors.ts";
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
 * import * as tf from "@tensorflow/tfjs";
 * import { conv2dBackpropFilter } from "./conv2d_backprop_filter.ts";
 * import { initBackend } from "../../backend/init.ts";
 *
 * await initBackend({ backend: "wasm" });
 * const x = tf.randomNormal([2, 15, 15, 32]) as tf.Tensor4D; // (N, H, W, C)
 * const dy = tf.randomNormal([2, 13, 13, 64]) as tf.Tensor4D; // (N, OH, OW, F)
 * const dw = conv2dBackpropFilter(x, dy, [3, 3, 32, 64], { strides: 1, pad: "valid" });
 * dw.shape; // [3, 3, 32, 64]
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
  if (
    !windowsTile(info) && info.inChannels <= MAX_PATCH_CHANNELS &&
    info.filterHeight * info.filterWidth <= MAX_PATCH_AREA
  ) {
    return filterGradByPatches(x, dy, info);
  }
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

/**
 * Filters of at most this many pixels take the patch-matrix path; the matrix holds
 * KH * KW copies of x, so 5x5 costs 25 times x's memory for the duration of the kernel.
 */
export const MAX_PATCH_AREA = 25;
/** Inputs with at most this many channels take the patch-matrix path (see the module). */
export const MAX_PATCH_CHANNELS = 4;

/**
 * dw = patches^T dy. The patches are built transposed: x as (Ci, N, H, W), padded, then
 * for each filter offset (i, j) the (strided) window (Ci, N, OH, OW) starting there,
 * stacked to (KH * KW, Ci, N, OH, OW); row (i * KW + j) * Ci + ci is then
 * x[n, oh * s + i - top, ow * s + j - left, ci] over the columns (n, oh, ow), the order
 * of dy's rows. (Stacking windows of NHWC x on a new fourth axis gives the patch matrix
 * directly but interleaves short rows: 5x slower.)
 */
function filterGradByPatches(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight, outWidth, inHeight, inWidth, padInfo } = info;
  const [n, , , ci] = x.shape;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 0, 1, 2]);
    // Rows and columns the windows reach past the input are zeros; rows no window reaches
    // (valid padding with a stride) are never sliced.
    const bottom = Math.max(0, (outHeight - 1) * sh + kh - padInfo.top - inHeight);
    const right = Math.max(0, (outWidth - 1) * sw + kw - padInfo.left - inWidth);
    const padded = padInfo.top || padInfo.left || bottom || right
      ? tf.pad(xT, [[0, 0], [0, 0], [padInfo.top, bottom], [padInfo.left, right]])
      : xT;
    const windows: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        windows.push(
          sh === 1 && sw === 1
            ? tf.slice(padded, [0, 0, i, j], [ci, n, outHeight, outWidth])
            : tf.stridedSlice(
              padded,
              [0, 0, i, j],
              [ci, n, i + (outHeight - 1) * sh + 1, j + (outWidth - 1) * sw + 1],
              [1, 1, sh, sw],
            ),
        );
      }
    }
    const rows = n * outHeight * outWidth;
    const patchesT = tf.reshape(tf.stack(windows), [kh * kw * ci, rows]);
    // dw^T = dy^T patches: the GEMM packs its right operand afresh every call (dy is new
    // each step), and the patch matrix, with KH * KW * Ci <= 100 columns, is the cheaper
    // one to pack; with dy on the right this ran 10.6 ms instead of 6.6 (MNIST conv1).
    const patches = tf.transpose(patchesT) as tf.Tensor2D;
    const dyT = tf.transpose(tf.reshape(dy, [rows, info.outChannels])) as tf.Tensor2D;
    const dwT = tf.matMul(dyT, patches); // (Co, KH * KW * Ci)
    return tf.reshape(tf.transpose(dwT), [kh, kw, ci, info.outChannels]) as tf.Tensor4D;
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
 * import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
 * import { replaceWasmKernel } from "./registry.ts";
 *
 * replaceWasmKernel(conv2dBackpropFilterConfig);
 * ```
 */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: "Conv2DBackpropFilter",
  backendName: "wasm",
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
