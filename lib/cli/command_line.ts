/**
 * Strict command-line parsing for nnlab's commands (studies, reproduce, dev, summary,
 * setup:native, the benches): `node:util`'s `parseArgs`, with its failures turned into
 * one-line errors that name the flag and what it accepts.
 *
 * Two things `parseArgs` gets wrong for a user: a negative number after a flag
 * (`--seed -3`) is "ambiguous" to it, because it might be a forgotten value followed by a
 * flag; and its messages are several lines long and suggest syntax rather than the
 * accepted values. Here a value that reads as a number is taken as the flag's value (so
 * the range check that follows can say what the range is), and every failure is one line.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One flag: a switch (`boolean`) or a flag with a value (`string`). */
export interface FlagOption {
  type: "string" | "boolean";
  short?: string;
}

/** The flags of a command, by long name without the dashes. */
export type FlagOptions = Record<string, FlagOption>;

/** What {@linkcode parseCommandLine} returns: values by long name, and the positionals. */
export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Options of {@linkcode parseCommandLine}. */
export interface CommandLineOptions {
  /** Whether arguments that are not flags are accepted (default false). */
  allowPositionals?: boolean;
  /** What an unknown flag's error lists as accepted; default the flag names. */
  accepted?: string;
}

/** A numeric-looking value: `-1`, `-0.5`, `-.5`, `-1e-3`, `-Infinity`. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|inf)/i;

/**
 * Parses `args` against `options`; throws a one-line `Error` naming the flag and what is
 * accepted on an unknown flag, a missing value, a value given to a switch or an
 * unexpected positional argument.
 *
 * @example
 * ```ts
 * const { values } = parseCommandLine(["--seed", "-3"], { seed: { type: "string" } });
 * values.seed; // "-3": the caller's range check then says "expected an integer >= 0"
 * ```
 */
export function parseCommandLine(
  args: readonly string[],
  options: FlagOptions,
  { allowPositionals = false, accepted }: CommandLineOptions = {},
): CommandLine {
  const takesValue = (token: string) => {
    const name = token.startsWith("--") ? token.slice(2) : undefined;
    return name !== undefined && options[name]?.type === "string";
  };
  // `--flag -1` as `--flag=-1`: parseArgs refuses the former outright.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    const next = args[i + 1];
    if (token === "--") {
      joined.push(...args.slice(i));
      break;
    }
    if (takesValue(token) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${token}=${next}`);
      i++;
    } else {
      joined.push(token);
    }
  }
  try {
    const parsed = parseArgs({ args: joined, options, strict: true, allowPositionals });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new Error(explain(error as Error, joined, options, accepted));
  }
}

/** The accepted flags in one line: `--quick, --seed N, -h/--help`. */
export function flagList(options: FlagOptions): string {
  return Object.entries(options).map(([name, option]) =>
    `${option.short ? `-${option.short}/` : ""}--${name}${option.type === "string" ? " VALUE" : ""}`
  ).join(", ");
}

/** One line for a parseArgs failure, naming the flag. */
function explain(
  error: Error,
  args: readonly string[],
  options: FlagOptions,
  accepted = flagList(options),
): string {
  const message = error.message.split("\n")[0];
  const unknown = message.match(/^Unknown option '([^']+)'/);
  if (unknown) {
    return `${unknown[1]}: unknown flag; ` +
      (accepted ? `accepted flags: ${accepted}` : "this command takes no flags");
  }
  const missing = message.match(/^Option '(-\w, )?(--[^ ']+) <value>' argument missing/);
  if (missing) return `${missing[2]}: got no value; expected ${missing[2]} VALUE`;
  const ambiguous = message.match(/^Option '([^']+)' argument is ambiguous/);
  if (ambiguous) {
    const flag = ambiguous[1];
    const next = args[args.indexOf(flag) + 1];
    return `${flag}: got no value (${JSON.stringify(next)} is a flag); expected ${flag} VALUE, ` +
      `or ${flag}=VALUE for a value that starts with "-"`;
  }
  const switchValue = message.match(/^Option '(-\w, )?(--[^ ']+)' does not take an argument/);
  if (switchValue) {
    const given = args.find((arg) => arg.startsWith(`${switchValue[2]}=`));
    const value = given?.slice(switchValue[2].length + 1) ?? "";
    return `${switchValue[2]}: got ${JSON.stringify(value)}; expected no value (it is a switch)`;
  }
  const positional = message.match(/^Unexpected argument '([^']*)'/);
  if (positional) {
    return `${JSON.stringify(positional[1])}: unexpected argument; expected only flags: ` +
      accepted;
  }
  return message;
}

/**
 * For scripts (benches, setup): parses `args` and turns the result into the script's
 * settings with `settings`; any error of either is printed as one line, `error: ...`
 * (no stack trace), and the process exits with code 2.
 *
 * @example
 * ```ts
 * import { numberIn } from "../errors.ts";
 * const reps = commandLineOrExit(Deno.args, { reps: { type: "string" } }, {}, ({ values }) =>
 *   numberIn("--reps", Number(values.reps ?? 7), { min: 1, integer: true }));
 * ```
 */
export function commandLineOrExit<T>(
  args: readonly string[],
  options: FlagOptions,
  commandLineOptions: CommandLineOptions,
  settings: (commandLine: CommandLine) => T,
): T {
  try {
    return settings(parseCommandLine(args, options, commandLineOptions));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
