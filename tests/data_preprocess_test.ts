import assert from "node:assert/strict";
import {
  meanImage,
  randomSubset,
  subtractMeanImage,
  takeFirst,
  takeIndices,
  trainValSplit,
} from "../lib/data/preprocess.ts";
import { syntheticBlobs } from "../lib/data/synthetic.ts";
import { extractTar } from "../lib/data/tar.ts";
import { type LabeledImages } from "../lib/data/types.ts";

// Pure JS: no tensors, so no backend is started.

/** n examples of shape (2, 2, 1) whose values all equal the example's index; label = index % 10. */
function indexed(n: number): LabeledImages {
  const x = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) x.fill(i, 4 * i, 4 * i + 4);
  return { x, y: Int32Array.from({ length: n }, (_, i) => i % 10), shape: [n, 2, 2, 1] };
}

/** The example indices a set built by `indexed` holds. */
const indicesOf = (images: LabeledImages) =>
  Array.from({ length: images.shape[0] }, (_, i) => images.x[4 * i]);

Deno.test("trainValSplit: train is the first numTrain, val the last numVal, disjoint", () => {
  const pool = indexed(50);
  const { train, val } = trainValSplit(pool, { numTrain: 20, numVal: 5 });
  assert.deepEqual(train.shape, [20, 2, 2, 1]);
  assert.deepEqual(val.shape, [5, 2, 2, 1]);
  assert.deepEqual(indicesOf(train), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(indicesOf(val), [45, 46, 47, 48, 49]);
  assert.deepEqual([...val.y], [5, 6, 7, 8, 9]);
  // The validation set does not move with numTrain (as in cs231n's 49,000/1,000 split).
  assert.deepEqual(trainValSplit(pool, { numTrain: 45, numVal: 5 }).val, val);
  const everything = trainValSplit(pool, { numTrain: 45, numVal: 5 });
  const seen = new Set([...indicesOf(everything.train), ...indicesOf(everything.val)]);
  assert.equal(seen.size, 50);
  assert.throws(
    () => trainValSplit(pool, { numTrain: 46, numVal: 5 }, "the fixture pool"),
    /numTrain: got 46; expected an integer in \[0, 45\]: the fixture pool has 50 examples and numVal takes 5/,
  );
});

Deno.test("takeFirst and takeIndices copy: changing the result leaves the source alone", () => {
  const pool = indexed(10);
  const first = takeFirst(pool, 3);
  first.x[0] = 99;
  assert.equal(pool.x[0], 0);
  const picked = takeIndices(pool, [7, 2, 7]);
  assert.deepEqual(indicesOf(picked), [7, 2, 7]);
  assert.deepEqual([...picked.y], [7, 2, 7]);
  assert.throws(
    () => takeIndices(pool, [1, 10]),
    /indices\[1\]: got 10; expected an integer in \[0, 9\]/,
  );
});

Deno.test("randomSubset: seeded, distinct examples, another seed gives another subset", () => {
  const pool = indexed(100);
  const a = indicesOf(randomSubset(pool, 30, 1));
  assert.deepEqual(a, indicesOf(randomSubset(pool, 30, 1)));
  assert.notDeepEqual(a, indicesOf(randomSubset(pool, 30, 2)));
  assert.equal(new Set(a).size, 30);
  assert.throws(() => randomSubset(pool, 101, 0), /n: got 101; expected an integer in \[0, 100\]/);
});

Deno.test("subtractMeanImage: train mean becomes 0, every split shifts by the train mean", () => {
  const data = syntheticBlobs({ numExamples: 90, shape: [3, 2, 2], seed: 4 });
  const train = takeFirst(data, 60);
  const val = takeIndices(data, Array.from({ length: 30 }, (_, i) => 60 + i));
  // A constant offset makes the mean clearly non-zero before centring.
  train.x.forEach((v, i) => (train.x[i] = v + 3));
  const before = { train: train.x.slice(), val: val.x.slice() };
  const centred = subtractMeanImage({ train, val });

  assert.equal(centred.meanImage.length, 12);
  assert.deepEqual(centred.meanImage, meanImage(train));
  const mean = meanImage(centred.train);
  assert.ok(mean.every((m) => Math.abs(m) < 1e-5), `train mean after centring ${mean}`);
  for (let i = 0; i < val.x.length; i++) {
    const expected = before.val[i] - centred.meanImage[i % 12];
    assert.ok(Math.abs(centred.val.x[i] - expected) < 1e-6);
  }
  // Not in place: the inputs are untouched. In place: they are centred themselves.
  assert.deepEqual(train.x, before.train);
  subtractMeanImage({ train, val }, { inPlace: true });
  assert.deepEqual(train.x, centred.train.x);
  assert.throws(
    () => subtractMeanImage({ train, test: indexed(3) }),
    /test: got examples of shape \[2, 2, 1\]; expected the training shape \[3, 2, 2\]/,
  );
});

Deno.test("meanImage: per-pixel average of known values", () => {
  assert.deepEqual([...meanImage(indexed(5))], [2, 2, 2, 2]);
});

Deno.test("syntheticBlobs: shape, balanced labels, seeded, and separable by class means", () => {
  const options = { numExamples: 300, shape: [4, 4, 3], numClasses: 5, seed: 9 };
  const data = syntheticBlobs(options);
  assert.deepEqual(data.shape, [300, 4, 4, 3]);
  assert.equal(data.x.length, 300 * 48);
  const counts = [0, 1, 2, 3, 4].map((c) => data.y.filter((y) => y === c).length);
  assert.deepEqual(counts, [60, 60, 60, 60, 60]);
  assert.deepEqual(syntheticBlobs(options), data);
  assert.notDeepEqual(syntheticBlobs({ ...options, seed: 10 }).x, data.x);

  // A nearest-class-mean rule (a linear classifier) fitted on 200 examples classifies the
  // other 100: the set is easy enough to learn in a few iterations.
  const size = 48;
  const means = Array.from({ length: 5 }, () => new Float64Array(size));
  for (let i = 0; i < 200; i++) {
    for (let j = 0; j < size; j++) means[data.y[i]][j] += data.x[i * size + j] / 60;
  }
  let correct = 0;
  for (let i = 200; i < 300; i++) {
    const distances = means.map((m) =>
      m.reduce((s, mj, j) => s + (data.x[i * size + j] - mj) ** 2, 0)
    );
    if (distances.indexOf(Math.min(...distances)) === data.y[i]) correct++;
  }
  assert.ok(correct >= 95, `nearest-mean accuracy ${correct}/100`);
  assert.throws(
    () => syntheticBlobs({ numExamples: 10, numClasses: 0 }),
    /numClasses: got 0; expected an integer in \[1, inf\)/,
  );
});

Deno.test("extractTar: refuses entries that would land outside the target folder", async () => {
  const header = new Uint8Array(512);
  const encoder = new TextEncoder();
  header.set(encoder.encode("../evil.txt"), 0);
  header.set(encoder.encode("00000000000\0"), 124);
  header.set(encoder.encode("0"), 156);
  header.set(encoder.encode("        "), 148);
  const sum = header.reduce((a, b) => a + b, 0);
  header.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const archive = new Uint8Array(512 + 1024);
  archive.set(header);
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      extractTar(archive, dir, "evil.tar"),
      /evil\.tar: entry "\.\.\/evil\.txt" would be written outside/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
