/**
 * The training loss, and whether every gradient was finite, kept on the device between
 * the Solver's print intervals.
 *
 * Reading a value back from a GPU waits for every queued kernel and stalls the queue, so
 * a loop that reads the loss every iteration runs the GPU at a fraction of its speed. The
 * log keeps, for each iteration, one small vector where it was computed: the loss and one
 * flag per parameter, `sum(grad * 0)`, which is 0 when the gradient is finite and NaN
 * otherwise (on every backend, however its kernels order or clamp NaNs). It also keeps an
 * "everything so far was finite" flag, updated on the device. {@linkcode DeviceLossLog.flush}
 * reads the pending vectors in one readback: the per-iteration loss history stays
 * complete, the first non-finite iteration and parameter are exact, and there is one
 * readback per print interval.
 *
 * The flag is what the update is masked with (lib/train/step.ts), so that, as when the
 * loss was read every step, no update is applied from a non-finite loss or gradient,
 * although the host learns of it only at the next flush.
 *
 * On cpu and wasm the tensors are host memory and the readback is a copy. On cpu and
 * native a read is not even a copy (the tensor's own array), so there the log reads the
 * loss and scans each gradient as it records them, instead of ~30 small ops a step (fcnet
 * on native, one thread: 0.13 ms of scanning against ~0.5 ms of flag kernels and their
 * dispatch, in a 3.5 ms step).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { allFinite as allValuesFinite } from "../kernels/finite.ts";

/** One iteration as a flush reads it back. */
export interface LoggedIteration {
  /** 1-based. */
  iteration: number;
  loss: number;
  /** The first parameter, in the log's order, whose gradient held a NaN or an infinity. */
  nonFiniteGradient?: string;
}

/**
 * Per-iteration losses and gradient flags on the device, read back in batches.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const log = new DeviceLossLog(["W"]);
 * const grad = tf.ones([2, 2]);
 * log.record(tf.scalar(2.3), { W: grad });
 * log.record(tf.scalar(2.1), { W: grad });
 * const rows = await log.flush(); // [{ iteration: 1, loss: 2.3 }, { iteration: 2, loss: 2.1 }]
 * log.dispose();
 * ```
 */
export class DeviceLossLog {
  /** The parameters whose gradients are flagged, in this order. */
  readonly parameters: readonly string[];
  #pending: tf.Tensor1D[] = [];
  /** Iterations recorded on the host (where reads are free), not yet flushed. */
  #hostRows: Omit<LoggedIteration, "iteration">[] = [];
  #flushed = 0;
  /** bool scalar: every recorded loss and gradient was finite. */
  #allFinite: tf.Scalar = tf.scalar(true, "bool");
  /** Readbacks made, for tests and benches. */
  readbacks = 0;

  constructor(parameters: readonly string[]) {
    this.parameters = [...parameters];
  }

  /** Iterations recorded and not yet read back. */
  get pending(): number {
    return this.#pending.length + this.#hostRows.length;
  }

  /**
   * Whether every recorded loss and gradient was finite, read on the host: a synchronous
   * read of {@linkcode allFinite}, for backends that compute on the host.
   */
  allFiniteNow(): boolean {
    return this.#allFinite.dataSync()[0] === 1;
  }

  /**
   * A bool scalar on the device: true while every recorded loss and gradient was finite.
   * Owned by the log; valid until the next {@linkcode record}.
   */
  get allFinite(): tf.Scalar {
    return this.#allFinite;
  }

  /**
   * Records one iteration: its loss (a scalar) and the gradient of every parameter of
   * {@linkcode parameters}. Copies what it keeps; the caller still owns `loss` and `grads`.
   */
  record(loss: tf.Scalar, grads: Record<string, tf.Tensor>): void {
    if (READS_IN_PLACE.includes(tf.getBackend())) return this.#recordOnHost(loss, grads);
    const status = tf.tidy(() =>
      tf.stack([
        tf.cast(loss, "float32"),
        ...this.parameters.map((name) => tf.sum(tf.mul(grads[name], 0))),
      ]) as tf.Tensor1D
    );
    const previous = this.#allFinite;
    this.#allFinite = tf.tidy(() =>
      tf.logicalAnd(previous, tf.all(tf.isFinite(status))) as tf.Scalar
    );
    previous.dispose();
    this.#pending.push(status);
  }

  #recordOnHost(loss: tf.Scalar, grads: Record<string, tf.Tensor>): void {
    // The native backend copies what dataSync hands out; its values in place serve a scan.
    const backend = tf.backend() as { valuesInPlace?: (dataId: object) => unknown };
    const values = (t: tf.Tensor) =>
      (backend.valuesInPlace ? backend.valuesInPlace(t.dataId) : t.dataSync()) as Float32Array;
    const value = values(loss)[0];
    const bad = this.parameters.findIndex((name) => !allValuesFinite(values(grads[name])));
    this.#hostRows.push({
      loss: value,
      ...(bad >= 0 ? { nonFiniteGradient: this.parameters[bad] } : {}),
    });
    if (!Number.isFinite(value) || bad >= 0) {
      const previous = this.#allFinite;
      this.#allFinite = tf.scalar(false, "bool");
      previous.dispose();
    }
  }

  /** Reads the pending iterations in one readback and frees them; in order. */
  async flush(): Promise<LoggedIteration[]> {
    if (this.#hostRows.length > 0) {
      const rows = this.#hostRows.map((row, i) => ({ iteration: this.#flushed + i + 1, ...row }));
      this.#hostRows = [];
      this.#flushed += rows.length;
      // A backend switch between records is not supported: rows would interleave.
      if (this.#pending.length === 0) return rows;
      throw new Error("DeviceLossLog: recorded on two backends between flushes");
    }
    if (this.#pending.length === 0) return [];
    const packed = tf.tidy(() => tf.concat(this.#pending));
    let values: Float32Array;
    try {
      values = (await packed.data()) as Float32Array;
      this.readbacks++;
    } finally {
      packed.dispose();
      tf.dispose(this.#pending);
      this.#pending = [];
    }
    const width = this.parameters.length + 1;
    const rows: LoggedIteration[] = [];
    for (let row = 0; row * width < values.length; row++) {
      const at = row * width;
      const bad = this.parameters.findIndex((_, p) => !Number.isFinite(values[at + 1 + p]));
      rows.push({
        iteration: this.#flushed + row + 1,
        loss: values[at],
        ...(bad >= 0 ? { nonFiniteGradient: this.parameters[bad] } : {}),
      });
    }
    this.#flushed += rows.length;
    return rows;
  }

  /** Frees the pending iterations and the flag. */
  dispose(): void {
    tf.dispose([...this.#pending, this.#allFinite]);
    this.#pending = [];
  }
}

/** Backends whose reads hand back the tensor's own host array, with no copy or wait. */
const READS_IN_PLACE = ["cpu", "native"];
