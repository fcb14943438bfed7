import { BaseSchema } from '@adonisjs/lucid/schema'

/** A negative Autotask invoice becomes a Xero credit note: which kind of Xero document the link names. */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('invoice_records', (table) => {
      table.string('xero_type', 16).nullable()
    })
  }

  async down() {
    this.schema.alterTable('invoice_records', (table) => {
      table.dropColumn('xero_type')
    })
  }
}
