/**
 * Counts in sentences: "1 epoch", "2 epochs", "4,000 training examples".
 *
 * @module
 */

/**
 * `count` and the noun, plural unless the count is 1; thousands separated.
 *
 * @example
 * ```ts
 * import { plural } from "./plural.ts";
 *
 * plural(1, "epoch"); // "1 epoch"
 * plural(4000, "training example"); // "4,000 training examples"
 * plural(2, "run", "runs"); // "2 runs"
 * ```
 */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? noun : nouns}`;
}
