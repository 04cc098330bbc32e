/**
 * What a study's runs found, as a sentence built from the runs themselves, so a page never
 * states a result its data do not show (a quick run's batchnorm page once said batchnorm
 * trains faster while its own curves showed the opposite).
 *
 * @module
 */
import type { RunRecord } from "../runs/record.ts";
import { plural } from "./plural.ts";
import { formatCell } from "./table.ts";
import { flatConfig } from "./varying.ts";

/**
 * The runs' common epochs and training-set size, e.g. "5 epochs on 4,000 training examples".
 * A run's config keeps the size in its data spec (`data.numTrain`); flat configs are read too.
 */
function trainingSize(records: readonly Pick<RunRecord, "config">[]): string | null {
  const flat = records.map((r) => flatConfig(r.config ?? {}));
  const common = (...keys: string[]) => {
    const valueOf = (config: Record<string, unknown>) =>
      keys.map((key) => config[key]).find((value) => value !== undefined);
    const values = new Set(flat.map((config) => JSON.stringify(valueOf(config) ?? "absent")));
    return values.size === 1 ? valueOf(flat[0]) : undefined;
  };
  const epochs = common("numEpochs"), examples = common("numTrain", "data.numTrain");
  const parts = [
    typeof epochs === "number" ? plural(epochs, "epoch") : null,
    typeof examples === "number"
      ? plural(examples, "training example")
      : examples === null
      ? "the whole training set"
      : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" on ") : null;
}

/**
 * One sentence ranking the runs by a metric, best first, with the training size they
 * share: "After 5 epochs on 4,000 training examples, best validation accuracy: adam 92.4%,
 * rmsprop 92.0%, sgd_momentum 91.8%, sgd 85.8%." A run that did not finish says how it
 * ended instead of a value.
 *
 * @example
 * ```ts
 * import { rankRuns } from "./findings.ts";
 * import type { RunRecord } from "../runs/record.ts";
 * declare const records: RunRecord[];
 * rankRuns(records, { metric: "bestValAcc", label: "best validation accuracy" });
 * rankRuns(records, { metric: "finalLoss", label: "final training loss", format: "number", lowerIsBetter: true });
 * ```
 */
export function rankRuns(
  records: readonly Pick<RunRecord, "name" | "status" | "metrics" | "config">[],
  { metric, label, format = "percent", lowerIsBetter = false, size: withSize = true }: {
    metric: string;
    label: string;
    format?: "percent" | "number";
    lowerIsBetter?: boolean;
    /** Start with the epochs and training-set size the runs share (default true). */
    size?: boolean;
  },
): string {
  const valued = records.filter((r) =>
    r.status === "finished" && Number.isFinite(r.metrics?.[metric])
  );
  const others = records.filter((r) => !valued.includes(r));
  const sign = lowerIsBetter ? 1 : -1;
  const ranked = [...valued].sort((a, b) => sign * (a.metrics[metric] - b.metrics[metric]));
  const items = [
    ...ranked.map((r) => `${r.name} ${formatCell(r.metrics[metric], format)}`),
    ...others.map((r) => `${r.name} ${r.status === "finished" ? "–" : r.status}`),
  ];
  const size = withSize ? trainingSize(records) : null;
  // Run names like "SGD lr 1e-2, batch 256" hold commas: then items are kept apart by ";".
  const separator = records.some((r) => r.name.includes(",")) ? "; " : ", ";
  return `${size ? `After ${size}, ${label}` : label[0].toUpperCase() + label.slice(1)}: ` +
    `${items.join(separator)}.`;
}
