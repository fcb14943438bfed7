import { inject } from '@adonisjs/core'
import db from '@adonisjs/lucid/services/db'
import Product from '#models/product'
import LeaseSweeper from '#sync/lease_sweeper'
import SyncRunner from '#sync/sync_runner'
import RunStates from '#sync/run_states'
import { Clock } from '#sync/clock'
import { toSqlDateTime } from '#models/columns'
import SlackAlertService from '#services/slack_alert_service'
import logger from '@adonisjs/core/services/logger'

/**
 * The scheduler's tick (every 10 s): give back leases of dead workers and close
 * their runs left `running` (RunStates.sweepStale), run every
 * Active product that is due (its polling interval has passed, someone asked
 * with Sync Now or a resync, or a retry's time has come), then deliver the Slack
 * alerts that are due.
 */
@inject()
export default class SyncScheduler {
  constructor(
    protected sweeper: LeaseSweeper,
    protected runner: SyncRunner,
    protected slackAlerts: SlackAlertService,
    protected clock: Clock,
    protected states: RunStates
  ) {}

  async tick(): Promise<void> {
    await this.sweeper.sweep()
    await this.states.sweepStale()
    for (const product of await this.dueProducts()) {
      await this.runner.run(product, product.syncRequestedAt ? 'manual' : 'schedule', null)
    }
    // Alerts waiting for their debounce window or for Slack to accept them; Slack never fails a tick.
    await this.slackAlerts
      .flush()
      .catch((error) => logger.warn({ err: error }, 'Slack alert delivery failed'))
  }

  async dueProducts() {
    const now = toSqlDateTime(this.clock.now())
    return Product.query()
      .where('status', 'active')
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
      .orderBy('id')
  }
}
