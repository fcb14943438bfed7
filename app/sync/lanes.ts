/**
 * Work side by side, ended together: the engine's lanes (batches, contact look-ups and creations, a
 * run's phases) never leave a call in flight behind a failure, so a run ends only once every lane has.
 */

/** Like Promise.all, but waits for every promise to settle before rejecting with the first error. */
export async function allOrFirstError<T extends readonly unknown[]>(
  promises: T
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises)
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>
  }
}

/** Runs `lanes` copies of `lane` (at least one) side by side; once all have ended, throws the first failure. */
export async function inLanes(lanes: number, lane: () => Promise<void>) {
  await allOrFirstError(Array.from({ length: Math.max(1, lanes) }, () => lane()))
}
