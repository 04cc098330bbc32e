/**
 * Figures in a real notebook kernel: Jupyter's own client (Debian's python3-jupyter-client)
 * starts `deno jupyter --kernel` from a kernelspec in a temporary JUPYTER_PATH, runs a cell
 * that builds a figure and one that shows a study's page, and each cell's result must be
 * the HTML bundle of what it shows. Without
 * Python's jupyter_client the test is ignored, saying how to enable it; CI installs it and
 * sets NNLAB_REQUIRE_JUPYTER=1 so a missing client fails instead.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import { FIGURE_SCRIPT } from "../lib/plot/figure_script.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import { writeFigurePage } from "../lib/plot/page.ts";
import { FIGURE_STYLE, PAGE_SECTIONS_STYLE } from "../lib/plot/style.ts";

/** The first Python that imports jupyter_client, or null. */
function findPython(): string | null {
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const { success } = new Deno.Command(python, {
        args: ["-c", "import jupyter_client"],
        stdout: "null",
        stderr: "null",
      }).outputSync();
      if (success) return python;
    } catch { /* not installed */ }
  }
  return null;
}

const PYTHON = findPython();
const required = Deno.env.get("NNLAB_REQUIRE_JUPYTER") === "1";
if (PYTHON === null && !required) {
  console.warn(
    "notebook kernel test ignored: no Python with jupyter_client; to run it, install " +
      "Debian's python3-jupyter-client (or `pip install jupyter_client`)",
  );
}

/** Runs each cell in a fresh kernel of its own and prints their outputs as JSON, a list per cell. */
const DRIVER = `
import json, queue, sys
from jupyter_client.manager import start_new_kernel
cells = []
for cell in sys.argv[2:]:
    manager, client = start_new_kernel(kernel_name="nnlab-deno", cwd=sys.argv[1], startup_timeout=120)
    try:
        request = client.execute(cell)
        outputs = []
        idle = False
        while True:
            # Deno's kernel may publish "idle" before the result of a top-level await, so
            # after idle keep reading until the channel stays quiet for a while.
            try:
                message = client.get_iopub_msg(timeout=3 if idle else 180)
            except queue.Empty:
                break
            if message["parent_header"].get("msg_id") != request:
                continue
            kind = message["msg_type"]
            if kind in ("execute_result", "display_data", "error"):
                outputs.append({"type": kind, "content": message["content"]})
            if kind == "status" and message["content"]["execution_state"] == "idle":
                idle = True
        cells.append(outputs)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
print(json.dumps(cells))
`;

const CELL = `
import { learningCurves } from "./lib/plot/learning_curves.ts";
const history = { lossHistory: [2.3, 2.0, 1.7, 1.5], trainAccHistory: [0.1, 0.4, 0.6], valAccHistory: [0.1, 0.3, 0.5] };
learningCurves([{ name: "sgd", history }, { name: "adam", history }], { title: "In a notebook" })
`;

/** A study's page, shown by `studyPage` from where the study wrote it. */
const PAGE_CELL = (page: string) => `
import { studyPage } from "./lib/mod.ts";
await studyPage("mini", { out: ${JSON.stringify(page)} })
`;

Deno.test({
  name:
    "deno jupyter shows a figure and a study's page inline: each cell's result is its HTML bundle",
  ignore: PYTHON === null && !required,
  fn: async () => {
    if (PYTHON === null) {
      throw new Error("NNLAB_REQUIRE_JUPYTER=1 but no Python imports jupyter_client");
    }
    const jupyter = await Deno.makeTempDir({ prefix: "nnlab-jupyter-" });
    try {
      // The kernelspec `deno jupyter --install` writes, into a folder of our own.
      const page = join(jupyter, "mini.html");
      const history = {
        lossHistory: [2.3, 1.9],
        trainAccHistory: [0.1, 0.5],
        valAccHistory: [0.1, 0.4],
      };
      await writeFigurePage({
        out: page,
        title: "A study in a notebook",
        description: "Shown inline.",
        dataLine: "synthetic",
        figures: [learningCurves([{ name: "sgd", history }])],
        runs: [],
        provenance: {
          scriptPath: "experiments/mini.ts",
          scriptSource: "",
          config: {},
          backend: { backend: "cpu" },
          versions: {},
          date: "2025-03-01T14:05:09.000Z",
          gitCommit: null,
          dirty: false,
        },
      });
      const spec = join(jupyter, "kernels", "nnlab-deno");
      await Deno.mkdir(spec, { recursive: true });
      await Deno.writeTextFile(
        join(spec, "kernel.json"),
        JSON.stringify({
          argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
          display_name: "Deno (nnlab test)",
          language: "typescript",
        }),
      );
      const result = await new Deno.Command(PYTHON, {
        args: ["-c", DRIVER, REPO_ROOT, CELL, PAGE_CELL(page)],
        env: {
          JUPYTER_PATH: jupyter,
          JUPYTER_DATA_DIR: join(jupyter, "data"),
          JUPYTER_RUNTIME_DIR: join(jupyter, "runtime"),
          JUPYTER_CONFIG_DIR: join(jupyter, "config"),
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 0, stderr);
      const [outputs, pageOutputs] = JSON.parse(new TextDecoder().decode(result.stdout)) as {
        type: string;
        content: { data?: Record<string, string>; evalue?: string };
      }[][];
      assert.deepEqual(outputs.map((o) => o.type), ["execute_result"], JSON.stringify(outputs));
      const html = outputs[0].content.data!["text/html"];
      assert.ok(html.startsWith(`<style>${FIGURE_STYLE}</style>`), "the figure's styles");
      assert.ok(html.endsWith(`<script>${FIGURE_SCRIPT}</script>`), "the page's script");
      assert.match(html, /<h2>In a notebook<\/h2>/);
      assert.equal(html.match(/<div class="nnlab-panel"><svg /g)?.length, 3, "three panels, drawn");
      assert.equal(html.match(/class="nnlab-key"/g)?.length, 2, "a legend entry per run");

      assert.deepEqual(
        pageOutputs.map((o) => o.type),
        ["execute_result"],
        `${JSON.stringify(pageOutputs)}\n${stderr}`,
      );
      const shown = pageOutputs[0].content.data!["text/html"];
      assert.ok(shown.startsWith(`<style>${FIGURE_STYLE}${PAGE_SECTIONS_STYLE}</style>`));
      assert.match(shown, /<h1>A study in a notebook<\/h1>/);
      assert.match(shown, /<section class="nnlab-provenance">/);
      assert.ok(shown.endsWith(`<script>${FIGURE_SCRIPT}</script>`), "the page's script");
    } finally {
      await Deno.remove(jupyter, { recursive: true });
    }
  },
});
