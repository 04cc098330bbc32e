/**
 * Counts in sentences: "1 epoch", "2 epochs", "4,000 training examples", "a six-layer net".
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

const WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];

/**
 * A count as a word for prose ("a six-layer net", "eight variations"): zero to twelve
 * spelled out, larger counts in digits.
 *
 * @example
 * ```ts
 * import { countWord } from "./plural.ts";
 *
 * countWord(6); // "six"
 * countWord(40); // "40"
 * ```
 */
export function countWord(count: number): string {
  return Number.isInteger(count) && count >= 0 && count < WORDS.length
    ? WORDS[count]
    : count.toLocaleString("en-US");
}
