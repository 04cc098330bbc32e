/**
 * The model-summary figure: torchinfo's table (each layer, the layers inside blocks
 * indented, its output shape and parameter count, then the total) as a page table.
 *
 * @module
 */
import type { ModelSummary } from "../models/summary.ts";
import type { Figure } from "./figure.ts";
import { plural } from "./plural.ts";
import { table } from "./table.ts";
import { type Displayable, displayable } from "./notebook.ts";

/** An output shape with the batch axis written N: "(N, 26, 26, 32)". */
function shapeText(shape: readonly number[] | null): string {
  return shape ? `(${["N", ...shape.slice(1)].join(", ")})` : "–";
}

/**
 * Builds the figure from a summary (`summarize(model, inputShape)` of
 * lib/models/summary.ts). A block's row has no parameter count of its own: its layers
 * have rows.
 *
 * @example
 * ```ts
 * import { modelSummary } from "./model_summary.ts";
 * import { mnistCnn } from "../models/mnist_nets.ts";
 * import { summarize } from "../models/summary.ts";
 *
 * const summary = summarize(mnistCnn(), [1, 28, 28, 1], { title: "mnist_cnn" });
 * const figure = modelSummary(summary);
 * figure.title; // "Model summary: 34,826 parameters"
 * ```
 */
export function modelSummary(
  summary: ModelSummary,
  { title, caption }: { title?: string; caption?: string } = {},
): Figure & Displayable {
  const indent = (depth: number) => "\u00a0\u00a0\u00a0".repeat(depth - 1);
  const rows = summary.rows.map((row) => ({
    layer: `${indent(row.depth)}${row.path.split(".").at(-1)} (${row.type})`,
    outputShape: shapeText(row.outputShape),
    params: row.params === 0 ? null : row.params,
  }));
  return displayable({
    title: title ?? `Model summary: ${plural(summary.totalParams, "parameter")}`,
    caption: caption ??
      `${summary.title}: input ${shapeText(summary.inputShape)}, output ` +
        `${shapeText(summary.outputShape)}, NHWC (batch, height, width, channels). ` +
        `Parameters ${summary.paramsMB.toFixed(2)} MB; forward/backward activations ` +
        `${summary.forwardBackwardMB.toFixed(2)} MB per example.`,
    panels: [],
    table: table(
      [...rows, { layer: "Total params", outputShape: "", params: summary.totalParams }],
      [
        { key: "layer", label: "layer (type)", format: "text" },
        { key: "outputShape", label: "output shape", format: "text" },
        { key: "params", label: "param #", format: "integer" },
      ],
    ),
    data: { rows },
  });
}
