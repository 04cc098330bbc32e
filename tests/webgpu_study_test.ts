/**
 * A whole study on webgpu, as a user runs it: `exp:dropout --quick --backend webgpu` (the
 * cheapest study, and its dropout masks are drawn on the device) trains every run on the
 * GPU adapter (lavapipe in CI), its page names the adapter, and the same seed gives the
 * same records twice. And `deno task gpu`, the check the README points
 * to, prints the adapter and trains on it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { quickStudy } from "./studies.ts";
import { webgpu, webgpuSuite } from "./webgpu_helpers.ts";

/** What a run computed: everything but times, dates, host and claim details. */
function results(record: RunRecord) {
  const { history, metrics, extra, status, config, key } = record;
  return { name: record.name, key, status, config, history, metrics, extra };
}

webgpuSuite("webgpu study", () => {
  Deno.test("exp:dropout --quick --backend webgpu trains on the adapter, names it on the page, and repeats exactly", async () => {
    const work = await Deno.makeTempDir({ prefix: "nnlab-webgpu-study-" });
    try {
      const first = await quickStudy(work, "dropout", "--backend", "webgpu");
      assert.match(first.stdout, /^backend: webgpu/m);
      const adapter = webgpu.info!.adapter;
      assert.equal(first.data.runs.length, 2, "without dropout and with keep 0.25");
      for (const { record } of first.data.runs) {
        assert.equal(record.status, "finished", record.name);
        assert.equal(record.environment.backend, "webgpu");
        assert.equal(record.environment.gpu?.description, adapter.description);
        assert.ok(record.history.lossHistory.every(Number.isFinite));
        // On webgpu only forward + backward + update together is timed.
        assert.ok(record.timings.perIteration.computeMs! > 0, record.name);
      }
      assert.ok(first.page.includes(`<dt>GPU adapter</dt><dd>${adapter.description}`));

      const again = await quickStudy(join(work, "again"), "dropout", "--backend", "webgpu");
      assert.deepEqual(
        again.data.runs.map(({ record }) => results(record)),
        first.data.runs.map(({ record }) => results(record)),
        "the same seed gives the same records",
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  });

  Deno.test("deno task gpu prints the adapter and trains on it as the cpu backend does", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(REPO_ROOT, "lib", "cli", "gpu.ts")],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
    const adapter = webgpu.info!.adapter;
    assert.ok(stdout.startsWith(`adapter: ${adapter.description}`), stdout);
    assert.match(stdout, adapter.software ? /auto passes it over/ : /auto trains on it/);
    assert.match(
      stdout,
      /^training: mnist_cnn, 3 SGD iterations of 4 images on webgpu: losses (\d\.\d{4} ?){3}, \d+ ms an iteration; the cpu backend gives the same losses/m,
    );
  });
});
