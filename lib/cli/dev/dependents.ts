/**
 * The dependency finder of `deno task dev`: which studies must re-run when a file
 * changes. A study depends on every local file its script can run (lib/runs/source_graph.ts
 * walks it, plus the model modules the model table names), so editing lib/train/optim.ts
 * re-runs every study that trains with it, and editing experiments/adam.ts re-runs only
 * adam. Which of a study's runs then train is the run store's business: a comment-only
 * edit re-runs the study and serves every run from the store.
 *
 * @module
 */
import { resolve } from "node:path";
import { moduleGraph } from "../../runs/source_graph.ts";

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
 * The local files one script can run: its runtime imports, and the modules the model
 * table loads by URL (so editing a model re-runs the studies that train it). A script
 * that does not parse is an error naming it.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { REPO_ROOT } from "../../files.ts";
 *
 * const files = await experimentGraph(join(REPO_ROOT, "experiments/adam.ts"), REPO_ROOT);
 * // [".../experiments/adam.ts", ..., ".../lib/models/fc_net.ts", ...]
 * ```
 */
export function experimentGraph(script: string, root: string): Promise<string[]> {
  return moduleGraph([script], { root, followUrlReferences: true });
}
