/**
 * Recycled output buffers for the native backend.
 *
 * A fresh ArrayBuffer of a few megabytes is fresh memory from the operating system, and
 * the first write to each of its pages faults: writing a new 5.5 MB relu output took
 * ~3 ms where the relu itself takes ~0.1 ms in a buffer already touched. A training step
 * allocates the same shapes every step, so buffers freed by one step serve the next.
 *
 * Only buffers taken from the pool are recycled, and only when no tensor data refers to
 * them any more: the backend counts, per buffer, the tensor data entries that hold it
 * (tfjs-backend-cpu shares buffers between tensors, e.g. a contiguous slice is a view).
 * Reads that leave the backend (`dataSync`) get a copy, since the caller may keep the
 * array after the tensor is gone.
 *
 * @module
 */

/** Free bytes the pool keeps at most; beyond it the oldest free buffers are dropped. */
export const DEFAULT_POOL_BYTES = 1 << 30;

/**
 * Buffers by byte length, with a count of holders per buffer.
 *
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const buffer = pool.take(4096);
 * pool.retain(buffer);  // a tensor holds it
 * pool.release(buffer); // freed: back in the pool
 * ```
 */
export class BufferPool {
  /** Free buffers by byte length, most recently freed last (its pages are the warmest). */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Holders of every buffer the pool handed out. */
  readonly #holders = new WeakMap<ArrayBuffer, number>();
  #freeBytes = 0;

  constructor(readonly maxFreeBytes = DEFAULT_POOL_BYTES) {}

  /** A buffer of exactly `bytes` bytes, recycled when one is free (contents arbitrary). */
  take(bytes: number): ArrayBuffer {
    const list = this.#free.get(bytes);
    const buffer = list?.pop();
    if (buffer !== undefined) {
      this.#freeBytes -= bytes;
      return buffer;
    }
    const made = new ArrayBuffer(bytes);
    this.#holders.set(made, 0);
    return made;
  }

  /** True when `buffer` came from this pool. */
  owns(buffer: ArrayBufferLike): boolean {
    return this.#holders.has(buffer as ArrayBuffer);
  }

  /** One more tensor data entry holds `buffer` (ignored when not the pool's). */
  retain(buffer: ArrayBufferLike): void {
    const count = this.#holders.get(buffer as ArrayBuffer);
    if (count !== undefined) this.#holders.set(buffer as ArrayBuffer, count + 1);
  }

  /** One holder fewer; the last one returns the buffer to the free lists. */
  release(buffer: ArrayBufferLike): void {
    const owned = buffer as ArrayBuffer;
    const count = this.#holders.get(owned);
    if (count === undefined) return;
    if (count > 1) {
      this.#holders.set(owned, count - 1);
      return;
    }
    this.#holders.set(owned, 0);
    const list = this.#free.get(owned.byteLength) ?? [];
    list.push(owned);
    this.#free.set(owned.byteLength, list);
    this.#freeBytes += owned.byteLength;
    this.#trim();
  }

  /** Bytes held in free buffers. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Drops every free buffer (the garbage collector reclaims them). */
  clear(): void {
    this.#free.clear();
    this.#freeBytes = 0;
  }

  #trim(): void {
    while (this.#freeBytes > this.maxFreeBytes) {
      // The largest size first: it frees the most with the fewest drops.
      const largest = Math.max(...this.#free.keys());
      const list = this.#free.get(largest)!;
      list.shift();
      if (list.length === 0) this.#free.delete(largest);
      this.#freeBytes -= largest;
    }
  }
}
