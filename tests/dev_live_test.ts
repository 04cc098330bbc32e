/**
 * Live curves in `deno task dev`: a study asked for live events prints them (and only
 * then), the re-runner takes them out of the study's output, the server sends them to the
 * streams opened for that page only and replays them to a page opened mid-run, and the
 * page's injected panel draws them in a real browser, in the legend's colours, until the
 * re-run ends or the finished page replaces it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { EVENTS_PATH } from "../lib/cli/dev/inject.ts";
import { LIVE_PANEL_ID } from "../lib/cli/dev/live_panel.ts";
import { rerunStudy } from "../lib/cli/dev/rerun.ts";
import { startDevServer } from "../lib/cli/dev/server.ts";
import { changeEvents } from "../lib/cli/dev/sse_client.ts";
import { copyWorkspace } from "../lib/cli/dev/workspace.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { SERIES_COLORS } from "../lib/plot/figure.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { writeFigurePage } from "../lib/plot/page.ts";
import type { LiveEvent } from "../lib/runs/live_events.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { fakeRecord } from "./fake_record.ts";
import { type BrowserTab, browserTest, launchBrowser } from "./chromium.ts";
import { repoScratchDir, toFileUrl } from "./paths.ts";

/** A trainer that reports 2 epochs of 4 iterations through its progress display. */
const TRAINER = `
export const trainRun = async (config, context) => {
  const plan = { name: context.name, numEpochs: 2, iterationsPerEpoch: 4, printEvery: 2 };
  const progress = context.progress?.(plan);
  const lossHistory = [];
  progress?.epoch({ epoch: 0, trainAcc: 0.1, valAcc: 0.1, learningRate: 1e-3 });
  for (let t = 1; t <= 8; t++) {
    const loss = config.start / t;
    lossHistory.push(loss);
    progress?.iteration(t, loss);
    if (t % 4 === 0) {
      progress?.epoch({ epoch: t / 4, trainAcc: 0.2 * t / 4, valAcc: 0.15 * t / 4, learningRate: 1e-3 });
    }
  }
  progress?.finish();
  return {
    status: "finished",
    history: { lossHistory, trainAccHistory: [0.1, 0.2, 0.4], valAccHistory: [0.1, 0.15, 0.3] },
    metrics: { finalLoss: lossHistory.at(-1) },
    timings: { perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 }, iterations: 8 },
  };
};
`;

/** A study script in miniature: two runs of the trainer above through the runner. */
function studyScript(dir: string, jobs: number): string {
  const lib = (path: string) => toFileUrl(join(REPO_ROOT, "lib", path));
  return `
import { initBackend } from "${lib("backend/init.ts")}";
import { executeRuns } from "${lib("runs/runner.ts")}";
import { RunStore } from "${lib("runs/store.ts")}";
const backend = await initBackend({ backend: "cpu" });
const trainer = "${toFileUrl(join(dir, "trainer.ts"))}";
await executeRuns([
  { name: "slow", config: { start: 2 }, trainer },
  { name: "fast", config: { start: 1 }, trainer },
], { study: "mini", backend, store: new RunStore("${
    join(dir, "runs")
  }"), jobs: ${jobs}, fresh: true });
console.log("mini: done");
`;
}

Deno.test("a study re-run by dev reports its runs live, in workers and in process; its output shows none of it", async () => {
  const dir = await repoScratchDir("dev_live_");
  try {
    await Deno.writeTextFile(join(dir, "trainer.ts"), TRAINER);
    for (const jobs of [1, 2]) {
      const script = join(dir, `study_${jobs}.ts`);
      await Deno.writeTextFile(script, studyScript(dir, jobs));
      const events: LiveEvent[] = [];
      const printed: string[] = [];
      const result = await rerunStudy(script, [], {
        cwd: REPO_ROOT,
        print: (line) => printed.push(line),
        onLive: (event) => events.push(event),
      });
      assert.ok(result.ok, result.output);
      assert.ok(printed.some((line) => line.endsWith("mini: done")), printed.join("\n"));
      assert.ok(!printed.some((line) => /nn-live|"type":/.test(line)), printed.join("\n"));

      assert.deepEqual(events[0], {
        type: "sweep",
        study: "mini",
        runs: ["slow", "fast"],
        cached: 0,
      });
      for (const run of ["slow", "fast"]) {
        const own = events.filter((event) => "run" in event && event.run === run);
        const kinds = own.map((event) =>
          event.type === "epoch" ? `epoch ${event.epoch}` : event.type
        );
        // One progress event per print interval (iterations 1, 2, 4, 6, 8), epochs 0..2.
        assert.deepEqual(kinds, [
          "start",
          "epoch 0",
          "progress",
          "progress",
          "progress",
          "epoch 1",
          "progress",
          "progress",
          "epoch 2",
          "end",
        ], `jobs ${jobs}, run ${run}`);
        const progress = own.filter((event) => event.type === "progress");
        const start = run === "slow" ? 2 : 1;
        assert.deepEqual(
          progress.map((event) => [event.iteration, event.loss, event.epoch, event.epochs]),
          [[1, start, 0, 2], [2, start / 2, 0, 2], [4, start / 4, 0, 2], [6, start / 6, 1, 2], [
            8,
            start / 8,
            1,
            2,
          ]],
        );
        assert.deepEqual(own.at(-1), { type: "end", run, status: "finished" });
      }
    }

    // Without a listener nobody asks: the study prints no event line at all.
    const printed: string[] = [];
    await rerunStudy(join(dir, "study_1.ts"), [], {
      cwd: REPO_ROOT,
      print: (line) => printed.push(line),
    });
    assert.ok(printed.some((line) => line.endsWith("mini: done")));
    assert.ok(!printed.some((line) => line.includes("nn-live")), printed.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const sweep: LiveEvent = { type: "sweep", study: "adam", runs: ["sgd", "adam"], cached: 2 };
const progressOf = (run: string, iteration: number, loss: number): LiveEvent => ({
  type: "progress",
  run,
  iteration,
  iterations: 40,
  loss,
  epoch: Math.floor((iteration - 1) / 20),
  epochs: 2,
});

Deno.test("dev server: live events go to the page's own streams, are replayed to a late opener, and end", async () => {
  const plotsDir = await Deno.makeTempDir({ prefix: "nnlab-live-plots-" });
  const server = await startDevServer({ plotsDir, port: 0 });
  const open = async (page: string) =>
    changeEvents(
      (await fetch(`${server.url}${EVENTS_PATH.slice(1)}?page=${encodeURIComponent(page)}`)).body!,
    );
  try {
    const adam = await open("adam.html");
    const other = await open("batchnorm.html");
    server.live("adam.html", sweep);
    server.live("adam.html", progressOf("sgd", 1, 2.3));
    server.notify(["index.html"]); // a change event, so the readers have read what came before
    await adam.next("index.html", 5_000);
    await other.next("index.html", 5_000);
    assert.deepEqual(adam.live, [sweep, progressOf("sgd", 1, 2.3)]);
    assert.deepEqual(other.live, [], "another page's stream gets none of them");

    const late = await open("adam.html");
    server.live("adam.html", progressOf("sgd", 11, 1.9));
    server.endLive("adam.html");
    server.notify(["index.html"]);
    await late.next("index.html", 5_000);
    await adam.next("index.html", 5_000);
    assert.deepEqual(late.live, [sweep, progressOf("sgd", 1, 2.3), progressOf("sgd", 11, 1.9)]);
    assert.equal(late.liveEnds, 1);
    assert.equal(adam.liveEnds, 1);

    // Over: a page opened now is sent nothing of that re-run; nor after a page rewrite.
    const after = await open("adam.html");
    server.live("adam.html", sweep);
    server.notify(["adam.html"]);
    const fresh = await open("adam.html");
    server.notify(["index.html"]);
    await after.next("index.html", 5_000);
    await fresh.next("index.html", 5_000);
    assert.deepEqual(after.live, [sweep]);
    assert.deepEqual(fresh.live, [], "the rewritten page is the finished one");
    for (const events of [adam, other, late, after, fresh]) await events.close();
  } finally {
    await server.shutdown();
    await Deno.remove(plotsDir, { recursive: true });
  }
});

/** A finished record of `name` for a page's figure. */
function record(name: string): RunRecord {
  const lossHistory = Array.from({ length: 40 }, (_, i) => 2.3 * Math.exp(-i / 30));
  return fakeRecord(name, {
    study: "adam",
    config: { updateRule: name },
    history: { lossHistory, trainAccHistory: [0.1, 0.4, 0.6], valAccHistory: [0.1, 0.35, 0.5] },
    metrics: { bestValAcc: 0.5 },
    timings: {
      totalMs: 1000,
      perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 1 },
      iterations: 40,
    },
  });
}

async function writePage(path: string, names: string[]) {
  const runs = names.map((name) => ({ record: record(name), cached: true }));
  await writeFigurePage({
    out: path,
    title: "Update rules",
    description: "Which update rule trains fastest?",
    dataLine: "synthetic",
    figures: [learningCurves(runs.map((run) => run.record), { legendLabel: "update rule" })],
    runs,
    provenance: {
      scriptPath: "experiments/adam.ts",
      scriptSource: "// the study\n",
      config: {},
      backend: { backend: "cpu" },
      versions: {},
      date: "2025-03-01T14:05:09.000Z",
      gitCommit: null,
      dirty: false,
    },
  });
}

/** What the live panel shows: its run lines, and each curve's colour and point count. */
function panelState(tab: BrowserTab) {
  return tab.evaluate<
    { runs: string[]; curves: { stroke: string; points: number; dashed: boolean }[] } | null
  >(`(() => {
    const panel = document.getElementById(${JSON.stringify(LIVE_PANEL_ID)});
    if (!panel) return null;
    return {
      runs: [...panel.querySelectorAll("li")].map((li) => li.textContent),
      curves: [...panel.querySelectorAll("polyline")].map((line) => ({
        stroke: line.getAttribute("stroke"),
        points: line.getAttribute("points").trim().split(" ").length,
        dashed: line.hasAttribute("stroke-dasharray"),
      })),
    };
  })()`);
}

/** Polls `probe` until `accept` takes its value; fails after `timeoutMs`. */
async function until<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

browserTest(
  "the live panel draws a re-run's events in the legend's colours, light and dark, and goes at the end",
  async () => {
    const plotsDir = await Deno.makeTempDir({ prefix: "nnlab-live-page-" });
    const server = await startDevServer({ plotsDir, port: 0 });
    await using browser = await launchBrowser();
    try {
      // The page's legend has adam (first colour) but not sgd, a run new to this study.
      await writePage(join(plotsDir, "adam.html"), ["adam"]);
      for (const colorScheme of ["light", "dark"] as const) {
        const tab = await browser.open(`${server.url}adam.html`, { colorScheme });
        assert.equal(await panelState(tab), null, "no panel before a re-run");
        server.live("adam.html", sweep);
        server.live("adam.html", { type: "start", run: "sgd" });
        server.live("adam.html", {
          type: "epoch",
          run: "sgd",
          epoch: 0,
          trainAcc: 0.1,
          valAcc: 0.1,
        });
        for (const [iteration, loss] of [[1, 2.3], [11, 2.0], [21, 1.6], [31, 1.2]]) {
          server.live("adam.html", progressOf("sgd", iteration, loss));
        }
        server.live("adam.html", {
          type: "epoch",
          run: "sgd",
          epoch: 1,
          trainAcc: 0.4,
          valAcc: 0.3,
        });
        const state = await until(() => panelState(tab), (s) => s?.curves.length === 3);
        assert.deepEqual(state!.runs, [
          "sgd: epoch 2/2, iteration 31/40 · loss 1.2, val acc 30%",
          "adam: queued",
        ]);
        // sgd is not on the page's legend: the first colour the legend leaves free.
        assert.deepEqual(state!.curves, [
          { stroke: SERIES_COLORS[1], points: 4, dashed: false },
          { stroke: SERIES_COLORS[1], points: 2, dashed: true },
          { stroke: SERIES_COLORS[1], points: 2, dashed: false },
        ]);
        const shots = Deno.env.get("NNLAB_SCREENSHOTS"); // a folder, to look at the panel
        if (shots) await tab.screenshot({ keepPng: join(shots, `live-${colorScheme}.png`) });

        // adam starts: it takes its legend colour.
        server.live("adam.html", { type: "end", run: "sgd", status: "finished" });
        server.live("adam.html", { type: "start", run: "adam" });
        server.live("adam.html", progressOf("adam", 1, 2.2));
        const both = await until(
          () => panelState(tab),
          (s) => s?.runs[1].startsWith("adam: epoch") ?? false,
        );
        assert.deepEqual(both!.runs, [
          "sgd: finished · loss 1.2, val acc 30%",
          "adam: epoch 1/2, iteration 1/40 · loss 2.2",
        ]);
        assert.equal(both!.curves.length, 4, "adam's loss curve: one point so far");
        assert.equal(both!.curves[1].stroke, "rgb(0, 114, 178)", "adam keeps its legend colour");

        server.endLive("adam.html");
        await until(() => panelState(tab), (s) => s === null);
      }

      // A page rewritten mid-run (the study finished) reloads without the panel.
      const tab = await browser.open(`${server.url}adam.html`);
      server.live("adam.html", sweep);
      server.live("adam.html", progressOf("sgd", 1, 2.3));
      await until(() => panelState(tab), (s) => s !== null);
      const reloaded = browser.waitFor("Page.loadEventFired", tab.sessionId);
      await writePage(join(plotsDir, "adam.html"), ["adam", "sgd"]);
      await reloaded;
      assert.equal(await panelState(tab), null);
      assert.equal(await tab.evaluate("document.querySelectorAll('.nnlab-key').length"), 2);
    } finally {
      await server.shutdown();
      await Deno.remove(plotsDir, { recursive: true });
    }
  },
);

browserTest(
  "deno task dev end to end: a study's open page shows its runs training, then the finished figure",
  async () => {
    const work = await Deno.makeTempDir({ prefix: "nnlab-live-ws-" });
    await copyWorkspace(work, { nodeModules: "symlink" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "lib/cli/dev/main.ts", "--port", "0", "--quick", "--jobs", "2"],
      cwd: work,
      env: { NNLAB_RUNS_DIR: join(work, "runs"), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let log = "";
    const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) log += chunk;
    }));
    const logged = (pattern: RegExp) =>
      until(() => Promise.resolve(pattern.exec(log)), (match) => match !== null, 120_000);
    await using browser = await launchBrowser();
    try {
      const url = (await logged(/serving plots\/ on (http:\/\/127\.0\.0\.1:\d+\/)/))![1];
      await logged(/watching experiments\/ and lib\//);
      const script = join(work, "experiments", "adam.ts");
      await Deno.writeTextFile(script, `${await Deno.readTextFile(script)}// saved\n`);
      await logged(/re-running experiments\/adam\.ts/);

      // Opened while the study runs: the page is not built yet, so the server's stand-in
      // shows; the panel draws what the study has reported so far, then what follows.
      const tab = await browser.open(`${url}adam.quick.html`);
      const reloaded = browser.waitFor("Page.loadEventFired", tab.sessionId);
      const training = await until(
        () => panelState(tab),
        (s) => s?.runs.some((line) => /^\w+: epoch \d\/2, iteration \d+\/\d+/.test(line)) ?? false,
        120_000,
      );
      const shots = Deno.env.get("NNLAB_SCREENSHOTS");
      if (shots) await tab.screenshot({ keepPng: join(shots, "live-study.png") });
      assert.deepEqual(training!.runs.map((line) => line.split(":")[0]), [
        "sgd",
        "sgd_momentum",
        "rmsprop",
        "adam",
      ]);
      assert.ok(training!.curves.some((curve) => !curve.dashed), "a loss or accuracy curve");

      // The study ends: the page reloads as the finished figure, without the panel.
      await reloaded;
      await logged(/experiments\/adam\.ts: done in/);
      assert.equal(await panelState(tab), null);
      assert.equal(await tab.evaluate("document.querySelectorAll('.nnlab-key').length"), 4);
      assert.match(log, /adam: 0 of 4 runs cached, 4 to train/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reading;
      await Deno.remove(work, { recursive: true });
    }
  },
);
