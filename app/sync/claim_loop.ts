import { inject } from '@adonisjs/core'
import { XeroRateLimitError } from '#integrations/xero/errors'
import LeaseService, { type Claim } from '#sync/leases'
import RecordOutcomes, { type OutcomeBatch, type PushStats } from '#sync/record_outcomes'
import type { AnyRecord, RecordKind } from '#sync/record_kinds'
import type { RunContext } from '#sync/run_context'
import syncConfig from '#config/sync'
import { inLanes } from '#sync/lanes'

/** One kind of record's push, as the claim-and-commit loop drives it. */
export interface ClaimedWork<R extends AnyRecord> {
  kind: RecordKind
  /** The claimed rows, by id. */
  load(ids: number[]): Promise<R[]>
  /** Decides each record's outcome in `batch` (written by the loop's commit). */
  push(batch: OutcomeBatch, records: R[]): Promise<void>
  /** Narrows the records due to this push (see LeaseService.claim). */
  only?: (query: any) => any
  /** After each batch is written, with the counts so far. */
  onBatch?(stats: PushStats): void
}

/**
 * The worker's batches in flight, over every product it runs (syncConfig.batchesInFlight): a lane
 * takes one before it claims records and gives it back once its batch is written. First come, first served.
 */
class BatchSlots {
  private free: number | null = null
  private waiting: (() => void)[] = []

  async take() {
    this.free ??= syncConfig.batchesInFlight
    if (this.free > 0) {
      this.free--
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  give() {
    const next = this.waiting.shift()
    if (next) next()
    else this.free = (this.free ?? syncConfig.batchesInFlight) + 1
  }
}

const batchSlots = new BatchSlots()

/**
 * The one claim-and-commit loop of the engine, for invoices and purchase orders
 * alike: claim up to a batch of due records under a lease, push them, write
 * every outcome in one commit, and again, until nothing is due, the run is told
 * to stop, or Xero asks for a long wait. Up to `lanes` batches are in flight at
 * once (each its own claim), sharing the stop signal. While the run's discovery
 * still runs (`context.feed`), a lane with nothing to claim waits for its next page.
 *
 * One failure policy for both kinds:
 * - a rate limit too long to wait out (Xero's daily limit): the batch's open
 *   records go back to Pending, due when Xero allows, no attempt counted; no
 *   further batch is claimed in this run;
 * - a lost connection: the records go back untouched and the run fails with it;
 * - any other failure: the batch's records are retried with back-off (or
 *   faulted, see RecordOutcomes.batchFailed) and the loop goes on with the next
 *   batch: one bad batch never holds up the rest.
 */
@inject()
export default class ClaimLoop {
  constructor(
    protected leases: LeaseService,
    protected outcomes: RecordOutcomes
  ) {}

  async run<R extends AnyRecord>(
    context: RunContext,
    work: ClaimedWork<R>,
    lanes = 1
  ): Promise<PushStats> {
    const stats: PushStats = { synced: 0, faulted: 0, retried: 0, skipped: 0 }
    // The lanes claim one at a time: a lane checking that a whole batch is due (while discovery runs)
    // must not find the records another lane is claiming, and end up with the rest.
    let claiming: Promise<unknown> = Promise.resolve()
    const claim = () => {
      const claimed = claiming.then(() =>
        this.leases.claim(
          work.kind,
          context.product.id,
          context.worker,
          syncConfig.batchSize,
          syncConfig.leaseSeconds,
          { only: work.only, whole: context.feed?.open }
        )
      )
      claiming = claimed.catch(() => {})
      return claimed
    }
    let stopped = false
    let check: Promise<boolean> | null = null
    // Lanes ask together: one check (one heartbeat, one lock extension) answers them all.
    const shouldStop = async () => {
      if (stopped) return true
      check ??= context.shouldStop().finally(() => (check = null))
      if (await check) stopped = true
      return stopped
    }

    const lane = async () => {
      while (!(await shouldStop())) {
        // Read before claiming: a page stored after this is reason to look again.
        const seen = context.feed?.version ?? 0
        await batchSlots.take()
        let claimed: boolean
        try {
          claimed = await this.batch(context, work, stats, claim, () => (stopped = true))
        } finally {
          batchSlots.give()
        }
        if (claimed) work.onBatch?.(stats)
        // Nothing due: done, unless discovery, still running beside the push, stores more.
        else if (!(await context.feed?.beyond(seen))) return
      }
    }

    await inLanes(lanes, lane)
    return stats
  }

  /** Claims one batch, pushes it and writes its outcomes; false when nothing was left to claim. */
  private async batch<R extends AnyRecord>(
    context: RunContext,
    work: ClaimedWork<R>,
    stats: PushStats,
    claimNext: () => Promise<Claim>,
    stop: () => void
  ) {
    const claim = await claimNext()
    if (claim.ids.length === 0) return false
    context.feed?.taken(claim.ids.length)
    const records = await work.load(claim.ids)
    const batch = this.outcomes.batch(work.kind, context.product, context.run.id, claim, stats)
    try {
      await work.push(batch, records)
      await batch.commit()
    } catch (error) {
      if (error instanceof XeroRateLimitError) {
        // Too long to wait out here (the daily limit): the records wait, and the run ends waiting.
        stop()
        await this.outcomes.rateLimited(batch, records, error)
        throw error
      }
      try {
        await this.outcomes.batchFailed(batch, records, error)
      } catch (lost) {
        stop()
        throw lost
      }
    }
    return true
  }
}
