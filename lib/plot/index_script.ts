/**
 * The script of plots/index.html's run browser: sort the runs table by a column (click
 * its heading; again to reverse), filter it by text, study and quick runs, and hide the
 * columns no shown run has a value in. The table is complete without it (server-rendered).
 *
 * Shipped as its own source text (`INDEX_SCRIPT`), so it uses nothing from outside its
 * body; the few DOM members it needs are declared here, as in figure_script.ts.
 *
 * @module
 */

/**
 * Wires up the run browser of the document.
 *
 * @example
 * ```ts
 * import { indexScript } from "./index_script.ts";
 *
 * const html = `<table class="nnlab-runbrowser">...</table><script>(${indexScript})();</script>`;
 * ```
 */
export function indexScript(): void {
  interface Element {
    dataset: Record<string, string | undefined>;
    hidden: boolean;
    textContent: string | null;
    value: string;
    checked: boolean;
    cellIndex: number;
    children: Element[];
    querySelector(selector: string): Element | null;
    querySelectorAll(selector: string): Element[];
    setAttribute(name: string, value: string): void;
    addEventListener(type: string, listener: () => void): void;
    append(...children: Element[]): void;
  }
  const document = (globalThis as unknown as {
    document: { querySelector(selector: string): Element | null };
  }).document;
  const table = document.querySelector("table.nnlab-runbrowser");
  const body = table?.querySelector("tbody");
  if (!table || !body) return;
  const filter = document.querySelector("#nnlab-filter");
  const study = document.querySelector("#nnlab-study");
  const hideQuick = document.querySelector("#nnlab-hide-quick");
  const count = document.querySelector("#nnlab-count");
  // Copied to arrays: the browser's NodeList has no some().
  const headings = [...table.querySelectorAll("thead th")];
  const rows = [...body.querySelectorAll("tr")];

  const apply = () => {
    const terms = (filter?.value ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const text = (row.textContent ?? "").toLowerCase();
      const visible = terms.every((term) => text.includes(term)) &&
        (!study?.value || row.dataset.study === study.value) &&
        !(hideQuick?.checked && row.dataset.quick === "1");
      row.hidden = !visible;
      if (visible) shown++;
    }
    if (count) count.textContent = `${shown} of ${rows.length} run${rows.length === 1 ? "" : "s"}`;
    // A column is shown when a shown run has a value in it.
    headings.forEach((heading, column) => {
      const used = rows.some((row) => !row.hidden && row.children[column]?.dataset.empty !== "1");
      heading.hidden = !used;
      for (const row of rows) {
        if (row.children[column]) row.children[column].hidden = !used;
      }
    });
  };

  let sortedBy = -1, direction = 1;
  headings.forEach((heading, column) => {
    heading.setAttribute("role", "button");
    heading.setAttribute("tabindex", "0");
    heading.addEventListener("click", () => {
      direction = sortedBy === column ? -direction : 1;
      sortedBy = column;
      const key = (row: Element) => {
        const cell = row.children[column];
        const value = cell?.dataset.value;
        return value !== undefined && value !== "" ? Number(value) : (cell?.textContent ?? "");
      };
      const ordered = [...rows].sort((a, b) => {
        const ka = key(a), kb = key(b);
        // Empty cells last whichever the direction.
        if (ka === "" || kb === "") return ka === kb ? 0 : ka === "" ? 1 : -1;
        const order = typeof ka === "number" && typeof kb === "number"
          ? ka - kb
          : String(ka).localeCompare(String(kb), undefined, { numeric: true });
        return direction * order;
      });
      body.append(...ordered);
      for (const other of headings) other.setAttribute("aria-sort", "none");
      heading.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
    });
  });
  for (const control of [filter, study, hideQuick]) control?.addEventListener("input", apply);
  apply();
}

/**
 * The script as text, ready to inline in a `<script>` element.
 *
 * @example
 * ```ts
 * import { INDEX_SCRIPT } from "./index_script.ts";
 *
 * const tag = `<script>${INDEX_SCRIPT}</script>`;
 * ```
 */
export const INDEX_SCRIPT = `(${indexScript.toString()})();`;
