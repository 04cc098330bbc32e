/**
 * Input checks shared by the layers. Every message names the function and argument, the
 * value received and what is accepted, through lib/errors.ts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";

/**
 * Checks that `x` is a float32 tensor of the given rank (any rank when `rank` is omitted;
 * a list means any of them).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const w = tf.zeros([3, 4]);
 * expectTensor("affine", "w", w, 2); // passes; a rank-1 w would throw
 * ```
 */
export function expectTensor(
  fn: string,
  name: string,
  x: unknown,
  rank?: number | readonly number[],
  dtype: tf.DataType = "float32",
): asserts x is tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw argumentError(`${fn}: ${name}`, x, `a tf.Tensor`);
  }
  if (x.dtype !== dtype) {
    throw argumentError(`${fn}: ${name}.dtype`, x.dtype, `"${dtype}"`);
  }
  const ranks = rank === undefined ? null : typeof rank === "number" ? [rank] : rank;
  if (ranks !== null && !ranks.includes(x.rank)) {
    const kinds = ranks.map((r) => `rank ${r}`).join(" or ");
    throw argumentError(`${fn}: ${name}.shape`, x.shape, `${kinds} (${ranks.join("/")} axes)`);
  }
}

/**
 * Checks that `x.shape` equals `expected` (`null` matches any size), explaining `why` a
 * size is expected, e.g. which other argument it must agree with.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const [D, gamma] = [4, tf.ones([4])];
 * expectShapeOf("batchnorm", "gamma", gamma, [D], `x has ${D} features`);
 * ```
 */
export function expectShapeOf(
  fn: string,
  name: string,
  x: tf.Tensor,
  expected: readonly (number | null)[],
  why: string,
): void {
  const ok = x.rank === expected.length && expected.every((s, i) => s === null || s === x.shape[i]);
  if (!ok) {
    const want = expected.map((s) => (s === null ? "any" : String(s))).join(", ");
    throw argumentError(`${fn}: ${name}.shape`, x.shape, `[${want}] (${why})`);
  }
}

/**
 * Checks a positive integer, such as a stride, a kernel size or a number of groups.
 *
 * @example
 * ```ts
 * const stride = positiveInteger("conv2d: stride", 2);
 * ```
 */
export function positiveInteger(name: string, value: unknown): number {
  return numberIn(name, value, { min: 1, integer: true });
}

/**
 * Normalizes a size given as `n` or `[h, w]` into `[h, w]` of positive integers.
 *
 * @example
 * ```ts
 * pair("maxPool: size", 2); // [2, 2]
 * ```
 */
export function pair(name: string, value: unknown): [number, number] {
  if (Array.isArray(value)) {
    if (value.length !== 2) {
      throw argumentError(name, value, "a positive integer or a pair [height, width]");
    }
    return [positiveInteger(`${name}[0]`, value[0]), positiveInteger(`${name}[1]`, value[1])];
  }
  const n = positiveInteger(name, value);
  return [n, n];
}

/**
 * Checks int32 class labels `y: (N,)` for `scores: (N, C)`: dtype and shape. Their range
 * is not checked here: that would read `y` back from the device at every loss, which
 * stalls a GPU; whoever makes label tensors from host data checks the range once there,
 * with {@linkcode checkLabelRange} (the Solver does for its data).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const [scores, y] = [tf.zeros([2, 10]), tf.tensor1d([3, 7], "int32")];
 * checkLabels("softmaxLoss", scores, y);
 * ```
 */
export function checkLabels(fn: string, scores: unknown, y: unknown): void {
  expectTensor(fn, "scores", scores, 2);
  expectTensor(fn, "y", y, 1, "int32");
  const [N] = scores.shape;
  expectShapeOf(
    fn,
    "y",
    y,
    [N],
    `one label per row of scores, which has shape ${showShape(scores.shape)}`,
  );
}

/**
 * Checks that every label of `labels` (host memory) is a class index in [0, numClasses).
 *
 * @param name how the message names the labels, e.g. "data.train.y"
 * @example
 * ```ts
 * checkLabelRange("data.train.y", new Int32Array([0, 3, 9]), 10); // fine
 * // checkLabelRange("data.val.y", new Int32Array([0, 10]), 10) throws
 * // "data.val.y[1]: got 10; expected a class index in [0, 9]"
 * ```
 */
export function checkLabelRange(name: string, labels: Int32Array, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < numClasses)) {
      throw argumentError(`${name}[${i}]`, labels[i], `a class index in [0, ${numClasses - 1}]`);
    }
  }
}

/**
 * Writes a shape the way error messages show it: `[2, 3]`.
 *
 * @example
 * ```ts
 * showShape([2, 3]); // "[2, 3]"
 * ```
 */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
