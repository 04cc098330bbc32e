/**
 * Command lines that name their cause: a negative number after a flag is its value, so
 * the range check says what the range is (not "argument is ambiguous" and the flag list);
 * an unknown flag, a missing value and a value given to a switch are one line each.
 */
import assert from "node:assert/strict";
import { parseCommandLine } from "../lib/cli/command_line.ts";
import { parseDevFlags } from "../lib/cli/dev/main.ts";
import { parseStudyFlags } from "../lib/study/flags.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { join } from "node:path";

const oneLine = (fn: () => unknown, expected: string) =>
  assert.throws(fn, (error: Error) => {
    assert.equal(error.message, expected);
    return true;
  });

Deno.test("study flags: --jobs -1 and --seed -3 name the accepted range in one line", () => {
  oneLine(
    () => parseStudyFlags(["--jobs", "-1"]),
    '--jobs: got "-1"; expected an integer >= 1',
  );
  oneLine(
    () => parseStudyFlags(["--seed", "-3"]),
    '--seed: got "-3"; expected an integer >= 0',
  );
  oneLine(
    () => parseStudyFlags(["--threads", "-2"]),
    '--threads: got "-2"; expected an integer >= 1',
  );
  assert.equal(parseStudyFlags(["--seed=7"]).seed, 7);
});

Deno.test("dev --port -1 names the accepted range", () => {
  oneLine(
    () => parseDevFlags(["--port", "-1"]),
    '--port: got "-1"; expected an integer from 0 to 65535',
  );
  oneLine(
    () => parseDevFlags(["--debounce", "-5"]),
    '--debounce: got "-5"; expected an integer from 0 to 60000',
  );
  oneLine(() => parseDevFlags(["--jobs", "-1"]), '--jobs: got "-1"; expected an integer >= 1');
});

Deno.test("parseCommandLine: unknown flags, missing values and switch values are one line each", () => {
  const options = {
    seed: { type: "string" as const },
    quick: { type: "boolean" as const },
    help: { type: "boolean" as const, short: "h" },
  };
  oneLine(
    () => parseCommandLine(["--epochs", "3"], options),
    "--epochs: unknown flag; accepted flags: --seed VALUE, --quick, -h/--help",
  );
  oneLine(
    () => parseCommandLine(["--seed"], options),
    "--seed: got no value; expected --seed VALUE",
  );
  oneLine(
    () => parseCommandLine(["--seed", "--quick"], options),
    '--seed: got no value ("--quick" is a flag); expected --seed VALUE, or --seed=VALUE for a ' +
      'value that starts with "-"',
  );
  oneLine(
    () => parseCommandLine(["--quick=yes"], options),
    '--quick: got "yes"; expected no value (it is a switch)',
  );
  oneLine(
    () => parseCommandLine(["extra"], options),
    '"extra": unexpected argument; expected only flags: --seed VALUE, --quick, -h/--help',
  );
  for (const value of ["-1", "-0.5", "-.5", "-1e-3", "-Infinity"]) {
    assert.equal(parseCommandLine(["--seed", value], options).values.seed, value);
  }
  const parsed = parseCommandLine(["a.html", "-h"], options, { allowPositionals: true });
  assert.deepEqual({ ...parsed.values }, { help: true });
  assert.deepEqual(parsed.positionals, ["a.html"]);
});

Deno.test("benches, setup:native and gpu reject an unknown flag or a bad value in one line, no stack", async () => {
  const cases: [string, string[], RegExp][] = [
    ["bench/step.ts", ["--nope"], /^error: --nope: unknown flag; accepted flags: --backend VALUE/],
    [
      "bench/step.ts",
      ["--threads", "9"],
      /^error: --threads: got 9; expected an integer in \[1, 8\]$/,
    ],
    ["bench/kernels.ts", ["--reps", "x"], /^error: --reps: got "x"; expected an integer >= 1$/],
    ["bench/batchnorm.ts", ["--nope"], /^error: --nope: unknown flag; accepted flags: --backend/],
    [
      "bench/workspace.ts",
      ["--repeat", "-2"],
      /^error: --repeat: got "-2"; expected an integer >= 1$/,
    ],
    [
      "lib/cli/setup_native.ts",
      ["--cpu"],
      /^error: --cpu: unknown flag; accepted flags: --gpu, --tensorflow$/,
    ],
    ["lib/cli/gpu.ts", ["--bogus"], /^error: --bogus: unknown flag; this command takes no flags$/],
  ];
  for (const [script, args, expected] of cases) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(REPO_ROOT, script), ...args],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2, `${script}: ${stderr}`);
    assert.match(stderr, expected, script);
    assert.equal(stderr.split("\n").length, 1, `${script}: one line, no stack: ${stderr}`);
  }
});
