/**
 * A rolling window's calls as per-second buckets `[start ms, count]`: compact
 * enough to share through one database row at thousands of calls (Xero's
 * app-wide minute, Autotask's hour), where a log of every call's time would not be.
 * A bucket counts until its last possible call has left the window, so the
 * count is never under the real one (strict: up to one bucket early is refused).
 */
export type Buckets = [number, number][]

export class RollingCount {
  constructor(
    /** the window's length, ms */
    private windowMs: number,
    /** one bucket's width, ms */
    private bucketMs: number,
    /** real-time margin past a bucket's expiry: the other side stamps a call when it arrives */
    private marginMs = 250
  ) {}

  /** The buckets still in the window at `now`. */
  live(buckets: Buckets, now: number): Buckets {
    return buckets.filter(([start]) => start + this.bucketMs + this.windowMs + this.marginMs > now)
  }

  total(buckets: Buckets) {
    return buckets.reduce((sum, [, count]) => sum + count, 0)
  }

  /** 0 when one more call fits under `limit`, else the ms until enough buckets have left the window. */
  waitFor(buckets: Buckets, limit: number, now: number) {
    let over = this.total(buckets) - limit + 1
    if (over <= 0) return 0
    for (const [start, count] of buckets) {
      over -= count
      if (over <= 0) return Math.max(1, start + this.bucketMs + this.windowMs + this.marginMs - now)
    }
    return this.windowMs
  }

  /** Counts `calls` more at `now`. */
  add(buckets: Buckets, now: number, calls = 1): Buckets {
    const start = this.bucketOf(now)
    const bucket = buckets.find(([at]) => at === start)
    if (bucket) bucket[1] += calls
    else buckets.push([start, calls])
    return buckets.sort((a, b) => a[0] - b[0])
  }

  /** The buckets with up to `calls` fewer in the bucket that starts at `start` (gone by: left alone). */
  remove(buckets: Buckets, start: number, calls: number): Buckets {
    return buckets
      .map(([at, count]): [number, number] => [
        at,
        at === start ? count - Math.min(calls, count) : count,
      ])
      .filter(([, count]) => count > 0)
  }

  /** The start of the bucket `at` falls in. */
  bucketOf(at: number) {
    return at - (at % this.bucketMs)
  }
}
