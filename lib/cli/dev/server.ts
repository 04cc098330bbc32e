/**
 * The dev server: serves plots/ on the loopback interface, adds the live-reload hook and
 * any error overlay to each HTML page it sends, and tells open pages when their file is
 * rewritten (Server-Sent Events on {@linkcode EVENTS_PATH}). It watches plots/ itself, so a
 * figure rewritten by `deno task exp:<name>` in another terminal refreshes too.
 *
 * @module
 */
import { basename, extname, relative, resolve } from "node:path";
import { EVENTS_PATH, injectDevHooks, placeholderPage } from "./inject.ts";

/** Options of {@linkcode startDevServer}. */
export interface DevServerOptions {
  /** Folder to serve (plots/). Created if missing. */
  plotsDir: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; loopback by default, never a public one unless asked. */
  hostname?: string;
  /** The failures to overlay on a page, e.g. "adam.html" -> [{experiment, message}]. */
  errorsFor?: (file: string) => { experiment: string; message: string }[];
  /** What to say on a page that does not exist yet (e.g. "running ..."), if anything. */
  statusFor?: (file: string) => string | undefined;
}

/** A running dev server. */
export interface DevServer {
  /** e.g. "http://127.0.0.1:8000/" */
  url: string;
  port: number;
  /** Tells open pages that these files (names under plots/) changed. */
  notify(files: string[]): void;
  /** Closes the event streams, the watcher and the listener. */
  shutdown(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".css": "text/css",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

/** Milliseconds to gather the events of one atomic page write into one notification. */
const PLOTS_QUIET_MS = 30;

/**
 * Starts serving `plotsDir`.
 *
 * @example
 * ```ts
 * const server = startDevServer({ plotsDir: "plots", port: 0 });
 * console.log(`serving plots/ on ${server.url}`);
 * ```
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const plotsDir = resolve(options.plotsDir);
  await Deno.mkdir(plotsDir, { recursive: true });
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();

  const notify = (files: string[]) => {
    if (files.length === 0) return;
    const message = encoder.encode(`event: change\ndata: ${JSON.stringify(files)}\n\n`);
    for (const stream of streams) {
      try {
        stream.enqueue(message);
      } catch {
        streams.delete(stream); // the browser went away
      }
    }
  };

  const events = () => {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        streams.add(controller);
        // A short retry so a page reconnects quickly when the server restarts.
        controller.enqueue(encoder.encode("retry: 500\n: connected\n\n"));
      },
      cancel() {
        streams.delete(self);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    });
  };

  const servePage = async (file: string): Promise<Response> => {
    const path = resolve(plotsDir, file);
    if (relative(plotsDir, path).startsWith("..")) {
      return new Response("outside plots/\n", { status: 403 });
    }
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    const headers = { "content-type": type, "cache-control": "no-store" };
    const errors = options.errorsFor?.(file) ?? [];
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.IsADirectory)
      ) {
        throw error;
      }
      const status = options.statusFor?.(file) ??
        (file === "index.html" ? "No figures yet: save an experiment to build one." : undefined);
      if (extname(file) !== ".html" || (status === undefined && errors.length === 0)) {
        return new Response(`not found: ${file}\n`, { status: 404 });
      }
      const page = placeholderPage(file, status ?? "This figure has not been built.");
      return new Response(injectDevHooks(page, errors), { headers });
    }
    if (extname(path) !== ".html") return new Response(bytes, { headers });
    const html = injectDevHooks(new TextDecoder().decode(bytes), errors);
    return new Response(html, { headers });
  };

  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port,
    onListen: () => {}, // main prints the URL itself
  }, (request) => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    if (pathname === EVENTS_PATH) return events();
    const file = decodeURIComponent(pathname).replace(/^\/+/, "") || "index.html";
    return servePage(file);
  });

  const watcher = Deno.watchFs(plotsDir, { recursive: false });
  const watching = (async () => {
    let changed = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    for await (const event of watcher) {
      if (event.kind === "access") continue;
      for (const path of event.paths) {
        // Atomic writes go through "<name>.html.<id>.tmp": only the final name counts.
        if (path.endsWith(".html")) changed.add(relative(plotsDir, path));
      }
      if (changed.size === 0) continue;
      clearTimeout(timer);
      timer = setTimeout(() => {
        notify([...changed].sort());
        changed = new Set();
      }, PLOTS_QUIET_MS);
    }
    clearTimeout(timer);
  })();

  const port = server.addr.port;
  const hostname = options.hostname ?? "127.0.0.1";
  return {
    url: `http://${hostname}:${port}/`,
    port,
    notify,
    async shutdown() {
      for (const stream of streams) {
        try {
          stream.close();
        } catch { /* already closed */ }
      }
      streams.clear();
      watcher.close();
      await watching;
      await server.shutdown();
    },
  };
}

/**
 * The page an experiment script writes, by the workspace's convention that a study's name
 * is its file name.
 *
 * @example
 * ```ts
 * pageFileOf("experiments/weight_scale.ts"); // "weight_scale.html"
 * ```
 */
export function pageFileOf(script: string): string {
  return `${basename(script, extname(script))}.html`;
}
