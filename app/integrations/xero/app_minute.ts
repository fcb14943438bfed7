import type { RollingCount, Buckets } from '#integrations/rolling_count'
import type { OptimisticRows, RowState } from '#integrations/optimistic_rows'

/** The row of the app-wide minute, beside the organisations' rows (no Xero tenant id looks like it). */
export const APP_ROW = '*app'

/** Most calls one reservation takes (a busy worker makes about ten a second). */
const RESERVE_MAX = 25

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The app row's minute_log holds buckets (see RollingCount), not single times. */
const appRow = (count: RollingCount): RowState<{ buckets: Buckets }> => ({
  parse: (row, now) => ({ buckets: count.live(JSON.parse(row.minute_log) as Buckets, now) }),
  columns: (state) => ({ minute_log: JSON.stringify(state.buckets) }),
})

interface Reservation {
  /** the bucket (its start, ms) the reserved calls are counted in */
  bucket: number
  /** reserved calls not made yet */
  left: number
  /** calls made in that bucket */
  made: number
}

/**
 * Xero's "App Minute Limit: 10,000 calls per minute" across every organisation of the app
 * (https://developer.xero.com/faq/limits), counted for every process in one row (`*app`) of
 * `xero_budgets`, in per-second buckets (a log of 10,000 times would not fit one row's write).
 *
 * Every Xero call of every organisation counts here, so a row written per call is the one row all
 * processes fight over: in `npm run bench:scale` it cost one worker a tenth of its CPU, and two
 * workers more. A process therefore reserves calls of the current bucket a few at a time (as many as
 * it made in its last bucket, at most RESERVE_MAX and a hundredth of the limit) and makes them without
 * writing; its next reservation gives back what the last one left unmade. Reserved calls count in
 * full, so all processes together never pass the limit, and a small limit (a test's) is reserved a
 * call at a time. A reservation is spent only in its own bucket: a call counts from when it left, up
 * to the bucket's end, for the minute and the margin after it (RollingCount). What Xero says it
 * counted (X-AppMinLimit-Remaining: other deployments of the same app) pads the minute with the next
 * reservation when it is higher than ours.
 */
export class AppMinute {
  private reservation: Reservation = { bucket: -1, left: 0, made: 0 }
  private reserving: Promise<number> | null = null
  /** the most calls Xero said the app had made in its minute, since the last reservation */
  private xeroCounted = 0
  private row: RowState<{ buckets: Buckets }>

  constructor(
    private rows: OptimisticRows,
    private limit: number,
    private count: RollingCount
  ) {
    this.row = appRow(count)
  }

  /** 0 when a call fits in the minute now (nothing is counted), else the ms to wait. */
  async wait(): Promise<number> {
    if (this.spendable(Date.now())) return 0
    return this.rows.change(APP_ROW, this.row, ({ buckets }, now) =>
      this.count.waitFor(buckets, this.limit, now)
    )
  }

  /** Counts one call now, waiting while the minute is full; resolves when the call may leave. */
  async take(): Promise<void> {
    for (;;) {
      if (this.spendable(Date.now())) {
        this.reservation.left--
        this.reservation.made++
        return
      }
      // One reservation at a time: lanes that find none wait for it and spend from it.
      if (!this.reserving) this.reserving = this.reserve().finally(() => (this.reserving = null))
      const wait = await this.reserving
      if (wait > 0) await sleep(Math.min(wait, 1000) * (0.9 + Math.random() * 0.2))
    }
  }

  /** What an answer's X-AppMinLimit-Remaining says: counted with the next reservation. */
  observe(remaining: number | null) {
    if (remaining !== null) this.xeroCounted = Math.max(this.xeroCounted, this.limit - remaining)
  }

  /** Calls this process has reserved and not made yet (counted in the row all the same). */
  get unmade() {
    return this.reservation.left
  }

  private spendable(now: number) {
    return this.reservation.left > 0 && this.reservation.bucket === this.count.bucketOf(now)
  }

  /** Gives back the last reservation's unmade calls and reserves more; the ms to wait if none fit. */
  private async reserve(): Promise<number> {
    const last = this.reservation
    const xeroCounted = this.xeroCounted
    const cap = Math.min(RESERVE_MAX, Math.max(1, Math.floor(this.limit / 100)))
    const wanted = Math.min(cap, Math.max(1, last.made))
    const taken = await this.rows.change(APP_ROW, this.row, (state, now) => {
      if (last.left > 0) state.buckets = this.count.remove(state.buckets, last.bucket, last.left)
      const missing = xeroCounted - this.count.total(state.buckets)
      if (missing > 0) state.buckets = this.count.add(state.buckets, now, missing)
      const calls = Math.min(wanted, this.limit - this.count.total(state.buckets))
      if (calls <= 0)
        return { calls: 0, now, wait: this.count.waitFor(state.buckets, this.limit, now) }
      state.buckets = this.count.add(state.buckets, now, calls)
      return { calls, now, wait: 0 }
    })
    if (xeroCounted === this.xeroCounted) this.xeroCounted = 0
    const bucket = this.count.bucketOf(taken.now)
    this.reservation = {
      bucket,
      left: taken.calls,
      made: bucket === last.bucket ? last.made : 0,
    }
    return taken.wait
  }
}
