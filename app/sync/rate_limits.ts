import type { DateTime } from 'luxon'
import { XeroRateLimitError } from '#integrations/xero/errors'
import type Product from '#models/product'
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

/**
 * What every face says of a product waiting for a Xero limit (the card, Sync Logs, `/toolbox status`):
 * "Waiting for Xero's daily limit until 14:05 UTC" (with the date when it is not today's); null when it
 * does not wait. Times are shown in UTC, as everywhere in the app.
 */
export function xeroWaitText(
  product: Pick<Product, 'xeroWaitingUntil' | 'xeroWaitingFor'>,
  now: DateTime
): string | null {
  const until = product.xeroWaitingUntil?.toUTC()
  if (!until || until <= now) return null
  const name = LIMIT_NAMES[product.xeroWaitingFor ?? 'day'] ?? LIMIT_NAMES.day
  const format = until.hasSame(now.toUTC(), 'day') ? "HH:mm 'UTC'" : "yyyy-LL-dd HH:mm 'UTC'"
  return `Waiting for Xero's ${name} limit until ${until.toFormat(format)}`
}
