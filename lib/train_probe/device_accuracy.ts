/**
 * Classification accuracy with one readback: the Solver's checkAccuracy reads each
 * batch's predicted labels back (`dataSync`, which webgpu cannot do under Deno, and a
 * stall per batch on any GPU); here the correct predictions are counted on the device,
 * batch after batch, and the count is read once at the end.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LabeledImages } from "../data/types.ts";

/** What the accuracy needs of a model: evaluation-mode class scores. */
export interface ScoringModel {
  scores(X: tf.Tensor, options?: { training?: boolean }): tf.Tensor2D;
}

/**
 * Fraction 0..1 of the examples `indices` of `data` (default all) that `model` classifies
 * correctly in evaluation mode, `batchSize` at a time.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const data = { x: new Float32Array([1, 0, 0, 1]), y: new Int32Array([0, 1]), shape: [2, 2] };
 * const model = { scores: (X: tf.Tensor) => X as tf.Tensor2D };
 * await deviceAccuracy(model, data); // 1
 * ```
 */
export async function deviceAccuracy(
  model: ScoringModel,
  data: LabeledImages,
  indices?: Int32Array,
  batchSize = 100,
): Promise<number> {
  const rows = indices ?? Int32Array.from({ length: data.shape[0] }, (_, i) => i);
  const rowSize = data.x.length / data.shape[0];
  let correct: tf.Scalar = tf.scalar(0, "int32");
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.subarray(start, start + batchSize);
    const x = new Float32Array(batch.length * rowSize);
    const y = new Int32Array(batch.length);
    batch.forEach((row, i) => {
      x.set(data.x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      y[i] = data.y[row];
    });
    const previous = correct;
    correct = tf.tidy(() => {
      const scores = model.scores(tf.tensor(x, [batch.length, ...data.shape.slice(1)]), {
        training: false,
      });
      const hits = tf.sum(
        tf.cast(tf.equal(tf.argMax(scores, 1), tf.tensor1d(y, "int32")), "int32"),
      );
      return tf.add(previous, hits) as tf.Scalar;
    });
    previous.dispose();
  }
  try {
    return (await correct.data())[0] / rows.length;
  } finally {
    correct.dispose();
  }
}
