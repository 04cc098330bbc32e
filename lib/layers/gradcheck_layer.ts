/**
 * Gradient check of a layer: autodiff (or a custom backward) against centred differences
 * for every input, through a random upstream gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { normRelError, numericGradient, relError } from "../gradcheck.ts";
import { streamSeed } from "./init.ts";

/** Per input of the layer: both gradients and how far apart they are. */
export interface LayerGradientCheck {
  analytic: Float64Array;
  numeric: Float64Array;
  /** cs231n's largest elementwise relative error. */
  relError: number;
  /** ||analytic - numeric|| / (||analytic|| + ||numeric||). */
  normRelError: number;
}

/**
 * Compares d sum(f(...inputs) * dout) / d input, from tfjs's gradients (autodiff, or
 * customGrad where f uses it) and from centred differences (lib/gradcheck.ts, float32,
 * step 1e-2), for every input. `dout` is standard normal, seeded, of f's output shape.
 * `f` must be deterministic: reset any dropout mask counter inside it.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { affine } from "./affine.ts";
 * import { checkLayerGradients } from "./gradcheck_layer.ts";
 *
 * const x = tf.randomNormal([2, 4]);
 * const w = tf.randomNormal([4, 3]);
 * const b = tf.randomNormal([3]);
 * const [dx, dw, db] = checkLayerGradients(affine, [x, w, b]);
 * dx.normRelError < 1e-3; // true, and likewise dw and db
 * ```
 */
export function checkLayerGradients(
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  { seed = 0 }: { seed?: number } = {},
): LayerGradientCheck[] {
  const outShape = tf.tidy(() => f(...inputs).shape);
  const dout = tf.randomNormal(outShape, 0, 1, "float32", streamSeed(seed, "dout"));
  try {
    const grads = tf.tidy(() =>
      tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dout)))(inputs)
    );
    const analytic = grads.map((g) => Float64Array.from(g.dataSync()));
    tf.dispose(grads);
    return inputs.map((input, i) => {
      const numeric = numericGradient(
        (xi) => f(...inputs.map((x, j) => (j === i ? xi : x))),
        input,
        { dout },
      );
      return {
        analytic: analytic[i],
        numeric,
        relError: relError(analytic[i], numeric),
        normRelError: normRelError(analytic[i], numeric),
      };
    });
  } finally {
    dout.dispose();
  }
}
