/**
 * Trains independent runs in parallel worker processes, one backend each, and collects
 * their records from the run store. Each worker stores its record the moment it
 * finishes, so an interrupted sweep keeps every finished run; a worker whose parent dies
 * exits (see worker_main.ts).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { BackendName } from "../backend/info.ts";
import type { RunRecord } from "./record.ts";
import type { RunStore } from "./store.ts";
import type { PlannedRun } from "./train_run.ts";
import { decodeMessage, plainText, type WorkerJob, type WorkerMessage } from "./worker_protocol.ts";

/** Options of {@linkcode trainInWorkers}. */
export interface WorkerPoolOptions {
  jobs: number;
  threads: number;
  store: RunStore;
  backend: BackendName;
  study: string;
  fresh?: boolean;
  /** Called as a worker starts on run `index`. */
  onStart?: (index: number) => void;
  /** Called as each run ends with its stored record. */
  onFinished: (index: number, record: RunRecord, trained: boolean) => void;
  /** Called as a run fails, with the worker's reason; the call fails once all are done. */
  onFailed?: (index: number, reason: string) => void;
  /** Called with every message a worker sends (progress, epochs, log lines). */
  onMessage?: (index: number, message: WorkerMessage) => void;
  /** Aborting ends every running worker (SIGTERM) and starts no new one. */
  signal?: AbortSignal;
}

/**
 * Runs `items` over `jobs` worker processes and calls `onFinished` as each ends. A worker
 * that fails makes the whole call fail once the others are done, with the worker's own
 * error message (not its stack frames); the finished runs are already stored, so the
 * next invocation resumes.
 *
 * @example
 * ```ts
 * import { trainInWorkers } from "./pool.ts";
 * import { planRuns } from "./runner.ts";
 * import { RunStore } from "./store.ts";
 * import type { RunSpec } from "./record.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const specs: RunSpec[]; // the study's runs
 * const planned = await planRuns(specs, await initBackend());
 * const items = planned.map((run, index) => ({ run, index }));
 * await trainInWorkers(items, {
 *   jobs: 2,
 *   threads: 1,
 *   store: new RunStore(),
 *   backend: "wasm",
 *   study: "adam",
 *   onFinished: (index, record, trained) => console.log(specs[index].name, record.metrics, trained),
 * });
 * ```
 */
export async function trainInWorkers(
  items: { run: PlannedRun; index: number }[],
  options: WorkerPoolOptions,
): Promise<void> {
  const queue = [...items];
  const failures: string[] = [];
  const workerScript = fileURLToPath(new URL("./worker_main.ts", import.meta.url));
  const configPath = fileURLToPath(new URL("../../deno.json", import.meta.url));
  const lane = async () => {
    for (let item = queue.shift(); item && !options.signal?.aborted; item = queue.shift()) {
      const job: WorkerJob = {
        run: item.run,
        study: options.study,
        storeDir: options.store.dir,
        backend: options.backend,
        threads: options.threads,
        fresh: options.fresh ?? false,
      };
      options.onStart?.(item.index);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", configPath, workerScript],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
        signal: options.signal,
      }).spawn();
      const writer = child.stdin.getWriter();
      await sendJob(writer, job);
      let error: string | undefined;
      let done: { trained: boolean } | undefined;
      const index = item.index;
      const [status, , stderr] = await Promise.all([
        child.status,
        readLines(child.stdout, (line) => {
          const message = decodeMessage(line);
          if (message === null) {
            if (line.trim()) options.onMessage?.(index, { type: "log", line });
          } else if (message.type === "error") error = message.message;
          else if (message.type === "done") done = message;
          else options.onMessage?.(index, message);
        }),
        new Response(child.stderr).text(),
      ]);
      await writer.close().catch(() => {});
      const found = await options.store.get(item.run.key);
      if (status.success && done && found.hit) {
        options.onFinished(index, found.record, done.trained);
      } else {
        const lastLines = plainText(stderr).trim().split("\n").filter((l) => l.trim()).slice(-1);
        const reason = error ?? (lastLines.join(" ") ||
          `exit code ${status.code}${status.signal ? `, signal ${status.signal}` : ""}`);
        failures.push(`run "${item.run.spec.name}": ${reason}`);
        options.onFailed?.(index, reason);
      }
    }
  };
  await Promise.all(Array.from({ length: options.jobs }, lane));
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} run(s) failed in workers (every other run is stored; running the ` +
        `same command again retrains only these):\n  ${failures.join("\n  ")}`,
    );
  }
}

/**
 * Writes a worker its job, one line; the pipe then stays open, as its closing is how the
 * worker learns that the parent died. A worker already gone (killed with the process group
 * by a Ctrl-C, or dead at start-up) makes the write fail with a broken pipe: that is the
 * worker's failure, which its exit status and stderr report like any other, so that error
 * is dropped here rather than crashing the parent before its Ctrl-C handler has run. Any
 * other error is thrown.
 *
 * @example
 * ```ts
 * import { sendJob } from "./pool.ts";
 * import type { WorkerJob } from "./worker_protocol.ts";
 *
 * declare const child: Deno.ChildProcess; // a worker spawned with stdin: "piped"
 * declare const job: WorkerJob;
 * await sendJob(child.stdin.getWriter(), job);
 * ```
 */
export async function sendJob(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  job: WorkerJob,
): Promise<void> {
  try {
    await writer.write(new TextEncoder().encode(JSON.stringify(job) + "\n"));
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** Calls `onLine` for every line of a byte stream. */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      onLine(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer) onLine(buffer);
}
