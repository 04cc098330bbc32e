/**
 * What every native kernel shares: reading a tensor's buffer, making an output, falling
 * back to the cpu backend's kernel of the same name, and caching primitives per shape.
 *
 * The native backend is tfjs-backend-cpu's backend with kernels replaced, so a tensor's
 * data is the cpu backend's: a TypedArray per tensor (`backend.data.get(dataId).values`).
 * A native kernel hands those arrays to oneDNN as they are and takes its outputs from the
 * backend's buffer pool; anything a kernel does not handle (another dtype, a layout oneDNN
 * lacks, tensors so small that a JavaScript loop beats a call) goes to the cpu kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { NativeBackend } from "./backend.ts";
import type { Primitive } from "./primitive.ts";

export { NATIVE_BACKEND, type NativeBackend } from "./backend.ts";

/** Arguments tfjs passes a kernel. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: NativeBackend;
  attrs?: tf.NamedAttrMap;
}

/**
 * Elements below which an elementwise kernel runs the cpu kernel: a oneDNN call costs
 * ~0.3 microseconds plus a primitive lookup, a JavaScript loop ~1-5 ns an element.
 */
export const SMALL_TENSOR = 256;

/**
 * The float32 values of a tensor as a Float32Array. The cpu backend casts int32 and bool
 * tensors to float32 without copying (the data stays an Int32Array or Uint8Array); such
 * data is copied here (the native Cast kernel avoids that for the tensors it makes).
 *
 * @example
 * ```ts
 * import type * as tf from "@tensorflow/tfjs";
 * declare const backend: NativeBackend, x: tf.TensorInfo;
 * const values = floats(backend, x);
 * ```
 */
export function floats(backend: NativeBackend, info: tf.TensorInfo): Float32Array<ArrayBuffer> {
  const values = backend.data.get(info.dataId).values;
  if (values instanceof Float32Array) return values as Float32Array<ArrayBuffer>;
  if (info.dtype !== "float32" || !ArrayBuffer.isView(values)) {
    throw new Error(`native kernel: expected float32 data, got ${info.dtype}`);
  }
  return Float32Array.from(values as Int32Array);
}

/**
 * A new float32 output of `shape` on a pooled buffer, and its TensorInfo. Its contents
 * are arbitrary unless `zeroed`: a kernel must write every element or ask for zeros.
 *
 * @example
 * ```ts
 * declare const backend: NativeBackend;
 * const [out, values] = newOutput(backend, [64, 10]);
 * ```
 */
export function newOutput(
  backend: NativeBackend,
  shape: number[],
  zeroed = false,
): [tf.TensorInfo, Float32Array<ArrayBuffer>] {
  const values = backend.newFloat32(tf.util.sizeFromShape(shape), zeroed);
  return [backend.makeTensorInfo(shape, "float32", values), values];
}

/** The cpu backend's kernel function of `name`. */
export function cpuKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, "cpu");
  if (config === undefined) throw new Error(`native: no cpu kernel "${name}" to fall back to`);
  return config.kernelFunc;
}

/** True when every input is float32. */
export function allFloat32(...infos: (tf.TensorInfo | undefined)[]): boolean {
  return infos.every((info) => info === undefined || info.dtype === "float32");
}

/**
 * Primitives by key (shapes and attributes), built on first use. Training repeats the
 * same few shapes every step; the cap only guards against a process that sweeps shapes,
 * evicting the oldest (a hit costs one Map lookup: no reordering).
 *
 * @example
 * ```ts
 * import { ALG, ARG } from "./abi.ts";
 * import { eltwiseForwardDesc } from "./descriptors.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * import { Primitive } from "./primitive.ts";
 * const cache = new PrimitiveCache();
 * const md = memoryDesc(plain([1000]));
 * const relu = cache.get("relu 1000", () =>
 *   new Primitive(eltwiseForwardDesc(ALG.eltwiseRelu, md), {
 *     operands: [{ arg: ARG.src, desc: md }, { arg: ARG.dst, desc: md, output: true }],
 *   }));
 * ```
 */
export class PrimitiveCache {
  readonly #entries = new Map<string, Primitive>();
  constructor(readonly capacity = 512) {}

  get(key: string, build: () => Primitive): Primitive {
    const found = this.#entries.get(key);
    if (found !== undefined) return found;
    const made = build();
    this.#entries.set(key, made);
    if (this.#entries.size > this.capacity) {
      const [oldestKey, oldest] = this.#entries.entries().next().value!;
      this.#entries.delete(oldestKey);
      oldest.destroy();
    }
    return made;
  }

  /** Key and oneDNN implementation of every primitive held, oldest first (diagnostics). */
  describe(): { key: string; implementation: string }[] {
    return [...this.#entries].map(([key, p]) => ({ key, implementation: p.implementation }));
  }

  /** Primitives held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Destroys every primitive. */
  clear(): void {
    for (const primitive of this.#entries.values()) primitive.destroy();
    this.#entries.clear();
  }
}

/** The one cache every native kernel uses. */
export const primitives = new PrimitiveCache();
