/**
 * The records of a study's current runs, for a notebook or a script of your own: the runs
 * its script would serve now, read from the run store.
 *
 * Which runs are current is the study script's to say, so {@linkcode loadRuns} asks it:
 * it starts the script with the given flags in plan mode (lib/study/plan.ts), which works
 * out every run's key from the settings, data set, backend and code on disk exactly as a
 * run of the script does, and trains nothing. Only records stored under those keys are
 * returned. A record of an older setting or of older code has another key, so it is never
 * returned, even when it is the newest of its name; a page's embedded runs would not do,
 * since the page is as old as its last run.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { REPO_ROOT } from "../files.ts";
import { missCause } from "../runs/identity.ts";
import { closestRecord } from "../runs/runner.ts";
import type { RunRecord } from "../runs/record.ts";
import { RunStore } from "../runs/store.ts";
import { plainText } from "../runs/worker_protocol.ts";
import { parseStudyFlags } from "./flags.ts";
import { STUDY_PLAN_ENV, STUDY_PLAN_FORMAT, type StudyPlan } from "./plan.ts";

/** Options of {@linkcode loadRuns}. */
export interface LoadRunsOptions {
  /** The study's `--quick` runs. */
  quick?: boolean;
  /** Other flags of the study, as on its command line, e.g. `["--seed", "1"]`. */
  flags?: string[];
  /** Default: the run store of `deno task exp:<study>` (`$NNLAB_RUNS_DIR` or data/runs). */
  store?: RunStore;
  /**
   * Return the runs that have a current record and leave out the others (a sweep still
   * training); by default a run without one is an error that says why and what to run.
   */
  allowMissing?: boolean;
}

/**
 * The records of `study`'s current runs, in the study's order: `study` is a study's name
 * (its script is experiments/<study>.ts) or the path of a study script.
 *
 * @throws when a run has no current record (unless `allowMissing`), naming each such run
 * and why (never trained, or what changed since its last record), and the command that
 * trains them; when the script fails, with its error.
 * @example
 * ```ts
 * const runs = await loadRuns("adam", { quick: true });
 * runs.map((run) => [run.name, run.metrics.bestValAcc]);
 * ```
 */
export async function loadRuns(study: string, options: LoadRunsOptions = {}): Promise<RunRecord[]> {
  const flags = [...(options.quick ? ["--quick"] : []), ...(options.flags ?? [])];
  parseStudyFlags(flags); // a bad flag is named here, before the script starts
  const script = study.endsWith(".ts")
    ? (isAbsolute(study) ? study : resolve(study))
    : join(REPO_ROOT, "experiments", `${study}.ts`);
  if (!(await Deno.stat(script).catch(() => null))?.isFile) {
    const studies = [...Deno.readDirSync(join(REPO_ROOT, "experiments"))]
      .filter((entry) => entry.name.endsWith(".ts")).map((entry) => entry.name.slice(0, -3));
    throw new Error(
      `study: got ${JSON.stringify(study)}; no script ${script}; expected one of ` +
        `${studies.sort().join(", ")} or the path of a study script`,
    );
  }
  const plan = await planOf(script, flags);
  const store = options.store ?? new RunStore();
  const records: RunRecord[] = [];
  /** Why runs have no current record -> those runs. */
  const missing = new Map<string, string[]>();
  const miss = (why: string, name: string) => missing.set(why, [...missing.get(why) ?? [], name]);
  let stored: RunRecord[] | undefined;
  for (const run of plan.runs) {
    const found = await store.get(run.key);
    if (found.hit) {
      records.push(found.record);
      continue;
    }
    if (found.reason === "running") {
      miss("training now", run.spec.name);
      continue;
    }
    stored ??= await store.list();
    const { name, config } = run.spec;
    const before = closestRecord(stored, {
      study: plan.study,
      name,
      config,
      identity: run.identity,
    });
    const cause = before ? missCause(before, { config, identity: run.identity }) : null;
    const why = !before
      ? "never trained"
      : cause
      ? `stale records, ${cause}`
      : `record ${found.reason}`;
    miss(why, run.spec.name);
  }
  if (missing.size > 0 && !options.allowMissing) {
    const count = [...missing.values()].flat().length;
    const causes = [...missing].map(([why, names]) => `${names.join(", ")}: ${why}`);
    const command = study.endsWith(".ts")
      ? `deno run -A ${study}`
      : `deno task exp:${study.replaceAll("_", "-")}`;
    throw new Error(
      `${plan.study}: ${count} of ${plan.runs.length} runs have no record for the current ` +
        `settings and code (${causes.join("; ")}); run \`${command}` +
        `${flags.length ? ` ${flags.join(" ")}` : ""}\` to train them (or pass allowMissing)`,
    );
  }
  return records;
}

/** Starts `script` in plan mode and reads its plan. */
async function planOf(script: string, flags: string[]): Promise<StudyPlan> {
  const dir = await Deno.makeTempDir({ prefix: "nnlab-plan-" });
  const file = join(dir, "plan.json");
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), script, ...flags],
      cwd: REPO_ROOT,
      env: { [STUDY_PLAN_ENV]: file, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = await Deno.readTextFile(file).catch(() => null);
    const plan = text === null ? null : JSON.parse(text) as StudyPlan;
    if (result.success && plan?.format === STUDY_PLAN_FORMAT) return plan;
    const said = plainText(new TextDecoder().decode(result.stderr) || "").trim() ||
      plainText(new TextDecoder().decode(result.stdout)).trim();
    const why = said.split("\n")
      .filter((line) => line.trim() && !/^(Stack backtrace:|\s*\d+: <unknown>)/.test(line))
      .slice(-3).join(" ") ||
      `exit code ${result.code}`;
    throw new Error(
      result.success
        ? `${script}: wrote no run plan; is it a study script (runStudy from lib/study/frame.ts)?`
        : `${script}: ${why}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
