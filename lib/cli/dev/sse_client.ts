/**
 * A reader of the dev server's change events for programs (tests, the workspace bench):
 * what the injected reload hook does in a browser, as a function that waits.
 *
 * @module
 */

/** What {@linkcode changeEvents} returns. */
export interface ChangeEvents {
  /**
   * Waits for a "change" event naming `file` (events naming only other files are
   * skipped); resolves with the event's file list, rejects after `timeoutMs`.
   */
  next(file: string, timeoutMs: number): Promise<string[]>;
  /** Stops reading and releases the connection. */
  close(): Promise<void>;
}

/**
 * Reads a Server-Sent Events body, e.g. `(await fetch(url + "__nnlab/events")).body`.
 *
 * @example
 * ```ts
 * const events = changeEvents((await fetch(`${url}__nnlab/events`)).body!);
 * await events.next("adam.html", 60_000); // the page was rewritten
 * ```
 */
export function changeEvents(body: ReadableStream<Uint8Array>): ChangeEvents {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  // A read that outlives a timeout is kept for the next call, so no chunk is lost.
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  const next = async (file: string, timeoutMs: number): Promise<string[]> => {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const match = /event: change\ndata: (.*)\n\n/.exec(buffer);
      if (match) {
        buffer = buffer.slice(match.index + match[0].length);
        const files = JSON.parse(match[1]) as string[];
        if (files.includes(file)) return files;
        continue;
      }
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
  return { next, close: () => reader.cancel() };
}
