/**
 * A simple table figure: rows of values and the columns to show, with a declared format
 * per column so numbers line up and read the same on every page.
 *
 * @module
 */
import { argumentError, oneOf } from "../errors.ts";

/** How a column's values are written. */
export type CellFormat = "text" | "number" | "percent" | "milliseconds" | "integer";

const CELL_FORMATS: readonly CellFormat[] = [
  "text",
  "number",
  "percent",
  "milliseconds",
  "integer",
];

/** One column: which field of a row, its heading, its format. */
export interface TableColumn {
  key: string;
  label: string;
  format: CellFormat;
}

/** A table ready to render: `columns` say what to show of each row. */
export interface TableSpec {
  columns: TableColumn[];
  rows: Record<string, unknown>[];
}

/**
 * Builds a table. Columns default to every key of the rows, in order of first appearance,
 * numbers formatted as numbers, keys containing "acc" as percentages.
 *
 * @example
 * ```ts
 * import { table } from "./table.ts";
 *
 * const spec = table(
 *   [{ model: "fc", testAcc: 0.9712, totalMs: 5230 }],
 *   [
 *     { key: "model", label: "model" },
 *     { key: "testAcc", label: "test accuracy", format: "percent" },
 *     { key: "totalMs", label: "wall time", format: "milliseconds" },
 *   ],
 * );
 * ```
 */
export function table(
  rows: readonly object[],
  columns?: { key: string; label?: string; format?: CellFormat }[],
): TableSpec {
  if (!Array.isArray(rows)) throw argumentError("rows", rows, "an array of objects");
  const records = rows as Record<string, unknown>[];
  const chosen: { key: string; label?: string; format?: CellFormat }[] = columns ??
    [...new Set(records.flatMap((row) => Object.keys(row)))].map((key) => ({ key }));
  return {
    columns: chosen.map(({ key, label, format }) => ({
      key,
      label: label ?? key,
      format: format === undefined
        ? guessFormat(key, records.map((row) => row[key]))
        : oneOf(`format of column ${JSON.stringify(key)}`, format, CELL_FORMATS),
    })),
    rows: records,
  };
}

function guessFormat(key: string, values: unknown[]): CellFormat {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.length === 0 || !present.every((v) => typeof v === "number")) return "text";
  if (/acc/i.test(key)) return "percent";
  if (/Ms$/.test(key)) return "milliseconds";
  return present.every((v) => Number.isInteger(v)) ? "integer" : "number";
}

/**
 * A duration in milliseconds for people: "12.3 ms", "5.23 s", "16 min 44 s", "2 h 6 min"
 * (three significant digits below a minute, whole seconds or minutes above).
 *
 * @example
 * ```ts
 * import { formatMilliseconds } from "./table.ts";
 *
 * formatMilliseconds(7_585_000); // "2 h 6 min"
 * ```
 */
export function formatMilliseconds(ms: number): string {
  if (ms < 999.5) return `${ms.toPrecision(3)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toPrecision(3)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Writes one cell value as text: percentages with one decimal, milliseconds as a duration
 * ({@linkcode formatMilliseconds}), other numbers with four significant digits; missing values
 * as an en dash.
 *
 * @example
 * ```ts
 * import { formatCell } from "./table.ts";
 *
 * formatCell(0.97123, "percent"); // "97.1%"
 * formatCell(5230, "milliseconds"); // "5.23 s"
 * ```
 */
export function formatCell(value: unknown, format: CellFormat): string {
  if (value === undefined || value === null) return "–";
  if (typeof value !== "number") {
    return typeof value === "string" ? value : JSON.stringify(value);
  }
  if (!Number.isFinite(value)) return String(value);
  switch (format) {
    case "percent":
      return `${(value * 100).toFixed(1)}%`;
    case "milliseconds":
      return formatMilliseconds(value);
    case "integer":
      return Math.round(value).toLocaleString("en-US");
    case "number":
      return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
        ? value.toExponential(3)
        : String(Number(value.toPrecision(4)));
    default:
      return String(value);
  }
}
