/**
 * Re-runs one experiment script as its own process, exactly as a user would
 * (`deno run -A experiments/<name>.ts ...flags`), so a crash, a hang or a changed module
 * never takes the dev server down, and the run cache decides what actually trains.
 *
 * @module
 */
import { basename, extname } from "node:path";

/** How a re-run ended. */
export interface RerunResult {
  ok: boolean;
  /** Exit code of the script's process. */
  code: number;
  /** The last lines of its output (standard error first), for the overlay. */
  output: string;
  /** Wall time, milliseconds. */
  ms: number;
}

/** Lines of output kept for the error overlay. */
const KEPT_LINES = 60;

/**
 * Runs `script` with `flags` in `cwd`, printing each output line prefixed by the script's
 * name (e.g. `[adam] wrote plots/adam.html`).
 *
 * @example
 * ```ts
 * const result = await rerunExperiment("experiments/adam.ts", ["--quick"], { cwd: repo });
 * if (!result.ok) console.error(result.output);
 * ```
 */
export async function rerunExperiment(
  script: string,
  flags: string[],
  options: { cwd: string; print?: (line: string) => void; env?: Record<string, string> },
): Promise<RerunResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const prefix = `[${basename(script, extname(script))}] `;
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...flags],
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
  }).spawn();
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
    const line = raw.split("\r").pop()!;
    print(prefix + line);
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.shift();
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, otherLines),
    pump(child.stderr, errorLines),
  ]);
  const output = [...errorLines, ...(errorLines.length ? [] : otherLines)].join("\n").trim();
  return {
    ok: status.success,
    code: status.code,
    output: output || `exit code ${status.code}`,
    ms: performance.now() - start,
  };
}
