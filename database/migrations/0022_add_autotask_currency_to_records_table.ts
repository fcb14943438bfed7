import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Multi-currency: the Autotask currency (a Currencies id, from the company) a record's `currency` code
 * was read from, so a resync reads it again and an id Autotask does not list faults with that id.
 */
export default class extends BaseSchema {
  async up() {
    for (const name of ['invoice_records', 'purchase_order_records']) {
      this.schema.alterTable(name, (table) => {
        table.integer('autotask_currency_id').unsigned().nullable()
      })
    }
  }

  async down() {
    for (const name of ['invoice_records', 'purchase_order_records']) {
      this.schema.alterTable(name, (table) => {
        table.dropColumn('autotask_currency_id')
      })
    }
  }
}
