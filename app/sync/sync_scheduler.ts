import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import Product from '#models/product'
import LeaseSweeper from '#sync/lease_sweeper'
import SyncRunner, { workerName } from '#sync/sync_runner'
import SyncWorkers from '#sync/sync_workers'
import RunStates, { productLock } from '#sync/run_states'
import { Clock } from '#sync/clock'
import { toSqlDateTime } from '#models/columns'
import SlackAlertService from '#services/slack_alert_service'
import logger from '@adonisjs/core/services/logger'
import syncConfig from '#config/sync'

/** The runs this process has going, by product: a tick starts only those not already going here. */
const going = new Map<number, Promise<unknown>>()

/**
 * The scheduler's tick (every 10 s): give back leases of dead workers and close
 * their runs left `running` (RunStates.sweepStale), start a run of every Active
 * product that is due (its polling interval has passed, someone asked with Sync
 * Now or a resync, or a retry's time has come), then deliver the Slack alerts
 * that are due.
 *
 * Due products run at once, each under its own product lock (another worker may
 * hold it: that product is skipped here), up to `syncConfig.productsAtOnce` per
 * process. The tick does not wait for them: a product with 10 invoices starts
 * and ends while one with 10,000 goes on, and the next tick starts what became
 * due meanwhile. Those asked for by a person (Sync Now, a resync) start first.
 * With several workers alive (SyncWorkers), each takes its share of what is due,
 * not all of it: the others' ticks take the rest.
 */
@inject()
export default class SyncScheduler {
  constructor(
    protected sweeper: LeaseSweeper,
    protected runner: SyncRunner,
    protected slackAlerts: SlackAlertService,
    protected clock: Clock,
    protected states: RunStates,
    protected workers: SyncWorkers
  ) {}

  async tick(): Promise<void> {
    await this.sweeper.sweep()
    await this.states.sweepStale()
    const live = await this.workers.checkIn(workerName())
    const due = await this.dueProducts()
    // What is due counts what runs here and in the other workers too (a product stays due until its run ends).
    const share = Math.min(syncConfig.productsAtOnce, Math.ceil(due.length / live))
    for (const product of due) {
      if (going.size >= share) break
      if (going.has(product.id)) continue
      // Running in another worker: not worth one of this worker's slots (the runner would find it locked
      // and give up, but only after the slot had kept a due product waiting for the next tick).
      if (await productLock(product.id).isLocked()) continue
      const trigger = product.syncRequestedAt ? 'manual' : 'schedule'
      const run = this.runner
        .run(product, trigger, null)
        .catch((error) => logger.error({ err: error, productId: product.id }, 'sync run crashed'))
        .finally(() => going.delete(product.id))
      going.set(product.id, run)
    }
    // Alerts waiting for their debounce window or for Slack to accept them; Slack never fails a tick.
    await this.slackAlerts
      .flush()
      .catch((error) => logger.warn({ err: error }, 'Slack alert delivery failed'))
  }

  /** Resolves once every run this process started has ended (tests, and a worker shutting down). */
  static async settled() {
    while (going.size > 0) await Promise.allSettled([...going.values()])
  }

  /** How many product runs this process has going. */
  static get runningHere() {
    return going.size
  }

  async dueProducts() {
    const now = toSqlDateTime(this.clock.now())
    return (
      Product.query()
        .where('status', 'active')
        // Waiting for Xero's window (its daily limit): not before it ends, whatever else is due.
        .where((open) =>
          open.whereNull('xero_waiting_until').orWhere('xero_waiting_until', '<=', now)
        )
        .where((due) => {
          due
            .whereNull('next_sync_at')
            .orWhere('next_sync_at', '<=', now)
            .orWhereNotNull('sync_requested_at')
            .orWhereExists(
              db
                .from('invoice_records')
                .whereColumn('invoice_records.product_id', 'products.id')
                .where('invoice_records.status', 'pending')
                .whereNotNull('invoice_records.invoice_number')
                .where((retry) =>
                  retry
                    .whereNull('invoice_records.next_attempt_at')
                    .orWhere('invoice_records.next_attempt_at', '<=', now)
                )
            )
        })
        // A person's request first (Sync Now, a resync), then the longest waiting.
        .orderByRaw('case when sync_requested_at is null then 1 else 0 end')
        .orderByRaw('coalesce(next_sync_at, created_at)')
        .orderBy('id')
    )
  }
}
