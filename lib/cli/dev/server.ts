/**
 * The dev server: serves plots/ on the loopback interface, adds the live-reload hook and
 * any error overlay to each HTML page it sends, and tells open pages when their file is
 * rewritten (Server-Sent Events on {@linkcode EVENTS_PATH}). It watches plots/ itself, so a
 * figure rewritten by `deno task exp:<name>` in another terminal refreshes too.
 *
 * While a study re-runs, its progress ({@linkcode LiveEvent}s) goes to the streams opened
 * for its page (`?page=<file>`) as "live" events; a page opened mid-run is first sent what
 * it missed. The re-run's end ("live-end", or the page's rewrite) forgets them.
 *
 * What a browser on this machine may be made to ask of it is limited too:
 * - only regular files whose real path (symlinks resolved) is inside plots/ are served;
 * - only requests whose Host is a loopback name or address with the server's port are
 *   answered, so a web page from elsewhere cannot read plots/ through DNS rebinding;
 * - a path that is not valid percent-encoding, or decodes to a control character, is a
 *   400; an unexpected failure is a one-line 500, never a stack trace;
 * - files are streamed from disk, never read whole into memory.
 *
 * @module
 */
import { basename, extname, relative, resolve, sep } from "node:path";
import type { LiveEvent } from "../../runs/live_events.ts";
import { EVENTS_PATH, injectDevHooks, injectDevHooksStream, placeholderPage } from "./inject.ts";

/** Options of {@linkcode startDevServer}. */
export interface DevServerOptions {
  /** Folder to serve (plots/). Created if missing. */
  plotsDir: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; loopback by default, never a public one unless asked. */
  hostname?: string;
  /** The failures to overlay on a page, e.g. "adam.html" -> [{study, message}]. */
  errorsFor?: (file: string) => { study: string; message: string }[];
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
  /** Sends a re-run's progress to the pages open on `file` (a name under plots/). */
  live(file: string, event: LiveEvent): void;
  /** The re-run for `file` is over: its pages take their live panel down. */
  endLive(file: string): void;
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

/** Live events kept per page for a page opened mid-run; a longer run keeps its first ones. */
const LIVE_REPLAY_LIMIT = 20_000;

/**
 * Starts serving `plotsDir`.
 *
 * @example
 * ```ts
 * const server = await startDevServer({ plotsDir: "plots", port: 0 });
 * console.log(`serving plots/ on ${server.url}`);
 * ```
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const plotsDir = resolve(options.plotsDir);
  await Deno.mkdir(plotsDir, { recursive: true });
  /** Open event streams, each with the page it was opened for (null: none). */
  const streams = new Map<ReadableStreamDefaultController<Uint8Array>, string | null>();
  const encoder = new TextEncoder();
  /** The live events of each page's running re-run, encoded, for late openers. */
  const replay = new Map<string, Uint8Array[]>();

  const send = (message: Uint8Array, page?: string) => {
    for (const [stream, opened] of streams) {
      if (page !== undefined && opened !== page) continue;
      try {
        stream.enqueue(message);
      } catch {
        streams.delete(stream); // the browser went away
      }
    }
  };

  const notify = (files: string[]) => {
    if (files.length === 0) return;
    for (const file of files) replay.delete(file); // a rewritten page is the finished one
    send(encoder.encode(`event: change\ndata: ${JSON.stringify(files)}\n\n`));
  };

  const live = (file: string, event: LiveEvent) => {
    const message = encoder.encode(`event: live\ndata: ${JSON.stringify(event)}\n\n`);
    const kept = replay.get(file) ?? [];
    if (kept.length < LIVE_REPLAY_LIMIT) kept.push(message);
    replay.set(file, kept);
    send(message, file);
  };

  const endLive = (file: string) => {
    replay.delete(file);
    send(encoder.encode(`event: live-end\ndata: {}\n\n`), file);
  };

  const events = (page: string | null) => {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        streams.set(controller, page);
        // A short retry so a page reconnects quickly when the server restarts.
        controller.enqueue(encoder.encode("retry: 500\n: connected\n\n"));
        for (const message of page === null ? [] : replay.get(page) ?? []) {
          controller.enqueue(message);
        }
      },
      cancel() {
        streams.delete(self);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    });
  };

  // Real paths are compared with the real plots/ (it may itself be reached by a link).
  const realPlots = await Deno.realPath(plotsDir);
  const insidePlots = (path: string) => {
    const rel = relative(realPlots, path);
    return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep);
  };

  const servePage = async (file: string): Promise<Response> => {
    const path = resolve(plotsDir, file);
    if (!insidePlots(resolve(realPlots, file))) {
      return new Response("outside plots/\n", { status: 403 });
    }
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    const headers: Record<string, string> = { "content-type": type, "cache-control": "no-store" };
    const errors = options.errorsFor?.(file) ?? [];
    // The file is opened before it is checked, so that what is checked is what is read.
    let opened: Deno.FsFile | undefined;
    try {
      opened = await Deno.open(path, { read: true });
      const real = await Deno.realPath(path);
      const info = await opened.stat();
      if (!insidePlots(real)) {
        opened.close();
        return new Response("outside plots/ (a link leads out)\n", { status: 403 });
      }
      if (!info.isFile) throw new Deno.errors.NotFound(file);
      if (extname(path) !== ".html") {
        headers["content-length"] = String(info.size);
        return new Response(opened.readable, { headers });
      }
      return new Response(injectDevHooksStream(opened.readable, errors), { headers });
    } catch (error) {
      try {
        opened?.close();
      } catch { /* closed by its stream */ }
      if (
        !(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.IsADirectory)
      ) {
        throw error;
      }
      const status = options.statusFor?.(file) ??
        (file === "index.html" ? "No figures yet: save a study script to build one." : undefined);
      if (extname(file) !== ".html" || (status === undefined && errors.length === 0)) {
        return new Response(`not found: ${file}\n`, { status: 404 });
      }
      const page = placeholderPage(file, status ?? "This figure has not been built.");
      return new Response(injectDevHooks(page, errors), { headers });
    }
  };

  const hostname = options.hostname ?? "127.0.0.1";
  let port = 0;
  const server = Deno.serve({
    hostname,
    port: options.port,
    onListen: () => {}, // main prints the URL itself
    // One line, no stack: the terminal shows the cause, the browser only that it failed.
    onError: (error) => {
      console.error(`dev server: ${(error as Error).message ?? error}`);
      return new Response("internal error\n", { status: 500 });
    },
  }, (request) => {
    if (!loopbackHost(request.headers.get("host"), port, options.hostname)) {
      return new Response(
        `host: got ${JSON.stringify(request.headers.get("host"))}; expected ` +
          `localhost:${port}, 127.0.0.1:${port} or [::1]:${port}\n`,
        { status: 403 },
      );
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    const { pathname, searchParams } = new URL(request.url);
    if (pathname === EVENTS_PATH) return events(searchParams.get("page"));
    const file = decodePath(pathname);
    if (file === undefined) {
      return new Response(`bad path: ${pathname.slice(0, 200)}\n`, { status: 400 });
    }
    return servePage(file || "index.html");
  });
  port = server.addr.port;

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

  return {
    url: `http://${hostname}:${port}/`,
    port,
    notify,
    live,
    endLive,
    async shutdown() {
      for (const stream of streams.keys()) {
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

/** Host names a browser on this machine uses for a loopback server. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Whether a request's Host header names this server on the loopback interface: one of
 * localhost, 127.0.0.1 or [::1] (or the interface it was explicitly asked to listen on),
 * with the server's port (browsers send it unless it is 80).
 *
 * @example
 * ```ts
 * loopbackHost("127.0.0.1:8000", 8000); // true
 * loopbackHost("evil.example:8000", 8000); // false: DNS rebinding
 * ```
 */
export function loopbackHost(host: string | null, port: number, listening?: string): boolean {
  if (host === null) return false;
  const lower = host.toLowerCase();
  const names = listening ? [...LOOPBACK_NAMES, listening.toLowerCase()] : LOOPBACK_NAMES;
  return names.some((name) => lower === `${name}:${port}` || (port === 80 && lower === name));
}

/**
 * The file a URL path names under plots/, percent-decoded; undefined when the path is not
 * valid percent-encoding or names something no file has (a control character, a NUL).
 *
 * @example
 * ```ts
 * decodePath("/weight%20scale.html"); // "weight scale.html"
 * decodePath("/%E0%A4%A"); // undefined
 * ```
 */
export function decodePath(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(decoded)) return undefined;
  return decoded.replace(/^\/+/, "");
}

/**
 * The page a study script writes, by the workspace's convention that a study's name
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
