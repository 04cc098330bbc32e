/**
 * How a study hands its runs to a cluster engine: `--launcher local|slurm|pbs` and the
 * resources a task asks for, read from flags, the environment (`NNLAB_SLURM_*`,
 * `NNLAB_PBS_*`) and the `slurm` / `pbs` sections of deno.json, in that order of
 * precedence. Every option is described once, in {@linkcode LAUNCHER_OPTION_TABLE}; the
 * flag names, the environment names, the deno.json keys and the help lines derive from it.
 *
 * Values are checked here, before anything is written or submitted, so a typo is a
 * one-line error naming the source (flag, variable or deno.json key), the value and what
 * is accepted, rather than a job that fails on the cluster an hour later.
 *
 * @module
 */
import { argumentError, describeValue, oneOf } from "../../errors.ts";

/**
 * Where the runs of a study train: here (`--jobs`), or as a Slurm or PBS job array.
 *
 * @example
 * ```ts
 * import { oneOf } from "../../errors.ts";
 * const launcher = oneOf("--launcher", "slurm", LAUNCHER_NAMES);
 * ```
 */
export const LAUNCHER_NAMES = ["local", "slurm", "pbs"] as const;
/**
 * A launcher.
 *
 * @example
 * ```ts
 * const launcher: LauncherName = "local";
 * ```
 */
export type LauncherName = typeof LAUNCHER_NAMES[number];
/**
 * A cluster engine.
 *
 * @example
 * ```ts
 * const engine: SchedulerName = "pbs";
 * ```
 */
export type SchedulerName = Exclude<LauncherName, "local">;

/**
 * What a study asks of the cluster engine; everything optional falls to its defaults.
 *
 * @example
 * ```ts
 * const options: LauncherOptions = {
 *   launcher: "slurm",
 *   partition: "gpu",
 *   timeLimitSeconds: 3600,
 *   gpus: 1,
 *   schedulerArgs: [],
 *   runsPerTask: 1,
 *   wait: true,
 *   dryRun: false,
 * };
 * ```
 */
export interface LauncherOptions {
  launcher: LauncherName;
  /** Slurm partition (`--partition`). */
  partition?: string;
  /** PBS queue (`-q`). */
  queue?: string;
  /** Account charged (Slurm `--account`, PBS `-A`). */
  account?: string;
  /** Slurm quality of service (`--qos`). */
  qos?: string;
  /**
   * Time limit of one task, seconds; undefined leaves the partition's or queue's default;
   * `Infinity` asks Slurm for no limit.
   */
  timeLimitSeconds?: number;
  /** CPUs of one task; undefined leaves the engine's default (one). */
  cpusPerTask?: number;
  /** Memory of one task, Slurm-style: an integer and a unit K, M, G or T, e.g. `4G`. */
  memory?: string;
  /** GPUs of one task. */
  gpus?: number;
  /** Extra arguments for sbatch or qsub, one word each. */
  schedulerArgs: string[];
  /** At most this many tasks at once (`--array=0-9%P`); undefined = no cap. */
  maxConcurrent?: number;
  /** Runs per PBS task (packing, for engines that allocate whole nodes); 1 for Slurm. */
  runsPerTask: number;
  /** Stay until every task ended, showing progress, then draw the figure. */
  wait: boolean;
  /** Print the job script (and write the launch folder) without submitting. */
  dryRun: boolean;
}

type OptionKey =
  | "partition"
  | "queue"
  | "account"
  | "qos"
  | "time"
  | "cpusPerTask"
  | "mem"
  | "gpus"
  | "maxConcurrent"
  | "runsPerTask"
  | "args";

/**
 * One launcher option: where it is read from and what it means.
 *
 * @example
 * ```ts
 * const gpus: LauncherOptionSpec = {
 *   key: "gpus",
 *   flags: { slurm: "gpus", pbs: "gpus" },
 *   value: "N",
 *   help: "GPUs of one task",
 * };
 * ```
 */
export interface LauncherOptionSpec {
  /** Key in the `slurm` / `pbs` sections of deno.json. */
  key: OptionKey;
  /** The flag (without dashes) of each engine that takes the option. */
  flags: Partial<Record<SchedulerName, string>>;
  /** Placeholder of the value in the help line. */
  value: string;
  help: string;
  /** The same idea under the other engine's name (a Slurm partition is a PBS queue). */
  counterpart?: OptionKey;
}

/**
 * The launcher options that a cluster engine takes, one row each.
 *
 * @example
 * ```ts
 * const slurmFlags = LAUNCHER_OPTION_TABLE.flatMap((spec) => spec.flags.slurm ?? []);
 * // ["partition", "account", "qos", "time", ...]
 * ```
 */
export const LAUNCHER_OPTION_TABLE: readonly LauncherOptionSpec[] = [
  {
    key: "partition",
    flags: { slurm: "partition" },
    value: "NAME",
    help: "Slurm partition",
    counterpart: "queue",
  },
  {
    key: "queue",
    flags: { pbs: "queue" },
    value: "NAME",
    help: "PBS queue (qsub -q)",
    counterpart: "partition",
  },
  {
    key: "account",
    flags: { slurm: "account", pbs: "account" },
    value: "NAME",
    help: "account charged (sbatch --account, qsub -A)",
  },
  { key: "qos", flags: { slurm: "qos" }, value: "NAME", help: "Slurm quality of service" },
  {
    key: "time",
    flags: { slurm: "time", pbs: "time" },
    value: "TIME",
    help: "time limit of a task, as Slurm writes it: MIN, H:MM:SS, D-H, ...",
  },
  {
    key: "cpusPerTask",
    flags: { slurm: "cpus-per-task", pbs: "cpus-per-task" },
    value: "N",
    help: "CPUs of one task (default 1)",
  },
  {
    key: "mem",
    flags: { slurm: "mem", pbs: "mem" },
    value: "SIZE",
    help: "memory of one task: an integer with unit K, M, G or T, e.g. 4G",
  },
  { key: "gpus", flags: { slurm: "gpus", pbs: "gpus" }, value: "N", help: "GPUs of one task" },
  {
    key: "maxConcurrent",
    flags: { slurm: "max-concurrent", pbs: "max-concurrent" },
    value: "P",
    help: "at most P tasks at once (array 0-(n-1)%P)",
  },
  {
    key: "runsPerTask",
    flags: { pbs: "runs-per-task" },
    value: "K",
    help: "PBS: K runs per task, in parallel over its CPUs (default 1)",
  },
  {
    key: "args",
    flags: { slurm: "sbatch-args" },
    value: "ARGS",
    help: "extra arguments for sbatch, as one quoted string",
  },
  {
    key: "args",
    flags: { pbs: "qsub-args" },
    value: "ARGS",
    help: "extra arguments for qsub, as one quoted string",
  },
];

const LAUNCHER_ENV = "NNLAB_LAUNCHER";

/**
 * The environment variable of an option for one engine.
 *
 * @example
 * ```ts
 * launcherEnvName("slurm", "cpusPerTask"); // "NNLAB_SLURM_CPUS_PER_TASK"
 * ```
 */
export function launcherEnvName(scheduler: SchedulerName, key: OptionKey): string {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  return `NNLAB_${scheduler.toUpperCase()}_${snake}`;
}

/**
 * Every environment variable the launcher options are read from: `NNLAB_LAUNCHER` and
 * each engine's `NNLAB_SLURM_<KEY>` / `NNLAB_PBS_<KEY>`.
 *
 * @example
 * ```ts
 * const env = Object.fromEntries(LAUNCHER_ENV_NAMES.map((name) => [name, Deno.env.get(name)]));
 * ```
 */
export const LAUNCHER_ENV_NAMES: readonly string[] = [
  LAUNCHER_ENV,
  ...(["slurm", "pbs"] as const).flatMap((scheduler) =>
    LAUNCHER_OPTION_TABLE.filter((spec) => spec.flags[scheduler] !== undefined)
      .map((spec) => launcherEnvName(scheduler, spec.key))
  ),
];

/**
 * Every launcher flag (without dashes) and its kind, to spread into the `options` of
 * `node:util` parseArgs next to the study flags.
 *
 * @example
 * ```ts
 * import { parseArgs } from "node:util";
 * const { values } = parseArgs({ args: ["--launcher", "slurm"], options: LAUNCHER_PARSE_OPTIONS });
 * ```
 */
export const LAUNCHER_PARSE_OPTIONS: Record<string, { type: "string" | "boolean" }> = {
  launcher: { type: "string" },
  wait: { type: "boolean" },
  "dry-run": { type: "boolean" },
  ...Object.fromEntries(
    LAUNCHER_OPTION_TABLE.flatMap((spec) => Object.values(spec.flags))
      .map((flag) => [flag, { type: "string" as const }]),
  ),
};

/**
 * One help line per launcher flag, in the style of the study flags' help.
 *
 * @example
 * ```ts
 * console.log(`flags:\n${LAUNCHER_FLAGS_HELP}`);
 * ```
 */
export const LAUNCHER_FLAGS_HELP: string = [
  ["--launcher NAME", `local | slurm | pbs (default local, or $${LAUNCHER_ENV})`],
  ["--wait", "slurm/pbs: stay, show progress, then draw the figure"],
  ["--dry-run", "slurm/pbs: write and print the job script; submit nothing"],
  ...LAUNCHER_OPTION_TABLE.map((spec) => {
    const flag = Object.values(spec.flags)[0];
    return [`--${flag} ${spec.value}`, spec.help];
  }),
].map(([flag, text]) => `  ${flag.padEnd(18)} ${text}`).join("\n") +
  "\n  Each also from $NNLAB_SLURM_<KEY> / $NNLAB_PBS_<KEY> (e.g. $NNLAB_SLURM_CPUS_PER_TASK," +
  "\n  $NNLAB_PBS_ARGS) or the key in the slurm / pbs section of deno.json (cpusPerTask, args)";

/**
 * Where the raw launcher settings come from.
 *
 * @example
 * ```ts
 * const sources: LauncherSources = {
 *   flags: { launcher: "pbs", "runs-per-task": "4" },
 *   env: Deno.env.toObject(),
 *   config: JSON.parse(await Deno.readTextFile("deno.json")),
 * };
 * ```
 */
export interface LauncherSources {
  /** Raw flag values as parseArgs gives them, keyed by flag name without dashes. */
  flags: Record<string, string | boolean | undefined>;
  /** The environment (e.g. `Deno.env.toObject()`). */
  env: Record<string, string | undefined>;
  /** Parsed deno.json; only its `slurm` and `pbs` sections are read. */
  config: Record<string, unknown>;
}

/**
 * Resolves the launcher options: flags, then environment, then deno.json, then defaults.
 * Throws a one-line error for a bad value, an unknown deno.json key, or a flag that does
 * not apply to the chosen launcher.
 *
 * @example
 * ```ts
 * const options = resolveLauncherOptions({
 *   flags: { launcher: "slurm", time: "1:00:00", "max-concurrent": "8" },
 *   env: Deno.env.toObject(),
 *   config: { slurm: { partition: "gpu", mem: "8G" } },
 * });
 * options.timeLimitSeconds; // 3600
 * ```
 */
export function resolveLauncherOptions(sources: LauncherSources): LauncherOptions {
  const { flags, env } = sources;
  const launcherText = flags.launcher ?? env[LAUNCHER_ENV] ?? "local";
  const launcher = oneOf(
    flags.launcher !== undefined ? "--launcher" : LAUNCHER_ENV,
    launcherText,
    LAUNCHER_NAMES,
  );
  const options: LauncherOptions = {
    launcher,
    schedulerArgs: [],
    runsPerTask: 1,
    wait: flags.wait === true,
    dryRun: flags["dry-run"] === true,
  };
  if (launcher === "local") {
    const given = [
      ...["wait", "dry-run"].filter((flag) => flags[flag] === true),
      ...LAUNCHER_OPTION_TABLE.flatMap((spec) => Object.values(spec.flags))
        .filter((flag) => flags[flag] !== undefined),
    ];
    if (given.length > 0) {
      throw new Error(
        `--${given[0]}: applies to --launcher slurm or pbs; got --launcher local`,
      );
    }
    return options;
  }
  const section = configSection(sources.config, launcher);
  for (const spec of LAUNCHER_OPTION_TABLE) {
    const flag = spec.flags[launcher];
    if (flag === undefined) {
      const [other, foreign] = Object.entries(spec.flags)[0];
      if (flags[foreign] !== undefined) {
        const counterpart = LAUNCHER_OPTION_TABLE.find((row) => row.key === spec.counterpart);
        const hint = counterpart?.flags[launcher]
          ? ` (${launcher}: --${counterpart.flags[launcher]})`
          : "";
        throw new Error(
          `--${foreign}: applies to --launcher ${other}; got --launcher ${launcher}${hint}`,
        );
      }
      continue;
    }
    const envName = launcherEnvName(launcher, spec.key);
    const [source, raw] = flags[flag] !== undefined
      ? [`--${flag}`, flags[flag]]
      : env[envName] !== undefined && env[envName] !== ""
      ? [envName, env[envName]]
      : [`deno.json ${launcher}.${spec.key}`, section[spec.key]];
    if (raw === undefined) continue;
    applyOption(options, spec.key, source, raw, launcher);
  }
  return options;
}

function sectionKeys(scheduler: SchedulerName): string[] {
  return LAUNCHER_OPTION_TABLE.filter((spec) => spec.flags[scheduler] !== undefined)
    .map((spec) => spec.key);
}

function configSection(
  config: Record<string, unknown>,
  scheduler: SchedulerName,
): Record<string, unknown> {
  const section = config[scheduler];
  if (section === undefined) return {};
  if (section === null || typeof section !== "object" || Array.isArray(section)) {
    throw argumentError(`deno.json ${scheduler}`, section, "an object of launcher options");
  }
  const accepted = sectionKeys(scheduler);
  for (const key of Object.keys(section)) {
    if (!accepted.includes(key)) {
      throw new Error(
        `deno.json ${scheduler}.${key}: unknown key; accepted keys: ${accepted.join(", ")}`,
      );
    }
  }
  return section as Record<string, unknown>;
}

function applyOption(
  options: LauncherOptions,
  key: OptionKey,
  source: string,
  raw: unknown,
  scheduler: SchedulerName,
): void {
  switch (key) {
    case "partition":
    case "queue":
    case "account":
    case "qos":
      options[key] = schedulerName(source, raw);
      return;
    case "time": {
      const seconds = parseTimeLimit(source, raw);
      if (seconds === Infinity && scheduler === "pbs") {
        throw argumentError(source, raw, "a finite walltime for PBS (omit it for the queue's)");
      }
      options.timeLimitSeconds = seconds;
      return;
    }
    case "cpusPerTask":
      options.cpusPerTask = positiveInteger(source, raw);
      return;
    case "gpus":
      options.gpus = positiveInteger(source, raw);
      return;
    case "maxConcurrent":
      options.maxConcurrent = positiveInteger(source, raw);
      return;
    case "runsPerTask":
      options.runsPerTask = positiveInteger(source, raw);
      return;
    case "mem":
      options.memory = parseMemory(source, raw);
      return;
    case "args":
      options.schedulerArgs = Array.isArray(raw)
        ? raw.map((word) => argumentWord(source, word, raw))
        : splitShellWords(source, raw);
      return;
  }
}

/** A partition, queue, account or QOS: one word that is safe on a `#SBATCH` line. */
function schedulerName(source: string, raw: unknown): string {
  if (typeof raw !== "string" || !/^[A-Za-z0-9_.,:@+=/-]+$/.test(raw)) {
    throw argumentError(source, raw, "a name of letters, digits and _ . , : @ + = / -");
  }
  return raw;
}

function positiveInteger(source: string, raw: unknown): number {
  const value = typeof raw === "number"
    ? raw
    : typeof raw === "string" && /^\d+$/.test(raw.trim())
    ? Number(raw)
    : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw argumentError(source, raw, "an integer >= 1");
  }
  return value;
}

const TIME_HELP = "a time limit as Slurm writes it: MIN, MIN:SEC, H:MM:SS, D-H, D-H:MM or " +
  "D-H:MM:SS (e.g. 90, 1:30:00, 2-0), or UNLIMITED";

/**
 * Seconds of a time limit written as Slurm accepts it: `minutes`, `minutes:seconds`,
 * `hours:minutes:seconds`, `days-hours`, `days-hours:minutes`, `days-hours:minutes:seconds`;
 * `0`, `UNLIMITED` or `INFINITE` mean no limit (`Infinity`). Note that a bare number is
 * minutes, as in Slurm (PBS would read seconds): the PBS walltime is written from the
 * seconds, never copied.
 *
 * @example
 * ```ts
 * parseTimeLimit("--time", "1-12");    // 129600
 * parseTimeLimit("--time", "90");      // 5400
 * parseTimeLimit("--time", "1:30:00"); // 5400
 * ```
 */
export function parseTimeLimit(source: string, raw: unknown): number {
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string") throw argumentError(source, raw, TIME_HELP);
  if (/^(0|unlimited|infinite)$/i.test(text.trim())) return Infinity;
  const match = text.trim().match(/^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/);
  if (!match) throw argumentError(source, raw, TIME_HELP);
  const [, days, first, second, third] = match;
  const n = (s?: string) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  let bounded: number[]; // fields that must be below 60 (or hours below 24 after days)
  if (days !== undefined) {
    // days-hours[:minutes[:seconds]]
    seconds = n(days) * 86_400 + n(first) * 3_600 + n(second) * 60 + n(third);
    bounded = [n(second), n(third)];
    if (n(first) >= 24) throw argumentError(source, raw, `${TIME_HELP}; hours below 24`);
  } else if (third !== undefined) {
    seconds = n(first) * 3_600 + n(second) * 60 + n(third); // hours:minutes:seconds
    bounded = [n(second), n(third)];
  } else if (second !== undefined) {
    seconds = n(first) * 60 + n(second); // minutes:seconds
    bounded = [n(second)];
  } else {
    seconds = n(first) * 60; // minutes
    bounded = [];
  }
  if (bounded.some((field) => field >= 60)) {
    throw argumentError(source, raw, `${TIME_HELP}; minutes and seconds below 60`);
  }
  return seconds;
}

/**
 * A memory size in Slurm's form: an integer and a unit K, M, G or T (megabytes without a
 * unit, as in Slurm); a trailing `B` or `iB` is accepted and dropped.
 *
 * @example
 * ```ts
 * parseMemory("--mem", "4gb");  // "4G"
 * parseMemory("--mem", "2048"); // "2048M"
 * ```
 */
export function parseMemory(source: string, raw: unknown): string {
  const text = typeof raw === "number" ? String(raw) : raw;
  const match = typeof text === "string" ? text.trim().match(/^(\d+)([KMGT])?(?:i?B)?$/i) : null;
  if (!match || Number(match[1]) < 1) {
    throw argumentError(
      source,
      raw,
      "a size of at least 1: an integer with unit K, M, G or T, e.g. 4G or 500M " +
        "(megabytes without a unit)",
    );
  }
  return `${Number(match[1])}${(match[2] ?? "M").toUpperCase()}`;
}

function argumentWord(source: string, word: unknown, all: unknown): string {
  if (typeof word !== "string" || word === "" || /[\n\r]/.test(word)) {
    throw argumentError(source, all, "a list of non-empty one-line words");
  }
  return word;
}

/**
 * Splits a command-line fragment into words as a POSIX shell would: whitespace separates,
 * single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash
 * outside quotes escapes the next character. No expansion of any kind.
 *
 * @example
 * ```ts
 * splitShellWords("--sbatch-args", `--constraint "a100|h100" --exclusive`);
 * // ["--constraint", "a100|h100", "--exclusive"]
 * ```
 */
export function splitShellWords(source: string, raw: unknown): string[] {
  if (typeof raw !== "string") throw argumentError(source, raw, "a string of shell words");
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "\n" || c === "\r") {
      throw argumentError(source, raw, "shell words on one line");
    }
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (raw[i + 1] === '"' || raw[i + 1] === "\\")) word += raw[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < raw.length) {
      word += raw[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw argumentError(source, raw, `shell words with every quote closed (${quote} is open)`);
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The study command that draws the figure once every run is stored: the same script and
 * flags, minus the launcher flags and `--fresh` (which would retrain), plus
 * `--launcher local` (so `$NNLAB_LAUNCHER` cannot submit again) and `--backend` with the
 * tier the runs were keyed with (in place of any given, so `auto` cannot choose another
 * tier on the node that draws).
 *
 * @param args the study's command-line arguments (`Deno.args`)
 * @example
 * ```ts
 * figureCommandArgs(["--quick", "--launcher", "slurm", "--wait"], "wasm");
 * // ["--quick", "--launcher", "local", "--backend", "wasm"]
 * ```
 */
export function figureCommandArgs(args: readonly string[], backend: string): string[] {
  const dropped = new Set([...Object.keys(LAUNCHER_PARSE_OPTIONS), "fresh", "backend"]);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = args[i].match(/^--([^=]+)(=.*)?$/);
    if (match && dropped.has(match[1])) {
      const takesValue = match[1] === "backend" ||
        LAUNCHER_PARSE_OPTIONS[match[1]]?.type === "string";
      if (takesValue && match[2] === undefined) i++;
      continue;
    }
    out.push(args[i]);
  }
  out.push("--launcher", "local", "--backend", backend);
  return out;
}

/**
 * What a task asks of the engine, in one line, for the launch message.
 *
 * @example
 * ```ts
 * const options = resolveLauncherOptions({
 *   flags: { launcher: "slurm", partition: "gpu", time: "60" },
 *   env: {},
 *   config: {},
 * });
 * describeLauncherOptions(options); // "partition gpu, time 1:00:00"
 * ```
 */
export function describeLauncherOptions(options: LauncherOptions): string {
  const parts: string[] = [];
  if (options.partition) parts.push(`partition ${options.partition}`);
  if (options.queue) parts.push(`queue ${options.queue}`);
  if (options.account) parts.push(`account ${options.account}`);
  if (options.qos) parts.push(`qos ${options.qos}`);
  if (options.timeLimitSeconds !== undefined) {
    parts.push(`time ${formatWalltime(options.timeLimitSeconds)}`);
  }
  if (options.cpusPerTask) parts.push(`${options.cpusPerTask} CPUs per task`);
  if (options.memory) parts.push(`mem ${options.memory}`);
  if (options.gpus) parts.push(`${options.gpus} GPUs per task`);
  if (options.maxConcurrent) parts.push(`at most ${options.maxConcurrent} tasks at once`);
  if (options.runsPerTask > 1) parts.push(`${options.runsPerTask} runs per task`);
  if (options.schedulerArgs.length) parts.push(`extra ${describeValue(options.schedulerArgs)}`);
  return parts.length ? parts.join(", ") : "the engine's defaults";
}

/**
 * Seconds as `H:MM:SS` (hours unbounded), the form PBS walltimes and Slurm both read;
 * `UNLIMITED` for `Infinity`.
 *
 * @example
 * ```ts
 * formatWalltime(93_784); // "26:03:04"
 * ```
 */
export function formatWalltime(seconds: number): string {
  if (seconds === Infinity) return "UNLIMITED";
  const s = Math.ceil(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}
