/**
 * A model summary like torchinfo's: every layer (the layers inside blocks indented), its
 * output shape and parameter count, then the totals; and a shape tracer that lists the
 * output shape after every top-level layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import { hasChildren, type ModuleWithChildren } from "../blocks/children.ts";
import type { Module } from "../layers/module.ts";

/** One row of the summary. */
export interface SummaryRow {
  /** Dotted path from the model, e.g. `block1_1.conv`. */
  path: string;
  /** The module's class, e.g. `Conv2d`. */
  type: string;
  /** 1 for the model's layers, 2 for the layers of a block, ... */
  depth: number;
  /** Output shape of the last call in the traced pass; null if it was not called. */
  outputShape: number[] | null;
  /** Parameters of a layer; null for a block, whose layers have rows of their own. */
  params: number | null;
}

/** What {@linkcode summarize} measures. */
export interface ModelSummary {
  title: string;
  /** The model's class, e.g. `Sequential`. */
  type: string;
  inputShape: number[];
  outputShape: number[];
  rows: SummaryRow[];
  /** Values in all parameters. */
  totalParams: number;
  /** All parameters here are trainable (batchnorm's running statistics are state). */
  trainableParams: number;
  /** Bytes of float32 parameters, megabytes (1e6). */
  paramsMB: number;
  /** Float32 outputs of every layer, doubled for the gradients, megabytes (1e6). */
  forwardBackwardMB: number;
}

/**
 * Values in a set of parameters.
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 * import { countParams } from "./summary.ts";
 *
 * countParams(mnistCnn().params); // 34826
 * ```
 */
export function countParams(params: Record<string, tf.Variable>): number {
  return Object.values(params).reduce((sum, v) => sum + v.size, 0);
}

function checkInputShape(inputShape: unknown): number[] {
  if (
    !Array.isArray(inputShape) || inputShape.length < 2 ||
    !inputShape.every((d) => Number.isInteger(d) && d >= 1)
  ) {
    throw argumentError(
      "inputShape",
      inputShape,
      "a batch shape of positive integers, e.g. [1, 28, 28, 1] (N, H, W, C)",
    );
  }
  return inputShape;
}

/** Every module under `root` with its dotted path and depth, in order (root excluded). */
function walk(root: ModuleWithChildren): { path: string; depth: number; module: Module }[] {
  const out: { path: string; depth: number; module: Module }[] = [];
  const visit = (parent: ModuleWithChildren, prefix: string, depth: number) => {
    for (const [name, module] of parent.children) {
      const path = prefix ? `${prefix}.${name}` : name;
      out.push({ path, depth, module });
      if (hasChildren(module)) visit(module, path, depth + 1);
    }
  };
  visit(root, "", 1);
  return out;
}

/**
 * Runs one test-mode pass of zeros of `inputShape` with every module's `forward` wrapped
 * to record its output shape (torchinfo's hooks), then restores the modules.
 */
function recordShapes(
  model: ModuleWithChildren,
  inputShape: number[],
): { shapes: Map<Module, number[]>; outputShape: number[] } {
  const shapes = new Map<Module, number[]>();
  const modules = [...new Set(walk(model).map(({ module }) => module))];
  const saved = modules.map((module) => ({
    module,
    own: Object.prototype.hasOwnProperty.call(module, "forward"),
    forward: module.forward,
  }));
  for (const { module, forward } of saved) {
    (module as { forward: Module["forward"] }).forward = (x, options) => {
      const out = forward.call(module, x, options);
      shapes.set(module, out.shape);
      return out;
    };
  }
  try {
    const outputShape = tf.tidy(() =>
      model.forward(tf.zeros(inputShape), { training: false }).shape
    );
    return { shapes, outputShape };
  } finally {
    for (const { module, own, forward } of saved) {
      if (own) (module as { forward: Module["forward"] }).forward = forward;
      else delete (module as Partial<Module>).forward;
    }
  }
}

/**
 * Measures the summary of `model` for inputs of `inputShape` (batch axis included).
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 * import { formatSummary, summarize } from "./summary.ts";
 *
 * const summary = summarize(mnistCnn(), [1, 28, 28, 1], { title: "mnist_cnn" });
 * summary.totalParams; // 34826
 * console.log(formatSummary(summary));
 * ```
 */
export function summarize(
  model: ModuleWithChildren,
  inputShape: number[],
  { title = model.constructor.name }: { title?: string } = {},
): ModelSummary {
  checkInputShape(inputShape);
  const { shapes, outputShape } = recordShapes(model, inputShape);
  const rows: SummaryRow[] = walk(model).map(({ path, depth, module }) => ({
    path,
    type: module.constructor.name,
    depth,
    outputShape: shapes.get(module) ?? null,
    params: hasChildren(module) ? null : countParams(module.params),
  }));
  const totalParams = countParams(model.params);
  const outputValues = rows
    .filter((row) => row.params !== null && row.outputShape !== null)
    .reduce((sum, row) => sum + (row.outputShape as number[]).reduce((a, b) => a * b, 1), 0);
  return {
    title,
    type: model.constructor.name,
    inputShape,
    outputShape,
    rows,
    totalParams,
    trainableParams: totalParams,
    paramsMB: (totalParams * 4) / 1e6,
    forwardBackwardMB: (outputValues * 4 * 2) / 1e6,
  };
}

const showShape = (shape: number[] | null) => (shape ? `[${shape.join(", ")}]` : "--");
const showCount = (n: number) => n.toLocaleString("en-US");
// torchinfo's convention: "--" for blocks (their layers have rows) and parameterless layers.
const showParams = (n: number | null) => (n === null || n === 0 ? "--" : showCount(n));

/**
 * The summary as torchinfo prints it: a tree of layers with output shapes and parameter
 * counts, then `Total params`, `Trainable params`, `Non-trainable params` and sizes.
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 * import { formatSummary, summarize } from "./summary.ts";
 *
 * console.log(formatSummary(summarize(mnistCnn(), [1, 28, 28, 1])));
 * // Layer (type)               Output Shape (NHWC)    Param #
 * // Sequential (Sequential)    [1, 10]                --
 * // ├─conv1 (Conv2d)           [1, 26, 26, 32]        320
 * // ...
 * // Total params: 34,826
 * ```
 */
export function formatSummary(summary: ModelSummary): string {
  const table = [
    ["Layer (type)", "Output Shape (NHWC)", "Param #"],
    [`${summary.title} (${summary.type})`, showShape(summary.outputShape), "--"],
    ...summary.rows.map((row) => {
      const tree = "│    ".repeat(row.depth - 1) + (row.depth === 1 ? "├─" : "└─");
      const name = row.path.split(".").pop();
      return [`${tree}${name} (${row.type})`, showShape(row.outputShape), showParams(row.params)];
    }),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((r) => r[c].length)) + 4);
  const line = (r: string[]) => (r[0].padEnd(widths[0]) + r[1].padEnd(widths[1]) + r[2]).trimEnd();
  const rule = "=".repeat(widths[0] + widths[1] + widths[2]);
  const inputMB = (summary.inputShape.reduce((a, b) => a * b, 1) * 4) / 1e6;
  const mb = (x: number) => x.toFixed(2);
  return [
    rule,
    line(table[0]),
    rule,
    ...table.slice(1).map(line),
    rule,
    `Total params: ${showCount(summary.totalParams)}`,
    `Trainable params: ${showCount(summary.trainableParams)}`,
    `Non-trainable params: ${showCount(summary.totalParams - summary.trainableParams)}`,
    rule,
    `Input size (MB): ${mb(inputMB)}`,
    `Forward/backward pass size (MB): ${mb(summary.forwardBackwardMB)}`,
    `Params size (MB): ${mb(summary.paramsMB)}`,
    `Estimated Total Size (MB): ${mb(inputMB + summary.forwardBackwardMB + summary.paramsMB)}`,
    rule,
  ].join("\n");
}

/** One step of {@linkcode traceShapes}: a top-level layer and its output shape. */
export interface ShapeTraceStep {
  name: string;
  type: string;
  outputShape: number[];
}

/**
 * The output shape after every top-level layer for inputs of `inputShape` (batch axis
 * included), from one test-mode pass of zeros.
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 * import { traceShapes } from "./summary.ts";
 *
 * traceShapes(mnistCnn(), [1, 28, 28, 1]);
 * // [{ name: "conv1", type: "Conv2d", outputShape: [1, 26, 26, 32] }, ...,
 * //  { name: "fc", type: "Affine", outputShape: [1, 10] }]
 * ```
 */
export function traceShapes(model: ModuleWithChildren, inputShape: number[]): ShapeTraceStep[] {
  checkInputShape(inputShape);
  const steps: ShapeTraceStep[] = [];
  tf.tidy(() => {
    let x: tf.Tensor = tf.zeros(inputShape);
    for (const [name, layer] of model.children) {
      x = layer.forward(x, { training: false });
      steps.push({ name, type: layer.constructor.name, outputShape: x.shape });
    }
  });
  return steps;
}

/**
 * The trace as lines `input [1, 28, 28, 1]`, `conv1 (Conv2d) -> [1, 26, 26, 32]`, ...
 *
 * @example
 * ```ts
 * import { mnistCnn } from "./mnist_nets.ts";
 * import { formatShapeTrace, traceShapes } from "./summary.ts";
 *
 * console.log(formatShapeTrace(traceShapes(mnistCnn(), [1, 28, 28, 1]), [1, 28, 28, 1]));
 * // input                 [1, 28, 28, 1]
 * // conv1 (Conv2d)     -> [1, 26, 26, 32]
 * // ...
 * // fc (Affine)        -> [1, 10]
 * ```
 */
export function formatShapeTrace(steps: ShapeTraceStep[], inputShape: number[]): string {
  const labels = steps.map((s) => `${s.name} (${s.type})`);
  const width = Math.max("input".length, ...labels.map((l) => l.length)) + 2;
  return [
    `${"input".padEnd(width)}   ${showShape(inputShape)}`,
    ...steps.map((s, i) => `${labels[i].padEnd(width)}-> ${showShape(s.outputShape)}`),
  ].join("\n");
}
