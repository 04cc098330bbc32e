/**
 * The live panel the dev server's page hook draws while a study re-runs: a small card in
 * the page's corner with each training run's loss (one point per print interval) and
 * accuracy (validation solid, training dashed, one point per epoch), and a line per run
 * saying where it is (queued, epoch, iteration, loss, done). Colours are those of the
 * page's legend where a run is in it, so a run keeps its colour; the panel goes when the
 * study ends, as the finished page replaces it.
 *
 * The function is shipped as its own source text inside the injected script (inject.ts),
 * so it uses nothing from outside its body. The project type-checks without the DOM
 * library, so the few DOM members used are declared here.
 *
 * @module
 */
import type { LiveEvent } from "../../runs/live_events.ts";

/** The `id` of the live panel element. */
export const LIVE_PANEL_ID = "nnlab-live";

/**
 * Builds the panel's event handler: pass it each live event of this page, and null when
 * the study's re-run is over (the panel is removed). Nothing is drawn before the first
 * event.
 *
 * @param palette colours for runs the page's legend does not name, in order
 * @example
 * ```ts
 * const script = `const live = (${livePanel})(["#0072b2", "#d55e00"]);`;
 * ```
 */
export function livePanel(palette: readonly string[]): (event: LiveEvent | null) => void {
  interface Element {
    id: string;
    className: string;
    textContent: string | null;
    style: Record<string, string>;
    querySelector(selector: string): Element | null;
    querySelectorAll(selector: string): Element[];
    setAttribute(name: string, value: string): void;
    append(...children: (Element | string)[]): void;
    replaceChildren(...children: (Element | string)[]): void;
    addEventListener(type: string, listener: () => void): void;
    remove(): void;
  }
  interface Page {
    document: {
      body: Element | null;
      documentElement: Element;
      querySelectorAll(selector: string): Element[];
      createElement(tag: string): Element;
      createElementNS(namespace: string, tag: string): Element;
    };
    requestAnimationFrame(callback: () => void): number;
  }
  const page = globalThis as unknown as Page;
  const document = page.document;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PANEL_ID = "nnlab-live";
  const STYLE = `
#${PANEL_ID} { --live-ink: #1f2328; --live-muted: #59636e; --live-rule: #d8dee4;
  --live-bg: #ffffff; position: fixed; right: 16px; bottom: 16px; z-index: 999;
  width: min(540px, calc(100vw - 32px)); max-height: calc(100vh - 32px); overflow: auto;
  box-sizing: border-box; padding: 10px 12px; color: var(--live-ink); background: var(--live-bg);
  border: 1px solid var(--live-rule); border-radius: 8px; box-shadow: 0 4px 16px #0003;
  font: 12.5px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-variant-numeric: tabular-nums; }
@media (prefers-color-scheme: dark) { #${PANEL_ID} { --live-ink: #e6edf3;
  --live-muted: #9198a1; --live-rule: #3d444d; --live-bg: #151b23; box-shadow: 0 4px 16px #000a; } }
#${PANEL_ID} * { box-sizing: border-box; }
#${PANEL_ID} .nnlab-live-head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 4px; }
#${PANEL_ID} .nnlab-live-head b { font-size: 13.5px; }
#${PANEL_ID} .nnlab-live-head span { color: var(--live-muted); flex: 1; }
#${PANEL_ID} button { font: inherit; color: inherit; background: none; cursor: pointer;
  border: 1px solid var(--live-rule); border-radius: 4px; padding: 0 7px; }
#${PANEL_ID}.nnlab-live-folded .nnlab-live-body { display: none; }
#${PANEL_ID} .nnlab-live-charts { display: flex; gap: 10px; flex-wrap: wrap; }
#${PANEL_ID} .nnlab-live-chart { flex: 1 1 240px; min-width: 0; }
#${PANEL_ID} .nnlab-live-caption { color: var(--live-muted); }
#${PANEL_ID} svg { display: block; width: 100%; height: auto; overflow: visible; }
#${PANEL_ID} svg text { fill: var(--live-muted); font-size: 10px; }
#${PANEL_ID} ul { list-style: none; margin: 6px 0 0; padding: 0; }
#${PANEL_ID} li { display: flex; gap: 6px; align-items: center; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
#${PANEL_ID} li i { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  flex: none; }
#${PANEL_ID} li.nnlab-live-waiting { color: var(--live-muted); }
#${PANEL_ID} p { margin: 6px 0 0; color: var(--live-muted); }`;

  type Status = "queued" | "training" | "finished" | "diverged" | "failed";
  interface Run {
    name: string;
    order: number;
    status: Status;
    loss: [number, number][];
    trainAcc: [number, number][];
    valAcc: [number, number][];
    iteration: number;
    iterations: number;
    epoch: number;
    epochs: number;
  }
  const runs = new Map<string, Run>();
  let study = "";
  let cached = 0;
  let scheduled = false;

  const runOf = (name: string): Run => {
    let run = runs.get(name);
    if (!run) {
      run = {
        name,
        order: runs.size,
        status: "queued",
        loss: [],
        trainAcc: [],
        valAcc: [],
        iteration: 0,
        iterations: 0,
        epoch: 0,
        epochs: 0,
      };
      runs.set(name, run);
    }
    return run;
  };

  /** "#0072b2" as a browser writes it back, "rgb(0, 114, 178)". */
  const rgb = (hex: string) =>
    `rgb(${[1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)).join(", ")})`;

  /**
   * Each run's colour: the one the page's legend gives it, else the next palette colour
   * the legend does not use. The palette's black becomes the text colour, which a dark
   * panel shows.
   */
  const colors = (all: Run[]): Map<Run, string> => {
    const legend = new Map<string, string>();
    for (const key of document.querySelectorAll(".nnlab-key")) {
      const color = key.querySelector(".nnlab-swatch")?.style.background;
      if (color) legend.set((key.textContent ?? "").trim(), color);
    }
    const taken = new Set(legend.values());
    const free = palette.filter((color) => !taken.has(color) && !taken.has(rgb(color)));
    const spare = free.length > 0 ? free : palette;
    const out = new Map<Run, string>();
    let next = 0;
    for (const run of all) {
      const color = legend.get(run.name) ?? spare[next++ % spare.length] ?? "currentColor";
      out.set(run, color === "#000000" || color === "rgb(0, 0, 0)" ? "currentColor" : color);
    }
    return out;
  };

  const element = (tag: string, className = "", text = ""): Element => {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text) made.textContent = text;
    return made;
  };
  const svgElement = (tag: string, attributes: Record<string, string | number>): Element => {
    const made = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, String(value));
    return made;
  };

  const short = (value: number): string => {
    const magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude >= 1e4 || magnitude < 1e-2)) return value.toExponential(1);
    return String(Number(value.toPrecision(3)));
  };

  /** A small line chart: one polyline (and a dot at its end) per run. */
  const chart = (
    series: { color: string; points: [number, number][]; dashed?: boolean }[],
    x: [number, number],
    y: [number, number],
    format: (value: number) => string,
  ): Element => {
    const width = 250, height = 120, left = 34, right = 8, top = 6, bottom = 16;
    const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    const sx = (v: number) => left + ((v - x[0]) / (x[1] - x[0] || 1)) * (width - left - right);
    const sy = (v: number) => top + (1 - (v - y[0]) / (y[1] - y[0] || 1)) * (height - top - bottom);
    for (const v of [y[0], y[1]]) {
      svg.append(svgElement("line", {
        x1: left,
        x2: width - right,
        y1: sy(v),
        y2: sy(v),
        stroke: "currentColor",
        "stroke-opacity": 0.15,
      }));
      const label = svgElement("text", { x: left - 4, y: sy(v) + 3, "text-anchor": "end" });
      label.textContent = format(v);
      svg.append(label);
    }
    for (const [v, anchor] of [[x[0], "start"], [x[1], "end"]] as const) {
      const label = svgElement("text", { x: sx(v), y: height - 3, "text-anchor": anchor });
      label.textContent = short(v);
      svg.append(label);
    }
    for (const { color, points, dashed } of series) {
      if (points.length === 0) continue;
      const line = svgElement("polyline", {
        points: points.map(([px, py]) => `${sx(px).toFixed(1)},${sy(py).toFixed(1)}`).join(" "),
        fill: "none",
        stroke: color,
        "stroke-width": 1.6,
        "stroke-linejoin": "round",
        class: "nnlab-live-line",
      });
      if (dashed) line.setAttribute("stroke-dasharray", "4 3");
      svg.append(line);
      const [lx, ly] = points[points.length - 1];
      svg.append(svgElement("circle", { cx: sx(lx), cy: sy(ly), r: 2.5, fill: color }));
    }
    return svg;
  };

  const extent = (values: number[], fallback: [number, number]): [number, number] => {
    const finite = values.filter(Number.isFinite);
    if (finite.length === 0) return fallback;
    const low = Math.min(...finite), high = Math.max(...finite);
    return low === high ? [low - 0.5, high + 0.5] : [low, high];
  };

  /** The panel's frame, made once: styles, a header with a fold button, a body. */
  const frame = (): { panel: Element; summary: Element; body: Element } => {
    const made = element("aside");
    made.id = PANEL_ID;
    made.setAttribute("role", "region");
    made.setAttribute("aria-label", "training now");
    const style = element("style");
    style.textContent = STYLE;
    const summary = element("span");
    const fold = element("button", "", "hide");
    fold.setAttribute("type", "button");
    fold.addEventListener("click", () => {
      const folded = !made.className.includes("nnlab-live-folded");
      made.className = folded ? "nnlab-live-folded" : "";
      fold.textContent = folded ? "show" : "hide";
    });
    const header = element("div", "nnlab-live-head");
    header.append(element("b", "", "Training now"), summary, fold);
    const body = element("div", "nnlab-live-body");
    made.append(style, header, body);
    (document.body ?? document.documentElement).append(made);
    return { panel: made, summary, body };
  };
  let parts: ReturnType<typeof frame> | null = null;

  const draw = () => {
    scheduled = false;
    if (runs.size === 0) return;
    parts ??= frame();
    const all = [...runs.values()].sort((a, b) => a.order - b.order);
    const done = all.filter((run) => run.status !== "queued" && run.status !== "training");
    parts.summary.textContent = `${study ? `${study}: ` : ""}${done.length} of ${all.length} ` +
      `runs done${cached > 0 ? ` (${cached} more from the cache)` : ""}`;

    const colorOf = colors(all);
    const colored = all.map((run) => ({ run, color: colorOf.get(run)! }));
    const lossChart = chart(
      colored.map(({ run, color }) => ({ color, points: run.loss })),
      [0, Math.max(1, ...all.map((run) => run.iterations))],
      extent(all.flatMap((run) => run.loss.map(([, loss]) => loss)), [0, 1]),
      short,
    );
    const accuracies = all.flatMap((run) => [...run.trainAcc, ...run.valAcc].map(([, a]) => a));
    const accuracyChart = chart(
      colored.flatMap(({ run, color }) => [
        { color, points: run.trainAcc, dashed: true },
        { color, points: run.valAcc },
      ]),
      [0, Math.max(1, ...all.map((run) => run.epochs))],
      [0, Math.max(0.1, ...accuracies)],
      (value) => `${Number((value * 100).toPrecision(3))}%`,
    );
    const figure = (caption: string, svg: Element) => {
      const made = element("div", "nnlab-live-chart");
      made.append(element("div", "nnlab-live-caption", caption), svg);
      return made;
    };
    const charts = element("div", "nnlab-live-charts");
    charts.append(
      figure("training loss by iteration", lossChart),
      figure("accuracy by epoch (val solid, train dashed)", accuracyChart),
    );

    const list = element("ul");
    for (const { run, color } of colored) {
      const item = element("li", run.status === "queued" ? "nnlab-live-waiting" : "");
      const swatch = element("i");
      swatch.style.background = color;
      const last = run.loss[run.loss.length - 1];
      const lastVal = run.valAcc[run.valAcc.length - 1];
      const state = run.status === "queued"
        ? "queued"
        : run.status === "training"
        ? (run.iterations > 0
          ? `epoch ${Math.min(run.epoch + 1, run.epochs)}/${run.epochs}, iteration ` +
            `${run.iteration}/${run.iterations}`
          : "starting")
        : run.status;
      const numbers = [
        last ? `loss ${short(last[1])}` : "",
        lastVal ? `val acc ${Number((lastVal[1] * 100).toPrecision(3))}%` : "",
      ].filter(Boolean).join(", ");
      item.append(swatch, `${run.name}: ${state}${numbers ? ` · ${numbers}` : ""}`);
      list.append(item);
    }
    const note = done.length < all.length
      ? "The page reloads with the finished figure when the study ends."
      : "Every run is done: writing the figure ...";
    parts.body.replaceChildren(charts, list, element("p", "", note));
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    page.requestAnimationFrame(draw);
  };

  return (event) => {
    if (event === null) {
      parts?.panel.remove();
      parts = null;
      runs.clear();
      study = "";
      cached = 0;
      return;
    }
    if (event.type === "sweep") {
      study = event.study;
      cached += event.cached;
      for (const name of event.runs) runOf(name);
    } else {
      const run = runOf(event.run);
      if (event.type === "start") run.status = "training";
      else if (event.type === "end") {
        run.status = event.status === "running" ? "failed" : event.status;
      } else if (event.type === "progress") {
        run.status = "training";
        run.iteration = event.iteration;
        run.iterations = event.iterations;
        run.epoch = event.epoch;
        run.epochs = event.epochs;
        if (Number.isFinite(event.loss)) run.loss.push([event.iteration, event.loss]);
      } else if (event.type === "epoch") {
        run.trainAcc.push([event.epoch, event.trainAcc]);
        if (event.valAcc !== null) run.valAcc.push([event.epoch, event.valAcc]);
      }
    }
    schedule();
  };
}

/**
 * The panel's source, ready to be called in a `<script>` with the palette.
 *
 * @example
 * ```ts
 * const script = `const live = (${LIVE_PANEL_SOURCE})(${JSON.stringify(["#0072b2"])});`;
 * ```
 */
export const LIVE_PANEL_SOURCE: string = livePanel.toString();
