/**
 * The results table of a study's runs: one row per run, its final metrics and wall time,
 * each column declared once (field, heading, format).
 *
 * @module
 */
import type { RunRecord } from "../runs/record.ts";
import type { Figure } from "./figure.ts";
import { type CellFormat, table } from "./table.ts";
import { type Displayable, displayable } from "./notebook.ts";

/** A column of the results table: a metric of the record (or "iterations", "totalMs"). */
export interface ResultColumn {
  /** A key of `record.metrics`, or "iterations" / "totalMs" of `record.timings`. */
  key: string;
  label: string;
  format: CellFormat;
}

/**
 * Builds the table: the run's name under `nameLabel`, then `columns`, then the wall time.
 * A run that did not finish says so next to its name.
 *
 * @example
 * ```ts
 * import { resultsTable } from "./results_table.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * resultsTable(records, {
 *   title: "Final accuracy",
 *   nameLabel: "optimizer",
 *   columns: [
 *     { key: "trainAcc", label: "train accuracy", format: "percent" },
 *     { key: "testAcc", label: "test accuracy", format: "percent" },
 *   ],
 * });
 * ```
 */
export function resultsTable(
  records: readonly Pick<RunRecord, "name" | "status" | "metrics" | "timings">[],
  { title, caption, nameLabel = "run", columns }: {
    title: string;
    caption?: string;
    nameLabel?: string;
    columns: readonly ResultColumn[];
  },
): Figure & Displayable {
  const rows = records.map((record) => {
    const value = (key: string): unknown =>
      key === "iterations" || key === "totalMs" ? record.timings?.[key] : record.metrics?.[key];
    return {
      name: record.status === "finished" ? record.name : `${record.name} (${record.status})`,
      ...Object.fromEntries(columns.map((column) => [column.key, value(column.key)])),
      totalMs: record.timings?.totalMs,
    };
  });
  return displayable({
    title,
    caption,
    panels: [],
    table: table(rows, [
      { key: "name", label: nameLabel, format: "text" },
      ...columns.filter((column) => column.key !== "totalMs"),
      { key: "totalMs", label: "wall time", format: "milliseconds" },
    ]),
    data: { rows },
  });
}
