/**
 * Pooling over NHWC images: max, average and global average.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import { expectTensor, pair, showShape } from "./check.ts";
import type { Module } from "./module.ts";
import { type Padding, resolvePadding } from "./padding.ts";

/** Options of {@linkcode maxPool} and {@linkcode avgPool}. */
export interface PoolOptions {
  /** Window `k` or `[kh, kw]`; default 2. */
  size?: number | [number, number];
  /** Step between windows; default `size` (non-overlapping, like PyTorch). */
  stride?: number | [number, number];
  /** Default 0 (`"valid"`). Explicit pixels may be at most half the window, as in PyTorch. */
  pad?: Padding;
}

/**
 * Shared by the two pools: resolves the options and pads explicitly with `fill`, so that
 * numeric padding means the same on every backend.
 */
function pool(
  fn: "maxPool" | "avgPool",
  x: tf.Tensor,
  { size = 2, stride, pad = 0 }: PoolOptions,
  fill: number,
): tf.Tensor4D {
  expectTensor(fn, "x", x, 4);
  const window = pair(`${fn}: size`, size);
  const strides = pair(`${fn}: stride`, stride ?? size);
  const padding = resolvePadding(`${fn}: pad`, pad);
  const [, H, W] = x.shape;
  let [[top, bottom], [left, right]] = [[0, 0], [0, 0]];
  if (Array.isArray(padding)) {
    [[top, bottom], [left, right]] = padding;
    if (2 * Math.max(top, bottom) > window[0] || 2 * Math.max(left, right) > window[1]) {
      throw argumentError(`${fn}: pad`, pad, `at most half the ${window[0]}x${window[1]} window`);
    }
  }
  if (padding !== "same" && (H + top + bottom < window[0] || W + left + right < window[1])) {
    throw argumentError(
      `${fn}: size`,
      size,
      `a window that fits the padded ${H + top + bottom}x${W + left + right} input ` +
        `(x.shape ${showShape(x.shape)})`,
    );
  }
  return tf.tidy(() => {
    const input = Array.isArray(padding)
      ? tf.pad(x as tf.Tensor4D, [[0, 0], padding[0], padding[1], [0, 0]], fill)
      : x as tf.Tensor4D;
    const tfPad = padding === "same" ? "same" : "valid";
    return fn === "maxPool"
      ? tf.maxPool(input, window, strides, tfPad)
      : tf.avgPool(input, window, strides, tfPad);
  });
}

/**
 * Max pooling. Explicit padding is -Infinity, so it never wins a window (PyTorch's rule).
 *
 * @param x `(N, H, W, C)`
 * @returns `(N, H', W', C)`, H' = floor((H + padTop + padBottom - kh) / sh) + 1
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { maxPool } from "./pool.ts";
 *
 * maxPool(tf.zeros([2, 28, 28, 8]), { size: 2 }).shape; // [2, 14, 14, 8]
 * ```
 */
export function maxPool(x: tf.Tensor, options: PoolOptions = {}): tf.Tensor4D {
  return pool("maxPool", x, options, -Infinity);
}

/**
 * Average pooling. Explicit padding is zeros counted in the average (PyTorch's default
 * count_include_pad=True); `"same"` follows TensorFlow and averages only real pixels.
 *
 * @param x `(N, H, W, C)`
 * @returns `(N, H', W', C)`, sizes as {@linkcode maxPool}
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { avgPool } from "./pool.ts";
 *
 * avgPool(tf.ones([1, 4, 4, 3]), { size: 2 }); // ones, (1, 2, 2, 3)
 * ```
 */
export function avgPool(x: tf.Tensor, options: PoolOptions = {}): tf.Tensor4D {
  return pool("avgPool", x, options, 0);
}

/**
 * Global average pooling: the mean of each channel over all positions.
 *
 * @param x `(N, H, W, C)`
 * @returns `(N, C)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { globalAvgPool } from "./pool.ts";
 *
 * globalAvgPool(tf.ones([2, 7, 7, 64])).shape; // [2, 64]
 * ```
 */
export function globalAvgPool(x: tf.Tensor): tf.Tensor2D {
  expectTensor("globalAvgPool", "x", x, 4);
  return tf.mean(x, [1, 2]);
}

/**
 * {@linkcode maxPool} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { MaxPool } from "./pool.ts";
 *
 * new MaxPool({ size: 2 }).forward(tf.zeros([1, 4, 4, 1])).shape; // [1, 2, 2, 1]
 * ```
 */
export class MaxPool implements Module {
  readonly params: Record<string, tf.Variable> = {};
  constructor(readonly options: PoolOptions = {}) {}
  forward(x: tf.Tensor): tf.Tensor {
    return maxPool(x, this.options);
  }
}

/**
 * {@linkcode avgPool} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { AvgPool } from "./pool.ts";
 *
 * new AvgPool({ size: 2 }).forward(tf.zeros([1, 4, 4, 1])).shape; // [1, 2, 2, 1]
 * ```
 */
export class AvgPool implements Module {
  readonly params: Record<string, tf.Variable> = {};
  constructor(readonly options: PoolOptions = {}) {}
  forward(x: tf.Tensor): tf.Tensor {
    return avgPool(x, this.options);
  }
}

/**
 * {@linkcode globalAvgPool} as a module.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { GlobalAvgPool } from "./pool.ts";
 *
 * new GlobalAvgPool().forward(tf.zeros([2, 4, 4, 8])).shape; // [2, 8]
 * ```
 */
export class GlobalAvgPool implements Module {
  readonly params: Record<string, tf.Variable> = {};
  forward(x: tf.Tensor): tf.Tensor {
    return globalAvgPool(x);
  }
}
