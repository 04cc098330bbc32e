/**
 * Numeric gradients by centred differences, and the relative error used to compare them
 * with analytic (autodiff or closed-form) gradients.
 *
 * TensorFlow.js computes in float32 (about 7 significant digits). A centred difference
 * has truncation error O(h^2) and round-off error about eps32 * |f| / h. With
 * eps32 = 6e-8 and losses of order 1, h = 1e-2 keeps round-off near 1e-5 and truncation
 * near 1e-4 * f''', which is the best balance for the smooth functions we check; the
 * float64 habit of h = 1e-5 would leave only round-off (about 1e-2 relative). Kinks
 * (relu, max pool) can still fall inside [x - h, x + h]; tests keep inputs away from them
 * or compare with a norm-based error. Differences and sums are accumulated in float64.
 *
 * Tolerances that follow from this: relError below 1e-2 per element for single layers,
 * and normRelError below 1e-3 for whole models, are the bounds the tests assert.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Step for centred differences in float32; see the module comment for why. */
export const DEFAULT_STEP = 1e-2;

type Numeric = tf.Tensor | ArrayLike<number>;

function toFloat64(value: Numeric): Float64Array {
  return Float64Array.from(value instanceof tf.Tensor ? value.dataSync() : value);
}

/**
 * Numeric gradient of a scalar function with respect to a variable it reads.
 * `f` is evaluated 2 * v.size times; `v` is restored afterwards.
 *
 * @param f returns the scalar value, e.g. `() => model.objective(X, y).dataSync()[0]`
 * @param v the variable to perturb, any shape
 * @returns df/dv, same length as v.size, in row-major order
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { numericGradientOf } from "./gradcheck.ts";
 *
 * const w = tf.variable(tf.tensor([1, -2]));
 * const numeric = numericGradientOf(() => tf.sum(tf.square(w)).dataSync()[0], w);
 * numeric; // about [2, -4] (Float64Array): the gradient of sum(w^2) is 2w
 * ```
 */
export function numericGradientOf(
  f: () => number,
  v: tf.Variable,
  h: number = DEFAULT_STEP,
): Float64Array {
  const base = toFloat64(v);
  const grad = new Float64Array(base.length);
  const work = Float32Array.from(base);
  const set = (values: Float32Array) => tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  try {
    for (let i = 0; i < base.length; i++) {
      work[i] = base[i] + h;
      set(work);
      const plus = f();
      work[i] = base[i] - h;
      set(work);
      const minus = f();
      work[i] = base[i];
      grad[i] = (plus - minus) / (2 * h);
    }
  } finally {
    set(Float32Array.from(base));
  }
  return grad;
}

/**
 * Numeric gradient of an array-valued function `f` through an upstream gradient `dout`:
 * the gradient of sum(f() * dout) with respect to `v`, the sum taken in float64.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { numericGradientThrough } from "./gradcheck.ts";
 *
 * const x = tf.variable(tf.tensor([-1, 2, 3]));
 * const dout = tf.tensor([5, 6, 7]);
 * const dx = numericGradientThrough(() => tf.relu(x), x, dout);
 * dx; // about [0, 6, 7]: dout where x > 0
 * ```
 */
export function numericGradientThrough(
  f: () => tf.Tensor,
  v: tf.Variable,
  dout: Numeric,
  h: number = DEFAULT_STEP,
): Float64Array {
  const upstream = toFloat64(dout);
  return numericGradientOf(
    () => {
      const out = tf.tidy(f);
      const values = out.dataSync();
      out.dispose();
      if (values.length !== upstream.length) {
        throw new Error(
          `dout: got ${upstream.length} values; expected ${values.length} (the size of f's output)`,
        );
      }
      let total = 0;
      for (let i = 0; i < values.length; i++) total += values[i] * upstream[i];
      return total;
    },
    v,
    h,
  );
}

/**
 * Numeric gradient of `f(x)` at `x`, for a function of a tensor. With `dout` the function
 * may return any shape; without it, it must return a scalar.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { numericGradient } from "./gradcheck.ts";
 *
 * const x = tf.tensor([0, 1]);
 * const dx = numericGradient((x) => tf.sum(tf.tanh(x)), x);
 * dx; // about [1, 0.42]: 1 - tanh(x)^2
 * ```
 */
export function numericGradient(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  { dout, h = DEFAULT_STEP }: { dout?: Numeric; h?: number } = {},
): Float64Array {
  const v = tf.variable(x, false);
  try {
    if (dout !== undefined) return numericGradientThrough(() => f(v), v, dout, h);
    return numericGradientOf(
      () => {
        const out = tf.tidy(() => f(v));
        if (out.size !== 1) {
          out.dispose();
          throw new Error(`f: returned shape [${out.shape}]; expected a scalar (or pass dout)`);
        }
        const value = out.dataSync()[0];
        out.dispose();
        return value;
      },
      v,
      h,
    );
  } finally {
    v.dispose();
  }
}

/**
 * cs231n's relative error: the largest elementwise |a - b| / max(1e-8, |a| + |b|).
 * Strict: one tiny, noisy element can dominate; see {@linkcode normRelError}.
 *
 * @example
 * ```ts
 * import { relError } from "./gradcheck.ts";
 *
 * relError([1, 2], [1, 2.001]); // about 2.5e-4
 * ```
 */
export function relError(a: Numeric, b: Numeric): number {
  const x = toFloat64(a);
  const y = toFloat64(b);
  if (x.length !== y.length) {
    throw new Error(`relError: got arrays of ${x.length} and ${y.length} values; expected equal`);
  }
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(x[i] - y[i]) / Math.max(1e-8, Math.abs(x[i]) + Math.abs(y[i]));
    if (err > worst) worst = err;
  }
  return worst;
}

/**
 * Norm-based relative error ||a - b|| / max(1e-12, ||a|| + ||b||): the whole gradient
 * compared at once, robust to single elements near zero, as float32 checks need.
 *
 * @example
 * ```ts
 * import { normRelError } from "./gradcheck.ts";
 *
 * normRelError([1, 0], [1, 1e-6]); // about 5e-7, where relError is 1
 * ```
 */
export function normRelError(a: Numeric, b: Numeric): number {
  const x = toFloat64(a);
  const y = toFloat64(b);
  if (x.length !== y.length) {
    throw new Error(
      `normRelError: got arrays of ${x.length} and ${y.length} values; expected equal`,
    );
  }
  let diff = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) {
    diff += (x[i] - y[i]) ** 2;
    nx += x[i] ** 2;
    ny += y[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(1e-12, Math.sqrt(nx) + Math.sqrt(ny));
}
