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

/**
 * tfjs-backend-cpu's MathBackendCPU with recycled float32 output buffers (buffer_pool.ts)
 * and a place to keep per-tensor extras. The cpu backend prints a "you are running in
 * Node.js, install tfjs-node" banner on first use (Deno looks like Node to tfjs); that
 * advice does not apply here, so it is off.
 */
export class NativeBackend extends tf.MathBackendCPU {
  /** Output buffers of the native kernels. */
  readonly pool = new BufferPool();
  /** Per-tensor extras a kernel keeps for a later one (max pooling's arg-max workspace). */
  readonly #attachments = new WeakMap<object, unknown>();

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

  /** Keeps `value` with the tensor data `dataId` until that data is freed. */
  attach(dataId: object, value: unknown): void {
    this.#attachments.set(dataId, value);
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
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) {
      this.#attachments.delete(dataId);
      if (ArrayBuffer.isView(values)) this.pool.release(values.buffer);
    }
    return released;
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
