/**
 * Inverted dropout (Srivastava et al. 2014; cs231n's version): in training, keep each unit
 * with probability keepProb and divide the kept ones by keepProb, so the expected
 * activation is unchanged and test time needs no rescaling.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { expectTensor } from "./check.ts";
import { streamSeed } from "./init.ts";
import type { ForwardOptions, Module } from "./module.ts";

/** Options of {@linkcode dropout}. */
export interface DropoutOptions {
  /** Probability of keeping a unit, in (0, 1]; 1 turns dropout off. */
  keepProb: number;
  /** Drop units only when true (default false: identity, as at test time). */
  training?: boolean;
  /** Integer seed: the same seed gives the same mask. Unseeded when absent. */
  seed?: number;
}

/** Checks keepProb: a number in (0, 1]. */
function checkKeepProb(name: string, keepProb: unknown): number {
  if (typeof keepProb !== "number" || !(keepProb > 0 && keepProb <= 1)) {
    throw argumentError(name, keepProb, "a number in (0, 1]");
  }
  return keepProb;
}

/**
 * Inverted dropout: `x * mask / keepProb`, mask ~ Bernoulli(keepProb), in training mode;
 * a copy of x in test mode.
 *
 * @param x any shape
 * @returns the shape of x
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { dropout } from "./dropout.ts";
 *
 * const x = tf.ones([2, 4]);
 * const out = dropout(x, { keepProb: 0.5, training: true, seed: 0 });
 * out.arraySync(); // [[0, 2, 2, 2], [0, 2, 2, 2]]: kept values scaled by 1 / keepProb
 * dropout(x, { keepProb: 0.5, training: false }).arraySync(); // x itself: ones
 * ```
 */
export function dropout(
  x: tf.Tensor,
  { keepProb, training = false, seed }: DropoutOptions,
): tf.Tensor {
  expectTensor("dropout", "x", x);
  checkKeepProb("keepProb", keepProb);
  oneOf("dropout: training", training, [true, false]);
  if (seed !== undefined) numberIn("dropout: seed", seed, { integer: true });
  if (!training || keepProb === 1) return tf.clone(x);
  return tf.tidy(() => {
    const uniform = tf.randomUniform(
      x.shape,
      0,
      1,
      "float32",
      seed === undefined ? undefined : streamSeed(seed, "dropout"),
    );
    const mask = tf.div(tf.cast(tf.less(uniform, keepProb), "float32"), keepProb);
    return tf.mul(x, mask);
  });
}

/**
 * Dropout as a module. Each training forward draws a new mask; with a seed, mask number k
 * comes from (seed, k), where k counts the training forwards since construction or the
 * last {@linkcode Dropout.resetMasks} (call it before each evaluation of a gradient check
 * so every evaluation sees the same mask).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Dropout } from "./dropout.ts";
 *
 * const drop = new Dropout({ keepProb: 0.5, seed: 1 });
 * const x = tf.ones([2, 4]);
 * drop.forward(x, { training: true }); // a fresh mask on every call
 * drop.forward(x).arraySync(); // test mode: ones
 * ```
 */
export class Dropout implements Module {
  readonly params: Record<string, tf.Variable> = {};
  /** Probability of keeping a unit, in (0, 1]. */
  readonly keepProb: number;
  /** Integer seed of the mask sequence; unseeded when absent. */
  readonly seed?: number;
  /** Training forwards so far: the index of the next mask. */
  maskCount = 0;

  /** Checks keepProb (in (0, 1]) and the seed (an integer). */
  constructor({ keepProb, seed }: { keepProb: number; seed?: number }) {
    this.keepProb = checkKeepProb("keepProb", keepProb);
    if (seed !== undefined) this.seed = numberIn("Dropout: seed", seed, { integer: true });
  }

  /** Makes the next training forward draw mask 0 again. */
  resetMasks(): void {
    this.maskCount = 0;
  }

  /** Any shape to the same shape; drops units only when `training`. */
  forward(x: tf.Tensor, { training = false }: ForwardOptions = {}): tf.Tensor {
    if (!training) return dropout(x, { keepProb: this.keepProb });
    const seed = this.seed === undefined
      ? undefined
      : streamSeed(this.seed, `mask ${this.maskCount}`);
    this.maskCount++;
    return dropout(x, { keepProb: this.keepProb, training, seed });
  }
}
