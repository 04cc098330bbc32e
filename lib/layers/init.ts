/**
 * Weight initialization for the parametrized layers.
 *
 * - `weightScale` (cs231n): W = weightScale * N(0, 1), b = 0.
 * - `"kaiming"` (He et al. 2015, for relu nets): W = N(0, 2 / fanIn), b = 0.
 * - `"pytorch"` (the default of torch.nn.Linear and Conv2d): W and b uniform in
 *   [-1/sqrt(fanIn), 1/sqrt(fanIn)], which is what kaiming_uniform_(a=sqrt(5)) works out to.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn, oneOf } from "../errors.ts";

/** The named initialization schemes. */
export const INIT_SCHEMES = ["kaiming", "pytorch"] as const;
/** A named initialization scheme. */
export type InitScheme = typeof INIT_SCHEMES[number];

/** How to draw a layer's initial weights: a cs231n weight scale or a named scheme. */
export interface InitOptions {
  /** Standard deviation of W, cs231n style; exclusive with `init`. */
  weightScale?: number;
  /** Named scheme; `"pytorch"` when neither this nor `weightScale` is given. */
  init?: InitScheme;
  /** Seed for reproducible weights; unseeded when absent. */
  seed?: number;
}

/**
 * Draws initial `W` of `shape` and `b` of `[outDim]` for a layer whose every output sees
 * `fanIn` inputs (D for affine, kh * kw * inC / groups for a convolution).
 *
 * @example
 * ```ts
 * import { initWeights } from "./init.ts";
 *
 * const { W, b } = initWeights("Affine", [784, 100], 784, { weightScale: 1e-2, seed: 0 });
 * W.shape; // [784, 100], N(0, 1e-2^2)
 * b.shape; // [100], zeros
 * ```
 */
export function initWeights(
  layer: string,
  shape: number[],
  fanIn: number,
  { weightScale, init, seed }: InitOptions,
): { W: tf.Tensor; b: tf.Tensor } {
  const outDim = shape[shape.length - 1];
  if (seed !== undefined) numberIn(`${layer}: seed`, seed, { integer: true });
  const seedW = seed === undefined ? undefined : streamSeed(seed, "W");
  const seedB = seed === undefined ? undefined : streamSeed(seed, "b");
  if (weightScale !== undefined && init !== undefined) {
    throw argumentError(
      `${layer}: init`,
      init,
      "no init when weightScale is given (weightScale is the cs231n init)",
    );
  }
  if (weightScale !== undefined) {
    numberIn(`${layer}: weightScale`, weightScale, { min: 0 });
    return {
      W: tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, "float32", seedW), weightScale)),
      b: tf.zeros([outDim]),
    };
  }
  const scheme = oneOf(`${layer}: init`, init ?? "pytorch", INIT_SCHEMES);
  if (scheme === "kaiming") {
    return {
      W: tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", seedW),
      b: tf.zeros([outDim]),
    };
  }
  const bound = 1 / Math.sqrt(fanIn);
  return {
    W: tf.randomUniform(shape, -bound, bound, "float32", seedW),
    b: tf.randomUniform([outDim], -bound, bound, "float32", seedB),
  };
}

/**
 * Derives the tfjs seed of one random stream (`"W"`, `"b"`, `"dropout:3"`) from a user's
 * integer seed. Two reasons not to pass the seed through: tfjs treats seed 0 as "unseeded"
 * in randomNormal, and W and b (or successive dropout masks) need different streams.
 * FNV-1a over the text, forced odd so it is never 0.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { streamSeed } from "./init.ts";
 *
 * tf.randomNormal([3], 0, 1, "float32", streamSeed(0, "W")); // the same 3 values on every run
 * ```
 */
export function streamSeed(seed: number, stream: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${stream}:${seed}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  }
  return (hash | 1) >>> 0;
}

/**
 * A variable holding `initial`, which is then released: `tf.variable(t)` keeps its own
 * reference to the data, so the initial tensor would otherwise stay counted forever.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { variableFrom } from "./init.ts";
 *
 * const gamma = variableFrom(tf.ones([100]));
 * const runningMean = variableFrom(tf.zeros([100]), false);
 * runningMean.trainable; // false
 * ```
 */
export function variableFrom(initial: tf.Tensor, trainable = true): tf.Variable {
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}
