import { randomUUID } from 'node:crypto'
import { XeroRateLimitError, type XeroRateLimits } from '#integrations/xero/errors'
import { RollingCount } from '#integrations/rolling_count'
import { OptimisticRows, type RowState } from '#integrations/optimistic_rows'
import { AppMinute } from '#integrations/xero/app_minute'

export interface XeroBudgetLimits {
  perMinute: number
  concurrent: number
  perDay: number
  /** calls a minute across every organisation of this Xero app (Xero: 10,000); 0 or none leaves it to Xero's 429s */
  appPerMinute?: number
  /** how long a slot in flight lasts if its holder dies before giving it back (the call's time-out, and some) */
  slotMs: number
  /** sandbox seconds per real second (benchmarks): the minute and the day are that much shorter */
  clockSpeed: number
  /** real ms a call's entry outlives its minute (ARRIVAL_MARGIN_MS unless set) */
  arrivalMarginMs?: number
}

interface Slot {
  /** holder */
  h: string
  /** lapses at (ms) */
  e: number
  /** taken at (ms): its entry in the minute log */
  a: number
}

interface BudgetState {
  minute: number[]
  inFlight: Slot[]
  dayStartedAt: number
  dayCount: number
}

/**
 * The default real-time margin past a minute-log entry's expiry: Xero stamps a call when it arrives, we
 * when it left (see restamped). XERO_ARRIVAL_MARGIN_MS sets another.
 */
export const ARRIVAL_MARGIN_MS = 250
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The minute log with a call's entry moved from when its slot was taken to when the request left:
 * Xero stamps a call when it arrives, and a process can send it seconds after taking the slot (the
 * slot's own write waits on a busy database, say). Stamped at the answer instead, each entry stayed in
 * the minute a round trip longer than Xero keeps it: at Xero's 2 s for a batch, 56 calls a minute
 * instead of 60. What separates leaving from arriving (the network) is the margin (ARRIVAL_MARGIN_MS) every
 * entry gets; a call slower than that may meet a 429, which is obeyed. Kept in order.
 */
function restamped(minute: number[], takenAt: number, sentAt: number) {
  const at = minute.indexOf(takenAt)
  if (at < 0) return minute
  return [...minute.slice(0, at), ...minute.slice(at + 1), sentAt].sort((a, b) => a - b)
}

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
 *
 * Xero also limits the app as a whole (10,000 calls a minute across all
 * organisations), kept by AppMinute in one more row: a call takes its
 * organisation's slot first, then its place in the app's minute, waiting
 * while that minute is full.
 */
export class XeroBudget {
  private rows = new OptimisticRows('xero_budgets', 'tenant_id', () => ({
    minute_log: '[]',
    in_flight: '[]',
    day_started_at: Date.now(),
    day_count: 0,
  }))

  /** null when the app-wide minute is left to Xero's 429s */
  private appMinute: AppMinute | null

  constructor(private limits: XeroBudgetLimits) {
    this.appMinute = limits.appPerMinute
      ? new AppMinute(
          this.rows,
          limits.appPerMinute,
          new RollingCount(this.minuteMs, this.minuteMs / 60, this.marginMs)
        )
      : null
  }

  private get marginMs() {
    return this.limits.arrivalMarginMs ?? ARRIVAL_MARGIN_MS
  }

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
      // The app's minute is looked at first, so that the organisation's slot is taken just before the call.
      const appWait = (await this.appMinute?.wait()) ?? 0
      const taken =
        appWait > 0
          ? { wait: appWait, dayEndsAt: 0 }
          : await this.rows.change(tenantId, this.organisation, (state, now) => {
              const wait = this.waitFor(state, now)
              if (wait === 0) {
                state.minute.push(now)
                state.inFlight.push({ h: token, e: now + this.limits.slotMs, a: now })
                state.dayCount++
              }
              return { wait, dayEndsAt: state.dayStartedAt + this.dayMs }
            })
      if (taken.wait === 0) {
        await this.appMinute?.take()
        return token
      }
      if (taken.wait < 0) {
        const seconds = Math.ceil((taken.dayEndsAt - Date.now()) / 1000)
        throw new XeroRateLimitError(
          `Xero's daily limit of ${this.limits.perDay} calls for this organisation is used up`,
          'day',
          Math.max(1, seconds),
          429
        )
      }
      // A little jitter, so processes waiting on one organisation do not all ask again at once.
      await sleep(Math.min(taken.wait, 1000) * (0.9 + Math.random() * 0.2))
    }
  }

  /**
   * Gives the slot back, counting what Xero's answer says of its limits; `sentAt` is when the request
   * left (after `acquire` returned), its time in the minute.
   */
  async release(
    tenantId: string,
    token: string,
    observed: XeroRateLimits | null,
    sentAt: number = Date.now()
  ) {
    await this.rows.change(tenantId, this.organisation, (state, now) => {
      const slot = state.inFlight.find((held) => held.h === token)
      state.inFlight = state.inFlight.filter((held) => held !== slot)
      if (slot) state.minute = restamped(state.minute, slot.a, Math.max(slot.a, sentAt))
      if (observed) this.observe(state, observed, now)
    })
    this.appMinute?.observe(observed?.appMinuteRemaining ?? null)
  }

  /** What the organisation's row holds now, for a status view: in flight, calls this minute, calls today. */
  async usage(tenantId: string) {
    const state = this.organisation.parse(await this.rows.read(tenantId), Date.now())
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
      return Math.max(1, oldest + this.minuteMs + this.marginMs - now)
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

  /** An organisation's row: the calls of its rolling minute, its calls in flight, the day's count. */
  private organisation: RowState<BudgetState> = {
    parse: (row, now) => {
      const dayOver = now >= Number(row.day_started_at) + this.dayMs
      return {
        // An entry stays its minute and the arrival margin, as `waitFor` counts it: dropped at its minute's
        // end, a call asked for in the margin went at once, and Xero, whose stamp is later, refused it.
        minute: (JSON.parse(row.minute_log) as number[]).filter(
          (at) => at + this.minuteMs + this.marginMs > now
        ),
        inFlight: (JSON.parse(row.in_flight) as Slot[]).filter((slot) => slot.e > now),
        dayStartedAt: dayOver ? now : Number(row.day_started_at),
        dayCount: dayOver ? 0 : Number(row.day_count),
      }
    },
    columns: (state) => ({
      minute_log: JSON.stringify(state.minute),
      in_flight: JSON.stringify(state.inFlight),
      day_started_at: state.dayStartedAt,
      day_count: state.dayCount,
    }),
  }
}
