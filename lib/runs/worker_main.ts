/**
 * Entry point of one worker process (started by pool.ts): reads a {@linkcode WorkerJob}
 * line on standard input, trains that run under its claim, and reports on standard output
 * (worker_protocol.ts). When the parent dies its end of standard input closes, and the
 * worker exits at once instead of training on for nobody.
 *
 * @module
 */
import { initBackend } from "../backend/init.ts";
import { gitInfo } from "./source_graph.ts";
import { RunStore } from "./store.ts";
import { trainClaimed } from "./train_run.ts";
import {
  encodeMessage,
  progressMessages,
  type WorkerJob,
  type WorkerMessage,
} from "./worker_protocol.ts";

const encoder = new TextEncoder();

function send(message: WorkerMessage): void {
  Deno.stdout.writeSync(encoder.encode(encodeMessage(message)));
}

/** Reads the first line of standard input, then exits the process when the pipe closes. */
async function readJobThenWatchParent(): Promise<WorkerJob> {
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) Deno.exit(3); // the parent went away before sending a job
    buffer += value;
    const newline = buffer.indexOf("\n");
    if (newline >= 0) {
      const job = JSON.parse(buffer.slice(0, newline)) as WorkerJob;
      (async () => {
        while (!(await reader.read()).done) {
          // the parent sends nothing more; only the end of the stream matters
        }
        Deno.exit(4); // parent died: stop training for nobody
      })();
      return job;
    }
  }
}

if (import.meta.main) {
  const job = await readJobThenWatchParent();
  try {
    const backend = await initBackend({ backend: job.backend, threads: job.threads });
    const { trained } = await trainClaimed(job.run, new RunStore(job.storeDir), {
      study: job.study,
      backend,
      git: await gitInfo(),
      fresh: job.fresh,
      log: (line) => send({ type: "log", line }),
      progress: (plan) => progressMessages(plan, send),
    });
    send({ type: "done", trained });
    Deno.exit(0);
  } catch (error) {
    send({ type: "error", message: (error as Error).message });
    Deno.exit(1);
  }
}
