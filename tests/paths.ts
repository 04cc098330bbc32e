/**
 * Path helpers for tests.
 *
 * @module
 */
import { pathToFileURL } from "node:url";

/** The file URL (as a string) of an absolute path. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}
