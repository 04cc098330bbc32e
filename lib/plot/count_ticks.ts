/**
 * Ticks for an axis that counts something (iterations, epochs): whole numbers only, so a
 * three-iteration run reads 1 2 3, never 1.0 1.5 2.0 2.5 3.0, at a step of 1, 2 or 5 times
 * a power of ten.
 *
 * @module
 */

/**
 * Whole-number ticks from `first` to `last`: the multiples of the smallest step of 1, 2 or
 * 5 x 10^k that leaves at most `maxTicks` ticks, with an integer tick format.
 *
 * @example
 * ```ts
 * import { countTicks } from "./count_ticks.ts";
 *
 * countTicks(1, 3); // { ticks: [1, 2, 3], tickFormat: ",d" }
 * countTicks(0, 25).ticks; // [0, 5, 10, 15, 20, 25]
 * countTicks(1, 2_180, 8).ticks; // [500, 1000, 1500, 2000]
 * ```
 */
export function countTicks(
  first: number,
  last: number,
  maxTicks = 10,
): { ticks: number[]; tickFormat: string } {
  const low = Math.ceil(Math.min(first, last)), high = Math.floor(Math.max(first, last));
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) {
    return { ticks: [], tickFormat: ",d" };
  }
  const count = (step: number) => Math.floor(high / step) - Math.ceil(low / step) + 1;
  const limit = Math.max(1, maxTicks);
  let step = 1;
  for (let power = 1; count(step) > limit; power *= 10) {
    step = [1, 2, 5].map((m) => m * power).find((s) => count(s) <= limit) ?? 10 * power;
  }
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high; tick += step) ticks.push(tick);
  return { ticks, tickFormat: ",d" };
}
