import { XeroRateLimitError } from '#integrations/xero/errors'
import syncConfig from '#config/sync'

/** How a person names each of Xero's limits. */
export const LIMIT_NAMES = {
  minute: 'per-minute',
  day: 'daily',
  concurrent: 'concurrent-call',
  app: 'app-wide',
} as const

/**
 * Runs a Xero call, waiting out a short rate limit (the minute's, the
 * concurrency's: as long as Retry-After says, up to `maxInlineWaitSeconds`)
 * and trying again. A rate limit is no failure: nothing counts an attempt. A
 * longer wait (the daily limit) is thrown for the caller to schedule.
 */
export async function waitingOutRateLimits<T>(
  call: () => Promise<T>,
  onWait: (error: XeroRateLimitError) => Promise<void> | void = () => {}
): Promise<T> {
  for (;;) {
    try {
      return await call()
    } catch (error) {
      if (
        !(error instanceof XeroRateLimitError) ||
        error.retryAfterSeconds > syncConfig.maxInlineWaitSeconds
      )
        throw error
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterSeconds * 1000))
      await onWait(error)
    }
  }
}
