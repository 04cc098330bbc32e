/**
 * What the native backend reproduces.
 *
 * oneDNN documents run-to-run bitwise reproducibility "for a fixed environment" (same
 * hardware, library, environment variables), which includes the thread count, and no
 * more: its backward-weights and normalization kernels split their reductions across the
 * threads, so another thread count sums in another order. (oneDNN 2.x has no
 * `deterministic` attribute; 3.4 added one for kernels that use atomics.)
 *
 * Checked here, each thread count in subprocesses (one oneDNN thread pool per process):
 * 1. a gradient of three models at 1 thread twice, and at 2 threads twice: bitwise equal
 *    within each count. Across the counts they differ: batchnorm's statistics and the
 *    filter gradients are summed in another order, and where a relu's input lies within
 *    that round-off of 0 its gate flips, which moves a bias gradient by a whole dy
 *    (measured on mnist_resnet_bn: one channel of one bias off by 6e-4, 3e-3 of the
 *    vector's norm). So we assert closeness (losses to 1e-6, gradients to 2e-2 of their
 *    norm), and the thread count is part of what makes a run: a run store must not serve
 *    a 1-thread record for a 2-thread request;
 * 2. a whole study (exp:mnist-variations --quick, 8 runs), twice at 1 thread: the same
 *    records (histories and final metrics).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeSkip } from "./kernels_native_helpers.ts";
import { runStudy } from "./studies.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** Child: gradients of three models, native with argv[0] threads, as base64 float32. */
const childSource = `
import * as tf from "@tensorflow/tfjs";
const { loadNativeBackend } = await import("./lib/kernels/native/mod.ts");
const { loadModel } = await import("./lib/models/table.ts");
const info = await loadNativeBackend({ threads: Number(Deno.args[0]) });
const out = { threads: info.threads, models: {} };
for (const [id, shape, batch, options] of [
  ["mnist_resnet_bn", [28, 28, 1], 32, { seed: 1 }],
  ["mnist_cnn", [28, 28, 1], 32, { seed: 1 }],
  ["convnext", [16, 16, 3], 8, { seed: 1, inputShape: [16, 16, 3], stages: 2 }],
]) {
  const model = await loadModel(id, options);
  const X = tf.randomNormal([batch, ...shape], 0, 1, "float32", 2);
  const y = tf.randomUniform([batch], 0, 10, "int32", 3);
  const { loss: lossTensor, grads } = model.loss(X, y);
  const loss = (await lossTensor.data())[0];
  const values = Object.keys(grads).sort().flatMap((name) => Array.from(grads[name].dataSync()));
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  out.models[id] = { loss, grads: btoa(binary) };
}
console.log(JSON.stringify(out));
`;

type ChildOutput = { threads: number; models: Record<string, { loss: number; grads: string }> };

async function gradientsWith(threads: number): Promise<ChildOutput> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", childSource, String(threads)],
    cwd: repoRoot,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

function floats(base64: string): Float32Array {
  return new Float32Array(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer);
}

Deno.test({
  name: "native: same thread count, same bits; another thread count, close",
  ignore: nativeSkip !== undefined,
  async fn() {
    const [a1, b1, a2, b2] = await Promise.all([1, 1, 2, 2].map(gradientsWith));
    assert.deepEqual([a1.threads, a2.threads], [1, 2]);
    assert.deepEqual(b1, a1, "1 thread, run to run: bitwise equal");
    assert.deepEqual(b2, a2, "2 threads, run to run: bitwise equal");
    const bitwise: string[] = [];
    for (const [id, one] of Object.entries(a1.models)) {
      const two = a2.models[id];
      assert.ok(Math.abs(two.loss - one.loss) <= 1e-6 * Math.abs(one.loss), `${id}: losses`);
      const [g1, g2] = [floats(one.grads), floats(two.grads)];
      let [diff, norm1, norm2] = [0, 0, 0];
      for (let i = 0; i < g1.length; i++) {
        diff += (g1[i] - g2[i]) ** 2;
        norm1 += g1[i] ** 2;
        norm2 += g2[i] ** 2;
      }
      const error = Math.sqrt(diff) / (Math.sqrt(norm1) + Math.sqrt(norm2));
      assert.ok(error < 2e-2, `${id}: 1 vs 2 threads, gradients differ by ${error} of their norm`);
      if (one.grads === two.grads) bitwise.push(id);
    }
    if (Deno.env.get("NNLAB_VERBOSE")) {
      console.log(`bitwise equal across 1 and 2 threads: ${bitwise.join(", ") || "none"}`);
    }
  },
});

Deno.test({
  name: "native: a study run twice at the same thread count stores the same records",
  ignore: nativeSkip !== undefined,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "nnlab-native-determinism-" });
    try {
      const histories: Record<string, unknown>[] = [];
      for (const run of ["a", "b"]) {
        const dir = join(work, run);
        await Deno.mkdir(dir);
        const result = await runStudy(
          dir,
          "mnist_variations",
          "--quick",
          "--jobs",
          "1",
          "--backend",
          "native",
          "--threads",
          "1",
          "--out",
          join(dir, "page.html"),
        );
        assert.equal(result.code, 0, result.stderr);
        const records: Record<string, unknown> = {};
        for await (const entry of Deno.readDir(join(dir, "runs"))) {
          if (!entry.name.endsWith(".json")) continue;
          const record = JSON.parse(await Deno.readTextFile(join(dir, "runs", entry.name)));
          assert.equal(record.environment.backend, "native");
          records[record.key] = { history: record.history, metrics: record.metrics };
        }
        histories.push(records);
      }
      assert.ok(Object.keys(histories[0]).length >= 8, "every run of the study was stored");
      assert.deepEqual(histories[1], histories[0]);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
