/**
 * A study's plan: which runs its script would serve now, with their keys, computed the
 * way a run of the script computes them (its flags, its settings, the data set it would
 * resolve, the backend it would start, the code on disk) but training nothing and
 * writing no page. {@linkcode loadRuns} asks a study for its plan by starting its script
 * with {@linkcode STUDY_PLAN_ENV} naming a file; the study frame writes the plan there.
 *
 * @module
 */
import type { BackendInfo } from "../backend/info.ts";
import { writeFileAtomic } from "../files.ts";
import type { RunSpec } from "../runs/record.ts";
import { planRuns } from "../runs/runner.ts";
import type { PlannedRun } from "../runs/train_run.ts";

/** Names the file a study script writes its plan to instead of running. */
export const STUDY_PLAN_ENV = "NNLAB_STUDY_PLAN";

/** The format tag of a plan file. */
export const STUDY_PLAN_FORMAT = "nnlab-study-plan/1";

/** What a plan file holds. */
export interface StudyPlan {
  format: typeof STUDY_PLAN_FORMAT;
  study: string;
  /** The study's runs in its order, each with its identity and key. */
  runs: PlannedRun[];
}

/**
 * The plan file this process was asked to write, if any.
 *
 * @example
 * ```ts
 * if (studyPlanFile() !== undefined) console.log("planning only");
 * ```
 */
export function studyPlanFile(): string | undefined {
  try {
    return Deno.env.get(STUDY_PLAN_ENV) || undefined;
  } catch {
    return undefined; // no permission to read the environment: nobody asked
  }
}

/**
 * Works out the key of every run and writes the plan to `file`; returns `file`.
 *
 * @example
 * ```ts
 * import type { BackendInfo } from "../backend/info.ts";
 * import type { RunSpec } from "../runs/record.ts";
 * declare const specs: RunSpec[];
 * declare const backend: BackendInfo;
 * await writeStudyPlan("/tmp/plan.json", "adam", specs, backend);
 * ```
 */
export async function writeStudyPlan(
  file: string,
  study: string,
  specs: RunSpec[],
  backend: BackendInfo,
): Promise<string> {
  const plan: StudyPlan = {
    format: STUDY_PLAN_FORMAT,
    study,
    runs: await planRuns(specs, backend),
  };
  await writeFileAtomic(file, JSON.stringify(plan));
  return file;
}
