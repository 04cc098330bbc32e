/**
 * `deno task dev`: the dependency finder on a fixture module graph and on the real
 * studies, the burst coalescer, the injected hooks, the server on loopback, and the
 * whole loop in a temporary copy of the workspace: edit a learning rate, see the served
 * page change with only the touched run retrained; break the script, see the error on the
 * page while the server keeps serving.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { coalesce } from "../lib/cli/dev/coalesce.ts";
import { affectedStudies, studyGraph } from "../lib/cli/dev/dependents.ts";
import {
  ERROR_OVERLAY_ID,
  EVENTS_PATH,
  injectDevHooks,
  RELOAD_SCRIPT_ID,
} from "../lib/cli/dev/inject.ts";
import { parseDevFlags } from "../lib/cli/dev/main.ts";
import { startDevServer } from "../lib/cli/dev/server.ts";
import { changeEvents } from "../lib/cli/dev/sse_client.ts";
import { copyWorkspace } from "../lib/cli/dev/workspace.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { readPageData } from "../lib/plot/page.ts";
import { writeFileAtomic } from "../lib/files.ts";

Deno.test("affectedStudies: a lib file re-runs its importers only; a new script runs itself", () => {
  const graphs = new Map([
    ["/w/experiments/adam.ts", ["/w/experiments/adam.ts", "/w/lib/frame.ts", "/w/lib/optim.ts"]],
    ["/w/experiments/weight_scale.ts", [
      "/w/experiments/weight_scale.ts",
      "/w/lib/optim.ts",
      "/w/lib/plot/sweep.ts",
    ]],
  ]);
  const isStudyScript = (path: string) => path.startsWith("/w/experiments/");
  assert.deepEqual(affectedStudies(graphs, ["/w/lib/plot/sweep.ts"]), [
    "/w/experiments/weight_scale.ts",
  ]);
  assert.deepEqual(affectedStudies(graphs, ["/w/lib/optim.ts"]), [
    "/w/experiments/adam.ts",
    "/w/experiments/weight_scale.ts",
  ]);
  assert.deepEqual(affectedStudies(graphs, ["/w/experiments/adam.ts"], isStudyScript), [
    "/w/experiments/adam.ts",
  ]);
  assert.deepEqual(affectedStudies(graphs, ["/w/lib/unreached.ts", "/w/README.md"]), []);
  assert.deepEqual(
    affectedStudies(graphs, ["/w/experiments/fresh.ts"], isStudyScript),
    ["/w/experiments/fresh.ts"],
  );
});

Deno.test("studyGraph on the real studies: the sweep figure builder belongs to weight_scale only", async () => {
  const adam = await studyGraph(join(REPO_ROOT, "experiments/adam.ts"), REPO_ROOT);
  const sweep = await studyGraph(join(REPO_ROOT, "experiments/weight_scale.ts"), REPO_ROOT);
  const at = (path: string) => join(REPO_ROOT, path);
  assert.ok(
    adam.includes(at("lib/train/classifier.ts")),
    "adam trains with the classifier trainer",
  );
  assert.ok(adam.includes(at("lib/train/optim.ts")));
  assert.ok(adam.includes(at("lib/models/fc_net.ts")), "the model table's modules count for dev");
  assert.ok(!adam.includes(at("lib/plot/sweep.ts")));
  assert.ok(sweep.includes(at("lib/plot/sweep.ts")));
  assert.ok(adam.every((file) => !file.includes("node_modules")));
});

Deno.test("coalesce: a burst is one batch; changes during a run form the next; errors do not stop it", async () => {
  const batches: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const errors: unknown[] = [];
  const changes = coalesce<string>({
    quietMs: 20,
    handle: async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await gate;
      if (batches.length === 2) throw new Error("a failing batch");
    },
    onError: (error) => errors.push(error),
  });
  for (const path of ["a.ts", "b.ts", "a.ts", "a.ts", "c.ts"]) changes.add([path]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(batches, [["a.ts", "b.ts", "c.ts"]], "five saves, one batch of three files");
  changes.add(["d.ts"]); // arrives while the first batch is still running
  changes.add(["e.ts"]);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(batches.length, 1, "no overlapping run");
  release();
  await changes.idle();
  changes.add(["f.ts"]);
  await changes.idle();
  assert.deepEqual(batches, [["a.ts", "b.ts", "c.ts"], ["d.ts", "e.ts"], ["f.ts"]]);
  assert.equal(errors.length, 1);
});

Deno.test("injectDevHooks: reload script before </body>, escaped error overlay after <body>", () => {
  const page = "<!doctype html><html><body class=x><p>figure</p></body></html>";
  const served = injectDevHooks(page, [{ study: "adam", message: "error: <boom> & more" }]);
  assert.match(served, new RegExp(`<body class=x><div id="${ERROR_OVERLAY_ID}"`));
  assert.match(served, /&lt;boom&gt; &amp; more/);
  assert.ok(!served.includes("<boom>"), "the message is escaped");
  assert.match(served, new RegExp(`<script id="${RELOAD_SCRIPT_ID}">[\\s\\S]*</script></body>`));
  assert.ok(served.includes(EVENTS_PATH));
  assert.equal(injectDevHooks(page, []).includes(ERROR_OVERLAY_ID), false);
});

Deno.test("parseDevFlags: own flags, study flags passed on, bad values named", () => {
  const options = parseDevFlags(["--port", "0", "--quick", "--jobs=1", "--debounce", "50"]);
  assert.equal(options.port, 0);
  assert.equal(options.debounceMs, 50);
  assert.deepEqual(options.studyArgs, ["--quick", "--jobs=1"]);
  assert.throws(() => parseDevFlags(["--port", "http"]), /--port: got "http"; expected an integer/);
  assert.throws(() => parseDevFlags(["--epochs", "3"]), /--epochs: unknown flag/);
  assert.throws(() => parseDevFlags(["--out", "x.html"]), /--out: got "x.html"/);
});

Deno.test("dev server: loopback only, injected hooks, events on a rewrite, nothing outside plots/", async () => {
  const plotsDir = await Deno.makeTempDir({ prefix: "nnlab-dev-plots-" });
  const page = join(plotsDir, "demo.html");
  await Deno.writeTextFile(page, "<html><body><p>version 1</p></body></html>");
  let failing = false;
  const server = await startDevServer({
    plotsDir,
    port: 0,
    errorsFor: (file) =>
      failing && file === "demo.html" ? [{ study: "demo", message: "it broke" }] : [],
  });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const served = await (await fetch(`${server.url}demo.html`)).text();
    assert.match(served, /version 1/);
    assert.ok(served.includes(RELOAD_SCRIPT_ID), "served page has the reload hook");
    assert.ok(!(await Deno.readTextFile(page)).includes(RELOAD_SCRIPT_ID), "disk file has not");

    const stream = await fetch(`${server.url}${EVENTS_PATH.slice(1)}`);
    assert.equal(stream.headers.get("content-type"), "text/event-stream");
    const events = changeEvents(stream.body!);
    await writeFileAtomic(page, "<html><body><p>version 2</p></body></html>");
    assert.deepEqual(await events.next("demo.html", 5_000), ["demo.html"]);
    assert.match(await (await fetch(`${server.url}demo.html`)).text(), /version 2/);

    failing = true;
    server.notify(["demo.html"]);
    await events.next("demo.html", 5_000);
    assert.match(await (await fetch(`${server.url}demo.html`)).text(), /it broke/);
    await events.close();

    const missing = await fetch(`${server.url}nothing.html`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const outside = await fetch(`${server.url}..%2F..%2Fetc%2Fpasswd`);
    assert.ok(outside.status === 403 || outside.status === 404, `status ${outside.status}`);
    await outside.body?.cancel();
  } finally {
    await server.shutdown();
    await Deno.remove(plotsDir, { recursive: true });
  }
});

Deno.test("deno task dev in a workspace copy: an edit re-runs only its study and the open page updates", async () => {
  const work = await Deno.makeTempDir({ prefix: "nnlab-dev-ws-" });
  await copyWorkspace(work, { nodeModules: "symlink" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "lib/cli/dev/main.ts",
      "--port",
      "0",
      "--debounce",
      "200",
      "--quick",
      "--jobs",
      "1",
    ],
    cwd: work,
    env: { NNLAB_RUNS_DIR: join(work, "runs"), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) log += chunk;
  }));
  const waitForLog = async (pattern: RegExp, timeoutMs: number) => {
    for (const deadline = Date.now() + timeoutMs; !pattern.test(log);) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pattern.exec(log)!;
  };
  const script = join(work, "experiments", "adam.ts");
  const source = await Deno.readTextFile(script);
  assert.match(source, /sgd: 5e-3,/, "the study sets SGD's learning rate as the test expects");
  try {
    const url = (await waitForLog(/serving plots\/ on (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1];
    const studies = [...Deno.readDirSync(join(work, "experiments"))]
      .filter((entry) => entry.name.endsWith(".ts")).length;
    await waitForLog(
      new RegExp(`watching experiments/ and lib/ \\(${studies} experiments\\)`),
      10_000,
    );
    // Opened for the page, as its reload hook does: its live events come too.
    const events = changeEvents(
      (await fetch(`${url}${EVENTS_PATH.slice(1)}?page=adam.quick.html`)).body!,
    );
    const learningRateOf = async (run: string) => {
      const html = await (await fetch(`${url}adam.quick.html`)).text();
      assert.ok(html.includes(RELOAD_SCRIPT_ID), "the served page carries the reload hook");
      const data = readPageData(html)!;
      return {
        html,
        rate: (data.runs.find((r) =>
          r.record.name === run
        )!.record.config.optimConfig as { learningRate: number }).learningRate,
      };
    };

    // A burst of three saves: one re-run, of adam only.
    for (const rate of ["6e-3", "7e-3", "8e-3"]) {
      await Deno.writeTextFile(script, source.replace("sgd: 5e-3,", `sgd: ${rate},`));
    }
    await events.next("adam.quick.html", 120_000);
    await waitForLog(/experiments\/adam\.ts: done in/, 30_000);
    // While it ran, the page was sent its runs' progress: every run started, reported its
    // loss and accuracies, and finished, before the rewritten page's change event.
    const runs = ["sgd", "sgd_momentum", "rmsprop", "adam"];
    assert.deepEqual(events.live[0], { type: "sweep", study: "adam", runs, cached: 0 });
    for (const run of runs) {
      const kinds = new Set(events.live.flatMap((e) =>
        "run" in e && e.run === run ? [e.type] : []
      ));
      assert.deepEqual([...kinds].sort(), ["end", "epoch", "progress", "start"], run);
    }
    assert.ok(!log.includes("nn-live"), "the terminal shows no event line");
    const first = await learningRateOf("sgd");
    assert.equal(first.rate, 8e-3);
    assert.equal(log.match(/^re-running experiments\//gm)?.length, 1, log);
    assert.match(
      log,
      new RegExp(
        `changed experiments/adam\\.ts: re-running experiments/adam\\.ts \\(1 of ${studies}`,
      ),
    );
    const onDisk = await Deno.readTextFile(join(work, "plots", "adam.quick.html"));
    assert.ok(!onDisk.includes(RELOAD_SCRIPT_ID), "the file on disk stays script-free");

    // A failing edit: the error shows on the page and in the terminal; the server goes on.
    await Deno.writeTextFile(script, `throw new Error("deliberately broken");\n${source}`);
    await waitForLog(/adam\.ts: FAILED/, 60_000);
    await events.next("adam.quick.html", 10_000);
    const broken = await (await fetch(`${url}adam.quick.html`)).text();
    assert.ok(broken.includes(ERROR_OVERLAY_ID));
    assert.match(broken, /deliberately broken/);
    assert.match(log, /adam\.ts: FAILED/);
    assert.match(log, /\[adam\] .*deliberately broken/);

    // The fix: only the edited run retrains, and the overlay is gone.
    await Deno.writeTextFile(script, source.replace("sgd: 5e-3,", "sgd: 9e-3,"));
    await events.next("adam.quick.html", 120_000);
    await waitForLog(/adam: 3 of 4 runs cached, 1 to train/, 60_000);
    await waitForLog(/adam\.ts: done in[\s\S]*adam\.ts: done in/, 60_000);
    const fixed = await learningRateOf("sgd");
    assert.equal(fixed.rate, 9e-3);
    assert.ok(!fixed.html.includes(ERROR_OVERLAY_ID), "the overlay is gone");
    await events.close();
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reading;
    await Deno.remove(work, { recursive: true });
  }
});
