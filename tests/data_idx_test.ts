import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzip, isGzip } from "../lib/data/gzip.ts";
import {
  loadMnistIdx,
  MNIST_IDX_NAMES,
  parseIdxImages,
  parseIdxLabels,
} from "../lib/data/mnist_idx.ts";

// Pure JS parsers: no tensors, so no backend is started.

/** IDX bytes: magic 00 00 08 <ndims>, big-endian sizes, then the values. */
function idxBytes(sizes: number[], values: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * sizes.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x00000800 | sizes.length);
  sizes.forEach((size, i) => view.setUint32(4 + 4 * i, size));
  const out = new Uint8Array(header.length + values.length);
  out.set(header);
  out.set(values, header.length);
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Three 2x3 "images" whose pixel p of image i is 10*i + p, and their labels. */
const IMAGE_VALUES = Array.from({ length: 3 * 2 * 3 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
const LABELS = [7, 0, 9];

Deno.test("parseIdxImages: pixels scaled to [0, 1], shape (N, rows, cols, 1)", () => {
  const { x, shape } = parseIdxImages(idxBytes([3, 2, 3], IMAGE_VALUES), "fixture");
  assert.deepEqual(shape, [3, 2, 3, 1]);
  // Image 2, row 1, col 0 is pixel 3 of image 2: 23 / 255.
  assert.equal(x[2 * 6 + 1 * 3 + 0], Math.fround(23 / 255));
  const full = parseIdxImages(idxBytes([1, 1, 2], [0, 255]), "fixture").x;
  assert.deepEqual([...full], [0, 1]);
});

Deno.test("IDX round trip from files, plain and gzipped, gives the same values", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const images = idxBytes([3, 2, 3], IMAGE_VALUES);
    const labels = idxBytes([3], LABELS);
    // Train plain, test gzipped: both forms load through one code path.
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.trainImages), images);
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.trainLabels), labels);
    const gzImages = await gzip(images);
    assert.ok(isGzip(gzImages) && !isGzip(images));
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.testImages + ".gz"), gzImages);
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.testLabels + ".gz"), await gzip(labels));
    const { train, test } = await loadMnistIdx(dir);
    assert.deepEqual(train.shape, [3, 2, 3, 1]);
    assert.deepEqual([...train.y], LABELS);
    assert.deepEqual([...train.x], IMAGE_VALUES.map((v) => Math.fround(v / 255)));
    assert.deepEqual(test, train);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseIdxImages: truncated file names the file and the byte counts", () => {
  const header = idxBytes([60000, 28, 28], []);
  const truncated = new Uint8Array(header.length + 1000);
  truncated.set(header);
  assert.throws(
    () => parseIdxImages(truncated, "train-images-idx3-ubyte"),
    {
      message: "train-images-idx3-ubyte: header says 60000 images of 28x28 = 47040000 bytes " +
        "after the header, file has 1000",
    },
  );
  assert.throws(
    () => parseIdxImages(idxBytes([3, 2, 3], []).slice(0, 7), "short-file"),
    /short-file: only 7 bytes; an IDX images file starts with a 16-byte header/,
  );
  // One byte too many is as wrong as one too few.
  assert.throws(
    () => parseIdxImages(idxBytes([1, 1, 2], [1, 2, 3]), "long-file"),
    /long-file: header says 1 images of 1x2 = 2 bytes after the header, file has 3/,
  );
});

Deno.test("IDX: corrupt magic, swapped files and bad labels are errors naming the file", () => {
  const corrupt = idxBytes([3, 2, 3], IMAGE_VALUES);
  corrupt[2] = 0x0d; // type float instead of unsigned byte
  assert.throws(
    () => parseIdxImages(corrupt, "images.idx"),
    /images\.idx: magic number 0x00000d03; expected 0x00000803 \(IDX unsigned-byte images/,
  );
  assert.throws(
    () => parseIdxImages(idxBytes([3], LABELS), "labels.idx"),
    /labels\.idx: magic number 0x00000801 \(this is a label file\); expected 0x00000803/,
  );
  assert.throws(
    () => parseIdxLabels(idxBytes([2], [3, 12]), "labels.idx"),
    /labels\.idx: label 12 at index 1; expected 0\.\.9/,
  );
  assert.throws(
    () => parseIdxLabels(idxBytes([5], [1, 2]), "labels.idx"),
    /labels\.idx: header says 5 labels = 5 bytes after the header, file has 2/,
  );
});

Deno.test("loadMnistIdx: a missing file or a count mismatch is an error naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadMnistIdx(dir), /missing train-images-idx3-ubyte \(or .*\.gz\)/);
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.trainImages), idxBytes([3, 2, 3], IMAGE_VALUES));
    await Deno.writeFile(join(dir, MNIST_IDX_NAMES.trainLabels), idxBytes([2], [1, 2]));
    await assert.rejects(
      loadMnistIdx(dir),
      /train-labels-idx1-ubyte: 2 labels but .*train-images-idx3-ubyte has 3 images/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("gunzip: a corrupt gzip file is an error naming the file", async () => {
  const broken = (await gzip(idxBytes([3], LABELS))).slice(0, 12);
  await assert.rejects(
    gunzip(broken, "t10k-labels-idx1-ubyte.gz"),
    /t10k-labels-idx1-ubyte\.gz: not a valid gzip file/,
  );
});
