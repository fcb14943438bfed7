import { BaseCommand } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import Product from '#models/product'

/** Every product of every account with its status, health and counts. */
export default class ProductsList extends BaseCommand {
  static commandName = 'products:list'
  static description = 'List products with their status, connection health and invoice counts'
  static options: CommandOptions = { startApp: true }

  async run() {
    const products = await Product.query()
      .preload('account')
      .withCount('invoices', (q) => q.where('status', 'pending').as('pending'))
      .withCount('invoices', (q) => q.where('status', 'fault').as('faults'))
      .orderBy('id')
    const table = this.ui.table()
    table.head([
      '#',
      'Account',
      'Product',
      'Status',
      'Autotask',
      'Xero',
      'Pending',
      'Faults',
      'Next sync (UTC)',
    ])
    for (const product of products) {
      table.row([
        String(product.id),
        product.account.name,
        product.name,
        product.isActive ? 'Active' : 'Paused',
        product.autotaskHealth,
        product.xeroHealth,
        String(product.$extras.pending),
        String(product.$extras.faults),
        // A Paused product is never scheduled, whatever time its last run left behind.
        product.isActive ? (product.nextSyncAt?.toFormat('yyyy-LL-dd HH:mm') ?? '—') : '— (paused)',
      ])
    }
    table.render()
  }
}
