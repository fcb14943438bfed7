import type { DateTime } from 'luxon'

/**
 * When to try a record again after a transient failure: 30 s, 1, 2, 4 … minutes
 * up to an hour, never sooner than the server asked (Retry-After), with a little
 * jitter so workers do not retry in lock-step.
 */
export function nextAttemptAt(
  now: DateTime,
  attempts: number,
  retryAfterSeconds = 0,
  random = Math.random
) {
  const exponential = Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1))
  const jittered = exponential * (0.9 + random() * 0.2)
  return now.plus({ seconds: Math.ceil(Math.max(jittered, retryAfterSeconds)) })
}
