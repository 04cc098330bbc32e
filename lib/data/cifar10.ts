/**
 * CIFAR-10 from its binary batches (data_batch_1.bin .. data_batch_5.bin, test_batch.bin).
 *
 * Each record is 1 label byte then 3072 pixel bytes: the 32x32 red plane, then green, then
 * blue (CHW, rows top to bottom). We return NHWC float32 with the raw 0..255 values, as
 * cs231n's `load_CIFAR10` does: the course subtracts the mean image and tunes its weight
 * scales and learning rates for data on that scale, so rescaling would change the studies.
 *
 * @module
 */
import { join } from "node:path";
import type { LabeledImages } from "./types.ts";
import { numberIn } from "../errors.ts";

/**
 * Class names, index = label.
 *
 * @example
 * ```ts
 * import { CIFAR10_CLASSES } from "./cifar10.ts";
 *
 * CIFAR10_CLASSES[3]; // "cat"
 * ```
 */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Bytes per image: 32 * 32 pixels * 3 colour planes. */
const IMAGE_BYTES = 3072;
/**
 * Bytes per record: one label byte, then the image (3073).
 *
 * @example
 * ```ts
 * import { CIFAR10_RECORD_BYTES } from "./cifar10.ts";
 *
 * const bytes = await Deno.readFile("data/cifar-10-batches-bin/test_batch.bin");
 * const records = bytes.length / CIFAR10_RECORD_BYTES; // 10000 for a full batch
 * ```
 */
export const CIFAR10_RECORD_BYTES = 1 + IMAGE_BYTES;
/**
 * Folder the binary tarball unpacks to, under the data directory.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { CIFAR10_DIR_NAME } from "./cifar10.ts";
 *
 * const dir = join("data", CIFAR10_DIR_NAME); // "data/cifar-10-batches-bin"
 * ```
 */
export const CIFAR10_DIR_NAME = "cifar-10-batches-bin";
/**
 * The training batches, in the order cs231n concatenates them.
 *
 * @example
 * ```ts
 * import { CIFAR10_TRAIN_FILES } from "./cifar10.ts";
 *
 * CIFAR10_TRAIN_FILES[0]; // "data_batch_1.bin"
 * ```
 */
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) =>
  `data_batch_${i}.bin`
);
/**
 * The test batch (10,000 images).
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { CIFAR10_DIR_NAME, CIFAR10_TEST_FILE } from "./cifar10.ts";
 *
 * const bytes = await Deno.readFile(join("data", CIFAR10_DIR_NAME, CIFAR10_TEST_FILE));
 * ```
 */
export const CIFAR10_TEST_FILE = "test_batch.bin";

/**
 * Checks that `bytes` hold whole CIFAR-10 records with labels 0..9; returns the count.
 *
 * @param file named in the error.
 * @example
 * ```ts
 * import { checkCifarRecords } from "./cifar10.ts";
 *
 * const file = "data/cifar-10-batches-bin/test_batch.bin";
 * const n = checkCifarRecords(await Deno.readFile(file), file); // 10000
 * ```
 */
export function checkCifarRecords(bytes: Uint8Array, file: string): number {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw new Error(
      `${file}: ${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
        `(1 label byte + 3072 pixel bytes); ${whole} whole records and ${
          bytes.length - whole * CIFAR10_RECORD_BYTES
        } bytes over (a full batch is 10000 records = ${10000 * CIFAR10_RECORD_BYTES} bytes)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  for (let i = 0; i < count; i++) {
    const label = bytes[i * CIFAR10_RECORD_BYTES];
    if (label > 9) {
      throw new Error(
        `${file}: label ${label} in record ${i}; expected 0..9 (is this really a CIFAR-10 batch?)`,
      );
    }
  }
  return count;
}

/**
 * Decodes `count` records from `start` into NHWC float32 images with values 0..255.
 *
 * @param bytes whole records, as checked by {@linkcode checkCifarRecords}.
 * @returns x: (count, 32, 32, 3), y: (count,).
 * @example
 * ```ts
 * import { decodeCifarRecords } from "./cifar10.ts";
 *
 * const bytes = await Deno.readFile("data/cifar-10-batches-bin/test_batch.bin");
 * const first100 = decodeCifarRecords(bytes, "test_batch.bin", { start: 0, count: 100 });
 * first100.shape; // [100, 32, 32, 3]
 * ```
 */
export function decodeCifarRecords(
  bytes: Uint8Array,
  file: string,
  { start = 0, count }: { start?: number; count?: number } = {},
): LabeledImages {
  const available = checkCifarRecords(bytes, file);
  numberIn("start", start, { min: 0, max: available, integer: true });
  const n = numberIn("count", count ?? available - start, {
    min: 0,
    max: available - start,
    integer: true,
  });
  const x = new Float32Array(n * IMAGE_BYTES);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const record = (start + i) * CIFAR10_RECORD_BYTES;
    y[i] = bytes[record];
    const out = i * IMAGE_BYTES;
    // Pixel (h, w) of colour plane c is byte 1 + c*1024 + h*32 + w of the record.
    for (let pixel = 0; pixel < 1024; pixel++) {
      x[out + 3 * pixel] = bytes[record + 1 + pixel];
      x[out + 3 * pixel + 1] = bytes[record + 1 + 1024 + pixel];
      x[out + 3 * pixel + 2] = bytes[record + 1 + 2048 + pixel];
    }
  }
  return { x, y, shape: [n, 32, 32, 3] };
}

/** Reads and checks several batch files into one buffer of records. */
async function readRecords(dir: string, names: readonly string[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`${path}: not found; expected the CIFAR-10 binary batches in ${dir}`);
      }
      throw error;
    }
    checkCifarRecords(bytes, path);
    parts.push(bytes);
  }
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/**
 * Reads the raw records of CIFAR-10 (checked, not decoded): 153 MB for train instead of
 * the 614 MB the float32 images take, so callers can decode only the examples they use.
 *
 * @returns train: 50,000 records, test: 10,000 records, each 3073 bytes.
 * @example
 * ```ts
 * import { decodeCifarRecords, readCifar10Records } from "./cifar10.ts";
 *
 * const { train } = await readCifar10Records("data/cifar-10-batches-bin");
 * const val = decodeCifarRecords(train, "train", { start: 49_000, count: 1_000 });
 * ```
 */
export async function readCifar10Records(
  dir: string,
): Promise<{ train: Uint8Array; test: Uint8Array }> {
  return {
    train: await readRecords(dir, CIFAR10_TRAIN_FILES),
    test: await readRecords(dir, [CIFAR10_TEST_FILE]),
  };
}

/**
 * Loads all of CIFAR-10 like cs231n's `load_CIFAR10`: train is the five training batches
 * in order, test the test batch. Takes about 740 MB as float32.
 *
 * @returns train: (50000, 32, 32, 3) and test: (10000, 32, 32, 3), values 0..255.
 * @example
 * ```ts
 * import { loadCifar10 } from "./cifar10.ts";
 *
 * const { train, test } = await loadCifar10("data/cifar-10-batches-bin");
 * ```
 */
export async function loadCifar10(
  dir: string,
): Promise<{ train: LabeledImages; test: LabeledImages }> {
  const records = await readCifar10Records(dir);
  return {
    train: decodeCifarRecords(records.train, join(dir, "data_batch_*.bin")),
    test: decodeCifarRecords(records.test, join(dir, CIFAR10_TEST_FILE)),
  };
}

/**
 * True when `dataDir/cifar-10-batches-bin` holds the six batch files.
 *
 * @example
 * ```ts
 * import { hasCifar10 } from "./cifar10.ts";
 *
 * if (await hasCifar10("data")) console.log("CIFAR-10 is here");
 * ```
 */
export async function hasCifar10(dataDir: string): Promise<boolean> {
  for (const name of [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE]) {
    try {
      if (!(await Deno.stat(join(dataDir, CIFAR10_DIR_NAME, name))).isFile) return false;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }
  return true;
}
