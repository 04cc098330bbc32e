import assert from "node:assert/strict";
import { join } from "node:path";
import {
  download,
  type DownloadProgress,
  DownloadUnreachableError,
  progressReporter,
  sha256File,
} from "../lib/data/download.ts";
import { Random } from "../lib/random.ts";

// Downloads only: no tensors, so no backend is started. Every server is a local
// Deno.serve on 127.0.0.1; nothing here touches the internet.

const FIXTURE = Uint8Array.from(new Random(11).normalArray(40_000), (v) => (v * 60) & 0xff);
const FIXTURE_SHA256 = await (async () => {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", FIXTURE));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
})();

interface FixtureServer {
  url: string;
  /** The Range header of each request (null when absent). */
  ranges: (string | null)[];
  close: () => Promise<void>;
}

/** Serves `body` at /file.bin; honours `Range: bytes=N-` when `acceptRanges`. */
function serve(body: Uint8Array, { acceptRanges }: { acceptRanges: boolean }): FixtureServer {
  const ranges: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (new URL(request.url).pathname !== "/file.bin") return new Response("no", { status: 404 });
    const range = request.headers.get("range");
    ranges.push(range);
    const match = range?.match(/^bytes=(\d+)-$/);
    if (acceptRanges && match) {
      const start = Number(match[1]);
      if (start >= body.length) return new Response(null, { status: 416 });
      return new Response(body.slice(start), {
        status: 206,
        headers: { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` },
      });
    }
    const headers = { "content-length": String(body.length) };
    return new Response(body.slice(), { headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/file.bin`,
    ranges,
    close: () => server.shutdown(),
  };
}

/**
 * A raw TCP server whose first response announces the whole body but breaks off after
 * `dropAfter` bytes (a lost link); later requests get `206` from the requested offset.
 */
function serveDroppingFirst(body: Uint8Array, dropAfter: number): FixtureServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const ranges: (string | null)[] = [];
  const encoder = new TextEncoder();
  const handle = async (connection: Deno.Conn) => {
    const buffer = new Uint8Array(4096);
    let request = "";
    while (!request.includes("\r\n\r\n")) {
      const n = await connection.read(buffer);
      if (n === null) return connection.close();
      request += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const range = request.match(/^range: (.*)\r$/im)?.[1] ?? null;
    ranges.push(range);
    const start = Number(range?.match(/^bytes=(\d+)-$/)?.[1] ?? 0);
    const head = ranges.length === 1
      ? `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`
      : `HTTP/1.1 206 Partial Content\r\ncontent-length: ${body.length - start}\r\n` +
        `content-range: bytes ${start}-${body.length - 1}/${body.length}\r\n\r\n`;
    const payload = ranges.length === 1 ? body.subarray(0, dropAfter) : body.subarray(start);
    await connection.write(encoder.encode(head));
    for (let written = 0; written < payload.length;) {
      written += await connection.write(payload.subarray(written));
    }
    connection.close();
  };
  const accepting = (async () => {
    for await (const connection of listener) handle(connection).catch(() => {});
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/file.bin`,
    ranges,
    close: async () => {
      listener.close();
      await accepting.catch(() => {});
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("download: verified file lands at dest, no .part left, second call is cached", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: true });
  try {
    const dest = join(dir, "sub", "file.bin");
    const progress: DownloadProgress[] = [];
    const result = await download(server.url, dest, {
      sha256: FIXTURE_SHA256,
      size: FIXTURE.length,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(await Deno.readFile(dest), FIXTURE);
    assert.equal(await exists(dest + ".part"), false);
    assert.deepEqual(
      { cached: result.cached, resumed: result.resumed, bytes: result.bytes },
      { cached: false, resumed: false, bytes: FIXTURE.length },
    );
    assert.equal(result.sha256, FIXTURE_SHA256);
    const last = progress.at(-1)!;
    assert.deepEqual([last.received, last.total, last.done], [
      FIXTURE.length,
      FIXTURE.length,
      true,
    ]);
    const again = await download(server.url, dest, { sha256: FIXTURE_SHA256, quiet: true });
    assert.equal(again.cached, true);
    assert.equal(server.ranges.length, 1, "the cached file was fetched again");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a checksum mismatch throws and leaves nothing at dest", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: true });
  try {
    const dest = join(dir, "file.bin");
    const wrong = "0".repeat(64);
    await assert.rejects(
      download(server.url, dest, { sha256: wrong, quiet: true }),
      new RegExp(
        `file\\.bin has SHA-256 ${FIXTURE_SHA256}; expected ${wrong}; the download was deleted`,
      ),
    );
    assert.equal(await exists(dest), false);
    assert.equal(await exists(dest + ".part"), false);
    await assert.rejects(
      download(server.url, dest, { size: 5, quiet: true }),
      /has size 40000 bytes; expected 5/,
    );
    assert.equal(await exists(dest), false);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: resumes a .part with a Range request when the server supports it", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: true });
  try {
    const dest = join(dir, "file.bin");
    await Deno.writeFile(dest + ".part", FIXTURE.slice(0, 15_000));
    const progress: DownloadProgress[] = [];
    const result = await download(server.url, dest, {
      sha256: FIXTURE_SHA256,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(server.ranges, ["bytes=15000-"]);
    assert.equal(result.resumed, true);
    assert.equal(progress[0].resumedFrom, 15_000);
    assert.deepEqual(await Deno.readFile(dest), FIXTURE);
    assert.equal(await exists(dest + ".part"), false);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a connection lost mid-body keeps the .part; the next call resumes", async () => {
  const dir = await Deno.makeTempDir();
  const server = serveDroppingFirst(FIXTURE, 12_000);
  try {
    const dest = join(dir, "file.bin");
    await assert.rejects(
      download(server.url, dest, { sha256: FIXTURE_SHA256, quiet: true }),
      /connection to 127\.0\.0\.1:\d+ lost after \d+ bytes .*; run again to resume/,
    );
    assert.equal(await exists(dest), false);
    const partial = (await Deno.stat(dest + ".part")).size;
    assert.ok(partial > 0 && partial < FIXTURE.length, `.part has ${partial} bytes`);
    const result = await download(server.url, dest, { sha256: FIXTURE_SHA256, quiet: true });
    assert.equal(result.resumed, true);
    assert.deepEqual(server.ranges, [null, `bytes=${partial}-`]);
    assert.deepEqual(await Deno.readFile(dest), FIXTURE);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: restarts from byte 0 when the server ignores Range", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: false });
  try {
    const dest = join(dir, "file.bin");
    await Deno.writeFile(dest + ".part", FIXTURE.slice(0, 15_000));
    const result = await download(server.url, dest, { sha256: FIXTURE_SHA256, quiet: true });
    assert.equal(result.resumed, false);
    // Appending the full body to the old part would have given 55,000 bytes.
    assert.deepEqual(await Deno.readFile(dest), FIXTURE);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: a resumed file that fails its checksum is fetched again whole", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: true });
  try {
    const dest = join(dir, "file.bin");
    // A .part of the right length but wrong bytes (say, from another version of the file).
    await Deno.writeFile(dest + ".part", new Uint8Array(15_000).fill(7));
    const result = await download(server.url, dest, { sha256: FIXTURE_SHA256, quiet: true });
    assert.deepEqual(server.ranges, ["bytes=15000-", null]);
    assert.equal(result.resumed, false);
    assert.deepEqual(await Deno.readFile(dest), FIXTURE);
    assert.equal(await sha256File(dest), FIXTURE_SHA256);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: an unreachable host is a one-line DownloadUnreachableError", async () => {
  const dir = await Deno.makeTempDir();
  // A port that was just free and is now closed: the connection is refused at once.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  try {
    const dest = join(dir, "sub", "file.bin");
    const error = await download(`http://127.0.0.1:${port}/file.bin`, dest, { quiet: true })
      .then(() => null, (e) => e);
    assert.ok(error instanceof DownloadUnreachableError, `got ${error}`);
    assert.equal(error.message, `download: cannot reach 127.0.0.1:${port} (offline?)`);
    assert.equal(error.host, `127.0.0.1:${port}`);
    assert.ok(!error.message.includes("\n"));
    assert.equal(await exists(join(dir, "sub")), false, "an offline attempt created folders");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download: an HTTP error status and a bad checksum argument are named", async () => {
  const dir = await Deno.makeTempDir();
  const server = serve(FIXTURE, { acceptRanges: true });
  try {
    const missing = server.url.replace("file.bin", "missing.bin");
    await assert.rejects(
      download(missing, join(dir, "x.bin"), { quiet: true }),
      /missing\.bin answered HTTP 404 Not Found; expected 200 or 206/,
    );
    await assert.rejects(
      download(server.url, join(dir, "x.bin"), { sha256: "abc" }),
      /sha256: got "abc"; expected 64 lower-case hex digits/,
    );
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progressReporter: plain lines every 10% when not on a terminal", () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    const report = progressReporter("file.bin", { terminal: false });
    for (let received = 0; received <= 1000; received += 25) {
      report({
        url: "http://x/file.bin",
        received,
        total: 1000,
        resumedFrom: 0,
        elapsedMs: received,
        done: received === 1000,
      });
    }
  } finally {
    console.log = log;
  }
  // 0%, 10%, ..., 100%: one line per tenth, the last marked done.
  assert.equal(lines.length, 11, lines.join("\n"));
  assert.match(lines[5], /^file\.bin: 50% 0\.0\/0\.0 MB/);
  assert.match(lines[10], /100% .*\(done\)$/);
});
