import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import { XeroRateLimitError, type XeroRateLimits } from '#integrations/xero/errors'

export interface XeroBudgetLimits {
  perMinute: number
  concurrent: number
  perDay: number
  /** how long a slot in flight lasts if its holder dies before giving it back (the call's time-out, and some) */
  slotMs: number
  /** sandbox seconds per real second (benchmarks): the minute and the day are that much shorter */
  clockSpeed: number
}

interface Slot {
  /** holder */
  h: string
  /** lapses at (ms) */
  e: number
}

interface BudgetState {
  minute: number[]
  inFlight: Slot[]
  dayStartedAt: number
  dayCount: number
}

/** A real-time margin past a minute-log entry's expiry: Xero stamps a call when it arrives, we when we send it. */
const ARRIVAL_MARGIN_MS = 250
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Each Xero organisation's call budget, shared by every process that talks to
 * it (any number of workers, the web app's resyncs and "View originals")
 * through one row per organisation in `xero_budgets`: the calls of the rolling
 * minute, the calls in flight and the day's count. A call first takes a slot
 * (waiting, without asking Xero, while the organisation has 5 in flight or 60
 * in the last minute), and gives it back with what Xero's answer said of its
 * limits (X-MinLimit-Remaining, X-DayLimit-Remaining), so calls this app did
 * not count (another app on the same organisation) are counted too.
 *
 * Every change is one conditional UPDATE on the row's version (optimistic
 * concurrency): it works the same on SQLite and MySQL, and two processes never
 * both take the last slot. A slot whose holder died lapses after `slotMs`.
 *
 * Why not @adonisjs/limiter (rate-limiter-flexible, already a dependency): its
 * windows are fixed, so up to twice the limit can pass across a window's edge
 * while Xero counts a rolling minute, and it has no notion of calls in flight.
 * The daily limit is not waited out here: its wait is thrown as Xero's own
 * 429 would be (XeroRateLimitError "day"), for the engine to schedule.
 */
export class XeroBudget {
  constructor(private limits: XeroBudgetLimits) {}

  private get minuteMs() {
    return 60_000 / this.limits.clockSpeed
  }

  private get dayMs() {
    return 86_400_000 / this.limits.clockSpeed
  }

  /** Waits for a slot of the organisation's budget; returns its token, for `release`. */
  async acquire(tenantId: string): Promise<string> {
    const token = randomUUID()
    for (;;) {
      const { version, state } = await this.read(tenantId)
      const now = Date.now()
      const wait = this.waitFor(state, now)
      if (wait === 0) {
        state.minute.push(now)
        state.inFlight.push({ h: token, e: now + this.limits.slotMs })
        state.dayCount++
        if (await this.write(tenantId, version, state)) return token
        continue
      }
      if (wait < 0) {
        const seconds = Math.ceil((state.dayStartedAt + this.dayMs - now) / 1000)
        throw new XeroRateLimitError(
          `Xero's daily limit of ${this.limits.perDay} calls for this organisation is used up`,
          'day',
          Math.max(1, seconds),
          429
        )
      }
      // A little jitter, so processes waiting on one organisation do not all ask again at once.
      await sleep(Math.min(wait, 1000) * (0.9 + Math.random() * 0.2))
    }
  }

  /** Gives the slot back, counting what Xero's answer says of its limits. */
  async release(tenantId: string, token: string, observed: XeroRateLimits | null) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { version, state } = await this.read(tenantId)
      state.inFlight = state.inFlight.filter((slot) => slot.h !== token)
      if (observed) this.observe(state, observed, Date.now())
      if (await this.write(tenantId, version, state)) return
    }
    // Given up under heavy contention: the slot lapses by itself after slotMs.
  }

  /** What the organisation's row holds now, for a status view: in flight, calls this minute, calls today. */
  async usage(tenantId: string) {
    const { state } = await this.read(tenantId)
    return {
      inFlight: state.inFlight.length,
      minute: state.minute.length,
      day: state.dayCount,
      dayEndsAt: new Date(state.dayStartedAt + this.dayMs),
    }
  }

  /** 0: go now; > 0: wait that many ms; < 0: the day is used up. */
  private waitFor(state: BudgetState, now: number) {
    if (state.dayCount >= this.limits.perDay) return -1
    if (state.inFlight.length >= this.limits.concurrent) return 20 + Math.random() * 30
    if (state.minute.length >= this.limits.perMinute) {
      const oldest = state.minute[state.minute.length - this.limits.perMinute]
      return Math.max(1, oldest + this.minuteMs + ARRIVAL_MARGIN_MS - now)
    }
    return 0
  }

  /** Xero's own count wins when it is higher (calls another app made): our log is padded to match. */
  private observe(state: BudgetState, observed: XeroRateLimits, now: number) {
    if (observed.minuteRemaining !== null) {
      const used = this.limits.perMinute - observed.minuteRemaining
      while (state.minute.length < used) state.minute.push(now)
    }
    if (observed.dayRemaining !== null) {
      state.dayCount = Math.max(state.dayCount, this.limits.perDay - observed.dayRemaining)
    }
  }

  private async read(tenantId: string): Promise<{ version: number; state: BudgetState }> {
    let row = await db.from('xero_budgets').where('tenant_id', tenantId).first()
    if (!row) {
      try {
        await db.table('xero_budgets').insert({
          tenant_id: tenantId,
          minute_log: '[]',
          in_flight: '[]',
          day_started_at: Date.now(),
          day_count: 0,
          version: 0,
        })
      } catch {
        // Another process created it first.
      }
      row = await db.from('xero_budgets').where('tenant_id', tenantId).firstOrFail()
    }
    const now = Date.now()
    let dayStartedAt = Number(row.day_started_at)
    let dayCount = Number(row.day_count)
    if (now >= dayStartedAt + this.dayMs) {
      dayStartedAt = now
      dayCount = 0
    }
    return {
      version: Number(row.version),
      state: {
        minute: (JSON.parse(row.minute_log) as number[]).filter((at) => at > now - this.minuteMs),
        inFlight: (JSON.parse(row.in_flight) as Slot[]).filter((slot) => slot.e > now),
        dayStartedAt,
        dayCount,
      },
    }
  }

  private async write(tenantId: string, version: number, state: BudgetState) {
    const updated = await db
      .from('xero_budgets')
      .where('tenant_id', tenantId)
      .where('version', version)
      .update({
        minute_log: JSON.stringify(state.minute),
        in_flight: JSON.stringify(state.inFlight),
        day_started_at: state.dayStartedAt,
        day_count: state.dayCount,
        version: version + 1,
      })
    return Number(updated) === 1
  }
}
