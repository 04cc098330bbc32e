/**
 * The dependency finder of `deno task dev`: which experiments must re-run when a file
 * changes. An experiment depends on every local file its module graph reaches (the graph
 * `deno info --json` prints), so editing lib/optim.ts re-runs every study that trains with
 * it, and editing experiments/adam.ts re-runs only adam.
 *
 * The graph walk and the look-up are pure functions over the JSON, tested on a fixture
 * graph; {@linkcode experimentGraph} is the one place that runs `deno info`.
 *
 * @module
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The part of `deno info --json` the finder reads. */
export interface DenoInfoGraph {
  /** Entry specifiers, e.g. ["file:///repo/experiments/adam.ts"]. */
  roots: string[];
  modules: DenoInfoModule[];
  /** Specifier -> the specifier it redirects to. */
  redirects?: Record<string, string>;
}

/** One module of the graph: its specifier and its imports (code and type-only). */
export interface DenoInfoModule {
  specifier: string;
  /** "esm", "npm", "asserted" (JSON), ... */
  kind?: string;
  /** Path on disk of a local module; absent for npm packages. */
  local?: string | null;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string };
    type?: { specifier?: string };
  }[];
}

/**
 * The local files reachable from the graph's roots, following code and type imports
 * (and redirects), as absolute paths, sorted. npm packages and remote modules are left
 * out: they are pinned in deno.json, not edited in the workspace.
 *
 * @example
 * ```ts
 * const info = JSON.parse(denoInfoOutput) as DenoInfoGraph;
 * moduleGraphFiles(info); // ["/repo/experiments/adam.ts", "/repo/lib/experiment.ts", ...]
 * ```
 */
export function moduleGraphFiles(info: DenoInfoGraph): string[] {
  const bySpecifier = new Map(info.modules.map((module) => [module.specifier, module]));
  const redirects = info.redirects ?? {};
  const seen = new Set<string>();
  const files = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    let specifier = stack.pop()!;
    // A redirect chain ends at a module; the `seen` set also stops a redirect cycle.
    while (redirects[specifier] !== undefined && !seen.has(specifier)) {
      seen.add(specifier);
      specifier = redirects[specifier];
    }
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    const module = bySpecifier.get(specifier);
    if (!module) continue; // an import deno info could not resolve
    if (specifier.startsWith("file:")) {
      files.add(module.local ?? fileURLToPath(specifier));
    }
    for (const dependency of module.dependencies ?? []) {
      for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
        if (target !== undefined) stack.push(target);
      }
    }
  }
  return [...files].filter((file) => !file.includes("/node_modules/")).sort();
}

/**
 * The experiments a set of changed files affects: those whose graph holds one of the
 * files, and any changed file that is itself an experiment (a new script has no graph
 * yet). Paths are compared after `path.resolve`. The result is sorted.
 *
 * @param graphs experiment script path -> the files of its module graph
 * @param changed paths of files that changed
 * @param isExperiment whether a changed path is an experiment script
 * @example
 * ```ts
 * affectedExperiments(
 *   new Map([["/r/experiments/adam.ts", ["/r/experiments/adam.ts", "/r/lib/optim.ts"]]]),
 *   ["/r/lib/optim.ts"],
 * ); // ["/r/experiments/adam.ts"]
 * ```
 */
export function affectedExperiments(
  graphs: ReadonlyMap<string, readonly string[]>,
  changed: Iterable<string>,
  isExperiment: (path: string) => boolean = () => false,
): string[] {
  const changedFiles = new Set([...changed].map((path) => resolve(path)));
  const affected = new Set<string>();
  for (const [experiment, files] of graphs) {
    if (files.some((file) => changedFiles.has(resolve(file)))) affected.add(resolve(experiment));
  }
  for (const file of changedFiles) {
    if (isExperiment(file)) affected.add(file);
  }
  return [...affected].sort();
}

/**
 * The local files of one script's module graph, from `deno info --json` run in `cwd`
 * (so the workspace's deno.json applies). A script that does not parse is an error
 * carrying deno's first line of complaint.
 *
 * @example
 * ```ts
 * const files = await experimentGraph("/repo/experiments/adam.ts", "/repo");
 * ```
 */
export async function experimentGraph(script: string, cwd: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", script],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    throw new Error(`module graph of ${script}: deno info failed: ${message}`);
  }
  return moduleGraphFiles(JSON.parse(new TextDecoder().decode(output.stdout)));
}
