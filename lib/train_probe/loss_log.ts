/**
 * The training loss kept on the device between print intervals.
 *
 * Reading a value back from a GPU waits for every queued kernel and stalls the queue, so
 * a loop that reads the loss every iteration runs the GPU at a fraction of its speed. The
 * log keeps each iteration's loss as a scalar tensor where it was computed and an
 * "every loss so far was finite" flag, updated on the device with two scalar kernels per
 * iteration. {@linkcode DeviceLossLog.flush} reads the pending losses and the flag in one
 * readback: the per-iteration loss history stays complete, the first non-finite
 * iteration is exact, and the number of readbacks is one per print interval.
 *
 * The flag is also what an update rule can be masked with (lib/train_probe/device_step.ts)
 * so that, as in the Solver, no update is applied from a non-finite loss, although the
 * host learns of it only at the next flush.
 *
 * Works on every backend: on cpu and wasm the tensors are host memory and the readback
 * is a copy.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** What one flush read back. */
export interface LossFlush {
  /** 1-based iteration of `losses[0]`. */
  firstIteration: number;
  /** The losses recorded since the previous flush, in order (non-finite ones included). */
  losses: number[];
  /** The first non-finite loss since training began and its 1-based iteration, if any. */
  nonFinite?: { iteration: number; loss: number };
}

/**
 * Per-iteration losses on the device, read back in batches.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const log = new DeviceLossLog();
 * log.record(tf.scalar(2.3));
 * log.record(tf.scalar(2.1));
 * const { losses } = await log.flush(); // [2.3, 2.1], one readback
 * log.dispose();
 * ```
 */
export class DeviceLossLog {
  #pending: tf.Scalar[] = [];
  #recorded = 0;
  #flushed = 0;
  /** bool scalar: every recorded loss was finite. */
  #allFinite: tf.Scalar = tf.scalar(true, "bool");
  #nonFinite?: { iteration: number; loss: number };
  /** Readbacks made, for tests and benches. */
  readbacks = 0;

  /** Iterations recorded so far. */
  get recorded(): number {
    return this.#recorded;
  }

  /** Losses recorded and not yet read back. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * A bool scalar on the device: true while every recorded loss was finite. Owned by the
   * log; valid until the next {@linkcode record}.
   */
  get allFinite(): tf.Scalar {
    return this.#allFinite;
  }

  /** Takes ownership of `loss` (a scalar) and folds its finiteness into the flag. */
  record(loss: tf.Scalar): void {
    const previous = this.#allFinite;
    this.#allFinite = tf.tidy(() => tf.logicalAnd(previous, tf.isFinite(loss)) as tf.Scalar);
    previous.dispose();
    this.#pending.push(loss);
    this.#recorded++;
  }

  /**
   * Reads the pending losses and the flag in one readback and frees them.
   *
   * @returns the losses, and the first non-finite one when there is one (also when it
   *   was read by an earlier flush)
   */
  async flush(): Promise<LossFlush> {
    const firstIteration = this.#flushed + 1;
    if (this.#pending.length === 0) {
      return { firstIteration, losses: [], nonFinite: this.#nonFinite };
    }
    const packed = tf.tidy(() =>
      tf.concat([tf.stack(this.#pending), tf.reshape(tf.cast(this.#allFinite, "float32"), [1])])
    );
    let values: Float32Array;
    try {
      values = (await packed.data()) as Float32Array;
      this.readbacks++;
    } finally {
      packed.dispose();
      tf.dispose(this.#pending);
      this.#pending = [];
    }
    const losses = Array.from(values.subarray(0, values.length - 1));
    this.#flushed += losses.length;
    if (this.#nonFinite === undefined && values[values.length - 1] === 0) {
      const at = losses.findIndex((loss) => !Number.isFinite(loss));
      this.#nonFinite = { iteration: firstIteration + at, loss: losses[at] };
    }
    return { firstIteration, losses, nonFinite: this.#nonFinite };
  }

  /** Frees the pending losses and the flag. */
  dispose(): void {
    tf.dispose([...this.#pending, this.#allFinite]);
    this.#pending = [];
  }
}
