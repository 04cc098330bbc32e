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
 * const [cropped, pad] = cropNegativePadding(x, { top: 1, bottom: -1, left: 0, right: 0 });
 * tf.conv2d(cropped, w, 1, pad);
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
