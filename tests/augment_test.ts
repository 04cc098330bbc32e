import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  augmentation,
  colorJitter,
  cropBox,
  randomHorizontalFlip,
  randomResizedCrop,
} from "../lib/data/augment.ts";
import { Affine } from "../lib/layers/affine.ts";
import { Flatten } from "../lib/layers/flatten.ts";
import { Sequential } from "../lib/models/sequential.ts";
import { Random } from "../lib/random.ts";
import { Solver } from "../lib/train/solver.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/** Seeded images (N, H, W, C) with values in [0, 1). */
function images(shape: [number, number, number, number], seed = 0): tf.Tensor4D {
  const random = new Random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(Float32Array.from({ length: size }, () => random.uniform()), shape);
}

/** Pixel [h, w, c] of image n of a (N, H, W, C) array. */
function pixel(values: Float32Array, shape: number[], n: number, h: number, w: number, c: number) {
  const [, H, W, C] = shape;
  return values[((n * H + h) * W + w) * C + c];
}

Deno.test("randomHorizontalFlip: each image is either itself or its exact mirror", () => {
  const x = images([16, 3, 5, 2]);
  const out = randomHorizontalFlip(x, new Random(1));
  assert.deepEqual(out.shape, x.shape);
  const [a, b] = [x.dataSync() as Float32Array, out.dataSync() as Float32Array];
  let flipped = 0;
  for (let n = 0; n < 16; n++) {
    let same = true, mirror = true;
    for (let h = 0; h < 3; h++) {
      for (let w = 0; w < 5; w++) {
        for (let c = 0; c < 2; c++) {
          const value = pixel(b, x.shape, n, h, w, c);
          same &&= value === pixel(a, x.shape, n, h, w, c);
          mirror &&= value === pixel(a, x.shape, n, h, 4 - w, c);
        }
      }
    }
    assert.ok(same || mirror, `image ${n} is neither kept nor mirrored exactly`);
    if (mirror && !same) flipped++;
  }
  // 16 fair coin flips: all heads or all tails has probability 2^-15; the seed is fixed anyway.
  assert.ok(flipped > 0 && flipped < 16, `${flipped} of 16 images flipped`);
  assert.deepEqual(
    Array.from(randomHorizontalFlip(x, new Random(0), 1).dataSync()),
    Array.from(tf.reverse(x, 2).dataSync()),
    "probability 1 mirrors every image",
  );
  tf.dispose([x, out]);
});

Deno.test("randomResizedCrop: scale 1 with aspect 1 is the identity, other scales zoom in", () => {
  const x = images([4, 7, 7, 3]);
  const same = randomResizedCrop(x, new Random(2), { scale: [1, 1], ratio: [1, 1] });
  assert.deepEqual(same.shape, x.shape);
  const [a, b] = [x.dataSync(), same.dataSync()];
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `value ${i}`);
  // An 8x8 ramp cropped to a smaller box and stretched back still spans a smaller range
  // per row unless the crop kept the full width.
  const ramp = tf.tile(tf.reshape(tf.range(0, 8, 1, "float32"), [1, 1, 8, 1]), [6, 8, 1, 1]);
  const random = new Random(3);
  const boxes = Array.from({ length: 6 }, () => cropBox(8, 8, random, { scale: [0.5, 0.6] }));
  const zoomed = randomResizedCrop(ramp as tf.Tensor4D, new Random(3), { scale: [0.5, 0.6] });
  assert.deepEqual(zoomed.shape, [6, 8, 8, 1]);
  const z = zoomed.dataSync();
  boxes.forEach((box, n) => {
    // Row 0 runs from the crop's left column to its right column, linearly.
    const first = z[n * 64], last = z[n * 64 + 7];
    assert.ok(Math.abs(first - box.left) < 1e-5, `image ${n}: starts at ${first}`);
    assert.ok(Math.abs(last - (box.left + box.width - 1)) < 1e-5, `image ${n}: ends at ${last}`);
  });
  tf.dispose([x, same, ramp, zoomed]);
});

Deno.test("cropBox: areas within scale and boxes inside the image", () => {
  const random = new Random(4);
  for (let i = 0; i < 200; i++) {
    const box = cropBox(32, 32, random, { scale: [0.85, 1] });
    assert.ok(box.top >= 0 && box.left >= 0);
    assert.ok(box.top + box.height <= 32 && box.left + box.width <= 32);
    const fraction = (box.height * box.width) / (32 * 32);
    // Rounding the sides to whole pixels moves the area by up to about one row and column.
    assert.ok(fraction >= 0.85 - 2 / 32 && fraction <= 1, `area fraction ${fraction}`);
  }
});

Deno.test("colorJitter: strength 0 is the identity; factors stay within 1 ± strength", () => {
  const x = images([5, 4, 4, 3]);
  const same = colorJitter(x, new Random(5), { brightness: 0, contrast: 0, saturation: 0 });
  assert.deepEqual(Array.from(same.dataSync()), Array.from(x.dataSync()));
  // Brightness alone without clamping: each image is x times one factor in [0.8, 1.2].
  const bright = colorJitter(x, new Random(5), { brightness: 0.2, range: null });
  const [a, b] = [x.dataSync(), bright.dataSync()];
  const perImage = 4 * 4 * 3;
  for (let n = 0; n < 5; n++) {
    const factor = b[n * perImage] / a[n * perImage];
    assert.ok(factor >= 0.8 - 1e-6 && factor <= 1.2 + 1e-6, `factor ${factor}`);
    for (let i = n * perImage; i < (n + 1) * perImage; i++) {
      assert.ok(Math.abs(b[i] - factor * a[i]) < 1e-5, `image ${n} is not uniformly scaled`);
    }
  }
  // Saturation 1 can take the saturation to zero or double it; the clamp keeps [0, 1].
  const strong = colorJitter(x, new Random(6), { brightness: 1, contrast: 1, saturation: 1 });
  const s = strong.dataSync();
  assert.ok(s.every((v) => v >= 0 && v <= 1), "clamped to [0, 1]");
  // Greyscale images have nothing to desaturate.
  const gray = images([3, 4, 4, 1]);
  const desaturated = colorJitter(gray, new Random(7), { saturation: 0.9 });
  assert.deepEqual(Array.from(desaturated.dataSync()), Array.from(gray.dataSync()));
  tf.dispose([x, same, bright, strong, gray, desaturated]);
});

Deno.test("augmentation: seeded, reproducible per iteration, shape kept, input untouched", () => {
  const x = images([6, 8, 8, 3]);
  const before = Array.from(x.dataSync());
  const options = {
    flip: true,
    crop: { scale: [0.85, 1] as [number, number] },
    jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 },
  };
  const first = augmentation(options, 11);
  const again = augmentation(options, 11);
  const [a1, a2] = [first(x, 1), first(x, 2)];
  const [b2, b1] = [again(x, 2), again(x, 1)];
  assert.deepEqual(a1.shape, x.shape);
  assert.deepEqual(Array.from(a1.dataSync()), Array.from(b1.dataSync()), "same seed, same batch");
  assert.deepEqual(Array.from(a2.dataSync()), Array.from(b2.dataSync()), "in any call order");
  assert.notDeepEqual(Array.from(a1.dataSync()), Array.from(a2.dataSync()), "iterations differ");
  const other = augmentation(options, 12)(x, 1);
  assert.notDeepEqual(Array.from(other.dataSync()), Array.from(a1.dataSync()), "seeds differ");
  assert.deepEqual(Array.from(x.dataSync()), before, "the input batch is not modified");
  const nothing = augmentation({}, 0)(x, 1);
  assert.deepEqual(Array.from(nothing.dataSync()), before, "no transform is the identity");
  tf.dispose([x, a1, a2, b1, b2, other, nothing]);
});

Deno.test("augmentation leaks no tensor: only the returned batch is new", () => {
  const x = images([4, 8, 8, 3]);
  const augment = augmentation({
    flip: true,
    crop: { scale: [0.85, 1] },
    jitter: { brightness: 0.2, contrast: 0.2, saturation: 0.2 },
  }, 0);
  augment(x, 1).dispose(); // the first call may create backend constants
  const before = tf.memory().numTensors;
  const out = augment(x, 2);
  assert.equal(tf.memory().numTensors, before + 1);
  out.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

Deno.test("bad options are rejected naming the option and what it accepts", () => {
  const x = images([1, 4, 4, 3]);
  assert.throws(
    () => randomResizedCrop(x, new Random(0), { scale: [0.5, 1.5] }),
    /crop\.scale: got \[0\.5, 1\.5\].*0 < low <= high <= 1/,
  );
  assert.throws(() => augmentation({ flip: 2 }, 0), /augmentation: flip/);
  assert.throws(
    () => colorJitter(images([1, 4, 4, 2]), new Random(0), { brightness: 0.2 }),
    /colorJitter: x\.shape.*C = 1 or 3/,
  );
  assert.throws(
    () => randomHorizontalFlip(tf.zeros([4, 4]) as unknown as tf.Tensor4D, new Random(0)),
    /x: got/,
  );
  x.dispose();
});

Deno.test("Solver augment option: every training batch goes through it, tensors are freed", async () => {
  const random = new Random(0);
  const n = 8;
  const data = {
    x: Float32Array.from({ length: n * 4 * 4 * 1 }, () => random.uniform()),
    y: Int32Array.from({ length: n }, (_, i) => i % 2),
    shape: [n, 4, 4, 1],
  };
  const model = new Sequential([
    ["flatten", new Flatten()],
    ["fc", new Affine({ inputDim: 16, outputDim: 2, seed: 0 })],
  ]);
  const seen: { iteration: number; shape: number[] }[] = [];
  const augment = augmentation({ flip: true, crop: { scale: [0.85, 1] } }, 0);
  const solver = new Solver(model, { train: data, val: data }, {
    numEpochs: 2,
    batchSize: 4,
    verbose: false,
    augment: (x, iteration) => {
      seen.push({ iteration, shape: x.shape });
      return augment(x, iteration);
    },
  });
  const before = tf.memory().numTensors;
  const { iterations } = await solver.train();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind by the augmented steps");
  assert.deepEqual(seen.map((s) => s.iteration), [1, 2, 3, 4]);
  assert.equal(iterations, 4);
  for (const { shape } of seen) assert.deepEqual(shape, [4, 4, 4, 1]);
  assert.throws(
    () => new Solver(model, { train: data, val: data }, { augment: 3 as never }),
    /augment: got 3; expected a function/,
  );
  model.dispose();
});
