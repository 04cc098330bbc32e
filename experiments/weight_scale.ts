/**
 * Batchnorm and initialization: a seven-layer net trained from weight scales log-spaced
 * between 1e-4 and 1, with and without batchnorm (two runs per scale).
 *
 * Run: `deno task exp:weight-scale` (add --quick for a seconds-long smoke run).
 *
 * @module
 */
import { dataSpec } from "../lib/data/spec.ts";
import { runStudy } from "../lib/study/frame.ts";
import { sweepFigure } from "../lib/plot/sweep.ts";
import { fcNetText, fcRun } from "../lib/study/fc_run.ts";
import { plural } from "../lib/plot/plural.ts";
import { configText } from "../lib/plot/varying.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import { formatCell } from "../lib/plot/table.ts";

export const settings = {
  hiddenDims: [50, 50, 50, 50, 50, 50],
  numTrain: 1_000,
  updateRule: "adam",
  learningRate: 1e-3,
  numEpochs: 10,
  batchSize: 50,
  /** How many weight scales, log-spaced from the smallest to the largest. */
  numScales: 20,
  smallestScale: 1e-4,
  largestScale: 1,
};

/** `count` values log-spaced from 10^from to 10^to, like numpy.logspace. */
function logspace(from: number, to: number, count: number): number[] {
  if (count === 1) return [10 ** from];
  return Array.from({ length: count }, (_, i) => 10 ** (from + (to - from) * i / (count - 1)));
}

const normalizations = { baseline: null, batchnorm: "batchnorm" } as const;

// Runs only as a script: tests import the settings above without starting the study.
if (import.meta.main) {
  await runStudy({
    name: "weight_scale",
    title: "Batchnorm and weight initialization",
    description: (s) =>
      `A ${fcNetText(s.hiddenDims)} trained from ${plural(s.numScales, "weight scale")} ` +
      `log-spaced between ${configText(s.smallestScale)} and ${configText(s.largestScale)}, ` +
      "with and without batchnorm: from how wide a band of scales does each train?",
    script: import.meta.url,
    settings,
    quick: { numTrain: 100, numEpochs: 1, numScales: 3 },
    data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain }),
    runs: (s) =>
      logspace(Math.log10(s.smallestScale), Math.log10(s.largestScale), s.numScales).flatMap((
        weightScale,
      ) =>
        Object.entries(normalizations).map(([series, normalization]) =>
          fcRun(`${series} ${weightScale.toExponential(1)}`, { ...s, weightScale, normalization })
        )
      ),
    figures: (outcomes) => [{
      ...sweepFigure(
        outcomes.map(({ record }) => ({
          weightScale: netOf(record).weightScale,
          normalization: netOf(record).normalization ?? "baseline",
          ...record.metrics,
        })),
        {
          x: "weightScale",
          xLabel: "weight initialization scale",
          series: "normalization",
          metrics: [
            { key: "bestValAcc", label: "best validation accuracy", percent: true },
            { key: "bestTrainAcc", label: "best training accuracy", percent: true },
            { key: "finalLoss", label: "final training loss", logY: true },
          ],
        },
      ),
      findings: `Best validation accuracy over the ${outcomes.length / 2} weight scales: ${
        Object.entries(normalizations).map(([series, normalization]) =>
          accuracyRange(
            series,
            outcomes.map((o) => o.record).filter((r) =>
              (netOf(r).normalization ?? null) === normalization
            ),
          )
        ).join("; ")
      }.`,
    }],
  });
}

/** The net's options of a run: its weight scale and normalization. */
function netOf(record: RunRecord) {
  return record.config.modelOptions as { weightScale: number; normalization: string | null };
}

/** "baseline from 10.2% to 45.3%". */
function accuracyRange(series: string, records: RunRecord[]): string {
  const values = records.map((r) => r.metrics.bestValAcc).filter(Number.isFinite);
  if (values.length === 0) return `${series}: no finished run`;
  const [low, high] = [Math.min(...values), Math.max(...values)];
  return `${series} from ${formatCell(low, "percent")} to ${formatCell(high, "percent")}`;
}
