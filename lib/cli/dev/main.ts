/**
 * `deno task dev`: the reactive workspace. Watches experiments/ and lib/; on a save it
 * finds the studies whose module graph holds the changed file, re-runs only those (as
 * subprocesses; the run cache keeps every unchanged run, so only the runs the edit touches
 * train), and serves plots/ on 127.0.0.1 with live reload, so an open figure redraws
 * itself; while a study re-runs, its open page shows the training runs' loss and accuracy
 * live. A failing re-run is shown on its page and in the terminal; the server goes on.
 *
 *     deno task dev [--port 8000] [--all] [--debounce 150] [study flags, e.g. --quick]
 *
 * @module
 */
import { dirname, extname, join, relative, resolve } from "node:path";
import { argumentError, numberIn } from "../../errors.ts";
import { parseCommandLine } from "../command_line.ts";
import { FLAGS_HELP, parseStudyFlags } from "../../study/flags.ts";
import { REPO_ROOT } from "../../files.ts";
import { coalesce } from "./coalesce.ts";
import { affectedStudies, studyGraph } from "./dependents.ts";
import { rerunStudy } from "./rerun.ts";
import { type DevServer, pageFileOf, startDevServer } from "./server.ts";

/** Flags of `deno task dev` itself; anything else is passed on to the studies. */
export const DEV_HELP = `deno task dev [flags] [study flags]

  --port N           port on 127.0.0.1 (default 8000; 0 picks a free one)
  --all              re-run every study once at start (cached runs are not retrained)
  --debounce MS      quiet time that closes a burst of saves (default 150)
  -h, --help         show this help

study flags, passed to every re-run (--out is not accepted here):
${FLAGS_HELP.split("\n").filter((line) => !/--out|--help/.test(line)).join("\n")}`;

/** Parsed flags of `deno task dev`. */
export interface DevOptions {
  port: number;
  all: boolean;
  /** Milliseconds without a save that close a burst. */
  debounceMs: number;
  /** Flags for every study re-run, e.g. ["--quick"]. */
  studyArgs: string[];
  help: boolean;
}

/** Source files whose change can matter to a study. */
const SOURCE_EXTENSIONS = new Set([".ts", ".tsx", ".js", ".mjs", ".json"]);

/**
 * Splits the command line into dev's own flags and the study flags, validating both
 * (an unknown flag is named, with what is accepted).
 *
 * @example
 * ```ts
 * parseDevFlags(["--port", "0", "--quick"]); // { port: 0, studyArgs: ["--quick"], ... }
 * ```
 */
export function parseDevFlags(args: string[]): DevOptions {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split("=", 2);
    if (name === "--port" || name === "--debounce") {
      own.push(name, inline ?? args[++i] ?? "");
    } else if (name === "--all" || name === "-h" || name === "--help") {
      own.push(name);
    } else {
      rest.push(args[i]);
    }
  }
  const { values } = parseCommandLine(own, {
    port: { type: "string" },
    debounce: { type: "string" },
    all: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const integer = (
    flag: string,
    text: string | boolean | undefined,
    fallback: number,
    max: number,
  ) => {
    if (typeof text !== "string") return fallback;
    if (!/^\d+$/.test(text)) throw argumentError(flag, text, `an integer from 0 to ${max}`);
    return numberIn(flag, Number(text), { min: 0, max, integer: true });
  };
  const studyArgs = parseStudyFlags(rest);
  if (studyArgs.out !== undefined) {
    throw argumentError(
      "--out",
      studyArgs.out,
      "no --out with dev (each study writes plots/<name>.html)",
    );
  }
  return {
    port: integer("--port", values.port, 8000, 65_535),
    all: values.all === true,
    debounceMs: integer("--debounce", values.debounce, 150, 60_000),
    studyArgs: rest,
    help: values.help === true,
  };
}

/** A running dev session. */
export interface DevSession {
  server: DevServer;
  /** Stops watching and serving. */
  stop(): Promise<void>;
}

/**
 * Starts watching and serving the workspace at `root`.
 *
 * @example
 * ```ts
 * const session = await startDev(parseDevFlags(["--port", "0", "--quick"]));
 * console.log(session.server.url);
 * ```
 */
export async function startDev(
  options: DevOptions,
  root: string = REPO_ROOT,
  print: (line: string) => void = (line) => console.log(line),
): Promise<DevSession> {
  const scriptsDir = join(root, "experiments");
  const plotsDir = join(root, "plots");
  const failures = new Map<string, { study: string; message: string }>();
  const running = new Map<string, string>();
  const server = await startDevServer({
    plotsDir,
    port: options.port,
    errorsFor: (file) =>
      file === "index.html"
        ? [...failures.values()]
        : (failures.has(file) ? [failures.get(file)!] : []),
    statusFor: (file) => running.get(file),
  });

  const isStudyScript = (path: string) => dirname(path) === scriptsDir && extname(path) === ".ts";
  const graphOf = async (script: string): Promise<string[]> => {
    try {
      return await studyGraph(script, root);
    } catch {
      return [script]; // it does not parse yet: its own file is all we know
    }
  };
  const graphs = new Map<string, string[]>();
  const scripts: string[] = [];
  for await (const entry of Deno.readDir(scriptsDir)) {
    if (entry.isFile && isStudyScript(join(scriptsDir, entry.name))) {
      scripts.push(join(scriptsDir, entry.name));
    }
  }
  await Promise.all(scripts.map(async (script) => graphs.set(script, await graphOf(script))));

  const show = (path: string) => relative(root, path);
  const rerun = async (script: string) => {
    // A --quick page is written beside the full one (plots/<name>.quick.html).
    const quick = options.studyArgs.includes("--quick");
    const page = pageFileOf(script).replace(/\.html$/, quick ? ".quick.html" : ".html");
    running.set(page, `running ${show(script)} ...`);
    print(`re-running ${show(script)} ${options.studyArgs.join(" ")}`.trimEnd());
    const result = await rerunStudy(script, options.studyArgs, {
      cwd: root,
      print,
      onLive: (event) => server.live(page, event), // the open page draws the runs as they train
    });
    running.delete(page);
    server.endLive(page);
    const hadFailed = failures.has(page);
    const seconds = (result.ms / 1000).toFixed(1);
    if (result.ok) {
      failures.delete(page);
      print(`${show(script)}: done in ${seconds} s; ${server.url}${page}`);
    } else {
      failures.set(page, { study: show(script), message: result.output });
      print(
        `${show(script)}: FAILED (exit code ${result.code}) after ${seconds} s; ` +
          `the error is shown on ${server.url}${page}`,
      );
    }
    // A successful run rewrote the page (the plots/ watcher reloads it); a changed failure
    // state needs a reload of its own, since the overlay comes from the server.
    if (!result.ok || hadFailed) server.notify([page, "index.html"]);
    graphs.set(script, await graphOf(script)); // its imports may have changed
  };

  const changes = coalesce<string>({
    quietMs: options.debounceMs,
    handle: async (paths) => {
      const changed = paths.filter((path) => SOURCE_EXTENSIONS.has(extname(path)));
      if (changed.length === 0) return;
      for (const path of changed) {
        if (graphs.has(path) && !(await exists(path))) {
          graphs.delete(path);
          print(`${show(path)} was removed`);
        }
      }
      const live = [];
      for (const path of changed) if (await exists(path)) live.push(path);
      const affected = affectedStudies(graphs, live, isStudyScript);
      const names = changed.map(show).join(", ");
      if (affected.length === 0) {
        print(`changed ${names}: no study imports it`);
        return;
      }
      print(
        `changed ${names}: re-running ${affected.map(show).join(", ")} ` +
          `(${affected.length} of ${Math.max(graphs.size, affected.length)} studies)`,
      );
      for (const script of affected) await rerun(script);
    },
    onError: (error) => print(`dev: ${(error as Error).message ?? error}`),
  });

  const watcher = Deno.watchFs([scriptsDir, join(root, "lib")], { recursive: true });
  const watching = (async () => {
    for await (const event of watcher) {
      if (event.kind === "access") continue;
      changes.add(event.paths.map((path) => resolve(path)));
    }
  })();

  print(`nnlab dev: serving plots/ on ${server.url}`);
  print(
    `watching experiments/ and lib/ (${graphs.size} experiments); re-runs use: ${
      options.studyArgs.join(" ") || "(no flags)"
    }`,
  );
  if (options.all) changes.add(scripts);

  return {
    server,
    async stop() {
      watcher.close();
      await watching;
      await changes.idle();
      await server.shutdown();
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  let options: DevOptions;
  try {
    options = parseDevFlags(Deno.args);
  } catch (error) {
    console.error(`error: ${(error as Error).message} (deno task dev --help lists the flags)`);
    Deno.exit(1);
  }
  if (options.help) {
    console.log(DEV_HELP);
  } else {
    try {
      await startDev(options);
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        console.error(`error: --port: got ${options.port}; that port is in use, pick another`);
        Deno.exit(1);
      }
      throw error;
    }
  }
}
