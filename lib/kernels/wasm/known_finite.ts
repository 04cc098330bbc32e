/**
 * Which tensor buffers are known to hold only finite values, so that the NaN checks of
 * this folder's kernels scan each buffer at most once: a convolution's output is scanned
 * when it is made (keep_nan.ts), and the relu that follows it (relu.ts) need not scan it
 * again. Sound because tfjs never writes into a buffer after the kernel that made it
 * returns (a new value is a new buffer; moving a buffer between backends keeps its
 * values), and a data id is a fresh object per buffer, forgotten with it (a WeakSet).
 *
 * @module
 */

const finite = new WeakSet<object>();

/**
 * Records that the buffer `dataId` holds only finite values (the caller has scanned it).
 *
 * @example
 * ```ts
 * import { knownFinite, markFinite } from "./known_finite.ts";
 *
 * const out = { dataId: {} }; // stands for a kernel's output, just scanned: all finite
 * markFinite(out.dataId);
 * knownFinite(out.dataId); // true
 * ```
 */
export function markFinite(dataId: object): void {
  finite.add(dataId);
}

/**
 * Whether the buffer `dataId` was recorded as holding only finite values.
 *
 * @example
 * ```ts
 * knownFinite({}); // false
 * ```
 */
export function knownFinite(dataId: object): boolean {
  return finite.has(dataId);
}
