import assert from "node:assert/strict";
import { Random } from "../lib/random.ts";

// Pure JS: no tensors, so no backend is started.

Deno.test("Random: the same seed gives the same stream, a different seed another", () => {
  const a = new Random(42);
  const b = new Random(42);
  const c = new Random(43);
  const drawsA = Array.from({ length: 20 }, () => a.uniform());
  const drawsB = Array.from({ length: 20 }, () => b.uniform());
  const drawsC = Array.from({ length: 20 }, () => c.uniform());
  assert.deepEqual(drawsA, drawsB);
  assert.notDeepEqual(drawsA, drawsC);
  assert.deepEqual(new Random(7).permutation(30), new Random(7).permutation(30));
  assert.deepEqual(new Random(7).normalArray(9), new Random(7).normalArray(9));
});

Deno.test("Random: seeds beyond 2^32 and negative seeds give their own streams", () => {
  const first = (seed: number) => new Random(seed).nextUint32();
  assert.notEqual(first(1), first(1 + 2 ** 32));
  assert.notEqual(first(-1), first(1));
});

Deno.test("Random.uniform: in [low, high), mean 1/2 and variance 1/12 on [0, 1)", () => {
  const rng = new Random(1);
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1, `draw ${u} outside [0, 1)`);
    sum += u;
    sumSq += u * u;
  }
  const mean = sum / n;
  const variance = sumSq / n - mean * mean;
  // Standard error of the mean is sqrt(1/12 / n) = 9e-4: 5e-3 is over five standard errors.
  assert.ok(Math.abs(mean - 0.5) < 5e-3, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 3e-3, `variance ${variance}`);
  const scaled = new Random(2).uniform(-3, -1);
  assert.ok(scaled >= -3 && scaled < -1);
});

Deno.test("Random.normal: mean, variance, skew and kurtosis of N(0, 1); mean/std arguments", () => {
  const rng = new Random(3);
  const n = 100_000;
  const z = Array.from({ length: n }, () => rng.normal());
  const mean = z.reduce((s, v) => s + v, 0) / n;
  const moment = (k: number) => z.reduce((s, v) => s + (v - mean) ** k, 0) / n;
  const variance = moment(2);
  const skew = moment(3) / variance ** 1.5;
  const kurtosis = moment(4) / variance ** 2;
  // Standard errors at n = 1e5: mean 3e-3, variance 4.5e-3, skew 8e-3, kurtosis 1.5e-2.
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  assert.ok(Math.abs(skew) < 0.05, `skew ${skew}`);
  assert.ok(Math.abs(kurtosis - 3) < 0.1, `kurtosis ${kurtosis}`);
  const shifted = new Random(4).normalArray(20_000, 5, 0.1);
  const shiftedMean = shifted.reduce((s, v) => s + v, 0) / shifted.length;
  const shiftedStd = Math.sqrt(
    shifted.reduce((s, v) => s + (v - shiftedMean) ** 2, 0) / shifted.length,
  );
  assert.ok(Math.abs(shiftedMean - 5) < 0.01, `mean ${shiftedMean}`);
  assert.ok(Math.abs(shiftedStd - 0.1) < 0.005, `std ${shiftedStd}`);
});

Deno.test("Random.integer: covers 0..n-1 evenly", () => {
  const rng = new Random(5);
  const counts = new Array(7).fill(0);
  const n = 70_000;
  for (let i = 0; i < n; i++) counts[rng.integer(7)]++;
  // Each count is Binomial(70000, 1/7): mean 10000, std 93; 500 is over five stds.
  for (const count of counts) assert.ok(Math.abs(count - 10_000) < 500, `counts ${counts}`);
});

Deno.test("Random.permutation and choice: every index once, distinct draws", () => {
  const order = new Random(6).permutation(1000);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual([...order], Array.from({ length: 1000 }, (_, i) => i));
  const picked = new Random(7).choice(1_000_000, 500);
  assert.equal(new Set(picked).size, 500);
  assert.ok(picked.every((i) => i >= 0 && i < 1_000_000));
  assert.deepEqual([...new Random(8).choice(5, 5)].sort(), [0, 1, 2, 3, 4]);
  // First position of a shuffled 3-list is uniform over its items.
  const firsts = { a: 0, b: 0, c: 0 };
  const rng = new Random(9);
  for (let i = 0; i < 3000; i++) {
    firsts[rng.shuffle(["a", "b", "c"] as const as ("a" | "b" | "c")[])[0]]++;
  }
  for (const count of Object.values(firsts)) assert.ok(Math.abs(count - 1000) < 130, `${count}`);
});

Deno.test("Random: bad arguments name the argument and the accepted values", () => {
  assert.throws(() => new Random(1.5), /seed: got 1.5; expected an integer/);
  assert.throws(() => new Random(0).integer(0), /n: got 0; expected an integer in \[1/);
  assert.throws(() => new Random(0).choice(3, 4), /k: got 4; expected an integer in \[0, 3\]/);
});
