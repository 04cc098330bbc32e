/**
 * A small seeded pseudo-random number generator, so that data splits, weight
 * initialization and minibatch order are reproducible from one integer seed.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128 bits of
 * state), seeded through splitmix32 so that nearby seeds (0, 1, 2, ...) give unrelated
 * streams. It passes the usual statistical test batteries and is far better than needed
 * for shuffling and initialization; it is not cryptographic.
 *
 * @module
 */
import { numberIn } from "./errors.ts";

/** 2^-32: turns a 32-bit unsigned integer into a fraction in [0, 1). */
const TWO_TO_MINUS_32 = 1 / 4294967296;

/** One step of splitmix32: spreads the bits of a seed over the whole word. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

/**
 * A seeded random stream: uniform, normal, integers, permutations, shuffles.
 *
 * @example
 * ```ts
 * import { Random } from "./random.ts";
 *
 * const rng = new Random(0);
 * const w = Float32Array.from({ length: 6 }, () => 1e-2 * rng.normal()); // weightScale * N(0, 1)
 * const order = rng.permutation(50_000); // minibatch order for one epoch
 * ```
 */
export class Random {
  /** The seed this stream started from. */
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  /** Box-Muller draws two normals at a time; the second one waits here. */
  #spareNormal: number | null = null;

  /** @param seed any integer; the same seed gives the same stream on every platform. */
  constructor(seed: number) {
    this.seed = numberIn("seed", seed, { integer: true });
    // Mix the high bits in too, so seeds beyond 2^32 do not collide with small ones.
    let state = (seed | 0) ^ Math.floor(seed / 4294967296);
    let out: number;
    [state, out] = splitmix32(state);
    this.#a = out;
    [state, out] = splitmix32(state);
    this.#b = out;
    [state, out] = splitmix32(state);
    this.#c = out;
    [state, out] = splitmix32(state);
    this.#d = out;
    // The first outputs of a freshly seeded sfc32 are correlated with the seed: discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /**
   * The next raw 32-bit unsigned integer, 0..2^32-1.
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const bits = new Random(1).nextUint32(); // in [0, 2^32), the same for seed 1 on every platform
   * ```
   */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /**
   * A uniform draw from [low, high).
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const lr = 10 ** new Random(2).uniform(-5, -2); // log-uniform learning rate
   * ```
   */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.nextUint32() * TWO_TO_MINUS_32;
  }

  /**
   * A normal draw with the given mean and standard deviation (Box-Muller).
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const noise = new Random(3).normal(0, 0.1); // mean 0, standard deviation 0.1
   * ```
   */
  normal(mean = 0, std = 1): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return mean + std * z;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const u = 1 - this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + std * radius * Math.cos(2 * Math.PI * v);
  }

  /**
   * A uniform integer in [0, n).
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const label = new Random(4).integer(10); // 0..9
   * ```
   */
  integer(n: number): number {
    numberIn("n", n, { min: 1, max: 4294967296, integer: true });
    // Rejection sampling removes the modulo bias of `bits % n`.
    const limit = 4294967296 - (4294967296 % n);
    let bits = this.nextUint32();
    while (bits >= limit) bits = this.nextUint32();
    return bits % n;
  }

  /**
   * A Float32Array of `n` draws from N(mean, std^2).
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const W1 = new Random(5).normalArray(784 * 100, 0, 1e-3); // (784, 100), weightScale 1e-3
   * ```
   */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    numberIn("n", n, { min: 0, integer: true });
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /**
   * Shuffles `array` in place (Fisher-Yates) and returns it.
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const names = ["sgd", "adam", "rmsprop"];
   * new Random(0).shuffle(names); // ["rmsprop", "adam", "sgd"], shuffled in place and returned
   * ```
   */
  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const kept = array[i];
      array[i] = array[j];
      array[j] = kept;
    }
    return array;
  }

  /**
   * A random ordering of 0..n-1.
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const order = new Random(7).permutation(1000); // Int32Array of 0..999, shuffled
   * ```
   */
  permutation(n: number): Int32Array {
    numberIn("n", n, { min: 0, integer: true });
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }

  /**
   * `k` distinct indices drawn from 0..n-1, in random order (sampling without replacement,
   * like numpy's `choice(n, k, replace=False)`).
   *
   * @example
   * ```ts
   * import { Random } from "./random.ts";
   *
   * const batch = new Random(8).choice(49_000, 100); // one minibatch of indices
   * ```
   */
  choice(n: number, k: number): Int32Array {
    numberIn("n", n, { min: 0, integer: true });
    numberIn("k", k, { min: 0, max: n, integer: true });
    // Partial Fisher-Yates over a sparse map: O(k) time and memory even when n is large.
    const swapped = new Map<number, number>();
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const j = i + this.integer(n - i);
      const atJ = swapped.get(j) ?? j;
      out[i] = atJ;
      swapped.set(j, swapped.get(i) ?? i);
    }
    return out;
  }
}
