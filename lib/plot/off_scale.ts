/**
 * Keeping a panel readable when one run explodes: RMSProp at learning rate 1e3 ends at a
 * loss of 1.3e34, and a diverged run's last loss is NaN or Infinity. Drawn as is, such a
 * run sets the y scale and squashes every other curve flat against zero. Here a value far
 * above the others, or not finite, is "off the scale": it is drawn at the top edge of a
 * scale fitted to the rest, marked, and named in a note, while hovering still shows it.
 *
 * @module
 */

/**
 * How far above the typical value a value may go before it is off the scale. Typical is
 * the larger of the median of all values and the median of the runs' first values (a
 * loss starts near ln 10 = 2.3 for ten classes). Ten times that keeps the ordinary ups and
 * downs of a run on the scale and puts explosions (100x and far beyond) off it.
 *
 * @example
 * ```ts
 * import { OFF_SCALE_FACTOR } from "./off_scale.ts";
 *
 * const limit = OFF_SCALE_FACTOR * 2.3; // losses above 23 are off a scale where runs start at 2.3
 * ```
 */
export const OFF_SCALE_FACTOR = 10;

/** What went off the scale in one series. */
export interface OffScaleSeries {
  series: string;
  /** Values above the scale's limit. */
  above: number;
  /** NaN or infinite values. */
  nonFinite: number;
  /** Largest finite value above the limit, or null when none is. */
  largest: number | null;
  /** x of the first off-scale value. */
  firstX: number;
}

/** Rows as drawn: each row, its y as drawn and whether it is off the scale. */
export interface FittedRows<R> {
  rows: (R & { drawnY: number; offScale: boolean })[];
  /** Values above this are off the scale; null when nothing finite is. */
  limit: number | null;
  /** The y domain to draw, [low, high], when something is off the scale; else null. */
  domain: [number, number] | null;
  offScale: OffScaleSeries[];
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Fits a y scale to rows of several series, leaving out values that are not finite or
 * (unless `log`) more than {@linkcode OFF_SCALE_FACTOR} times the typical value. Rows off
 * the scale keep their value and get `drawnY` at the top edge of the fitted domain; the
 * others get `drawnY` = their value. On a log scale only non-finite values are off the
 * scale (a log axis spans decades by itself).
 *
 * @example
 * ```ts
 * import { fitToScale } from "./off_scale.ts";
 *
 * const fitted = fitToScale([
 *   { run: "adam", iteration: 1, loss: 2.3 }, { run: "adam", iteration: 2, loss: 1.9 },
 *   { run: "rmsprop", iteration: 1, loss: 2.3 }, { run: "rmsprop", iteration: 2, loss: 1.3e34 },
 * ], { x: "iteration", y: "loss", series: "run" });
 * fitted.domain; // [1.9, 2.3]
 * fitted.offScale; // [{ series: "rmsprop", above: 1, nonFinite: 0, largest: 1.3e34, firstX: 2 }]
 * ```
 */
export function fitToScale<R extends Record<string, unknown>>(
  rows: readonly R[],
  { x, y, series, log = false }: { x: string; y: string; series: string; log?: boolean },
): FittedRows<R> {
  const valueOf = (row: R) => row[y] as number;
  const finite = rows.map(valueOf).filter((v) => Number.isFinite(v));
  const firsts = new Map<unknown, number>();
  for (const row of rows) {
    if (!firsts.has(row[series]) && Number.isFinite(valueOf(row))) {
      firsts.set(row[series], valueOf(row));
    }
  }
  const typical = Math.max(
    median(finite.map(Math.abs)),
    median([...firsts.values()].map(Math.abs)),
  );
  const limit = !log && typical > 0 && finite.some((v) => v > OFF_SCALE_FACTOR * typical)
    ? OFF_SCALE_FACTOR * typical
    : null;
  const isOff = (v: number) => !Number.isFinite(v) || (limit !== null && v > limit);
  const onScale = finite.filter((v) => !isOff(v));
  const anyOff = rows.some((row) => isOff(valueOf(row)));
  const domain: [number, number] | null = anyOff && onScale.length > 0
    ? [Math.min(...onScale), Math.max(...onScale)]
    : anyOff
    ? [0, 1]
    : null;
  const top = domain ? domain[1] : 0;
  const offScale = new Map<unknown, OffScaleSeries>();
  const fitted = rows.map((row) => {
    const value = valueOf(row);
    const off = isOff(value);
    if (off) {
      const entry = offScale.get(row[series]) ??
        { series: String(row[series]), above: 0, nonFinite: 0, largest: null, firstX: row[x] };
      if (Number.isFinite(value)) {
        entry.above++;
        entry.largest = Math.max(entry.largest ?? value, value);
      } else {
        entry.nonFinite++;
      }
      offScale.set(row[series], entry as OffScaleSeries);
    }
    return { ...row, drawnY: off ? top : value, offScale: off };
  });
  return { rows: fitted, limit, domain, offScale: [...offScale.values()] };
}

/** A number for a note: "23.4", "1.3e34". */
function short(value: number): string {
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(1).replace(".0e", "e").replace("e+", "e")
    : String(Number(value.toPrecision(3)));
}

/**
 * One sentence per series that went off the scale of a panel, for the figure's notes.
 *
 * @example
 * ```ts
 * import { fitToScale, offScaleNotes } from "./off_scale.ts";
 *
 * const fitted = fitToScale([
 *   { run: "rmsprop", iteration: 1, loss: 2.3 }, { run: "rmsprop", iteration: 2, loss: 1.3e34 },
 * ], { x: "iteration", y: "loss", series: "run" });
 * offScaleNotes(fitted, { yLabel: "training loss", xLabel: "iteration" });
 * // ["rmsprop: 1 training loss value is off the scale (above 23, largest 1.3e34), from
 * //  iteration 2 on; drawn as ▲ on the top edge."]
 * ```
 */
export function offScaleNotes(
  fitted: Pick<FittedRows<Record<string, unknown>>, "limit" | "offScale">,
  { yLabel, xLabel }: { yLabel: string; xLabel: string },
): string[] {
  return fitted.offScale.map((s) => {
    const parts: string[] = [];
    if (s.above > 0) {
      parts.push(
        `${s.above} ${yLabel} value${s.above === 1 ? " is" : "s are"} off the scale (above ` +
          `${short(fitted.limit!)}, largest ${short(s.largest!)})`,
      );
    }
    if (s.nonFinite > 0) {
      parts.push(
        `${s.nonFinite} ${yLabel} value${s.nonFinite === 1 ? " is" : "s are"} NaN or infinite`,
      );
    }
    return `${s.series}: ${parts.join(" and ")}, from ${xLabel} ${s.firstX} on; drawn as ▲ ` +
      "on the top edge.";
  });
}
