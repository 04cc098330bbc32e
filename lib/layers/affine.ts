/**
 * The affine (fully connected) layer: out = x w + b.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { expectShapeOf, expectTensor, showShape } from "./check.ts";
import { flatten } from "./flatten.ts";
import { type InitOptions, initWeights } from "./init.ts";
import type { Module } from "./module.ts";

/**
 * Affine layer. Each example of `x` is flattened to a row of D features first, like
 * cs231n's affine_forward.
 *
 * @param x inputs `(N, d_1, ..., d_k)` with D = d_1 * ... * d_k
 * @param w weights `(D, M)`
 * @param b biases `(M,)`
 * @returns `(N, M)`
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { affine } from "./affine.ts";
 *
 * const out = affine(tf.ones([2, 4, 5, 6]), tf.ones([120, 3]), tf.zeros([3])); // (2, 3)
 * ```
 */
export function affine(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  expectTensor("affine", "x", x);
  expectTensor("affine", "w", w, 2);
  expectTensor("affine", "b", b, 1);
  const D = x.shape.slice(1).reduce((a, c) => a * c, 1);
  const [rows, M] = w.shape;
  if (rows !== D) {
    throw argumentError(
      "affine: w.shape",
      w.shape,
      `[${D}, M] (x has ${D} features per example but w has ${rows} rows; x.shape is ${
        showShape(x.shape)
      })`,
    );
  }
  expectShapeOf(
    "affine",
    "b",
    b,
    [M],
    `one bias per column of w, whose shape is ${showShape(w.shape)}`,
  );
  return tf.tidy(() => tf.add(tf.matMul(flatten(x), w as tf.Tensor2D), b));
}

/** Options of {@linkcode Affine}; see lib/layers/init.ts for the schemes. */
export interface AffineOptions extends InitOptions {
  /** D, the features per example after flattening. */
  inputDim: number;
  /** M, the outputs per example. */
  outputDim: number;
}

/**
 * Affine layer with parameters `W: (D, M)` and `b: (M,)`. With `weightScale` it is
 * cs231n's init (weightScale * N(0, 1), zero biases); otherwise PyTorch nn.Linear's.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Affine } from "./affine.ts";
 *
 * const fc = new Affine({ inputDim: 1568, outputDim: 10, weightScale: 1e-2, seed: 0 });
 * const features = tf.randomNormal([4, 7, 7, 32]); // (N, 7, 7, 32): 1568 values per example
 * const scores = fc.forward(features); // (N, 10)
 * scores.shape; // [4, 10]
 * ```
 */
export class Affine implements Module {
  /** `W: (D, M)` and `b: (M,)`. */
  readonly params: { W: tf.Variable; b: tf.Variable };

  /** Draws W and b; see {@linkcode AffineOptions}. */
  constructor(options: AffineOptions) {
    const D = numberIn("Affine: inputDim", options.inputDim, { min: 1, integer: true });
    const M = numberIn("Affine: outputDim", options.outputDim, { min: 1, integer: true });
    const { W, b } = initWeights("Affine", [D, M], D, options);
    this.params = { W: tf.variable(W), b: tf.variable(b) };
    W.dispose();
    b.dispose();
  }

  /** `x: (N, d_1, ..., d_k)` with D = d_1 * ... * d_k, to `(N, M)`. */
  forward(x: tf.Tensor): tf.Tensor {
    return affine(x, this.params.W, this.params.b);
  }
}
