/**
 * The environment as the launchers read it: a variable this process may not read is unset.
 * A study's module graph holds the launchers, but a confined reproduction
 * (lib/cli/confine.ts) grants only the variables a local study must read, and it never
 * launches: there `$NNLAB_LAUNCHER` and the rest are simply absent, never an error.
 *
 * @module
 */

/**
 * The value of `name`, or undefined when it is unset or not readable here.
 *
 * @example
 * ```ts
 * const launcher = readEnv("NNLAB_LAUNCHER") ?? "local";
 * ```
 */
export function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
