/**
 * Test helper: drives headless Chromium (or Chrome) so tests can check that figures are
 * really drawn and answer the reader: screenshots decoded to RGBA pixels, and a DevTools
 * protocol session to hover, click, read the page and catch downloads. Chromium runs with
 * every background network feature off; the page must not need the network anyway.
 *
 * Where no browser is found, browser tests are ignored with one line saying how to enable
 * them; with NNLAB_REQUIRE_BROWSER=1 (CI sets it) a missing browser fails them instead.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { delimiter, join, resolve } from "node:path";

/** Names of the browser on PATH, in the order they are tried. */
const PATH_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** Where macOS installs them. */
const MACOS_PATHS = [
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Finds Chromium or Chrome: `$CHROME_PATH` when set, else the first of chromium,
 * chromium-browser, google-chrome, google-chrome-stable on PATH, else the usual macOS
 * places; null when there is none.
 *
 * @example
 * ```ts
 * const browser = findBrowser(); // "/usr/bin/chromium"
 * ```
 */
export function findBrowser(): string | null {
  const configured = Deno.env.get("CHROME_PATH");
  if (configured) return isFile(configured) ? configured : null;
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter).filter(Boolean)) {
    for (const name of PATH_NAMES) {
      if (isFile(join(dir, name))) return join(dir, name);
    }
  }
  return MACOS_PATHS.find(isFile) ?? null;
}

/** The browser the tests use, or null. */
export const BROWSER_PATH: string | null = findBrowser();

/** How to make the browser tests run, for the messages below. */
const HOW_TO_ENABLE = "install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) " +
  "or Chrome, or set CHROME_PATH to its executable";

const required = Deno.env.get("NNLAB_REQUIRE_BROWSER") === "1";
let announced = false;

/**
 * Registers a test that needs the browser. Without one it is ignored, and the first such
 * test of a file says so in one line; with NNLAB_REQUIRE_BROWSER=1 it fails instead.
 *
 * @example
 * ```ts
 * browserTest("the page paints", async () => { ... });
 * ```
 */
export function browserTest(name: string, fn: () => Promise<void>): void {
  const missing = BROWSER_PATH === null;
  if (missing && !required && !announced) {
    announced = true;
    const where = Deno.env.get("CHROME_PATH")
      ? `CHROME_PATH=${Deno.env.get("CHROME_PATH")} is not a file`
      : "no Chromium or Chrome found";
    console.warn(`browser tests ignored: ${where}; to run them, ${HOW_TO_ENABLE}`);
  }
  Deno.test({
    name,
    ignore: missing && !required,
    fn: missing
      ? () => {
        throw new Error(
          `NNLAB_REQUIRE_BROWSER=1 but no Chromium or Chrome found: ${HOW_TO_ENABLE}`,
        );
      }
      : fn,
  });
}

/** The flags every browser run gets: headless, sandbox-free, no network of its own. */
const BROWSER_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
];

function requireBrowser(): string {
  if (BROWSER_PATH === null) throw new Error(`no Chromium or Chrome found: ${HOW_TO_ENABLE}`);
  return BROWSER_PATH;
}

/** Decoded pixels: row-major (height, width, 4) RGBA bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Inflates a zlib stream with the Web `DecompressionStream("deflate")` (zlib-wrapped
 * deflate, which is what a PNG's IDAT data is).
 */
async function inflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Channels per pixel of each PNG colour type we decode (8-bit, no palette). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Decodes an 8-bit, non-interlaced PNG (grayscale, gray+alpha, RGB or RGBA) into RGBA
 * pixels: parse chunks, inflate the joined IDAT data, undo each scanline's filter
 * (none, sub, up, average, Paeth), expand to four channels.
 *
 * @example
 * ```ts
 * const { width, height, pixels } = await decodePng(await Deno.readFile("shot.png"));
 * const [r, g, b, a] = pixels.subarray(0, 4); // top-left pixel
 * ```
 */
export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) {
    throw new Error("decodePng: not a PNG file (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset + 8 <= bytes.length;) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      [bitDepth, colorType] = [body[8], body[9]];
      interlace = body[12];
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length; // length, type, body, CRC
  }
  const channels = CHANNELS[colorType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(
      `decodePng: got bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}; ` +
        "expected 8-bit, non-interlaced gray, gray+alpha, RGB or RGBA",
    );
  }
  const joined = new Uint8Array(idat.reduce((n, part) => n + part.length, 0));
  idat.reduce((offset, part) => (joined.set(part, offset), offset + part.length), 0);
  const raw = await inflate(joined);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(
      `decodePng: got ${raw.length} bytes of pixel data; expected ${height * (stride + 1)}`,
    );
  }
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      // a = left, b = up, c = up-left (same channel), as the PNG spec names them.
      const a = i >= channels ? out[row + i - channels] : 0;
      const b = y > 0 ? out[row - stride + i] : 0;
      const c = y > 0 && i >= channels ? out[row - stride + i - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) {
        throw new Error(`decodePng: unknown filter type ${filter} on row ${y}`);
      }
      out[row + i] = (line[i] + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = out.subarray(p * channels, (p + 1) * channels);
    const gray = channels <= 2;
    rgba[p * 4] = s[0];
    rgba[p * 4 + 1] = gray ? s[0] : s[1];
    rgba[p * 4 + 2] = gray ? s[0] : s[2];
    rgba[p * 4 + 3] = channels === 2 ? s[1] : channels === 4 ? s[3] : 255;
  }
  return { width, height, pixels: rgba };
}

/**
 * Screenshots `htmlPath` in headless Chromium at `width` x `height` CSS pixels and
 * returns the decoded pixels. Throws, saying how to install it, when there is no browser.
 *
 * @example
 * ```ts
 * const shot = await screenshot("plots/adam.html");
 * console.log(shot.width, shot.height); // 1200 1600
 * ```
 */
export async function screenshot(
  htmlPath: string,
  { width = 1200, height = 1600, timeoutMs = 90_000, keepPng }: {
    width?: number;
    height?: number;
    /** Chromium is killed after this long (a hung browser must not hang the tests). */
    timeoutMs?: number;
    /** Also copy the PNG here, to look at it. */
    keepPng?: string;
  } = {},
): Promise<RgbaImage> {
  const browser = requireBrowser();
  const profile = await Deno.makeTempDir({ prefix: "nnlab-chromium-" });
  const png = `${profile}/screenshot.png`;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    const output = await new Deno.Command(browser, {
      args: [
        ...BROWSER_FLAGS,
        `--user-data-dir=${profile}/profile`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        pathToFileURL(resolve(htmlPath)).href,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: timeout.signal,
    }).output();
    const bytes = await Deno.readFile(png).catch(() => null);
    if (!output.success || bytes === null) {
      const log = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("\n");
      throw new Error(
        `chromium exited with code ${output.code}` +
          `${timeout.signal.aborted ? ` (killed after ${timeoutMs} ms)` : ""} and ` +
          `${bytes === null ? "no screenshot" : "a screenshot"}; last lines:\n${log}`,
      );
    }
    if (keepPng) await Deno.writeFile(keepPng, bytes);
    return await decodePng(bytes);
  } finally {
    clearTimeout(timer);
    await removeProfile(profile);
  }
}

/**
 * Counts the rows of an image holding at least one pixel within `tolerance` (per channel,
 * 0..255) of the colour `hex` ("#rrggbb"). A drawn curve spans many rows; a legend swatch
 * spans about fifteen, so this tells a plotted series from its legend entry.
 *
 * @example
 * ```ts
 * const rows = rowsWithColor(await screenshot("plots/adam.html"), "#4269d0");
 * ```
 */
export function rowsWithColor(image: RgbaImage, hex: string, tolerance = 10): number {
  const target = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let rows = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = (y * image.width + x) * 4;
      if (target.every((value, c) => Math.abs(image.pixels[p + c] - value) <= tolerance)) {
        rows++;
        break;
      }
    }
  }
  return rows;
}

/**
 * Fraction (0..1) of pixels that are not near-white (any channel below 235).
 *
 * @example
 * ```ts
 * inkFraction(shot) > 0.02; // something is drawn
 * ```
 */
export function inkFraction(image: RgbaImage): number {
  let ink = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const [r, g, b] = image.pixels.subarray(p * 4, p * 4 + 3);
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return ink / (image.width * image.height);
}

/** A DevTools protocol message from the browser. */
interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/**
 * A headless browser driven over the DevTools protocol, one tab per {@linkcode BrowserTab}.
 * Close it when done (`await using` does).
 *
 * @example
 * ```ts
 * await using browser = await launchBrowser();
 * const tab = await browser.open("plots/adam.html", { colorScheme: "dark" });
 * console.log(await tab.evaluate("document.title"));
 * ```
 */
export async function launchBrowser(
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "nnlab-chromium-" });
  const child = new Deno.Command(requireBrowser(), {
    args: [
      ...BROWSER_FLAGS,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Chromium prints its DevTools address on stderr once it listens.
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  let address: string | null = null;
  const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  while (address === null) {
    const { value, done } = await lines.read();
    if (done) {
      clearTimeout(deadline);
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw new Error(`the browser exited before listening; it said:\n${seen.slice(-800)}`);
    }
    seen += value;
    address = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1] ?? null;
  }
  clearTimeout(deadline);
  // Keep reading stderr so the browser never blocks on a full pipe.
  (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })().catch(() => {});
  const socket = new WebSocket(address);
  await new Promise((ready, fail) => {
    socket.onopen = ready;
    socket.onerror = () => fail(new Error(`cannot connect to the browser at ${address}`));
  });
  return new Browser(child, socket, profile, timeoutMs);
}

/** The browser process and its protocol connection. */
export class Browser {
  #nextId = 1;
  #pending = new Map<number, { resolve: (r: CdpMessage) => void; method: string }>();
  #listeners = new Set<(message: CdpMessage) => void>();

  constructor(
    private child: Deno.ChildProcess,
    private socket: WebSocket,
    private profile: string,
    /** Longest wait for one command or event, milliseconds. */
    readonly timeoutMs: number,
  ) {
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string) as CdpMessage;
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.resolve(message);
        this.#pending.delete(message.id);
      } else {
        for (const listener of this.#listeners) listener(message);
      }
    };
  }

  /** Sends one protocol command (to a tab when `sessionId` is given) and returns its result. */
  async send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const reply = new Promise<CdpMessage>((resolve) => this.#pending.set(id, { resolve, method }));
    this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    const message = await this.#within(reply, method);
    if (message.error) throw new Error(`${method}: ${message.error.message}`);
    return message.result ?? {};
  }

  /** Waits for the first event `method` (of the tab `sessionId`) that `accept` takes. */
  waitFor(
    method: string,
    sessionId?: string,
    accept: (params: Record<string, unknown>) => boolean = () => true,
  ): Promise<Record<string, unknown>> {
    let listener: (message: CdpMessage) => void = () => {};
    const event = new Promise<Record<string, unknown>>((resolve) => {
      listener = (message) => {
        if (
          message.method === method && (!sessionId || message.sessionId === sessionId) &&
          accept(message.params ?? {})
        ) resolve(message.params ?? {});
      };
      this.#listeners.add(listener);
    });
    return this.#within(event, `waiting for ${method}`).finally(() =>
      this.#listeners.delete(listener)
    );
  }

  async #within<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`${what}: no answer from the browser in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Opens `htmlPath` (a file, or an http:// URL) in a new tab of `width` x `height` CSS
   * pixels in the given colour scheme, and waits until it has loaded.
   */
  async open(
    htmlPath: string,
    { width = 1200, height = 900, colorScheme = "light" }: {
      width?: number;
      height?: number;
      colorScheme?: "light" | "dark";
    } = {},
  ): Promise<BrowserTab> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const tab = new BrowserTab(this, sessionId as string);
    await tab.send("Page.enable");
    await tab.send("Runtime.enable");
    await tab.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await tab.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: colorScheme }],
    });
    const loaded = this.waitFor("Page.loadEventFired", tab.sessionId);
    const url = /^https?:\/\//.test(htmlPath) ? htmlPath : pathToFileURL(resolve(htmlPath)).href;
    await tab.send("Page.navigate", { url });
    await loaded;
    return tab;
  }

  /** Saves downloads into `dir` under their suggested names. */
  async allowDownloads(dir: string): Promise<void> {
    await this.send("Browser.setDownloadBehavior", {
      behavior: "allow",
      downloadPath: dir,
      eventsEnabled: true,
    });
  }

  /**
   * Ends the browser and removes its profile. The browser is asked to close first: killed
   * at once, its helper processes outlive it for a moment and write into the profile
   * after it was removed, which left a profile behind in /tmp now and then.
   */
  async close(): Promise<void> {
    const exited = this.child.status;
    const graceful = this.socket.readyState === WebSocket.OPEN
      ? this.send("Browser.close").then(() => true, () => false)
      : Promise.resolve(false);
    const closed = await Promise.race([
      graceful.then((sent) => sent && exited.then(() => true)),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    if (!closed) {
      try {
        this.child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await exited;
    try {
      this.socket.close();
    } catch { /* already closed */ }
    await removeProfile(this.profile);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One tab of a {@linkcode Browser}. */
export class BrowserTab {
  constructor(private browser: Browser, readonly sessionId: string) {}

  /** Sends a protocol command to this tab. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Evaluates a JavaScript expression in the page and returns its (JSON) value. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (result.exceptionDetails) {
      const details = result.exceptionDetails;
      throw new Error(`page threw: ${details.exception?.description ?? details.text}`);
    }
    return result.result.value;
  }

  /** Moves the mouse to (x, y), CSS pixels from the viewport's top left. */
  async hover(x: number, y: number): Promise<void> {
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
  }

  /** Clicks at (x, y), CSS pixels from the viewport's top left. */
  async click(x: number, y: number): Promise<void> {
    await this.hover(x, y);
    for (const type of ["mousePressed", "mouseReleased"]) {
      await this.send("Input.dispatchMouseEvent", { type, x, y, button: "left", clickCount: 1 });
    }
  }

  /** Clicks the centre of the first element matching `selector`. */
  async clickOn(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      if (!element) return null;
      element.scrollIntoView({ block: "center" });
      const r = element.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    })()`);
    if (!box) throw new Error(`clickOn: nothing matches ${selector}`);
    await this.click(box.x, box.y);
  }

  /** A PNG screenshot of the viewport, decoded. */
  async screenshot({ keepPng }: { keepPng?: string } = {}): Promise<RgbaImage> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" });
    const bytes = Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0));
    if (keepPng) await Deno.writeFile(keepPng, bytes);
    return await decodePng(bytes);
  }
}

/** Removes a browser profile folder, again while a late write of a helper process recreates it. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!(await Deno.stat(profile).then(() => true, () => false))) return;
  }
}
