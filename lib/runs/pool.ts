/**
 * Trains independent runs in parallel worker processes, one backend each (one thread
 * by default), and collects their records from the run store. Each worker stores its
 * record the moment it finishes, so an interrupted sweep keeps every finished run.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { BackendName } from "../backend/init.ts";
import type { RunCache } from "./store.ts";
import type { RunRecord } from "./record.ts";
import type { RunSpec } from "./runner.ts";

/** What one worker process is asked to do (sent as JSON on its standard input). */
export interface WorkerJob {
  spec: RunSpec;
  key: string;
  experiment: string;
  cacheDir: string;
  backend: BackendName;
  threads: number;
}

/**
 * Runs `items` over `jobs` worker processes and calls `onFinished` as each ends.
 * A worker that fails or crashes makes the whole call fail once the others are done;
 * the finished runs are already stored, so the next invocation resumes.
 *
 * @example
 * ```ts
 * await trainInWorkers(items, { jobs: 2, threads: 1, cache, backend: "wasm", onFinished });
 * ```
 */
export async function trainInWorkers(
  items: { spec: RunSpec; key: string; index: number }[],
  options: {
    jobs: number;
    threads: number;
    cache: RunCache;
    backend: BackendName;
    experiment?: string;
    onFinished: (index: number, record: RunRecord) => void;
    /** Aborting ends every running worker (SIGTERM) and starts no new one. */
    signal?: AbortSignal;
  },
): Promise<void> {
  const queue = [...items];
  const failures: string[] = [];
  const workerScript = fileURLToPath(new URL("./worker_main.ts", import.meta.url));
  const configPath = fileURLToPath(new URL("../../deno.json", import.meta.url));
  const lane = async () => {
    for (let item = queue.shift(); item && !options.signal?.aborted; item = queue.shift()) {
      const job: WorkerJob = {
        spec: item.spec,
        key: item.key,
        experiment: options.experiment ?? "",
        cacheDir: options.cache.dir,
        backend: options.backend,
        threads: options.threads,
      };
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", configPath, workerScript],
        stdin: "piped",
        stdout: "inherit",
        stderr: "piped",
        signal: options.signal,
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify(job)));
      await writer.close();
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      const found = await options.cache.get(item.key);
      if (status.success && found.hit) {
        options.onFinished(item.index, found.record);
      } else {
        const reason = stderr.trim().split("\n").slice(-3).join(" | ") ||
          `exit code ${status.code}${status.signal ? `, signal ${status.signal}` : ""}`;
        failures.push(`run "${item.spec.name}": ${reason}`);
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
