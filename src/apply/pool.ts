// Runs async tasks with bounded concurrency and stops starting new ones once a signal aborts.
// The tenant client paces requests per tier; this only bounds how many are in flight at once.

export async function runBounded<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ started: number }> {
  let next = 0;
  const width = Math.max(1, Math.min(concurrency, items.length));
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return { started: next };
}
