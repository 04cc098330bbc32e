/**
 * Which hyper-parameters vary among runs: the columns that tell a study's runs apart (the
 * learning rate of exp:adam, the batch size of exp:batch-size), on a page's runs table and
 * in the index's run browser.
 *
 * @module
 */

/** A config value as a stable text, so [1, 2] and [1, 2] compare equal. */
function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(",")}}`;
}

/**
 * A run's config with nested settings brought to the top: `{optimConfig: {learningRate}}`
 * gives `learningRate`, `{data: {numTrain}}` gives `numTrain`; a name that occurs in two
 * places keeps its path (`data.numTrain`). Lists stay values.
 *
 * @example
 * ```ts
 * flatConfig({ updateRule: "sgd", optimConfig: { learningRate: 5e-3 }, data: { numTrain: 200 } });
 * // { updateRule: "sgd", learningRate: 0.005, numTrain: 200 }
 * ```
 */
export function flatConfig(config: Record<string, unknown>): Record<string, unknown> {
  const leaves: [string[], unknown][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, member] of Object.entries(value)) walk(member, [...path, key]);
    } else {
      leaves.push([path, value]);
    }
  };
  walk(config, []);
  const count = new Map<string, number>();
  for (const [path] of leaves) count.set(path.at(-1)!, (count.get(path.at(-1)!) ?? 0) + 1);
  return Object.fromEntries(
    leaves.map((
      [path, value],
    ) => [count.get(path.at(-1)!)! > 1 ? path.join(".") : path.at(-1)!, value]),
  );
}

/**
 * The config keys whose values differ between at least two of `configs` (a key missing
 * from some counts as a value), in order of first appearance.
 *
 * @example
 * ```ts
 * import { varyingKeys } from "./varying.ts";
 *
 * varyingKeys([
 *   { updateRule: "sgd", learningRate: 5e-3, numEpochs: 5 },
 *   { updateRule: "adam", learningRate: 1e-3, numEpochs: 5 },
 * ]); // ["updateRule", "learningRate"]
 * ```
 */
export function varyingKeys(configs: readonly Record<string, unknown>[]): string[] {
  const keys = [...new Set(configs.flatMap((config) => Object.keys(config)))];
  return keys.filter((key) => new Set(configs.map((config) => canonical(config[key]))).size > 1);
}

/**
 * A config value for a table cell: numbers as written in papers (5e-3, 0.25, 1,000),
 * null as "none", lists and objects as compact JSON.
 *
 * @example
 * ```ts
 * import { configText } from "./varying.ts";
 *
 * configText(0.005); // "0.005"
 * configText(10 ** -3.5); // "3.162e-4"
 * configText(null); // "none"
 * ```
 */
export function configText(value: unknown): string {
  if (value === undefined) return "–";
  if (value === null) return "none";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    const short = String(Number(value.toPrecision(4)));
    return short.length > 7 ? value.toExponential(3).replace("e+", "e") : short;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * A camelCase key as words for a column heading: "learningRate" -> "learning rate".
 *
 * @example
 * ```ts
 * import { keyLabel } from "./varying.ts";
 *
 * keyLabel("dropoutKeepProb"); // "dropout keep prob"
 * ```
 */
export function keyLabel(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}
