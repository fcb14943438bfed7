import { BaseSchema } from '@adonisjs/lucid/schema'

/** The orphan reconciler reads Xero's invoices changed since its last pass (If-Modified-Since): when was that. */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('products', (table) => {
      table.timestamp('orphans_checked_at').nullable()
    })
  }

  async down() {
    this.schema.alterTable('products', (table) => {
      table.dropColumn('orphans_checked_at')
    })
  }
}
