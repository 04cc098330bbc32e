/**
 * Errors a user can act on: every message names the argument, the value received and
 * what is accepted.
 *
 * @module
 */

/** Formats a received value for an error message, short enough for one line. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describeValue).join(", ");
    return `[${shown}${value.length > 8 ? ", ..." : ""}]`;
  }
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? text.slice(0, 77) + "..." : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Builds the error for a bad argument.
 *
 * @example
 * ```ts
 * import { argumentError } from "./errors.ts";
 *
 * const error = argumentError("keepProb", 1.5, "a number in (0, 1]"); // for `throw`
 * error.message; // "keepProb: got 1.5; expected a number in (0, 1]"
 * ```
 */
export function argumentError(name: string, value: unknown, accepted: string): Error {
  return new Error(`${name}: got ${describeValue(value)}; expected ${accepted}`);
}

/**
 * Checks that `value` is one of `choices`, and narrows its type.
 *
 * @example
 * ```ts
 * import { oneOf } from "./errors.ts";
 *
 * const flag: unknown = "layernorm"; // e.g. parsed from the command line
 * const norm = oneOf("normalization", flag, ["batchnorm", "layernorm", null] as const);
 * norm; // "layernorm", typed "batchnorm" | "layernorm" | null
 * ```
 */
export function oneOf<T>(name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw argumentError(name, value, `one of ${choices.map(describeValue).join(", ")}`);
  }
  return value as T;
}

/**
 * Checks that `value` is a finite number in `[min, max]` (or `(min, max]` when
 * `minExclusive`), and returns it.
 *
 * @example
 * ```ts
 * import { numberIn } from "./errors.ts";
 *
 * const lr = numberIn("learningRate", 1e-3, { min: 0, minExclusive: true }); // 0.001
 * // numberIn("learningRate", 0, { min: 0, minExclusive: true }) throws
 * // "learningRate: got 0; expected a number in (0, inf)"
 * ```
 */
export function numberIn(
  name: string,
  value: unknown,
  { min = -Infinity, max = Infinity, minExclusive = false, integer = false }: {
    min?: number;
    max?: number;
    minExclusive?: boolean;
    integer?: boolean;
  } = {},
): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) && value <= max &&
    (!integer || Number.isInteger(value));
  if (!ok) {
    const lo = min === -Infinity ? "(-inf" : `${minExclusive ? "(" : "["}${min}`;
    const hi = max === Infinity ? "inf)" : `${max}]`;
    const kind = integer ? "an integer" : "a number";
    throw argumentError(name, value, `${kind} in ${lo}, ${hi}`);
  }
  return value as number;
}

/**
 * Checks that a shape equals the expected one; `null` entries match any size.
 *
 * @example
 * ```ts
 * import { expectShape } from "./errors.ts";
 *
 * expectShape("x", [64, 784], [null, 784]); // returns: null matches any batch size
 * // expectShape("x", [64, 28, 28, 1], [null, 784]) throws
 * // "x: got shape [64, 28, 28, 1]; expected shape [any, 784]"
 * ```
 */
export function expectShape(
  name: string,
  shape: readonly number[],
  expected: readonly (number | null)[],
): void {
  const ok = shape.length === expected.length &&
    expected.every((size, i) => size === null || size === shape[i]);
  if (!ok) {
    const want = expected.map((s) => (s === null ? "any" : String(s))).join(", ");
    throw new Error(`${name}: got shape [${shape.join(", ")}]; expected shape [${want}]`);
  }
}
