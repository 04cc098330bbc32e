/**
 * A figure page read as untrusted input. Pages are made to be mailed, so `reproduce`
 * checks everything it takes from one before acting on it: the script path (it becomes a
 * file in the workspace copy), the recorded flags (they become the script's arguments)
 * and the embedded runs (they are compared field by field). Each problem is named with
 * where it is in the embedded JSON, the value seen and what is accepted, before anything
 * is trained.
 *
 * @module
 */
import { normalize } from "node:path";
import { BACKEND_NAMES } from "../backend/init.ts";
import { DATASET_NAMES } from "../data/spec.ts";
import { describeValue } from "../errors.ts";
import { MAX_WASM_THREADS } from "../kernels/wasm/threads.ts";
import { PAGE_DATA_ID, PAGE_FORMAT, type PageData } from "../plot/page.ts";

/** Folder a page's script must live in, relative to the workspace. */
export const SCRIPTS_FOLDER = "experiments";

/** One path segment of a script path: no hidden files, no `..`, no separators. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Checks a script path taken from a page: relative, under experiments/, a `.ts` file,
 * no `..`, no empty or hidden segment, no backslash. Returns it; throws a one-line
 * error naming the path otherwise.
 *
 * @example
 * ```ts
 * checkScriptPath("experiments/adam.ts"); // "experiments/adam.ts"
 * // checkScriptPath("node_modules/x.ts") throws "... expected experiments/<name>.ts ..."
 * ```
 */
export function checkScriptPath(path: unknown): string {
  const expected = `a relative path ${SCRIPTS_FOLDER}/<name>.ts without ".." (a script of a study)`;
  const fail = () =>
    new Error(`provenance.scriptPath: got ${describeValue(path)}; expected ${expected}`);
  if (typeof path !== "string" || path.includes("\\") || path.includes("\0")) throw fail();
  const segments = path.split("/");
  if (
    normalize(path) !== path || segments[0] !== SCRIPTS_FOLDER || segments.length < 2 ||
    !segments.every((segment) => SEGMENT.test(segment) && segment !== "..") ||
    !path.endsWith(".ts")
  ) {
    throw fail();
  }
  return path;
}

/** The figure's embedded data and its script source, once checked. */
export interface CheckedFigure {
  data: PageData;
  scriptPath: string;
  scriptSource: string;
}

type Problems = string[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Adds a problem: where, what was seen, what is accepted. */
function problem(problems: Problems, where: string, value: unknown, expected: string): void {
  problems.push(`${where}: got ${describeValue(value)}; expected ${expected}`);
}

function checkRuns(runs: unknown, problems: Problems): void {
  if (!Array.isArray(runs)) return problem(problems, "runs", runs, "a list of runs");
  runs.forEach((run, i) => {
    const at = `runs[${i}]`;
    if (!isObject(run) || !isObject(run.record)) {
      return problem(problems, `${at}.record`, isObject(run) ? run.record : run, "an object");
    }
    const record = run.record;
    if (typeof record.name !== "string") {
      problem(problems, `${at}.record.name`, record.name, "a string");
    }
    if (!isObject(record.config)) {
      problem(problems, `${at}.record.config`, record.config, "an object");
    }
    if (typeof record.status !== "string") {
      problem(problems, `${at}.record.status`, record.status, "a string");
    }
    if (!isObject(record.metrics)) {
      problem(problems, `${at}.record.metrics`, record.metrics, "an object of numbers");
    } else {
      for (const [name, value] of Object.entries(record.metrics)) {
        // JSON has no NaN: a NaN metric is written as null.
        if (value !== null && typeof value !== "number") {
          problem(problems, `${at}.record.metrics.${name}`, value, "a number or null");
        }
      }
    }
    if (!isObject(record.history)) {
      problem(problems, `${at}.record.history`, record.history, "an object of number lists");
    } else {
      for (const name of ["lossHistory", "trainAccHistory", "valAccHistory"]) {
        const values = record.history[name];
        if (values === undefined) continue;
        if (!Array.isArray(values) || !values.every((v) => v === null || typeof v === "number")) {
          problem(problems, `${at}.record.history.${name}`, values, "a list of numbers");
        }
      }
    }
    if (record.sourceDigest !== undefined && typeof record.sourceDigest !== "string") {
      problem(problems, `${at}.record.sourceDigest`, record.sourceDigest, "a string");
    }
  });
}

function checkProvenance(provenance: unknown, problems: Problems): void {
  if (!isObject(provenance)) return problem(problems, "provenance", provenance, "an object");
  try {
    checkScriptPath(provenance.scriptPath);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const backend = isObject(provenance.backend) ? provenance.backend.backend : provenance.backend;
  if (!(BACKEND_NAMES as readonly unknown[]).includes(backend)) {
    problem(
      problems,
      "provenance.backend.backend",
      backend,
      `one of ${BACKEND_NAMES.map((name) => `"${name}"`).join(", ")}`,
    );
  }
  const config = provenance.config;
  if (!isObject(config)) return problem(problems, "provenance.config", config, "an object");
  const resolved = DATASET_NAMES.filter((name) => name !== "auto");
  if (config.dataset !== undefined && !(resolved as readonly unknown[]).includes(config.dataset)) {
    problem(
      problems,
      "provenance.config.dataset",
      config.dataset,
      `one of ${resolved.map((name) => `"${name}"`).join(", ")}`,
    );
  }
  const flags = config.flags;
  if (flags === undefined) return;
  if (!isObject(flags)) return problem(problems, "provenance.config.flags", flags, "an object");
  const integer = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const value = flags[name];
    if (value === undefined) return;
    if (!(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
      problem(problems, `provenance.config.flags.${name}`, value, `an integer ${range}`);
    }
  };
  integer("seed", 0);
  integer("threads", 1, MAX_WASM_THREADS);
  integer("jobs", 1);
  if (flags.quick !== undefined && typeof flags.quick !== "boolean") {
    problem(problems, "provenance.config.flags.quick", flags.quick, "true or false");
  }
}

/**
 * The embedded data of a page, checked field by field; throws one error that names every
 * problem (up to five) with where it is, the value seen and what is accepted.
 *
 * @example
 * ```ts
 * const json = '{"format": "nnlab-figure-page/1", "runs": {}}';
 * // checkPageData(JSON.parse(json)) throws "malformed page data: provenance: got undefined; ..."
 * ```
 */
export function checkPageData(data: unknown): PageData {
  const problems: Problems = [];
  if (!isObject(data)) {
    problem(problems, "the embedded data", data, "an object");
  } else {
    if (data.format !== PAGE_FORMAT) problem(problems, "format", data.format, `"${PAGE_FORMAT}"`);
    checkProvenance(data.provenance, problems);
    checkRuns(data.runs, problems);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join("; ");
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : "";
    throw new Error(`malformed page data: ${shown}${more}`);
  }
  return data as unknown as PageData;
}

/**
 * The text of the page's embedded JSON block, or undefined when there is none. The
 * block is written by the page writer with `<` escaped, so its end is the first
 * `</script>`.
 */
function embeddedJson(html: string): string | undefined {
  const start = new RegExp(`<script type="application/json" id="${PAGE_DATA_ID}">`).exec(html);
  if (!start) return undefined;
  const from = start.index + start[0].length;
  const end = html.indexOf("</script>", from);
  return end < 0 ? undefined : html.slice(from, end);
}

/**
 * Reads a page's embedded JSON and checks it; the errors say whether this is not a figure
 * page at all, or one whose data is malformed and how.
 *
 * @example
 * ```ts
 * const data = readCheckedPageData(await Deno.readTextFile("plots/adam.html"));
 * data.provenance.scriptPath; // "experiments/adam.ts"
 * ```
 */
export function readCheckedPageData(html: string): PageData {
  const json = embeddedJson(html);
  if (json === undefined) {
    throw new Error(
      `not an nnlab figure page: no embedded nnlab data (<script id="${PAGE_DATA_ID}">)`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(
      `malformed page data: the embedded JSON does not parse: ${(error as Error).message}`,
    );
  }
  return checkPageData(data);
}
