/**
 * A small synthetic data set for fast tests: seeded Gaussian blobs, one per class.
 *
 * Each class gets a random centre drawn from N(0, separation^2) per value; its examples are
 * that centre plus N(0, noise^2) noise. With the defaults (separation 1, noise 0.25) and a
 * few dozen values per example, the classes are linearly separable and a small net fits
 * them in a few iterations.
 *
 * @module
 */
import { numberIn } from "../errors.ts";
import { Random } from "../random.ts";
import type { LabeledImages } from "./types.ts";

/** Options of {@linkcode syntheticBlobs}. */
export interface SyntheticOptions {
  /** Number of examples N. */
  numExamples: number;
  /** Shape of one example: [D] for vectors, [H, W, C] for images. Default [4, 4, 3]. */
  shape?: number[];
  /** Number of classes; labels are balanced (N / numClasses each, give or take one). */
  numClasses?: number;
  /** Seed of the centres, the noise and the order. */
  seed?: number;
  /** Standard deviation of the class centres. */
  separation?: number;
  /** Standard deviation of the noise around each centre. */
  noise?: number;
}

/**
 * Seeded Gaussian blobs, shuffled, as LabeledImages.
 *
 * The centres depend only on `seed`, `numClasses`, `shape` and `separation`: draw one set
 * and split it (as `loadStudyData` does) for train, val and test from one distribution.
 *
 * @returns x: (numExamples, ...shape), y: (numExamples,) in 0..numClasses-1.
 * @example
 * ```ts
 * import { syntheticBlobs } from "./synthetic.ts";
 *
 * const data = syntheticBlobs({ numExamples: 50, shape: [8], numClasses: 3, seed: 0 });
 * data.shape; // [50, 8]
 * ```
 */
export function syntheticBlobs(options: SyntheticOptions): LabeledImages {
  const {
    numExamples,
    shape = [4, 4, 3],
    numClasses = 10,
    seed = 0,
    separation = 1,
    noise = 0.25,
  } = options;
  numberIn("numExamples", numExamples, { min: 0, integer: true });
  numberIn("numClasses", numClasses, { min: 1, integer: true });
  numberIn("separation", separation, { min: 0 });
  numberIn("noise", noise, { min: 0 });
  shape.forEach((size, i) => numberIn(`shape[${i}]`, size, { min: 1, integer: true }));
  const size = shape.reduce((a, b) => a * b, 1);

  const rng = new Random(seed);
  const centres = rng.normalArray(numClasses * size, 0, separation);
  // Balanced labels in a random order.
  const order = rng.permutation(numExamples);
  const y = new Int32Array(numExamples);
  for (let i = 0; i < numExamples; i++) y[order[i]] = i % numClasses;

  const x = new Float32Array(numExamples * size);
  for (let i = 0; i < numExamples; i++) {
    const centre = y[i] * size;
    for (let j = 0; j < size; j++) x[i * size + j] = centres[centre + j] + rng.normal(0, noise);
  }
  return { x, y, shape: [numExamples, ...shape] };
}
