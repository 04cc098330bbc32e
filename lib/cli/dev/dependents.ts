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
 * The studies a set of changed files affects: those whose graph holds one of the
 * files, and any changed file that is itself a study script (a new script has no graph
 * yet). Paths are compared after `path.resolve`. The result is sorted.
 *
 * @param graphs study script path -> the files of its module graph
 * @param changed paths of files that changed
 * @param isStudyScript whether a changed path is a study script
 * @example
 * ```ts
 * affectedStudies(
 *   new Map([["/r/experiments/adam.ts", ["/r/experiments/adam.ts", "/r/lib/optim.ts"]]]),
 *   ["/r/lib/optim.ts"],
 * ); // ["/r/experiments/adam.ts"]
 * ```
 */
export function affectedStudies(
  graphs: ReadonlyMap<string, readonly string[]>,
  changed: Iterable<string>,
  isStudyScript: (path: string) => boolean = () => false,
): string[] {
  const changedFiles = new Set([...changed].map((path) => resolve(path)));
  const affected = new Set<string>();
  for (const [script, files] of graphs) {
    if (files.some((file) => changedFiles.has(resolve(file)))) affected.add(resolve(script));
  }
  for (const file of changedFiles) {
    if (isStudyScript(file)) affected.add(file);
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
 * const files = await studyGraph(join(REPO_ROOT, "experiments/adam.ts"), REPO_ROOT);
 * // [".../experiments/adam.ts", ..., ".../lib/models/fc_net.ts", ...]
 * ```
 */
export function studyGraph(script: string, root: string): Promise<string[]> {
  return moduleGraph([script], { root, followUrlReferences: true });
}
