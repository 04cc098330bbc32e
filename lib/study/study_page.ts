/**
 * A study's result in a notebook: its figure page as `deno jupyter` shows it inline, with
 * the page's figures, runs table and provenance, hover, legend toggles and downloads.
 *
 * @module
 */
import { relative, resolve } from "node:path";
import { REPO_ROOT } from "../files.ts";
import { type Displayable, JUPYTER_DISPLAY } from "../plot/notebook.ts";
import { savedPageDisplay } from "../plot/page.ts";
import { pagePath } from "./frame.ts";

/** Which page of a study {@linkcode studyPage} shows. */
export interface StudyPageOptions {
  /** The `--quick` page (plots/<study>.quick.html). */
  quick?: boolean;
  /** A page written with `--out FILE`. */
  out?: string;
}

/**
 * The page `deno task exp:<study>` last wrote (plots/<study>.html), to show in a notebook:
 * a cell whose value it is displays the page inline. The page is as its study last wrote
 * it (its provenance says when); `loadRuns` gives the records the study serves now.
 *
 * @throws when the page does not exist (naming the command that writes it) or is not an
 * nnlab figure page.
 * @example
 * ```ts
 * await studyPage("adam", { quick: true }); // a cell's value: the page, inline
 * ```
 */
export async function studyPage(
  study: string,
  options: StudyPageOptions = {},
): Promise<Displayable & { path: string }> {
  const path = options.out === undefined
    ? await pagePath({ name: study, quick: options.quick ?? false })
    : resolve(options.out);
  const shown = relative(REPO_ROOT, path).startsWith("..") ? path : relative(REPO_ROOT, path);
  let html: string;
  try {
    html = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `${shown}: not written yet; \`deno task exp:${study.replaceAll("_", "-")}${
        options.quick ? " --quick" : ""
      }\` writes it`,
    );
  }
  const bundle = savedPageDisplay(html);
  if (bundle === null) throw new Error(`${shown}: not an nnlab figure page`);
  return { path, [JUPYTER_DISPLAY]: () => bundle };
}
