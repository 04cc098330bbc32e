/**
 * Turns a burst of saves into one re-run. An editor's save is often several file-system
 * events (write, chmod, rename of a backup), and "save all" touches many files at once:
 * changes are collected until `quietMs` pass without a new one, then handed over as one
 * batch. While a batch is being handled, new changes wait and form the next batch, so two
 * re-runs never overlap.
 *
 * @module
 */

/** What {@linkcode coalesce} returns. */
export interface Coalescer<T> {
  /** Adds changes; the quiet period starts again. */
  add(items: Iterable<T>): void;
  /** Resolves once nothing is pending or being handled. */
  idle(): Promise<void>;
}

/**
 * Collects items and calls `handle` with each batch of distinct items, one batch at a time.
 * An error thrown by `handle` goes to `onError` (default: console.error) and does not stop
 * later batches.
 *
 * @param quietMs milliseconds without a new item before a batch is handed over
 * @example
 * ```ts
 * import { coalesce } from "./coalesce.ts";
 * declare function rerun(paths: string[]): Promise<void>;
 * const changes = coalesce<string>({ quietMs: 150, handle: (paths) => rerun(paths) });
 * for await (const event of Deno.watchFs("lib")) changes.add(event.paths);
 * ```
 */
export function coalesce<T>(options: {
  quietMs: number;
  handle: (batch: T[]) => Promise<void>;
  onError?: (error: unknown) => void;
}): Coalescer<T> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  let pending = new Set<T>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let waiters: (() => void)[] = [];

  const settle = () => {
    if (pending.size === 0 && timer === undefined && running === undefined) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };
  const start = () => {
    timer = undefined;
    if (running !== undefined || pending.size === 0) return settle();
    const batch = [...pending];
    pending = new Set();
    running = options.handle(batch).catch(onError).finally(() => {
      running = undefined;
      // Changes that arrived during the run and are already quiet start the next batch.
      if (timer === undefined) start();
    });
  };
  return {
    add(items) {
      for (const item of items) pending.add(item);
      if (pending.size === 0) return;
      clearTimeout(timer);
      timer = setTimeout(start, options.quietMs);
    },
    idle() {
      return new Promise((wake) => {
        waiters.push(wake);
        settle();
      });
    },
  };
}
