/**
 * MNIST from its original IDX files (train-images-idx3-ubyte, ... ; gzipped or plain).
 *
 * An IDX file is a 4-byte magic number `00 00 <type> <ndims>` (type 0x08 = unsigned
 * byte), then `ndims` big-endian uint32 sizes, then the values in row-major order.
 * Pixels become float32 scaled to [0, 1]; images are (N, 28, 28, 1), NHWC.
 *
 * @module
 */
import { join } from "node:path";
import { readMaybeGzipped } from "./gzip.ts";
import type { LabeledImages } from "./types.ts";

/** IDX magic of unsigned-byte images: 00 00 08 03. */
const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic of unsigned-byte labels: 00 00 08 01. */
const IDX_LABELS_MAGIC = 0x00000801;

/**
 * The four MNIST files, by split, without the optional `.gz`.
 *
 * @example
 * ```ts
 * import { MNIST_IDX_NAMES } from "./mnist_idx.ts";
 *
 * const path = `data/mnist/${MNIST_IDX_NAMES.testLabels}.gz`;
 * ```
 */
export const MNIST_IDX_NAMES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

function hex32(value: number): string {
  return "0x" + (value >>> 0).toString(16).padStart(8, "0");
}

/** Checks the header of an IDX file and returns its sizes. */
function readIdxHeader(
  bytes: Uint8Array,
  file: string,
  expectedMagic: number,
  kind: string,
): { sizes: number[]; headerBytes: number } {
  const ndims = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  const tooShort = () =>
    new Error(
      `${file}: only ${bytes.length} bytes; an IDX ${kind} file starts with a ${headerBytes}-byte header`,
    );
  // The magic number comes first: a swapped or foreign file is named as such, not as short.
  if (bytes.length < 4) throw tooShort();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    const swapped = magic === IDX_IMAGES_MAGIC
      ? " (this is an image file)"
      : magic === IDX_LABELS_MAGIC
      ? " (this is a label file)"
      : "";
    throw new Error(
      `${file}: magic number ${hex32(magic)}${swapped}; expected ${
        hex32(expectedMagic)
      } (IDX unsigned-byte ${kind}, ${ndims} dimension${ndims > 1 ? "s" : ""})`,
    );
  }
  if (bytes.length < headerBytes) throw tooShort();
  const sizes = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  return { sizes, headerBytes };
}

/**
 * Parses IDX image bytes (already decompressed) into float32 pixels in [0, 1].
 *
 * @param file named in every error (corrupt magic, truncated or over-long data).
 * @returns x: (N, rows, cols, 1) row-major, and the shape.
 * @example
 * ```ts
 * import { parseIdxImages } from "./mnist_idx.ts";
 *
 * // magic 0x00000803, 1 image of 2 rows and 2 columns, then its pixels
 * const bytes = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 51, 102]);
 * const { x, shape } = parseIdxImages(bytes, "tiny-images-idx3-ubyte");
 * x; // Float32Array [0, 1, 0.2, 0.4]
 * shape; // [1, 2, 2, 1]; [10000, 28, 28, 1] for t10k-images-idx3-ubyte
 * ```
 */
export function parseIdxImages(
  bytes: Uint8Array,
  file: string,
): { x: Float32Array; shape: number[] } {
  const { sizes: [count, rows, cols], headerBytes } = readIdxHeader(
    bytes,
    file,
    IDX_IMAGES_MAGIC,
    "images",
  );
  const expected = count * rows * cols;
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new Error(
      `${file}: header says ${count} images of ${rows}x${cols} = ${expected} bytes after the header, file has ${actual}`,
    );
  }
  const x = new Float32Array(expected);
  for (let i = 0; i < expected; i++) x[i] = bytes[headerBytes + i] / 255;
  return { x, shape: [count, rows, cols, 1] };
}

/**
 * Parses IDX label bytes (already decompressed) into class indices.
 *
 * @param numClasses labels must lie in 0..numClasses-1 (10 for MNIST).
 * @example
 * ```ts
 * import { parseIdxLabels } from "./mnist_idx.ts";
 *
 * // magic 0x00000801, 3 labels, then the labels
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]);
 * parseIdxLabels(bytes, "tiny-labels-idx1-ubyte"); // Int32Array [7, 2, 1]
 * ```
 */
export function parseIdxLabels(bytes: Uint8Array, file: string, numClasses = 10): Int32Array {
  const { sizes: [count], headerBytes } = readIdxHeader(bytes, file, IDX_LABELS_MAGIC, "labels");
  const actual = bytes.length - headerBytes;
  if (actual !== count) {
    throw new Error(
      `${file}: header says ${count} labels = ${count} bytes after the header, file has ${actual}`,
    );
  }
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[headerBytes + i];
    if (label >= numClasses) {
      throw new Error(`${file}: label ${label} at index ${i}; expected 0..${numClasses - 1}`);
    }
    y[i] = label;
  }
  return y;
}

/**
 * The path of `name` or `name.gz` in `dir`; throws, naming the four files, when neither is
 * there.
 *
 * @example
 * ```ts
 * import { findIdxFile, MNIST_IDX_NAMES } from "./mnist_idx.ts";
 *
 * const path = await findIdxFile("data/mnist", MNIST_IDX_NAMES.testLabels);
 * // "data/mnist/t10k-labels-idx1-ubyte.gz"
 * ```
 */
export async function findIdxFile(dir: string, name: string): Promise<string> {
  for (const candidate of [name, name + ".gz"]) {
    const path = join(dir, candidate);
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error(
    `${dir}: missing ${name} (or ${name}.gz); expected the four MNIST IDX files ${
      Object.values(MNIST_IDX_NAMES).join(", ")
    }`,
  );
}

/**
 * True when `dir` holds all four MNIST IDX files (plain or gzipped).
 *
 * @example
 * ```ts
 * import { hasMnistIdx } from "./mnist_idx.ts";
 *
 * if (await hasMnistIdx("data/mnist")) console.log("using the MNIST IDX files");
 * ```
 */
export async function hasMnistIdx(dir: string): Promise<boolean> {
  try {
    for (const name of Object.values(MNIST_IDX_NAMES)) await findIdxFile(dir, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads one images file and its labels file (each plain or gzipped) and checks that they
 * hold the same number of examples.
 *
 * @example
 * ```ts
 * import { loadIdxPair } from "./mnist_idx.ts";
 *
 * const test = await loadIdxPair(
 *   "data/mnist/t10k-images-idx3-ubyte.gz",
 *   "data/mnist/t10k-labels-idx1-ubyte.gz",
 * );
 * test.shape; // [10000, 28, 28, 1]
 * ```
 */
export async function loadIdxPair(imagesPath: string, labelsPath: string): Promise<LabeledImages> {
  const { x, shape } = parseIdxImages(await readMaybeGzipped(imagesPath), imagesPath);
  const y = parseIdxLabels(await readMaybeGzipped(labelsPath), labelsPath);
  if (y.length !== shape[0]) {
    throw new Error(
      `${labelsPath}: ${y.length} labels but ${imagesPath} has ${
        shape[0]
      } images; expected one label per image`,
    );
  }
  return { x, y, shape };
}

/**
 * Loads MNIST from the IDX files in `dir` (each plain or gzipped).
 *
 * @returns train: (60000, 28, 28, 1) and test: (10000, 28, 28, 1), pixels in [0, 1].
 * @example
 * ```ts
 * import { loadMnistIdx } from "./mnist_idx.ts";
 *
 * const { train, test } = await loadMnistIdx("data/mnist");
 * ```
 */
export async function loadMnistIdx(
  dir: string,
): Promise<{ train: LabeledImages; test: LabeledImages }> {
  const path = async (name: string) => await findIdxFile(dir, name);
  const train = await loadIdxPair(
    await path(MNIST_IDX_NAMES.trainImages),
    await path(MNIST_IDX_NAMES.trainLabels),
  );
  const test = await loadIdxPair(
    await path(MNIST_IDX_NAMES.testImages),
    await path(MNIST_IDX_NAMES.testLabels),
  );
  return { train, test };
}
