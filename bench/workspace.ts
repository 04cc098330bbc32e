/**
 * `deno run -A bench/workspace.ts`: how the workspace feels, in wall-clock seconds.
 *
 * 1. Sweep speed-up: exp:weight-scale --quick (6 runs) with --jobs 1 (in process, the
 *    backend's default threads) and --jobs 2 (two worker processes, one thread each), each
 *    with an empty run store. The quick runs are short, so process start-up and data
 *    loading weigh more than in a full sweep.
 * 2. Cache hit: exp:adam (full settings) run twice against the repo's run store; the
 *    second run trains nothing, and its wall time is what a re-run costs.
 * 3. Dev loop: `deno task dev --quick` in a temporary workspace copy; the time from saving
 *    experiments/adam.ts to the page's change event (when an open page reloads) for an
 *    edit that retrains nothing (a comment) and one that retrains one run (a learning rate),
 *    and, separately, from a page being rewritten to the event (the server's own delay).
 *
 * Flags: --repeat N (default 1; the median is reported), --skip-adam. The machine's load
 * average is printed: on a shared machine every number is noisier.
 *
 * @module
 */
import { join } from "node:path";
import { EVENTS_PATH } from "../lib/cli/dev/inject.ts";
import { changeEvents } from "../lib/cli/dev/sse_client.ts";
import { copyWorkspace } from "../lib/cli/dev/workspace.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { commandLineOrExit } from "../lib/cli/command_line.ts";
import { argumentError } from "../lib/errors.ts";

const { repeat, skipAdam } = commandLineOrExit(
  Deno.args,
  { repeat: { type: "string" }, "skip-adam": { type: "boolean" } },
  {},
  ({ values }) => {
    const text = (values.repeat ?? "1") as string;
    if (!/^\d+$/.test(text) || Number(text) < 1) {
      throw argumentError("--repeat", text, "an integer >= 1");
    }
    return { repeat: Number(text), skipAdam: values["skip-adam"] === true };
  },
);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const load = () => Deno.loadavg().map((x) => x.toFixed(2)).join(" ");

/** Runs a study as a user does; returns its wall time in milliseconds and its output. */
async function study(name: string, args: string[], env: Record<string, string> = {}) {
  const start = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "experiments", `${name}.ts`), ...args],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - start;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${name} failed:\n${new TextDecoder().decode(out.stderr)}`);
  return { ms, text };
}

const scratch = await Deno.makeTempDir({ prefix: "nnlab-bench-workspace-" });
console.log(`cores=${navigator.hardwareConcurrency} load_average=${load()}`);

// 1. Sweep speed-up.
const sweepMs: Record<number, number[]> = { 1: [], 2: [] };
for (let r = 0; r < repeat; r++) {
  for (const jobs of [1, 2]) {
    const runs = join(scratch, `sweep-${jobs}-${r}`);
    const { ms } = await study(
      "weight_scale",
      ["--quick", "--jobs", String(jobs), "--out", `${runs}.html`],
      { NNLAB_RUNS_DIR: runs },
    );
    sweepMs[jobs].push(ms);
  }
}
const [one, two] = [median(sweepMs[1]), median(sweepMs[2])];
console.log(
  `sweep=weight_scale --quick runs=6 jobs1_s=${seconds(one)} jobs2_s=${seconds(two)} ` +
    `speedup=${(one / two).toFixed(2)}`,
);

// 2. Cache-hit re-run of exp:adam (full settings, the repo's run store).
if (!skipAdam) {
  const out = join(scratch, "adam.html");
  const first = await study("adam", ["--out", out]);
  const hits: number[] = [];
  let line = "";
  for (let r = 0; r < repeat; r++) {
    const again = await study("adam", ["--out", out]);
    hits.push(again.ms);
    line = again.text.match(/adam: \d+ of \d+ runs cached, \d+ to train/)?.[0] ?? "";
  }
  console.log(
    `adam first_s=${seconds(first.ms)} cache_hit_rerun_s=${seconds(median(hits))} (${line})`,
  );
}

// 3. Dev loop in a workspace copy.
const work = join(scratch, "workspace");
await Deno.mkdir(work);
await copyWorkspace(work, { nodeModules: "symlink" });
const dev = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "lib/cli/dev/main.ts", "--port", "0", "--quick", "--jobs", "1"],
  cwd: work,
  env: { NNLAB_RUNS_DIR: join(work, "runs"), NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let log = "";
const reading = (async () => {
  for await (const chunk of dev.stdout.pipeThrough(new TextDecoderStream())) log += chunk;
})();
try {
  while (!/serving plots\/ on (\S+)/.test(log)) await new Promise((r) => setTimeout(r, 50));
  const url = /serving plots\/ on (\S+)/.exec(log)![1];
  const events = changeEvents((await fetch(`${url}${EVENTS_PATH.slice(1)}`)).body!);
  const script = join(work, "experiments", "adam.ts");
  const source = await Deno.readTextFile(script);
  /** Saves `text` as adam.ts; milliseconds until the page's change event. */
  const saveAndWait = async (text: string) => {
    const start = performance.now();
    await Deno.writeTextFile(script, text);
    await events.next("adam.html", 300_000);
    return performance.now() - start;
  };
  const build = await saveAndWait(`${source}\n// build\n`);
  const comment: number[] = [];
  const rate: number[] = [];
  for (let r = 0; r < repeat; r++) {
    comment.push(await saveAndWait(`${source}\n// edit ${r}\n`));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the index write settle
    rate.push(await saveAndWait(source.replace("sgd: 5e-3,", `sgd: ${6 + r}e-3,`)));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const rewrite: number[] = [];
  const page = join(work, "plots", "adam.html");
  const html = await Deno.readTextFile(page);
  for (let r = 0; r < Math.max(5, repeat); r++) {
    const start = performance.now();
    await writeFileAtomic(page, html);
    await events.next("adam.html", 10_000);
    rewrite.push(performance.now() - start);
  }
  await events.close();
  console.log(
    `dev first_build_s=${seconds(build)} save_to_reload_all_cached_s=${seconds(median(comment))} ` +
      `save_to_reload_one_run_retrained_s=${seconds(median(rate))} ` +
      `page_write_to_event_ms=${median(rewrite).toFixed(0)}`,
  );
} finally {
  dev.kill("SIGTERM");
  await dev.status;
  await reading;
  await Deno.remove(scratch, { recursive: true });
}
console.log(`load_average_after=${load()}`);
