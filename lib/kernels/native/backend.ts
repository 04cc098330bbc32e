/**
 * The `native` tfjs backend: tfjs-backend-cpu's backend (tensors are JavaScript
 * TypedArrays), whose kernels are the cpu backend's except where lib/kernels/native has a
 * oneDNN one. See mod.ts for why it extends the cpu backend rather than the wasm one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { BufferPool } from "./buffer_pool.ts";

/** The name the backend and its kernels register under. */
export const NATIVE_BACKEND = "native";

type Values = tf.backend_util.BackendValues;

/** A lazy output's pending computation and the inputs it holds. */
interface Pending {
  inputs: tf.TensorInfo[];
}

/**
 * tfjs-backend-cpu's MathBackendCPU with recycled float32 output buffers (buffer_pool.ts),
 * outputs computed on first read ({@linkcode NativeBackend.lazyOutput}) and a place to
 * keep per-tensor extras. The cpu backend prints a "you are running in
 * Node.js, install tfjs-node" banner on first use (Deno looks like Node to tfjs); that
 * advice does not apply here, so it is off.
 */
export class NativeBackend extends tf.MathBackendCPU {
  /** Output buffers of the native kernels. */
  readonly pool = new BufferPool();
  /** Per-tensor extras a kernel keeps for a later one (max pooling's arg-max workspace). */
  readonly #attachments = new WeakMap<object, unknown>();
  /** What to do when an attachment's data is freed. */
  readonly #onFree = new WeakMap<object, () => void>();
  /** Data entries of lazy outputs not computed yet. */
  readonly #pending = new WeakMap<object, Pending>();

  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /**
   * A float32 array of `size` elements on a pooled buffer; its contents are arbitrary
   * (whatever the last tensor left) unless `zeroed`.
   */
  newFloat32(size: number, zeroed = false): Float32Array<ArrayBuffer> {
    const values = new Float32Array(this.pool.take(4 * size));
    if (zeroed) values.fill(0);
    return values;
  }

  /**
   * A float32 output of `shape` that `compute` fills the first time anything reads its
   * values (a kernel, `dataSync`), holding `inputs` alive until then; if it is disposed
   * unread, `compute` never runs. For gradients tfjs computes whether or not anyone
   * needs them: tfjs's fused conv2d returns the gradient of its input image too.
   */
  lazyOutput(
    shape: number[],
    inputs: tf.TensorInfo[],
    compute: (values: Float32Array<ArrayBuffer>) => void,
  ): tf.TensorInfo {
    const info = this.makeTensorInfo(shape, "float32", new Float32Array(0));
    const entry = this.data.get(info.dataId) as { values?: Values };
    for (const input of inputs) this.incRef(input.dataId);
    this.#pending.set(entry, { inputs });
    let values: Values | undefined;
    Object.defineProperty(entry, "values", {
      configurable: true,
      enumerable: true,
      get: () => {
        if (this.#pending.has(entry)) {
          const computed = this.newFloat32(tf.util.sizeFromShape(shape));
          this.pool.retain(computed.buffer);
          compute(computed);
          values = computed;
          this.#settle(entry);
        }
        return values;
      },
      set: (value: Values) => {
        this.#settle(entry);
        values = value;
      },
    });
    return info;
  }

  /** Drops a lazy entry's hold on its inputs (computed, or freed unread). */
  #settle(entry: object): void {
    const pending = this.#pending.get(entry);
    if (pending === undefined) return;
    this.#pending.delete(entry);
    for (const input of pending.inputs) this.disposeData(input.dataId);
  }

  /**
   * Keeps `value` with the tensor data `dataId` until that data is freed, then calls
   * `onFree` (to recycle a buffer, say).
   */
  attach(dataId: object, value: unknown, onFree?: () => void): void {
    this.#attachments.set(dataId, value);
    if (onFree) this.#onFree.set(dataId, onFree);
  }

  /** What {@linkcode NativeBackend.attach} kept for `dataId`, if it is still alive. */
  attachment(dataId: object): unknown {
    return this.#attachments.get(dataId);
  }

  override write(values: Values, shape: number[], dtype: tf.DataType): object {
    if (ArrayBuffer.isView(values)) this.pool.retain(values.buffer);
    return super.write(values, shape, dtype);
  }

  override move(
    dataId: object,
    values: Values,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    if (ArrayBuffer.isView(values)) this.pool.retain(values.buffer);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override disposeData(dataId: object, force = false): boolean {
    const entry = this.data.has(dataId) ? this.data.get(dataId) : undefined;
    // Reading a pending lazy entry's values would compute them only to free them.
    const unread = entry !== undefined && this.#pending.has(entry);
    const values = entry === undefined || unread ? undefined : entry.values;
    const released = super.disposeData(dataId, force);
    if (entry !== undefined && !this.data.has(dataId)) {
      this.#attachments.delete(dataId);
      this.#onFree.get(dataId)?.();
      this.#onFree.delete(dataId);
      if (unread) this.#settle(entry);
      if (ArrayBuffer.isView(values)) this.pool.release(values.buffer);
    }
    return released;
  }

  /**
   * The values themselves, uncopied: valid only until the tensor is disposed (its buffer
   * is then recycled). For reads that end before that, such as the loss log's scan of
   * each gradient (lib/train/loss_log.ts), where a copy per step was 1.4 MB of garbage
   * for fcnet.
   */
  valuesInPlace(dataId: object): Values {
    return super.readSync(dataId);
  }

  /** The values, copied when they live in a pooled buffer the caller could outlive. */
  override readSync(dataId: object): Values {
    const values = super.readSync(dataId);
    if (ArrayBuffer.isView(values) && this.pool.owns(values.buffer)) {
      return (values as Float32Array).slice();
    }
    return values;
  }
}

/**
 * Registers every cpu kernel under the native backend's name, then `overrides` on top, so
 * that any op tfjs has runs on native. Safe to call again: a kernel already registered
 * for native is replaced.
 *
 * @example
 * ```ts
 * import { nativeKernelConfigs } from "./kernels.ts";
 * registerNativeKernels(nativeKernelConfigs());
 * ```
 */
export function registerNativeKernels(overrides: readonly tf.KernelConfig[]): void {
  const replace = (config: tf.KernelConfig) => {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND) !== undefined) {
      tf.unregisterKernel(config.kernelName, NATIVE_BACKEND);
    }
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
  };
  for (const config of tf.getKernelsForBackend("cpu")) replace(config);
  for (const config of overrides) replace(config);
}
