import assert from "node:assert/strict";
import { ConvNeXtBlock } from "../lib/blocks/convnext_block.ts";
import { mnistCnn, mnistResnetBn } from "../lib/models/mnist_nets.ts";
import { MODEL_IDS } from "../lib/models/table.ts";
import { Sequential } from "../lib/models/sequential.ts";
import { formatShapeTrace, formatSummary, summarize, traceShapes } from "../lib/models/summary.ts";
import { GlobalAvgPool } from "../lib/layers/pool.ts";
import { Affine } from "../lib/layers/affine.ts";
import { MAX_INPUT, parseInput, summaryCommand } from "../lib/cli/summary.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("the shape tracer follows exp:cnn's net layer by layer", () => {
  const model = mnistCnn();
  const trace = traceShapes(model, [1, 28, 28, 1]);
  assert.deepEqual(trace.map((s) => [s.name, s.outputShape]), [
    ["conv1", [1, 26, 26, 32]],
    ["relu1", [1, 26, 26, 32]],
    ["pool1", [1, 13, 13, 32]],
    ["conv2", [1, 11, 11, 64]],
    ["relu2", [1, 11, 11, 64]],
    ["pool2", [1, 5, 5, 64]],
    ["flatten", [1, 1600]],
    ["fc", [1, 10]],
  ]);
  const text = formatShapeTrace(trace, [1, 28, 28, 1]);
  assert.match(text, /^input\s+\[1, 28, 28, 1\]$/m);
  assert.match(text, /^conv1 \(Conv2d\)\s+-> \[1, 26, 26, 32\]$/m);
  assert.match(text, /^fc \(Affine\)\s+-> \[1, 10\]$/m);
  // A batch of 5 shows in every shape.
  assert.deepEqual(traceShapes(model, [5, 28, 28, 1]).at(-1)?.outputShape, [5, 10]);
  model.dispose();
});

Deno.test("summary rows: shapes and parameter counts per layer, blocks indented", () => {
  const model = mnistResnetBn();
  const summary = summarize(model, [1, 28, 28, 1], { title: "mnist_resnet_bn" });
  const row = (path: string) => summary.rows.find((r) => r.path === path);
  assert.deepEqual(row("conv1"), {
    path: "conv1",
    type: "Conv2d",
    depth: 1,
    outputShape: [1, 28, 28, 8],
    params: 3 * 3 * 1 * 8 + 8,
  });
  assert.equal(row("block2_1")?.params, null);
  assert.equal(row("block2_1")?.type, "PreActResidualBlock");
  assert.deepEqual(row("block2_1.bn"), {
    path: "block2_1.bn",
    type: "SpatialBatchNorm",
    depth: 2,
    outputShape: [1, 14, 14, 16],
    params: 2 * 16,
  });
  assert.deepEqual(row("block3_3.conv")?.outputShape, [1, 7, 7, 32]);
  assert.deepEqual(row("flatten")?.outputShape, [1, 1568]);
  assert.deepEqual(summary.outputShape, [1, 10]);
  // Rows of layers add up to the total (blocks contribute through their layers).
  const fromRows = summary.rows.reduce((sum, r) => sum + (r.params ?? 0), 0);
  assert.equal(fromRows, summary.totalParams);
  // Running statistics are state, not parameters, as torchinfo counts buffers.
  const bnParams = 9 * 2 * (8 + 16 + 32) / 3;
  const convs = (9 * 1 * 8 + 8) + (9 * 8 * 16 + 16) + (9 * 16 * 32 + 32);
  const blocks = 3 * ((9 * 8 * 8 + 8) + (9 * 16 * 16 + 16) + (9 * 32 * 32 + 32));
  assert.equal(summary.totalParams, convs + blocks + bnParams + 1568 * 10 + 10);
  // The forward hooks are gone afterwards.
  assert.ok(!Object.prototype.hasOwnProperty.call(model.layers[0][1], "forward"));
  model.dispose();
});

Deno.test("formatSummary prints the tree, the shapes and Total params", () => {
  const model = mnistCnn();
  const text = formatSummary(summarize(model, [1, 28, 28, 1], { title: "mnist_cnn" }));
  const total = (3 * 3 * 1 * 32 + 32) + (3 * 3 * 32 * 64 + 64) + (1600 * 10 + 10);
  assert.match(text, new RegExp(`^Total params: ${total.toLocaleString("en-US")}$`, "m"));
  assert.match(text, /^Total params: 34,826$/m);
  assert.match(text, /^Trainable params: 34,826$/m);
  assert.match(text, /^mnist_cnn \(Sequential\)\s+\[1, 10\]\s+--$/m);
  assert.match(text, /^├─conv2 \(Conv2d\)\s+\[1, 11, 11, 64\]\s+18,496$/m);
  assert.match(text, /^├─relu1 \(ReLU\)\s+\[1, 26, 26, 32\]\s+--$/m);
  model.dispose();
  // Layers inside a block are indented under it.
  const nested = new Sequential([
    ["block", new ConvNeXtBlock({ channels: 2, height: 4, width: 4 })],
    ["pool", new GlobalAvgPool()],
    ["fc", new Affine({ inputDim: 2, outputDim: 3 })],
  ]);
  const nestedText = formatSummary(summarize(nested, [1, 4, 4, 2]));
  assert.match(nestedText, /^├─block \(ConvNeXtBlock\)\s+\[1, 4, 4, 2\]\s+--$/m);
  assert.match(nestedText, /^│ {4}└─pwconv1 \(Conv2d\)\s+\[1, 4, 4, 8\]\s+24$/m);
  nested.dispose();
});

Deno.test("summaryCommand: default input, --input, --trace and bad ids", async () => {
  const text = await summaryCommand(["mnist_fc"]);
  assert.match(text, /^├─fc1 \(Affine\)\s+\[1, 50\]\s+39,250$/m);
  assert.match(
    text,
    new RegExp(
      `^Total params: ${(784 * 50 + 50 + 50 * 50 + 50 + 50 * 10 + 10).toLocaleString("en-US")}$`,
      "m",
    ),
  );
  const resized = await summaryCommand(["mnist_fc", "--input", "2,8,8,1"]);
  assert.match(resized, /^├─fc1 \(Affine\)\s+\[2, 50\]\s+3,250$/m);
  const trace = await summaryCommand(["mnist_cnn", "--trace"]);
  assert.match(trace, /^pool2 \(MaxPool\)\s+-> \[1, 5, 5, 64\]$/m);
  await assert.rejects(
    () => summaryCommand(["resnet50"]),
    new RegExp(
      `model id: got "resnet50"; expected one of "${
        MODEL_IDS.filter((id) => id !== "fc_net").join('", "')
      }"`,
    ),
  );
  await assert.rejects(
    () => summaryCommand([]),
    /^Error: model: got no model; expected exactly one of three_layer_convnet, .*convnext \(usage: deno task summary <model>/,
  );
  await assert.rejects(
    () => summaryCommand(["mnist_cnn", "mnist_fc"]),
    /model: got 2 models; expected exactly one of/,
  );
  await assert.rejects(
    () => summaryCommand(["mnist_cnn", "--input", "28,28"]),
    /--input: got "28,28"; expected N,H,W,C: four positive integers/,
  );
});

Deno.test("summary refuses inputs beyond its stated limit before allocating anything", async () => {
  await assert.rejects(
    () => summaryCommand(["mnist_cnn", "--input", "100000,100000,28,1"]),
    (error: Error) => {
      assert.equal(
        error.message,
        "--input: got 100000,100000,28,1 (280,000,000,000 pixels, N*H*W); expected at most " +
          "65,536 pixels, e.g. 1,256,256,3 or 64,32,32,3",
      );
      return true;
    },
  );
  await assert.rejects(
    () => summaryCommand(["mnist_cnn", "--input", "1,28,28,17"]),
    /--input: got "1,28,28,17"; expected at most 16 channels \(C\)/,
  );
  await assert.rejects(
    () => summaryCommand(["mnist_cnn", "--input", "-1,28,28,1"]),
    /--input: got "-1,28,28,1"; expected N,H,W,C: four positive integers/,
  );
  assert.equal(MAX_INPUT.pixels, 256 * 256);
  // The limit itself is accepted (the pass at the limit is the costly one; shapes only here).
  assert.deepEqual(parseInput("64,32,32,3"), [64, 32, 32, 3]);
});

Deno.test("deno task summary with a bad id prints one line and exits 1", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../lib/cli/summary.ts", import.meta.url).pathname, "nope"],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stdout), "");
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^error: model id: got "nope"; expected one of "three_layer_convnet", /);
});
