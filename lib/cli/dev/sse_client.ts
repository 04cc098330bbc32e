/**
 * A reader of the dev server's change events for programs (tests, the workspace bench):
 * what the injected reload hook does in a browser, as a function that waits. The live
 * events of a stream opened for a page (`?page=`) are collected on the way.
 *
 * @module
 */
import type { LiveEvent } from "../../runs/live_events.ts";

/** What {@linkcode changeEvents} returns. */
export interface ChangeEvents {
  /**
   * Waits for a "change" event naming `file` (events naming only other files are
   * skipped); resolves with the event's file list, rejects after `timeoutMs`.
   */
  next(file: string, timeoutMs: number): Promise<string[]>;
  /** The "live" events read so far (a re-run's progress), in order of arrival. */
  live: LiveEvent[];
  /** How many "live-end" events were read so far. */
  liveEnds: number;
  /** Stops reading and releases the connection. */
  close(): Promise<void>;
}

/**
 * Reads a Server-Sent Events body, e.g. `(await fetch(url + "__nnlab/events")).body`.
 *
 * @example
 * ```ts
 * const url = "http://127.0.0.1:8000/";
 * const events = changeEvents((await fetch(`${url}__nnlab/events?page=adam.html`)).body!);
 * await events.next("adam.html", 60_000); // the page was rewritten
 * console.log(events.live.length); // its progress events that came before
 * ```
 */
export function changeEvents(body: ReadableStream<Uint8Array>): ChangeEvents {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const live: LiveEvent[] = [];
  let liveEnds = 0;
  /** The next complete message of the buffer, taken out of it; null while there is none. */
  const take = (): { event: string; data: string } | null => {
    const end = buffer.indexOf("\n\n");
    if (end < 0) return null;
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
    const data = block.split("\n").filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6)).join("\n");
    return { event, data };
  };
  // A read that outlives a timeout is kept for the next call, so no chunk is lost.
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  const next = async (file: string, timeoutMs: number): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const message = take();
      if (message?.event === "live") live.push(JSON.parse(message.data) as LiveEvent);
      if (message?.event === "live-end") liveEnds++;
      if (message?.event === "change") {
        const files = JSON.parse(message.data) as string[];
        if (files.includes(file)) return files;
      }
      if (message) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no change event for ${file} within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      pending ??= reader.read();
      const chunk = await Promise.race([
        pending,
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left))),
      ]);
      clearTimeout(timer);
      if (chunk === null) continue;
      pending = undefined;
      if (chunk.done) throw new Error("event stream ended");
      buffer += chunk.value;
    }
  };
  return {
    next,
    live,
    get liveEnds() {
      return liveEnds;
    },
    close: () => reader.cancel(),
  };
}
