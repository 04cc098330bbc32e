/**
 * Figures in a notebook: `deno jupyter` shows a value inline when it has a
 * `Symbol.for("Jupyter.display")` method returning a MIME bundle. A figure's bundle is the
 * same HTML a page holds (its styles scoped to it, its script), so hover, legend toggles
 * and downloads work in the cell too.
 *
 * @module
 */
import type { Figure } from "./figure.ts";
import { FIGURE_SCRIPT } from "./figure_script.ts";
import { renderFigure } from "./render.ts";
import { FIGURE_STYLE } from "./style.ts";

/**
 * The symbol `deno jupyter` looks for on a cell's value.
 *
 * @example
 * ```ts
 * import { JUPYTER_DISPLAY } from "./notebook.ts";
 *
 * const cell = { [JUPYTER_DISPLAY]: () => ({ "text/html": "<b>hello</b>" }) };
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** A value that `deno jupyter` displays inline. */
export interface Displayable {
  [JUPYTER_DISPLAY](): { "text/html": string };
}

/**
 * The MIME bundle of a figure: `{"text/html": ...}` with styles, figure and script.
 *
 * @example
 * ```ts
 * import { figureDisplay } from "./notebook.ts";
 * import { learningCurves } from "./learning_curves.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * const bundle = figureDisplay(learningCurves(records));
 * bundle["text/html"].includes("<svg"); // true
 * ```
 */
export function figureDisplay(figure: Figure): { "text/html": string } {
  return {
    "text/html": `<style>${FIGURE_STYLE}</style><div class="nnlab-root nnlab-notebook">` +
      `${renderFigure(figure)}</div><script>${FIGURE_SCRIPT}</script>`,
  };
}

/**
 * Gives a figure its notebook display, in place, and returns it. The method reads `this`,
 * so a copy made by spreading (`{ ...figure, title: "new" }`) displays the copy.
 *
 * @example
 * ```ts
 * import { displayable } from "./notebook.ts";
 * import type { Panel } from "./figure.ts";
 * declare const panel: Panel;
 * const figure = displayable({ title: "Loss", panels: [panel] });
 * figure; // as a notebook cell's last expression: drawn inline
 * ```
 */
export function displayable<F extends Figure>(figure: F): F & Displayable {
  return Object.assign(figure, {
    [JUPYTER_DISPLAY](this: Figure) {
      return figureDisplay(this);
    },
  });
}
