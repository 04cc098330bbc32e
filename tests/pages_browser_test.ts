/**
 * Figure pages and the index in a real browser (headless Chromium or Chrome, driven over
 * the DevTools protocol): drawn in light and dark mode, values on hover, legend entries
 * that hide a run, SVG/PNG/CSV downloads, and an index that runs no script a page brings.
 * Pages are built from records constructed here. Without a browser these tests are
 * ignored (one line says how to enable them); CI sets NNLAB_REQUIRE_BROWSER=1.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SERIES_COLORS } from "../lib/plot/figure.ts";
import { writeIndex } from "../lib/plot/index_page.ts";
import { learningCurves } from "../lib/plot/learning_curves.ts";
import {
  type PageRun,
  type Provenance,
  savedPageDisplay,
  writeFigurePage,
} from "../lib/plot/page.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { fakeRecord } from "./fake_record.ts";
import {
  type BrowserTab,
  browserTest,
  decodePng,
  inkFraction,
  launchBrowser,
  rowsWithColor,
} from "./chromium.ts";

/** A record with a loss falling from 2.3 over `iterations` and accuracies rising per epoch. */
function record(
  name: string,
  { speed = 1, iterations = 40, epochs = 4, learningRate = 1e-3, explodeAt = Infinity } = {},
): RunRecord {
  const lossHistory = Array.from(
    { length: iterations },
    (_, i) =>
      i >= explodeAt ? 1.3e34 : 2.3 * Math.exp((-speed * i) / iterations) + 0.03 * Math.sin(i),
  );
  const accuracy = (gap: number) =>
    Array.from({ length: epochs + 1 }, (_, e) => 0.1 + (0.8 - gap) * (1 - Math.exp(-speed * e)));
  return fakeRecord(name, {
    config: { updateRule: name, learningRate, numEpochs: epochs, numTrain: 400 },
    history: { lossHistory, trainAccHistory: accuracy(0), valAccHistory: accuracy(0.1) },
    metrics: {
      bestValAcc: accuracy(0.1).at(-1)!,
      finalTrainAcc: accuracy(0).at(-1)!,
      finalLoss: lossHistory.at(-1)!,
    },
    timings: {
      totalMs: 1000 * speed,
      perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 1 },
      iterations,
    },
  });
}

const provenance: Provenance = {
  scriptPath: "experiments/adam.ts",
  scriptSource: "// the study\n",
  config: { quick: false },
  backend: { backend: "cpu", threads: 1 },
  versions: { "@tensorflow/tfjs": "4.22.0" },
  date: "2025-03-01T14:05:09.000Z",
  gitCommit: "0123abc",
  dirty: false,
};

/** Four update rules; rmsprop's loss explodes to 1.3e34 from iteration 31 on. */
function runs(): PageRun[] {
  return [
    { record: record("sgd", { speed: 0.5, learningRate: 5e-3 }), cached: false },
    { record: record("sgd_momentum", { speed: 1.5, learningRate: 5e-3 }), cached: false },
    { record: record("rmsprop", { speed: 2, learningRate: 1e-4, explodeAt: 30 }), cached: false },
    { record: record("adam", { speed: 3 }), cached: false },
  ];
}

async function writePage(dir: string, name = "adam.html", title = "Update rules") {
  const pageRuns = runs();
  return await writeFigurePage({
    out: join(dir, name),
    title,
    description: "Which update rule trains fastest?",
    dataLine: "synthetic",
    figures: [learningCurves(pageRuns.map((r) => r.record), { legendLabel: "update rule" })],
    runs: pageRuns,
    provenance,
  });
}

/** Where the readout puts a run's point on screen: panel, run, the point's x value. */
function pointOnScreen(tab: BrowserTab, panel: number, run: string, x: number) {
  return tab.evaluate<{ x: number; y: number }>(`(() => {
    const figure = document.querySelector(".nnlab-figure");
    const data = JSON.parse(figure.querySelector("script.nnlab-figure-data").textContent);
    const point = data.readouts[${panel}].series.find((s) => s.name === ${JSON.stringify(run)})
      .points.find((p) => p[2] === ${x});
    const svg = figure.querySelectorAll(".nnlab-panel svg")[${panel}];
    const at = new DOMPoint(point[0], point[1]).matrixTransform(svg.getScreenCTM());
    return { x: at.x, y: at.y };
  })()`);
}

const tipText = (tab: BrowserTab) =>
  tab.evaluate<string | null>(`(() => {
    const tip = document.querySelector(".nnlab-tip");
    return tip && !tip.hidden ? tip.innerText : null;
  })()`);

async function withDir(prefix: string, fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

browserTest(
  "a page in light and dark mode: its background, and every run drawn in its colour",
  async () => {
    await withDir("nnlab-browser-", async (dir) => {
      const page = await writePage(dir);
      await using browser = await launchBrowser();
      for (const colorScheme of ["light", "dark"] as const) {
        const tab = await browser.open(page, { width: 1200, height: 900, colorScheme });
        const shot = await tab.screenshot();
        const [r, g, b] = shot.pixels.subarray(0, 3);
        if (colorScheme === "light") assert.deepEqual([r, g, b], [255, 255, 255]);
        else assert.ok(r < 30 && g < 30 && b < 40, `dark background, got ${[r, g, b]}`);
        const ink = await tab.evaluate<string>(
          `getComputedStyle(document.querySelector("h1")).color`,
        );
        assert.equal(ink, colorScheme === "light" ? "rgb(31, 35, 40)" : "rgb(230, 237, 243)");
        // A legend swatch spans about 13 rows; a run's dots and line span most of a panel.
        for (const color of SERIES_COLORS.slice(0, 4)) {
          const rows = rowsWithColor(shot, color, 12);
          assert.ok(rows >= 60, `${colorScheme}: ${color} is on only ${rows} rows`);
        }
      }
    });
  },
);

browserTest(
  "hover shows the run, x and y of the nearest point, exact, also off the scale",
  async () => {
    await withDir("nnlab-browser-", async (dir) => {
      const page = await writePage(dir);
      await using browser = await launchBrowser();
      const tab = await browser.open(page);
      assert.equal(await tipText(tab), null, "no tooltip before hovering");
      const adam = runs()[3].record;
      let at = await pointOnScreen(tab, 0, "adam", 7);
      await tab.hover(at.x, at.y);
      assert.equal(
        await tipText(tab),
        `adam\niteration 7\ntraining loss ${Number(adam.history.lossHistory[6].toPrecision(6))}`,
      );
      // An accuracy, in percent as the axis shows it.
      at = await pointOnScreen(tab, 2, "sgd", 3);
      await tab.hover(at.x, at.y);
      const accuracy = runs()[0].record.history.valAccHistory[3];
      assert.equal(
        await tipText(tab),
        `sgd\nepoch 3\nvalidation accuracy ${Number((accuracy * 100).toPrecision(6))}%`,
      );
      // rmsprop's exploded loss is drawn on the top edge; hovering it tells the real value.
      at = await pointOnScreen(tab, 0, "rmsprop", 35);
      await tab.hover(at.x, at.y);
      assert.equal(
        await tipText(tab),
        "rmsprop\niteration 35\ntraining loss 1.3000e+34 (off the scale)",
      );
      // Far from every point, nothing is shown.
      await tab.hover(5, 5);
      assert.equal(await tipText(tab), null);
    });
  },
);

browserTest(
  "a legend entry hides and shows its run: marks, colour on screen, and hover",
  async () => {
    await withDir("nnlab-browser-", async (dir) => {
      const page = await writePage(dir);
      await using browser = await launchBrowser();
      const tab = await browser.open(page, { width: 1200, height: 900 });
      const color = SERIES_COLORS[1]; // sgd_momentum
      const before = rowsWithColor(await tab.screenshot(), color, 12);
      await tab.clickOn('.nnlab-key[data-series="1"]');
      assert.equal(
        await tab.evaluate(`document.querySelector('.nnlab-key[data-series="1"]')
      .getAttribute("aria-pressed")`),
        "false",
      );
      const after = rowsWithColor(await tab.screenshot(), color, 12);
      assert.ok(before >= 60 && after <= 16, `rows in ${color}: ${before} shown, ${after} hidden`);
      const at = await pointOnScreen(tab, 0, "sgd_momentum", 20);
      await tab.hover(at.x, at.y);
      assert.doesNotMatch(
        (await tipText(tab)) ?? "",
        /sgd_momentum/,
        "a hidden run is not hovered",
      );
      await tab.clickOn('.nnlab-key[data-series="1"]');
      assert.ok(rowsWithColor(await tab.screenshot(), color, 12) >= before - 2, "shown again");
    });
  },
);

browserTest(
  "downloads: the CSV holds every plotted value; SVG and PNG are the figure as shown",
  async () => {
    await withDir("nnlab-browser-", async (dir) => {
      const page = await writePage(dir);
      const downloads = join(dir, "downloads");
      await Deno.mkdir(downloads);
      await using browser = await launchBrowser();
      await browser.allowDownloads(downloads);
      const tab = await browser.open(page);
      const download = async (kind: string) => {
        const done = browser.waitFor(
          "Browser.downloadProgress",
          undefined,
          (p) => p.state === "completed",
        );
        await tab.clickOn(`button[data-download="${kind}"]`);
        await done;
        return join(downloads, `learning-curves.${kind}`);
      };
      const csv = (await Deno.readTextFile(await download("csv"))).trim().split("\n");
      assert.equal(csv[0], "panel,series,x_name,x,y_name,y");
      // 4 runs x 40 losses, and 4 runs x 5 epochs on each accuracy panel.
      assert.equal(csv.length - 1, 4 * 40 + 2 * 4 * 5);
      const adam = runs()[3].record;
      assert.ok(csv.includes(`1,adam,iteration,7,training loss,${adam.history.lossHistory[6]}`));
      assert.ok(
        csv.includes(
          `3,sgd,epoch,2,validation accuracy,${runs()[0].record.history.valAccHistory[2]}`,
        ),
      );
      assert.ok(csv.includes("1,rmsprop,iteration,35,training loss,1.3e+34"), "values as measured");
      const svg = await Deno.readTextFile(await download("svg"));
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="(\d+)"/);
      assert.equal((svg.match(/<svg /g) ?? []).length, 1 + 3, "the figure holding its 3 panels");
      assert.match(svg, />Learning curves</);
      const png = await decodePng(await Deno.readFile(await download("png")));
      const width = Number(svg.match(/width="(\d+)"/)![1]);
      assert.equal(png.width, 2 * width, "drawn at twice the size, for sharp slides");
      const ink = inkFraction(png);
      assert.ok(ink > 0.02 && ink < 0.5, `drawn fraction ${ink}`);
    });
  },
);

browserTest(
  "index: a hostile page's SVG runs nothing; the run browser sorts and filters",
  async () => {
    await withDir("nnlab-browser-index-", async (dir) => {
      await writePage(dir, "adam.html", "Update rules");
      await writePage(dir, "adam2.html", "Update rules again");
      const pageData = {
        format: "nnlab-figure-page/1",
        page: { title: "Hostile", description: "x", dataLine: "x", date: "", runCount: 1 },
        provenance: {},
        runs: [{ record: { name: "<img src=x onerror=window.pwned=3>", config: {}, metrics: {} } }],
        data: [],
      };
      await Deno.writeTextFile(
        join(dir, "hostile.html"),
        `<!doctype html><html><body>
<svg viewBox="0 0 10 10" onload="window.pwned=1"><script>window.pwned=2; document.title="pwned"</script>
<foreignObject><img src="x" onerror="window.pwned=4"></foreignObject>
<a href="javascript:window.pwned=5"><circle r="4" onmouseover="window.pwned=6"/></a></svg>
<script type="application/json" id="nnlab-data">${JSON.stringify(pageData)}</script></body></html>`,
      );
      const index = await writeIndex(dir);
      await using browser = await launchBrowser();
      const tab = await browser.open(index, { width: 1300, height: 900 });
      await tab.hover(40, 400);
      assert.equal(await tab.evaluate("String(window.pwned)"), "undefined");
      assert.equal(await tab.evaluate("document.title"), "nnlab figures");
      assert.equal(await tab.evaluate(`document.querySelectorAll("script").length`), 1);
      // 4 + 4 runs of the two pages, 1 of the hostile one.
      const visible = () =>
        tab.evaluate<string[]>(`[...document.querySelectorAll(".nnlab-runbrowser tbody tr")]
        .filter((tr) => !tr.hidden).map((tr) => tr.children[1].textContent)`);
      assert.equal((await visible()).length, 9);
      // Sorting by learning rate, ascending: rmsprop's 1e-4 first, empty cells last.
      const heading = await tab.evaluate<number>(`[...document.querySelectorAll(
      ".nnlab-runbrowser thead th")].findIndex((th) => th.textContent === "learning rate") + 1`);
      await tab.clickOn(`.nnlab-runbrowser thead th:nth-child(${heading})`);
      const sorted = await visible();
      assert.deepEqual(sorted.slice(0, 4), ["rmsprop", "rmsprop", "adam", "adam"]);
      assert.deepEqual(sorted.slice(4, 8).sort(), ["sgd", "sgd", "sgd_momentum", "sgd_momentum"]);
      assert.equal(sorted.at(-1), "<img src=x onerror=window.pwned=3>", "a name is text, run last");
      // Filtering: every word must match.
      await tab.evaluate(`(() => {
      const input = document.querySelector("#nnlab-filter");
      input.value = "sgd_momentum again";
      input.dispatchEvent(new Event("input"));
    })()`);
      assert.deepEqual(await visible(), ["sgd_momentum"]);
      assert.equal(
        await tab.evaluate(`document.querySelector("#nnlab-count").textContent`),
        "1 of 9 runs",
      );
    });
  },
);

browserTest(
  "a study's page in a notebook cell: its sections styled, the notebook's own left alone, light and dark",
  async () => {
    await withDir("nnlab-browser-", async (dir) => {
      const page = await writePage(dir);
      const bundle = savedPageDisplay(await Deno.readTextFile(page))!["text/html"];
      // A notebook of its own: a header and a heading of its own, the cell's output below.
      const host = join(dir, "notebook.html");
      await Deno.writeTextFile(
        host,
        `<!doctype html><html><head><meta name="color-scheme" content="light dark"></head>` +
          `<body><header id="own"><h1 id="own-title">My notebook</h1></header>` +
          `<div class="output">${bundle}</div></body></html>`,
      );
      await using browser = await launchBrowser();
      for (const colorScheme of ["light", "dark"] as const) {
        const tab = await browser.open(host, { width: 1200, height: 900, colorScheme });
        const style = (selector: string, property: string) =>
          tab.evaluate<string>(
            `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`,
          );
        assert.equal(await style(".nnlab-notebook h1", "fontSize"), "28px");
        assert.equal(await style(".nnlab-notebook header", "borderBottomStyle"), "solid");
        assert.equal(await style(".nnlab-facts", "display"), "grid", "provenance facts");
        assert.equal(await style(".nnlab-notebook details", "borderTopStyle"), "solid");
        assert.equal(await style("#own", "borderBottomStyle"), "none", "the notebook's header");
        assert.equal(await style("#own-title", "fontSize"), "32px", "the notebook's own h1");
        assert.equal(
          await style(".nnlab-notebook h1", "color"),
          colorScheme === "light" ? "rgb(31, 35, 40)" : "rgb(230, 237, 243)",
        );
        assert.equal(await tab.evaluate(`document.querySelectorAll(".nnlab-crumb").length`), 0);
        // The page's script runs in the cell: legend entries toggle the runs.
        await tab.clickOn('.nnlab-key[data-series="1"]');
        assert.equal(
          await tab.evaluate(`document.querySelector('.nnlab-key[data-series="1"]')
            .getAttribute("aria-pressed")`),
          "false",
        );
        const shots = Deno.env.get("NNLAB_SCREENSHOTS");
        if (shots) await tab.screenshot({ keepPng: join(shots, `notebook-${colorScheme}.png`) });
      }
    });
  },
);
