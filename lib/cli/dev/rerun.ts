/**
 * Re-runs one study script as its own process, exactly as a user would
 * (`deno run -A experiments/<name>.ts ...flags`), so a crash, a hang or a changed module
 * never takes the dev server down, and the run cache decides what actually trains.
 *
 * @module
 */
import { basename, extname } from "node:path";
import { decodeLiveEvent, LIVE_EVENTS_ENV, type LiveEvent } from "../../runs/live_events.ts";
import { plainText } from "../../runs/worker_protocol.ts";

/** How a re-run ended. */
export interface RerunResult {
  ok: boolean;
  /** Exit code of the script's process. */
  code: number;
  /**
   * What went wrong, for the overlay and the terminal: the error message itself (from the
   * last `error:` line of standard error on), without colour codes or stack frames; the
   * last lines of standard output when standard error is empty.
   */
  output: string;
  /** Wall time, milliseconds. */
  ms: number;
}

/** Lines of output kept for the error overlay. */
const KEPT_LINES = 60;

/** Options of {@linkcode rerunStudy}. */
export interface RerunOptions {
  cwd: string;
  print?: (line: string) => void;
  env?: Record<string, string>;
  /** Variables of this process's environment the script must not inherit. */
  unsetEnv?: string[];
  /** `deno run` permission flags; default `["-A"]`, as a user runs a study. */
  permissions?: string[];
  /** Stops the script (SIGTERM, then SIGKILL after a grace period) when aborted. */
  signal?: AbortSignal;
  /**
   * Receives the study's live progress (lib/runs/live_events.ts): when given, the script
   * is asked for it, and its event lines go here instead of to `print`.
   */
  onLive?: (event: LiveEvent) => void;
}

/** Milliseconds an aborted script has to exit after SIGTERM before it is killed. */
const GRACE_MS = 2_000;

/**
 * Runs `script` with `flags` in `cwd`, printing each output line prefixed by the script's
 * name (e.g. `[adam] wrote plots/adam.html`).
 *
 * @example
 * ```ts
 * const result = await rerunStudy("experiments/adam.ts", ["--quick"], { cwd: "." });
 * if (!result.ok) console.error(result.output);
 * ```
 */
export async function rerunStudy(
  script: string,
  flags: string[],
  options: RerunOptions,
): Promise<RerunResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const prefix = `[${basename(script, extname(script))}] `;
  const start = performance.now();
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", ...options.env };
  if (options.onLive) env[LIVE_EVENTS_ENV] = "1";
  for (const name of options.unsetEnv ?? []) delete env[name];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), script, ...flags],
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env,
  }).spawn();
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    try {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
    } catch { /* it has exited already */ }
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  const errorLines: string[] = [];
  const otherLines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, kept: string[]) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      // A progress bar redraws with carriage returns: keep only what it ends as.
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) emit(line, kept);
    }
    if (rest) emit(rest, kept);
  };
  const emit = (raw: string, kept: string[]) => {
    const last = raw.split("\r").pop()!;
    const event = options.onLive ? decodeLiveEvent(last) : null;
    if (event) return options.onLive!(event);
    // A script's output is shown on a terminal and a page: no escape sequences from it.
    const line = plainText(last);
    print(prefix + line);
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.shift();
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, otherLines),
    pump(child.stderr, errorLines),
  ]).finally(() => {
    clearTimeout(killTimer);
    options.signal?.removeEventListener("abort", stop);
  });
  const output = errorLines.length ? errorMessage(errorLines) : otherLines.join("\n").trim();
  return {
    ok: status.success,
    code: status.code,
    output: output || `exit code ${status.code}`,
    ms: performance.now() - start,
  };
}

/** A stack frame line of a V8 error, `    at f (file:///x.ts:1:2)`. */
const STACK_FRAME = /^\s+at\s/;

/**
 * The error a script's standard error ends with: from its last `error:` line on, stack
 * frames dropped (Deno prints the message, then the frames; the message is what a user
 * acts on). Lines are taken as given; strip escape sequences first.
 *
 * @example
 * ```ts
 * errorMessage(["error: Uncaught Error: boom", "    at main (file:///a.ts:3:9)"]);
 * // "error: Uncaught Error: boom"
 * ```
 */
export function errorMessage(lines: readonly string[]): string {
  const kept = lines.filter((line) => !STACK_FRAME.test(line));
  const start = kept.findLastIndex((line) => /^error\b/i.test(line.trim()));
  return (start >= 0 ? kept.slice(start) : kept).join("\n").trim();
}
