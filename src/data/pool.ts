/**
 * A small bounded-concurrency map for file work (reading thousands of `.pts` files
 * and image headers without opening them all at once).
 */

/** Outcome of one item: its value, or the error it threw. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns every
 * outcome in input order; never rejects.
 *
 * @param onSettled called after each item with the number finished so far
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onSettled?: (finished: number) => void,
): Promise<Settled<R>[]> {
  const results = new Array<Settled<R>>(items.length);
  let next = 0;
  let finished = 0;

  // Each worker takes the next unclaimed index until none are left
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await fn(items[index] as T, index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
      finished++;
      onSettled?.(finished);
    }
  };
  const workers = Array.from(
    { length: Math.max(1, Math.min(limit, items.length)) },
    worker,
  );
  await Promise.all(workers);
  return results;
}
