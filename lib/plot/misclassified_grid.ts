/**
 * The misclassified examples the classifier trainer stores in a run record's `extra`,
 * as an image grid with their true and predicted labels.
 *
 * @module
 */
import type { RunRecord } from "../runs/record.ts";

import type { Figure } from "./figure.ts";
import { imageGrid } from "./image_grid.ts";

/**
 * The grid of misclassified examples a record stored, "true 3 · pred 5" under each; null
 * when the record stored none.
 *
 * @example
 * ```ts
 * import { misclassifiedGrid } from "./misclassified_grid.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const best: RunRecord;
 * const digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
 * misclassifiedGrid(best, digits, "Ten misclassified test digits of (e)");
 * ```
 */
export function misclassifiedGrid(
  record: RunRecord,
  classNames: readonly string[],
  title: string,
): Figure | null {
  const examples = record.extra?.misclassified ?? [];
  if (examples.length === 0) return null;
  return imageGrid(
    examples.map((e) => ({
      pixels: e.pixels,
      height: e.shape[0],
      width: e.shape[1],
      channels: e.shape[2] as 1 | 3,
      trueLabel: classNames[e.trueLabel] ?? String(e.trueLabel),
      predictedLabel: classNames[e.predictedLabel] ?? String(e.predictedLabel),
    })),
    { title, columns: 5, scale: 3 },
  );
}
