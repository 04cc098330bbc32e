/**
 * The confusion-matrix figure: one cell per (true, predicted) class pair, shaded by count
 * with the count written in it, and a colour legend drawn as marks.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import type { ColorScheme } from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import { colorRampPanel } from "./color_legend.ts";
import { plural } from "./plural.ts";
import type { Figure } from "./figure.ts";
import { type Displayable, displayable } from "./notebook.ts";

/** One cell of the matrix. */
export interface ConfusionCell {
  trueClass: string;
  predictedClass: string;
  count: number;
}

const SCHEME: ColorScheme = "blues";

/**
 * Counts predictions per (true, predicted) pair: `counts[t][p]` is how many examples of
 * class t were predicted as p.
 *
 * @example
 * ```ts
 * import { confusionCounts } from "./confusion_matrix.ts";
 *
 * confusionCounts([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionCounts(
  trueLabels: ArrayLike<number>,
  predictedLabels: ArrayLike<number>,
  classes: number,
): number[][] {
  if (trueLabels.length !== predictedLabels.length) {
    throw argumentError(
      "predictedLabels.length",
      predictedLabels.length,
      `the length of trueLabels (${trueLabels.length})`,
    );
  }
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i], p = predictedLabels[i];
    for (const [name, label] of [["trueLabels", t], ["predictedLabels", p]] as const) {
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw argumentError(`${name}[${i}]`, label, `an integer class in [0, ${classes - 1}]`);
      }
    }
    counts[t][p]++;
  }
  return counts;
}

/**
 * Builds the confusion-matrix figure from a (C, C) count matrix (rows: true class,
 * columns: predicted class).
 *
 * @example
 * ```ts
 * import { confusionCounts, confusionMatrix } from "./confusion_matrix.ts";
 *
 * const counts = confusionCounts([0, 1, 2, 2], [0, 2, 2, 2], 3); // true labels, predictions
 * const figure = confusionMatrix(counts, ["cat", "dog", "ship"]);
 * ```
 */
export function confusionMatrix(
  counts: readonly (readonly number[])[],
  classNames: readonly string[],
  { title = "Confusion matrix", caption }: { title?: string; caption?: string } = {},
): Figure & Displayable {
  const classes = classNames.length;
  if (classes === 0) throw argumentError("classNames", classNames, "at least one class name");
  if (counts.length !== classes || counts.some((row) => row.length !== classes)) {
    throw argumentError(
      "counts",
      counts.map((row) => row.length),
      `a ${classes} x ${classes} matrix (one row and column per class name)`,
    );
  }
  const cells: ConfusionCell[] = counts.flatMap((row, t) =>
    row.map((count, p) => ({ trueClass: classNames[t], predictedClass: classNames[p], count }))
  );
  const maxCount = Math.max(1, ...cells.map((cell) => cell.count));
  const color = {
    type: "linear" as const,
    scheme: SCHEME,
    domain: [0, maxCount] as [number, number],
  };
  const longestName = Math.max(...classNames.map((name) => name.length));
  // Long names on many columns are rotated, and need room below the matrix.
  const rotate = longestName > 2 && classes > 6;
  const side = Math.max(28, Math.min(48, Math.floor(480 / classes)));
  const total = cells.reduce((sum, cell) => sum + cell.count, 0);
  const correct = counts.reduce((sum, row, i) => sum + row[i], 0);
  return displayable({
    title,
    caption: caption ??
      `Rows: true class; columns: predicted class. ${correct} of ${
          plural(total, "example")
        } on the ` +
        `diagonal (${total > 0 ? ((100 * correct) / total).toFixed(1) : "0.0"}% accuracy).`,
    panels: [
      {
        width: side * classes + 90,
        height: side * classes + 10 + (rotate ? 40 + 5 * longestName : 45),
        marginLeft: Math.min(140, 50 + 6.5 * longestName),
        marginBottom: rotate ? 40 + 5 * longestName : 45,
        marginTop: 10,
        marginRight: 10,
        color,
        x: { domain: [...classNames], label: "predicted class", tickRotate: rotate ? -45 : 0 },
        y: { domain: [...classNames], label: "true class" },
        marks: [
          Plot.cell(cells, { x: "predictedClass", y: "trueClass", fill: "count", inset: 0.5 }),
          // Dark cells get white text so every count stays readable.
          ...(["black", "white"] as const).map((ink) =>
            Plot.text(cells, {
              filter: (cell: ConfusionCell) => (cell.count > maxCount / 2) === (ink === "white"),
              x: "predictedClass",
              y: "trueClass",
              text: (cell: ConfusionCell) => String(cell.count),
              fill: ink,
              fontSize: side < 36 ? 10 : 12,
            })
          ),
        ],
      },
      colorRampPanel({ scheme: SCHEME, domain: color.domain, label: "examples per cell" }),
    ],
    data: { cells, classNames: [...classNames] },
  });
}
