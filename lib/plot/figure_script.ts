/**
 * The script a page (or a notebook cell) runs over its server-rendered figures: values
 * on hover, legend entries that hide and show a run, and SVG, PNG and CSV downloads. It
 * reads what renderFigure embeds next to each figure (the readouts: every drawn value
 * with where Plot put it) and needs nothing else: no library, no network.
 *
 * Why a small script over the server's SVG rather than Plot drawing in the page: a page
 * then weighs what it plots, and its figures paint as the HTML is parsed. Plot drawing in
 * the page would need Plot's and d3's minified bundles inlined (490 KB) and could draw
 * nothing before they ran. Measured with bench/page_paint.ts in headless Chromium on
 * exp:adam's quick page (66 KB: 9 KB this script, 5 KB styles, 29 KB data, 13 KB SVG),
 * median of 21 loads on a 2-core machine (load average 1.4): first contentful paint at
 * 64 ms, DOMContentLoaded at 23 ms. The same page with the bundles inlined in a script
 * that defines Plot and draws nothing is 556 KB (8x), paints first at 116 to 120 ms
 * (bundles at the end of the body or in the head) and reaches DOMContentLoaded, the
 * earliest Plot could start drawing, at 72 ms (3x); drawing would come on top. The
 * bundle would also be most of every notebook cell. tests/plot_test.ts keeps a page's own
 * script and styles under 20 KB.
 *
 * The function is shipped as its own source text (`FIGURE_SCRIPT`), so it must not use
 * anything from outside its body. The project type-checks without the DOM library (it
 * would clash with Deno's own types), so the few DOM members used are declared here.
 *
 * @module
 */

/**
 * Wires up every `.nnlab-figure` of the document not yet wired (a notebook runs it once
 * per cell).
 *
 * @example
 * ```ts
 * import { figureScript } from "./figure_script.ts";
 * import { renderFigure } from "./render.ts";
 * import type { Figure } from "./figure.ts";
 * declare const figure: Figure;
 * const html = `${renderFigure(figure)}<script>(${figureScript})();</script>`;
 * ```
 */
export function figureScript(): void {
  /** The DOM members this script uses, on elements of any kind. */
  interface Element {
    dataset: Record<string, string | undefined>;
    style: Record<string, string>;
    textContent: string | null;
    hidden: boolean;
    offsetWidth: number;
    offsetHeight: number;
    className: string;
    href: string;
    download: string;
    width: number;
    height: number;
    src: string;
    onload: (() => void) | null;
    querySelector(selector: string): Element | null;
    querySelectorAll(selector: string): Element[];
    getAttribute(name: string): string | null;
    setAttribute(name: string, value: string): void;
    addEventListener(type: string, listener: (event: PointerEvent) => void): void;
    appendChild(child: Element): Element;
    append(...children: (Element | string)[]): void;
    replaceChildren(): void;
    cloneNode(deep?: boolean): Element;
    remove(): void;
    click(): void;
    getScreenCTM(): Matrix | null;
    getContext(kind: "2d"): {
      scale(x: number, y: number): void;
      drawImage(image: Element, x: number, y: number): void;
    } | null;
    toBlob(done: (blob: Blob | null) => void): void;
  }
  interface Matrix {
    a: number;
    inverse(): Matrix;
  }
  interface PointerEvent {
    clientX: number;
    clientY: number;
  }
  interface Page {
    document: {
      body: Element;
      querySelector(selector: string): Element | null;
      querySelectorAll(selector: string): Element[];
      createElement(tag: string): Element;
      createElementNS(namespace: string, tag: string): Element;
    };
    innerWidth: number;
    innerHeight: number;
    DOMPoint: new (x: number, y: number) => {
      matrixTransform(matrix: Matrix): { x: number; y: number };
    };
    XMLSerializer: new () => { serializeToString(node: Element): string };
    Image: new () => Element;
  }
  const page = globalThis as unknown as Page;
  const document = page.document;
  interface Readout {
    xLabel: string;
    yLabel: string;
    percent: boolean;
    series: {
      index: number;
      name: string;
      points: [number, number, number, number | string, 0 | 1][];
    }[];
  }
  interface FigureData {
    title: string;
    readouts: (Readout | null)[];
    csv: { header: string[]; rows: unknown[][] } | null;
  }
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Pointer distance, in screen pixels, within which a value is shown.
  const REACH = 24;

  const number = (value: number | string, percent = false): string => {
    if (typeof value === "string") return value;
    if (percent) return `${Number((value * 100).toPrecision(6))}%`;
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude >= 1e6 || magnitude < 1e-4)
      ? value.toExponential(4)
      : String(Number(value.toPrecision(6)));
  };

  let tip: Element | null = null;
  const tooltip = (): Element => {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "nnlab-tip";
      tip.setAttribute("role", "status");
      tip.hidden = true;
      const root = document.querySelector(".nnlab-root") ?? document.body;
      root.appendChild(tip);
    }
    return tip;
  };

  const slug = (text: string) =>
    text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "figure";

  const save = (blob: Blob, name: string) => {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const csvCell = (value: unknown): string => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };

  const csvOf = (data: FigureData): string => {
    const lines: unknown[][] = [];
    if (data.readouts.some(Boolean)) {
      lines.push(["panel", "series", "x_name", "x", "y_name", "y"]);
      data.readouts.forEach((readout, panel) => {
        for (const series of readout?.series ?? []) {
          for (const [, , x, y] of series.points) {
            lines.push([panel + 1, series.name, readout!.xLabel, x, readout!.yLabel, y]);
          }
        }
      });
    } else if (data.csv) {
      lines.push(data.csv.header, ...data.csv.rows);
    }
    return lines.map((line) => line.map(csvCell).join(",")).join("\n") + "\n";
  };

  /** One standalone SVG of the figure as shown: title, legend, visible panels. */
  const svgOf = (
    figure: Element,
    data: FigureData,
  ): { text: string; width: number; height: number } => {
    const ink = "#1f2328";
    const pad = 12, gap = 18, titleHeight = 26;
    const keys = [...figure.querySelectorAll(".nnlab-key")];
    const legendHeight = keys.length > 0 ? 22 : 0;
    let x = pad, height = 0;
    const nested: string[] = [];
    for (const svg of figure.querySelectorAll(".nnlab-panel svg")) {
      const copy = svg.cloneNode(true);
      for (const hidden of copy.querySelectorAll("[style*='display: none']")) hidden.remove();
      copy.querySelector(".nnlab-focus")?.remove();
      const width = Number(svg.getAttribute("width")),
        panelHeight = Number(svg.getAttribute("height"));
      copy.setAttribute("x", String(x));
      copy.setAttribute("y", String(pad + titleHeight + legendHeight));
      nested.push(new page.XMLSerializer().serializeToString(copy));
      x += width + gap;
      height = Math.max(height, panelHeight);
    }
    const width = Math.max(x - gap + pad, 320);
    const total = pad + titleHeight + legendHeight + height + pad;
    const escape = (text: string) =>
      text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    let legendX = pad;
    const legend = keys.map((key) => {
      if (key.getAttribute("aria-pressed") === "false") return "";
      const swatch = key.querySelector(".nnlab-swatch");
      const color = swatch ? swatch.style.background : ink;
      const name = key.textContent ?? "";
      const y = pad + titleHeight;
      const item = `<rect x="${legendX}" y="${y}" width="12" height="12" fill="${color}"/>` +
        `<text x="${legendX + 17}" y="${y + 10.5}" font-size="12">${escape(name)}</text>`;
      legendX += 36 + 8 * name.length;
      return item;
    }).join("");
    const text = `<svg xmlns="${SVG_NS}" width="${width}" height="${total}" ` +
      `viewBox="0 0 ${width} ${total}" font-family="system-ui, sans-serif" color="${ink}" ` +
      `fill="${ink}"><rect width="100%" height="100%" fill="#fff"/>` +
      `<text x="${pad}" y="${pad + 16}" font-size="16" font-weight="600">${
        escape(data.title)
      }</text>` +
      legend + nested.join("") + `</svg>`;
    return { text, width, height: total };
  };

  const savePng = (svg: { text: string; width: number; height: number }, name: string) => {
    const image = new page.Image();
    image.onload = () => {
      const scale = 2;
      const canvas = document.createElement("canvas");
      canvas.width = svg.width * scale;
      canvas.height = svg.height * scale;
      const context = canvas.getContext("2d")!;
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      canvas.toBlob((blob) => blob && save(blob, name));
    };
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.text)}`;
  };

  const wire = (figure: Element) => {
    figure.dataset.nnlabReady = "1";
    const source = figure.querySelector("script.nnlab-figure-data");
    if (!source) return;
    const data = JSON.parse(source.textContent ?? "null") as FigureData;
    const hidden = new Set<number>();

    figure.querySelectorAll(".nnlab-panel svg").forEach((svg, p) => {
      const readout = data.readouts[p];
      if (!readout) return;
      const focus = document.createElementNS(SVG_NS, "circle");
      focus.setAttribute("class", "nnlab-focus");
      focus.setAttribute("r", "5");
      focus.setAttribute("fill", "none");
      focus.setAttribute("stroke", "currentColor");
      focus.setAttribute("stroke-width", "1.5");
      focus.style.display = "none";
      svg.appendChild(focus);
      const leave = () => {
        focus.style.display = "none";
        tooltip().hidden = true;
      };
      svg.addEventListener("pointerleave", leave);
      svg.addEventListener("pointermove", (event) => {
        const matrix = svg.getScreenCTM();
        if (!matrix) return;
        const at = new page.DOMPoint(event.clientX, event.clientY).matrixTransform(
          matrix.inverse(),
        );
        const reach = REACH / Math.abs(matrix.a || 1);
        let best: {
          d: number;
          series: Readout["series"][number];
          point: Readout["series"][number]["points"][number];
        } | null = null;
        for (const series of readout.series) {
          if (hidden.has(series.index)) continue;
          for (const point of series.points) {
            const d = Math.hypot(point[0] - at.x, point[1] - at.y);
            if (d <= reach && (!best || d < best.d)) best = { d, series, point };
          }
        }
        if (!best) return leave();
        const [px, py, x, y, off] = best.point;
        focus.setAttribute("cx", String(px));
        focus.setAttribute("cy", String(py));
        focus.style.display = "";
        const box = tooltip();
        const key = figure.querySelector(
          `.nnlab-key[data-series="${best.series.index}"] .nnlab-swatch`,
        );
        box.replaceChildren();
        const title = document.createElement("b");
        if (key) title.appendChild(key.cloneNode());
        title.append(best.series.name);
        const line = (text: string) => {
          box.append(document.createElement("br"), text);
        };
        box.append(title);
        line(`${readout.xLabel} ${number(x)}`);
        line(`${readout.yLabel} ${number(y, readout.percent)}${off ? " (off the scale)" : ""}`);
        box.hidden = false;
        const left = Math.min(event.clientX + 14, page.innerWidth - box.offsetWidth - 8);
        const top = event.clientY + 14 + box.offsetHeight > page.innerHeight
          ? event.clientY - box.offsetHeight - 10
          : event.clientY + 14;
        box.style.left = `${Math.max(4, left)}px`;
        box.style.top = `${Math.max(4, top)}px`;
      });
    });

    for (const key of figure.querySelectorAll("button.nnlab-key")) {
      key.addEventListener("click", () => {
        const index = Number(key.dataset.series);
        const hide = !hidden.has(index);
        if (hide) hidden.add(index);
        else hidden.delete(index);
        key.setAttribute("aria-pressed", String(!hide));
        for (const marks of figure.querySelectorAll(`.nnlab-series-${index}`)) {
          marks.style.display = hide ? "none" : "";
        }
      });
    }

    for (const button of figure.querySelectorAll("button[data-download]")) {
      button.addEventListener("click", () => {
        const name = slug(data.title);
        const kind = button.dataset.download;
        if (kind === "csv") save(new Blob([csvOf(data)], { type: "text/csv" }), `${name}.csv`);
        else if (kind === "svg") {
          save(new Blob([svgOf(figure, data).text], { type: "image/svg+xml" }), `${name}.svg`);
        } else if (kind === "png") savePng(svgOf(figure, data), `${name}.png`);
      });
    }
  };

  for (const figure of document.querySelectorAll(".nnlab-figure:not([data-nnlab-ready])")) {
    wire(figure);
  }
}

/**
 * The script as text, ready to inline in a `<script>` element.
 *
 * @example
 * ```ts
 * import { FIGURE_SCRIPT } from "./figure_script.ts";
 *
 * const tag = `<script>${FIGURE_SCRIPT}</script>`;
 * ```
 */
export const FIGURE_SCRIPT = `(${figureScript.toString()})();`;
