/**
 * Index bookkeeping shared by the convolution gradients: zero-insertion for strides and
 * padding that may be negative (a crop).
 *
 * Both gradients of a strided convolution are themselves convolutions once the upstream
 * gradient dy is spread out by the stride: row i of dy lands on row i * stride of a
 * zero-filled map. A valid convolution may also skip trailing input rows that no window
 * reaches; then the "padding" that restores the shapes is negative and becomes a crop.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Inserts `strideHeight - 1` zero rows between rows and `strideWidth - 1` zero columns
 * between columns.
 *
 * @param x (N, H, W, C)
 * @returns (N, (H - 1) * strideHeight + 1, (W - 1) * strideWidth + 1, C)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { spreadByStride } from "./conv_geometry.ts";
 *
 * spreadByStride(tf.ones([1, 2, 2, 1]), 2, 2).shape; // [1, 3, 3, 1]
 * ```
 */
export function spreadByStride(
  x: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [n, h, w, c] = x.shape;
  return tf.tidy((): tf.Tensor4D => {
    // (N, H, 1, W, 1, C) padded to (N, H, sh, W, sw, C): each value followed by zeros.
    const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ]);
    const flat = tf.reshape(spread, [n, h * strideHeight, w * strideWidth, c]) as tf.Tensor4D;
    return tf.slice(flat, [0, 0, 0, 0], [
      n,
      (h - 1) * strideHeight + 1,
      (w - 1) * strideWidth + 1,
      c,
    ]);
  });
}

/** Spatial padding of an NHWC map, in pixels; a negative side is a crop. */
export interface SpatialPadding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Crops the negative sides of `padding` off `x` and returns the rest of the padding,
 * all sides >= 0, in the explicit form `tf.conv2d` accepts.
 *
 * @param x (N, H, W, C)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { cropNegativePadding } from "./conv_geometry.ts";
 *
 * const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
 * const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
 * const [cropped, pad] = cropNegativePadding(x, { top: 1, bottom: -1, left: 0, right: 0 });
 * cropped.shape; // [1, 3, 4, 1]: the last row cut off
 * pad; // [[0, 0], [1, 0], [0, 0], [0, 0]]
 * tf.conv2d(cropped, w, 1, pad).shape; // [1, 3, 3, 1]
 * ```
 */
export function cropNegativePadding(
  x: tf.Tensor4D,
  { top, bottom, left, right }: SpatialPadding,
): [tf.Tensor4D, [[0, 0], [number, number], [number, number], [0, 0]]] {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top), cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left), cropRight = Math.max(0, -right);
  const cropped = cropTop + cropBottom + cropLeft + cropRight === 0 ? x : tf.slice(
    x,
    [0, cropTop, cropLeft, 0],
    [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
  );
  const pad: [[0, 0], [number, number], [number, number], [0, 0]] = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return [cropped, pad];
}

/** Padding as tf.conv2d and the pools accept it. */
export type ConvPadding = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

/** The attributes the convolution and pooling gradient kernels share. */
export interface ConvAttrs {
  /** Stride in pixels, one number for both axes or [height, width]. */
  strides: number | [number, number];
  pad: ConvPadding;
  /** How to round output sizes when `pad` is a number. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * True when the windows of a convolution tile the input without overlap or padding
 * (kernel = stride, no padding): 1x1 convolutions, patchify stems and
 * ConvNeXt's 2x2 stride-2 downsamplers. Then both gradients are single matrix products
 * over non-overlapping patches, which XNNPACK's GEMM runs 2-4x faster than the
 * convolution forms (bench/kernels.ts).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { windowsTile } from "./conv_geometry.ts";
 *
 * const info = tf.backend_util.computeConv2DInfo([1, 8, 8, 3], [2, 2, 3, 6], 2, 1, "valid");
 * windowsTile(info); // true: 2x2 filters at stride 2
 * ```
 */
export function windowsTile(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && info.padInfo.bottom === 0 &&
    info.padInfo.right === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/**
 * The non-overlapping KH x KW patches of x as rows (space-to-depth), dropping the
 * rows/columns past the last whole patch.
 *
 * @param x (N, H, W, C)
 * @returns (N * OH * OW, KH * KW * C) with OH = floor(H / KH), OW = floor(W / KW); the
 * columns of a row are ordered (kh, kw, c) like a filter's first three axes.
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { tilePatches } from "./conv_geometry.ts";
 *
 * tilePatches(tf.zeros([2, 4, 4, 3]), 2, 2).shape; // [8, 12]
 * ```
 */
export function tilePatches(x: tf.Tensor4D, kh: number, kw: number): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const oh = Math.floor(h / kh), ow = Math.floor(w / kw);
  return tf.tidy(() => {
    const used = oh * kh === h && ow * kw === w
      ? x
      : tf.slice(x, [0, 0, 0, 0], [n, oh * kh, ow * kw, c]);
    if (kh === 1 && kw === 1) return tf.reshape(used, [n * oh * ow, c]);
    const split = tf.reshape(used, [n, oh, kh, ow, kw, c]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [n * oh * ow, kh * kw * c]);
  });
}

/**
 * The inverse of {@linkcode tilePatches}: rows of patches back to an image, zeros in the
 * rows/columns no patch covers.
 *
 * @param patches (N * OH * OW, KH * KW * C)
 * @param shape the image's shape [N, H, W, C]
 * @returns (N, H, W, C)
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { untilePatches } from "./conv_geometry.ts";
 *
 * untilePatches(tf.zeros([8, 12]), 2, 2, [2, 5, 4, 3]).shape; // [2, 5, 4, 3]
 * ```
 */
export function untilePatches(
  patches: tf.Tensor2D,
  kh: number,
  kw: number,
  [n, h, w, c]: [number, number, number, number],
): tf.Tensor4D {
  const oh = Math.floor(h / kh), ow = Math.floor(w / kw);
  return tf.tidy(() => {
    const split = tf.reshape(patches, [n, oh, ow, kh, kw, c]);
    const image = kh === 1 && kw === 1 ? split : tf.transpose(split, [0, 1, 3, 2, 4, 5]);
    const covered = tf.reshape(image, [n, oh * kh, ow * kw, c]) as tf.Tensor4D;
    if (oh * kh === h && ow * kw === w) return covered;
    return tf.pad(covered, [[0, 0], [0, h - oh * kh], [0, w - ow * kw], [0, 0]]);
  });
}

/**
 * The pooling geometry of a MaxPoolGrad / AvgPoolGrad call, from its input (N, H, W, C)
 * and attributes (filterSize, strides, pad, dimRoundingMode).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { poolGradInfo } from "./conv_geometry.ts";
 *
 * const input = tf.zeros([1, 4, 4, 1]); // a MaxPoolGrad kernel's inputs.input
 * const info = poolGradInfo(input, { filterSize: 2, strides: 2, pad: "valid" });
 * info.outHeight; // 2
 * ```
 */
export function poolGradInfo(
  input: tf.TensorInfo,
  attrs: tf.NamedAttrMap | undefined,
): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as
    & ConvAttrs
    & { filterSize: number | [number, number] };
  return tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}
