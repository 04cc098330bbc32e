/**
 * Entry point of one worker process: reads a {@linkcode WorkerJob} as JSON on standard
 * input, trains that run and stores its record. Started by lib/workers.ts.
 *
 * @module
 */
import { initBackend } from "../backend/init.ts";
import { RunCache } from "./store.ts";
import { gitInfo } from "./source_graph.ts";
import { trainInProcess } from "./runner.ts";
import type { WorkerJob } from "./pool.ts";

if (import.meta.main) {
  const job = JSON.parse(await new Response(Deno.stdin.readable).text()) as WorkerJob;
  const backend = await initBackend({ backend: job.backend, threads: job.threads });
  await trainInProcess(
    job.spec,
    job.key,
    new RunCache(job.cacheDir),
    { experiment: job.experiment, backend, verbose: false },
    await gitInfo(),
  );
}
