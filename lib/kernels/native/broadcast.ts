/**
 * Shape bookkeeping for broadcasting binary ops and for reductions, in the form oneDNN
 * wants: the full operand first, the broadcast one with size-1 dims, and as few dims as
 * possible (adjacent dims that broadcast alike are merged, so `(N, H, W, C) + (C,)` becomes
 * `(NHW, C) + (1, C)`, a pattern oneDNN's vectorised kernels recognise).
 *
 * @module
 */

/** Dims of the output and of the broadcast operand, merged. */
export interface BroadcastPlan {
  /** Dims of the output and of the full operand. */
  full: number[];
  /** Dims of the broadcast operand: each equal to `full`'s or 1. */
  partial: number[];
}

/**
 * Merges the dims of a full shape and a shape broadcast into it (right-aligned, tfjs and
 * numpy rules). Returns undefined when `partial` does not broadcast into `full`.
 *
 * @example
 * ```ts
 * broadcastPlan([8, 5, 5, 3], [3]); // { full: [200, 3], partial: [1, 3] }
 * ```
 */
export function broadcastPlan(
  full: readonly number[],
  partial: readonly number[],
): BroadcastPlan | undefined {
  if (partial.length > full.length) return undefined;
  const padded = [...new Array(full.length - partial.length).fill(1), ...partial];
  const merged: BroadcastPlan = { full: [], partial: [] };
  // kind of the last merged dim: "same" (partial == full) or "one" (partial == 1)
  let last: "same" | "one" | undefined;
  for (let i = 0; i < full.length; i++) {
    if (full[i] === 1) continue;
    const kind = padded[i] === full[i] ? "same" : padded[i] === 1 ? "one" : undefined;
    if (kind === undefined) return undefined;
    if (kind === last) {
      merged.full[merged.full.length - 1] *= full[i];
      if (kind === "same") merged.partial[merged.partial.length - 1] *= full[i];
    } else {
      merged.full.push(full[i]);
      merged.partial.push(kind === "same" ? full[i] : 1);
      last = kind;
    }
  }
  if (merged.full.length === 0) return { full: [1], partial: [1] };
  return merged;
}

/**
 * The numpy broadcast of two shapes, or undefined when they do not broadcast.
 *
 * @example
 * ```ts
 * broadcastShape([4, 1], [3]); // [4, 3]
 * ```
 */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(Math.max(da, db));
  }
  return out;
}

/**
 * True when `shape` is already the whole broadcast shape `full` (same size).
 *
 * @example
 * ```ts
 * coversShape([1, 5], [5]); // true
 * ```
 */
export function coversShape(shape: readonly number[], full: readonly number[]): boolean {
  return shape.reduce((a, b) => a * b, 1) === full.reduce((a, b) => a * b, 1);
}

/**
 * Dims of a reduction's input and output with adjacent reduced (or kept) axes merged.
 *
 * @param shape the input shape
 * @param axes the reduced axes (non-negative)
 * @returns `src` dims and `dst` dims (1 where reduced)
 * @example
 * ```ts
 * reductionPlan([8, 5, 5, 3], [0, 1, 2]); // { src: [200, 3], dst: [1, 3] }
 * ```
 */
export function reductionPlan(
  shape: readonly number[],
  axes: readonly number[],
): { src: number[]; dst: number[] } {
  const src: number[] = [];
  const dst: number[] = [];
  let last: boolean | undefined;
  shape.forEach((size, i) => {
    if (size === 1) return;
    const reduced = axes.includes(i);
    if (reduced === last) {
      src[src.length - 1] *= size;
      if (!reduced) dst[dst.length - 1] *= size;
    } else {
      src.push(size);
      dst.push(reduced ? 1 : size);
      last = reduced;
    }
  });
  if (src.length === 0) return { src: [1], dst: [1] };
  return { src, dst };
}
