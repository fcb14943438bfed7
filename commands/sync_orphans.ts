import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { DateTime } from 'luxon'
import Product from '#models/product'
import ProductConnections from '#sync/product_connections'
import OrphanReconciler from '#sync/orphan_reconciler'

/** The orphan reconciler on demand (each sync run does it too), e.g. to look further back than the last pass. */
export default class SyncOrphans extends BaseCommand {
  static commandName = 'sync:orphans'
  static description =
    'Remove stray copies of synced invoices from Xero (ones carrying our marker that no record links)'
  static options: CommandOptions = { startApp: true }

  @flags.number({ description: 'The product', required: true })
  declare product: number

  @flags.string({
    description:
      'Look at Xero invoices changed since this date (YYYY-MM-DD) instead of the last pass',
  })
  declare since?: string

  async run() {
    const product = await Product.find(this.product)
    if (!product) {
      this.logger.error(`No product #${this.product}.`)
      this.exitCode = 1
      return
    }
    const from = this.since ? DateTime.fromISO(this.since, { zone: 'utc' }) : undefined
    if (from && !from.isValid) {
      this.logger.error(`--since must be a date as YYYY-MM-DD, not "${this.since}".`)
      this.exitCode = 1
      return
    }
    const connections = (await this.app.container.make(ProductConnections)).for(product)
    if (!connections.ok) {
      this.logger.error(`Product #${product.id}: ${connections.reason}`)
      this.exitCode = 1
      return
    }
    const reconciler = await this.app.container.make(OrphanReconciler)
    const { removed, kept } = await reconciler.run(product, connections.xero, { from })
    const copies = `${removed} stray ${removed === 1 ? 'copy' : 'copies'}`
    const line = `Product #${product.id} ${product.name}: ${copies} of invoices removed from Xero, ${kept} kept`
    if (kept > 0) {
      this.logger.warning(`${line}: see the product's Sync Logs for why.`)
      this.exitCode = 1
    } else {
      this.logger.success(line)
    }
  }
}
