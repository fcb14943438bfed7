import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Payments back to Autotask: what Xero last said an invoice still owes, the paid date written to
 * Autotask, and when the product last asked Xero what changed (If-Modified-Since of the next check).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.string('payment_state', 12).nullable()
      table.decimal('xero_amount_due', 15, 4).nullable()
      table.date('paid_date').nullable()
    })
    this.schema.alterTable('products', (table) => {
      table.timestamp('payments_checked_at').nullable()
    })
  }

  async down() {
    this.schema.alterTable('products', (table) => {
      table.dropColumn('payments_checked_at')
    })
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('paid_date')
      table.dropColumn('xero_amount_due')
      table.dropColumn('payment_state')
    })
  }
}
