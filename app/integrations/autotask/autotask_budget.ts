import { createHash, randomUUID } from 'node:crypto'
import { AutotaskThrottledError } from '#integrations/autotask/errors'
import { RollingCount, type Buckets } from '#integrations/rolling_count'
import { OptimisticRows } from '#integrations/optimistic_rows'

export interface AutotaskBudgetLimits {
  /** requests an hour per database (Autotask: 10,000) */
  perHour: number
  /** requests in flight per integration code and entity (Autotask: 3) */
  threadsPerEntity: number
  /** how long a thread slot lasts if its holder dies before giving it back (the call's time-out, and some) */
  slotMs: number
  /** longest wait for the hour's budget inside a call; past it the call is refused as Autotask would refuse it */
  maxInlineWaitMs: number
}

interface Slot {
  /** holder */
  h: string
  /** lapses at (ms) */
  e: number
}

const HOUR_MS = 3_600_000
/** The hour's count in minute buckets: 60 entries a row, a call counted up to a minute longer than Autotask does. */
const hourly = new RollingCount(HOUR_MS, 60_000, 0)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Autotask's limits, shared by every process that reaches one Autotask database
 * (workers, and the web app's checks and "View originals") through rows of
 * `autotask_budgets`, as XeroBudget shares Xero's:
 * - "a thread limit of three per object endpoint and tracking identifier" (the integration code)
 *   in a partner's instance (ww1.autotask.net/help/DeveloperHelp/Content/APIs/General/ThreadLimiting.htm):
 *   one row of slots per database, integration code and entity; a request waits for a slot;
 * - "10,000 [requests] per hour between an individual database and the API" (REST_Thresholds_Limits.htm,
 *   same help): one row per database counting the rolling hour; when it is spent the request is refused
 *   here, as Autotask would refuse it (AutotaskThrottledError), without asking.
 * A database is known by its zone and API user: each API user belongs to one database, and nothing
 * else the API tells names the database. Every change is one conditional UPDATE on `version`.
 */
export class AutotaskBudget {
  private rows = new OptimisticRows('autotask_budgets', 'budget_key', () => ({
    hour_log: '[]',
    in_flight: '[]',
  }))

  constructor(private limits: AutotaskBudgetLimits) {}

  /** Waits for a thread slot, then counts the request in the hour; returns the slot's token for `release`. */
  async acquire(database: string, integrationCode: string, entity: string): Promise<string> {
    const threads = threadsKey(database, integrationCode, entity)
    const token = randomUUID()
    for (;;) {
      const { version, slots } = await this.readSlots(threads)
      const now = Date.now()
      if (slots.length < this.limits.threadsPerEntity) {
        slots.push({ h: token, e: now + this.limits.slotMs })
        if (await this.rows.write(threads, version, { in_flight: JSON.stringify(slots) })) break
        continue
      }
      // A little jitter, so processes waiting on one entity do not all ask again at once.
      await sleep(20 + Math.random() * 30)
    }
    try {
      await this.countInHour(database)
    } catch (refused) {
      await this.release(database, integrationCode, entity, token)
      throw refused
    }
    return token
  }

  /** Gives the thread slot back. */
  async release(database: string, integrationCode: string, entity: string, token: string) {
    const threads = threadsKey(database, integrationCode, entity)
    for (let attempt = 0; attempt < 50; attempt++) {
      const { version, slots } = await this.readSlots(threads)
      const left = slots.filter((slot) => slot.h !== token)
      if (await this.rows.write(threads, version, { in_flight: JSON.stringify(left) })) return
    }
    // Given up under heavy contention: the slot lapses by itself after slotMs.
  }

  private async countInHour(database: string) {
    const key = hourKey(database)
    for (;;) {
      const { version, buckets } = await this.readHour(key)
      const now = Date.now()
      const wait = hourly.waitFor(buckets, this.limits.perHour, now)
      if (wait === 0) {
        if (
          await this.rows.write(key, version, {
            hour_log: JSON.stringify(hourly.add(buckets, now)),
          })
        )
          return
        continue
      }
      if (wait > this.limits.maxInlineWaitMs) {
        throw new AutotaskThrottledError(
          `Autotask's hourly request limit for this database (${this.limits.perHour} requests in 60 minutes) is used up by this app's processes; it will be tried again in ${Math.ceil(wait / 60_000)} min.`,
          { retryAfterMs: wait }
        )
      }
      await sleep(wait)
    }
  }

  private async readSlots(key: string) {
    const row = await this.rows.read(key)
    const now = Date.now()
    const slots = (JSON.parse(row.in_flight) as Slot[]).filter((slot) => slot.e > now)
    return { version: Number(row.version), slots }
  }

  private async readHour(key: string) {
    const row = await this.rows.read(key)
    const buckets = hourly.live(JSON.parse(row.hour_log) as Buckets, Date.now())
    return { version: Number(row.version), buckets }
  }
}

/** Keys stay within the column's 191 characters (MySQL's utf8mb4 index limit), however long the parts. */
function budgetKey(...parts: string[]) {
  const joined = parts.map((part) => part.toLowerCase()).join('|')
  if (joined.length <= 191) return joined
  return `${joined.slice(0, 150)}#${createHash('sha256').update(joined).digest('hex').slice(0, 32)}`
}

const hourKey = (database: string) => budgetKey('hour', database)
const threadsKey = (database: string, integrationCode: string, entity: string) =>
  budgetKey('threads', database, integrationCode, entity)
