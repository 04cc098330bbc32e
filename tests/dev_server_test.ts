/**
 * The dev server against what a hostile web page or a stray link could make it do:
 * symlinks out of plots/ are not followed, a Host that is not loopback (DNS rebinding) is
 * refused, bad percent-encoding and NUL are a 400 rather than a 500 with a stack, a failure
 * is a one-line 500, and files are streamed (a large file does not sit in memory).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { injectDevHooks, injectDevHooksStream, RELOAD_SCRIPT_ID } from "../lib/cli/dev/inject.ts";
import { decodePath, loopbackHost, startDevServer } from "../lib/cli/dev/server.ts";
import { errorMessage, rerunStudy } from "../lib/cli/dev/rerun.ts";
import { plainText } from "../lib/runs/worker_protocol.ts";

/** One raw HTTP/1.1 GET, so that the Host header and the path are exactly as given. */
async function rawGet(port: number, path: string, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    return await new Response(conn.readable).text();
  } catch (error) {
    conn.close();
    throw error;
  }
}

const statusOf = (response: string) => Number(response.split(" ")[1]);
const bodyOf = (response: string) => response.slice(response.indexOf("\r\n\r\n") + 4);

async function withServer(
  fn: (server: { port: number; url: string }, plotsDir: string) => Promise<void>,
  errorsFor?: (file: string) => { study: string; message: string }[],
) {
  const plotsDir = await Deno.makeTempDir({ prefix: "nnlab-dev-server-" });
  const server = await startDevServer({ plotsDir, port: 0, errorsFor });
  try {
    await fn(server, plotsDir);
  } finally {
    await server.shutdown();
    await Deno.remove(plotsDir, { recursive: true });
  }
}

Deno.test("symlinks that lead out of plots/ are not followed; links inside it are", async () => {
  const outside = await Deno.makeTempDir({ prefix: "nnlab-outside-" });
  await Deno.writeTextFile(join(outside, "secret.txt"), "the secret");
  try {
    await withServer(async (server, plotsDir) => {
      await Deno.writeTextFile(join(plotsDir, "page.html"), "<html><body>page</body></html>");
      await Deno.symlink(join(outside, "secret.txt"), join(plotsDir, "leak.txt"));
      await Deno.symlink(outside, join(plotsDir, "folder"));
      await Deno.symlink("/etc/passwd", join(plotsDir, "passwd.txt"));
      await Deno.symlink(join(plotsDir, "page.html"), join(plotsDir, "alias.html"));
      const host = `127.0.0.1:${server.port}`;
      for (const path of ["/leak.txt", "/folder/secret.txt", "/passwd.txt"]) {
        const response = await rawGet(server.port, path, host);
        assert.equal(statusOf(response), 403, path);
        assert.ok(!response.includes("the secret") && !response.includes("root:"), path);
      }
      const alias = await rawGet(server.port, "/alias.html", host);
      assert.equal(statusOf(alias), 200);
      assert.match(bodyOf(alias), /page/);
      const traversal = await rawGet(server.port, "/..%2F..%2Fetc%2Fpasswd", host);
      assert.equal(statusOf(traversal), 403);
    });
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("only loopback Host names with the server's port are answered (no DNS rebinding)", async () => {
  await withServer(async (server, plotsDir) => {
    await Deno.writeTextFile(join(plotsDir, "page.html"), "<html><body>page</body></html>");
    const port = server.port;
    for (
      const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]
    ) {
      assert.equal(statusOf(await rawGet(port, "/page.html", host)), 200, host);
    }
    for (
      const host of [
        "evil.example",
        `evil.example:${port}`,
        `127.0.0.1:${port + 1}`,
        "localhost",
        `localhost.evil.example:${port}`,
        `10.0.0.1:${port}`,
      ]
    ) {
      const response = await rawGet(port, "/page.html", host);
      assert.equal(statusOf(response), 403, host);
      assert.match(
        bodyOf(response),
        /^host: got ".*"; expected localhost:\d+, 127\.0\.0\.1:\d+ or \[::1\]:\d+/,
      );
    }
  });
  assert.ok(loopbackHost("localhost", 80));
  assert.ok(!loopbackHost(null, 8000));
});

Deno.test("NUL and malformed percent-encoding are a 400, not a 500 with a stack", async () => {
  await withServer(async (server) => {
    const host = `127.0.0.1:${server.port}`;
    for (const path of ["/%00", "/%E0%A4%A", "/%", "/a%0Ab.html", "/%ZZ"]) {
      const response = await rawGet(server.port, path, host);
      assert.equal(statusOf(response), 400, path);
      assert.match(bodyOf(response), /^bad path: /, path);
      assert.ok(!/\bat .*:\d+:\d+/.test(response), "no stack frame");
    }
  });
  assert.equal(decodePath("/weight%20scale.html"), "weight scale.html");
  assert.equal(decodePath("/"), "");
});

Deno.test("an unexpected failure is a one-line 500 without a stack", async () => {
  await withServer(async (server, plotsDir) => {
    await Deno.writeTextFile(join(plotsDir, "page.html"), "<html><body>page</body></html>");
    const response = await rawGet(server.port, "/page.html", `127.0.0.1:${server.port}`);
    assert.equal(statusOf(response), 500);
    assert.equal(bodyOf(response), "internal error\n");
  }, () => {
    throw new Error("errorsFor failed");
  });
});

Deno.test("a large file is streamed: serving it does not hold it in memory", async () => {
  await withServer(async (server, plotsDir) => {
    const size = 200 * 2 ** 20;
    const file = join(plotsDir, "big.bin");
    await Deno.writeFile(file, new Uint8Array(0));
    await Deno.truncate(file, size); // sparse: no disk space used
    const before = Deno.memoryUsage().rss;
    const response = await fetch(`${server.url}big.bin`);
    assert.equal(response.headers.get("content-length"), String(size));
    let received = 0;
    let peak = 0;
    for await (const chunk of response.body!) {
      received += chunk.length;
      if (received > size / 2 && peak === 0) peak = Deno.memoryUsage().rss - before;
    }
    assert.equal(received, size);
    // Read whole, the file alone would add 200 MB while it is sent.
    assert.ok(peak < 80 * 2 ** 20, `resident memory grew by ${(peak / 2 ** 20).toFixed(0)} MB`);
  });
});

Deno.test("an HTML page is streamed with the same hooks injectDevHooks adds", async () => {
  const pages = [
    "<!doctype html><html><body class=x><p>figure</p></body></html>\n",
    `<html><head><style>${"x".repeat(10_000)}</style></head><body>${
      "<p>y</p>".repeat(3_000)
    }</body>\n</html>\n`,
  ];
  const errors = [{ study: "adam", message: "error: <boom>" }];
  for (const page of pages) {
    for (const chunkSize of [1, 7, 4_096, 1_000_000]) {
      for (const overlay of [[], errors]) {
        const bytes = new TextEncoder().encode(page);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.length; at += chunkSize) {
              controller.enqueue(bytes.slice(at, at + chunkSize));
            }
            controller.close();
          },
        });
        const served = await new Response(injectDevHooksStream(stream, overlay)).text();
        assert.equal(served, injectDevHooks(page, overlay), `chunks of ${chunkSize}`);
        assert.ok(served.includes(RELOAD_SCRIPT_ID));
      }
    }
  }
});

Deno.test("a failing re-run reports the error itself: no colour codes, no stack frames", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nnlab-rerun-" });
  try {
    await Deno.writeTextFile(
      join(dir, "broken.ts"),
      `console.error("\\x1b[33mwarning\\x1b[0m: about to fail");
function deep() { throw new Error("the learning rate is negative: -0.1"); }
deep();`,
    );
    const lines: string[] = [];
    const result = await rerunStudy("broken.ts", [], {
      cwd: dir,
      print: (line) => lines.push(line),
    });
    assert.equal(result.ok, false);
    assert.match(result.output, /^error: Uncaught.*the learning rate is negative: -0\.1$/m);
    assert.ok(!result.output.includes("\x1b"), "no escape sequence");
    assert.ok(!/^\s+at /m.test(result.output), `no stack frame in ${result.output}`);
    assert.ok(!result.output.includes("warning"), "only the error, not the lines before it");
    assert.ok(lines.every((line) => !line.includes("\x1b")), "nor on the terminal");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(plainText("\x1b[31merror\x1b[0m: boom\x07"), "error: boom");
  assert.equal(
    errorMessage([
      "noise",
      "error: Uncaught Error: a",
      "second line",
      "    at f (file:///a.ts:1:2)",
    ]),
    "error: Uncaught Error: a\nsecond line",
  );
});
