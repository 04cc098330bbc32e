/**
 * The geometry oneDNN wants for a sliding-window op (convolution, pooling) from tfjs's
 * `Conv2DInfo`.
 *
 * oneDNN requires `out = (in + padL + padR - extent) / stride + 1` exactly, with
 * `extent = (k - 1) * dilation + 1`. tfjs's padding may differ from that in two ways that
 * change nothing in the result: "same" may pad one row more than any window reads, and a
 * "valid" window may never reach the last rows (13 rows, window 2, stride 2: row 12 is
 * unused). So the right/bottom padding is recomputed from the output size, and comes out
 * negative in the second case, which oneDNN 2.x accepts for convolution and pooling
 * (forward and backward; a gradient is zero in the rows no window reads). Describing the
 * input as a crop of itself instead would give oneDNN strides it has no vectorised kernel
 * for (its reference pooling is ~60x slower).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** One spatial axis. */
export interface Axis {
  input: number;
  output: number;
  kernel: number;
  stride: number;
  /** oneDNN's dilation: tfjs's minus one (0 = dense). */
  dilation: number;
  padBefore: number;
  padAfter: number;
}

/** Height and width axes of a window op. */
export interface WindowGeometry {
  height: Axis;
  width: Axis;
}

function axis(
  input: number,
  output: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBefore: number,
): Axis {
  const extent = (kernel - 1) * dilation + 1;
  const padAfter = (output - 1) * stride + extent - input - padBefore;
  return { input, output, kernel, stride, dilation: dilation - 1, padBefore, padAfter };
}

/**
 * oneDNN's geometry for a convolution or pooling that tfjs describes with `info`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const info = tf.backend_util.computePool2DInfo([1, 13, 13, 1], 2, 2, 1, "valid");
 * windowGeometry(info).height; // { input: 13, output: 6, kernel: 2, stride: 2, ... padAfter: -1 }
 * ```
 */
export function windowGeometry(info: tf.backend_util.Conv2DInfo): WindowGeometry {
  return {
    height: axis(
      info.inHeight,
      info.outHeight,
      info.filterHeight,
      info.strideHeight,
      info.dilationHeight,
      info.padInfo.top,
    ),
    width: axis(
      info.inWidth,
      info.outWidth,
      info.filterWidth,
      info.strideWidth,
      info.dilationWidth,
      info.padInfo.left,
    ),
  };
}

/** The dims arrays the window descriptors take: strides, kernel, dilation, pads. */
export function windowArrays(g: WindowGeometry): {
  strides: number[];
  kernel: number[];
  dilation: number[];
  padL: number[];
  padR: number[];
} {
  return {
    strides: [g.height.stride, g.width.stride],
    kernel: [g.height.kernel, g.width.kernel],
    dilation: [g.height.dilation, g.width.dilation],
    padL: [g.height.padBefore, g.width.padBefore],
    padR: [g.height.padAfter, g.width.padAfter],
  };
}
