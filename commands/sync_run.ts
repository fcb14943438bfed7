import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import logger from '@adonisjs/core/services/logger'
import Product from '#models/product'
import { syncedText } from '#models/sync_run'
import SyncRunner, { type RunOutcome } from '#sync/sync_runner'
import SlackAlertService from '#services/slack_alert_service'
import { Clock } from '#sync/clock'
import { xeroWaitText } from '#sync/rate_limits'

/** One pass of the engine over the Active products (or one product), with progress. */
export default class SyncRun extends BaseCommand {
  static commandName = 'sync:run'
  static description =
    'Run one sync pass: discover new Autotask invoices and push pending ones to Xero'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'Only this product (runs it even when Paused)' })
  declare product?: number

  async run() {
    const products = this.product
      ? await Product.query().where('id', this.product)
      : await Product.query().where('status', 'active').orderBy('id')
    if (products.length === 0) {
      this.logger.warning(
        this.product ? `No product #${this.product}.` : 'No Active product: nothing to sync.'
      )
      this.exitCode = this.product ? 1 : 0
      return
    }
    const runner = await this.app.container.make(SyncRunner)
    for (const product of products) {
      const spinner = this.logger.await(`Product #${product.id} ${product.name}: starting`).start()
      let outcome: RunOutcome
      try {
        outcome = await runner.run(product, 'console', 'console', ({ phase, stats }) => {
          spinner.update(
            `Product #${product.id} ${product.name}: ${phase}, ${stats.invoicesDiscovered} found, ${stats.invoicesSynced} synced, ${stats.invoicesFaulted} faulted`
          )
        })
      } catch (error) {
        // Not a failed run (that is recorded and reported below) but a bug or a broken database: say so, exit non-zero.
        logger.error(
          { err: error, productId: product.id },
          'sync:run stopped on an unexpected error'
        )
        this.logger.error(
          `Product #${product.id} ${product.name}: the sync stopped on an unexpected error: ${(error as Error)?.message ?? String(error)}`
        )
        this.exitCode = 1
        continue
      } finally {
        // A running spinner re-arms a timer every 200 ms: left running, it keeps the process alive for ever.
        spinner.stop()
      }
      if (!outcome.started) {
        this.logger.warning(`Product #${product.id}: ${outcome.reason}`)
        continue
      }
      const { run } = outcome
      const line = `Product #${product.id} ${product.name}: run #${run.id} ${run.state}: ${run.stats?.invoicesDiscovered ?? 0} found, ${syncedText(run.stats)}, ${run.stats?.invoicesFaulted ?? 0} faulted, ${run.stats?.invoicesSkipped ?? 0} skipped`
      if (run.state === 'failed') {
        this.logger.error(`${line} (${run.error})`)
        this.exitCode = 1
      } else if (run.state === 'waiting') {
        await product.refresh()
        const now = (await this.app.container.make(Clock)).now()
        this.logger.warning(`${line} (${xeroWaitText(product, now) ?? 'waiting for Xero'})`)
      } else {
        this.logger.success(line)
      }
    }
    // Alerts the run queued are being posted in the background: let them finish before the process ends.
    await (await this.app.container.make(SlackAlertService)).settled()
  }
}
