import { createHash, randomUUID } from 'node:crypto'
import { AutotaskThrottledError } from '#integrations/autotask/errors'
import { RollingCount, type Buckets } from '#integrations/rolling_count'
import { OptimisticRows, type RowState } from '#integrations/optimistic_rows'

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
      const taken = await this.rows.change(threads, slotsRow, (state, now) => {
        if (state.slots.length >= this.limits.threadsPerEntity) return false
        state.slots.push({ h: token, e: now + this.limits.slotMs })
        return true
      })
      if (taken) break
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
    await this.rows.change(threadsKey(database, integrationCode, entity), slotsRow, (state) => {
      state.slots = state.slots.filter((slot) => slot.h !== token)
    })
  }

  private async countInHour(database: string) {
    for (;;) {
      const wait = await this.rows.change(hourKey(database), hourRow, (state, now) => {
        const next = hourly.waitFor(state.buckets, this.limits.perHour, now)
        if (next === 0) state.buckets = hourly.add(state.buckets, now)
        return next
      })
      if (wait === 0) return
      if (wait > this.limits.maxInlineWaitMs) {
        throw new AutotaskThrottledError(
          `Autotask's hourly request limit for this database (${this.limits.perHour} requests in 60 minutes) is used up by this app's processes; it will be tried again in ${Math.ceil(wait / 60_000)} min.`,
          { retryAfterMs: wait }
        )
      }
      await sleep(wait)
    }
  }
}

/** A row of thread slots (one database, integration code and entity). */
const slotsRow: RowState<{ slots: Slot[] }> = {
  parse: (row, now) => ({
    slots: (JSON.parse(row.in_flight) as Slot[]).filter((slot) => slot.e > now),
  }),
  columns: (state) => ({ in_flight: JSON.stringify(state.slots) }),
}

/** A database's rolling hour. */
const hourRow: RowState<{ buckets: Buckets }> = {
  parse: (row, now) => ({ buckets: hourly.live(JSON.parse(row.hour_log) as Buckets, now) }),
  columns: (state) => ({ hour_log: JSON.stringify(state.buckets) }),
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
