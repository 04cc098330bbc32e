/**
 * The course's preprocessing: subsets, the train/validation split taken from the end of
 * the training pool, and mean image subtraction.
 *
 * All functions copy: the returned arrays never share memory with their inputs, except
 * `subtractMeanImage(..., { inPlace: true })`, which a loader that owns its arrays uses to
 * avoid a second copy of CIFAR-10.
 *
 * @module
 */
import { argumentError, numberIn } from "../errors.ts";
import { Random } from "../random.ts";
import type { LabeledImages } from "./types.ts";

/**
 * Number of values per example: H*W*C for images (N, H, W, C), D for vectors (N, D).
 *
 * @example
 * ```ts
 * import { featureSize } from "./preprocess.ts";
 *
 * const shape = [2, 32, 32, 3]; // two CIFAR-10 images
 * featureSize({ x: new Float32Array(2 * 3072), y: new Int32Array(2), shape }); // 3072
 * ```
 */
export function featureSize(images: LabeledImages): number {
  return images.shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * Copies `count` consecutive examples starting at `start`.
 *
 * @example
 * ```ts
 * import { takeRange } from "./preprocess.ts";
 *
 * const pool = { // five examples of two values each
 *   x: new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
 *   y: new Int32Array([0, 1, 2, 0, 1]),
 *   shape: [5, 2],
 * };
 * const val = takeRange(pool, 3, 2); // pool[3:5], as X_train[49000:50000] in the course
 * val.x; // Float32Array [6, 7, 8, 9]
 * val.shape; // [2, 2]
 * ```
 */
export function takeRange(images: LabeledImages, start: number, count: number): LabeledImages {
  const n = images.shape[0];
  numberIn("start", start, { min: 0, max: n, integer: true });
  numberIn("count", count, { min: 0, max: n - start, integer: true });
  const size = featureSize(images);
  return {
    x: images.x.slice(start * size, (start + count) * size),
    y: images.y.slice(start, start + count),
    shape: [count, ...images.shape.slice(1)],
  };
}

/**
 * The first `n` examples (cs231n's `X_train[:num_train]`).
 *
 * @example
 * ```ts
 * import { takeFirst } from "./preprocess.ts";
 *
 * const x = new Float32Array([0, 1, 2, 3, 4, 5]);
 * const pool = { x, y: new Int32Array([7, 8, 9]), shape: [3, 2] }; // three examples of two values
 * const small = takeFirst(pool, 2); // X_train[:2]
 * small.y; // Int32Array [7, 8]
 * ```
 */
export function takeFirst(images: LabeledImages, n: number): LabeledImages {
  return takeRange(images, 0, n);
}

/**
 * Copies the examples at `indices`, in that order.
 *
 * @example
 * ```ts
 * import { takeIndices } from "./preprocess.ts";
 *
 * const x = new Float32Array([0, 1, 2, 3, 4, 5]);
 * const pool = { x, y: new Int32Array([7, 8, 9]), shape: [3, 2] }; // three examples of two values
 * const batch = takeIndices(pool, [2, 0, 2]);
 * batch.x; // Float32Array [4, 5, 0, 1, 4, 5]
 * batch.y; // Int32Array [9, 7, 9]
 * ```
 */
export function takeIndices(images: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  const n = images.shape[0];
  const size = featureSize(images);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= n) {
      throw argumentError(`indices[${i}]`, index, `an integer in [0, ${n - 1}]`);
    }
    x.set(images.x.subarray(index * size, (index + 1) * size), i * size);
    y[i] = images.y[index];
  }
  return { x, y, shape: [indices.length, ...images.shape.slice(1)] };
}

/**
 * `n` distinct examples drawn at random (seeded), like
 * `mask = np.random.choice(N, n, replace=False)`.
 *
 * @example
 * ```ts
 * import { randomSubset } from "./preprocess.ts";
 *
 * const labels = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * const pool = { x: new Float32Array(10 * 2), y: labels, shape: [10, 2] };
 * const subset = randomSubset(pool, 3, 0);
 * subset.y; // Int32Array [6, 1, 3]: seed 0 draws the same three on every platform
 * ```
 */
export function randomSubset(images: LabeledImages, n: number, seed: number): LabeledImages {
  numberIn("n", n, { min: 0, max: images.shape[0], integer: true });
  return takeIndices(images, new Random(seed).choice(images.shape[0], n));
}

/**
 * Splits a training pool as cs231n does: train is the first `numTrain` examples, val the
 * last `numVal` (for CIFAR-10, `X_train[49000:50000]`), so the validation set stays the
 * same whatever `numTrain` is, and never overlaps train.
 *
 * @param poolName named in the error, e.g. "CIFAR-10 training batches".
 * @example
 * ```ts
 * import { trainValSplit } from "./preprocess.ts";
 *
 * const pool = { x: new Float32Array(5 * 2), y: new Int32Array([0, 1, 2, 3, 4]), shape: [5, 2] };
 * const { train, val } = trainValSplit(pool, { numTrain: 3, numVal: 1 });
 * train.y; // Int32Array [0, 1, 2]
 * val.y; // Int32Array [4]: the end of the pool, whatever numTrain is
 * ```
 */
export function trainValSplit(
  pool: LabeledImages,
  { numTrain, numVal }: { numTrain: number; numVal: number },
  poolName = "the training pool",
): { train: LabeledImages; val: LabeledImages } {
  const n = pool.shape[0];
  numberIn("numVal", numVal, { min: 0, max: n, integer: true });
  if (!Number.isInteger(numTrain) || numTrain < 0 || numTrain > n - numVal) {
    throw argumentError(
      "numTrain",
      numTrain,
      `an integer in [0, ${n - numVal}]: ${poolName} has ${n} examples and numVal takes ${numVal}`,
    );
  }
  return { train: takeRange(pool, 0, numTrain), val: takeRange(pool, n - numVal, numVal) };
}

/**
 * The mean image of a set, per value (pixel and channel), accumulated in float64.
 *
 * @returns (H, W, C) flattened, or (D,) for vectors.
 * @example
 * ```ts
 * import { meanImage } from "./preprocess.ts";
 *
 * const train = { x: new Float32Array([0, 1, 2, 3, 4, 5]), y: new Int32Array(3), shape: [3, 2] };
 * meanImage(train); // Float32Array [2, 3]; 3072 values for CIFAR-10
 * ```
 */
export function meanImage(images: LabeledImages): Float32Array {
  const n = images.shape[0];
  if (n === 0) throw argumentError("images", "0 examples", "at least one example to average");
  const size = featureSize(images);
  const sum = new Float64Array(size);
  for (let i = 0; i < n; i++) {
    const offset = i * size;
    for (let j = 0; j < size; j++) sum[j] += images.x[offset + j];
  }
  const mean = new Float32Array(size);
  for (let j = 0; j < size; j++) mean[j] = sum[j] / n;
  return mean;
}

/** Subtracts `mean` from every example of `images`, into `out`. */
function subtractInto(images: LabeledImages, mean: Float32Array, out: Float32Array): void {
  const size = mean.length;
  for (let i = 0; i < images.x.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = images.x[i + j] - mean[j];
  }
}

/**
 * Subtracts the mean training image from every split (cs231n's
 * `X_train -= mean_image; X_val -= mean_image; X_test -= mean_image`).
 *
 * @param inPlace overwrite the inputs' pixels instead of copying them (saves memory).
 * @returns the centred splits and the mean image that was subtracted, (H*W*C,).
 * @example
 * ```ts
 * import { subtractMeanImage } from "./preprocess.ts";
 *
 * const train = { x: new Float32Array([0, 1, 2, 3]), y: new Int32Array(2), shape: [2, 2] };
 * const test = { x: new Float32Array([5, 5]), y: new Int32Array(1), shape: [1, 2] };
 * const centred = subtractMeanImage({ train, test });
 * centred.meanImage; // Float32Array [1, 2]
 * centred.train.x; // Float32Array [-1, -1, 1, 1]
 * centred.test.x; // Float32Array [4, 3]
 * ```
 */
export function subtractMeanImage<
  S extends { train: LabeledImages } & Record<string, LabeledImages>,
>(
  splits: S,
  { inPlace = false }: { inPlace?: boolean } = {},
): S & { meanImage: Float32Array } {
  const mean = meanImage(splits.train);
  const result: Record<string, LabeledImages> = {};
  for (const [name, images] of Object.entries(splits)) {
    if (featureSize(images) !== mean.length) {
      throw new Error(
        `${name}: got examples of shape [${images.shape.slice(1).join(", ")}]; expected the ` +
          `training shape [${splits.train.shape.slice(1).join(", ")}]`,
      );
    }
    const x = inPlace ? images.x : new Float32Array(images.x.length);
    subtractInto(images, mean, x);
    result[name] = inPlace ? images : { x, y: images.y.slice(), shape: [...images.shape] };
  }
  return { ...(result as S), meanImage: mean };
}
